import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { parseCertificates } from '../../src/tls/index.js';
import { readPem } from '../../src/tls/pem.js';
import { issueChain, chainPem } from '../../src/testing/certgen.js';

const { leaf } = await issueChain({ dns: ['pem.example.com'], intermediates: 1 });
const bundle = chainPem(leaf);
const codes = (r: { issues: { code: string; severity: string }[] }) => r.issues.filter((i) => i.severity === 'error').map((i) => i.code);

test('parses every block of a bundle, in order, with fingerprints matching node', () => {
  const r = parseCertificates(bundle);
  assert.equal(r.certificates.length, 2);
  assert.deepEqual(codes(r), []);
  assert.equal(r.certificates[0].fingerprint256, new X509Certificate(leaf.certPem).fingerprint256);
  assert.deepEqual(r.certificates[0].dnsNames, ['pem.example.com']);
  assert.equal(r.certificates[1].isCA, true);
});

test('tolerates CRLF, surrounding whitespace and text between blocks as OpenSSL does', () => {
  const messy = `\n\n  subject=CN=pem.example.com\r\n${bundle.replace(/\n/g, '\r\n')}\r\n# issuer follows\r\n\t \n`;
  const r = parseCertificates(messy);
  assert.equal(r.certificates.length, 2);
  assert.deepEqual(codes(r), []);
});

test('reports base64 encoded twice, DER, a key in the certificate field and empty values', () => {
  const twice = parseCertificates(Buffer.from(bundle).toString('base64'));
  assert.equal(twice.certificates.length, 2, 'still reads what is inside');
  assert.match(twice.issues[0].message, /base64-encoded twice/);

  const der = new X509Certificate(leaf.certPem).raw;
  const derResult = parseCertificates(der);
  assert.equal(derResult.certificates.length, 1);
  assert.match(derResult.issues[0].message, /DER \(binary\)/);

  const keyOnly = parseCertificates(leaf.keyPem);
  assert.equal(keyOnly.certificates.length, 0);
  assert.match(keyOnly.issues[0].message, /holds no certificate: found 1 private key/);
  assert.doesNotMatch(JSON.stringify(keyOnly), /PRIVATE KEY-----|MII/);

  assert.match(parseCertificates('   \n').issues[0].message, /is empty/);
  assert.match(parseCertificates('hello world, not a certificate').issues[0].message, /neither PEM nor base64/);
});

test('readPem keeps RFC 1421 headers of legacy encrypted keys', () => {
  const r = readPem(`-----BEGIN RSA ${'PRIVATE'} KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA ${'PRIVATE'} KEY-----\n`);
  assert.equal(r.blocks[0].headers['Proc-Type'], '4,ENCRYPTED');
});
