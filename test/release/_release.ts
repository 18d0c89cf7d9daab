// Shared by the release tests: the release of the current bundle, built once (cached by bundle hash,
// scripts/release.ts cachedRelease) and reused by every test file; and the reasons a check is skipped
// (each a prerequisite this machine truly lacks).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from '../scenario/harness.js';
import { rcodesignPath } from '../../scripts/build-rcodesign.js';
import { cachedRelease, runtimeBinary, TARGETS, type Release } from '../../scripts/release.js';

export { ROOT } from '../../scripts/release.js';

function has(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Why no release can be built here, or undefined when it can. */
function releaseUnavailable(): string | undefined {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return `releases are built on linux/amd64 or linux/arm64, not ${process.platform}/${process.arch}`;
  if (!existsSync(rcodesignPath().bin) && !has('cargo')) return 'cargo is not installed (needed to build rcodesign for the darwin signatures)';
  try {
    for (const t of TARGETS) runtimeBinary(t.runtime);
  } catch (e) {
    return `the Bun runtimes cannot be fetched from the npm registry (${(e as Error).message.split('\n')[0]})`;
  }
  return undefined;
}

export const releaseSkip = releaseUnavailable();

let built: Release | undefined;
/** The release of the current dist/cli.js (built on first use by any test file of the run). */
export function theRelease(): Release {
  if (!built) {
    ensureBuilt();
    built = cachedRelease({ log: () => {} });
  }
  return built;
}

export function target(rel: Release, os: string, arch: string): Release['targets'][number] {
  const t = rel.targets.find((x) => x.os === os && x.arch === arch);
  if (!t) throw new Error(`no ${os}/${arch} in the release`);
  return t;
}

export const rcodesign = (): string => rcodesignPath().bin;

/** qemu-user for aarch64 and an aarch64 glibc (Debian libc6-arm64-cross): Bun's linux build is dynamically linked. */
export function qemuAarch64(): { qemu: string; sysroot: string } | string {
  const sysroot = '/usr/aarch64-linux-gnu';
  for (const dir of ['/usr/bin', '/usr/local/bin']) {
    for (const name of ['qemu-aarch64-static', 'qemu-aarch64']) {
      if (!existsSync(join(dir, name))) continue;
      if (!existsSync(join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) return 'libc6-arm64-cross is not installed (.ci/run installs it): linux/arm64 checked structurally only';
      return { qemu: join(dir, name), sysroot };
    }
  }
  return 'qemu-user-static is not installed (.ci/run installs it): linux/arm64 checked structurally only';
}
