// Builds rcodesign (crate apple-codesign, from crates.io) with the machine's cargo, for ad-hoc signing
// and verifying the darwin executables on Linux. Cached outside the work tree, keyed by the pinned
// version and features; prints the path of the binary. `--check` prints it only if already built.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const RCODESIGN_VERSION = '0.29.0';
// the default `notarize` feature pulls the AWS SDK; signing and verifying need none of it
const FEATURES = ['--no-default-features'];

export function rcodesignPath() {
  const key = createHash('sha256').update(JSON.stringify([RCODESIGN_VERSION, FEATURES])).digest('hex').slice(0, 12);
  const root = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-istio-tls', `rcodesign-${RCODESIGN_VERSION}-${key}`);
  return { root, bin: join(root, 'bin', 'rcodesign') };
}

export function buildRcodesign({ quiet = false } = {}) {
  const { root, bin } = rcodesignPath();
  if (existsSync(bin)) return bin;
  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (cargo.status !== 0) throw new Error('cargo is not installed: cannot build rcodesign (needed to sign the darwin executables)');
  mkdirSync(root, { recursive: true });
  const r = spawnSync(
    'cargo',
    ['install', '--locked', '--root', root, 'apple-codesign', '--version', `=${RCODESIGN_VERSION}`, ...FEATURES, '--bin', 'rcodesign'],
    { stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'], env: { ...process.env, CARGO_BUILD_JOBS: process.env.CARGO_BUILD_JOBS ?? '2' } },
  );
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`cargo install apple-codesign@${RCODESIGN_VERSION} failed`);
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--check')) {
    const { bin } = rcodesignPath();
    if (!existsSync(bin)) process.exit(1);
    console.log(bin);
  } else {
    try {
      console.log(buildRcodesign());
    } catch (e) {
      console.error(`build-rcodesign: ${(e as Error).message}`);
      process.exit(1);
    }
  }
}
