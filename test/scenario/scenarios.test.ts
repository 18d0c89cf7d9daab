// Scenario tier: the built CLI as a subprocess against the simulated cluster, for every scenario
// directory (this file half of them, scenarios-b.test.ts the other half: scenario-suite.ts). Live (`--kubeconfig`) and offline (`-f` on the same materialized directory) must agree,
// exit codes and codes must match expect.json, the doctor only GETs, and no key ever leaks.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim } from '../../src/sim/server.js';
import { allOutputs, cli, ensureBuilt, keyFingerprints, ROOT } from './harness.js';
import { scenarioSuite } from './scenario-suite.js';

// one clock for materialization and both runs, whole seconds (RFC3339 without fractions)
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const keys = new Set<string>();

before(() => ensureBuilt());

// half of the scenario directories here, the other half in scenarios-b.test.ts (scenario-suite.ts)
scenarioSuite(0, 2, NOW, keys);

describe('request count', () => {
  /** A scenario with n Gateways (each with its own host and secret) on one gateway workload. */
  function scenarioWith(n: number): string {
    const d = mkdtempSync(join(tmpdir(), `istio-tls-gateways-${n}-`));
    mkdirSync(d, { recursive: true });
    const docs: string[] = [
      `apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0, args: [proxy, router]}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}], containerStatuses: [{name: istio-proxy, ready: true, restartCount: 0}]}`,
    ];
    for (let i = 0; i < n; i++) {
      docs.push(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw-${i}, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-${i}, protocol: HTTPS}
    hosts: [app-${i}.example.com]
    tls: {mode: SIMPLE, credentialName: app-${i}-tls}`);
      docs.push(`apiVersion: v1
kind: Secret
metadata: {name: app-${i}-tls, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}`);
    }
    writeFileSync(join(d, 'cluster.yaml'), docs.join('\n---\n'));
    return d;
  }

  it('does not grow with the number of Gateways', async () => {
    const counts: number[] = [];
    for (const n of [1, 25]) {
      const sim = await startSim({ scenarioDir: scenarioWith(n), kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-kc-')), 'kubeconfig') });
      try {
        const r = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
        assert.notEqual(r.code, 2, r.stderr);
        // the live probe is one port-forward per TLS host by design (linear in hosts); API requests are not
        const probes = sim.requestLog.filter((e) => e.action === 'portforward' && e.ports?.[0] !== 15000).length;
        assert.equal(probes, n + 1, 'one handshake per host, one without SNI');
        counts.push(sim.requestLog.length - probes);
        assert.deepEqual([...new Set(sim.requestLog.map((e) => e.verb))], ['GET']);
      } finally {
        await sim.stop();
      }
    }
    assert.equal(counts[0], counts[1], `requests for 1 Gateway vs 25 Gateways: ${counts.join(' vs ')}`);
  });
});

describe('--no-exec', () => {
  it('reads the cluster without port-forward or exec into gateway pods', async () => {
    const dir = (await materializeScenario(join(ROOT, 'examples', 'kiali'), { now: NOW })).dir;
    for (const k of keyFingerprints(dir)) keys.add(k);
    const sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-kc-')), 'kubeconfig') });
    try {
      const withExec = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
      const inPod = (from: number) => sim.requestLog.slice(from).filter((e) => /\/(exec|portforward)$/.test(e.path)).length;
      assert.ok(inPod(0) > 0, 'by default the doctor looks inside the gateway pod');
      const before = sim.requestLog.length;
      const r = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '-o', 'json', '--no-exec']);
      assert.notEqual(r.code, 2, r.stderr);
      assert.equal(inPod(before), 0);
      assert.equal(withExec.code, r.code);
    } finally {
      await sim.stop();
    }
  });
});

describe('bad input to the built CLI: one clear line, exit 2, no stack trace', () => {
  const unreachable = () => {
    const d = mkdtempSync(join(tmpdir(), 'istio-tls-unreachable-'));
    const p = join(d, 'kubeconfig');
    writeFileSync(
      p,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
    );
    return p;
  };
  const cases: [string, () => string[], RegExp][] = [
    ['an unknown flag', () => ['doctor', '--frobnicate'], /unknown flag --frobnicate/],
    ['a bad --now', () => ['status', '--now', '31/01/2026'], /--now must be an RFC3339 time/],
    ['a missing -f file', () => ['doctor', '-f', '/nonexistent/manifests.yaml'], /\/nonexistent\/manifests\.yaml: no such file or directory/],
    ['an unreachable API server', () => ['doctor', '--kubeconfig', unreachable(), '--request-timeout', '5s'], /127\.0\.0\.1:9/],
    ['a missing kubeconfig', () => ['doctor', '--kubeconfig', '/nonexistent/kubeconfig'], /nonexistent\/kubeconfig/],
    ['an unknown --context', () => ['doctor', '--kubeconfig', unreachable(), '--context', 'nope'], /nope/],
  ];
  for (const [name, args, message] of cases) {
    it(`for ${name}`, async () => {
      const r = await cli(args());
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^error: /);
      assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, 'no stack trace');
      assert.ok(r.stderr.trim().split('\n').length <= 2, `one line (plus a hint): ${r.stderr}`);
    });
  }
});

after(() => {
  // last: no output of any subprocess in this file holds private key material
  assert.ok(keys.size > 0, 'the scenarios generated keys to look for');
  for (const out of allOutputs) {
    assert.doesNotMatch(out, /PRIVATE KEY/);
    for (const k of keys) assert.ok(!out.includes(k), 'a generated private key appears in an output');
  }
});

describe('doctor --fix-only', () => {
  it('prints one YAML stream of the fixes that kubectl apply --dry-run=client accepts, without key material', async (t) => {
    const dir = (await materializeScenario(join(ROOT, 'examples', 'kiali'), { now: NOW })).dir;
    const fingerprints = keyFingerprints(dir);
    for (const k of fingerprints) keys.add(k);
    const sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-kc-')), 'kubeconfig') });
    try {
      const r = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '--fix-only', '--no-exec']);
      assert.equal(r.code, 1, `the seed's setup has errors: ${r.stderr}`);
      const docs = parseAllDocuments(r.stdout).map((d) => {
        assert.equal(d.errors.length, 0, d.errors[0]?.message);
        return d.toJS() as { kind?: string; spec?: { servers?: { tls?: { credentialName?: string; serverCertificate?: string } }[] } } | null;
      });
      const gateway = docs.find((d) => d?.kind === 'Gateway');
      assert.ok(gateway, 'the Gateway rewritten to credentialName');
      assert.ok(gateway.spec?.servers?.some((s) => s.tls?.credentialName && !s.tls.serverCertificate));
      assert.match(r.stdout, /# fixes ITLS207/);
      // the Secret only the user's files can make is a command, which a YAML stream cannot carry: the stream says so
      assert.match(r.stdout, /^# 1 fix needs commands .*\n# run `kubectl istio-tls doctor --fix-script`/m);
      assert.doesNotMatch(r.stdout, /^kubectl /m, 'no command outside a comment in the YAML stream');
      assert.doesNotMatch(r.stdout, /PRIVATE KEY/);
      for (const k of fingerprints) assert.ok(!r.stdout.includes(k), 'no generated key material');
      // ... and --fix-script carries it: the Secret made in the gateway pods' namespace from the mounted
      // Secret the cluster already holds (fullchain.pem/privkey.pem), through a pipe: no file asked for (issue 17)
      const script = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '--fix-script', '--no-exec']);
      const copy = /^kubectl get secret istio-ingressgateway-certs -n istio-system -o go-template='.*metadata: \{name: ([\w.-]+), namespace: istio-system\}.*tls\.crt: \{\{index \.data "fullchain\.pem"\}\}.*tls\.key: \{\{index \.data "privkey\.pem"\}\}.*' \| kubectl apply -f -$/m.exec(script.stdout);
      assert.ok(copy, script.stdout);
      assert.equal(copy[1], gateway.spec?.servers?.find((s) => s.tls?.credentialName)?.tls?.credentialName, 'the Secret the rewritten Gateway names');
      assert.ok(copy.index < script.stdout.indexOf('kind: Gateway'), 'the Secret exists before the Gateway names it');
      assert.doesNotMatch(script.stdout, /_FULLCHAIN|_KEY:\?/, 'the cluster holds the material: no file is asked for');
      assert.doesNotMatch(script.stdout, /PRIVATE KEY/);
      for (const k of fingerprints) assert.ok(!script.stdout.includes(k), 'no generated key material');

      const served = docs
        .filter((d): d is NonNullable<typeof d> => d !== null)
        .map((d) => stringify(d))
        .join('---\n');
      // asynchronously: the simulated cluster answers from this same process
      const kubectl = await new Promise<{ status: number | null; stdout: string; stderr: string; missing?: boolean }>((resolve) => {
        const child = spawn('kubectl', ['--kubeconfig', sim.kubeconfigPath, 'apply', '--dry-run=client', '--validate=false', '-f', '-'], {
          env: { ...process.env, KUBECONFIG: '' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b));
        child.stderr.on('data', (b: Buffer) => (stderr += b));
        child.on('error', () => resolve({ status: null, stdout, stderr, missing: true }));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
        child.stdin.end(served);
      });
      if (kubectl.missing) {
        t.skip('kubectl not on PATH');
        return;
      }
      assert.equal(kubectl.status, 0, kubectl.stderr);
      assert.match(kubectl.stdout, /gateway\.networking\.istio\.io\/kiali-gateway configured \(dry run\)|kiali-gateway .*\(dry run\)/);
    } finally {
      await sim.stop();
    }
  });

  it('is refused with -o json and outside doctor', async () => {
    const json = await cli(['doctor', '-f', join(ROOT, 'test', 'scenarios', 'healthy'), '--fix-only', '-o', 'json']);
    assert.equal(json.code, 2);
    assert.match(json.stderr, /--fix-only prints YAML/);
    const status = await cli(['status', '-f', join(ROOT, 'test', 'scenarios', 'healthy'), '--fix-only']);
    assert.equal(status.code, 2);
    assert.match(status.stderr, /--fix-only goes with doctor/);
  });
});

describe('status SERVED column', () => {
  async function servedFor(scenario: string, extra: string[] = []): Promise<string[]> {
    const dir = (await materializeScenario(join(ROOT, 'test', 'scenarios', scenario), { now: NOW })).dir;
    for (const k of keyFingerprints(dir)) keys.add(k);
    const sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-kc-')), 'kubeconfig') });
    try {
      const r = await cli(['status', '--kubeconfig', sim.kubeconfigPath, '-o', 'json', ...extra]);
      assert.notEqual(r.code, 2, r.stderr);
      return (JSON.parse(r.stdout) as { hosts: { served: string }[] }).hosts.map((h) => h.served);
    } finally {
      await sim.stop();
    }
  }

  it('says yes when Envoy serves the secret the Gateway names', async () => {
    assert.deepEqual([...new Set(await servedFor('inpod-healthy-sds'))], ['yes']);
  });
  it('says no when Envoy still serves an older certificate', async () => {
    assert.ok((await servedFor('inpod-stale-envoy')).includes('no'));
  });
  it('says yes and no for a Gateway-API listener from what the probe was served', async () => {
    assert.deepEqual([...new Set(await servedFor('gateway-api-healthy'))].filter((x) => x !== 'unknown'), ['yes']);
    assert.ok((await servedFor('probe-gateway-api-wrong-certificate')).includes('no'));
  });
  it('says unknown with --no-exec (nothing was looked at)', async () => {
    assert.deepEqual([...new Set(await servedFor('inpod-healthy-sds', ['--no-exec']))], ['unknown']);
  });
});
