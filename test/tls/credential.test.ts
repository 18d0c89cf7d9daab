import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { decodeCredential } from '../../src/tls/index.js';
import { chainPem, issueChain, issueCert } from '../../src/testing/certgen.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const { root, leaf } = await issueChain({ dns: ['cred.example.com'] });
const other = await issueCert({ dns: ['other.example.com'] });
const rsa = await issueCert({ dns: ['rsa.example.com'], keyType: 'rsa2048' });
const ed = await issueCert({ dns: ['ed.example.com'], keyType: 'ed25519' });
const tls = (crt: string | Buffer, key: string | Buffer) => ({ 'tls.crt': b64(crt), 'tls.key': b64(key) });
const codesOf = (d: ReturnType<typeof decodeCredential>) => d.issues.map((i) => `${i.code}:${i.severity}`);

test('a healthy tls.crt/tls.key pair decodes with the key matching the leaf and no issue', () => {
  const d = decodeCredential(tls(chainPem(leaf), leaf.keyPem));
  assert.deepEqual(d.issues, []);
  assert.equal(d.certKey, 'tls.crt');
  assert.equal(d.certificates.length, 2);
  assert.equal(d.keyMatchesLeaf, true);
  assert.equal(d.key?.format, 'pkcs8');
  assert.equal(d.key?.curve, 'prime256v1');
  assert.doesNotMatch(JSON.stringify(d.key), /MII|PRIVATE/);
});

test('cert/key win over tls.crt/tls.key, whatever the Secret type', () => {
  const d = decodeCredential({ cert: b64(other.certPem), key: b64(other.keyPem), ...tls(leaf.certPem, leaf.keyPem) });
  assert.equal(d.certKey, 'cert');
  assert.equal(d.certificates[0].dnsNames[0], 'other.example.com');
  const emptyGeneric = decodeCredential({ cert: '', key: '', ...tls(leaf.certPem, leaf.keyPem) });
  assert.equal(emptyGeneric.certKey, 'tls.crt', 'empty cert/key fall through to tls.crt/tls.key as Istio does');
});

test('ITLS202 for missing keys, empty values, swapped cert/key, several keys and double base64', () => {
  assert.match(decodeCredential({ 'ca.crt': b64(root.certPem) }).issues[0].message, /neither "cert"\+"key" nor "tls.crt"\+"tls.key"/);
  assert.match(decodeCredential({ 'tls.crt': '', 'tls.key': '' }).issues[0].message, /but both are empty/);
  assert.match(decodeCredential({ 'tls.crt': b64(leaf.certPem) }).issues[0].message, /private key is missing/);
  const swapped = decodeCredential(tls(leaf.keyPem, leaf.certPem));
  assert.ok(swapped.issues.every((i) => i.code === 'ITLS202'));
  assert.match(swapped.issues[0].message, /swapped/);
  const twoKeys = decodeCredential(tls(leaf.certPem, leaf.keyPem + other.keyPem));
  assert.ok(twoKeys.issues.some((i) => i.code === 'ITLS202' && /2 private keys/.test(i.message)));
  const twice = decodeCredential(tls(b64(chainPem(leaf)), leaf.keyPem));
  assert.ok(twice.issues.some((i) => i.code === 'ITLS202' && /encoded twice/.test(i.message)));
  const der = decodeCredential(tls(new X509Certificate(leaf.certPem).raw, leaf.keyPem));
  assert.ok(der.issues.some((i) => i.code === 'ITLS202' && /DER/.test(i.message)));
  for (const d of [swapped, twoKeys, twice, der]) assert.doesNotMatch(JSON.stringify(d.issues), /PRIVATE KEY-----|MII[A-Za-z0-9+/]{20}/);
});

test('ITLS203 when the key belongs to another certificate, naming the position when the chain is upside down', () => {
  const d = decodeCredential(tls(leaf.certPem, other.keyPem));
  assert.equal(d.keyMatchesLeaf, false);
  assert.deepEqual(codesOf(d), ['ITLS203:error']);
  const upsideDown = decodeCredential(tls(leaf.chain[0].certPem + leaf.certPem, leaf.keyPem));
  assert.match(upsideDown.issues.find((i) => i.code === 'ITLS203')!.message, /certificate #2 .*put that certificate first/);
});

test('reads RSA PKCS#1, EC SEC1 and PKCS#8 keys; Ed25519 certificates are ITLS204 (Envoy serves only RSA and ECDSA)', () => {
  const pkcs1 = createPrivateKey(rsa.keyPem).export({ type: 'pkcs1', format: 'pem' }) as string;
  const d1 = decodeCredential(tls(rsa.certPem, pkcs1));
  assert.deepEqual(d1.issues, []);
  assert.equal(d1.key?.format, 'pkcs1');
  assert.equal(d1.key?.bits, 2048);
  const sec1 = createPrivateKey(leaf.keyPem).export({ type: 'sec1', format: 'pem' }) as string;
  const d2 = decodeCredential(tls(leaf.certPem, sec1));
  assert.deepEqual(d2.issues, []);
  assert.equal(d2.key?.format, 'sec1');
  const d3 = decodeCredential(tls(ed.certPem, ed.keyPem));
  assert.equal(d3.keyMatchesLeaf, true);
  assert.deepEqual(codesOf(d3), ['ITLS204:error']);
  assert.match(d3.issues[0].message, /only serves RSA and ECDSA/);
});

test('ITLS204 for PKCS#8 encrypted and legacy Proc-Type encrypted keys', () => {
  const enc = createPrivateKey(leaf.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
  const d = decodeCredential(tls(leaf.certPem, enc));
  assert.deepEqual(codesOf(d), ['ITLS204:error']);
  assert.equal(d.key?.encrypted, true);
  const legacy = createPrivateKey(rsa.keyPem).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'secret' }) as string;
  assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
  const d2 = decodeCredential(tls(rsa.certPem, legacy));
  assert.deepEqual(codesOf(d2), ['ITLS204:error']);
  assert.equal(d2.key?.format, 'legacy-encrypted');
});

test('CA bundle: the <name>-cacert secret wins, then cacert, then ca.crt; ITLS205 when empty or not CAs', () => {
  const main = { ...tls(leaf.certPem, leaf.keyPem), 'ca.crt': b64(other.certPem), cacert: b64(root.certPem) };
  const d = decodeCredential(main);
  assert.equal(d.caKey, 'cacert');
  assert.equal(d.caCertificates[0].commonName, 'Certgen Root CA');
  const fromSecret = decodeCredential(main, { 'ca.crt': b64(root.certPem) });
  assert.equal(fromSecret.caSource, 'cacert-secret');
  assert.equal(fromSecret.caKey, 'ca.crt');
  assert.deepEqual(fromSecret.issues, []);
  const empty = decodeCredential({ ...tls(leaf.certPem, leaf.keyPem), 'ca.crt': '' });
  assert.match(empty.issues.find((i) => i.code === 'ITLS205')!.message, /found key "ca.crt" .* empty/);
  const notCa = decodeCredential({ ...tls(leaf.certPem, leaf.keyPem), 'ca.crt': b64(other.certPem) });
  assert.match(notCa.issues.find((i) => i.code === 'ITLS205')!.message, /holds no CA certificate/);
  assert.equal(decodeCredential(tls(leaf.certPem, leaf.keyPem)).caKey, undefined);
});
