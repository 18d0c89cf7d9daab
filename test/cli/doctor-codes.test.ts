// ITLS901 / ITLS902 (src/checks/doctor.ts): what the doctor could not see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doctorCheck } from '../../src/checks/doctor.js';
import { Model } from '../../src/checks/model.js';
import type { CheckOptions } from '../../src/checks/types.js';
import { emptySnapshot, type Snapshot } from '../../src/snapshot/types.js';
import { loadTrustStore } from '../../src/tls/index.js';

const options: CheckOptions = { now: new Date('2026-01-31T00:00:00Z'), expiryWarningMs: 30 * 86_400_000, trustStore: loadTrustStore() };

function run(edit: (s: Snapshot) => void) {
  const s = emptySnapshot({ kind: 'live', context: 'prod' });
  edit(s);
  return doctorCheck.run(s, options, new Model(s));
}

describe('ITLS901 / ITLS902', () => {
  const mustReport: [string, (s: Snapshot) => void, string, RegExp][] = [
    [
      'a forbidden secrets LIST, naming verb, resource, namespace and what was skipped',
      (s) => s.unreadable.push({ resource: 'secrets', verb: 'list', namespace: 'istio-system', status: 403, reason: 'secrets is forbidden', impact: 'certificate checks' }),
      'ITLS901',
      /list secrets in namespace istio-system was forbidden \(RBAC 403\): secrets is forbidden\. Skipped: certificate checks/,
    ],
    [
      'a cluster-wide LIST that timed out',
      (s) => s.unreadable.push({ resource: 'pods', verb: 'list', status: 0, reason: 'no answer within 30s' }),
      'ITLS901',
      /list pods cluster-wide failed \(timeout or connection error\)/,
    ],
    ['missing Istio CRDs', (s) => (s.istioCrds = 'missing'), 'ITLS902', /does not serve networking\.istio\.io/],
  ];
  for (const [name, edit, code, message] of mustReport) {
    it(`reports ${code} for ${name}`, () => {
      const findings = run(edit);
      assert.equal(findings.length, 1);
      assert.equal(findings[0].code, code);
      assert.match(findings[0].message, message);
    });
  }

  const mustStaySilent: [string, (s: Snapshot) => void][] = [
    ['a fully readable cluster with Istio', () => {}],
    ['offline, where CRD presence is unknown', (s) => (s.istioCrds = 'unknown')],
  ];
  for (const [name, edit] of mustStaySilent) it(`stays silent for ${name}`, () => assert.deepEqual(run(edit), []));

  it('offers the RBAC to grant for a 403, and none for a timeout', () => {
    const [forbidden] = run((s) => s.unreadable.push({ resource: 'gateways.networking.istio.io', verb: 'list', status: 403, reason: 'forbidden' }));
    assert.ok(forbidden.remediation?.commands?.some((c) => c.includes('--resource=gateways.networking.istio.io')));
    const [timeout] = run((s) => s.unreadable.push({ resource: 'pods', verb: 'list', status: 0, reason: 'timeout' }));
    assert.equal(timeout.remediation, undefined);
  });

  it('declares its codes', () => assert.deepEqual(doctorCheck.codes.map((c) => c.code), ['ITLS901', 'ITLS902']));
});
