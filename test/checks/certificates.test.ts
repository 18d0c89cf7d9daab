import assert from 'node:assert/strict';
import { certificatesCheck } from '../../src/checks/certificates.js';
import { issueCert, issueChain, chainPem } from '../../src/testing/certgen.js';
import { b64, cluster, DAY, gateway, httpsServer, NOW, pki, table, tlsData, tlsSecret } from './certs-support.js';
import { docs, ISTIOD, ingressPod, ingressService, one } from './_support.js';
import { hostsOf } from '../../src/findings/causes.js';

const ALL_3XX = ['ITLS301', 'ITLS302', 'ITLS303', 'ITLS304', 'ITLS305', 'ITLS306', 'ITLS307', 'ITLS308', 'ITLS309', 'ITLS310', 'ITLS311', 'ITLS312', 'ITLS313', 'ITLS314', 'ITLS315'];
const rsa = await issueChain({ dns: ['shop.example.com'], keyType: 'rsa2048' });
const inter = pki.intermediates[0];
const leafWith = (spec: Parameters<typeof issueCert>[0]) => issueCert({ dns: ['shop.example.com'], issuer: inter, ...spec });
const expired = await leafWith({ notBefore: new Date(NOW.getTime() - 100 * DAY), notAfter: new Date(NOW.getTime() - 3 * DAY) });
const soon = await leafWith({ notAfter: new Date(NOW.getTime() + 12 * DAY) });
const verySoon = await leafWith({ notAfter: new Date(NOW.getTime() + 3 * DAY) });
const future = await leafWith({ notBefore: new Date(NOW.getTime() + 2 * DAY) });
const cnOnly = await leafWith({ cn: 'shop.example.com', omitSan: true });
const weak = await leafWith({ keyType: 'rsa1024' });
const clientOnly = await leafWith({ extKeyUsage: ['clientAuth'] });
const caLeaf = await leafWith({ ca: true, keyUsage: ['digitalSignature', 'keyCertSign'] });
const critical = await leafWith({ extraExtensions: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: true }] });
const wrongInter = await issueCert({ cn: 'Certgen Intermediate 1', o: 'certgen', ca: true, issuer: pki.root });
const selfSigned = await issueCert({ dns: ['shop.example.com'] });
const GW = (hosts = ['shop.example.com']) => gateway({ servers: httpsServer(hosts) });
const secretWith = (crt: string, key: string) => tlsSecret({ data: { 'tls.crt': b64(crt), 'tls.key': b64(key) } });
const withChain = (leaf: { certPem: string }) => leaf.certPem + inter.certPem;
/** A gateway pod with the legacy certificate mount, a Gateway serving `hosts` from those files, and the mounted Secret (pki.leaf). */
const fileMounted = (hosts: string[]) =>
  docs(
    ISTIOD,
    ingressPod({
      mounts: '[{name: c, mountPath: /etc/istio/ingressgateway-certs}]',
      volumes: '[{name: c, secret: {secretName: istio-ingressgateway-certs}}]',
    }),
    gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ${JSON.stringify(hosts)}
    tls: {mode: SIMPLE, serverCertificate: /etc/istio/ingressgateway-certs/tls.crt, privateKey: /etc/istio/ingressgateway-certs/tls.key}` }),
    tlsSecret({ name: 'istio-ingressgateway-certs', data: tlsData(pki.leaf) }),
  );

table(certificatesCheck, [
  {
    name: 'stays silent on a healthy ECDSA chain from a private CA given as --ca-file',
    yaml: cluster(GW(['shop.example.com', 'x.shop.example.com', '*.shop.example.com']), tlsSecret({ data: tlsData(pki.leaf) })),
    silent: ALL_3XX,
    assert: (f) => assert.deepEqual(f, []),
  },
  {
    name: 'stays silent on a healthy RSA chain from a private CA given as --ca-file',
    yaml: cluster(GW(), tlsSecret({ data: tlsData(rsa.leaf) })),
    anchors: [rsa.root],
    assert: (f) => assert.deepEqual(f, []),
  },
  {
    name: 'reports ITLS301 for an expired leaf with dates, days and serial as evidence',
    yaml: cluster(GW(), secretWith(withChain(expired), expired.keyPem)),
    report: ['ITLS301'],
    silent: ['ITLS302'],
    assert: (f) => {
      const x = f.find((y) => y.code === 'ITLS301')!;
      assert.equal(x.host, 'shop.example.com');
      assert.equal(x.evidence.daysLeft, -3);
      assert.ok(x.evidence.serial && x.evidence.fingerprint256 && x.evidence.notAfter);
      // the existing secret is patched in place (type and other keys kept), the files checked first
      assert.ok(x.remediation!.commands!.some((c) => /^kubectl patch secret shop-tls -n istio-system --type=merge/.test(c)));
    },
  },
  {
    name: 'reports ITLS302 as a warning within the window and as an error within 7 days',
    yaml: cluster(GW(), secretWith(withChain(soon), soon.keyPem), gateway({ name: 'other', servers: httpsServer(['shop.example.com'], 'soon-tls', 'SIMPLE', 8443) }), tlsSecret({ name: 'soon-tls', data: { 'tls.crt': b64(withChain(verySoon)), 'tls.key': b64(verySoon.keyPem) } })),
    report: ['ITLS302'],
    assert: (f) => assert.deepEqual(f.filter((x) => x.code === 'ITLS302').map((x) => x.severity).sort(), ['error', 'warning']),
  },
  { name: 'reports ITLS303 for a certificate not yet valid', yaml: cluster(GW(), secretWith(withChain(future), future.keyPem)), report: ['ITLS303'] },
  {
    name: 'reports ITLS304 with the SANs and the host in plain words',
    yaml: cluster(GW(['shop.example.com', 'shop.example.org']), tlsSecret({ data: tlsData(pki.leaf) })),
    report: ['ITLS304'],
    assert: (f) => {
      const hits = f.filter((x) => x.code === 'ITLS304');
      assert.deepEqual(hits.map((x) => x.host), ['shop.example.org']);
      assert.match(hits[0].message, /covers shop\.example\.com, \*\.shop\.example\.com; the Gateway asks for shop\.example\.org/);
      // the re-issue keeps the names the certificate covers and adds the missing one; the secret is patched in place
      const r = hits[0].remediation!;
      assert.deepEqual(r.notes!.join('\n').match(/subjectAltName=([^"]+)/)?.[1].split(','), ['DNS:shop.example.com', 'DNS:shop.example.org']);
      assert.ok(r.commands!.some((c) => /^kubectl patch secret shop-tls -n istio-system --type=merge/.test(c)));
    },
  },
  {
    name: 'reports ITLS304 for a Gateway wildcard wider than the certificate and info for host *',
    yaml: cluster(GW(['*.example.com', '*']), tlsSecret({ data: tlsData(pki.leaf) })),
    assert: (f) => {
      assert.deepEqual(f.filter((x) => x.code === 'ITLS304').map((x) => `${x.host}:${x.severity}`).sort(), ['*.example.com:error', '*:info']);
    },
  },
  { name: 'reports ITLS305 for a CN-only certificate', yaml: cluster(GW(), secretWith(withChain(cnOnly), cnOnly.keyPem)), report: ['ITLS305'], silent: ['ITLS304'] },
  {
    name: 'reports ITLS306 when tls.crt holds only the leaf (--ca-file names the root), saying which intermediate is missing',
    yaml: cluster(GW(), secretWith(pki.leaf.certPem, pki.leaf.keyPem)),
    report: ['ITLS306'],
    assert: (f) => {
      const x = f.find((y) => y.code === 'ITLS306')!;
      assert.match(x.message, /missing the intermediate "Certgen Intermediate 1"/);
      assert.match(x.remediation!.summary, /Append the intermediate CN=Certgen Intermediate 1.*leaf first/);
    },
  },
  {
    name: 'reports ITLS309 as a warning naming the root, with no append-intermediates fix, for a complete chain to a private root without --ca-file',
    yaml: cluster(GW(), tlsSecret({ data: { ...tlsData(pki.leaf), 'ca.crt': b64(pki.root.certPem) } })),
    anchors: [],
    report: ['ITLS309'],
    silent: ['ITLS306', 'ITLS308'],
    assert: (f) => {
      const x = f.find((y) => y.code === 'ITLS309')!;
      assert.equal(x.severity, 'warning');
      assert.match(x.message, /private root "Certgen Root CA".*public clients reject it; pass --ca-file <root\.pem> if your clients trust it/);
      assert.doesNotMatch(JSON.stringify(x.remediation), /intermediate|fullchain/i);
      assert.match(x.remediation!.commands!.join('\n'), /ca\\\.crt.*private-root\.pem\nkubectl istio-tls doctor --ca-file private-root\.pem$/);
    },
  },
  {
    name: 'reports ITLS307 (warning only) for a bundle in the wrong order',
    yaml: cluster(GW(), secretWith(pki.leaf.certPem + pki.root.certPem + inter.certPem, pki.leaf.keyPem)),
    report: ['ITLS307', 'ITLS313'],
    assert: (f) => assert.ok(f.every((x) => x.severity !== 'error')),
  },
  { name: 'reports ITLS308 when the intermediate has the right name but another key', yaml: cluster(GW(), secretWith(pki.leaf.certPem + wrongInter.certPem, pki.leaf.keyPem)), report: ['ITLS308'] },
  {
    name: 'reports ITLS309 for a self-signed certificate, saying to pass --ca-file',
    yaml: cluster(GW(), secretWith(selfSigned.certPem, selfSigned.keyPem)),
    report: ['ITLS309'],
    assert: (f) => assert.match(f.find((x) => x.code === 'ITLS309')!.message, /--ca-file/),
  },
  { name: 'reports ITLS310 for an RSA 1024 leaf', yaml: cluster(GW(), secretWith(withChain(weak), weak.keyPem)), report: ['ITLS310'] },
  { name: 'reports ITLS311 for a client-only certificate', yaml: cluster(GW(), secretWith(withChain(clientOnly), clientOnly.keyPem)), report: ['ITLS311'] },
  { name: 'reports ITLS312 for a CA certificate served as the leaf', yaml: cluster(GW(), secretWith(withChain(caLeaf), caLeaf.keyPem)), report: ['ITLS312'] },
  { name: 'reports ITLS313 (info) when the root is included', yaml: cluster(GW(), tlsSecret({ data: { 'tls.crt': b64(chainPem(pki.leaf, { includeRoot: true })), 'tls.key': b64(pki.leaf.keyPem) } })), report: ['ITLS313'], silent: ['ITLS307'] },
  { name: 'reports ITLS314 for an unknown critical extension', yaml: cluster(GW(), secretWith(withChain(critical), critical.keyPem)), report: ['ITLS314'] },
  {
    name: 'groups per cause: one finding per problem of one secret, naming every host it breaks',
    yaml: cluster(GW(['a.shop.example.com', 'b.shop.example.com']), secretWith(pki.leaf.certPem, pki.leaf.keyPem)),
    assert: (f) => assert.deepEqual(hostsOf(one(f, 'ITLS306')).sort(), ['a.shop.example.com', 'b.shop.example.com']),
  },
  { name: 'stays silent when the credential secret is missing (ITLS201 covers it)', yaml: cluster(GW()), silent: ALL_3XX },
  {
    name: 'checks file-mounted certificates through the secret mounted at serverCertificate',
    yaml: docs(
      ISTIOD,
      ingressService(),
      ingressPod({
        mounts: '[{name: ingressgateway-certs, mountPath: /etc/istio/ingressgateway-certs, readOnly: true}]',
        volumes: '[{name: ingressgateway-certs, secret: {secretName: istio-ingressgateway-certs, optional: true}}]',
      }),
      gateway({ servers: `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["shop.example.com"]
    tls: {mode: SIMPLE, serverCertificate: /etc/istio/ingressgateway-certs/tls.crt, privateKey: /etc/istio/ingressgateway-certs/tls.key}` }),
      tlsSecret({ name: 'istio-ingressgateway-certs', data: { 'tls.crt': b64(withChain(expired)), 'tls.key': b64(expired.keyPem) } }),
    ),
    report: ['ITLS301'],
    assert: (f) => {
      const x = f.find((y) => y.code === 'ITLS301')!;
      // where the bytes came from is an evidence line (one voice: the message is the problem)
      assert.match(String(x.evidence.source), /mounted from secret istio-system\/istio-ingressgateway-certs key tls\.crt/);
      assert.ok(x.remediation!.commands!.some((c) => /^kubectl patch secret istio-ingressgateway-certs -n istio-system --type=merge/.test(c)));
    },
  },
  {
    name: 'stays silent on a healthy file-mounted certificate',
    yaml: fileMounted(['shop.example.com']),
    assert: (f) => assert.deepEqual(f, []),
  },
  // host "*" is judged one way, whichever way the certificate is loaded (issue 16): ITLS304 as info, same words
  {
    name: 'reports ITLS304 as info for host * on a file-mounted certificate, in the words of the credentialName path',
    yaml: docs(
      fileMounted(['*']),
      gateway({ name: 'sds', servers: httpsServer(['*'], 'shop-tls', 'SIMPLE', 8443) }),
      tlsSecret({ data: tlsData(pki.leaf) }),
    ),
    report: ['ITLS304'],
    assert: (f) => {
      const star = f.filter((x) => x.code === 'ITLS304');
      assert.deepEqual(star.map((x) => `${x.resource.name}:${x.host}:${x.severity}`).sort(), ['sds:*:info', 'web:*:info']);
      assert.equal(new Set(star.map((x) => x.message)).size, 1, 'one wording for both paths');
      assert.match(star[0].message, /^The Gateway host "\*" accepts any SNI/);
    },
  },
  {
    name: 'stays silent on ITLS304 for a file-mounted certificate whose names cover the host',
    yaml: fileMounted(['shop.example.com', 'x.shop.example.com']),
    silent: ['ITLS304'],
  },
]);
