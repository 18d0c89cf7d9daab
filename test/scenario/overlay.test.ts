// doctor -f DIR --use-kube against the simulated cluster: the files replace the live objects of the same
// kind/namespace/name, the rest (Secrets included) is the cluster's; each finding says whether the change
// introduces it or it was live already; fixed live findings are listed; --fail-on counts introduced ones
// unless --fail-on-existing, in every -o; key material of a Secret in the files never reaches output.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { assertValidSarif } from '../report/sarif-check.js';
import { BIN, cli, ensureBuilt, EXE, keyFingerprints, ROOT, run } from './harness.js';

type Change = 'introduced' | 'existing';
interface JsonReport {
  findings: (Finding & { change?: Change })[];
  change?: { introduced: number; existing: number; fixed: Finding[]; replaced: number; added: number };
}

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_ARG = NOW.toISOString().replace('.000Z', 'Z');
const HEALTHY = join(ROOT, 'test', 'scenarios', 'healthy');
const OUTPUTS = [['-o', 'table'], ['-o', 'json'], ['-o', 'yaml'], ['-o', 'sarif']];

let caFile = '';
/** the materialized healthy scenario's shop.yaml, real base64 and all */
let shopYaml = '';
let keys: string[] = [];

/** The healthy scenario served by the sim, after `edit` (its materialized dir). */
async function simOf(scenarioJson: Record<string, unknown>, edit?: (dir: string) => void): Promise<Sim> {
  const { dir, certs } = await materializeScenario(HEALTHY, { now: NOW });
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenarioJson));
  shopYaml = readFileSync(join(dir, 'shop.yaml'), 'utf8');
  keys = keyFingerprints(dir);
  edit?.(dir);
  const work = mkdtempSync(join(tmpdir(), 'istio-tls-overlay-'));
  caFile = join(work, 'ca.pem');
  writeFileSync(caFile, certs.get('ca')!.certPem);
  return startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(work, 'kubeconfig') });
}

/** One document of shop.yaml by kind, as text. */
function doc(kind: string): string {
  const d = parseAllDocuments(shopYaml).find((x) => (x.toJS() as { kind?: string }).kind === kind);
  assert.ok(d, kind);
  return String(d);
}

/** A directory holding the given manifests (the "git diff" of a change). */
function files(...docs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'istio-tls-change-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'change.yaml'), docs.join('\n---\n'));
  return dir;
}

const CRDS = { crds: ['cert-manager.io', 'gateway.networking.k8s.io'] };

/** The built CLI run from the change's directory (as CI runs it from the repository root): `-f .` */
function overlay(sim: Sim, dir: string, args: string[] = []) {
  const argv = ['doctor', '-f', '.', '--use-kube', '--kubeconfig', sim.kubeconfigPath, '--now', NOW_ARG, '--no-exec', '--ca-file', caFile, ...args];
  return EXE ? run(EXE, argv, {}, 60_000, dir) : run(process.execPath, [BIN, ...argv], {}, 60_000, dir);
}

async function json(sim: Sim, dir: string, args: string[] = []): Promise<JsonReport> {
  const r = await overlay(sim, dir, ['-o', 'json', ...args]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

const codes = (fs: { code: string }[]) => fs.map((f) => f.code).sort();

before(() => ensureBuilt());

describe('--use-kube over a healthy cluster', () => {
  let sim: Sim;
  before(async () => (sim = await simOf(CRDS)));
  after(async () => sim?.stop());

  it('unchanged files introduce nothing, fix nothing, and exit 0 in every -o', async () => {
    const dir = files(doc('Gateway'), doc('VirtualService'), doc('Secret'));
    const report = await json(sim, dir);
    assert.deepEqual(report.findings.filter((f) => f.change === 'introduced'), []);
    assert.equal(report.change?.introduced, 0);
    assert.deepEqual(report.change?.fixed, []);
    assert.equal(report.change?.replaced, 3);
    for (const o of OUTPUTS) assert.equal((await overlay(sim, dir, o)).code, 0, o.join(' '));
  });

  it('a changed Gateway pointing at a missing Secret introduces ITLS201; exit 1 in every -o', async () => {
    const dir = files(doc('Gateway').replace('credentialName: shop-tls', 'credentialName: shop-tls-2027'));
    const report = await json(sim, dir);
    const f201 = report.findings.find((f) => f.code === 'ITLS201');
    assert.ok(f201, codes(report.findings).join(' '));
    assert.equal(f201.change, 'introduced');
    assert.equal(f201.resource.name, 'shop-gateway');
    for (const o of OUTPUTS) {
      const r = await overlay(sim, dir, o);
      assert.equal(r.code, 1, `${o.join(' ')}: ${r.stderr}`);
      if (o[1] === 'table') assert.match(r.stdout, /ITLS201 Credential secret not found \[introduced by the change\]/);
      if (o[1] === 'table') assert.match(r.stdout, /Change:[\s\S]*introduces\s+1\s+finding/);
      if (o[1] === 'sarif') {
        const log = assertValidSarif(r.stdout);
        const res = log.runs[0].results.find((x) => x.ruleId === 'ITLS201') as { baselineState?: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] };
        assert.equal(res.baselineState, 'new');
        const line = readFileSync(join(dir, 'change.yaml'), 'utf8').split('\n')[res.locations[0].physicalLocation.region.startLine - 1];
        assert.match(line, /credentialName: shop-tls-2027/);
      }
    }
    // the live cluster alone still passes: the finding is the change's
    const live = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '--now', NOW_ARG, '--no-exec', '--ca-file', caFile]);
    assert.equal(live.code, 0, live.stdout);
  });

  it('a renamed host with no certificate SAN for it introduces ITLS304', async () => {
    const dir = files(doc('Gateway').replaceAll('shop.example.com', 'store.example.com'), doc('VirtualService').replaceAll('shop.example.com', 'store.example.com'));
    const report = await json(sim, dir);
    const f304 = report.findings.find((f) => f.code === 'ITLS304');
    assert.ok(f304, codes(report.findings).join(' '));
    assert.equal(f304.change, 'introduced');
    assert.equal(f304.host, 'store.example.com');
    assert.equal((await overlay(sim, dir)).code, 1);
  });

  it('a Secret in the files is used for the judgement, and its key never reaches any output', async () => {
    const secret = doc('Secret').replace('name: shop-tls', 'name: shop-tls-2027');
    assert.notEqual(secret, doc('Secret'));
    const dir = files(doc('Gateway').replace('credentialName: shop-tls', 'credentialName: shop-tls-2027'), secret);
    const report = await json(sim, dir);
    assert.deepEqual(report.findings.filter((f) => f.change === 'introduced'), [], codes(report.findings).join(' '));
    assert.equal(report.change?.added, 1);
    for (const o of [...OUTPUTS, ['-v'], ['--fix-script'], ['--fix-only']]) {
      const r = await overlay(sim, dir, o);
      assert.equal(r.code, 0, `${o.join(' ')}: ${r.stderr}`);
      for (const k of keys) assert.ok(!r.stdout.includes(k) && !r.stderr.includes(k), `key material in ${o.join(' ')}`);
    }
  });
});

describe('--use-kube over a cluster with a live ITLS201', () => {
  let sim: Sim;
  // live: the Gateway names shop-tls-old, which does not exist
  before(async () => (sim = await simOf(CRDS, (d) => writeFileSync(join(d, 'shop.yaml'), readFileSync(join(d, 'shop.yaml'), 'utf8').replace('credentialName: shop-tls', 'credentialName: shop-tls-old')))));
  after(async () => sim?.stop());

  it('a fixed credentialName is reported as fixing ITLS201, and introduces nothing', async () => {
    const dir = files(doc('Gateway'));
    const report = await json(sim, dir);
    assert.deepEqual(codes(report.change?.fixed ?? []), ['ITLS201']);
    assert.deepEqual(report.findings.filter((f) => f.change === 'introduced'), []);
    for (const o of OUTPUTS) {
      const r = await overlay(sim, dir, o);
      assert.equal(r.code, 0, o.join(' '));
      if (o[1] === 'table') assert.match(r.stdout, /Fixed by the change\n\s+✔ ITLS201 Credential secret not found: Gateway istio-system\/shop-gateway/);
      if (o[1] === 'sarif') {
        const log = assertValidSarif(r.stdout) as unknown as { runs: { invocations: { toolExecutionNotifications?: { message: { text: string } }[] }[] }[] };
        assert.ok(log.runs[0].invocations[0].toolExecutionNotifications?.some((n) => /^fixed by the change: ITLS201 /.test(n.message.text)));
      }
      if (o[1] === 'yaml') assert.equal((parseYaml(r.stdout) as JsonReport).change?.fixed[0].code, 'ITLS201');
    }
  });

  it('a change that leaves the live ITLS201 in place: existing, exit 0 by default and 1 with --fail-on-existing, in every -o', async () => {
    const dir = files(doc('VirtualService'));
    const report = await json(sim, dir);
    const f201 = report.findings.find((f) => f.code === 'ITLS201');
    assert.equal(f201?.change, 'existing');
    for (const o of OUTPUTS) {
      assert.equal((await overlay(sim, dir, o)).code, 0, o.join(' '));
      assert.equal((await overlay(sim, dir, [...o, '--fail-on-existing'])).code, 1, `${o.join(' ')} --fail-on-existing`);
    }
    const table = await overlay(sim, dir);
    assert.match(table.stdout, /ITLS201 Credential secret not found \[already live\]/);
  });
});

describe('--use-kube with secrets unreadable (partial RBAC)', () => {
  let sim: Sim;
  before(async () => (sim = await simOf({ ...CRDS, deny: [{ verb: 'list', resource: 'secrets' }] })));
  after(async () => sim?.stop());

  it('unknown stays unknown: no ITLS201 about an unseen Secret, ITLS901 says what was refused', async () => {
    const dir = files(doc('Gateway').replace('credentialName: shop-tls', 'credentialName: shop-tls-2027'));
    const report = await json(sim, dir);
    assert.deepEqual(codes(report.findings), ['ITLS901']);
    assert.equal(report.findings[0].change, 'existing');
  });
});

describe('--use-kube on the command line', () => {
  it('needs -f, and --fail-on-existing needs --use-kube', async () => {
    const a = await cli(['doctor', '--use-kube']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--use-kube lays the -f files over the live cluster/);
    const b = await cli(['doctor', '-f', 'examples/kiali', '--fail-on-existing']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--fail-on-existing goes with --use-kube/);
  });
});
