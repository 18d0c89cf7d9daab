import assert from 'node:assert/strict';
import { parse, parseAllDocuments } from 'yaml';
import { issueCert, type IssuedCert } from '../../../src/testing/certgen.js';
import {
  CLUSTER,
  HEALTHY,
  HTTPS_SERVER,
  HTTP_REDIRECT_SERVER,
  SHOP_SECRET,
  docs,
  gateway,
  one,
  virtualService,
  type CheckCase,
} from '../_support.js';

/** Two certificates, each stored in several Secrets (made at test time): the same bytes under different names. */
const CERTS: Record<string, IssuedCert> = {
  ONE: await issueCert({ cn: '*.one.example', dns: ['*.one.example'], keyType: 'p256' }),
  TWO: await issueCert({ cn: '*.two.example', dns: ['*.two.example'], keyType: 'p256' }),
};
const SECRET_WITH = (name: string, tag: string) => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}-tls, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: ${Buffer.from(CERTS[tag].certPem).toString('base64')}, tls.key: ${Buffer.from(CERTS[tag].keyPem).toString('base64')}}
`;

export const gatewayConfigCases: CheckCase[] = [
  // ---- 401 ----
  {
    name: 'reports ITLS401 when an HTTPS server has no tls block',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]` })),
    report: ['ITLS401'],
    assert: (f) => {
      const x = one(f, 'ITLS401');
      assert.deepEqual(parse(x.remediation!.yaml!).spec.servers[0].tls, { mode: 'SIMPLE', credentialName: 'shop-example-com-tls' });
      // the files it needs are checked variables first (: "${VAR:?…}"), then the command
      assert.ok(x.remediation!.commands!.some((c) => /create secret tls shop-example-com-tls -n istio-system/.test(c)));
    },
  },
  {
    name: 'reports ITLS401 when a SIMPLE server names no credential',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, minProtocolVersion: TLSV1_2}` })),
    report: ['ITLS401'],
    assert: (f) => assert.equal(parse(one(f, 'ITLS401').remediation!.yaml!).spec.servers[0].tls.minProtocolVersion, 'TLSV1_2'),
  },
  {
    name: 'reports ITLS401 for a certificate file without its key, naming the other hosts the rejected listener takes down',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [legacy.example.com]
    tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt}` + HTTPS_SERVER().replace('name: https-443', 'name: https-shop') })),
    report: ['ITLS401'],
    assert: (f) => {
      const x = one(f, 'ITLS401');
      assert.match(x.message, /serverCertificate but no privateKey/);
      assert.deepEqual(x.evidence.alsoDown, ['shop.example.com']);
    },
  },
  {
    name: 'stays silent on ITLS401 for PASSTHROUGH and ISTIO_MUTUAL servers and credentialName servers',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [db.example.com]
    tls: {mode: PASSTHROUGH}
  - port: {number: 15443, name: tls-mtls, protocol: TLS}
    hosts: ["*.local"]
    tls: {mode: ISTIO_MUTUAL}` + HTTPS_SERVER() })),
    silent: ['ITLS401'],
  },
  // ---- 402 ----
  {
    name: 'reports ITLS402 when httpsRedirect points at a host no HTTPS server serves',
    yaml: docs(CLUSTER, gateway({ servers: HTTP_REDIRECT_SERVER('blog.example.com') + HTTPS_SERVER('shop.example.com') }), virtualService({ name: 'blog', hosts: '[blog.example.com]' })),
    report: ['ITLS402'],
    assert: (f) => {
      const x = one(f, 'ITLS402');
      assert.equal(x.host, 'blog.example.com');
      const g = parse(x.remediation!.yaml!);
      const added = g.spec.servers.at(-1);
      assert.deepEqual(added.hosts, ['blog.example.com']);
      assert.equal(added.port.protocol, 'HTTPS');
      assert.notEqual(added.port.name, 'https-443');
    },
  },
  {
    name: 'reports ITLS402 with a checked backend variable when nothing routes the host and no Service is named like it (a server alone would answer 404)',
    yaml: docs(CLUSTER, gateway({ servers: HTTP_REDIRECT_SERVER('blog.example.com') + HTTPS_SERVER('shop.example.com') })),
    report: ['ITLS402'],
    assert: (f) => {
      const r = one(f, 'ITLS402').remediation!;
      assert.equal(r.yaml, undefined, 'the documents need the variable: applied through the shell');
      assert.ok(r.commands!.every((c) => !c.startsWith('#')), 'it runs once the variable is set');
      const apply = r.commands!.find((c) => c.startsWith('kubectl apply -f - <<YAML'))!;
      const [gw, vs] = parseAllDocuments(apply.split('\n').slice(1, -1).join('\n')).map((d) => d.toJS());
      assert.deepEqual(gw.spec.servers.at(-1).hosts, ['blog.example.com']);
      assert.equal(vs.kind, 'VirtualService');
      assert.deepEqual(vs.spec.hosts, ['blog.example.com']);
      assert.equal(vs.spec.http[0].route[0].destination.host, '${BLOG_EXAMPLE_COM_BACKEND}');
      assert.match(r.summary, /Set BLOG_EXAMPLE_COM_BACKEND to the backend first/);
    },
  },
  {
    name: 'stays silent on ITLS402 when another Gateway on the same pods serves the host over HTTPS (wildcard)',
    yaml: docs(CLUSTER, gateway({ name: 'redirect', servers: HTTP_REDIRECT_SERVER('blog.example.com') }), gateway({ name: 'tls', servers: HTTPS_SERVER('*.example.com') })),
    silent: ['ITLS402'],
  },
  // ---- 403 ----
  {
    name: 'reports ITLS403 once when two Gateways claim the same host and port on the same pods: on the Gateway istiod keeps, the other as a place',
    yaml: docs(CLUSTER, gateway({ name: 'a', created: '2024-01-01T00:00:00Z', servers: HTTPS_SERVER() }), gateway({ name: 'b', namespace: 'shop', created: '2024-02-01T00:00:00Z', servers: HTTPS_SERVER() }), SHOP_SECRET()),
    report: ['ITLS403'],
    assert: (f) => {
      // one conflict is one cause (issue 13): one finding, both Gateways named
      const x = one(f, 'ITLS403');
      assert.equal(x.severity, 'error');
      assert.deepEqual(x.resource, { kind: 'Gateway', namespace: 'istio-system', name: 'a' }, 'the older Gateway, which istiod keeps, is the primary place');
      assert.deepEqual(x.places, [{ resource: { kind: 'Gateway', namespace: 'shop', name: 'b' }, host: 'shop.example.com', port: 443 }]);
      // the later Gateway loses the host; with no server left it is deleted (a Gateway without servers is invalid)
      const r = x.remediation!;
      assert.equal(r.yaml, undefined);
      assert.deepEqual(r.commands, ['kubectl delete gateways.networking.istio.io b -n shop --ignore-not-found   # no server left on it']);
    },
  },
  {
    name: 'reports ITLS403 once on the Gateway istiod keeps whichever Gateway is read first',
    yaml: docs(CLUSTER, gateway({ name: 'b', namespace: 'shop', created: '2024-02-01T00:00:00Z', servers: HTTPS_SERVER() }), gateway({ name: 'a', created: '2024-01-01T00:00:00Z', servers: HTTPS_SERVER() }), SHOP_SECRET()),
    report: ['ITLS403'],
    assert: (f) => {
      const x = one(f, 'ITLS403');
      assert.equal(x.resource.name, 'a');
      assert.deepEqual(x.places?.map((p) => p.resource.name), ['b']);
    },
  },
  {
    name: "reports ITLS403 on the Gateway istiod keeps when both were created in the same second: name first, then namespace (Istio's config order, as bytes)",
    // by namespace/name, shop/a would sort after istio-system/zeta; istiod compares names first, so a wins
    yaml: docs(CLUSTER, gateway({ name: 'zeta', created: '2024-01-01T00:00:00Z', servers: HTTPS_SERVER() }), gateway({ name: 'a', namespace: 'shop', created: '2024-01-01T00:00:00Z', servers: HTTPS_SERVER() }), SHOP_SECRET()),
    report: ['ITLS403'],
    assert: (f) => {
      const x = one(f, 'ITLS403');
      assert.deepEqual(x.resource, { kind: 'Gateway', namespace: 'shop', name: 'a' });
      assert.deepEqual(x.places?.map((p) => p.resource.name), ['zeta']);
    },
  },
  {
    name: 'reports ITLS403 when namespace prefixes hide a duplicate host (a/shop vs b/shop)',
    yaml: docs(CLUSTER, gateway({ name: 'a', servers: HTTPS_SERVER('a/shop.example.com') }), gateway({ name: 'b', servers: HTTPS_SERVER('b/shop.example.com') })),
    report: ['ITLS403'],
    assert: (f) => assert.match(f.find((x) => x.code === 'ITLS403')!.message, /namespace prefixes differ/),
  },
  {
    name: 'reports ITLS403 as a warning when a wildcard on one Gateway overlaps a host on another',
    yaml: docs(CLUSTER, gateway({ name: 'a', servers: HTTPS_SERVER('*.example.com', 'wild') }), gateway({ name: 'b', servers: HTTPS_SERVER('shop.example.com') })),
    report: ['ITLS403'],
    assert: (f) => assert.ok(f.filter((x) => x.code === 'ITLS403').every((x) => x.severity === 'warning')),
  },
  {
    name: 'stays silent on ITLS403 for the same host on different ports or different gateway pods',
    yaml: docs(
      CLUSTER,
      gateway({ name: 'a', servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 443) }),
      gateway({ name: 'b', servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 9443) }),
      gateway({ name: 'c', selector: '{istio: internal}', servers: HTTPS_SERVER() }),
    ),
    silent: ['ITLS403'],
  },
  {
    name: 'reports ITLS403 when one Gateway writes the Service port (443) and the other its targetPort (8443): one listener',
    yaml: docs(CLUSTER, gateway({ name: 'a', servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 443) }), gateway({ name: 'b', servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 8443) })),
    report: ['ITLS403'],
  },
  // ---- 404 ----
  {
    name: 'reports ITLS404 once when two Gateways on the same pods share one credential for different hosts, recommending one merged server',
    yaml: docs(CLUSTER, gateway({ name: 'a', servers: HTTPS_SERVER('a.example.com', 'wildcard-tls') }), gateway({ name: 'b', servers: HTTPS_SERVER('b.example.com', 'wildcard-tls') })),
    report: ['ITLS404'],
    assert: (f) => {
      const x = one(f, 'ITLS404');
      assert.deepEqual([x.resource.name, x.host], ['a', 'a.example.com'], 'the Gateway that keeps the hosts is the primary place');
      assert.deepEqual(x.places, [{ resource: { kind: 'Gateway', namespace: 'istio-system', name: 'b' }, host: 'b.example.com', port: 443 }]);
      const [merged] = parseAllDocuments(x.remediation!.yaml!).map((d) => d.toJS());
      assert.equal(merged.metadata.name, 'a');
      assert.deepEqual(merged.spec.servers[0].hosts, ['a.example.com', 'b.example.com']);
      assert.ok(x.remediation!.commands!.some((c) => c.startsWith('kubectl delete gateways.networking.istio.io b ')));
    },
  },
  {
    name: 'reports ITLS404 once per sharing group: every Gateway sharing one wildcard credential is a place of one finding with one fix',
    yaml: docs(CLUSTER, ...['a', 'b', 'c', 'd'].map((n) => gateway({ name: n, servers: HTTPS_SERVER(`${n}.example.com`, 'wildcard-tls') }))),
    report: ['ITLS404'],
    assert: (f) => {
      const x = one(f, 'ITLS404');
      assert.deepEqual(x.places!.map((p) => `${p.resource.name} ${p.host}`), ['b b.example.com', 'c c.example.com', 'd d.example.com']);
      assert.equal(x.evidence.servers, 4);
      assert.equal(parseAllDocuments(x.remediation!.yaml!).length, 1, 'one merged Gateway; the emptied ones are deleted');
      assert.equal(x.remediation!.commands!.length, 3);
    },
  },
  {
    name: 'reports ITLS404 once per certificate when the same certificate bytes sit in many Secrets, and one group per certificate',
    yaml: docs(
      CLUSTER,
      ...['a', 'b', 'c'].map((n) => gateway({ name: n, servers: HTTPS_SERVER(`${n}.one.example`, `${n}-tls`) })),
      ...['d', 'e'].map((n) => gateway({ name: n, servers: HTTPS_SERVER(`${n}.two.example`, `${n}-tls`) })),
      ...['a', 'b', 'c'].map((n) => SECRET_WITH(n, 'ONE')),
      ...['d', 'e'].map((n) => SECRET_WITH(n, 'TWO')),
    ),
    report: ['ITLS404'],
    assert: (f) => {
      const xs = f.filter((x) => x.code === 'ITLS404');
      assert.equal(xs.length, 2, 'one finding per sharing group');
      assert.deepEqual(xs.map((x) => x.places!.length).sort(), [1, 2]);
      const three = xs.find((x) => x.places!.length === 2)!;
      assert.deepEqual(three.evidence.credentials, ['istio-system/a-tls', 'istio-system/b-tls', 'istio-system/c-tls']);
    },
  },
  {
    name: 'reports ITLS404 on the in-scope Gateway of a group that reaches outside -n, listing the others as places',
    namespace: 'team-b',
    yaml: docs(CLUSTER, gateway({ name: 'a', namespace: 'team-a', servers: HTTPS_SERVER('a.example.com', 'wildcard-tls') }), gateway({ name: 'b', namespace: 'team-b', servers: HTTPS_SERVER('b.example.com', 'wildcard-tls') })),
    report: ['ITLS404'],
    assert: (f) => {
      const x = one(f, 'ITLS404');
      assert.equal(x.resource.namespace, 'team-b');
      assert.deepEqual(x.places!.map((p) => p.resource.namespace), ['team-a']);
    },
  },
  {
    name: 'stays silent on ITLS404 when Gateways share a credential for the same host set (that is ITLS403), or share it across ports',
    yaml: docs(
      CLUSTER,
      gateway({ name: 'a', servers: HTTPS_SERVER('a.example.com', 'wildcard-tls') }),
      gateway({ name: 'b', servers: HTTPS_SERVER('a.example.com', 'wildcard-tls') }),
      gateway({ name: 'c', servers: HTTPS_SERVER('c.example.com', 'wildcard-tls', 9443) }),
    ),
    silent: ['ITLS404'],
  },
  {
    name: 'reports ITLS404 for two servers of one Gateway sharing a certificate file',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: https-a, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key}
  - port: {number: 443, name: https-b, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key}` })),
    report: ['ITLS404'],
  },
  {
    name: 'stays silent on ITLS404 when each server has its own credential, or on different pods',
    yaml: docs(CLUSTER, gateway({ name: 'a', servers: HTTPS_SERVER('a.example.com', 'a-tls') }), gateway({ name: 'b', servers: HTTPS_SERVER('b.example.com', 'b-tls') }), gateway({ name: 'c', selector: '{istio: internal}', servers: HTTPS_SERVER('c.example.com', 'a-tls') })),
    silent: ['ITLS404'],
  },
  // ---- 405 ----
  {
    name: 'reports ITLS405 when a PASSTHROUGH server has only an http route',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [db.example.com]
    tls: {mode: PASSTHROUGH}` }), virtualService({ hosts: '[db.example.com]' })),
    report: ['ITLS405'],
    assert: (f) => {
      // the backend is a placeholder: the document is a commented fill-in, never applicable YAML
      const r = one(f, 'ITLS405').remediation!;
      assert.equal(r.yaml, undefined);
      const vs = parse(r.commands!.filter((c) => c.startsWith('#   ')).map((c) => c.slice(4)).join('\n'));
      assert.deepEqual(vs.spec.tls[0].match[0].sniHosts, ['db.example.com']);
      assert.deepEqual(vs.spec.gateways, ['istio-system/web']);
    },
  },
  {
    name: 'stays silent on ITLS405 with a tls route whose sniHosts cover the host, and for AUTO_PASSTHROUGH',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [db.example.com]
    tls: {mode: PASSTHROUGH}
  - port: {number: 15443, name: tls-auto, protocol: TLS}
    hosts: ["*.local"]
    tls: {mode: AUTO_PASSTHROUGH}` }), virtualService({ hosts: '[db.example.com]', routes: `  tls:
  - match: [{port: 443, sniHosts: [db.example.com]}]
    route: [{destination: {host: db.shop.svc.cluster.local, port: {number: 5432}}}]` })),
    silent: ['ITLS405'],
  },
  // ---- 406 ----
  {
    name: 'reports ITLS406 for a port named http with protocol HTTPS and for certificates on a PASSTHROUGH server',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: http, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls}
  - port: {number: 9443, name: tls, protocol: TLS}
    hosts: [db.example.com]
    tls: {mode: PASSTHROUGH, credentialName: db-tls}` })),
    report: ['ITLS406'],
    assert: (f) => {
      const xs = f.filter((x) => x.code === 'ITLS406');
      assert.equal(xs.length, 2);
      assert.ok(xs.every((x) => x.severity === 'info'));
    },
  },
  {
    name: 'stays silent on ITLS406 for consistent names and options',
    yaml: HEALTHY,
    silent: ['ITLS406'],
  },
  // ---- 407 ----
  {
    name: 'reports ITLS407 when a TLS host is also served on plain HTTP without redirect',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]` + HTTPS_SERVER() })),
    report: ['ITLS407'],
    assert: (f) => assert.equal(parse(one(f, 'ITLS407').remediation!.yaml!).spec.servers[0].tls.httpsRedirect, true),
  },
  {
    name: 'stays silent on ITLS407 with httpsRedirect',
    yaml: HEALTHY,
    silent: ['ITLS407'],
  },
  // ---- 408 ----
  {
    name: 'reports ITLS408 for minProtocolVersion TLSV1_0 and weak cipher suites',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls, minProtocolVersion: TLSV1_0, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, AES128-SHA, DES-CBC3-SHA]}` })),
    report: ['ITLS408'],
    assert: (f) => {
      const x = one(f, 'ITLS408');
      assert.match(x.message, /AES128-SHA, DES-CBC3-SHA/);
      const tls = parse(x.remediation!.yaml!).spec.servers[0].tls;
      assert.equal(tls.minProtocolVersion, 'TLSV1_2');
      assert.equal(tls.cipherSuites, undefined);
    },
  },
  {
    name: 'stays silent on ITLS408 for TLS 1.2+ with ECDHE-GCM suites',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls, minProtocolVersion: TLSV1_2, cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-GCM-SHA384]}` })),
    silent: ['ITLS408'],
  },
];
