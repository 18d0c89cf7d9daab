// Table cases for ITLS801-806: cert-manager behind the Secrets gateway hosts use.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Case } from '../certs-support.js';
import { docs, one } from '../_support.js';
import { GW_POD, HTTPS_LISTENER, HTTP_LISTENER, SECRET, httpRoute, k8sGateway } from './gateway-api.js';

const DAY = 86_400_000;
const iso = (deltaDays: number) => new Date(Date.now() + deltaDays * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function certificate(opts: { name?: string; namespace?: string; dnsNames?: string; ready?: string; issuer?: string; status?: string } = {}): string {
  return `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: ${opts.name ?? 'shop'}, namespace: ${opts.namespace ?? 'istio-ingress'}}
spec:
  secretName: shop-tls
  dnsNames: ${opts.dnsNames ?? '[shop.example.com]'}
  issuerRef: ${opts.issuer ?? '{kind: ClusterIssuer, name: letsencrypt}'}
status:
  conditions: [${opts.ready ?? '{type: Ready, status: "True", reason: Ready, message: Certificate is up to date and has not expired}'}]${opts.status ?? `\n  renewalTime: "${iso(50)}"`}
`;
}

export const ISSUER = (ready = '{type: Ready, status: "True", reason: ACMEAccountRegistered}') => `
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
spec:
  acme:
    server: https://acme-v02.api.letsencrypt.org/directory
    privateKeySecretRef: {name: letsencrypt-account}
    solvers:
    - http01:
        gatewayHTTPRoute:
          parentRefs: [{name: web, namespace: istio-ingress, kind: Gateway}]
status:
  conditions: [${ready}]
`;

const NOT_READY = '{type: Ready, status: "False", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}';

/** The issuance chain of Certificate shop: CertificateRequest → Order → Challenge (HTTP-01 for shop.example.com). */
const PENDING_CHALLENGE = (state = 'pending', reason = "Waiting for HTTP-01 challenge propagation: wrong status code '301', expected '200'") => `
apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata:
  name: shop-1
  namespace: istio-ingress
  annotations: {cert-manager.io/certificate-name: shop}
  ownerReferences: [{apiVersion: cert-manager.io/v1, kind: Certificate, name: shop}]
spec: {issuerRef: {kind: ClusterIssuer, name: letsencrypt}}
status: {conditions: [{type: Ready, status: "False", reason: Pending, message: "Waiting on certificate issuance from order istio-ingress/shop-1-123: pending"}]}
---
apiVersion: acme.cert-manager.io/v1
kind: Order
metadata:
  name: shop-1-123
  namespace: istio-ingress
  ownerReferences: [{apiVersion: cert-manager.io/v1, kind: CertificateRequest, name: shop-1}]
spec: {dnsNames: [shop.example.com], issuerRef: {kind: ClusterIssuer, name: letsencrypt}}
status: {state: pending}
---
apiVersion: acme.cert-manager.io/v1
kind: Challenge
metadata:
  name: shop-1-123-456
  namespace: istio-ingress
  ownerReferences: [{apiVersion: acme.cert-manager.io/v1, kind: Order, name: shop-1-123}]
spec:
  dnsName: shop.example.com
  type: HTTP-01
  token: abc
  url: https://acme-v02.api.letsencrypt.org/acme/chall/1
  issuerRef: {kind: ClusterIssuer, name: letsencrypt}
  solver:
    http01:
      gatewayHTTPRoute:
        parentRefs: [{name: web, namespace: istio-ingress, kind: Gateway}]
status: {state: ${state}, presented: true, processing: true, reason: "${reason}"}
`;

const SOLVER_ROUTE = httpRoute({
  name: 'cm-acme-http-solver-abcde',
  namespace: 'istio-ingress',
  labels: '{acme.cert-manager.io/http01-solver: "true"}',
  parentRefs: '[{name: web, namespace: istio-ingress, kind: Gateway}]',
  hostnames: '[shop.example.com]',
  rules: '[{matches: [{path: {type: Exact, value: /.well-known/acme-challenge/abc}}], backendRefs: [{name: cm-acme-http-solver-xyz, port: 8089}]}]',
});
const REDIRECT_ROUTE = httpRoute({
  name: 'redirect-to-https',
  namespace: 'istio-ingress',
  parentRefs: '[{name: web, namespace: istio-ingress, sectionName: http}]',
  hostnames: '[shop.example.com]',
  rules: '[{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]',
});

const BASE = (...extra: string[]) => docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), SECRET(), ISSUER(), ...extra);

export const certManagerCases: Case[] = [
  {
    name: 'stays silent on a Ready Certificate whose dnsNames cover the listener host and whose renewal is ahead',
    yaml: BASE(certificate()),
    silent: ['ITLS801', 'ITLS802', 'ITLS803', 'ITLS804', 'ITLS805', 'ITLS806'],
  },
  {
    name: 'stays silent about Certificates no gateway uses',
    yaml: docs(certificate({ ready: NOT_READY, dnsNames: '[x.example.com]' })),
    silent: ['ITLS801', 'ITLS804'],
  },
  // ---- 801 ----
  {
    name: 'reports ITLS801 as a warning while the Secret still holds a valid certificate',
    yaml: BASE(certificate({ ready: '{type: Ready, status: "False", reason: Failed, message: "The certificate request has failed to complete and will be retried"}' })),
    report: ['ITLS801'],
    assert: (f) => {
      const x = one(f, 'ITLS801');
      assert.equal(x.severity, 'warning');
      assert.match(x.message, /still holds a certificate valid until/);
      assert.ok(x.remediation!.commands!.includes('kubectl describe certificate shop -n istio-ingress'));
    },
  },
  {
    name: 'reports ITLS801 as an error when the Secret does not exist',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), ISSUER(), certificate({ ready: NOT_READY })),
    report: ['ITLS801'],
    assert: (f) => assert.equal(one(f, 'ITLS801').severity, 'error'),
  },
  // ---- 802 ----
  {
    name: 'reports ITLS802 when the HTTP-01 solver route is refused by the port-80 listener and a redirect answers instead',
    yaml: docs(
      GW_POD(),
      k8sGateway({ listeners: HTTP_LISTENER({ from: 'Same' }) + HTTPS_LISTENER() }),
      httpRoute({}),
      ISSUER(),
      certificate({ ready: NOT_READY }),
      PENDING_CHALLENGE(),
      REDIRECT_ROUTE,
      SOLVER_ROUTE.replace('namespace: istio-ingress\n  labels', 'namespace: shop\n  labels'),
    ).replace(/name: cm-acme-http-solver-abcde\n  namespace: shop/, 'name: cm-acme-http-solver-abcde\n  namespace: shop'),
    report: ['ITLS802'],
    silent: ['ITLS801'],
  },
  {
    name: 'reports ITLS802 naming the redirect when no solver HTTPRoute is attached to the http listener',
    yaml: BASE(certificate({ ready: NOT_READY }), PENDING_CHALLENGE()).replace(HTTPS_LISTENER(), HTTP_LISTENER() + HTTPS_LISTENER()) + '\n---\n' + REDIRECT_ROUTE,
    report: ['ITLS802'],
    assert: (f) => {
      const x = one(f, 'ITLS802');
      assert.equal(x.resource.kind, 'Challenge');
      assert.match(x.message, /redirect-to-https, which redirects to https/);
      assert.ok(x.remediation!.commands!.includes('kubectl describe challenge shop-1-123-456 -n istio-ingress'));
    },
  },
  {
    name: 'reports ITLS802 when the Gateway has no plain-HTTP listener on port 80',
    yaml: BASE(certificate({ ready: NOT_READY }), PENDING_CHALLENGE()),
    report: ['ITLS802'],
    assert: (f) => assert.match(one(f, 'ITLS802').message, /no plain-HTTP listener on port 80/),
  },
  {
    name: 'stays silent on ITLS802 for a valid challenge',
    yaml: BASE(certificate(), PENDING_CHALLENGE('valid', 'Successfully authorized domain')),
    silent: ['ITLS802'],
  },
  // ---- 803 ----
  {
    name: 'reports ITLS803 when the ClusterIssuer is not Ready',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), ISSUER('{type: Ready, status: "False", reason: ErrRegisterACMEAccount, message: "Failed to register ACME account"}'), certificate({ ready: NOT_READY })),
    report: ['ITLS803'],
    silent: ['ITLS801'],
  },
  {
    name: 'reports ITLS803 when the Issuer does not exist',
    yaml: BASE(certificate({ ready: NOT_READY, issuer: '{kind: Issuer, name: missing}' }), `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: other, namespace: istio-ingress}
spec: {selfSigned: {}}`),
    report: ['ITLS803'],
  },
  // ---- 804 ----
  {
    name: 'reports ITLS804 when the Certificate dnsNames lack a listener hostname, with the edited Certificate',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() + HTTPS_LISTENER({ name: 'api', hostname: 'api.shop.example.com' }) }), httpRoute({ parentRefs: '[{name: web, namespace: istio-ingress}]', hostnames: '[shop.example.com, api.shop.example.com]' }), SECRET(), ISSUER(), certificate()),
    report: ['ITLS804'],
    assert: (f) => {
      const x = one(f, 'ITLS804');
      assert.equal(x.host, 'api.shop.example.com');
      assert.match(x.message, /next renewal drops it/);
      assert.deepEqual(parse(x.remediation!.yaml!).spec.dnsNames, ['shop.example.com', 'api.shop.example.com']);
    },
  },
  {
    name: 'stays silent on ITLS804 when a wildcard dnsName covers the host',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ hostname: 'a.shop.example.com' }) }), httpRoute({ hostnames: '[a.shop.example.com]' }), SECRET(), ISSUER(), certificate({ dnsNames: '["*.shop.example.com"]' })),
    silent: ['ITLS804'],
  },
  {
    name: 'reports ITLS804 for an Istio Gateway credential written by a Certificate in the workload namespace',
    yaml: docs(
      `
apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-1, namespace: istio-ingress, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0}]}
status: {phase: Running}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com, www.shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls}`,
      SECRET(),
      ISSUER(),
      certificate(),
    ),
    report: ['ITLS804'],
  },
  // ---- 805 ----
  {
    name: 'reports ITLS805 when a Ready Certificate is past its renewal time',
    yaml: BASE(certificate({ status: `\n  renewalTime: "${iso(-3)}"` })),
    report: ['ITLS805'],
  },
  // ---- 806 ----
  {
    name: 'reports ITLS806 when a gateway-shim annotation has produced no Certificate',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER(), annotations: '{cert-manager.io/cluster-issuer: letsencrypt}' }), httpRoute({}), SECRET(), ISSUER(), certificate({ name: 'unrelated', namespace: 'other' })),
    report: ['ITLS806'],
  },
  {
    name: 'stays silent on ITLS806 when the Certificate gateway-shim made exists',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER(), annotations: '{cert-manager.io/cluster-issuer: letsencrypt}' }), httpRoute({}), SECRET(), ISSUER(), certificate({ name: 'shop-tls' })),
    silent: ['ITLS806'],
  },
];
