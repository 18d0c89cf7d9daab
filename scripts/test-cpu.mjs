// Loaded by scripts/test.mjs into every test file's process (--import): on exit, appends the file's
// CPU time — its own and that of the children it waited for (the CLI runs, kubectl) — to
// $TEST_CPU_LOG, so the summary shows where the CPU of a run goes. Linux only (/proc); else a no-op.
import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const file = process.argv[1];
const out = process.env.TEST_CPU_LOG;
if (out && file?.endsWith('.test.ts')) {
  process.on('exit', () => {
    try {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      // after "pid (comm) ": state is field 3, utime 14, stime 15, cutime 16, cstime 17 (clock ticks, 100 Hz)
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      appendFileSync(out, `${JSON.stringify({ file: relative(process.cwd(), file), cpuMs: ticks * 10 })}\n`);
    } catch {}
  });
}
