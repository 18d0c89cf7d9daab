// Floor: the doctor finds ≥95% of the Istio analyzer messages that map onto its catalog, on the same
// resources, and every case of the corpus runs. The corpus is test/corpora/istio-analyzers; missing, it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ISTIO_FLOOR, runIstio } from '../../scripts/conformance/istio.js';

test('finds at least 95% of the mapped Istio analyzer messages on the same resources', () => {
  const r = runIstio();
  assert.ok(r.mapped >= 40, `only ${r.mapped} mapped messages: the mapping lost cases`);
  assert.ok(r.agreement >= ISTIO_FLOOR, `agreement ${(r.agreement * 100).toFixed(1)}% < ${ISTIO_FLOOR * 100}%`);
});

test('runs every case of the corpus without error and explains every miss', () => {
  const r = runIstio();
  assert.equal(r.cases.length, 47);
  for (const c of r.cases) {
    assert.equal(c.error, undefined, `${c.case}: ${c.error}`);
    for (const m of c.missed) assert.ok(m.explanation, `unexplained miss in ${c.case}: ${m.code} on ${m.resource}`);
  }
});

test('keeps its own verdict where Istio calls a mismatched key/certificate pair valid', () => {
  const c = runIstio().cases.find((x) => x.case === 'gatewaySecret')!;
  assert.ok(c.findings.some((f) => f.code === 'ITLS203' && f.resource.endsWith('defaultgateway-noerrors')));
});
