import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { combineRemediations } from '../../src/remediation/index.js';
import { findingsFor } from './_support.js';
import { mountCases } from './cases/mounts.js';

test('combines the remediation of a run into one apply-ready stream with a header per document', () => {
  const seed = mountCases.find((c) => c.name.startsWith('reports only ITLS207'))!;
  const findings = findingsFor(undefined, seed);
  const text = combineRemediations(findings);
  assert.match(text, /# fixes ITLS207 Gateway istio-system\/kiali-gateway \(kiali\.example\.com\)/);
  assert.match(text, /run `kubectl istio-tls doctor --fix-script`/, 'the commands are pointed to, not pasted as comments');
  const objects = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
  assert.equal(objects.filter((o) => o.kind === 'Gateway' && o.metadata.name === 'kiali-gateway').length, 1, 'one Gateway, not one per finding');
  assert.doesNotMatch(text, /PRIVATE KEY/);
});

test('--fix-only never hands kubectl apply an empty or comment-only stream: nothing to apply is the empty string', () => {
  assert.equal(combineRemediations([]), '');
});

test('two fixes of one object merge into one document; applying a change twice never grows a list', async () => {
  const { merge3 } = await import('../../src/remediation/combine.js');
  const base = { spec: { hosts: ['shop.example.com'], gateways: ['shop-gateway'] } };
  const a = { spec: { hosts: ['shop.example.com'], gateways: ['istio-system/shop-gateway'] } }; // ITLS501: replace
  const b = { spec: { hosts: ['shop.example.com'], gateways: ['shop-gateway', 'istio-system/shop-gateway'] } }; // ITLS503: append
  const merged = merge3(base, merge3(base, base, a), b) as typeof base;
  assert.deepEqual(merged.spec.gateways, ['istio-system/shop-gateway'], 'the removal of one fix and the addition of the other both hold, once');
  assert.deepEqual(merge3(base, merged, b), merged, 'idempotent');
});
