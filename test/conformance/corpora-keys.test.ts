// The corpora are third-party test data committed to the repository; their private keys are not: the
// limbo harness and the Istio analyzer harness generate keys at test time (test/corpora/PROVENANCE.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS as ISTIO_CORPUS, GENERATED_KEY_MARKER, runIstio } from '../../scripts/conformance/istio.js';
import { defaultCorpusDir as limboCorpus } from '../../scripts/conformance/limbo.js';

const BASE64_PEM = /LS0tLS1CRUdJT[A-Za-z0-9+/]{20,}={0,2}/g; // "-----BEGIN" in base64

function privateKeysIn(text: string): number {
  let n = text.match(/BEGIN [A-Z ]*PRIVATE KEY-----/g)?.length ?? 0;
  for (const run of text.match(BASE64_PEM) ?? []) {
    if (/BEGIN [A-Z ]*PRIVATE KEY-----/.test(Buffer.from(run, 'base64').toString('latin1'))) n++;
  }
  return n;
}

/** The corpus files under dir (json, yaml, md), as paths. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(json|ya?ml|md)$/.test(f)).map((f) => join(dir, f));

test('the committed corpora hold no private key, as PEM or base64 PEM', () => {
  const files = [...filesUnder(limboCorpus()), ...filesUnder(ISTIO_CORPUS)];
  assert.ok(files.length > 50, `only ${files.length} corpus files`);
  assert.deepEqual(files.filter((f) => privateKeysIn(readFileSync(f, 'utf8')) > 0), []);
  const limbo = JSON.parse(readFileSync(join(limboCorpus(), 'limbo-server-subset.json'), 'utf8')) as { testcases: { id: string; peer_certificate_key: string | null }[] };
  assert.deepEqual(limbo.testcases.filter((t) => t.peer_certificate_key !== null).map((t) => t.id), []);
});

test('the scan sees a key in either form (it can fail)', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
  assert.equal(privateKeysIn(pem), 1);
  assert.equal(privateKeysIn(`tls.key: ${Buffer.from(pem).toString('base64')}`), 1);
  assert.equal(privateKeysIn(`tls.crt: ${Buffer.from(pem.replaceAll('PRIVATE KEY', 'CERTIFICATE')).toString('base64')}`), 0);
});

test('the Istio harness puts a generated key where upstream had one, and the verdict on that pair holds', () => {
  const marked = filesUnder(ISTIO_CORPUS).filter((f) => f.endsWith('.yaml') && readFileSync(f, 'utf8').includes(GENERATED_KEY_MARKER));
  assert.deepEqual(marked.map((f) => f.slice(ISTIO_CORPUS.length + 1)).sort(), ['gateway-secrets-validation.yaml', 'gateway-secrets.yaml']);
  const r = runIstio();
  const secrets = r.cases.find((c) => c.case === 'gatewaySecret');
  assert.ok(secrets, 'the gatewaySecret case is gone');
  // a marker left in place would be an undecodable tls.key (ITLS202), not the mismatched pair (ITLS203)
  assert.ok(!secrets.findings.some((f) => f.code === 'ITLS202' && f.message.includes('httpbin-credential')), 'the marker reached the checks');
  assert.ok(secrets.findings.some((f) => f.code === 'ITLS203' && f.resource.endsWith('defaultgateway-noerrors')));
  assert.ok(!JSON.stringify(r).includes('PRIVATE KEY'), 'key text reached the harness output');
});
