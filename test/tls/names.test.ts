import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchHost } from '../../src/tls/index.js';
import { dnsNameViolates } from '../../src/tls/names.js';
import type { CertFacts } from '../../src/tls/types.js';

function leaf(dnsNames: string[], ipAddresses: string[] = [], commonName?: string): CertFacts {
  return {
    index: 0, pem: '', subject: commonName ? `CN=${commonName}` : '', issuer: 'CN=ca', commonName, serialNumber: '01', fingerprint256: 'AA',
    notBefore: '2020-01-01T00:00:00Z', notAfter: '2030-01-01T00:00:00Z', version: 3, dnsNames, ipAddresses,
    signatureAlgorithm: 'ecdsa-with-SHA256', publicKey: { type: 'ec', curve: 'prime256v1', spkiSha256: '00' }, selfIssued: false,
  };
}

const covered: [string, string[], string][] = [
  ['exact name', ['a.example.com'], 'a.example.com'],
  ['case-insensitive', ['A.Example.COM'], 'a.example.com'],
  ['trailing dot on the host', ['a.example.com'], 'a.example.com.'],
  ['trailing dot on the SAN', ['a.example.com.'], 'a.example.com'],
  ['wildcard one label deep', ['*.example.com'], 'x.example.com'],
  ['Gateway wildcard needs the same wildcard SAN', ['*.example.com'], '*.example.com'],
  ['IDN host in U-label against an A-label SAN', ['xn--bcher-kva.example'], 'bücher.example'],
  ['IP host against an IP SAN', [], '10.0.0.5'],
  ['IPv6 host in another spelling', [], '2001:db8:0:0::1'],
];

for (const [what, sans, host] of covered) {
  test(`covers: ${what}`, () => {
    const ips = host.includes(':') ? ['2001:db8::1'] : ['10.0.0.5'];
    const m = matchHost(host, leaf(sans, ips));
    assert.equal(m.covered, true, m.reason);
  });
}

const notCovered: [string, string[], string, RegExp][] = [
  ['wildcard does not cover the apex', ['*.example.com'], 'example.com', /bare domain/],
  ['wildcard does not cover two labels', ['*.example.com'], 'a.b.example.com', /exactly one label/],
  ['partial wildcard', ['f*.example.com'], 'foo.example.com', /not the whole left-most label/],
  ['wildcard not left-most', ['foo.*.example.com'], 'foo.bar.example.com', /not the whole left-most label|covers/],
  ['wildcard over a public suffix', ['*.com'], 'example.com', /public suffix/],
  ['wildcard over a multi-label public suffix', ['*.co.uk'], 'example.co.uk', /public suffix/],
  ['wildcard over a private public suffix', ['*.s3.amazonaws.com'], 'bucket.s3.amazonaws.com', /public suffix/],
  ['bare * SAN', ['*'], 'example.com', /matches nothing/],
  ['Gateway wildcard against concrete SANs', ['a.example.com', 'b.example.com'], '*.example.com', /needs the SAN \*\.example\.com/],
  ['Gateway wildcard against a deeper wildcard', ['*.a.example.com'], '*.example.com', /needs the SAN/],
  ['unrelated name', ['a.example.com'], 'b.example.com', /covers a\.example\.com; the Gateway asks for b\.example\.com/],
  ['no CN fallback', [], 'cn.example.com', /no DNS SAN at all \(only the subject CN/],
  ['IP host without IP SAN', ['10.0.0.5'], '10.0.0.5', /IP address/],
  ['Gateway host *', ['a.example.com'], '*', /can be checked/],
];

for (const [what, sans, host, reason] of notCovered) {
  test(`does not cover: ${what}`, () => {
    const m = matchHost(host, leaf(sans, [], 'cn.example.com'));
    assert.equal(m.covered, false);
    assert.match(m.reason ?? '', reason);
  });
}

test('name constraints: a wildcard SAN is outside a narrower permitted subtree and collides with an excluded one', () => {
  assert.equal(dnsNameViolates('a.example.com', ['example.com'], []), undefined);
  assert.match(dnsNameViolates('a.example.org', ['example.com'], []) ?? '', /outside the permitted/);
  assert.match(dnsNameViolates('*.example.com', ['foo.example.com'], []) ?? '', /outside/);
  assert.match(dnsNameViolates('*.example.com', [], ['bar.example.com']) ?? '', /can stand for/);
  assert.equal(dnsNameViolates('*.foo.com', ['foo.com'], []), undefined);
  assert.equal(dnsNameViolates('notexample.com', [], ['example.com']), undefined);
});
