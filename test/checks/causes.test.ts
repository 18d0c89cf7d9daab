// The merge pass: one finding per cause (docs/finding-model.md). Must merge, and must leave alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeCauses } from '../../src/findings/causes.js';
import type { Finding } from '../../src/findings/types.js';

const gw = (name: string, namespace = 'istio-system') => ({ kind: 'Gateway', namespace, name });
const f = (over: Partial<Finding>): Finding => ({ code: 'ITLS202', severity: 'error', title: 't', message: 'm', resource: gw('a'), evidence: {}, ...over });

test('one secret, one problem, two Gateways: one ITLS202 with the other Gateway as a place', () => {
  const out = mergeCauses([
    f({ host: 'a.com', port: 443, evidence: { secret: 'istio-system/shop-tls' }, message: 'tls.crt is base64-encoded twice.' }),
    f({ resource: gw('b'), host: 'b.com', port: 443, evidence: { secret: 'istio-system/shop-tls' }, message: 'tls.crt is base64-encoded twice.' }),
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].places, [{ resource: gw('b'), host: 'b.com', port: 443 }]);
});

test('two secrets, or two different problems of one secret, stay apart', () => {
  const out = mergeCauses([
    f({ host: 'a.com', evidence: { secret: 'istio-system/a-tls' } }),
    f({ host: 'b.com', evidence: { secret: 'istio-system/b-tls' } }),
    f({ code: 'ITLS203', host: 'a.com', evidence: { secret: 'istio-system/a-tls' } }),
  ]);
  assert.equal(out.length, 3);
});

test('one ITLS403 conflict counts once, on the Gateway istiod keeps', () => {
  const out = mergeCauses([
    f({ code: 'ITLS403', resource: gw('shop-gateway-b', 'shop'), host: 's.com', port: 443, evidence: { conflictingWith: ['istio-system/shop-gateway (s.com)'], keptBy: 'istio-system/shop-gateway' } }),
    f({ code: 'ITLS403', resource: gw('shop-gateway'), host: 's.com', port: 443, evidence: { conflictingWith: ['shop/shop-gateway-b (s.com)'], keptBy: 'istio-system/shop-gateway' } }),
  ]);
  assert.equal(out.length, 1);
  assert.equal(out[0].resource.name, 'shop-gateway');
  assert.deepEqual(out[0].places, [{ resource: gw('shop-gateway-b', 'shop'), host: 's.com', port: 443 }]);
});

test('an ITLS503 caused by a VirtualService naming a missing Gateway becomes an also line on the ITLS501', () => {
  const vs = { kind: 'VirtualService', namespace: 'shop', name: 'shop' };
  const out = mergeCauses([
    f({ code: 'ITLS501', resource: vs, evidence: { reference: 'shop-gateway' } }),
    f({ code: 'ITLS503', severity: 'warning', host: 's.com', port: 443, evidence: { virtualServicesWithHost: ['shop/shop'], boundVirtualServices: [] } }),
  ]);
  assert.deepEqual(out.map((x) => x.code), ['ITLS501']);
  assert.match(out[0].also![0], /^s\.com on Gateway istio-system\/a port 443 gets 404/);
  assert.equal(out[0].places![0].host, 's.com');
});

test('an ITLS503 with no routing cause stays; a check-grouped ITLS404 is left as it is', () => {
  const grouped = f({ code: 'ITLS404', severity: 'warning', host: 'a.com', places: [{ resource: gw('b'), host: 'b.com' }], evidence: { secret: 'istio-system/w' } });
  const out = mergeCauses([f({ code: 'ITLS503', severity: 'warning', host: 's.com', evidence: { virtualServicesWithHost: [] } }), grouped]);
  assert.equal(out.length, 2);
  assert.deepEqual(out[1], grouped);
});
