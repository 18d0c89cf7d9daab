import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTrustStore, parseCertificates, privateRootOf, validateChain } from '../../src/tls/index.js';
import type { ChainReport } from '../../src/tls/types.js';
import { chainPem, issueCert, issueChain, type IssuedCert, type KeyType } from '../../src/testing/certgen.js';

const NOW = new Date();
const DAY = 86_400_000;

function validate(pems: string[], anchors: IssuedCert[], host?: string, now = NOW): ChainReport {
  const store = loadTrustStore(anchors.map((a) => a.certPem).join(''), { includeBundled: false });
  const bundle = parseCertificates(pems.join('')).certificates;
  return validateChain(bundle, { trustStore: store, now, host });
}

// AuthorityInfoAccess: SEQUENCE { SEQUENCE { id-ad-caIssuers, [6] "http://ca.example/i.der" } }
const AIA_URL = Buffer.from('http://ca.example/i.der');
const AIA_DER = new Uint8Array([0x30, AIA_URL.length + 14, 0x30, AIA_URL.length + 12, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86, AIA_URL.length, ...AIA_URL]);

const errors = (r: ChainReport) => r.issues.filter((i) => i.severity === 'error').map((i) => i.code);
const codes = (r: ChainReport) => r.issues.map((i) => i.code);

for (const keyType of ['p256', 'p384', 'rsa2048', 'rsa4096', 'ed25519'] as KeyType[]) {
  test(`a healthy ${keyType} chain from a private CA given as trust anchor is trusted with no error or warning`, async () => {
    const { root, leaf } = await issueChain({ dns: ['app.example.com'], keyType, intermediates: 1 });
    const r = validate([chainPem(leaf)], [root], 'app.example.com');
    assert.deepEqual(r.issues, []);
    assert.equal(r.trusted, true);
    assert.equal(r.path.length, 3);
  });
}

for (const depth of [0, 1, 2, 3]) {
  test(`builds a path through ${depth} intermediate(s)`, async () => {
    const { root, leaf } = await issueChain({ dns: ['d.example.com'], intermediates: depth });
    const r = validate([chainPem(leaf)], [root], 'd.example.com');
    assert.deepEqual(errors(r), []);
    assert.equal(r.path.length, depth + 2);
  });
}

test('a shuffled bundle is still trusted (leaf first), with ITLS307 for the order', async () => {
  const { root, intermediates, leaf } = await issueChain({ dns: ['s.example.com'], intermediates: 3 });
  const r = validate([leaf.certPem, intermediates[0].certPem, intermediates[2].certPem, intermediates[1].certPem], [root]);
  assert.equal(r.trusted, true);
  assert.deepEqual(codes(r), ['ITLS307']);
  assert.match(r.issues[0].message, /out of order/);
});

test('duplicates and strays are ITLS307 warnings, the root in the bundle is ITLS313 info', async () => {
  const { root, intermediates, leaf } = await issueChain({ dns: ['x.example.com'] });
  const stray = await issueCert({ cn: 'Unrelated CA', ca: true });
  const r = validate([leaf.certPem, intermediates[0].certPem, intermediates[0].certPem, stray.certPem, root.certPem], [root]);
  assert.equal(r.trusted, true);
  assert.deepEqual(errors(r), []);
  assert.ok(r.issues.some((i) => i.code === 'ITLS307' && /2 times/.test(i.message)));
  assert.ok(r.issues.some((i) => i.code === 'ITLS307' && /Unrelated CA/.test(i.message)));
  assert.ok(r.issues.some((i) => i.code === 'ITLS313' && i.severity === 'info'));
});

test('follows a cross-sign to the trusted root and backtracks past a same-name issuer with another key', async () => {
  const rootA = await issueCert({ cn: 'Root A', ca: true });
  const rootB = await issueCert({ cn: 'Root B', ca: true });
  const crossB = await issueCert({ cn: 'Root B', ca: true, issuer: rootA, keyPem: rootB.keyPem });
  const inter = await issueCert({ cn: 'Issuing CA', ca: true, issuer: rootB });
  const impostor = await issueCert({ cn: 'Issuing CA', ca: true, issuer: rootB });
  const leaf = await issueCert({ dns: ['cross.example.com'], issuer: inter });
  const r = validate([leaf.certPem, impostor.certPem, inter.certPem, crossB.certPem], [rootA], 'cross.example.com');
  assert.equal(r.trusted, true, JSON.stringify(r.issues));
  assert.deepEqual(r.path.map((c) => c.commonName), ['cross.example.com', 'Issuing CA', 'Root B', 'Root A']);
});

test('prefers a valid path when one candidate issuer has expired', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const oldInter = await issueCert({ cn: 'Inter', ca: true, issuer: root, keyPem: undefined, notAfter: new Date(NOW.getTime() - DAY) });
  const inter = await issueCert({ cn: 'Inter', ca: true, issuer: root, keyPem: oldInter.keyPem });
  const leaf = await issueCert({ dns: ['e.example.com'], issuer: inter });
  const r = validate([leaf.certPem, oldInter.certPem, inter.certPem], [root]);
  assert.deepEqual(errors(r), []);
});

test('ITLS301 for an expired leaf or intermediate, ITLS303 for one not yet valid; silent at notAfter exactly', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const expiredInter = await issueCert({ cn: 'Inter', ca: true, issuer: root, notAfter: new Date(NOW.getTime() - 2 * DAY) });
  const leaf1 = await issueCert({ dns: ['a.example.com'], issuer: expiredInter });
  const r1 = validate([leaf1.certPem, expiredInter.certPem], [root]);
  assert.deepEqual(errors(r1), ['ITLS301']);
  assert.match(r1.issues[0].message, /intermediate "Inter" expired/);

  const notAfter = new Date(Math.floor(NOW.getTime() / 1000) * 1000 + 10 * DAY);
  const leaf2 = await issueCert({ dns: ['a.example.com'], issuer: root, notAfter });
  assert.deepEqual(errors(validate([leaf2.certPem], [root], undefined, new Date(notAfter.getTime() + 1000))), ['ITLS301']);
  assert.deepEqual(errors(validate([leaf2.certPem], [root], undefined, notAfter)), []);
  const future = await issueCert({ dns: ['a.example.com'], issuer: root, notBefore: new Date(NOW.getTime() + DAY) });
  assert.deepEqual(errors(validate([future.certPem], [root])), ['ITLS303']);
});

test('ITLS306 when an intermediate is missing, ITLS309 for an untrusted self-signed root, ITLS308 for a bad signature', async () => {
  const { root, intermediates, leaf } = await issueChain({ dns: ['m.example.com'] });
  // a CA that publishes its intermediates: the leaf carries an Authority Information Access extension
  const publicStyle = await issueCert({ dns: ['m.example.com'], issuer: intermediates[0], extraExtensions: [{ oid: '1.3.6.1.5.5.7.1.1', critical: false, valueDer: AIA_DER }] });
  const missing = validate([publicStyle.certPem], [root]);
  assert.deepEqual(errors(missing), ['ITLS306']);
  assert.match(missing.issues[0].message, /missing the intermediate "Certgen Intermediate 1" \(authority key id [0-9A-Fa-f:]+\)/);
  assert.ok(missing.issues[0].evidence?.missingAuthorityKeyId);

  const untrusted = validate([leaf.certPem, intermediates[0].certPem, root.certPem], []);
  assert.deepEqual(untrusted.issues.filter((i) => i.code === 'ITLS309').map((i) => i.severity), ['warning']);
  assert.equal(untrusted.trusted, false);

  const selfSigned = await issueCert({ dns: ['self.example.com'] });
  assert.deepEqual(errors(validate([selfSigned.certPem], [])), ['ITLS309']);
  assert.deepEqual(errors(validate([selfSigned.certPem], [selfSigned], 'self.example.com')), []);

  const rekeyed = await issueCert({ cn: 'Certgen Intermediate 1', o: 'certgen', ca: true, issuer: root });
  const bad = validate([leaf.certPem, rekeyed.certPem], [root]);
  assert.deepEqual(errors(bad), ['ITLS308']);
});

test('ITLS310 for weak keys and SHA-1 signatures', async () => {
  const root = await issueCert({ cn: 'Root', ca: true, keyType: 'rsa2048' });
  const weak = await issueCert({ dns: ['w.example.com'], keyType: 'rsa1024', issuer: root });
  assert.ok(errors(validate([weak.certPem], [root])).includes('ITLS310'));
  const sha1 = await issueCert({ dns: ['w.example.com'], issuer: root, hash: 'SHA-1' });
  const r = validate([sha1.certPem], [root]);
  assert.deepEqual(errors(r), ['ITLS310']);
  assert.match(r.issues[0].message, /SHA-1/);
});

test('ITLS311 for a leaf without serverAuth or digitalSignature; silent without EKU', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const client = await issueCert({ dns: ['c.example.com'], issuer: root, extKeyUsage: ['clientAuth'] });
  assert.deepEqual(errors(validate([client.certPem], [root])), ['ITLS311']);
  const noDs = await issueCert({ dns: ['c.example.com'], issuer: root, keyUsage: ['keyAgreement'] });
  assert.deepEqual(errors(validate([noDs.certPem], [root])), ['ITLS311']);
  const noEku = await issueCert({ dns: ['c.example.com'], issuer: root, extKeyUsage: [] });
  assert.deepEqual(errors(validate([noEku.certPem], [root])), []);
});

test('ITLS312 for a CA leaf, a non-CA intermediate and a pathLen violation', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const caLeaf = await issueCert({ dns: ['ca.example.com'], ca: true, issuer: root, keyUsage: ['digitalSignature', 'keyCertSign'] });
  assert.deepEqual(errors(validate([caLeaf.certPem], [root])), ['ITLS312']);
  const notCa = await issueCert({ cn: 'Fake Intermediate', issuer: root, dns: ['fake.example.com'], keyUsage: ['digitalSignature', 'keyCertSign'] });
  const leaf = await issueCert({ dns: ['l.example.com'], issuer: notCa });
  assert.ok(errors(validate([leaf.certPem, notCa.certPem], [root])).includes('ITLS312'));
  const p0 = await issueCert({ cn: 'P0', ca: true, pathLen: 0, issuer: root });
  const below = await issueCert({ cn: 'Below', ca: true, issuer: p0 });
  const leaf2 = await issueCert({ dns: ['l.example.com'], issuer: below });
  const r = validate([leaf2.certPem, below.certPem, p0.certPem], [root]);
  assert.deepEqual(errors(r), ['ITLS312']);
  assert.match(r.issues.find((i) => i.code === 'ITLS312')!.message, /pathLen 0/);
});

test('ITLS314 for a name-constraint violation and an unknown critical extension; silent inside the permitted subtree', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const nc = await issueCert({ cn: 'Corp CA', ca: true, issuer: root, nameConstraints: { permittedDns: ['corp.example'] } });
  const inside = await issueCert({ dns: ['app.corp.example'], issuer: nc });
  assert.deepEqual(errors(validate([inside.certPem, nc.certPem], [root])), []);
  const outside = await issueCert({ dns: ['app.example.com'], issuer: nc });
  assert.deepEqual(errors(validate([outside.certPem, nc.certPem], [root])), ['ITLS314']);
  const critical = await issueCert({ dns: ['x.example.com'], issuer: root, extraExtensions: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: true }] });
  assert.deepEqual(errors(validate([critical.certPem], [root])), ['ITLS314']);
  const nonCritical = await issueCert({ dns: ['x.example.com'], issuer: root, extraExtensions: [{ oid: '1.3.6.1.4.1.55738.666.1', critical: false }] });
  assert.deepEqual(errors(validate([nonCritical.certPem], [root])), []);
});

test('ITLS304 and ITLS305 for the host when given', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const leaf = await issueCert({ dns: ['a.example.com'], issuer: root });
  assert.deepEqual(errors(validate([leaf.certPem], [root], 'b.example.com')), ['ITLS304']);
  const cnOnly = await issueCert({ cn: 'cn-only.example.com', omitSan: true, issuer: root });
  assert.deepEqual(errors(validate([cnOnly.certPem], [root], 'cn-only.example.com')), ['ITLS305']);
});

test('a public chain anchors in the bundled Mozilla roots', () => {
  const store = loadTrustStore();
  assert.ok(store.anchors.length > 100);
  assert.match(store.description, /Mozilla roots/);
});

test('ITLS315 warning (not an error: clients ignore the CN) for a host-name CN that is not one of the SANs; silent for a CN that is not a host name', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const mismatch = await issueCert({ cn: 'www.example.com', dns: ['api.example.com'], issuer: root });
  const r = validate([mismatch.certPem], [root], 'api.example.com');
  assert.deepEqual(errors(r), []);
  assert.deepEqual(r.issues.map((i) => [i.code, i.severity]), [['ITLS315', 'warning']]);
  assert.match(r.issues[0].message, /CN "www\.example\.com" is not one of its DNS SANs/);
  const plainCn = await issueCert({ cn: 'my-service', dns: ['api.example.com'], issuer: root });
  assert.deepEqual(validate([plainCn.certPem], [root], 'api.example.com').issues.map((i) => i.code), []);
  const sameCn = await issueCert({ cn: 'api.example.com', dns: ['api.example.com', 'www.example.com'], issuer: root });
  assert.deepEqual(validate([sameCn.certPem], [root], 'www.example.com').issues.map((i) => i.code), []);
});

test('ITLS312 for an intermediate restricted to clientAuth and a CA without keyCertSign', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const clientCa = await issueCert({ cn: 'Client CA', ca: true, issuer: root, extKeyUsage: ['clientAuth'] });
  const leaf = await issueCert({ dns: ['c.example.com'], issuer: clientCa });
  assert.deepEqual(errors(validate([leaf.certPem, clientCa.certPem], [root])), ['ITLS312']);
  const serverCa = await issueCert({ cn: 'Server CA', ca: true, issuer: root, extKeyUsage: ['serverAuth', 'clientAuth'] });
  const leaf2 = await issueCert({ dns: ['c.example.com'], issuer: serverCa });
  assert.deepEqual(errors(validate([leaf2.certPem, serverCa.certPem], [root])), []);
  const noSign = await issueCert({ cn: 'No Sign CA', ca: true, issuer: root, keyUsage: ['digitalSignature', 'cRLSign'] });
  const leaf3 = await issueCert({ dns: ['c.example.com'], issuer: noSign });
  assert.deepEqual(errors(validate([leaf3.certPem, noSign.certPem], [root])), ['ITLS312']);
});

test('ITLS307 at error level when the bundle starts with the CA instead of the leaf', async () => {
  const { root, intermediates, leaf } = await issueChain({ dns: ['o.example.com'] });
  const r = validate([intermediates[0].certPem, leaf.certPem], [root]);
  const order = r.issues.find((i) => i.code === 'ITLS307')!;
  assert.equal(order.severity, 'error');
  assert.match(order.message, /Put "o\.example\.com" first/);
});

test('matches issuer and subject names the RFC 5280 way: string type, case and spacing do not matter', async () => {
  const root = await issueCert({ cn: 'Root', ca: true });
  const inter = await issueCert({ subjectJson: [{ CN: [{ printableString: 'Mixed  Encoding CA' }] }], ca: true, issuer: root });
  const leaf = await issueCert({ dns: ['n.example.com'], issuer: inter, issuerNameOverride: 'CN=mixed encoding ca' });
  const r = validate([leaf.certPem, inter.certPem], [root], 'n.example.com');
  assert.deepEqual(errors(r), []);
  assert.equal(r.path.length, 3);
});

test('a complete chain ending at a private root is one ITLS309 warning naming the root, not an incomplete chain', async () => {
  const { root, intermediates, leaf } = await issueChain({ dns: ['p.example.com'] });
  for (const bundle of [[leaf.certPem, intermediates[0].certPem], [leaf.certPem, intermediates[0].certPem, root.certPem]]) {
    const r = validate(bundle, []);
    const trust = r.issues.filter((i) => i.code === 'ITLS306' || i.code === 'ITLS309');
    assert.deepEqual(trust.map((i) => `${i.code}:${i.severity}`), ['ITLS309:warning']);
    assert.match(trust[0].message, /private root "Certgen Root CA"/);
    assert.match(trust[0].message, /--ca-file/);
    assert.equal(privateRootOf(r), 'CN=Certgen Root CA, O=certgen');
  }
  // the same chain with --ca-file naming other roots: the user said what clients trust, so it is refused
  const other = await issueCert({ cn: 'Other Root', ca: true });
  const refused = validate([leaf.certPem, intermediates[0].certPem], [other]);
  assert.deepEqual(errors(refused), ['ITLS309']);
  assert.equal(privateRootOf(refused), undefined);
});

test('a bare leaf issued straight by a private root: ITLS309 warning; the credential CA bundle settles what its issuer is', async () => {
  const root = await issueCert({ cn: 'Corp Root', ca: true });
  const leaf = await issueCert({ dns: ['b.example.com'], issuer: root });
  const bare = validate([leaf.certPem], []);
  assert.deepEqual(bare.issues.map((i) => `${i.code}:${i.severity}`), ['ITLS309:warning']);
  const store = loadTrustStore('', { includeBundled: false });
  const bundle = parseCertificates(leaf.certPem).certificates;
  // ca.crt holds the root: confirmed private root
  const hinted = validateChain(bundle, { trustStore: store, now: NOW, caHints: parseCertificates(root.certPem).certificates });
  assert.match(hinted.issues[0].message, /complete but ends at the private root "Corp Root"/);
  // ca.crt holds an intermediate that tls.crt lacks: that is a missing intermediate
  const { intermediates, leaf: leaf2 } = await issueChain({ dns: ['c.example.com'] });
  const withInter = validateChain(parseCertificates(leaf2.certPem).certificates, { trustStore: store, now: NOW, caHints: parseCertificates(intermediates[0].certPem).certificates });
  assert.deepEqual(errors(withInter), ['ITLS306']);
  assert.match(withInter.issues[0].message, /CA bundle holds it/);
});
