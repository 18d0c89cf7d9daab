import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { issueCert, issueChain, chainPem } from '../../src/testing/certgen.js';

test('certgen issues a leaf signed by its intermediate, with SANs and a matching key', async () => {
  const { root, intermediates, leaf } = await issueChain({ dns: ['a.example.com', '*.b.example.com'], keyType: 'p256' });
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(cert.subjectAltName, 'DNS:a.example.com, DNS:*.b.example.com');
  assert.ok(cert.verify(new X509Certificate(intermediates[0].certPem).publicKey));
  assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.keyPem)));
  assert.ok(new X509Certificate(root.certPem).ca);
  assert.equal(leaf.chain.length, 2);
});

test('chainPem leaves the self-signed root out unless asked', async () => {
  const { root, leaf } = await issueChain({ dns: ['x.example.com'], intermediates: 2 });
  const count = (s: string) => s.split('BEGIN CERTIFICATE').length - 1;
  assert.equal(count(chainPem(leaf)), 3);
  assert.equal(count(chainPem(leaf, { includeRoot: true })), 4);
  assert.ok(chainPem(leaf, { includeRoot: true }).endsWith(root.certPem.trimEnd() + '\n'));
});

test('certgen honours key type, hash, dates and omitSan', async () => {
  const notAfter = new Date('2030-01-01T00:00:00Z');
  for (const keyType of ['rsa2048', 'p384', 'ed25519'] as const) {
    const c = await issueCert({ cn: 'only-cn.example.com', keyType, omitSan: true, notAfter });
    const cert = new X509Certificate(c.certPem);
    assert.equal(cert.subjectAltName, undefined);
    assert.equal(new Date(cert.validTo).toISOString(), notAfter.toISOString());
  }
  const sha1 = await issueCert({ cn: 'sha1.example.com', keyType: 'rsa2048', hash: 'SHA-1' });
  assert.match(new X509Certificate(sha1.certPem).toString(), /BEGIN CERTIFICATE/);
});
