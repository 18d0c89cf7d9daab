// `npm run demo`: the seed's Kiali setup on the simulated cluster, diagnosed through a kubeconfig the
// way a user would: builds if needed, starts the sim on examples/kiali (certificates generated now),
// runs `kubectl istio-tls doctor` and `status` with the built CLI, then stops the sim.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
// `npm run demo -- gateway-api` runs examples/gateway-api (Gateway API + cert-manager) instead
const scenario = process.env.DEMO_SCENARIO ?? (process.argv[2] ? `examples/${process.argv[2]}` : 'examples/kiali');
const work = mkdtempSync(join(tmpdir(), 'istio-tls-demo-'));
const kubeconfig = join(work, 'kubeconfig');
const requestLog = join(work, 'requests.log');
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const dim = (s) => (useColor ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (useColor ? `\x1b[1m${s}\x1b[0m` : s);

function say(line) {
  process.stderr.write(`${dim(line)}\n`);
}

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  say('demo: building the CLI (dist/ is missing)');
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

say(`demo: starting the simulated cluster on ${scenario} (certificates are generated now)`);
// detached: the sim runs in its own process group, so stopping it stops npm and node together
const sim = spawn('npm', ['run', '--silent', 'sim', '--', '--scenario', scenario, '--kubeconfig', kubeconfig, '--log', requestLog], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
let simErr = '';
sim.stderr.on('data', (b) => (simErr += b));

function stopSim() {
  if (sim.exitCode === null && sim.pid) {
    try {
      process.kill(-sim.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', stopSim);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the simulated cluster did not print `ready <url>` within 120s')), 120_000);
  const lines = createInterface({ input: sim.stdout });
  lines.on('line', (line) => {
    const m = line.match(/^ready (\S+)/);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  sim.on('exit', (code) => {
    clearTimeout(timer);
    reject(new Error(`the simulated cluster exited (code ${code}) before it was ready:\n${simErr}`));
  });
}).catch((e) => {
  process.stderr.write(`demo: ${e.message}\n`);
  process.exit(2);
});
say(`demo: simulated cluster ready at ${url}; kubeconfig ${kubeconfig}`);

function run(args) {
  process.stdout.write(`\n${bold(`$ kubectl istio-tls ${args.join(' ')}`)}\n`);
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kubectl-istio_tls'), ...args, '--kubeconfig', kubeconfig], {
    cwd: root,
    stdio: 'inherit',
  });
  return r.status;
}

const doctorExit = run(['doctor']);
const requestsAfterDoctor = readLog().length;
const statusExit = run(['status']);
stopSim();

function readLog() {
  try {
    return readFileSync(requestLog, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
const log = readLog();
const verbs = [...new Set(log.map((e) => e.verb))].join(', ');
say(
  `\ndemo: doctor exited ${doctorExit}, status exited ${statusExit} (1 = errors found, as expected here).` +
    ` The doctor made ${requestsAfterDoctor} API requests (${verbs || 'none'}); the whole demo ${log.length}.`,
);
rmSync(work, { recursive: true, force: true });
// the demo succeeded if both commands did their job (0 or 1); 2 means the doctor could not run
process.exit(doctorExit === 2 || statusExit === 2 || doctorExit === null ? 2 : 0);
