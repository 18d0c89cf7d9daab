// doctor -f DIR --use-kube on a real kube-apiserver (test/realserver/server.ts): the healthy scenario
// applied as admin, the change read by the README's role (and by a user who may not list secrets).
// The same cases as the simulated tier (test/scenario/overlay.test.ts): a changed Gateway pointing at a
// missing Secret and a renamed host are introduced, unchanged files introduce nothing, a fixed
// credentialName fixes the live ITLS201; exit codes hold in every -o; unknown stays unknown.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { cli, ensureBuilt } from '../scenario/harness.js';
import { realServerSkip, ROOT, startRealServer, type AppliedScenario, type RealServer, type UserName } from './server.js';

interface JsonReport {
  findings: (Finding & { change?: 'introduced' | 'existing' })[];
  change?: { introduced: number; fixed: Finding[] };
}

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_ARG = NOW.toISOString().replace('.000Z', 'Z');
const OUTPUTS = [['-o', 'table'], ['-o', 'json'], ['-o', 'yaml'], ['-o', 'sarif']];
const skip = realServerSkip();
if (skip) console.log(`# ${skip}`);

describe('--use-kube on a real kube-apiserver', { skip }, () => {
  let server: RealServer;
  let applied: AppliedScenario;
  let caFile = '';
  let shopYaml = '';

  const doc = (kind: string) => String(parseAllDocuments(shopYaml).find((d) => (d.toJS() as { kind?: string }).kind === kind));
  const files = (...docs: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-tls-change-'));
    writeFileSync(join(dir, 'change.yaml'), docs.join('\n---\n'));
    return dir;
  };
  const overlay = (dir: string, args: string[] = [], user: UserName = 'readme') =>
    cli(['doctor', '-f', dir, '--use-kube', '--kubeconfig', server.kubeconfig(user), '--no-exec', '--now', NOW_ARG, '--ca-file', caFile, ...args]);
  const json = async (dir: string, user: UserName = 'readme') => {
    const r = await overlay(dir, ['-o', 'json'], user);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    return JSON.parse(r.stdout) as JsonReport;
  };

  before(async () => {
    ensureBuilt();
    server = await startRealServer();
    const { dir, certs } = await materializeScenario(join(ROOT, 'test', 'scenarios', 'healthy'), { now: NOW });
    shopYaml = readFileSync(join(dir, 'shop.yaml'), 'utf8');
    caFile = join(mkdtempSync(join(tmpdir(), 'istio-tls-overlay-')), 'ca.pem');
    writeFileSync(caFile, certs.get('ca')!.certPem);
    applied = await server.applyScenario(dir);
  });
  after(async () => {
    if (applied) await server?.clearScenario(applied).catch(() => {});
    await server?.stop();
  });

  it('unchanged files introduce nothing: exit 0 in every -o', async () => {
    const dir = files(doc('Gateway'), doc('VirtualService'), doc('Secret'));
    const report = await json(dir);
    assert.equal(report.change?.introduced, 0, report.findings.map((f) => `${f.code} ${f.change}`).join(' '));
    for (const o of OUTPUTS) assert.equal((await overlay(dir, o)).code, 0, o.join(' '));
  });

  it('a changed Gateway pointing at a missing Secret introduces ITLS201: exit 1 in every -o', async () => {
    const dir = files(doc('Gateway').replace('credentialName: shop-tls', 'credentialName: shop-tls-2027'));
    const f = (await json(dir)).findings.find((x) => x.code === 'ITLS201');
    assert.equal(f?.change, 'introduced');
    for (const o of OUTPUTS) assert.equal((await overlay(dir, o)).code, 1, o.join(' '));
  });

  it('a renamed host with no certificate SAN introduces ITLS304', async () => {
    const dir = files(doc('Gateway').replaceAll('shop.example.com', 'store.example.com'), doc('VirtualService').replaceAll('shop.example.com', 'store.example.com'));
    const f = (await json(dir)).findings.find((x) => x.code === 'ITLS304');
    assert.equal(f?.change, 'introduced');
    assert.equal(f?.host, 'store.example.com');
  });

  it('secrets not listable: no ITLS201 about the unseen Secret', async () => {
    const dir = files(doc('Gateway').replace('credentialName: shop-tls', 'credentialName: shop-tls-2027'));
    const report = await json(dir, 'no-secrets');
    assert.ok(!report.findings.some((x) => x.code === 'ITLS201'), report.findings.map((x) => x.code).join(' '));
    assert.ok(report.findings.some((x) => x.code === 'ITLS901'));
  });

  it('a fixed credentialName fixes the live ITLS201 (the cluster broken by kubectl apply as admin)', async () => {
    const broken = doc('Gateway').replace('credentialName: shop-tls', 'credentialName: shop-tls-old');
    const r = await server.kubectl(['apply', '-f', '-'], { input: broken });
    assert.equal(r.code, 0, r.stderr);
    const report = await json(files(doc('Gateway')));
    assert.deepEqual(report.change?.fixed.map((x) => x.code), ['ITLS201']);
    assert.equal(report.change?.introduced, 0);
    for (const o of OUTPUTS) assert.equal((await overlay(files(doc('Gateway')), o)).code, 0, o.join(' '));
    // the live ITLS201 left in place by an unrelated change: exit 0, and 1 with --fail-on-existing
    const unrelated = files(doc('VirtualService'));
    assert.equal((await overlay(unrelated)).code, 0);
    assert.equal((await overlay(unrelated, ['--fail-on-existing'])).code, 1);
  });
});
