// Start-up of the release executable (issue 11: within 1.5× `node -e 0`), as a ratio measured in the
// same run: `kubectl-istio_tls version` (the linux executable of this machine's arch, from the release
// of the current bundle, built once and cached) against `node -e 0`, interleaved, median of N runs.
// Also `--help` and `doctor -f examples/kiali` (the whole doctor offline) of the executable beside the
// npm launcher. Run on its own: node --import tsx bench/startup.ts [--runs n]; bench/run.ts calls it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cachedRelease, ROOT } from '../scripts/release.js';

function once(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall times of each command, run in turns so machine load hits them alike. */
function interleaved(cmds: [string, string[]][], runs: number): number[] {
  const times: number[][] = cmds.map(() => []);
  for (const [cmd, args] of cmds) once(cmd, args); // warm the page cache
  for (let i = 0; i < runs; i++) cmds.forEach(([cmd, args], j) => times[j].push(once(cmd, args)));
  return times.map(median);
}

export async function startupPart(runs = 11): Promise<{ ratio: number }> {
  if (process.platform !== 'linux') {
    console.log('startup: the release executable is measured on Linux only');
    return { ratio: NaN };
  }
  const rel = cachedRelease({ log: (l) => console.log(`  ${l}`) });
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const exe = rel.targets.find((t) => t.os === 'linux' && t.arch === arch)!.exePath;
  const launcher = join(ROOT, 'bin', 'kubectl-istio_tls');
  console.log(`\nstart-up (median of ${runs}, interleaved): release executable (bun ${rel.bun}) vs node -e 0`);
  const [node0, exeVersion, npmVersion] = interleaved(
    [
      [process.execPath, ['-e', '0']],
      [exe, ['version']],
      [process.execPath, [launcher, 'version']],
    ],
    runs,
  );
  const ratio = exeVersion / node0;
  console.log(`  node -e 0                         ${node0.toFixed(1)} ms`);
  console.log(`  executable version                ${exeVersion.toFixed(1)} ms   ratio ${ratio.toFixed(2)}× (target ≤ 1.5×)`);
  console.log(`  npm launcher version              ${npmVersion.toFixed(1)} ms   ratio ${(npmVersion / node0).toFixed(2)}×`);
  const [exeDoctor, npmDoctor] = interleaved(
    [
      [exe, ['doctor', '-f', 'examples/kiali', '-o', 'json']],
      [process.execPath, [launcher, 'doctor', '-f', 'examples/kiali', '-o', 'json']],
    ],
    Math.max(3, Math.floor(runs / 2)),
  );
  console.log(`  executable doctor -f examples/kiali   ${exeDoctor.toFixed(1)} ms`);
  console.log(`  npm launcher doctor -f examples/kiali ${npmDoctor.toFixed(1)} ms   (executable/npm ${(exeDoctor / npmDoctor).toFixed(2)}×)`);
  return { ratio };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  await startupPart(i > 0 ? Number(process.argv[i + 1]) : 11);
}
