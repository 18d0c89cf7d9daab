// src/status/: the `status` rows.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildInventory, countTlsHosts, gatewaysLeftOut } from '../../src/status/rows.js';
import { mountedSecretFor } from '../../src/model/model.js';
import { Model } from '../../src/model/model.js';
import type { Finding } from '../../src/findings/types.js';
import { chainPem, issueCert, type IssuedCert } from '../../src/testing/certgen.js';
import { loadTrustStore } from '../../src/tls/index.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const b64 = (s: string) => Buffer.from(s).toString('base64');

const pod = `apiVersion: v1
kind: Pod
metadata: {name: gw-1, namespace: istio-ingress, labels: {istio: ingress}}
spec:
  containers:
  - name: istio-proxy
    volumeMounts:
    - {name: certs, mountPath: /etc/istio/ingressgateway-certs}
    - {name: picked, mountPath: /etc/picked/}
  volumes:
  - {name: certs, secret: {secretName: legacy-certs}}
  - {name: picked, secret: {secretName: picked-certs, items: [{key: server.pem, path: cert.pem}]}}
`;

function gateway(servers: string): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: apps}
spec:
  selector: {istio: ingress}
  servers:
${servers}`;
}

describe('status rows', () => {
  let root: IssuedCert;
  let leaf: IssuedCert;
  before(async () => {
    root = await issueCert({ cn: 'Inventory Test Root', ca: true, keyType: 'p256', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') });
    leaf = await issueCert({ cn: 'shop.example.com', dns: ['shop.example.com', 'www.example.com'], issuer: root, keyType: 'p256', notBefore: new Date('2026-05-01T00:00:00Z'), notAfter: new Date('2026-06-11T12:00:00Z'), extKeyUsage: ['serverAuth'] });
  });

  function rows(yaml: string, findings: Finding[] = [], trustRoot = false) {
    const snapshot = snapshotFromYaml(yaml);
    for (const k of ['pods', 'secrets', 'gateways'] as const) snapshot.read[k] = true;
    const trustStore = loadTrustStore(trustRoot ? root.certPem : undefined, { includeBundled: false });
    return buildInventory(new Model(snapshot), findings, { now: NOW, trustStore });
  }

  function credentialYaml(): string {
    return `${pod}---
apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: istio-ingress}
type: kubernetes.io/tls
data: {tls.crt: ${b64(chainPem(leaf))}, tls.key: ${b64(leaf.keyPem)}}
---
${gateway(`  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com, apps/www.example.com, api.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]`)}`;
  }

  it('one row per TLS host, none for plain HTTP servers, namespace part stripped', () => {
    const r = rows(credentialYaml());
    assert.deepEqual(r.map((x) => [x.host, x.port]), [['api.example.com', 443], ['shop.example.com', 443], ['www.example.com', 443]]);
  });

  it('reads the credential from the workload namespace, with subject, expiry in days and SAN verdict', () => {
    const r = rows(credentialYaml());
    const shop = r.find((x) => x.host === 'shop.example.com')!;
    assert.equal(shop.credential, 'secret istio-ingress/shop-tls');
    assert.equal(shop.subject, 'shop.example.com');
    assert.equal(shop.expiresInDays, 10);
    assert.equal(shop.san, 'ok');
    assert.equal(r.find((x) => x.host === 'api.example.com')!.san, 'fail');
  });

  it('chain is ok only when a path to a trusted anchor exists; a complete chain to a root outside the store is a private root', () => {
    assert.equal(rows(credentialYaml())[1].chain, 'private-root');
    assert.equal(rows(credentialYaml(), [], true)[1].chain, 'ok');
  });

  it('overall is the worst non-info finding about the host (or the whole Gateway)', () => {
    const gw = { kind: 'Gateway', namespace: 'apps', name: 'web' };
    const findings: Finding[] = [
      { code: 'ITLS304', severity: 'error', title: '', message: '', resource: gw, host: 'api.example.com', port: 443, evidence: {} },
      { code: 'ITLS302', severity: 'warning', title: '', message: '', resource: gw, host: 'shop.example.com', port: 443, evidence: {} },
      { code: 'ITLS313', severity: 'info', title: '', message: '', resource: gw, host: 'www.example.com', port: 443, evidence: {} },
      { code: 'ITLS407', severity: 'warning', title: '', message: '', resource: gw, host: 'www.example.com', port: 80, evidence: {} },
    ];
    const r = rows(credentialYaml(), findings);
    assert.deepEqual(r.map((x) => [x.host, x.overall, x.codes]), [
      ['api.example.com', 'error', ['ITLS304']],
      ['shop.example.com', 'warn', ['ITLS302']],
      ['www.example.com', 'ok', []],
    ]);
    const wide = rows(credentialYaml(), [{ code: 'ITLS101', severity: 'error', title: '', message: '', resource: gw, evidence: {} }]);
    assert.ok(wide.every((x) => x.overall === 'error'));
  });

  it('says when the credential secret is missing, and stays unknown about the certificate', () => {
    const r = rows(`${pod}---\n${gateway(`  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: nope}`)}`);
    assert.equal(r[0].credential, 'secret istio-ingress/nope (missing)');
    assert.equal(r[0].subject, undefined);
    assert.equal(r[0].san, 'unknown');
    assert.equal(r[0].chain, 'unknown');
  });

  it('follows file paths to the secret mounted there', () => {
    const r = rows(`${pod}---
apiVersion: v1
kind: Secret
metadata: {name: legacy-certs, namespace: istio-ingress}
data: {tls.crt: ${b64(chainPem(leaf))}}
---
${gateway(`  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, serverCertificate: /etc/istio/ingressgateway-certs/tls.crt, privateKey: /etc/istio/ingressgateway-certs/tls.key}`)}`);
    assert.equal(r[0].credential, 'file /etc/istio/ingressgateway-certs/tls.crt');
    assert.equal(r[0].subject, 'shop.example.com');
  });

  it('PASSTHROUGH hosts have no credential of the gateway', () => {
    const r = rows(`${pod}---\n${gateway(`  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [db.example.com]
    tls: {mode: PASSTHROUGH}`)}`);
    assert.deepEqual([r[0].mode, r[0].credential, r[0].san], ['PASSTHROUGH', '-', 'unknown']);
  });

  it('keeps the host as the Gateway writes it (a namespace restriction) and names the SAN that covers it', () => {
    const r = rows(credentialYaml());
    const www = r.find((x) => x.host === 'www.example.com')!;
    assert.equal(www.hostAsWritten, 'apps/www.example.com');
    assert.equal(www.coveredBy, 'www.example.com');
    assert.equal(r.find((x) => x.host === 'shop.example.com')!.hostAsWritten, undefined);
    const api = r.find((x) => x.host === 'api.example.com')!;
    assert.equal(api.coveredBy, undefined);
    assert.deepEqual(api.names, ['shop.example.com', 'www.example.com']);
  });

  it('Gateway-API listener rows name the SAN that covers the hostname, and the DNS names when none does, as Istio rows', async () => {
    const wildcard = await issueCert({ cn: 'example.com', dns: ['*.example.com', 'example.com'], issuer: root, keyType: 'p256', notBefore: new Date('2026-05-01T00:00:00Z'), notAfter: new Date('2026-09-01T00:00:00Z'), extKeyUsage: ['serverAuth'] });
    const listener = (name: string, hostname: string, secret: string) => `  - name: ${name}
    port: 443
    protocol: HTTPS
    hostname: ${hostname}
    tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: ${secret}}]}`;
    const r = rows(`apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: apps}
type: kubernetes.io/tls
data: {tls.crt: ${b64(chainPem(leaf))}, tls.key: ${b64(leaf.keyPem)}}
---
apiVersion: v1
kind: Secret
metadata: {name: wild-tls, namespace: apps}
type: kubernetes.io/tls
data: {tls.crt: ${b64(chainPem(wildcard))}, tls.key: ${b64(wildcard.keyPem)}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
${listener('shop', 'shop.example.com', 'shop-tls')}
${listener('api', 'api.example.com', 'shop-tls')}
${listener('blog', 'blog.example.com', 'wild-tls')}`);
    const byHost = (host: string) => r.find((x) => x.host === host && x.kind === 'Gateway (k8s)')!;
    // the SAN entry that covers the hostname: itself, or the wildcard
    assert.deepEqual([byHost('shop.example.com').san, byHost('shop.example.com').coveredBy], ['ok', 'shop.example.com']);
    assert.deepEqual([byHost('blog.example.com').san, byHost('blog.example.com').coveredBy, byHost('blog.example.com').names], ['ok', '*.example.com', ['*.example.com', 'example.com']]);
    // not covered: no coveredBy, the names the certificate has instead
    const api = byHost('api.example.com');
    assert.deepEqual([api.san, api.coveredBy, api.names], ['fail', undefined, ['shop.example.com', 'www.example.com']]);
    // the same keys in the same order as an Istio row: -o json/yaml consumers diff these rows
    const istio = rows(credentialYaml()).find((x) => x.host === 'shop.example.com')!;
    const order = (row: object) => Object.keys(row).filter((k) => k !== 'kind' && k !== 'hostAsWritten');
    assert.deepEqual(order(byHost('shop.example.com')), order(istio));
  });

  it('a Gateway-API listener whose certificate cannot be read has no coveredBy and no names', () => {
    const r = rows(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: apps}
spec:
  gatewayClassName: istio
  listeners:
  - name: shop
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: nope}]}`);
    const row = r.find((x) => x.kind === 'Gateway (k8s)')!;
    assert.deepEqual([row.credential, row.san, row.coveredBy, row.names], ['secret apps/nope (missing)', 'unknown', undefined, undefined]);
  });

  it('a host served only on plain HTTP gets a marked row: redirect-only (with its finding) and HTTP-only; not counted as a TLS host', () => {
    const gw = { kind: 'Gateway', namespace: 'apps', name: 'web' };
    const redirect: Finding = { code: 'ITLS402', severity: 'error', title: '', message: '', resource: gw, host: 'blog.example.com', port: 8080, evidence: {} };
    const r = rows(
      `${credentialYaml()}
  - port: {number: 8080, name: http-redirect, protocol: HTTP}
    hosts: [blog.example.com, "*.example.com"]
    tls: {httpsRedirect: true}
  - port: {number: 8081, name: http-plain, protocol: HTTP}
    hosts: [plain.example.org]`,
      [redirect],
    );
    const plain = r.filter((x) => x.plainHttp);
    assert.deepEqual(
      plain.map((x) => [x.host, x.port, x.plainHttp, x.overall, x.codes]),
      [
        ['blog.example.com', 8080, 'redirect-only', 'error', ['ITLS402']],
        ['plain.example.org', 8081, 'http-only', 'ok', []],
      ],
    );
    assert.equal(countTlsHosts(r), 3);
  });

  it('a plain-HTTP host served over HTTPS by a wildcard of the same gateway pods gets no row', () => {
    const r = rows(`${pod}---
${gateway(`  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*.example.com"]
    tls: {mode: SIMPLE, credentialName: nope}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]
    tls: {httpsRedirect: true}`)}`);
    assert.deepEqual(r.map((x) => x.host), ['*.example.com']);
  });

  it('-n scope: names the Gateways of other namespaces that the scoped gateway pods serve', () => {
    const other = `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: elsewhere, namespace: shop}
spec:
  selector: {istio: ingress}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [other.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: unrelated, namespace: shop}
spec:
  selector: {istio: nothing-selects-this}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [x.example.com]
    tls: {mode: SIMPLE, credentialName: x}
`;
    const snapshot = snapshotFromYaml(credentialYaml() + other);
    snapshot.read.pods = true;
    // the gateway pods run in istio-ingress, where no Gateway lives: both Gateways on them are left out
    assert.deepEqual(gatewaysLeftOut(new Model(snapshot, 'istio-ingress'), 'istio-ingress').map((g) => `${g.namespace}/${g.name}`), ['apps/web', 'shop/elsewhere']);
    // Gateways of apps: the one of shop on the same pods is left out, the unrelated one is not
    assert.deepEqual(gatewaysLeftOut(new Model(snapshot, 'apps'), 'apps').map((g) => `${g.namespace}/${g.name}`), ['shop/elsewhere']);
    assert.deepEqual(gatewaysLeftOut(new Model(snapshot), undefined), []);
  });

  it('-n scope: rows only for Gateways in that namespace', () => {
    const snapshot = snapshotFromYaml(credentialYaml());
    const r = buildInventory(new Model(snapshot, 'other'), [], { now: NOW, trustStore: loadTrustStore(undefined, { includeBundled: false }) });
    assert.deepEqual(r, []);
  });

  const k8sEdge = (namespace: string, secret = 'shop-tls') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: ${namespace}}
spec:
  gatewayClassName: istio
  listeners:
  - name: shop
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: ${secret}}]}
`;

  it('-n scope: Gateway-API rows only for Gateways in that namespace, from the Model alone (no check run first)', () => {
    const snapshot = snapshotFromYaml(`${k8sEdge('apps')}---\n${k8sEdge('shop')}`);
    const inventory = (namespace?: string) =>
      buildInventory(new Model(snapshot, namespace), [], { now: NOW, trustStore: loadTrustStore(undefined, { includeBundled: false }) }).map((x) => `${x.gateway.namespace}/${x.gateway.name}`);
    assert.deepEqual(inventory('apps'), ['apps/edge']);
    assert.deepEqual(inventory('other'), []);
    assert.deepEqual(inventory(undefined).sort(), ['apps/edge', 'shop/edge']);
  });

  /** A live snapshot where secrets could be listed only in `secretsIn`. */
  const live = (yaml: string, secretsIn: string[]) => {
    const snapshot = snapshotFromYaml(yaml);
    snapshot.source = { kind: 'live', context: 'test' };
    for (const k of ['pods', 'services', 'secrets', 'gateways', 'virtualServices', 'destinationRules'] as const) snapshot.read[k] = true;
    (snapshot.readNamespaces ??= {}).secrets = secretsIn;
    snapshot.unreadable.push({ resource: 'secrets', verb: 'list', status: 403, reason: 'forbidden' });
    return buildInventory(new Model(snapshot), [], { now: NOW, trustStore: loadTrustStore(undefined, { includeBundled: false }) }).find((x) => x.kind === 'Gateway (k8s)')!;
  };

  it('a Gateway-API row whose Secret could not be read is unknown, never ok, and says why (as an Istio row)', () => {
    const row = live(k8sEdge('apps'), ['istio-system']);
    assert.equal(row.overall, 'unknown');
    assert.equal(row.credential, 'secret apps/shop-tls (unreadable)');
    assert.deepEqual(row.unknown, ['the credential apps/shop-tls: secrets in apps could not be read']);
  });

  it('a Gateway-API row whose Secret namespace was read and holds no such Secret is not unknown', () => {
    const row = live(k8sEdge('apps'), ['apps']);
    assert.notEqual(row.overall, 'unknown');
    assert.equal(row.credential, 'secret apps/shop-tls (missing)');
    assert.equal(row.unknown, undefined);
  });
});

describe('mountedSecretFor', () => {
  const p = snapshotFromYaml(pod).pods[0];
  it('maps a path under a secret volume mount to the secret key', () => {
    assert.deepEqual(mountedSecretFor(p, '/etc/istio/ingressgateway-certs/tls.crt'), { secretName: 'legacy-certs', key: 'tls.crt', mountPath: '/etc/istio/ingressgateway-certs' });
  });
  it('honours items (key → path) and a trailing slash on the mount', () => {
    assert.equal(mountedSecretFor(p, '/etc/picked/cert.pem')?.key, 'server.pem');
    assert.equal(mountedSecretFor(p, '/etc/picked/other.pem'), undefined);
  });
  it('is undefined for a path no mount covers', () => assert.equal(mountedSecretFor(p, '/etc/istio/other/tls.crt'), undefined));
});

describe('mountedSecretFor with subPath', () => {
  const pod = {
    metadata: { name: 'gw', namespace: 'istio-system' },
    spec: {
      containers: [{ name: 'istio-proxy', volumeMounts: [{ name: 'one', mountPath: '/etc/certs/server.pem', subPath: 'tls.crt' }] }],
      volumes: [{ name: 'one', secret: { secretName: 'web-tls' } }],
    },
  };
  it('maps the mount path itself to the subPath key', () => {
    assert.deepEqual(mountedSecretFor(pod, '/etc/certs/server.pem'), { secretName: 'web-tls', key: 'tls.crt', mountPath: '/etc/certs/server.pem' });
  });
  it('covers nothing below a subPath mount', () => assert.equal(mountedSecretFor(pod, '/etc/certs/server.pem/tls.crt'), undefined));
});
