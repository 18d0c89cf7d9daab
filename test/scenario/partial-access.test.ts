// Truth under partial access, end to end: the built CLI against the simulated cluster with RBAC
// denials (scenario.json `deny`). What the doctor could not see is unknown — never healthy, never a
// finding about the unseen — and a run that saw nothing exits 2 in every output format.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import type { HostRow } from '../../src/status/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { cli, ensureBuilt, ROOT } from './harness.js';

interface JsonReport {
  findings: Finding[];
  hosts: HostRow[];
  hostsChecked: number;
}

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_ARG = NOW.toISOString().replace('.000Z', 'Z');
const HEALTHY = join(ROOT, 'test', 'scenarios', 'healthy');

/** The test root CA of the healthy scenario, for --ca-file (its chain ends at a private root). */
let caFile = '';

/** The healthy scenario with another scenario.json, materialized and served by the sim. */
async function simWith(scenarioJson: Record<string, unknown>, edit?: (dir: string) => void): Promise<Sim> {
  const { dir, certs } = await materializeScenario(HEALTHY, { now: NOW });
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenarioJson));
  edit?.(dir);
  const work = mkdtempSync(join(tmpdir(), 'istio-tls-partial-'));
  caFile = join(work, 'ca.pem');
  writeFileSync(caFile, certs.get('ca')!.certPem);
  return startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(work, 'kubeconfig') });
}

const CRDS = { crds: ['cert-manager.io', 'gateway.networking.k8s.io'] };

async function doctor(sim: Sim, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '--now', NOW_ARG, '--no-exec', '--ca-file', caFile, ...args]);
}

before(() => ensureBuilt());

describe('a blind run (no rights at all) never passes', () => {
  let sim: Sim;
  before(async () => (sim = await simWith({ ...CRDS, deny: [{ verb: '*', resource: '*' }] })));
  after(async () => sim?.stop());

  for (const output of [['-o', 'json'], ['-o', 'yaml'], ['-o', 'table'], ['--fix-only'], ['--fail-on', 'none']]) {
    it(`exits 2 with one line naming what was refused (${output.join(' ')})`, async () => {
      const r = await doctor(sim, output);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^error: nothing was checked: list (gateways\.networking\.istio\.io|pods) was forbidden \(RBAC 403\) cluster-wide and in istio-system\. Check your rights with: kubectl auth can-i list \S+ -A --context \S+$/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('still prints the report: one ITLS901 whose ClusterRole holds every refused LIST', async () => {
    const r = await doctor(sim, ['-o', 'json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.findings.map((f) => f.code), ['ITLS901']);
    const [f] = report.findings;
    assert.deepEqual(f.resource, { kind: 'ClusterRole', name: 'istio-tls-doctor-read' });
    const role = parseYaml(f.remediation!.yaml!) as { kind: string; rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    assert.equal(role.kind, 'ClusterRole');
    const granted = role.rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}:${r.verbs.join(',')}`));
    for (const want of ['/pods:list', '/secrets:list', '/services:list', 'networking.istio.io/gateways:list', 'networking.istio.io/virtualservices:list']) {
      assert.ok(granted.includes(want), `${want} in ${granted.join(' ')}`);
    }
    assert.ok(f.remediation!.commands!.some((c) => c.startsWith('kubectl create clusterrolebinding istio-tls-doctor-read --clusterrole=istio-tls-doctor-read --user=sim-user ')));
    assert.equal(report.hostsChecked, 0);
  });
});

describe('a cluster that truly has no Gateways is not blind', () => {
  let sim: Sim;
  before(async () => {
    const noGateways = (dir: string) => {
      const p = join(dir, 'shop.yaml');
      writeFileSync(p, readFileSync(p, 'utf8').split('\n---\n').filter((d) => !/kind: (Gateway|VirtualService)\b/.test(d)).join('\n---\n'));
    };
    sim = await simWith(CRDS, noGateways);
  });
  after(async () => sim?.stop());

  it('exits 0 with a readable, empty list', async () => {
    const r = await doctor(sim, ['-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.includes('nothing was checked'), false);
  });
});

describe('rights in istio-system only (every LIST refused cluster-wide and in shop)', () => {
  let sim: Sim;
  before(async () => (sim = await simWith({ ...CRDS, deny: [{ verb: 'list', resource: '*', namespace: 'shop' }] })));
  after(async () => sim?.stop());

  for (const args of [[], ['-n', 'istio-system']]) {
    it(`${args.join(' ') || 'no -n'}: no false ITLS503, the host is unknown (?), exit per findings`, async () => {
      const r = await doctor(sim, ['-o', 'json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as JsonReport;
      const codes = report.findings.map((f) => f.code);
      for (const absent of ['ITLS503', 'ITLS502', 'ITLS504', 'ITLS201', 'ITLS101', 'ITLS103']) assert.ok(!codes.includes(absent), `${absent} in ${codes.join(', ')}`);
      assert.deepEqual(codes, ['ITLS901']);
      const [row] = report.hosts;
      assert.equal(row.host, 'shop.example.com');
      assert.equal(row.overall, 'unknown');
      assert.ok(row.unknown?.some((u) => /VirtualService/.test(u) && /virtualservices\.networking\.istio\.io/.test(u)), JSON.stringify(row.unknown));
      assert.equal(row.credential, 'secret istio-system/shop-tls', 'the credential was read in istio-system');
      assert.equal(report.hostsChecked, 0, 'an unknown host is not a checked host');
      const f = report.findings[0];
      assert.deepEqual(f.places, [{ resource: { kind: 'Gateway', namespace: 'istio-system', name: 'shop-gateway' }, host: 'shop.example.com', port: 443 }]);
      assert.match(f.message, /shop\.example\.com is unknown, not healthy/);
    });
  }

  it('status shows ? for the host', async () => {
    const r = await cli(['status', '--kubeconfig', sim.kubeconfigPath, '--now', NOW_ARG, '--no-exec', '--ca-file', caFile]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => /^GATEWAY\s+HOST\s/.test(l));
    const line = lines.find((l) => /^(istio-system\/)?shop-gateway\s+shop\.example\.com\s/.test(l));
    assert.ok(header && line, r.stdout);
    // the STATUS column: '?' and what could not be read, never ok
    const status = line.slice(header.indexOf('STATUS'));
    assert.match(status, /^\?\s+unknown: .*virtualservices\.networking\.istio\.io/, r.stdout);
    assert.doesNotMatch(lines[0], /healthy|✔/, 'the verdict never calls an unknown host healthy');
    assert.match(r.stdout, /0 TLS hosts checked/);
  });

  it('the same objects read in full give the healthy verdict (must stay silent)', async () => {
    const full = await simWith(CRDS);
    try {
      const r = await doctor(full, ['-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as JsonReport;
      assert.deepEqual(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code), []);
      assert.equal(report.hosts[0].overall, 'ok');
      assert.equal(report.hosts[0].unknown, undefined);
    } finally {
      await full.stop();
    }
  });
});

describe('secrets unreadable', () => {
  let sim: Sim;
  before(async () => (sim = await simWith({ ...CRDS, deny: [{ verb: 'list', resource: 'secrets' }] })));
  after(async () => sim?.stop());

  it('says "unreadable", not "missing", and reports no ITLS201 for a Secret that exists', async () => {
    const r = await doctor(sim, ['-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.findings.map((f) => f.code), ['ITLS901']);
    const [row] = report.hosts;
    assert.equal(row.credential, 'secret istio-system/shop-tls (unreadable)');
    assert.equal(row.overall, 'unknown');
    const role = parseYaml(report.findings[0].remediation!.yaml!) as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }]);
  });
});
