// The RBAC matrix on a real kube-apiserver (test/realserver/server.ts): the healthy scenario applied as
// admin, then the doctor run live (--no-exec: there are no kubelets) as each user, with the exit code,
// findings and unknown hosts each must give. The README's ClusterRole is proven sufficient (no 403 in
// the server's audit log for that user), and the RBAC fix the doctor proposes to a user with no rights
// is applied as admin, confirmed with `kubectl auth can-i`, and makes the next run clean.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HostRow } from '../../src/status/types.js';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { cli, ensureBuilt } from '../scenario/harness.js';
import { realServerSkip, ROOT, startRealServer, type AppliedScenario, type RealServer, type UserName } from './server.js';

interface JsonReport {
  findings: Finding[];
  hosts: HostRow[];
  hostsChecked: number;
}

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_ARG = NOW.toISOString().replace('.000Z', 'Z');
const skip = realServerSkip();
if (skip) console.log(`# ${skip}`);

/** One row of the matrix: what a user's run must give. */
interface Expected {
  user: UserName;
  args?: string[];
  exit: number;
  codes: string[];
  /** hosts shown as unknown ('?') */
  unknown: string[];
  /** hosts[].credential of shop.example.com:443 */
  credential?: string;
}

const MATRIX: Expected[] = [
  { user: 'admin', exit: 0, codes: [], unknown: [], credential: 'secret istio-system/shop-tls' },
  { user: 'readme', exit: 0, codes: [], unknown: [], credential: 'secret istio-system/shop-tls' },
  { user: 'no-exec', exit: 0, codes: [], unknown: [], credential: 'secret istio-system/shop-tls' },
  { user: 'none', exit: 2, codes: ['ITLS901'], unknown: [] },
  { user: 'namespace', exit: 0, codes: ['ITLS901'], unknown: ['shop.example.com'], credential: 'secret istio-system/shop-tls' },
  { user: 'namespace', args: ['-n', 'istio-system'], exit: 0, codes: ['ITLS901'], unknown: ['shop.example.com'], credential: 'secret istio-system/shop-tls' },
  { user: 'no-secrets', exit: 0, codes: ['ITLS901'], unknown: ['shop.example.com'], credential: 'secret istio-system/shop-tls (unreadable)' },
];

function sh(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('RBAC matrix on a real kube-apiserver', { skip }, () => {
  let server: RealServer;
  let applied: AppliedScenario;
  let caFile = '';
  const runs = new Map<string, { code: number | null; stdout: string; stderr: string; report?: JsonReport }>();

  const doctor = async (user: UserName, args: string[] = []) => {
    const r = await cli(['doctor', '--kubeconfig', server.kubeconfig(user), '--no-exec', '--now', NOW_ARG, '--ca-file', caFile, '-o', 'json', ...args]);
    return { ...r, report: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as JsonReport) : undefined };
  };

  before(async () => {
    ensureBuilt();
    server = await startRealServer({ audit: true, scopedNamespace: 'istio-system' });
    const { dir, certs } = await materializeScenario(join(ROOT, 'test', 'scenarios', 'healthy'), { now: NOW });
    caFile = join(mkdtempSync(join(tmpdir(), 'istio-tls-rbac-')), 'ca.pem');
    writeFileSync(caFile, certs.get('ca')!.certPem);
    applied = await server.applyScenario(dir);
    for (const row of MATRIX) runs.set(`${row.user} ${(row.args ?? []).join(' ')}`, await doctor(row.user, row.args));
  });
  after(async () => {
    if (applied) await server?.clearScenario(applied).catch(() => {});
    await server?.stop();
  });

  for (const row of MATRIX) {
    const key = `${row.user} ${(row.args ?? []).join(' ')}`;
    it(`${key.trim()}: exit ${row.exit}, ${row.codes.join(', ') || 'no finding'}, unknown: ${row.unknown.join(', ') || 'none'}`, () => {
      const r = runs.get(key)!;
      assert.equal(r.code, row.exit, r.stderr);
      assert.ok(r.report, `a report is printed even when blind: ${r.stderr}`);
      const loud = r.report.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
      assert.deepEqual([...new Set(loud)].sort(), row.codes, r.report.findings.map((f) => `${f.code} ${f.message}`).join('\n'));
      for (const f of r.report.findings) assert.ok(!['ITLS503', 'ITLS502', 'ITLS504', 'ITLS201', 'ITLS101'].includes(f.code), `${f.code} about what was not seen: ${f.message}`);
      const unknown = r.report.hosts.filter((h) => h.overall === 'unknown').map((h) => h.host);
      assert.deepEqual([...new Set(unknown)].sort(), row.unknown);
      if (row.credential) assert.equal(r.report.hosts.find((h) => h.port === 443)?.credential, row.credential);
      if (row.exit === 2) assert.match(r.stderr, /^error: nothing was checked: list \S+ was forbidden \(RBAC 403\) cluster-wide and in istio-system\. Check your rights with: kubectl auth can-i list \S+ -A/m);
      if (row.codes.includes('ITLS901')) {
        const f = r.report.findings.find((x) => x.code === 'ITLS901')!;
        assert.ok(['ClusterRole', 'Role'].includes(f.resource.kind), `the finding is about the role it proposes: ${JSON.stringify(f.resource)}`);
      }
    });
  }

  it("the README's ClusterRole is sufficient: no 403 for its user in the server's audit log", () => {
    const refused = server.audit().filter((e) => e.user.username === 'readme' && e.responseStatus?.code === 403);
    assert.deepEqual(refused.map((e) => `${e.verb} ${e.requestURI}`), []);
    assert.ok(server.audit().some((e) => e.user.username === 'readme'), 'the audit log saw the readme user');
  });

  it('the one-namespace user is read in istio-system one LIST per kind after the refused cluster-wide LIST', () => {
    const lists = server.audit().filter((e) => e.user.username === 'namespace' && e.stage === 'ResponseComplete' && e.verb === 'list' && e.objectRef?.resource === 'virtualservices');
    const scopes = [...new Set(lists.map((e) => `${e.objectRef?.namespace ?? '*'} ${e.responseStatus?.code}`))].sort();
    assert.deepEqual(scopes, ['* 403', 'istio-system 200']);
  });

  it('the proposed fix is valid on the real server: applied as admin, confirmed by kubectl auth can-i, and the next run is clean', async () => {
    const blind = runs.get('none ')!.report!;
    const fix = blind.findings.find((f) => f.code === 'ITLS901')!.remediation!;
    assert.ok(fix.yaml, 'a ClusterRole document');
    const admin = { KUBECONFIG: server.kubeconfig('admin') };
    const none = { KUBECONFIG: server.kubeconfig('none') };
    const applyRole = await server.apply(fix.yaml!);
    assert.equal(applyRole.code, 0, applyRole.stderr);
    const bindings = fix.commands!.filter((c) => /^kubectl create (cluster)?rolebinding /.test(c));
    assert.equal(bindings.length, 1, fix.commands!.join('\n'));
    assert.match(bindings[0], /--user=none /, 'the user comes from the client certificate');
    for (let i = 0; i < 2; i++) {
      // twice: the binding converges (no AlreadyExists)
      const b = await sh(bindings[0], admin);
      assert.equal(b.code, 0, b.stderr);
    }
    const checks = fix.commands!.filter((c) => c.startsWith('kubectl auth can-i '));
    assert.ok(checks.length > 0);
    for (const c of checks) {
      const r = await sh(c, none);
      assert.equal(r.stdout.trim(), 'yes', `${c} → ${r.stdout}${r.stderr}`);
    }
    const again = await doctor('none');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.report!.findings.filter((f) => f.severity !== 'info').map((f) => f.code), []);
    assert.ok(again.report!.hosts.every((h) => h.overall === 'ok'));
    await server.kubectl(['delete', 'clusterrolebinding,clusterrole', 'istio-tls-doctor-read', '--ignore-not-found']);
  });
});
