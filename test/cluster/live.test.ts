import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import {
  ClusterAuthError,
  ClusterUnreachableError,
  kubeconfigFiles,
  loadKubeconfig,
  loadLiveSnapshot,
  NoCredentialsError,
  SECRET_FIELD_SELECTOR,
} from '../../src/cluster/index.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { BASIC, manyGateways, scenarioWith } from '../sim/helpers.js';

const TIMEOUT = 5000;

/** Strip what only a server adds, so live objects compare with the YAML. */
function comparable(o: { metadata: Record<string, unknown> } & Record<string, unknown>): Record<string, unknown> {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = o.metadata;
  const { apiVersion: _a, ...rest } = o;
  return { ...rest, metadata: meta };
}

describe('loadLiveSnapshot over the simulated cluster', () => {
  let sim: Sim;
  let snap: Snapshot;
  before(async () => {
    sim = await startSim({ scenarioDir: BASIC });
    snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
  });
  after(async () => sim?.stop());

  it('returns exactly what the scenario YAML says, as plain JSON', () => {
    const state = loadScenario(sim.dir);
    const expect = (kind: string) =>
      state.objects
        .filter((o) => o.type.kind === kind)
        .map((o) => comparable(o.body as never))
        .sort((a, b) => JSON.stringify(a.metadata).localeCompare(JSON.stringify(b.metadata)));
    const got = (items: unknown[]) =>
      (items as never[]).map((o) => comparable(o)).sort((a, b) => JSON.stringify(a.metadata).localeCompare(JSON.stringify(b.metadata)));
    assert.deepEqual(got(snap.pods), expect('Pod'));
    assert.deepEqual(got(snap.services), expect('Service'));
    assert.deepEqual(got(snap.gateways), expect('Gateway'));
    assert.deepEqual(got(snap.virtualServices), expect('VirtualService'));
    assert.deepEqual(got(snap.destinationRules), expect('DestinationRule'));
    assert.deepEqual(got(snap.peerAuthentications), expect('PeerAuthentication'));
    // Service-account tokens and Helm releases are filtered server-side; data stays base64.
    const tlsSecrets = expect('Secret').filter((s) => !['kubernetes.io/service-account-token', 'helm.sh/release.v1'].includes(s.type as string));
    assert.deepEqual(got(snap.secrets), tlsSecrets);
    const webCert = snap.secrets.find((s) => s.metadata.name === 'web-cert')!;
    assert.match(Buffer.from(webCert.data!['tls.crt'], 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.equal(snap.pods[0].kind, 'Pod', 'kind restored on list items');
    assert.equal(typeof (snap.pods[0].status?.containerStatuses?.[0].state?.running?.startedAt), 'string', 'timestamps stay strings');
    assert.equal(snap.istioCrds, 'present');
    assert.deepEqual(snap.unreadable, []);
    assert.equal(snap.source.kind, 'live');
    assert.equal(snap.source.context, 'sim');
    for (const k of ['pods', 'services', 'secrets', 'gateways', 'virtualServices', 'destinationRules', 'peerAuthentications', 'roles', 'clusterRoleBindings'] as const) {
      assert.equal(snap.read[k], true, k);
    }
  });

  it('only GETs, one LIST per kind, secrets with the server-side type filter', () => {
    assert.ok(sim.requestLog.length > 0);
    assert.deepEqual([...new Set(sim.requestLog.map((e) => e.verb))], ['GET']);
    const lists = sim.requestLog.filter((e) => e.action === 'list').map((e) => e.path);
    assert.equal(new Set(lists).size, lists.length, 'no kind listed twice');
    assert.ok(!sim.requestLog.some((e) => e.action === 'get'), 'never a GET per object');
    const secrets = sim.requestLog.find((e) => e.path === '/api/v1/secrets')!;
    assert.equal(secrets.query.fieldSelector, SECRET_FIELD_SELECTOR);
    assert.equal(secrets.query.limit, '500');
  });
});

describe('request count does not grow with the number of Gateways', () => {
  it('1 Gateway and 20 Gateways cost the same requests', async () => {
    // All Gateways select the same gateway pod: in-pod inspection is per pod, not per Gateway.
    const counts: number[] = [];
    for (const n of [1, 20]) {
      const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'many.yaml': manyGateways(n) }) });
      try {
        const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
        assert.equal(snap.gateways.length, n + 1);
        // the live probe is one port-forward per TLS host by design (and one without SNI); API requests do not grow
        const probes = sim.requestLog.filter((e) => e.action === 'portforward' && String(e.query.ports) !== '15000').length;
        assert.equal(probes, n + 2, 'web.example.com, one host per Gateway, and no SNI');
        counts.push(sim.requestLog.length - probes);
        assert.ok(sim.requestLog.every((e) => e.verb === 'GET' && (e.status === 200 || e.status === 101)));
      } finally {
        await sim.stop();
      }
    }
    assert.equal(counts[0], counts[1]);
    assert.equal(counts[0], 18, 'discovery + 12 LISTs + 1 port-forward to the one gateway pod carrying 4 Envoy admin reads');
  });

  it('follows continue tokens page by page', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'many.yaml': manyGateways(4) }) });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, pageSize: 2 });
      assert.deepEqual(snap.gateways.map((g) => g.metadata.name).sort(), ['gw-0', 'gw-1', 'gw-2', 'gw-3', 'web-gateway']);
      const gwPages = sim.requestLog.filter((e) => e.path === '/apis/networking.istio.io/v1/gateways');
      assert.equal(gwPages.length, 3);
      assert.ok(gwPages.slice(1).every((e) => typeof e.query.continue === 'string'));
    } finally {
      await sim.stop();
    }
  });
});

describe('what cannot be read', () => {
  it('403 on secrets becomes an unreadable entry and the rest is still read', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { deny: [{ verb: 'list', resource: 'secrets' }] } }) });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
      // refused cluster-wide, then in the Istio namespace it retried: one entry per scope
      assert.deepEqual(snap.unreadable.map((x) => `${x.resource} ${x.namespace ?? '*'}`), ['secrets *', 'secrets istio-system']);
      const u = snap.unreadable[0];
      assert.equal(u.resource, 'secrets');
      assert.equal(u.verb, 'list');
      assert.equal(u.status, 403);
      assert.match(u.reason, /cannot list resource "secrets"/);
      assert.match(u.impact ?? '', /TLS credentials cannot be read/);
      assert.equal(snap.read.secrets, undefined);
      assert.equal(snap.secrets.length, 0);
      assert.equal(snap.gateways.length, 1);
    } finally {
      await sim.stop();
    }
  });

  it('with -n, a cluster-wide 403 falls back to that namespace and the Istio namespace, and says what was missed', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { deny: [{ verb: 'list', resource: 'secrets', namespace: 'istio-system' }] } }) });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, namespace: 'web' });
      assert.ok(snap.secrets.length > 0 && snap.secrets.every((s) => s.metadata.namespace === 'web'));
      assert.equal(snap.read.secrets, true);
      assert.deepEqual(snap.readNamespaces, { secrets: ['web'] });
      assert.deepEqual(snap.unreadable.map((x) => `${x.resource} ${x.namespace ?? '*'}`), ['secrets *', 'secrets istio-system']);
      assert.match(snap.unreadable[0].impact ?? '', /outside namespace web/);
      const lists = sim.requestLog.filter((e) => e.path.includes('/secrets')).map((e) => e.path.split('?')[0]).sort();
      assert.deepEqual(lists, ['/api/v1/namespaces/istio-system/secrets', '/api/v1/namespaces/web/secrets', '/api/v1/secrets']);
    } finally {
      await sim.stop();
    }
  });

  it('without -n, a cluster-wide 403 falls back to the Istio namespace (a user bound only there)', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { deny: [{ verb: 'list', resource: '*', namespace: 'web' }] } }) });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, inspect: false });
      assert.equal(snap.read.gateways, true);
      assert.equal(snap.read.virtualServices, true);
      assert.deepEqual(snap.readNamespaces?.virtualServices, ['istio-system']);
      assert.deepEqual(snap.readNamespaces?.pods, ['istio-system']);
      assert.ok(snap.pods.length > 0 && snap.pods.every((p) => p.metadata.namespace === 'istio-system'));
      assert.equal(snap.virtualServices.length, 0, 'the VirtualService lives in web, unread');
      // cluster-scoped kinds have no namespace to fall back to
      assert.equal(snap.read.clusterRoles, undefined);
      assert.ok(snap.unreadable.some((u) => u.resource === 'clusterroles.rbac.authorization.k8s.io' && u.namespace === undefined));
    } finally {
      await sim.stop();
    }
  });

  it('knows the user a client certificate authenticates as (for the RBAC fix)', async () => {
    const sim = await startSim({ scenarioDir: BASIC });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, inspect: false });
      assert.equal(snap.source.user, 'sim-user');
    } finally {
      await sim.stop();
    }
  });

  it('missing Istio CRDs → istioCrds "missing" and no Istio LISTs', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { missingGroups: ['networking.istio.io', 'security.istio.io'] } }) });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
      assert.equal(snap.istioCrds, 'missing');
      assert.equal(snap.gateways.length, 0);
      assert.deepEqual(snap.unreadable, []);
      assert.ok(!sim.requestLog.some((e) => e.path.includes('istio.io')));
    } finally {
      await sim.stop();
    }
  });

  it('a hung server → ClusterUnreachableError naming the timeout', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { hang: ['/'] } }) });
    try {
      await assert.rejects(loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 300 }), (e: unknown) => {
        assert.ok(e instanceof ClusterUnreachableError);
        assert.match((e as Error).message, /did not answer GET \/apis within 300 ms/);
        assert.equal((e as ClusterUnreachableError).exitCode, 2);
        return true;
      });
    } finally {
      await sim.stop();
    }
  });

  it('one hung kind is reported as unreadable (status 0); the others are read', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { hang: ['/api/v1/secrets'] } }) });
    try {
      // the hung kind waits out the whole timeout; the others must answer within it even on a loaded machine
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
      assert.deepEqual(snap.unreadable.map((u) => [u.resource, u.status]), [['secrets', 0]]);
      assert.equal(snap.gateways.length, 1);
    } finally {
      await sim.stop();
    }
  });

  it('connection refused → ClusterUnreachableError', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const kc = join(dir, 'config');
    writeFileSync(kc, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }));
    await assert.rejects(loadLiveSnapshot({ kubeconfig: kc, requestTimeoutMs: TIMEOUT }), (e: unknown) => {
      assert.ok(e instanceof ClusterUnreachableError);
      assert.match((e as Error).message, /connection refused/);
      return true;
    });
  });

  it('rejected credentials (401) → ClusterAuthError; token auth works', async () => {
    const sim = await startSim({ scenarioDir: BASIC, auth: 'token' });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
      assert.equal(snap.gateways.length, 1);
      const doc = parseYaml(readFileSync(sim.kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] };
      doc.users[0].user.token = 'wrong';
      const bad = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
      writeFileSync(bad, stringify(doc));
      await assert.rejects(loadLiveSnapshot({ kubeconfig: bad, requestTimeoutMs: TIMEOUT }), (e: unknown) => {
        assert.ok(e instanceof ClusterAuthError);
        assert.match((e as Error).message, /401/);
        return true;
      });
    } finally {
      await sim.stop();
    }
  });
});

describe('kubeconfig with kubectl semantics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcsem-'));
  const cfg = (name: string, server: string, current?: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Config',
    ...(current ? { 'current-context': current } : {}),
    clusters: [{ name, cluster: { server, 'certificate-authority': 'ca.crt', ...extra } }],
    users: [{ name, user: { token: name } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: `${name}-ns` } }],
  });
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  const a = join(dir, 'a', 'config');
  const b = join(dir, 'b', 'config');
  writeFileSync(a, stringify(cfg('one', 'https://one.example:6443', 'one')));
  // b redefines "one" (first file wins) and sets another current-context (first file wins too).
  const bDoc = cfg('two', 'https://two.example:6443', 'two');
  bDoc.clusters.push({ name: 'one', cluster: { server: 'https://shadowed.example', 'certificate-authority': 'x' } });
  writeFileSync(b, stringify(bDoc));

  it('KUBECONFIG list: first current-context wins, duplicates merge first-wins, missing files are skipped', () => {
    const env = { KUBECONFIG: [join(dir, 'missing'), a, b].join(':'), HOME: dir };
    const r = loadKubeconfig({ env });
    assert.equal(r.contextName, 'one');
    assert.equal(r.server, 'https://one.example:6443');
    assert.equal(r.namespace, 'one-ns');
    assert.deepEqual(r.files, [a, b]);
    assert.equal(r.minified.clusters![0].cluster['certificate-authority'], join(dir, 'a', 'ca.crt'), 'relative paths resolve against their file');
    const two = loadKubeconfig({ env, context: 'two' });
    assert.equal(two.server, 'https://two.example:6443');
    assert.equal(two.minified.clusters![0].cluster['certificate-authority'], join(dir, 'b', 'ca.crt'));
  });

  it('--kubeconfig wins over KUBECONFIG, and must exist', () => {
    assert.deepEqual(kubeconfigFiles(b, { KUBECONFIG: a }).files, [b]);
    assert.equal(loadKubeconfig({ kubeconfig: b, env: { KUBECONFIG: a } }).contextName, 'two');
    assert.throws(() => loadKubeconfig({ kubeconfig: join(dir, 'nope') }), NoCredentialsError);
  });

  it('no configuration at all is a clear NoCredentialsError, never localhost:8080', async () => {
    const env = { HOME: join(dir, 'empty-home') };
    assert.throws(() => loadKubeconfig({ env }), (e: unknown) => {
      assert.ok(e instanceof NoCredentialsError);
      assert.match((e as Error).message, /no Kubernetes configuration found.*--kubeconfig.*-f/s);
      return true;
    });
    assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: `${join(dir, 'x')}:${join(dir, 'y')}` } }), NoCredentialsError);
  });

  it('an unknown --context lists the ones there are', () => {
    assert.throws(() => loadKubeconfig({ kubeconfig: a, context: 'prod' }), /context "prod" not found.*have: one/);
  });
});

describe('--no-exec', () => {
  it('inspect: false reads no pod and opens no stream', async () => {
    const sim = await startSim({ scenarioDir: BASIC });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, inspect: false });
      assert.deepEqual(snap.inspections, []);
      assert.ok(!sim.requestLog.some((e) => e.action === 'exec' || e.action === 'portforward'));
      assert.equal(sim.requestLog.length, 13);
    } finally {
      await sim.stop();
    }
  });
});

describe('credentials from an exec plugin (kubelogin, aws, gke-gcloud-auth-plugin style)', () => {
  it('runs the plugin through client-node and sends its bearer token', async () => {
    const sim = await startSim({ scenarioDir: BASIC, auth: 'token' });
    try {
      const doc = parseYaml(readFileSync(sim.kubeconfigPath, 'utf8')) as { users: { user: Record<string, unknown> }[] };
      const token = doc.users[0].user.token as string;
      const dir = mkdtempSync(join(tmpdir(), 'execauth-'));
      const plugin = join(dir, 'plugin.cjs');
      writeFileSync(
        plugin,
        `process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: {token: ${JSON.stringify(token)}, expirationTimestamp: '2999-01-01T00:00:00Z'}}));\n`,
      );
      doc.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } };
      const kc = join(dir, 'config');
      writeFileSync(kc, stringify(doc));
      const snap = await loadLiveSnapshot({ kubeconfig: kc, requestTimeoutMs: TIMEOUT, inspect: false });
      assert.equal(snap.gateways.length, 1);
      assert.ok(sim.requestLog.every((e) => e.status === 200));
    } finally {
      await sim.stop();
    }
  });
});
