// Gateway API and cert-manager under partial access, end to end: the built CLI against the simulated
// cluster of scenario itls901-cert-manager-denied (cert-manager Certificates forbidden). The hosts that
// depend on the unseen Certificates are not judged on them: no 8xx about a Certificate nobody saw, and
// exactly one ITLS901 names the refused rule. The same files read offline report nothing.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import type { HostRow } from '../../src/status/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { cli, ensureBuilt, readExpectation, ROOT, trustArgs } from './harness.js';

interface JsonReport {
  findings: Finding[];
  hosts?: HostRow[];
}

const SCENARIO = join('test', 'scenarios', 'itls901-cert-manager-denied');

describe('cert-manager Certificates forbidden (itls901-cert-manager-denied)', () => {
  const now = readExpectation(join(ROOT, SCENARIO)).now!;
  let sim: Sim;
  let dir = '';
  let trust: string[] = [];
  before(async () => {
    ensureBuilt();
    const m = await materializeScenario(join(ROOT, SCENARIO), { now: new Date(now) });
    dir = m.dir;
    trust = trustArgs(SCENARIO, m.certs);
    sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-gwapi-partial-')), 'kubeconfig') });
  });
  after(async () => sim?.stop());

  const doctor = async (source: string[]): Promise<{ code: number | null; report: JsonReport }> => {
    const r = await cli(['doctor', ...source, '-o', 'json', '--now', now, '--no-exec', ...trust]);
    assert.ok(r.stdout.trim().startsWith('{'), `no report (exit ${r.code}): ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as JsonReport };
  };

  it('live: one ITLS901 naming the refused list of certificates.cert-manager.io, and no 8xx about the unseen Certificates', async () => {
    const { code, report } = await doctor(['--kubeconfig', sim.kubeconfigPath]);
    assert.equal(code, 0);
    const denials = report.findings.filter((f) => f.code === 'ITLS901');
    assert.equal(denials.length, 1, denials.map((f) => f.message).join('\n'));
    assert.match(denials[0].message, /list certificates\.cert-manager\.io/);
    assert.deepEqual(
      report.findings.filter((f) => /^ITLS8/.test(f.code)).map((f) => `${f.code} ${f.message}`),
      [],
      'no cert-manager finding from Certificates that were not read',
    );
    assert.deepEqual(
      report.findings.filter((f) => f.code !== 'ITLS901').map((f) => `${f.code} ${f.message}`),
      [],
    );
  });

  it('offline: the same files, all readable, report nothing', async () => {
    const { code, report } = await doctor(['-f', dir]);
    assert.equal(code, 0);
    assert.deepEqual(report.findings.map((f) => `${f.code} ${f.message}`), []);
  });
});
