// The referee tier's rules on small hand-made verdicts (no Go needed): each rule must report its case
// and stay silent on the one next to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreement, noHarm, type DoctorHost, type DoctorReport } from './judge.js';
import type { RefHost, RefReport } from './referee.js';
import type { Obj } from '../convergence/fixrun.js';

type F = DoctorReport['findings'][number];

const secret = { resource: 'kubernetes://shop-tls', namespace: 'istio-system', name: 'shop-tls', delivered: true, loads: true, dnsNames: ['shop.acme.test', 'blog.acme.test'] };

function host(over: Partial<RefHost>): RefHost {
  return { host: 'shop.acme.test', port: 443, listenerPort: 8443, gateway: 'istio-system/web', protocol: 'HTTPS', kept: true, listener: true, tlsMode: 'SIMPLE', sds: ['kubernetes://shop-tls'], served: true, outcome: 'route', clusters: ['outbound|80||shop.shop.svc.cluster.local'], virtualService: 'shop/shop', virtualServices: ['shop/shop'], ...over };
}

function report(hosts: RefHost[]): RefReport {
  return { istio: 'test', elapsed: '0s', rbac: '', proxies: [{ pod: 'istio-system/gw', serviceAccount: 'gw', gateways: ['istio-system/web'], servers: [], listeners: [], routes: [], secrets: [secret], hosts }] };
}

const row = (h: string, codes: string[] = []): DoctorHost => ({ gateway: { kind: 'Gateway', name: 'web', namespace: 'istio-system' }, host: h, port: 443, protocol: 'HTTPS', mode: 'SIMPLE', credential: 'secret istio-system/shop-tls', codes });

function finding(code: string, over: Partial<F> = {}): F {
  return { code, severity: 'error', title: code, message: '', resource: { kind: 'Gateway', namespace: 'istio-system', name: 'web' }, evidence: {}, ...over } as F;
}

const withFix = (f: F): F => ({ ...f, remediation: { summary: 'fix', yaml: 'apiVersion: v1\nkind: X\n' } });

test('agreement: a 404 the doctor does not report is a disagreement; one it reports is not', () => {
  const ref = report([host({ outcome: '404', clusters: undefined, virtualService: undefined, virtualServices: [] })]);
  assert.deepEqual(agreement({ findings: [], hosts: [row('shop.acme.test')] }, ref).map((d) => d.id), ['404-missed shop.acme.test:443 istio-system/web']);
  const said = finding('ITLS503', { host: 'shop.acme.test', port: 443 });
  assert.deepEqual(agreement({ findings: [said], hosts: [row('shop.acme.test', ['ITLS503'])] }, ref), []);
});

test('agreement: a working host the doctor calls 404 is a false alarm', () => {
  const said = finding('ITLS502', { resource: { kind: 'VirtualService', namespace: 'shop', name: 'shop' }, host: 'shop.acme.test', places: [{ resource: { kind: 'Gateway', namespace: 'istio-system', name: 'web' }, host: 'shop.acme.test', port: 443 }] });
  assert.deepEqual(agreement({ findings: [said], hosts: [row('shop.acme.test')] }, report([host({})])).map((d) => d.id), ['404-false-alarm shop.acme.test:443 istio-system/web']);
});

test('agreement: an undelivered secret must be reported, a delivered one must not be', () => {
  const undelivered: RefReport = { ...report([host({ served: false })]) };
  undelivered.proxies![0].secrets = [{ ...secret, delivered: false, reason: 'gw/istio-system is not authorized to read secrets' }];
  assert.deepEqual(agreement({ findings: [], hosts: [row('shop.acme.test')] }, undelivered).map((d) => d.id), ['served-missed shop.acme.test:443 istio-system/web']);
  const said = finding('ITLS212', { resource: { kind: 'ServiceAccount', namespace: 'istio-system', name: 'gw' }, evidence: { serviceAccount: 'istio-system/gw' } });
  assert.deepEqual(agreement({ findings: [said], hosts: [row('shop.acme.test')] }, undelivered), []);
  assert.deepEqual(agreement({ findings: [said], hosts: [row('shop.acme.test')] }, report([host({})])).map((d) => d.id), ['served-false-alarm shop.acme.test:443 istio-system/web']);
});

test('agreement: a key the gateway\'s Envoy release refuses is not the referee\'s to judge; any other ITLS204 is', () => {
  const ref = report([host({})]); // istiod delivers it, Go's crypto loads it
  const release = finding('ITLS204', { host: 'shop.acme.test', port: 443, evidence: { envoy: '1.32', curve: 'P-384' } });
  assert.deepEqual(agreement({ findings: [release], hosts: [row('shop.acme.test', ['ITLS204'])] }, ref), []);
  const unloadable = finding('ITLS204', { host: 'shop.acme.test', port: 443, evidence: { keyType: 'dsa' } });
  assert.deepEqual(agreement({ findings: [unloadable], hosts: [row('shop.acme.test', ['ITLS204'])] }, ref).map((d) => d.id), ['served-false-alarm shop.acme.test:443 istio-system/web']);
});

test('agreement: the Gateway istiod keeps in a conflict', () => {
  const ref = report([host({}), host({ gateway: 'shop/other', kept: false, keptBy: 'istio-system/web' })]);
  const rows = [row('shop.acme.test', ['ITLS403']), { ...row('shop.acme.test', ['ITLS403']), gateway: { kind: 'Gateway', name: 'other', namespace: 'shop' } }];
  const right = finding('ITLS403', { host: 'shop.acme.test', port: 443, places: [{ resource: { kind: 'Gateway', namespace: 'shop', name: 'other' }, host: 'shop.acme.test', port: 443 }], evidence: { keptBy: 'istio-system/web' } });
  assert.deepEqual(agreement({ findings: [right], hosts: rows }, ref), []);
  const wrong = { ...right, evidence: { keptBy: 'shop/other' } };
  assert.ok(agreement({ findings: [wrong], hosts: rows }, ref).some((d) => d.id.startsWith('conflict-winner')));
});

test('agreement: ITLS707\'s typed kept against the referee\'s per-host verdict (a Gateway-API listener is istiod\'s <name>~istio-autogenerated-k8s-gateway~<listener>)', () => {
  const internal = 'istio-system/shop~istio-autogenerated-k8s-gateway~https';
  const k8s = { kind: 'Gateway.gateway.networking.k8s.io', namespace: 'istio-system', name: 'shop' };
  const rows: DoctorHost[] = [row('shop.acme.test', ['ITLS707']), { ...row('shop.acme.test', ['ITLS707']), gateway: k8s }];
  const conflict = (evidence: F['evidence']) =>
    finding('ITLS707', { resource: k8s, host: 'shop.acme.test', port: 443, places: [{ resource: { kind: 'Gateway', namespace: 'istio-system', name: 'web' }, host: 'shop.acme.test', port: 443 }], evidence });
  const gatewayApiKept = { istiod: 'keeps-one', kept: { ...k8s, listener: 'https' }, ignored: [{ kind: 'Gateway', namespace: 'istio-system', name: 'web' }] };
  const istioKept = { istiod: 'keeps-one', kept: { kind: 'Gateway', namespace: 'istio-system', name: 'web' }, ignored: [{ ...k8s, listener: 'https' }] };
  // the referee keeps the Gateway-API listener
  const refApi = report([host({ kept: false, keptBy: internal }), host({ gateway: internal })]);
  assert.deepEqual(agreement({ findings: [conflict(gatewayApiKept)], hosts: rows }, refApi), []);
  assert.deepEqual(
    agreement({ findings: [conflict(istioKept)], hosts: rows }, refApi).map((d) => d.id),
    ['conflict-winner shop.acme.test:443 istio-system/web', 'conflict-winner shop.acme.test:443 istio-system/shop'],
  );
  // the order flipped: the referee keeps the Istio Gateway
  const refIstio = report([host({}), host({ gateway: internal, kept: false, keptBy: 'istio-system/web' })]);
  assert.deepEqual(agreement({ findings: [conflict(istioKept)], hosts: rows }, refIstio), []);
  assert.equal(agreement({ findings: [conflict(gatewayApiKept)], hosts: rows }, refIstio).filter((d) => d.id.startsWith('conflict-winner')).length, 2);
  // another listener of the same Gateway is not the one kept
  assert.equal(agreement({ findings: [conflict({ ...gatewayApiKept, kept: { ...k8s, listener: 'other' } })], hosts: rows }, refApi).length, 2);
  // keeps-both: the referee must keep both servers (Envoy, not istiod, refuses the listener)
  const refBoth = report([host({}), host({ gateway: internal })]);
  assert.deepEqual(agreement({ findings: [conflict({ istiod: 'keeps-both', ignored: [] })], hosts: rows }, refBoth), []);
  assert.equal(agreement({ findings: [conflict({ istiod: 'keeps-both', ignored: [] })], hosts: rows }, refApi).filter((d) => d.id.startsWith('conflict-winner')).length, 1);
  // order unknown (no creation times): a note, not a disagreement
  assert.deepEqual(agreement({ findings: [conflict({ istiod: 'keeps-one', unknown: 'creation-time', ignored: [] })], hosts: rows }, refApi), []);
});

const vs = (ns: string, name: string, hosts: string[]): Obj => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts } });

test('no harm: a working host no fix names must keep its backend', () => {
  const before = report([host({}), host({ host: 'blog.acme.test', outcome: '404', clusters: undefined, virtualService: undefined, virtualServices: [] })]);
  const fix = withFix(finding('ITLS503', { host: 'blog.acme.test', port: 443 }));
  const broken = report([host({ outcome: '404', clusters: undefined, virtualService: undefined, virtualServices: [] }), host({ host: 'blog.acme.test', virtualService: 'shop/shop', virtualServices: ['shop/shop'] })]);
  const ids = noHarm([fix], before, broken, [vs('shop', 'shop', ['shop.acme.test'])]).map((v) => v.id);
  assert.deepEqual(ids, ['changed shop.acme.test:443 istio-system/web', 'guessed-route blog.acme.test:443 istio-system/web']);
  const good = report([host({}), host({ host: 'blog.acme.test', clusters: ['outbound|80||blog.blog.svc.cluster.local'], virtualService: 'blog/blog-acme-test', virtualServices: ['blog/blog-acme-test'] })]);
  assert.deepEqual(noHarm([fix], before, good, [vs('shop', 'shop', ['shop.acme.test'])]), []);
});

test('no harm: a host the fix names must work after it; no host newly routed by two VirtualServices', () => {
  const before = report([host({ host: 'blog.acme.test', outcome: '404', clusters: undefined, virtualService: undefined, virtualServices: [] })]);
  const fix = withFix(finding('ITLS503', { host: 'blog.acme.test', port: 443 }));
  assert.deepEqual(noHarm([fix], before, before, []).map((v) => v.id), ['not-fixed blog.acme.test:443 (ITLS503)']);
  const two = report([host({ host: 'blog.acme.test', virtualService: 'blog/a', virtualServices: ['blog/a', 'blog/b'] })]);
  assert.deepEqual(noHarm([fix], before, two, []).map((v) => v.id), ['two-virtualservices blog.acme.test:443 istio-system/web']);
});
