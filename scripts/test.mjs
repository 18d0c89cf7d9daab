// `npm test` is the quick tier: every test/**/*.test.ts outside the heavy tiers (unit, checks, report,
// goldens, scenarios on the simulated cluster, kubectl, conformance, convergence, cli, docs). It
// builds nothing but the bundle and needs no Go or cargo.
// `npm run test:all` (this script with --all) adds the heavy tiers below: it first builds what they
// need into the cache outside the work tree (a progress line per build with its expected time), then
// runs the quick and heavy files together. A prerequisite the machine lacks is an error there, never a
// silent skip: test:all promises those tiers ran.
// `npm test -- <substring>…` and `npm run test:all -- <substring>…` run only the files whose path
// contains one of the substrings (test:all then builds only what those files need).
//
// Files run TEST_CONCURRENCY at a time (default 3: on 2 cores the files wait on child processes and
// sockets much of the time), slowest first by the last run's times (.cache/test-times.json).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
process.chdir(ROOT);

/** What each heavy tier needs built first. Cold times from one end-to-end cold .ci/run on the 2-core machine at load
 * 4-7 (2026-12-03): apiserver 5m18s, referee 6m46s, krew 1m03s, rcodesign 7m44s, release 47s; under load 12-20 the
 * referee and rcodesign took 27-28 min each. */
const BUILDS = {
  apiserver: { what: 'kube-apiserver + etcd (scripts/build-apiserver.sh)', cmd: ['bash', 'scripts/build-apiserver.sh'], needs: ['go'], cold: '~5 min' },
  referee: { what: "the referee: Istio's discovery server + RBAC authorizer (scripts/build-referee.sh)", cmd: ['bash', 'scripts/build-referee.sh'], needs: ['go'], cold: '~7 min, up to 27 on a loaded machine', optional: 'scripts/build-referee.sh' },
  krew: { what: 'krew + validate-krew-manifest (scripts/build-krew.ts)', cmd: [process.execPath, '--import', 'tsx', 'scripts/build-krew.ts'], needs: ['go'], cold: '~1 min' },
  rcodesign: { what: 'rcodesign (scripts/build-rcodesign.ts, cargo)', cmd: [process.execPath, '--import', 'tsx', 'scripts/build-rcodesign.ts'], needs: ['cargo'], cold: '~8 min, up to 28 on a loaded machine' },
  release: { what: 'the release of this bundle (scripts/release.ts --cached: Bun runtimes from npm, 5 executables)', cmd: [process.execPath, '--import', 'tsx', 'scripts/release.ts', '--cached'], needs: [], cold: '~1 min' },
};

/** The heavy tiers: run by test:all only. */
const HEAVY = [
  { dir: 'test/realserver/', tier: 'real-server', builds: ['apiserver'], needs: ['kubectl'] },
  // judge.test.ts (the tier's rules on hand-made cases) needs no Go and runs in the quick tier
  { dir: 'test/referee/referee.test.ts', tier: 'referee', builds: ['referee'], needs: [] },
  { dir: 'test/release/', tier: 'release', builds: ['krew', 'rcodesign', 'release'], needs: ['kubectl', 'git', 'qemu'] },
];

/** What a prerequisite is, how to tell it is there, and how to get it. */
const PREREQUISITES = {
  go: { ok: () => has('go', ['version']), say: 'Go (https://go.dev/dl/) on PATH' },
  cargo: { ok: () => has('cargo', ['--version']), say: 'cargo (https://rustup.rs) on PATH' },
  kubectl: { ok: () => has('kubectl', ['version', '--client']), say: 'kubectl on PATH (Debian: apt-get install kubernetes-client)' },
  git: { ok: () => has('git', ['--version']), say: 'git on PATH' },
  qemu: {
    ok: () =>
      ['/usr/bin', '/usr/local/bin'].some((d) => existsSync(join(d, 'qemu-aarch64-static')) || existsSync(join(d, 'qemu-aarch64'))) &&
      existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1'),
    say: 'qemu-user and an aarch64 glibc to run the linux/arm64 executable (Debian: apt-get install qemu-user-static libc6-arm64-cross)',
  },
};

function has(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const all = args.includes('--all');
const filters = args.filter((a) => a !== '--all');
const command = all ? 'npm run test:all' : 'npm test';
const heavyOf = (f) => HEAVY.find((h) => f.startsWith(h.dir));

const every = walk('test').sort();
const matching = every.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const files = all ? matching : matching.filter((f) => !heavyOf(f));
if (files.length === 0) {
  const heavy = matching.filter(heavyOf);
  if (heavy.length > 0) console.error(`${command}: ${filters.join(' ')} matches only heavy-tier files (${[...new Set(heavy.map((f) => heavyOf(f).tier))].join(', ')}): run npm run test:all -- ${filters.join(' ')}`);
  else console.error(`${command}: no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const log = (line) => console.error(`${all ? 'test:all' : 'test'}: ${line}`);
const clock = (ms) => (ms < 60_000 ? `${Math.round(ms / 1000)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`);

const tiers = all ? HEAVY.filter((h) => files.some((f) => f.startsWith(h.dir))) : [];
const builds = [...new Set(tiers.flatMap((h) => h.builds))].filter((b) => !BUILDS[b].optional || existsSync(BUILDS[b].optional));
const needs = [...new Set([...tiers.flatMap((h) => h.needs), ...builds.flatMap((b) => BUILDS[b].needs)])];
const missing = needs.filter((n) => !PREREQUISITES[n].ok());
if (missing.length > 0) {
  for (const n of missing) log(`missing ${PREREQUISITES[n].say}: the ${tiers.filter((h) => h.needs.includes(n) || h.builds.some((b) => BUILDS[b].needs.includes(n))).map((h) => h.tier).join(' and ')} tier needs it`);
  log('npm test runs the quick tier without any of them');
  process.exit(1);
}

// the bundle: the scenario, kubectl and cli tiers run it, and the release is built from it
const bundled = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (bundled.status !== 0) process.exit(bundled.status ?? 1);

for (const [i, name] of builds.entries()) {
  const b = BUILDS[name];
  const tag = `[${i + 1}/${builds.length}] ${b.what}`;
  log(`${tag}: building, or reusing the cache (cold: ${b.cold}; cached: seconds)`);
  const r = await runLogged(b.cmd, name, (elapsed) => log(`${tag}: still building, ${clock(elapsed)} so far (cold: ${b.cold})`));
  if (r.code !== 0) {
    log(`${tag} failed (exit ${r.code}); the end of its log, ${r.logFile}:`);
    console.error(r.tail);
    process.exit(1);
  }
  log(`${tag}: ready in ${clock(r.ms)}`);
}

/** Run a build with its output in .cache/test-builds/<name>.log, calling tick once a minute. */
function runLogged(cmd, name, tick) {
  mkdirSync('.cache/test-builds', { recursive: true });
  const logFile = `.cache/test-builds/${name}.log`;
  rmSync(logFile, { force: true });
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const keep = (b) => {
      text += b;
      writeFileSync(logFile, text);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setInterval(() => tick(Date.now() - start), 60_000);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, ms: Date.now() - start, logFile, tail: text.trimEnd().split('\n').slice(-15).join('\n') });
    });
  });
}

// slowest first, so the last minutes are not one long file running alone
const TIMES = '.cache/test-times.json';
let last = {};
try {
  last = JSON.parse(readFileSync(TIMES, 'utf8'));
} catch {}
// without a previous run (a fresh clone): the heavy tiers' files, then the quick tier's long ones
const FIRST = ['test/scenario/scenarios.test.ts', 'test/scenario/scenarios-b.test.ts', 'test/report/golden.test.ts', 'test/report/voice.test.ts', 'test/tls/chain.test.ts'];
const weight = (f) => last[f] ?? (heavyOf(f) ? 3_600_000 : FIRST.includes(f) ? 60_000 * (FIRST.length - FIRST.indexOf(f)) : 0);
const order = files.slice().sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
const concurrency = Number(process.env.TEST_CONCURRENCY) || 3;

console.log(`node ${process.version}: ${files.length} test files${all ? '' : ' (quick tier; npm run test:all adds the real-server, referee and release tiers)'}, ${concurrency} at a time`);
mkdirSync('.cache', { recursive: true });
const timesOut = `.cache/test-times.${process.pid}.json`;
const cpuOut = `.cache/test-cpu.${process.pid}.jsonl`;
const start = Date.now();
const run = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--import', './scripts/test-cpu.mjs',
    '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/test-times.mjs', `--test-reporter-destination=${timesOut}`,
    ...order,
  ],
  { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', TEST_CPU_LOG: cpuOut } },
);
const wall = Date.now() - start;
// where the time went: wall per file (the runner's own measure) and CPU per file with its children
try {
  const times = JSON.parse(readFileSync(timesOut, 'utf8'));
  writeFileSync(TIMES, JSON.stringify({ ...last, ...times }, null, 1));
  const top = (entries) => entries.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([f, ms]) => `${f} ${clock(ms)}`).join(', ');
  console.log(`${files.length} files in ${clock(wall)}; longest: ${top(Object.entries(times))}`);
  const cpu = readFileSync(cpuOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  console.log(`CPU of the test files and their child processes: ${clock(cpu.reduce((t, c) => t + c.cpuMs, 0))}; most: ${top(cpu.map((c) => [c.file, c.cpuMs]))}`);
} catch {}
rmSync(timesOut, { force: true });
rmSync(cpuOut, { force: true });
process.exit(run.status ?? 1);
