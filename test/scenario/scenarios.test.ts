// Scenario tier: the built CLI as a subprocess against the simulated cluster, for every scenario
// directory. Live (`--kubeconfig`) and offline (`-f` on the same materialized directory) must agree,
// exit codes and codes must match expect.json, the doctor only GETs, and no key ever leaks.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { allOutputs, assertSameFindings, cli, ensureBuilt, keyFingerprints, readExpectation, ROOT, scenarioDirs, trustArgs } from './harness.js';

interface JsonReport {
  findings: Finding[];
  summary: { error: number; warning: number; info: number };
  source: { kind: string };
}

// one clock for materialization and both runs, whole seconds (RFC3339 without fractions)
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const keys = new Set<string>();



/** Scenarios whose live run differs by design (RBAC denials, missing CRDs, hangs) are compared on expect.json only. */
function liveDiffersByDesign(dir: string): boolean {
  const p = join(ROOT, dir, 'scenario.json');
  if (!existsSync(p)) return false;
  const cfg = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown[] | undefined>;
  return ['deny', 'missingGroups', 'hang'].some((k) => (cfg[k]?.length ?? 0) > 0);
}

before(() => ensureBuilt());

for (const scenario of scenarioDirs()) {
  describe(`scenario ${scenario}`, () => {
    const expect = readExpectation(join(ROOT, scenario));
    const now = expect.now ? new Date(expect.now) : NOW;
    const nowArg = now.toISOString().replace('.000Z', 'Z');
    let dir = '';
    let sim: Sim;
    let live: { code: number | null; report: JsonReport };
    let offline: { code: number | null; report: JsonReport };
    let requestsOfDoctor = 0;

    before(async () => {
      const m = await materializeScenario(join(ROOT, scenario), { now });
      dir = m.dir;
      const trust = trustArgs(scenario, m.certs);
      for (const k of keyFingerprints(dir)) keys.add(k);
      const work = mkdtempSync(join(tmpdir(), 'istio-tls-scenario-run-'));
      sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(work, 'kubeconfig') });
      const l = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '-o', 'json', '--now', nowArg, ...trust]);
      requestsOfDoctor = sim.requestLog.length;
      // a blind scenario (expect.json exitCode 2) still prints its report; every other live run must do its job
      if (expect.exitCode !== 2) assert.notEqual(l.code, 2, `live run could not do its job: ${l.stderr}`);
      assert.ok(l.stdout.trim().startsWith('{'), `live run printed no report (exit ${l.code}): ${l.stderr}`);
      live = { code: l.code, report: JSON.parse(l.stdout) as JsonReport };
      const o = await cli(['doctor', '-f', dir, '-o', 'json', '--now', nowArg, ...trust]);
      assert.notEqual(o.code, 2, `offline run could not do its job: ${o.stderr}`);
      assert.ok(o.stdout.trim().startsWith('{'), `offline run printed no report (exit ${o.code}): ${o.stderr}`);
      offline = { code: o.code, report: JSON.parse(o.stdout) as JsonReport };
    });
    after(async () => sim?.stop());

    it('live and offline report the same findings (exec-only findings aside)', (t) => {
      if (liveDiffersByDesign(scenario)) {
        t.skip('scenario.json makes the live cluster differ on purpose');
        return;
      }
      const liveOnly = new Set(expect.liveOnly ?? []);
      assert.equal(live.report.source.kind, 'live');
      assert.equal(offline.report.source.kind, 'offline');
      assertSameFindings(live.report.findings, offline.report.findings, liveOnly);
    });

    it('reports the codes expect.json asks for, and none it forbids', () => {
      const liveCodes = new Set(live.report.findings.map((f) => f.code));
      const offlineCodes = new Set(offline.report.findings.map((f) => f.code));
      const liveOnly = new Set(expect.liveOnly ?? []);
      for (const code of expect.codes ?? []) {
        assert.ok(liveCodes.has(code), `live: ${code} expected, got ${[...liveCodes].join(', ') || 'nothing'}`);
        if (!liveOnly.has(code) && !liveDiffersByDesign(scenario)) assert.ok(offlineCodes.has(code), `offline: ${code} expected`);
      }
      for (const code of expect.absent ?? []) {
        assert.ok(!liveCodes.has(code), `live: ${code} must not be reported`);
        assert.ok(!offlineCodes.has(code), `offline: ${code} must not be reported`);
      }
      for (const m of expect.messages ?? []) {
        const f = live.report.findings.find((x) => x.code === m.code);
        assert.ok(f, `live: ${m.code} expected`);
        assert.match(f.message, new RegExp(m.pattern), `live: ${m.code}'s message`);
        if (m.not) assert.doesNotMatch(f.message, new RegExp(m.not), `live: ${m.code}'s message`);
        if (m.also) assert.match((f.also ?? []).join('\n'), new RegExp(m.also), `live: ${m.code}'s also lines`);
      }
      if (expect.clean) {
        for (const [run, r] of [['live', live], ['offline', offline]] as const) {
          const loud = r.report.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
          assert.deepEqual(loud.map((f) => `${f.code} ${f.message}`), [], `${run}: a healthy scenario reports no error or warning`);
        }
      }
    });

    it('exits as expect.json says (default: 1 exactly when an error is reported)', () => {
      const errors = live.report.findings.filter((f) => f.severity === 'error').length;
      assert.equal(live.code, expect.exitCode ?? (errors > 0 ? 1 : 0));
      assert.equal(live.report.summary.error, errors);
    });

    it('reads the cluster with GET requests only', () => {
      const verbs = new Set(sim.requestLog.slice(0, requestsOfDoctor).map((e) => e.verb));
      assert.deepEqual([...verbs], ['GET']);
      assert.ok(requestsOfDoctor > 0);
    });
  });
}

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
