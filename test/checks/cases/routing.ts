import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  CLUSTER,
  HEALTHY,
  HTTPS_SERVER,
  HTTP_REDIRECT_SERVER,
  SHOP_BACKEND,
  SHOP_SECRET,
  docs,
  gateway,
  one,
  virtualService,
  type CheckCase,
} from '../_support.js';

const GW = gateway({ servers: HTTP_REDIRECT_SERVER() + HTTPS_SERVER() });
const base = (...extra: string[]) => docs(CLUSTER, GW, SHOP_BACKEND, SHOP_SECRET(), ...extra);

const STRICT = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
`;
const dr = (mode: string, namespace = 'shop', host = 'shop') => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop, namespace: ${namespace}}
spec:
  host: ${host}
  trafficPolicy: {tls: {mode: ${mode}}}
`;

/** VirtualService shop bound to web (serves shop) and internal (serves only grafana, which nothing routes). */
const TWO_GATEWAYS = docs(
  CLUSTER,
  GW,
  gateway({ name: 'internal', servers: HTTPS_SERVER('grafana.int.example.com', 'grafana-tls') }),
  SHOP_BACKEND,
  SHOP_SECRET(),
  SHOP_SECRET('istio-system', 'grafana-tls'),
  virtualService({ gateways: '[istio-system/web, istio-system/internal]' }),
);

export const routingCases: CheckCase[] = [
  // ---- 501 ----
  {
    name: 'reports ITLS501 when a bare gateway name resolves in the VirtualService namespace, and proposes ns/name',
    yaml: base(virtualService({ gateways: '[web]' })).replace('gateways: [istio-system/web]', 'gateways: [web]'),
    report: ['ITLS501'],
    assert: (f) => {
      const x = one(f, 'ITLS501');
      assert.match(x.message, /resolves to shop\/web/);
      assert.deepEqual(parse(x.remediation!.yaml!).spec.gateways, ['istio-system/web']);
    },
  },
  {
    name: 'stays silent on ITLS501 for mesh, ns/name, the legacy name.namespace.svc.cluster.local form and Gateway-API gateways',
    yaml: base(
      virtualService({ name: 'a', gateways: '[mesh, istio-system/web]' }),
      virtualService({ name: 'b', gateways: '[web.istio-system.svc.cluster.local]' }),
      virtualService({ name: 'c', gateways: '[k8s-gw]' }),
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: k8s-gw, namespace: shop}
spec: {gatewayClassName: istio}`,
    ),
    silent: ['ITLS501'],
  },
  {
    name: 'stays silent on ITLS501 for VirtualServices and references outside the -n namespace',
    yaml: base(virtualService({ gateways: '[web]' })),
    namespace: 'payments',
    silent: ['ITLS501'],
  },
  // ---- 502 ----
  {
    name: 'reports ITLS502 when the bound VirtualService host is not in the Gateway hosts',
    yaml: base(virtualService({ hosts: '[www.shop.example.com]' })),
    report: ['ITLS502'],
    assert: (f) => {
      const x = one(f, 'ITLS502');
      assert.equal(x.severity, 'error');
      assert.equal(x.host, 'www.shop.example.com');
    },
  },
  {
    name: 'reports ITLS502 when the Gateway host is restricted to another namespace (ns/host)',
    yaml: docs(CLUSTER, gateway({ servers: HTTPS_SERVER('other/shop.example.com') }), SHOP_BACKEND, virtualService({})),
    report: ['ITLS502'],
    assert: (f) => assert.match(one(f, 'ITLS502').message, /only to VirtualServices in namespace other/),
  },
  {
    name: 'stays silent on ITLS502 for ./host when the VirtualService is in the Gateway namespace, and for wildcard gateway hosts',
    yaml: docs(
      CLUSTER,
      gateway({ servers: HTTPS_SERVER('./shop.example.com') }),
      gateway({ name: 'wild', servers: HTTPS_SERVER('*.example.com', 'wild-tls') }),
      virtualService({ namespace: 'istio-system' }),
      virtualService({ name: 'x', gateways: '[istio-system/wild]' }),
    ),
    silent: ['ITLS502'],
  },
  // ---- 502: do no harm (issue 17) ----
  {
    name: 'stays silent on ITLS502 as an error when a VirtualService bound to two Gateways is served by one of them; the binding that serves nothing is at most a warning whose fix touches no host',
    yaml: TWO_GATEWAYS,
    report: ['ITLS502'],
    assert: (f) => {
      const x = one(f, 'ITLS502');
      assert.equal(x.severity, 'warning');
      assert.equal(x.host, undefined, 'about the binding, not a host: shop.example.com works');
      assert.equal(x.remediation?.yaml, undefined, 'no document: nothing that works is rewritten');
      assert.equal(x.remediation?.commands, undefined);
      assert.equal(x.also, undefined, "grafana's 404 is not folded into it");
    },
  },
  {
    name: 'reports the unrouted host beside it as its own ITLS503 whose fix is a new VirtualService with a checked backend variable',
    yaml: TWO_GATEWAYS,
    report: ['ITLS503'],
    assert: (f) => {
      const x = one(f, 'ITLS503');
      assert.equal(x.host, 'grafana.int.example.com');
      const cmds = x.remediation!.commands!;
      assert.match(cmds[0], /^: "\$\{GRAFANA_INT_EXAMPLE_COM_BACKEND:\?set to the Service host that serves grafana\.int\.example\.com/);
      const body = cmds[1].split('\n').slice(1, -1).join('\n');
      assert.match(cmds[1], /^kubectl apply -f - <<YAML\n/);
      const vs = parse(body);
      assert.deepEqual([vs.metadata.name, vs.spec.hosts, vs.spec.gateways], ['grafana-int-example-com', ['grafana.int.example.com'], ['istio-system/internal']]);
      assert.equal(vs.spec.http[0].route[0].destination.host, '${GRAFANA_INT_EXAMPLE_COM_BACKEND}');
    },
  },
  {
    name: "stays silent on folding unrouted hosts into a typo'd VirtualService's ITLS502: each keeps its ITLS503, and the ITLS502 fix rewrites no VirtualService",
    yaml: docs(CLUSTER, gateway({ servers: HTTPS_SERVER('blog.example.com') + HTTPS_SERVER('docs.example.com', 'shop-tls', 8443) }), SHOP_BACKEND, SHOP_SECRET(), virtualService({ hosts: '[blgo.example.com]' })),
    report: ['ITLS502', 'ITLS503'],
    assert: (f) => {
      const x = one(f, 'ITLS502');
      assert.equal(x.also, undefined);
      assert.equal(x.places, undefined);
      for (const d of (x.remediation?.yaml ?? '').split(/^---$/m).filter((t) => t.trim())) assert.notEqual(parse(d).kind, 'VirtualService', 'no VirtualService is rewritten');
      assert.deepEqual(f.filter((y) => y.code === 'ITLS503').map((y) => y.host).sort(), ['blog.example.com', 'docs.example.com']);
    },
  },
  {
    name: 'stays silent on absorbing a 404 the ITLS501 fix does not route: only the hosts it binds become also lines',
    yaml: docs(CLUSTER, gateway({ servers: HTTPS_SERVER() + HTTPS_SERVER('blog.example.com', 'shop-tls', 8443) }), SHOP_BACKEND, SHOP_SECRET(), virtualService({ gateways: '[web]' })),
    report: ['ITLS501', 'ITLS503'],
    assert: (f) => {
      const x = one(f, 'ITLS501');
      assert.deepEqual(x.places?.map((p) => p.host), ['shop.example.com']);
      assert.equal(one(f, 'ITLS503').host, 'blog.example.com');
    },
  },
  // ---- 503 ----
  {
    name: 'reports the unbound TLS host under ITLS501 when the VirtualService that lists it names a missing Gateway, proposing to bind it to the Gateway that serves the host',
    yaml: base(virtualService({ gateways: '[istio-system/other]' })),
    report: ['ITLS501'],
    silent: ['ITLS503'],
    assert: (f) => {
      // one cause (issue 13): the 404 is an also line and a place on the ITLS501, with one fix
      const x = one(f, 'ITLS501');
      assert.deepEqual(x.resource, { kind: 'VirtualService', namespace: 'shop', name: 'shop' });
      assert.deepEqual(x.places, [{ resource: { kind: 'Gateway', namespace: 'istio-system', name: 'web' }, host: 'shop.example.com', port: 443 }]);
      assert.match(x.also!.join('\n'), /shop\.example\.com on Gateway istio-system\/web port 443 gets 404/);
      const vs = parse(x.remediation!.yaml!);
      assert.deepEqual([vs.metadata.namespace, vs.metadata.name], ['shop', 'shop']);
      assert.deepEqual(vs.spec.gateways, ['istio-system/web'], 'the missing reference is replaced, not kept beside the right one');
    },
  },
  {
    name: 'reports ITLS503 when no VirtualService is bound to a TLS host, proposing to bind the one that lists it',
    yaml: base(virtualService({ gateways: '[mesh]' })),
    report: ['ITLS503'],
    assert: (f) => {
      const x = one(f, 'ITLS503');
      assert.deepEqual(parse(x.remediation!.yaml!).spec.gateways, ['mesh', 'istio-system/web']);
    },
  },
  {
    name: 'stays silent on binding a VirtualService for an unrouted host when it would route another host of the Gateway twice: a new VirtualService instead',
    yaml: docs(
      CLUSTER,
      gateway({ servers: HTTPS_SERVER() + HTTPS_SERVER('blog.example.com', 'shop-tls', 8443) }),
      SHOP_BACKEND,
      SHOP_SECRET(),
      virtualService({ name: 'both', hosts: '[shop.example.com, blog.example.com]', gateways: '[mesh]' }),
      virtualService({ name: 'blog', hosts: '[blog.example.com]' }),
    ),
    report: ['ITLS503'],
    assert: (f) => {
      const x = one(f, 'ITLS503');
      assert.equal(x.host, 'shop.example.com');
      const vs = parse(x.remediation!.yaml!);
      assert.notEqual(vs.metadata.name, 'both', 'binding it would route blog.example.com through two VirtualServices');
      assert.deepEqual(vs.spec.hosts, ['shop.example.com']);
    },
  },
  {
    name: 'reports ITLS503 with a VirtualService skeleton when nothing lists the host',
    yaml: base(),
    report: ['ITLS503'],
    assert: (f) => assert.deepEqual(parse(one(f, 'ITLS503').remediation!.yaml!).spec.hosts, ['shop.example.com']),
  },
  {
    name: 'stays silent on ITLS503 when a VirtualService is bound, and for PASSTHROUGH servers',
    yaml: HEALTHY,
    silent: ['ITLS503'],
  },
  // ---- 504 ----
  {
    name: 'reports ITLS504 when the destination Service does not exist, pointing at the namespace where it does',
    yaml: base(virtualService({ routes: `  http:
  - route:
    - destination: {host: shop, port: {number: 80}}` })).replace('namespace: shop\nspec:\n  hosts', 'namespace: istio-system\nspec:\n  hosts'),
    report: ['ITLS504'],
    assert: (f) => {
      const x = one(f, 'ITLS504');
      assert.match(x.message, /exists in shop/);
      assert.equal(parse(x.remediation!.yaml!).spec.http[0].route[0].destination.host, 'shop.shop.svc.cluster.local');
    },
  },
  {
    name: 'reports ITLS504 when the route uses the targetPort instead of the Service port',
    yaml: base(virtualService({ routes: `  http:
  - route:
    - destination: {host: shop.shop.svc.cluster.local, port: {number: 8080}}` })),
    report: ['ITLS504'],
    assert: (f) => assert.equal(parse(one(f, 'ITLS504').remediation!.yaml!).spec.http[0].route[0].destination.port.number, 80),
  },
  {
    name: 'stays silent on ITLS504 for existing Services and external hosts',
    yaml: base(virtualService({ routes: `  http:
  - route:
    - destination: {host: shop, port: {number: 80}}
    - destination: {host: api.partner.com, port: {number: 443}}` })),
    silent: ['ITLS504'],
  },
  // ---- 505 ----
  {
    name: 'reports ITLS505 when a VirtualService for a gateway host has no gateways',
    yaml: base(virtualService({ gateways: '' })),
    report: ['ITLS505'],
    assert: (f) => assert.deepEqual(parse(one(f, 'ITLS505').remediation!.yaml!).spec.gateways, ['istio-system/web', 'mesh']),
  },
  {
    name: 'stays silent on ITLS505 for mesh-only VirtualServices of internal hosts',
    yaml: base(virtualService({}), virtualService({ name: 'internal', hosts: '[shop]', gateways: '' })),
    silent: ['ITLS505'],
  },
  // ---- 506 ----
  {
    name: 'reports ITLS506 when a DestinationRule disables TLS under a STRICT mesh-wide PeerAuthentication',
    yaml: base(virtualService({}), STRICT, dr('DISABLE')),
    report: ['ITLS506'],
    assert: (f) => {
      const x = one(f, 'ITLS506');
      assert.equal(parse(x.remediation!.yaml!).spec.trafficPolicy.tls.mode, 'ISTIO_MUTUAL');
      assert.match(x.message, /PeerAuthentication istio-system\/default/);
    },
  },
  {
    name: 'reports ITLS506 when ISTIO_MUTUAL targets a backend without sidecar',
    yaml: base(virtualService({}), dr('ISTIO_MUTUAL')).replace('  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.22.1}\n', ''),
    report: ['ITLS506'],
  },
  {
    name: 'reports ITLS506 when SIMPLE TLS goes to a plain-HTTP port',
    yaml: base(virtualService({}), dr('SIMPLE')),
    report: ['ITLS506'],
  },
  {
    name: 'applies the DestinationRule of the gateway namespace first (Istio precedence): a good one there hides a bad one in the service namespace',
    yaml: base(virtualService({}), STRICT, dr('DISABLE'), dr('ISTIO_MUTUAL', 'istio-system', 'shop.shop.svc.cluster.local')),
    silent: ['ITLS506'],
  },
  {
    name: 'stays silent on ITLS506 for DISABLE without STRICT (the seed kiali case)',
    yaml: base(virtualService({}), dr('DISABLE')),
    silent: ['ITLS506'],
  },
  // ---- 507 ----
  {
    name: 'reports ITLS507 when a VirtualService bound to a terminating HTTPS server has only tls routes',
    yaml: base(virtualService({ routes: `  tls:
  - match: [{sniHosts: [shop.example.com]}]
    route: [{destination: {host: shop.shop.svc.cluster.local, port: {number: 80}}}]` })),
    report: ['ITLS507'],
    assert: (f) => {
      const xs = f.filter((x) => x.code === 'ITLS507');
      const fixed = parse(xs.find((x) => x.port === 443)!.remediation!.yaml!);
      assert.equal(fixed.spec.tls, undefined);
      assert.equal(fixed.spec.http[0].route[0].destination.host, 'shop.shop.svc.cluster.local');
    },
  },
  {
    name: 'stays silent on ITLS507 when the route kind fits the server',
    yaml: HEALTHY,
    silent: ['ITLS507'],
  },
];
