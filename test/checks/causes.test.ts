// The merge pass: one finding per cause (docs/finding-model.md). Must merge, and must leave alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeCauses, sameCredentialProblem, withCause } from '../../src/findings/causes.js';
import type { Finding } from '../../src/findings/types.js';

const gw = (name: string, namespace = 'istio-system') => ({ kind: 'Gateway', namespace, name });
const f = (over: Partial<Finding>): Finding => ({ code: 'ITLS202', severity: 'error', title: 't', message: 'm', resource: gw('a'), evidence: {}, ...over });

test('one secret, one problem, two Gateways: one ITLS202 with the other Gateway as a place (the check declares it, typed)', () => {
  const problem = ['tls.crt', 'encoded-twice', null];
  const out = mergeCauses([
    sameCredentialProblem(f({ host: 'a.com', port: 443, evidence: { secret: 'istio-system/shop-tls' }, message: 'tls.crt is base64-encoded twice.' }), problem),
    // other words (the credentialName written ns/name), the same secret and problem: still one cause
    sameCredentialProblem(f({ resource: gw('b'), host: 'b.com', port: 443, evidence: { secret: 'istio-system/shop-tls' }, message: 'Secret istio-system/shop-tls (credentialName "istio-system/shop-tls"): tls.crt is base64-encoded twice.' }), problem),
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].places, [{ resource: gw('b'), host: 'b.com', port: 443 }]);
});

test('two secrets, or two different problems of one secret, stay apart', () => {
  const out = mergeCauses([
    sameCredentialProblem(f({ host: 'a.com', evidence: { secret: 'istio-system/a-tls' } }), ['tls.crt']),
    sameCredentialProblem(f({ host: 'b.com', evidence: { secret: 'istio-system/b-tls' } }), ['tls.crt']),
    sameCredentialProblem(f({ code: 'ITLS203', host: 'a.com', evidence: { secret: 'istio-system/a-tls' } }), ['tls.crt']),
    // the same code, secret and words, another problem (a name the certificate lacks, per host): apart
    sameCredentialProblem(f({ code: 'ITLS304', host: 'a.com', evidence: { secret: 'istio-system/a-tls' } }), ['host', 'a.com']),
    sameCredentialProblem(f({ code: 'ITLS304', host: 'c.com', evidence: { secret: 'istio-system/a-tls' } }), ['host', 'c.com']),
  ]);
  assert.equal(out.length, 5);
});

test('the same words about the same secret, with no declared cause, stay apart (nothing is read back from the message)', () => {
  const out = mergeCauses([
    f({ host: 'a.com', port: 443, evidence: { secret: 'istio-system/shop-tls' }, message: 'tls.crt is base64-encoded twice.' }),
    f({ resource: gw('b'), host: 'b.com', port: 443, evidence: { secret: 'istio-system/shop-tls' }, message: 'tls.crt is base64-encoded twice.' }),
  ]);
  assert.equal(out.length, 2);
});

test('one ITLS403 conflict counts once, on the Gateway istiod keeps (the check declares the cause, typed)', () => {
  const same = JSON.stringify(['s.com', 443, ['istio-system/shop-gateway', 'shop/shop-gateway-b']]);
  const out = mergeCauses([
    withCause(f({ code: 'ITLS403', resource: gw('shop-gateway-b', 'shop'), host: 's.com', port: 443, evidence: { conflictingWith: ['istio-system/shop-gateway (s.com)'], keptBy: 'istio-system/shop-gateway' } }), { same, primary: false }),
    withCause(f({ code: 'ITLS403', resource: gw('shop-gateway'), host: 's.com', port: 443, evidence: { conflictingWith: ['shop/shop-gateway-b (s.com)'], keptBy: 'istio-system/shop-gateway' } }), { same, primary: true }),
  ]);
  assert.equal(out.length, 1);
  assert.equal(out[0].resource.name, 'shop-gateway');
  assert.deepEqual(out[0].places, [{ resource: gw('shop-gateway-b', 'shop'), host: 's.com', port: 443 }]);
});

test('ITLS403 findings whose words say the same Gateways, without a declared cause, stay apart (nothing is read back from evidence)', () => {
  const out = mergeCauses([
    f({ code: 'ITLS403', resource: gw('shop-gateway-b', 'shop'), host: 's.com', port: 443, evidence: { conflictingWith: ['istio-system/shop-gateway (s.com)'], keptBy: 'istio-system/shop-gateway' } }),
    f({ code: 'ITLS403', resource: gw('shop-gateway'), host: 's.com', port: 443, evidence: { conflictingWith: ['shop/shop-gateway-b (s.com)'], keptBy: 'istio-system/shop-gateway' } }),
  ]);
  assert.equal(out.length, 2);
});

test('an ITLS503 that the ITLS501 fix resolves becomes an also line on the ITLS501', () => {
  const vs = { kind: 'VirtualService', namespace: 'shop', name: 'shop' };
  const out = mergeCauses([
    withCause(f({ code: 'ITLS501', resource: vs, evidence: { reference: 'shop-gateway' } }), { resolves: [{ code: 'ITLS503', resource: gw('a'), host: 's.com', port: 443 }] }),
    withCause(f({ code: 'ITLS503', severity: 'warning', host: 's.com', port: 443, evidence: {} }), { asConsequence: 's.com on Gateway istio-system/a port 443 gets 404: no VirtualService route reaches it.' }),
  ]);
  assert.deepEqual(out.map((x) => x.code), ['ITLS501']);
  assert.match(out[0].also![0], /^s\.com on Gateway istio-system\/a port 443 gets 404/);
  assert.equal(out[0].places![0].host, 's.com');
});

test('an ITLS503 on the same Gateway as an ITLS502 whose fix does not route it keeps its own finding and fix', () => {
  const vs = { kind: 'VirtualService', namespace: 'blog', name: 'blog' };
  const unrouted = f({ code: 'ITLS503', severity: 'warning', host: 'docs.acme.test', port: 443, evidence: { virtualServicesWithHost: [], boundVirtualServices: ['blog/blog'] }, remediation: { summary: 'new VirtualService' } });
  const out = mergeCauses([
    withCause(f({ code: 'ITLS502', resource: vs, host: 'blgo.acme.test', evidence: { gateway: 'istio-system/a' } }), { resolves: [] }),
    unrouted,
  ]);
  assert.deepEqual(out.map((x) => x.code), ['ITLS502', 'ITLS503']);
  assert.equal(out[0].also, undefined);
  assert.equal(out[1].remediation?.summary, 'new VirtualService');
});

test('an ITLS503 with no routing cause stays; a check-grouped ITLS404 is left as it is', () => {
  const grouped = f({ code: 'ITLS404', severity: 'warning', host: 'a.com', places: [{ resource: gw('b'), host: 'b.com' }], evidence: { secret: 'istio-system/w' } });
  const out = mergeCauses([f({ code: 'ITLS503', severity: 'warning', host: 's.com', evidence: { virtualServicesWithHost: [] } }), grouped]);
  assert.equal(out.length, 2);
  assert.deepEqual(out[1], grouped);
});

// ---- whole runs: the checks declare what their fixes resolve (issue 17) ----
import { CLUSTER, HTTPS_SERVER, SHOP_SECRET, docs, findingsFor, gateway, ingressPod } from './_support.js';

const twoDeployments = (...extra: string[]) =>
  docs(
    CLUSTER,
    ingressPod({ namespace: 'istio-ingress', name: 'internal-gw', labels: '{istio: internal}' }),
    gateway({ name: 'public', servers: HTTPS_SERVER() }),
    gateway({ name: 'internal', selector: '{istio: internal}', servers: HTTPS_SERVER() }),
    ...extra,
  );

test('one missing copy of a Secret is one finding: the ITLS211 copy resolves the ITLS201 of that namespace, which becomes its place', () => {
  const out = findingsFor(undefined, { yaml: twoDeployments(SHOP_SECRET('istio-system')) }).filter((x) => x.code === 'ITLS201' || x.code === 'ITLS211');
  assert.deepEqual(out.map((x) => x.code), ['ITLS211']);
  assert.deepEqual(out[0].places, [{ resource: gw('internal'), host: 'shop.example.com', port: 443 }]);
});

test('an ITLS201 with no copy anywhere stays an ITLS201 (nothing to copy, no ITLS211 to absorb it)', () => {
  const out = findingsFor(undefined, { yaml: twoDeployments(SHOP_SECRET('shop', 'unrelated-tls')) }).filter((x) => x.code === 'ITLS201' || x.code === 'ITLS211');
  assert.deepEqual([...new Set(out.map((x) => x.code))], ['ITLS201']);
});

test('one missing Secret named two ways (shop-tls, istio-system/shop-tls) on two ports of one host: one ITLS201, the other port a place', () => {
  const yaml = docs(CLUSTER, gateway({ name: 'public', servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 443) + HTTPS_SERVER('shop.example.com', 'istio-system/shop-tls', 8443) }), SHOP_SECRET('istio-system', 'unrelated-tls'));
  const out = findingsFor(undefined, { yaml }).filter((x) => x.code === 'ITLS201');
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].places, [{ resource: gw('public'), host: 'shop.example.com', port: 8443 }]);
});

test('one broken Secret read by two Gateways: one ITLS202 per problem, the other Gateway a place', () => {
  const yaml = docs(CLUSTER, gateway({ name: 'a', servers: HTTPS_SERVER('a.example.com') }), gateway({ name: 'b', servers: HTTPS_SERVER('b.example.com') }), SHOP_SECRET());
  const out = findingsFor(undefined, { yaml }).filter((x) => x.code === 'ITLS202');
  assert.ok(out.length >= 1);
  for (const x of out) assert.deepEqual([x.resource.name, ...(x.places ?? []).map((p) => p.resource.name)], ['a', 'b']);
});
