// Builds krew (`kubectl krew`) and krew-index's validator (`validate-krew-manifest`) from the Go module
// sigs.k8s.io/krew with the machine's Go, cached outside the work tree, keyed by the pinned version.
// Prints the directory holding `kubectl-krew` and `validate-krew-manifest`. `--check` only looks.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// krew-index CI pins v0.4.5 for validation; the Go module proxy serves sigs.k8s.io/krew up to v0.4.3
export const KREW_VERSION = 'v0.4.3';

export function krewDir() {
  const key = createHash('sha256').update(KREW_VERSION).digest('hex').slice(0, 12);
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-istio-tls', `krew-${KREW_VERSION}-${key}`);
  return { dir, krew: join(dir, 'kubectl-krew'), validator: join(dir, 'validate-krew-manifest') };
}

export function buildKrew({ quiet = false } = {}) {
  const { dir, krew, validator } = krewDir();
  if (existsSync(krew) && existsSync(validator)) return dir;
  if (spawnSync('go', ['version']).status !== 0) throw new Error('go is not installed: cannot build krew');
  mkdirSync(dir, { recursive: true });
  for (const cmd of ['krew', 'validate-krew-manifest']) {
    const r = spawnSync('go', ['install', `sigs.k8s.io/krew/cmd/${cmd}@${KREW_VERSION}`], {
      stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
    });
    if (r.status !== 0) throw new Error(`go install sigs.k8s.io/krew/cmd/${cmd}@${KREW_VERSION} failed`);
  }
  // kubectl finds plugins by name: `kubectl krew` runs kubectl-krew
  if (!existsSync(krew)) symlinkSync('krew', krew);
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--check')) {
    const { dir, krew, validator } = krewDir();
    if (!existsSync(krew) || !existsSync(validator)) process.exit(1);
    console.log(dir);
  } else {
    try {
      console.log(buildKrew());
    } catch (e) {
      console.error(`build-krew: ${(e as Error).message}`);
      process.exit(1);
    }
  }
}
