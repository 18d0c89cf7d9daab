// Evidence that shows Istio's reading (issue 13): which secret keys were read and which ignored
// (cert/key before tls.crt/tls.key; the <name>-cacert secret before ca.crt), what an ignored tls.crt
// holds when it matters, and both public-key hashes of a key mismatch in the table view.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { certificatesCheck } from '../../src/checks/certificates.js';
import { credentialsCheck } from '../../src/checks/credentials.js';
import type { Finding } from '../../src/findings/types.js';
import { renderReport, type Report } from '../../src/report/index.js';
import { issueCert, chainPem, type IssuedCert } from '../../src/testing/certgen.js';
import { decodeCredential } from '../../src/tls/index.js';
import { b64, cluster, gateway, httpsServer, pki, run, tlsData, tlsSecret } from './certs-support.js';

let other: IssuedCert;
before(async () => {
  other = await issueCert({ cn: 'other.example.com', dns: ['other.example.com'], issuer: pki.intermediates[0], keyType: 'p256', extKeyUsage: ['serverAuth'] });
});

function secretWithBoth(): string {
  return tlsSecret({ type: 'Opaque', data: { cert: b64(chainPem(other)), key: b64(other.keyPem), ...tlsData(pki.leaf) } });
}

function table(findings: Finding[]): string {
  const summary = { error: 0, warning: 0, info: 0 };
  for (const f of findings) summary[f.severity]++;
  const report: Report = { generatedAt: '2026-06-01T00:00:00.000Z', command: 'doctor', source: { kind: 'offline', files: ['x.yaml'] }, failOn: 'error', summary, hostsChecked: 1, findings, hosts: [] };
  return renderReport(report, 'table', { color: false, width: 120 });
}

describe("Istio's reading of a secret", () => {
  it('decodeCredential names the keys it ignored and what an ignored tls.crt holds', () => {
    const d = decodeCredential({ cert: b64(chainPem(other)), key: b64(other.keyPem), ...tlsData(pki.leaf), 'ca.crt': b64(pki.root.certPem) }, { 'ca.crt': b64(pki.root.certPem) });
    assert.equal(d.certKey, 'cert');
    assert.deepEqual(d.ignoredKeys, ['tls.crt', 'tls.key', 'ca.crt']);
    assert.deepEqual(d.ignoredCertificates?.[0].dnsNames, ['shop.example.com', '*.shop.example.com']);
    const plain = decodeCredential(tlsData(pki.leaf));
    assert.equal(plain.ignoredKeys, undefined);
    assert.equal(plain.ignoredCertificates, undefined);
  });

  it('cert covers another host while the ignored tls.crt covers this one: the finding says so, with the keys read and ignored', () => {
    const findings = run(certificatesCheck, { yaml: cluster(secretWithBoth(), gateway({ servers: httpsServer(['shop.example.com']) })) });
    const f = findings.find((x) => x.code === 'ITLS304');
    assert.ok(f, findings.map((x) => x.code).join(','));
    assert.match(f.message, /tls\.crt in the same secret holds a certificate without this problem .*covering shop\.example\.com.*Istio serves cert\/key/);
    assert.equal(f.evidence.keysRead, 'cert, key');
    assert.match(String(f.evidence.keysIgnored), /^tls\.crt, tls\.key \(Istio reads cert\/key before tls\.crt\/tls\.key\)/);
    assert.match(String(f.evidence.ignoredTlsCrt), /SANs shop\.example\.com, \*\.shop\.example\.com/);
    assert.match(table([f]), /keys ignored: tls\.crt, tls\.key/);
  });

  it('stays silent about keys when only tls.crt/tls.key are there', () => {
    const findings = run(certificatesCheck, { yaml: cluster(tlsSecret({ data: tlsData(other) }), gateway({ servers: httpsServer(['shop.example.com']) })) });
    const f = findings.find((x) => x.code === 'ITLS304');
    assert.ok(f);
    assert.equal(f.evidence.keysIgnored, undefined);
    assert.doesNotMatch(f.message, /same secret holds/);
  });

  it('a key mismatch shows both public-key hashes in the table view', () => {
    const findings = run(credentialsCheck, { yaml: cluster(tlsSecret({ data: { 'tls.crt': b64(chainPem(pki.leaf)), 'tls.key': b64(other.keyPem) } }), gateway({ servers: httpsServer(['shop.example.com']) })) });
    const f = findings.find((x) => x.code === 'ITLS203');
    assert.ok(f, findings.map((x) => x.code).join(','));
    const text = table([f]);
    assert.ok(text.includes(`leaf public key sha256: ${String(f.evidence.leafPublicKeySha256)}`), text);
    assert.ok(text.includes(`key public key sha256: ${String(f.evidence.keyPublicKeySha256)}`), text);
    assert.notEqual(f.evidence.leafPublicKeySha256, f.evidence.keyPublicKeySha256);
  });
});
