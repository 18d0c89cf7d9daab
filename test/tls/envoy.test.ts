// Which server certificates each Envoy release loads (docs/envoy-key-limits.md), judged on real keys.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { envoyAccepts, envoyOfProxyImage, envoyRefusesForVersion, parseCertificates, type CertFacts, type EnvoyBuild } from '../../src/tls/index.js';
import { issueCert, type KeyType } from '../../src/testing/certgen.js';

const leafs = new Map<KeyType, CertFacts>();
const build = (image: string): EnvoyBuild => {
  const b = envoyOfProxyImage(image);
  assert.ok(b, image);
  return b;
};

describe('Envoy release from the proxy image', () => {
  it('maps an Istio tag to Envoy minor + 8, with or without a variant suffix, and sees FIPS builds', () => {
    assert.deepEqual(
      [build('docker.io/istio/proxyv2:1.24.2'), build('gcr.io/istio-release/proxyv2:1.25.0-distroless')].map((b) => [b.istio, b.envoy, b.fips]),
      [
        ['1.24.2', '1.32', false],
        ['1.25.0', '1.33', false],
      ],
    );
    assert.equal(build('registry.example/proxyv2:1.22.1-tetratefips-v0').fips, true);
  });

  it('gives no release for a digest-only image or no tag', () => {
    assert.equal(envoyOfProxyImage('docker.io/istio/proxyv2@sha256:0123456789abcdef'), undefined);
    assert.equal(envoyOfProxyImage('localhost:5000/proxyv2'), undefined);
    assert.equal(envoyOfProxyImage(undefined), undefined);
  });
});

describe('keys a release refuses', () => {
  before(async () => {
    for (const t of ['p256', 'p384', 'p521', 'rsa2048', 'rsa4096'] as KeyType[]) {
      const c = await issueCert({ cn: 'shop.example.com', dns: ['shop.example.com'], keyType: t });
      leafs.set(t, parseCertificates(c.certPem).certificates[0]);
    }
  });

  it('P-384 and P-521 are refused before Envoy 1.33 (Istio 1.25), naming the release and what it loads', () => {
    const old = build('docker.io/istio/proxyv2:1.24.2');
    for (const t of ['p384', 'p521'] as KeyType[]) {
      const why = envoyRefusesForVersion(leafs.get(t)!, old);
      assert.ok(why, t);
      assert.match(why, /Envoy 1\.32 \(Istio 1\.24\.2\)/);
      assert.match(why, /ECDSA keys on P-256 only/);
      assert.match(why, /loaded from Envoy 1\.33 \(Istio 1\.25\)/);
    }
  });

  it('P-384 and P-521 load from Envoy 1.33; P-256 and RSA load everywhere', () => {
    const fresh = build('docker.io/istio/proxyv2:1.25.0');
    const old = build('docker.io/istio/proxyv2:1.20.3');
    for (const t of ['p384', 'p521', 'p256', 'rsa2048', 'rsa4096'] as KeyType[]) assert.equal(envoyRefusesForVersion(leafs.get(t)!, fresh), undefined, t);
    for (const t of ['p256', 'rsa2048', 'rsa4096'] as KeyType[]) assert.equal(envoyRefusesForVersion(leafs.get(t)!, old), undefined, t);
  });

  it('a FIPS build before Envoy 1.17 refuses RSA 4096; from 1.17 it loads it', () => {
    const fipsOld = { ...build('docker.io/istio/proxyv2:1.8.0-fips'), fips: true };
    const fipsNew = { ...build('docker.io/istio/proxyv2:1.9.0-fips'), fips: true };
    assert.match(envoyRefusesForVersion(leafs.get('rsa4096')!, fipsOld) ?? '', /FIPS build .* exactly 2048 or 3072 bits/);
    assert.equal(envoyRefusesForVersion(leafs.get('rsa4096')!, fipsNew), undefined);
    assert.match(envoyAccepts(fipsNew), /2048, 3072 or 4096/);
  });
});
