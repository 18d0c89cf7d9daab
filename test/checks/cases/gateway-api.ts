// Table cases for the Gateway-API (ITLS701-707) and cert-manager (ITLS801-806) checks: plain YAML a user
// could have written, certificates generated at test time (certs-support's pki: shop.example.com and
// *.shop.example.com, issued by a root the options trust).
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { b64, pki, tlsData, tlsSecret, type Case } from '../certs-support.js';
import { docs, gateway, one } from '../_support.js';
import { issueCert, chainPem } from '../../../src/testing/certgen.js';

export const GW_POD = (name = 'web', namespace = 'istio-ingress', labels = `gateway.networking.k8s.io/gateway-name: ${name}, istio.io/gateway-name: ${name}`) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}-istio-5d9f7c-abcde
  namespace: ${namespace}
  labels: {${labels}}
spec:
  containers:
  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0, args: [proxy, router]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}], containerStatuses: [{name: istio-proxy, ready: true, restartCount: 0}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}-istio, namespace: ${namespace}}
spec:
  type: LoadBalancer
  selector: {gateway.networking.k8s.io/gateway-name: ${name}}
  ports: [{name: http, port: 80, targetPort: 80}, {name: https, port: 443, targetPort: 443}]
`;

export function k8sGateway(opts: { name?: string; namespace?: string; listeners: string; annotations?: string; addresses?: string; className?: string; created?: string }): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${opts.name ?? 'web'}
  namespace: ${opts.namespace ?? 'istio-ingress'}${opts.annotations ? `\n  annotations: ${opts.annotations}` : ''}${opts.created ? `\n  creationTimestamp: "${opts.created}"` : ''}
spec:
  gatewayClassName: ${opts.className ?? 'istio'}${opts.addresses ? `\n  addresses: ${opts.addresses}` : ''}
  listeners:
${opts.listeners}
`;
}

export const HTTPS_LISTENER = (opts: { name?: string; hostname?: string; ref?: string; from?: string } = {}) => `
  - name: ${opts.name ?? 'https'}
    port: 443
    protocol: HTTPS${opts.hostname === '' ? '' : `\n    hostname: "${opts.hostname ?? 'shop.example.com'}"`}
    tls:
      mode: Terminate
      certificateRefs: [${opts.ref ?? '{name: shop-tls}'}]
    allowedRoutes: {namespaces: {from: ${opts.from ?? 'All'}}}`;

/** An HTTPS listener istiod makes MUTUAL through the Istio option (the client CA comes from its Secret). */
export const MUTUAL_LISTENER = () => `
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "shop.example.com"
    tls:
      mode: Terminate
      certificateRefs: [{name: shop-tls}]
      options: {gateway.istio.io/tls-terminate-mode: MUTUAL}
    allowedRoutes: {namespaces: {from: All}}`;

export const HTTP_LISTENER = (opts: { from?: string; hostname?: string } = {}) => `
  - name: http
    port: 80
    protocol: HTTP${opts.hostname ? `\n    hostname: "${opts.hostname}"` : ''}
    allowedRoutes: {namespaces: {from: ${opts.from ?? 'All'}}}`;

export function httpRoute(opts: { name?: string; namespace?: string; parentRefs?: string; hostnames?: string; rules?: string; labels?: string }): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${opts.name ?? 'shop'}
  namespace: ${opts.namespace ?? 'shop'}${opts.labels ? `\n  labels: ${opts.labels}` : ''}
spec:
  parentRefs: ${opts.parentRefs ?? '[{name: web, namespace: istio-ingress, sectionName: https}]'}
  hostnames: ${opts.hostnames ?? '[shop.example.com]'}
  rules: ${opts.rules ?? '[{backendRefs: [{name: shop, port: 80}]}]'}
`;
}

export const SECRET = (namespace = 'istio-ingress', name = 'shop-tls') => tlsSecret({ name, namespace, data: tlsData(pki.leaf) });

export const GRANT = (to = 'shop-tls') => `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-ingress, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}]
  to: [{group: "", kind: Secret, name: ${to}}]
`;

/** A healthy Gateway-API cluster: pods, listener https for shop.example.com, a route, the Secret. */
export const HEALTHY_K8S = docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), SECRET());

const otherLeaf = await issueCert({ cn: 'other.example.org', dns: ['other.example.org'], issuer: pki.intermediates[0] });

export const gatewayApiCases: Case[] = [
  {
    name: 'stays silent on a healthy Gateway-API Gateway (pods, Secret, route attached, SAN covers the hostname)',
    yaml: HEALTHY_K8S,
    silent: ['ITLS701', 'ITLS702', 'ITLS703', 'ITLS704', 'ITLS705', 'ITLS706', 'ITLS707', 'ITLS304', 'ITLS202', 'ITLS205'],
  },
  // ---- 205 on a listener istiod makes mutual ----
  {
    name: 'reports ITLS205 when the tls-terminate-mode option makes a listener MUTUAL and its Secret holds no client CA (nor <name>-cacert)',
    yaml: docs(GW_POD(), k8sGateway({ listeners: MUTUAL_LISTENER() }), httpRoute({}), SECRET()),
    report: ['ITLS205'],
    assert: (f) => {
      const x = one(f, 'ITLS205');
      assert.match(x.message, /Listener https asks clients for a certificate \(gateway\.istio\.io\/tls-terminate-mode: MUTUAL\), but Secret istio-ingress\/shop-tls has no "cacert" or "ca\.crt" key/);
      assert.match(x.remediation!.commands!.join('\n'), /kubectl create secret generic shop-tls-cacert -n istio-ingress --from-file=ca\.crt=/);
    },
  },
  {
    name: 'stays silent on ITLS205 for a MUTUAL listener whose Secret carries ca.crt',
    yaml: docs(GW_POD(), k8sGateway({ listeners: MUTUAL_LISTENER() }), httpRoute({}), tlsSecret({ name: 'shop-tls', namespace: 'istio-ingress', data: { ...tlsData(pki.leaf), 'ca.crt': b64(pki.root.certPem) } })),
    silent: ['ITLS205'],
  },
  {
    name: 'stays silent on ITLS205 where frontend validation names the client CA (spec.tls.frontend), though the Secret holds none',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }).replace('  listeners:', '  tls: {frontend: {default: {validation: {caCertificateRefs: [{kind: ConfigMap, name: partners-ca}]}}}}\n  listeners:'), httpRoute({}), SECRET()),
    silent: ['ITLS205'],
  },
  // ---- 701 ----
  {
    name: 'reports ITLS701 when the certificateRef Secret is missing, and says where a Secret of that name exists',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), SECRET('shop')),
    report: ['ITLS701'],
    assert: (f) => {
      const x = one(f, 'ITLS701');
      assert.match(x.message, /istio-ingress\/shop-tls, which does not exist \(a Secret of that name exists in shop\)/);
      assert.equal(x.resource.kind, 'Gateway.gateway.networking.k8s.io');
      assert.match(x.remediation!.commands!.join('\n'), /kubectl get secret shop-tls -n shop/);
    },
  },
  {
    name: 'reports ITLS701 for a certificateRef that is not a core Secret',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ ref: '{group: example.com, kind: Vault, name: shop-tls}' }) }), httpRoute({}), SECRET()),
    report: ['ITLS701'],
  },
  // ---- 702 ----
  {
    name: 'reports ITLS702 for a cross-namespace certificateRef without a ReferenceGrant, with the grant as the fix',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ ref: '{name: shop-tls, namespace: certs}' }) }), httpRoute({}), SECRET('certs')),
    report: ['ITLS702'],
    silent: ['ITLS701'],
    assert: (f) => {
      const grant = parse(one(f, 'ITLS702').remediation!.yaml!);
      assert.equal(grant.kind, 'ReferenceGrant');
      assert.equal(grant.metadata.namespace, 'certs');
      assert.deepEqual(grant.spec.from, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-ingress' }]);
      assert.deepEqual(grant.spec.to, [{ group: '', kind: 'Secret', name: 'shop-tls' }]);
    },
  },
  {
    name: 'stays silent on ITLS702 when a ReferenceGrant in the Secret namespace allows it (and checks the certificate)',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ ref: '{name: shop-tls, namespace: certs}' }) }), httpRoute({}), SECRET('certs'), GRANT()),
    silent: ['ITLS702', 'ITLS701', 'ITLS304'],
  },
  {
    name: 'reports ITLS702 when the ReferenceGrant names another Secret',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ ref: '{name: shop-tls, namespace: certs}' }) }), httpRoute({}), SECRET('certs'), GRANT('other-tls')),
    report: ['ITLS702'],
  },
  // ---- 703 ----
  {
    name: 'reports ITLS703 for an HTTPS listener without certificateRefs',
    yaml: docs(GW_POD(), k8sGateway({ listeners: `
  - name: https
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    allowedRoutes: {namespaces: {from: All}}` }), httpRoute({})),
    report: ['ITLS703'],
    assert: (f) => assert.equal(parse(one(f, 'ITLS703').remediation!.yaml!).spec.listeners[0].tls.mode, 'Terminate'),
  },
  {
    name: 'stays silent on ITLS703 for a TLS Passthrough listener (no certificate needed)',
    yaml: docs(GW_POD(), k8sGateway({ listeners: `
  - name: tls
    port: 443
    protocol: TLS
    hostname: db.example.com
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: All}}` }), `
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: db, namespace: shop}
spec:
  parentRefs: [{name: web, namespace: istio-ingress}]
  hostnames: [db.example.com]
  rules: [{backendRefs: [{name: db, port: 5432}]}]`),
    silent: ['ITLS703', 'ITLS706', 'ITLS705'],
  },
  // ---- 704 ----
  {
    name: 'reports ITLS704 when no pod carries the gateway-name label (the <name>-<class> Deployment runs nothing)',
    yaml: docs(k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), SECRET(), `
apiVersion: v1
kind: Pod
metadata: {name: unrelated, namespace: istio-ingress, labels: {app: x}}
spec: {containers: [{name: x, image: x}]}`),
    report: ['ITLS704'],
    assert: (f) => assert.match(one(f, 'ITLS704').message, /Deployment web-istio/),
  },
  {
    name: 'stays silent on ITLS704 for a manual deployment whose Hostname address names the ingress Service with pods',
    yaml: docs(
      k8sGateway({ listeners: HTTPS_LISTENER(), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]' }),
      httpRoute({}),
      SECRET(),
      INGRESS_DEPLOYMENT(8443),
    ),
    silent: ['ITLS704'],
  },
  {
    name: 'stays silent about Gateways of other classes and istio-waypoint',
    yaml: docs(k8sGateway({ name: 'cilium', className: 'cilium', listeners: HTTPS_LISTENER({ ref: '{name: nope}' }) }), k8sGateway({ name: 'waypoint', className: 'istio-waypoint', listeners: HTTPS_LISTENER({ ref: '{name: nope}' }) })),
    silent: ['ITLS701', 'ITLS704', 'ITLS706'],
  },
  {
    name: 'decides by controllerName: a class of any name run by istio.io/mesh-controller (a waypoint) or istio.io/eastwest-controller is skipped',
    yaml: docs(
      `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mesh}
spec: {controllerName: istio.io/mesh-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ew}
spec: {controllerName: istio.io/eastwest-controller}`,
      k8sGateway({ name: 'wp', className: 'mesh', listeners: HTTPS_LISTENER({ ref: '{name: nope}' }) }),
      k8sGateway({ name: 'ew', className: 'ew', listeners: HTTPS_LISTENER({ ref: '{name: nope}' }) }),
    ),
    silent: ['ITLS701', 'ITLS704', 'ITLS706'],
  },
  {
    name: 'decides by controllerName: a class of another name run by istio.io/gateway-controller is judged (ITLS701)',
    yaml: docs(
      `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: public-ingress}
spec: {controllerName: istio.io/gateway-controller}`,
      GW_POD(),
      k8sGateway({ className: 'public-ingress', listeners: HTTPS_LISTENER({ ref: '{name: nope}' }) }),
      httpRoute({}),
      SECRET(),
    ),
    report: ['ITLS701'],
  },
  {
    name: 'reports ITLS704 for a class named istio-waypoint whose GatewayClass says istio.io/gateway-controller (the controller decides, not the name)',
    yaml: docs(
      `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio-waypoint}
spec: {controllerName: istio.io/gateway-controller}`,
      k8sGateway({ className: 'istio-waypoint', listeners: HTTPS_LISTENER() }),
      httpRoute({}),
      SECRET(),
      GW_POD('other'),
    ),
    report: ['ITLS704'],
    assert: (f) => assert.match(one(f, 'ITLS704').message, /Deployment web-istio-waypoint/),
  },
  {
    name: 'stays silent on ITLS704 for pods of Istio 1.18-1.20 (labelled istio.io/gateway-name only)',
    yaml: docs(GW_POD('web', 'istio-ingress', 'istio.io/gateway-name: web'), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), SECRET()),
    silent: ['ITLS704'],
  },
  {
    name: 'stays silent on ITLS704 for pods of Istio 1.24+ (labelled gateway.networking.k8s.io/gateway-name only)',
    yaml: docs(GW_POD('web', 'istio-ingress', 'gateway.networking.k8s.io/gateway-name: web'), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), SECRET()),
    silent: ['ITLS704'],
  },
  {
    name: 'reports ITLS704 naming the Deployment gateway.istio.io/name-override gives',
    yaml: docs(k8sGateway({ listeners: HTTPS_LISTENER(), annotations: '{gateway.istio.io/name-override: public-gw}' }), httpRoute({}), SECRET(), GW_POD('other')),
    report: ['ITLS704'],
    assert: (f) => assert.match(one(f, 'ITLS704').message, /Deployment public-gw\b/),
  },
  // ---- 705 ----
  {
    name: 'reports ITLS705 when allowedRoutes from Same refuses a route of another namespace, with a selector fix',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ from: 'Same' }) }), httpRoute({}), SECRET()),
    report: ['ITLS705', 'ITLS706'],
    assert: (f) => {
      const x = one(f, 'ITLS705');
      assert.match(x.message, /from: Same/);
      const gw = parse(x.remediation!.yaml!);
      assert.deepEqual(gw.spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values, ['istio-ingress', 'shop']);
    },
  },
  {
    name: 'reports ITLS705 when the sectionName names no listener, and when no hostname intersects',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({ parentRefs: '[{name: web, namespace: istio-ingress, sectionName: htps}]' }), httpRoute({ name: 'api', hostnames: '[api.example.org]' }), SECRET()),
    report: ['ITLS705'],
    assert: (f) => {
      const reasons = f.filter((x) => x.code === 'ITLS705').map((x) => x.evidence.reason).sort();
      assert.deepEqual(reasons, ['NoMatchingListenerHostname', 'NoMatchingParent']);
    },
  },
  {
    name: 'stays silent on ITLS705 when a wildcard listener hostname covers the route host (Gateway-API wildcard: any depth)',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ hostname: '*.shop.example.com' }) }), httpRoute({ hostnames: '[a.shop.example.com]' }), SECRET()),
    silent: ['ITLS705', 'ITLS706', 'ITLS304'],
  },
  // ---- 706 ----
  {
    name: 'reports ITLS706 for an HTTPS listener whose only route attaches to the http listener',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTP_LISTENER() + HTTPS_LISTENER() }), httpRoute({ parentRefs: '[{name: web, namespace: istio-ingress, sectionName: http}]' }), SECRET()),
    report: ['ITLS706'],
    silent: ['ITLS705'],
  },
  // ---- certificate engine on listener Secrets ----
  {
    name: 'reports ITLS304 when the listener hostname is not in the Secret certificate SANs',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ hostname: 'api.example.org' }) }), httpRoute({ hostnames: '[api.example.org]' }), SECRET()),
    report: ['ITLS304'],
    assert: (f) => assert.equal(one(f, 'ITLS304').host, 'api.example.org'),
  },
  {
    name: 'checks a listener without hostname against the hostnames of its routes',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ hostname: '' }) }), httpRoute({ hostnames: '[shop.example.com, other.example.org]' }), SECRET()),
    report: ['ITLS304'],
    assert: (f) => assert.deepEqual(f.filter((x) => x.code === 'ITLS304').map((x) => x.host), ['other.example.org']),
  },
  {
    name: 'reports ITLS203 when the Secret key does not match the certificate',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER() }), httpRoute({}), tlsSecret({ name: 'shop-tls', namespace: 'istio-ingress', data: { 'tls.crt': b64(chainPem(pki.leaf)), 'tls.key': b64(otherLeaf.keyPem) } })),
    report: ['ITLS203'],
  },
  // ---- 707 ----
  {
    name: 'reports ITLS707 when a Gateway-API Gateway and an Istio Gateway serve the same host and port on the same pods, and says istiod keeps one without creation times to tell which',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.deepEqual(x.evidence.alsoServedBy, ['Gateway istio-system/shop-gateway']);
      assert.equal(x.evidence.istiod, 'keeps-one');
      assert.equal(x.evidence.unknown, 'creation-time');
      assert.equal(x.evidence.kept, undefined);
      assert.deepEqual(x.evidence.ignored, []);
      assert.match(x.message, /cannot be told from here/);
    },
  },
  // istiod sorts Gateway configs by creationTimestamp, then name, then namespace (pilot/pkg/model/config.go:322-333)
  // and skips a later TLS server that repeats a host (gateway.go:285-302): model/gateway-merge.ts
  {
    name: 'reports ITLS707 with the Istio Gateway kept when it was created first: the Gateway-API listener is ignored',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443, { istioCreated: '2024-01-01T00:00:00Z', k8sCreated: '2026-05-01T00:00:00Z' }),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.equal(x.evidence.istiod, 'keeps-one');
      assert.deepEqual(x.evidence.kept, { kind: 'Gateway', namespace: 'istio-system', name: 'shop-gateway' });
      assert.deepEqual(x.evidence.ignored, [{ kind: 'Gateway.gateway.networking.k8s.io', namespace: 'istio-ingress', name: 'web', listener: 'https' }]);
      assert.match(x.message, /^Clients of shop\.example\.com on port 443 get the certificate and routes of istio-system\/shop-gateway: on these gateway pods istiod keeps Istio Gateway istio-system\/shop-gateway \(created first\) and ignores Gateway-API Gateway istio-ingress\/web's listener https\.$/);
      assert.equal(x.evidence.order, 'istiod keeps the first server in its order: created first: 2024-01-01T00:00:00Z before 2026-05-01T00:00:00Z');
      // the fix takes the host out of the ignored (dead) one and leaves the kept one alone
      assert.match(x.remediation!.summary, /^Remove listener https \(shop\.example\.com\) from Gateway-API Gateway istio-ingress\/web: .*leave Istio Gateway istio-system\/shop-gateway as it is\.$/);
      assert.equal(x.remediation!.yaml, undefined);
    },
  },
  {
    name: 'reports ITLS707 with the Gateway-API Gateway kept when the order flips (it is older): the Istio server is ignored, all its hosts',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443, { istioCreated: '2026-05-01T00:00:00Z', k8sCreated: '2024-01-01T00:00:00Z', extraIstioHosts: ['api.example.com'] }),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.deepEqual(x.evidence.kept, { kind: 'Gateway.gateway.networking.k8s.io', namespace: 'istio-ingress', name: 'web', listener: 'https' });
      assert.deepEqual(x.evidence.ignored, [{ kind: 'Gateway', namespace: 'istio-system', name: 'shop-gateway' }]);
      assert.match(x.message, /^Clients of shop\.example\.com on port 443 get the certificate and routes of istio-ingress\/web: on these gateway pods istiod keeps Gateway-API Gateway istio-ingress\/web \(created first\) and ignores Istio Gateway istio-system\/shop-gateway's server on port 443\. The whole server is skipped, so api\.example\.com is not served by it either\.$/);
      assert.match(x.remediation!.summary, /^Remove shop\.example\.com from Istio Gateway istio-system\/shop-gateway's server on port 443: .*leave Gateway-API Gateway istio-ingress\/web as it is\. api\.example\.com, dropped with that server today, is served by it again\.$/);
    },
  },
  {
    name: 'reports ITLS707 with the config name deciding a tie in the same second, compared as bytes ("shop-gateway" before "shop~istio-autogenerated-k8s-gateway~https")',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443, { istioCreated: '2026-05-01T00:00:00Z', k8sCreated: '2026-05-01T00:00:00Z', k8sName: 'shop' }),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.deepEqual(x.evidence.kept, { kind: 'Gateway', namespace: 'istio-system', name: 'shop-gateway' });
      assert.match(x.message, /\(created in the same second, name first\)/);
      assert.match(String(x.evidence.order), /both created at 2026-05-01T00:00:00Z; istiod then sorts by name and shop-gateway sorts first/);
    },
  },
  {
    name: 'reports ITLS707 with the Gateway-API name deciding a tie the other way ("api~…" before "shop-gateway")',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443, { istioCreated: '2026-05-01T00:00:00Z', k8sCreated: '2026-05-01T00:00:00Z', k8sName: 'api' }),
    report: ['ITLS707'],
    assert: (f) => assert.deepEqual(one(f, 'ITLS707').evidence.kept, { kind: 'Gateway.gateway.networking.k8s.io', namespace: 'istio-ingress', name: 'api', listener: 'https' }),
  },
  {
    name: 'reports ITLS707 as a listener Envoy rejects when the hosts differ only by namespace (allowedRoutes Same: "istio-ingress/shop.example.com"): istiod keeps both servers',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443, { istioCreated: '2024-01-01T00:00:00Z', k8sCreated: '2026-05-01T00:00:00Z', from: 'Same' }),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.equal(x.evidence.istiod, 'keeps-both');
      assert.equal(x.evidence.kept, undefined);
      assert.deepEqual(x.evidence.hostStrings, ['istio-ingress/shop.example.com', 'shop.example.com']);
      assert.match(x.message, /keeps both servers, so the listener on port 8443 gets two filter chains for the SNI name shop\.example\.com: Envoy rejects that listener/);
    },
  },
  {
    name: 'stays silent on ITLS707 when the Istio server binds another address: two Envoy listeners, each serving its own',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 8443, { istioCreated: '2024-01-01T00:00:00Z', k8sCreated: '2026-05-01T00:00:00Z', istioBind: '10.0.0.7' }),
    silent: ['ITLS707'],
  },
  {
    name: 'reports ITLS707 between two Gateway-API Gateways on one deployment once, with the older one kept',
    yaml: docs(
      k8sGateway({ name: 'old', listeners: HTTPS_LISTENER(), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]', created: '2024-01-01T00:00:00Z' }),
      k8sGateway({ name: 'new', listeners: HTTPS_LISTENER(), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]', created: '2026-05-01T00:00:00Z' }),
      httpRoute({ parentRefs: '[{name: old, namespace: istio-ingress}, {name: new, namespace: istio-ingress}]' }),
      SECRET(),
      INGRESS_DEPLOYMENT(8443),
    ),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.equal(x.resource.name, 'new', 'on the ignored one, where the fix goes');
      assert.deepEqual(x.evidence.kept, { kind: 'Gateway.gateway.networking.k8s.io', namespace: 'istio-ingress', name: 'old', listener: 'https' });
      assert.deepEqual(x.evidence.ignored, [{ kind: 'Gateway.gateway.networking.k8s.io', namespace: 'istio-ingress', name: 'new', listener: 'https' }]);
    },
  },
  {
    name: 'reports ITLS707 as a warning for plain HTTP: istiod drops no server, it merges the routes, the older Gateway\'s first',
    yaml: docs(
      k8sGateway({ listeners: HTTP_LISTENER({ hostname: 'shop.example.com' }), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]', created: '2026-05-01T00:00:00Z' }),
      httpRoute({ parentRefs: '[{name: web, namespace: istio-ingress}]' }),
      INGRESS_DEPLOYMENT(8080, 80),
      gateway({ name: 'shop-gateway', created: '2024-01-01T00:00:00Z', servers: `
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.example.com]` }),
    ),
    report: ['ITLS707'],
    assert: (f) => {
      const x = one(f, 'ITLS707');
      assert.equal(x.severity, 'warning');
      assert.equal(x.evidence.istiod, 'merges');
      assert.equal(x.evidence.kept, undefined);
      assert.match(x.message, /merges them into one route table for the port, Istio Gateway istio-system\/shop-gateway's routes first \(created first/);
    },
  },
  {
    name: 'stays silent on ITLS707 for plain HTTP on another host',
    yaml: docs(
      k8sGateway({ listeners: HTTP_LISTENER({ hostname: 'shop.example.com' }), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]' }),
      httpRoute({ parentRefs: '[{name: web, namespace: istio-ingress}]' }),
      INGRESS_DEPLOYMENT(8080, 80),
      gateway({ name: 'other', servers: `
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [other.example.com]` }),
    ),
    silent: ['ITLS707'],
  },
  {
    name: 'stays silent on ITLS707 when the Istio Gateway serves another host on those pods',
    yaml: docs(
      k8sGateway({ listeners: HTTPS_LISTENER(), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system}]' }),
      httpRoute({}),
      SECRET(),
      INGRESS_DEPLOYMENT(8443),
      `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: other, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [other.example.com]
    tls: {mode: SIMPLE, credentialName: other-tls}`,
    ),
    silent: ['ITLS707'],
  },
  // ---- host "*": judged as an Istio Gateway host "*" is (one certificate judgement, issue 16) ----
  {
    name: 'reports ITLS304 as info for a listener without hostname (host *), in the words of an Istio Gateway host *',
    yaml: docs(GW_POD(), k8sGateway({ listeners: HTTPS_LISTENER({ hostname: '' }) }), httpRoute({ hostnames: '[]' }), SECRET()),
    report: ['ITLS304'],
    assert: (f) => {
      const x = one(f, 'ITLS304');
      assert.equal(x.severity, 'info');
      assert.equal(x.host, '*');
      assert.match(x.message, /^The Gateway host "\*" accepts any SNI, so the certificate names cannot be checked against it \(the certificate covers .*\); clients connecting by other names will be refused\.$/);
    },
  },
  {
    name: 'stays silent on ITLS304 for a listener whose hostname the certificate covers',
    yaml: HEALTHY_K8S,
    silent: ['ITLS304'],
  },
  // ---- 707 through a named targetPort: the one listen-port translation (issue 16) ----
  {
    name: 'reports ITLS707 when the ingress Service names its targetPort (https → container port 8443) and both Gateways serve the host',
    yaml: istioAndK8sOnOneDeployment('shop.example.com', 'https'),
    report: ['ITLS707'],
    assert: (f) => assert.deepEqual(one(f, 'ITLS707').evidence.alsoServedBy, ['Gateway istio-system/shop-gateway']),
  },
  {
    name: 'stays silent on ITLS707 through a named targetPort when the Istio Gateway serves another host',
    yaml: istioAndK8sOnOneDeployment('other.example.com', 'https'),
    silent: ['ITLS707'],
  },
];

/**
 * The istio-ingressgateway pod and its Service (`port` → `targetPort`) that Gateways with spec.addresses run on;
 * `containerPorts`: the proxy container's ports (for a named targetPort).
 */
function INGRESS_DEPLOYMENT(targetPort: number | string, port = 443, containerPorts = ''): string {
  return `
apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0${containerPorts}}]}
status: {phase: Running}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, ports: [{port: ${port}, targetPort: ${targetPort}}]}`;
}

/**
 * An Istio Gateway serving `istioHost` and a Gateway-API Gateway (shop.example.com) on one ingress deployment,
 * whose Service maps 443 to `targetPort`: a number, or the name of the proxy's container port 8443.
 */
export function istioAndK8sOnOneDeployment(
  istioHost: string,
  targetPort: number | 'https',
  opts: { k8sCreated?: string; istioCreated?: string; from?: string; istioName?: string; k8sName?: string; extraIstioHosts?: string[]; istioBind?: string } = {},
): string {
  const ports = targetPort === 'https' ? ', ports: [{name: https, containerPort: 8443}]' : '';
  return docs(
    k8sGateway({ name: opts.k8sName, listeners: HTTPS_LISTENER({ from: opts.from }), addresses: '[{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]', created: opts.k8sCreated }),
    httpRoute({}),
    SECRET(),
    INGRESS_DEPLOYMENT(targetPort, 443, ports),
    `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${opts.istioName ?? 'shop-gateway'}, namespace: istio-system${opts.istioCreated ? `, creationTimestamp: "${opts.istioCreated}"` : ''}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}${opts.istioBind ? `\n    bind: ${opts.istioBind}` : ''}
    hosts: [${[istioHost, ...(opts.extraIstioHosts ?? [])].join(', ')}]
    tls: {mode: SIMPLE, credentialName: shop-tls}`,
  );
}
