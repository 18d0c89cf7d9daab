// In-pod inspection end to end: each test/scenarios/inpod-* scenario served by the simulated
// cluster, read by the live source (port-forward to Envoy's admin port, exec fallback), checked.
// Also: path validation tables, the hostile-path proof, and what the request log shows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadLiveSnapshot, validateContainerPath } from '../../src/cluster/index.js';
import { inPodCheck } from '../../src/checks/inpod.js';
import { doctorCheck } from '../../src/checks/doctor.js';
import { runChecks } from '../../src/checks/run.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { emptySnapshot, type Snapshot } from '../../src/snapshot/types.js';
import { loadTrustStore } from '../../src/tls/index.js';

const trustStore = loadTrustStore();
const ROOT = 'test/scenarios';
const POD = 'istio-system/istio-ingressgateway-7f9d8c6b4-q7wzt';
const INPOD_CODES = ['ITLS206', 'ITLS208', 'ITLS210', 'ITLS213', 'ITLS901'];

interface Expect {
  codes?: string[];
  absent?: string[];
}

/** Exactly which in-pod codes (206/208/210/213/901) each scenario yields live, and what the inspection saw. */
const TABLE: { name: string; inpod: string[]; via: string; state: string; fileState?: string; timeoutMs?: number }[] = [
  { name: 'inpod-healthy-sds', inpod: [], via: 'port-forward', state: 'ok' },
  { name: 'inpod-warming', inpod: ['ITLS210'], via: 'port-forward', state: 'ok' },
  { name: 'inpod-stale-envoy', inpod: ['ITLS210'], via: 'port-forward', state: 'ok' },
  { name: 'inpod-empty-mount', inpod: ['ITLS206'], via: 'port-forward', state: 'ok', fileState: 'ok' },
  { name: 'inpod-stale-mount', inpod: ['ITLS208'], via: 'port-forward', state: 'ok', fileState: 'ok' },
  { name: 'inpod-distroless', inpod: ['ITLS210'], via: 'port-forward', state: 'ok', fileState: 'no-tool' },
  { name: 'inpod-rejected-listener', inpod: ['ITLS213'], via: 'port-forward', state: 'ok' },
  { name: 'inpod-exec-forbidden', inpod: ['ITLS901'], via: 'none', state: 'forbidden' },
  // ITLS901: the live probe needs pods/portforward too, so what is served on the wire is unknown
  { name: 'inpod-portforward-forbidden', inpod: ['ITLS210', 'ITLS901'], via: 'exec', state: 'ok' },
  { name: 'inpod-hung-pod', inpod: ['ITLS901'], via: 'port-forward', state: 'timeout', timeoutMs: 1500 },
  { name: 'inpod-hostile-path', inpod: ['ITLS206'], via: 'port-forward', state: 'ok', fileState: 'skipped' },
  // credentialName istio-system/shop-tls: Envoy holds kubernetes://istio-system/shop-tls (no false ITLS210)
  { name: 'inpod-credential-ns-name', inpod: [], via: 'port-forward', state: 'ok' },
  // exec denied, port-forward allowed: Envoy's chunked admin answers are enough
  { name: 'inpod-portforward-only', inpod: ['ITLS210'], via: 'port-forward', state: 'ok' },
  // a missing ls on CRI-O (exit 127, "No such file or directory") and cri-dockerd (exit 126) is no-tool, never ITLS206
  { name: 'inpod-distroless-cri-o', inpod: ['ITLS210'], via: 'port-forward', state: 'ok', fileState: 'no-tool' },
  { name: 'inpod-distroless-cri-dockerd', inpod: ['ITLS210'], via: 'port-forward', state: 'ok', fileState: 'no-tool' },
];

const READ_ONLY = (cmd: string[]) =>
  (cmd[0] === 'pilot-agent' && cmd[1] === 'request' && cmd[2] === 'GET' && cmd.length === 4) ||
  (cmd[0] === 'ls' && cmd[1] === '-1A' && cmd.length === 3) ||
  (cmd[0] === 'cat' && cmd.length === 2);

describe('in-pod scenarios, live over the simulated cluster', () => {
  for (const row of TABLE) {
    describe(row.name, () => {
      let sim: Sim;
      let snapshot: Snapshot;
      before(async () => {
        sim = await startSim({ scenarioDir: join(ROOT, row.name) });
        snapshot = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: row.timeoutMs ?? 5000 });
      });
      after(async () => sim?.stop());

      it(`yields exactly ${row.inpod.join(', ') || 'no in-pod finding'}`, () => {
        const expect = JSON.parse(readFileSync(join(ROOT, row.name, 'expect.json'), 'utf8')) as Expect;
        const all = runChecks(snapshot, { now: new Date(), expiryWarningMs: 30 * 86_400_000, trustStore }).findings;
        const codes = new Set(all.map((f) => f.code));
        for (const c of expect.codes ?? []) assert.ok(codes.has(c), `expected ${c}; got ${[...codes].sort().join(', ')}`);
        for (const c of expect.absent ?? []) assert.ok(!codes.has(c), `${c} must not fire: ${all.find((f) => f.code === c)?.message}`);
        const inpod = runChecks(snapshot, { now: new Date(), expiryWarningMs: 30 * 86_400_000, trustStore }, [inPodCheck, doctorCheck]).findings;
        assert.deepEqual(inpod.map((f) => f.code).sort(), [...row.inpod].sort(), inpod.map((f) => f.message).join('\n'));
        for (const f of inpod.filter((x) => x.code !== 'ITLS901')) {
          assert.ok(JSON.stringify(f.evidence).includes('istio-ingressgateway-7f9d8c6b4-q7wzt'), 'evidence names the pod');
          assert.ok(f.remediation?.summary, 'carries a fix');
        }
        assert.doesNotMatch(JSON.stringify({ all, snapshot: { inspections: snapshot.inspections, unreadable: snapshot.unreadable } }), /PRIVATE KEY|W3JlZGFjdGVkXQ==/);
      });

      it(`inspects through ${row.via} (${row.state})`, () => {
        assert.equal(snapshot.inspections.length, 1);
        const insp = snapshot.inspections[0];
        assert.equal(`${insp.namespace}/${insp.pod}`, POD);
        assert.equal(insp.envoy.via, row.via);
        assert.equal(insp.envoy.state, row.state);
        if (row.fileState) assert.equal(insp.fileAccess.state, row.fileState);
      });

      it('request log: one Envoy read sequence for the pod, only GETs and read-only commands', () => {
        assert.ok(sim.requestLog.every((e) => e.verb === 'GET'), 'only GET');
        // the admin port; the live probe's handshakes go to the TLS container ports (test/cluster/probe.test.ts)
        const pf = sim.requestLog.filter((e) => e.action === 'portforward' && String(e.query.ports) === '15000');
        assert.equal(pf.length, 1, 'one admin port-forward per gateway pod');
        const execs = sim.requestLog.filter((e) => e.action === 'exec');
        for (const e of execs) assert.ok(READ_ONLY(e.command ?? []), `read-only argv: ${JSON.stringify(e.command)}`);
        const pilot = execs.filter((e) => e.command?.[0] === 'pilot-agent');
        assert.ok(pilot.length === 0 || pilot.length === 4 || (row.state !== 'ok' && pilot.length === 1), `one pilot-agent sequence: ${pilot.length}`);
      });
    });
  }
});

describe('hostile Gateway values never run anything', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenarioDir: join(ROOT, 'inpod-hostile-path') });
  });
  after(async () => sim?.stop());

  it('/etc/istio/x; touch /tmp/pwned → invalid path, no command carries it, nothing is created', async () => {
    const snapshot = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000 });
    const insp = snapshot.inspections[0];
    assert.deepEqual(
      insp.files.map((f) => [f.path, f.exists, f.error?.startsWith('invalid path')]),
      [['/etc/istio/x; touch /tmp/pwned', false, true]],
    );
    for (const e of sim.requestLog) {
      assert.doesNotMatch(JSON.stringify(e), /pwned|touch/, `request carries the hostile value: ${JSON.stringify(e)}`);
      assert.ok(!['sh', 'bash'].includes(e.command?.[0] ?? ''), 'no shell');
    }
    assert.equal(sim.state.files.get(POD)?.has('/tmp/pwned') ?? false, false, 'the pod has no /tmp/pwned');
    const f = runChecks(snapshot, { now: new Date(), expiryWarningMs: 30 * 86_400_000, trustStore }, [inPodCheck]).findings;
    assert.equal(f.length, 1);
    assert.match(f[0].message, /not a usable file path.*";" " "/);
  });
});

describe('validateContainerPath', () => {
  const valid = ['/etc/istio/ingressgateway-certs/tls.crt', '/etc/certs/root-cert.pem', '/var/run/secrets/tls/ca_bundle+v2.pem', '/etc/istio/a@b=c,d:e~f'];
  const invalid: [string, RegExp][] = [
    ['/etc/istio/x; touch /tmp/pwned', /characters/],
    ['/etc/istio/$(id)', /characters/],
    ['/etc/istio/`id`', /characters/],
    ['/etc/istio/x|cat', /characters/],
    ['/etc/istio/x&&y', /characters/],
    ["/etc/istio/'x'", /characters/],
    ['/etc/istio/x y', /characters/],
    ['/etc/istio/x\ntouch', /control/],
    ['/etc/istio/x\u0000', /control/],
    ['etc/istio/tls.crt', /not absolute/],
    ['/etc/istio/../../root/.ssh/id_rsa', /\.\./],
    ['/etc/./istio/tls.crt', /"\."/],
    ['/etc//istio/tls.crt', /normalised/],
    ['/etc/istio/', /normalised/],
    ['-rf', /not absolute/],
    ['', /empty/],
  ];
  for (const p of valid) it(`accepts ${p}`, () => assert.deepEqual(validateContainerPath(p), { ok: true, path: p }));
  for (const [p, why] of invalid) {
    it(`refuses ${JSON.stringify(p)}`, () => {
      const r = validateContainerPath(p);
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, why);
    });
  }
  it('refuses non-strings', () => assert.equal(validateContainerPath(42).ok, false));
});

describe('inpod check without inspections', () => {
  it('stays silent offline (no inspections) even when Envoy-only problems could exist', () => {
    const snap = emptySnapshot({ kind: 'offline' });
    const f = runChecks(snap, { now: new Date(), expiryWarningMs: 0, trustStore }, [inPodCheck]).findings;
    assert.deepEqual(f, []);
  });
  it('declares ITLS208, ITLS210 and ITLS213 (ITLS206 is declared by the mounts check)', () => {
    assert.deepEqual(inPodCheck.codes.map((c) => c.code), ['ITLS208', 'ITLS210', 'ITLS213']);
    for (const c of INPOD_CODES.slice(1, 4)) assert.ok(inPodCheck.codes.find((x) => x.code === c)?.fix);
  });
});

describe('inpod check tables (hand-built snapshots)', async () => {
  const { issueCert, chainPem } = await import('../../src/testing/certgen.js');
  const { snapshotFromYaml } = await import('../helpers/snapshot.js');
  const ca = await issueCert({ cn: 'Table CA', ca: true });
  const current = await issueCert({ dns: ['a.example.com'], issuer: ca });
  const old = await issueCert({ dns: ['a.example.com'], issuer: ca });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const yaml = (gatewayTls: string) => `
apiVersion: v1
kind: Pod
metadata: {name: gw-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec:
  containers:
  - name: istio-proxy
    image: istio/proxyv2:1.24.0
    volumeMounts: [{name: certs, mountPath: /etc/istio/ingressgateway-certs}]
  volumes: [{name: certs, secret: {secretName: legacy-certs}}]
status: {phase: Running}
---
apiVersion: v1
kind: Secret
metadata: {name: a-cert, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: ${b64(chainPem(current))}, tls.key: ${b64(current.keyPem)}}
---
apiVersion: v1
kind: Secret
metadata: {name: legacy-certs, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: ${b64(chainPem(current))}, tls.key: ${b64(current.keyPem)}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: ${gatewayTls}
`;
  const SDS = '{mode: SIMPLE, credentialName: a-cert}';
  const FILES = '{mode: SIMPLE, serverCertificate: /etc/istio/ingressgateway-certs/tls.crt, privateKey: /etc/istio/ingressgateway-certs/tls.key}';
  type Insp = Snapshot['inspections'][number];
  const inspection = (envoy: Partial<Insp['envoy']>, rest: Partial<Insp> = {}): Insp => ({
    namespace: 'istio-system',
    pod: 'gw-1',
    container: 'istio-proxy',
    files: [],
    directories: [],
    fileAccess: { state: 'skipped' },
    envoy: { via: 'port-forward', state: 'ok', secrets: [], ...envoy },
    ...rest,
  });
  const cases: { name: string; tls: string; insp: Insp; expect: string[] }[] = [
    { name: 'SDS secret ACTIVE with the Secret\'s leaf → silent', tls: SDS, insp: inspection({ secrets: [{ name: 'kubernetes://a-cert', state: 'ACTIVE', certificateChainPem: chainPem(current) }] }), expect: [] },
    { name: 'SDS secret ACTIVE with an older leaf → 210', tls: SDS, insp: inspection({ secrets: [{ name: 'kubernetes://a-cert', state: 'ACTIVE', certificateChainPem: old.certPem }] }), expect: ['ITLS210'] },
    { name: 'SDS secret WARMING → 210', tls: SDS, insp: inspection({ secrets: [{ name: 'kubernetes://a-cert', state: 'WARMING' }] }), expect: ['ITLS210'] },
    { name: 'SDS secret absent from Envoy → 210', tls: SDS, insp: inspection({ secrets: [] }), expect: ['ITLS210'] },
    { name: 'Envoy not read (forbidden) → silent here (ITLS901 comes from unreadable)', tls: SDS, insp: inspection({ via: 'none', state: 'forbidden', secrets: undefined }), expect: [] },
    { name: 'rejected listener → 213', tls: SDS, insp: inspection({ secrets: [{ name: 'kubernetes://a-cert', state: 'ACTIVE', certificateChainPem: current.certPem }], rejectedListeners: [{ name: '0.0.0.0_443', error: 'bad' }] }), expect: ['ITLS213'] },
    { name: 'rejected listener on a port this Gateway does not use → silent', tls: SDS, insp: inspection({ secrets: [{ name: 'kubernetes://a-cert', state: 'ACTIVE', certificateChainPem: current.certPem }], rejectedListeners: [{ name: '0.0.0.0_9443', error: 'bad' }] }), expect: [] },
    {
      name: 'file mount current, Envoy loaded it → silent',
      tls: FILES,
      insp: inspection(
        { secrets: [{ name: 'file-cert:/etc/istio/ingressgateway-certs/tls.crt~/etc/istio/ingressgateway-certs/tls.key', state: 'ACTIVE', certificateChainPem: current.certPem }] },
        { fileAccess: { state: 'ok' }, directories: [{ path: '/etc/istio/ingressgateway-certs', exists: true, entries: ['tls.crt', 'tls.key'] }], files: [{ path: '/etc/istio/ingressgateway-certs/tls.crt', exists: true, content: chainPem(current) }] },
      ),
      expect: [],
    },
    {
      name: 'file mount stale (file ≠ Secret behind the volume) → 208',
      tls: FILES,
      insp: inspection(
        { secrets: [{ name: 'file-cert:/etc/istio/ingressgateway-certs/tls.crt~/etc/istio/ingressgateway-certs/tls.key', state: 'ACTIVE', certificateChainPem: old.certPem }] },
        { fileAccess: { state: 'ok' }, directories: [{ path: '/etc/istio/ingressgateway-certs', exists: true, entries: ['tls.crt', 'tls.key'] }], files: [{ path: '/etc/istio/ingressgateway-certs/tls.crt', exists: true, content: old.certPem }] },
      ),
      expect: ['ITLS208'],
    },
    {
      name: 'empty mounted directory → 206',
      tls: FILES,
      insp: inspection({ secrets: [] }, { fileAccess: { state: 'ok' }, directories: [{ path: '/etc/istio/ingressgateway-certs', exists: true, entries: [] }] }),
      expect: ['ITLS206'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const snap = snapshotFromYaml(yaml(c.tls), { read: ['pods', 'secrets', 'gateways'] });
      snap.inspections.push(c.insp);
      const f = runChecks(snap, { now: new Date(), expiryWarningMs: 30 * 86_400_000, trustStore }, [inPodCheck]).findings;
      assert.deepEqual(f.map((x) => x.code), c.expect, f.map((x) => x.message).join('\n'));
    });
  }
  // A rejected listener is named by the port Envoy listens on: the Service's targetPort, here a named one
  // (https → container port 8443), translated the way the model translates every listen port (issue 16).
  const namedTargetPort = (rejected: string) => {
    const snap = snapshotFromYaml(
      yaml(SDS).replace('    image: istio/proxyv2:1.24.0\n', '    image: istio/proxyv2:1.24.0\n    ports: [{name: https, containerPort: 8443}]\n') +
        `---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, ports: [{name: https, port: 443, targetPort: https}]}
`,
      { read: ['pods', 'secrets', 'gateways', 'services'] },
    );
    snap.inspections.push(inspection({ secrets: [{ name: 'kubernetes://a-cert', state: 'ACTIVE', certificateChainPem: chainPem(current) }], rejectedListeners: [{ name: rejected, error: 'bad' }] }));
    return runChecks(snap, { now: new Date(), expiryWarningMs: 30 * 86_400_000, trustStore }, [inPodCheck]).findings;
  };
  it('reports ITLS213 for the server behind a named targetPort (listener 0.0.0.0_8443, Service 443 → https → 8443)', () => {
    const f = namedTargetPort('0.0.0.0_8443');
    assert.deepEqual(f.map((x) => x.code), ['ITLS213']);
    assert.equal(f[0].port, 443);
    assert.equal(f[0].host, 'a.example.com');
  });
  it('stays silent on ITLS213 for a rejected listener on a port no server maps to through the named targetPort', () => {
    assert.deepEqual(namedTargetPort('0.0.0.0_9443').map((x) => x.code), []);
  });
});

describe('findings from several pods of one gateway are merged', () => {
  it('two replicas serving the old certificate → one ITLS210 naming both pods; one port-forward each', async () => {
    const { scenarioWith } = await import('../sim/helpers.js');
    const base = join(ROOT, 'inpod-stale-envoy');
    const pod2 = 'istio-ingressgateway-7f9d8c6b4-zz9k2';
    const clusterYaml = readFileSync(join(base, 'cluster.yaml'), 'utf8');
    const podDoc = clusterYaml.split(/^---$/m).find((d) => d.includes('name: istio-ingressgateway-7f9d8c6b4-q7wzt'))!;
    const override = readFileSync(join(base, 'envoy/istio-system/istio-ingressgateway-7f9d8c6b4-q7wzt/config_dump.json'), 'utf8');
    const dir = scenarioWith(base, {
      'replica.yaml': podDoc.replace('istio-ingressgateway-7f9d8c6b4-q7wzt', pod2),
      [`envoy/istio-system/${pod2}/config_dump.json`]: override,
    });
    const sim = await startSim({ scenarioDir: dir });
    try {
      const snapshot = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000 });
      assert.equal(snapshot.inspections.length, 2);
      const f = runChecks(snapshot, { now: new Date(), expiryWarningMs: 30 * 86_400_000, trustStore }, [inPodCheck]).findings;
      assert.equal(f.length, 1);
      assert.deepEqual(f[0].evidence.pods, [POD, `istio-system/${pod2}`]);
      assert.equal(sim.requestLog.filter((e) => e.action === 'portforward' && String(e.query.ports) === '15000').length, 2);
    } finally {
      await sim.stop();
    }
  });
});
