// The probe check (ITLS601/602/604), ITLS404 confirmed or dropped by what the probe saw, ITLS204 for an
// Envoy release that refuses the key, and status' SERVED from the wire. Each case: a cluster as YAML,
// certificates generated now, and the handshakes the live probe would have recorded (real chains).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { runChecks } from '../../src/checks/run.js';
import { probeCheck } from '../../src/checks/probe.js';
import { Model } from '../../src/model/model.js';
import { istioSubject, servedOnWire } from '../../src/model/probe.js';
import type { Finding } from '../../src/findings/types.js';
import type { Snapshot, TlsHandshake } from '../../src/snapshot/types.js';
import { chainPem, issueCert, type IssuedCert } from '../../src/testing/certgen.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';
import { CLUSTER, docs, gateway, ingressPod, ingressService, ISTIOD } from './_support.js';
import { b64, DAY, NOW, options } from './certs-support.js';

const root = await issueCert({ cn: 'Probe Test Root', ca: true });
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const leaf = (dns: string[], extra: { notBefore?: Date; notAfter?: Date; keyType?: 'p384' } = {}) =>
  issueCert({ cn: dns[0], dns, issuer: root, notBefore: extra.notBefore ?? at(-10), notAfter: extra.notAfter ?? at(80), ...(extra.keyType ? { keyType: extra.keyType } : {}) });
const shop = await leaf(['shop.example.com']);
const shopOld = await leaf(['shop.example.com'], { notBefore: at(-85), notAfter: at(20) });
const shopExpiring = await leaf(['shop.example.com'], { notBefore: at(-88), notAfter: at(2) });
const bar = await leaf(['bar.example.com']);
const wildcard = await leaf(['*.example.com']);
const p384 = await leaf(['shop.example.com'], { keyType: 'p384' });
const wildOld = await leaf(['*.example.com'], { notBefore: at(-85), notAfter: at(20) });

const POD = 'istio-ingressgateway-7f9d8c6b4-q7wzt';

function secret(name: string, cert: IssuedCert): string {
  return `
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: "${b64(chainPem(cert))}", tls.key: "${b64(cert.keyPem)}"}`;
}

const server = (host: string, cred: string, mode = 'SIMPLE') => `
  - port: {number: 443, name: https-${host.split('.')[0]}, protocol: HTTPS}
    hosts: ["${host}"]
    tls: {mode: ${mode}, credentialName: ${cred}}`;

/** shop (shop-tls) and bar (bar-tls) on one gateway. */
const TWO_HOSTS = docs(CLUSTER, gateway({ name: 'shop', servers: server('shop.example.com', 'shop-tls') }), gateway({ name: 'bar', servers: server('bar.example.com', 'bar-tls') }), secret('shop-tls', shop), secret('bar-tls', bar));

function served(sni: string | undefined, cert: IssuedCert | undefined, extra: Partial<TlsHandshake> = {}): TlsHandshake {
  const h: TlsHandshake = { namespace: 'istio-system', pod: POD, port: 8443, gatewayPort: 443, alpnOffered: ['h2', 'http/1.1'], outcome: cert ? 'handshake' : 'reset', ...extra };
  if (sni) h.sni = sni;
  if (cert) {
    h.chainPem = chainPem(cert);
    h.leafSha256 = new X509Certificate(cert.certPem).fingerprint256;
    h.alpn = extra.alpn ?? 'h2';
    h.tlsVersion = 'TLSv1.3';
  }
  return h;
}

function snapshot(yaml: string, handshakes: TlsHandshake[] | undefined): Snapshot {
  const s = snapshotFromYaml(yaml);
  if (handshakes) s.probe = { state: 'done', handshakes };
  return s;
}

function run(yaml: string, handshakes: TlsHandshake[] | undefined, modules: 'all' | 'probe' = 'probe'): Finding[] {
  return runChecks(snapshot(yaml, handshakes), options({}, [root]), modules === 'all' ? undefined : [probeCheck]).findings;
}

const codes = (fs: Finding[]) => fs.map((f) => f.code);

describe('ITLS601: the handshake fails at the gateway', () => {
  it('reports a reset for the SNI (no filter chain) when the credential is fine', () => {
    const fs = run(TWO_HOSTS, [served(undefined, undefined), served('shop.example.com', undefined), served('bar.example.com', bar)]);
    assert.deepEqual(codes(fs), ['ITLS601']);
    assert.equal(fs[0].host, 'shop.example.com');
    assert.equal(fs[0].evidence.kind, 'no-filter-chain');
    assert.match(fs[0].message, /reset before any TLS answer: the running Envoy has no filter chain for shop\.example\.com/);
  });

  it('reports an alert with its meaning', () => {
    const fs = run(TWO_HOSTS, [served('shop.example.com', undefined, { outcome: 'alert', alert: { code: 70, name: 'protocol_version' } }), served('bar.example.com', bar)]);
    assert.deepEqual(codes(fs), ['ITLS601']);
    assert.equal(fs[0].evidence.alert, 'protocol_version');
    assert.match(fs[0].message, /minProtocolVersion/);
  });

  it('stays silent on a client-certificate alert from a MUTUAL server', () => {
    const yaml = docs(CLUSTER, gateway({ name: 'shop', servers: server('shop.example.com', 'shop-tls', 'MUTUAL') }), secret('shop-tls', shop), secret('shop-tls-cacert', root).replace('tls.crt', 'cacert'));
    assert.deepEqual(codes(run(yaml, [served('shop.example.com', undefined, { outcome: 'alert', alert: { code: 116, name: 'certificate_required' } })])), []);
  });

  it('stays silent when the credential itself keeps Envoy from serving (missing Secret: ITLS201 says so)', () => {
    const yaml = docs(CLUSTER, gateway({ name: 'shop', servers: server('shop.example.com', 'shop-tls') }));
    assert.deepEqual(codes(run(yaml, [served('shop.example.com', undefined)])), []);
  });

  it('stays silent without a probe (offline, --no-probe), and on a timeout (unknown, not a verdict)', () => {
    assert.deepEqual(codes(run(TWO_HOSTS, undefined)), []);
    assert.deepEqual(codes(run(TWO_HOSTS, [served('shop.example.com', undefined, { outcome: 'timeout' }), served('bar.example.com', bar)])), []);
  });
});

describe('ITLS602: another certificate is served', () => {
  it("names another host's Secret when its certificate is served", () => {
    const fs = run(TWO_HOSTS, [served('shop.example.com', bar), served('bar.example.com', bar)]);
    assert.deepEqual(codes(fs), ['ITLS602']);
    assert.equal(fs[0].evidence.kind, 'other-host');
    assert.equal(fs[0].evidence.servedFrom, 'istio-system/bar-tls');
    assert.match(fs[0].message, /served the certificate of Secret istio-system\/bar-tls \(bar\.example\.com\)/);
    assert.match(fs[0].message, /A client validating it fails/, 'the served chain was validated for the host');
  });

  it('says the default certificate when the host gets what clients without SNI get', () => {
    const fs = run(TWO_HOSTS.replace(secret('bar-tls', bar), ''), [served(undefined, wildcard), served('shop.example.com', wildcard)]);
    assert.deepEqual(codes(fs), ['ITLS602']);
    assert.equal(fs[0].evidence.kind, 'default');
    assert.equal(fs[0].evidence.servedChainTrusted, true, 'a wildcard for the host validates: still not the Secret');
  });

  it('stays silent when every host gets its Secret', () => {
    assert.deepEqual(codes(run(TWO_HOSTS, [served(undefined, undefined), served('shop.example.com', shop), served('bar.example.com', bar)])), []);
  });
});

describe('ITLS604: an older certificate is still served', () => {
  it('reports a warning when the Secret was renewed and the pod serves the previous certificate', () => {
    const fs = run(TWO_HOSTS, [served('shop.example.com', shopOld), served('bar.example.com', bar)]);
    assert.deepEqual(codes(fs), ['ITLS604']);
    assert.equal(fs[0].severity, 'warning');
    assert.equal(fs[0].evidence.kind, 'stale');
    assert.match(fs[0].message, /an older certificate than the one Secret istio-system\/shop-tls holds/);
  });

  it("absorbs the admin API's ITLS210 for the same Secret and pod: one cause, one finding", () => {
    const s = snapshot(TWO_HOSTS, [served('shop.example.com', shopOld), served('bar.example.com', bar)]);
    const envoy = { via: 'port-forward' as const, state: 'ok' as const, secrets: [
      { name: 'kubernetes://shop-tls', state: 'ACTIVE' as const, certificateChainPem: chainPem(shopOld) },
      { name: 'kubernetes://bar-tls', state: 'ACTIVE' as const, certificateChainPem: chainPem(bar) },
    ] };
    s.inspections.push({ namespace: 'istio-system', pod: POD, container: 'istio-proxy', files: [], directories: [], fileAccess: { state: 'skipped' }, envoy });
    const fs = runChecks(s, options({}, [root])).findings.filter((f) => ['ITLS210', 'ITLS604'].includes(f.code));
    assert.deepEqual(codes(fs), ['ITLS604']);
    assert.match(fs[0].also?.join(' ') ?? '', /admin API .* reports the same certificate .*ITLS210/);
  });

  it('is an error when the served one expires within 7 days', () => {
    const fs = run(TWO_HOSTS, [served('shop.example.com', shopExpiring), served('bar.example.com', bar)]);
    assert.equal(fs[0].code, 'ITLS604');
    assert.equal(fs[0].severity, 'error');
  });

  it('stays silent when the served certificate is the Secret one', () => {
    assert.deepEqual(codes(run(TWO_HOSTS, [served('shop.example.com', shop)])), []);
  });
});

describe('a wildcard host, probed through a name under it', () => {
  const yaml = docs(CLUSTER, gateway({ name: 'wild', servers: server('*.example.com', 'wild-tls') }), secret('wild-tls', wildcard));
  const SNI = 'istio-tls-doctor-probe.example.com';

  it('reports ITLS604 when the wildcard chain still serves the previous certificate, and says which name stood for it', () => {
    const fs = run(yaml, [served(SNI, wildOld)]);
    assert.deepEqual(codes(fs), ['ITLS604']);
    assert.equal(fs[0].host, '*.example.com');
    assert.equal(fs[0].evidence.sni, SNI);
    assert.match(fs[0].message, /^\*\.example\.com \(probed as istio-tls-doctor-probe\.example\.com\) on istio-system\/istio-ingressgateway-7f9d8c6b4-q7wzt:8443 is served serial/);
  });

  it('reports ITLS601 when no chain answers the name under the wildcard', () => {
    const fs = run(yaml, [served(SNI, undefined)]);
    assert.deepEqual(codes(fs), ['ITLS601']);
    assert.match(fs[0].message, /no filter chain for \*\.example\.com/);
  });

  it('stays silent when the wildcard Secret is served, and status says served', () => {
    assert.deepEqual(codes(run(yaml, [served(SNI, wildcard)])), []);
    const model = new Model(snapshot(yaml, [served(SNI, wildcard)]));
    const gm = model.gateways[0];
    assert.equal(servedOnWire(model, istioSubject(model, gm, gm.servers[0]), '*.example.com'), 'yes');
  });
});

describe('every Ready pod of the workload', () => {
  const POD2 = 'istio-ingressgateway-7f9d8c6b4-zz9xx';
  const yaml = docs(TWO_HOSTS, ingressPod({ name: POD2 }));
  const on2 = (h: TlsHandshake): TlsHandshake => ({ ...h, pod: POD2 });

  it('reports ITLS604 naming only the pod that did not load the renewal', () => {
    const fs = run(yaml, [served('shop.example.com', shop), served('bar.example.com', bar), on2(served('shop.example.com', shopOld)), on2(served('bar.example.com', bar))]);
    assert.deepEqual(codes(fs), ['ITLS604']);
    assert.deepEqual(fs[0].evidence.pods, [`istio-system/${POD2}`]);
    assert.match(fs[0].message, new RegExp(`on istio-system/${POD2}:8443 is served`));
    assert.match(fs[0].remediation?.notes?.join(' ') ?? '', new RegExp(`${POD2} serves it while istio-ingressgateway-7f9d8c6b4-q7wzt serves the Secret's: \`kubectl delete pod ${POD2} -n istio-system\``));
  });

  it('makes one finding for the same stale certificate on every pod, and says all of them', () => {
    const fs = run(yaml, [served('shop.example.com', shopOld), on2(served('shop.example.com', shopOld))]);
    assert.deepEqual(codes(fs), ['ITLS604']);
    assert.equal((fs[0].evidence.pods as string[]).length, 2);
    assert.match(fs[0].message, /on all 2 gateway pods \(/);
    assert.doesNotMatch(fs[0].remediation?.notes?.join(' ') ?? '', /kubectl delete pod/, 'every pod serves it: the restart is the fix');
  });

  it('says nothing of deleting one pod when no other pod was seen serving the Secret', () => {
    const fs = run(yaml, [on2(served('shop.example.com', shopOld)), served('bar.example.com', bar)]);
    assert.deepEqual(codes(fs), ['ITLS604']);
    assert.doesNotMatch(fs[0].remediation?.notes?.join(' ') ?? '', /kubectl delete pod/);
  });

  it('stays silent when every pod serves the Secret', () => {
    assert.deepEqual(codes(run(yaml, [served('shop.example.com', shop), served('bar.example.com', bar), on2(served('shop.example.com', shop))])), []);
  });
});

describe('a Gateway-API listener', () => {
  const K8S_POD = 'web-istio-7c9d8f6b5-x2kq9';
  const k8s = docs(
    ISTIOD,
    `
apiVersion: v1
kind: Namespace
metadata: {name: istio-ingress}
---
apiVersion: v1
kind: Pod
metadata:
  name: ${K8S_POD}
  namespace: istio-ingress
  labels: {gateway.networking.k8s.io/gateway-name: web}
spec:
  containers:
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.24.1
status: {phase: Running, conditions: [{type: Ready, status: "True"}], containerStatuses: [{name: istio-proxy, ready: true, restartCount: 0}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-istio, namespace: istio-ingress}
spec:
  selector: {gateway.networking.k8s.io/gateway-name: web}
  ports: [{name: https, port: 443, targetPort: 443}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: shop-tls}]}`,
    secret('shop-tls', shop).replace('namespace: istio-system', 'namespace: istio-ingress'),
    secret('bar-tls', bar),
  );
  const onK8s = (h: TlsHandshake): TlsHandshake => ({ ...h, namespace: 'istio-ingress', pod: K8S_POD, port: 443 });

  it("reports ITLS602 on the Gateway-API Gateway when another Secret's certificate is served", () => {
    const fs = run(k8s, [onK8s(served('shop.example.com', bar))]);
    assert.deepEqual(codes(fs), ['ITLS602']);
    assert.equal(fs[0].resource.kind, 'Gateway.gateway.networking.k8s.io');
    assert.equal(fs[0].evidence.secret, 'istio-ingress/shop-tls');
    assert.match(fs[0].message, /on istio-ingress\/web-istio-7c9d8f6b5-x2kq9:443 is served/);
    assert.match(fs[0].remediation?.commands?.join('\n') ?? '', /kubectl rollout restart deployment\/web-istio -n istio-ingress/);
  });

  it('reports ITLS601 when the listener has no filter chain for its hostname', () => {
    assert.deepEqual(codes(run(k8s, [onK8s(served('shop.example.com', undefined))])), ['ITLS601']);
  });

  it('stays silent when the listener serves its certificateRef', () => {
    assert.deepEqual(codes(run(k8s, [onK8s(served('shop.example.com', shop))])), []);
  });
});

describe('ITLS404 and the wire', () => {
  const shared = docs(CLUSTER, gateway({ name: 'a', servers: server('a.example.com', 'wild-tls') }), gateway({ name: 'b', servers: server('b.example.com', 'wild-tls') }), secret('wild-tls', wildcard));
  const risk = (fs: Finding[]) => fs.filter((f) => f.code === 'ITLS404');

  it('is confirmed when both hosts negotiate h2 with the same certificate', () => {
    const fs = risk(run(shared, [served('a.example.com', wildcard), served('b.example.com', wildcard)], 'all'));
    assert.equal(fs.length, 1);
    assert.deepEqual(fs[0].evidence.onTheWire, { alpn: 'h2', hosts: ['a.example.com', 'b.example.com'], certificateSha256: new X509Certificate(wildcard.certPem).fingerprint256 });
    assert.match(fs[0].message, /live probe confirms it/);
  });

  it('is dropped when the probe shows no HTTP/2 on those hosts (no connection reuse)', () => {
    assert.equal(risk(run(shared, [served('a.example.com', wildcard, { alpn: 'http/1.1' }), served('b.example.com', wildcard, { alpn: 'http/1.1' })], 'all')).length, 0);
  });

  it('stays a risk, unconfirmed, without a probe', () => {
    const fs = risk(run(shared, undefined, 'all'));
    assert.equal(fs.length, 1);
    assert.equal(fs[0].evidence.onTheWire, undefined);
  });
});

describe("ITLS204: a key the gateway's Envoy release refuses", () => {
  const on = (image: string) => docs(ISTIOD, ingressPod({ image }), ingressService(), gateway({ name: 'shop', servers: server('shop.example.com', 'shop-tls') }), secret('shop-tls', p384));
  it('reports a P-384 certificate on Istio 1.24 (Envoy 1.32), naming the release and what it loads', () => {
    const fs = run(on('docker.io/istio/proxyv2:1.24.2'), undefined, 'all').filter((f) => f.code === 'ITLS204');
    assert.equal(fs.length, 1);
    assert.equal(fs[0].severity, 'error');
    assert.equal(fs[0].evidence.envoy, '1.32');
    assert.match(fs[0].message, /Envoy 1\.32 \(Istio 1\.24\.2.*ECDSA keys on P-256 only.*P-384/);
  });

  it('stays silent on Istio 1.25 (Envoy 1.33), and on an image without a version tag', () => {
    assert.deepEqual(run(on('docker.io/istio/proxyv2:1.25.1'), undefined, 'all').filter((f) => f.code === 'ITLS204'), []);
    assert.deepEqual(run(on('docker.io/istio/proxyv2@sha256:abcdef0123456789'), undefined, 'all').filter((f) => f.code === 'ITLS204'), []);
  });

  it("makes the probe's reset for that host no second finding", () => {
    const yaml = on('docker.io/istio/proxyv2:1.24.2');
    assert.deepEqual(codes(run(yaml, [served('shop.example.com', undefined)])), []);
  });
});

describe("status' SERVED from the wire", () => {
  const servedFor = (handshakes: TlsHandshake[] | undefined) => {
    const s = snapshot(TWO_HOSTS, handshakes);
    const model = new Model(s);
    const gm = model.gateways.find((g) => g.ref.name === 'shop')!;
    return servedOnWire(model, istioSubject(model, gm, gm.servers[0]));
  };
  it('is yes when the Secret leaf is served, no when another one is or the handshake fails, unknown without a probe', () => {
    assert.equal(servedFor([served('shop.example.com', shop)]), 'yes');
    assert.equal(servedFor([served('shop.example.com', shopOld)]), 'no');
    assert.equal(servedFor([served('shop.example.com', undefined)]), 'no');
    assert.equal(servedFor([served('shop.example.com', undefined, { outcome: 'timeout' })]), 'unknown');
    assert.equal(servedFor(undefined), 'unknown');
  });
});
