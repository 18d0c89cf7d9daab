package main

import "syscall"

// dieWithParent asks the kernel to kill this process when the process that started it exits.
func dieWithParent() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0)
}
