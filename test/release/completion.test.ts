// Completion through the real kubectl (≥ 1.26): `kubectl __complete istio-tls …` runs
// kubectl_complete-istio_tls from PATH (here the npm bin) and passes its cobra-format answer through:
// commands, flags, flag values, contexts from the kubeconfig, namespaces from the (simulated) cluster,
// and nothing, quietly, when the cluster cannot be reached.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { complete } from '../../src/cli/completion.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { ensureBuilt, ROOT, run } from '../scenario/harness.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

const none = { contexts: async () => [], namespaces: async () => [] };
const values = async (words: string[]) => (await complete(words, none)).candidates.map((c) => c.value);

describe('completion (unit: the words → candidates table)', () => {
  const cases: [string[], string[]][] = [
    [[''], ['doctor', 'status', 'explain', 'version', 'completion', 'help']],
    [['st'], ['status']],
    [['doctor', '-o', ''], ['table', 'json', 'yaml', 'sarif']],
    [['status', '-o', ''], ['table', 'json', 'yaml']],
    [['doctor', '-o', 'y'], ['yaml']],
    [['doctor', '--output=j'], ['--output=json']],
    [['doctor', '-oj'], ['-ojson']],
    [['status', '--fail-on', ''], ['error', 'warning', 'info', 'none']],
    [['doctor', '--fail-on=w'], ['--fail-on=warning']],
    [['version', '--'], ['--output', '--help']],
    [['status', '--fix'], []],
    [['doctor', '--fix'], ['--fix-only', '--fix-script']],
    [['help', ''], ['doctor', 'status', 'explain', 'version', 'completion']],
    [['completion', ''], ['install']],
    [['doctor', 'extra', ''], []],
    [['nope', ''], []],
  ];
  for (const [words, want] of cases) {
    it(`${JSON.stringify(words)} → ${JSON.stringify(want)}`, async () => assert.deepEqual(await values(words), want));
  }
  it('file names for --kubeconfig, -f and --ca-file (directive 0); none elsewhere (4)', async () => {
    for (const flag of ['--kubeconfig', '-f', '--filename', '--ca-file']) assert.equal((await complete(['doctor', flag, ''], none)).directive, 0, flag);
    assert.equal((await complete(['doctor', '--now', ''], none)).directive, 4);
    assert.equal((await complete([''], none)).directive, 4);
  });
  it('--context and -n ask the sources with the --kubeconfig and --context already typed', async () => {
    const seen: unknown[] = [];
    const sources = {
      contexts: async (kc: string | undefined) => (seen.push(['contexts', kc]), ['a', 'b']),
      namespaces: async (kc: string | undefined, ctx: string | undefined) => (seen.push(['namespaces', kc, ctx]), ['istio-system', 'shop']),
    };
    assert.deepEqual((await complete(['doctor', '--kubeconfig', '/k', '--context', ''], sources)).candidates.map((c) => c.value), ['a', 'b']);
    assert.deepEqual((await complete(['doctor', '--kubeconfig=/k', '--context', 'x', '-n', 'i'], sources)).candidates.map((c) => c.value), ['istio-system']);
    assert.deepEqual(seen, [['contexts', '/k'], ['namespaces', '/k', 'x']]);
  });
});

describe('completion through the real kubectl', { skip: hasKubectl ? false : 'kubectl is not installed (.ci/run installs it)' }, () => {
  let env: Record<string, string> = {};
  let sim: Sim;
  let deadPort = 0;
  let home = '';
  before(async () => {
    ensureBuilt();
    const pathDir = mkdtempSync(join(tmpdir(), 'istio-tls-cpath-'));
    symlinkSync(join(ROOT, 'bin', 'kubectl-istio_tls'), join(pathDir, 'kubectl-istio_tls'));
    symlinkSync(join(ROOT, 'bin', 'kubectl_complete-istio_tls'), join(pathDir, 'kubectl_complete-istio_tls'));
    home = mkdtempSync(join(tmpdir(), 'istio-tls-chome-'));
    const dir = (await materializeScenario(join(ROOT, 'examples', 'kiali'), { now: new Date() })).dir;
    sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(home, 'sim-kubeconfig') });
    // a port nothing listens on: the "unreachable cluster"
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    deadPort = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    writeFileSync(
      join(home, 'two-contexts'),
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${deadPort}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: prod, context: {cluster: c, user: u}}, {name: staging, context: {cluster: c, user: u}}]\ncurrent-context: prod\n`,
    );
    env = { PATH: `${pathDir}${delimiter}${process.env.PATH ?? ''}`, HOME: home, KUBECONFIG: join(home, 'two-contexts') };
  });
  after(async () => sim?.stop());

  const kc = (...words: string[]) => run('kubectl', ['__complete', 'istio-tls', ...words], env);

  it('commands, with descriptions', async () => {
    const r = await kc('');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['doctor', 'status', 'explain', 'version', 'completion', 'help', ':4']);
  });

  it('flags and flag values (-o, --fail-on)', async () => {
    assert.match((await kc('doctor', '--fail')).stdout, /^--fail-on\texit 1 at or above this severity\n--fail-on-existing\twith --use-kube, --fail-on counts findings already live too\n:4\n$/);
    assert.equal((await kc('doctor', '-o', '')).stdout, 'table\njson\nyaml\nsarif\n:4\n');
    assert.equal((await kc('status', '--fail-on', 'w')).stdout, 'warning\n:4\n');
  });

  it('contexts from the kubeconfig (KUBECONFIG, or the --kubeconfig typed before)', async () => {
    assert.equal((await kc('doctor', '--context', '')).stdout, 'prod\nstaging\n:4\n');
    assert.equal((await kc('doctor', '--kubeconfig', sim.kubeconfigPath, '--context', '')).stdout.split('\n').length, 3, 'the sim kubeconfig has one context');
  });

  it('namespaces from the cluster', async () => {
    const r = await kc('doctor', '--kubeconfig', sim.kubeconfigPath, '-n', '');
    const names = r.stdout.trim().split('\n');
    assert.equal(names.pop(), ':4');
    assert.ok(names.includes('istio-system'), r.stdout);
  });

  it('an unreachable cluster: no namespaces, no error text, still a valid answer', async () => {
    const r = await kc('doctor', '-n', '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, ':4\n');
  });

  it('file names for -f (kubectl falls back to the shell)', async () => {
    assert.equal((await kc('doctor', '-f', '')).stdout, ':0\n');
  });
});
