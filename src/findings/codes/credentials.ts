// The credentials area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const credentialCodes: CodeSpec[] = [
  {
    code: 'ITLS201',
    severity: 'error',
    title: 'Credential secret not found',
    meaning: "The secret named by a Gateway server's credentialName does not exist in the namespace of the gateway pods.",
    why: 'istiod reads credentialName secrets only from the namespace where the gateway pods run (not the Gateway resource\'s namespace). Without the secret it sends no certificate, and every TLS handshake for the server\'s hosts fails.',
    example: 'credentialName: kiali-tls on a Gateway in namespace kiali, gateway pods in istio-system, secret kiali-tls only in kiali.',
    fix: 'Create the secret (kubectl create secret tls NAME -n <gateway pod namespace> --cert=fullchain.pem --key=privkey.pem).',
  },
  {
    code: 'ITLS202',
    severity: 'error',
    title: 'Credential secret unusable',
    meaning: 'The secret exists but Istio cannot read a certificate and key from it: wrong or empty keys, not PEM (DER or base64 encoded twice), a key where the certificate should be, several keys.',
    why: 'istiod logs "failed to fetch key and certificate" and pushes nothing for this credential, so handshakes for these hosts fail; a bundle Envoy cannot parse is rejected the same way.',
    example: 'data: {tls.crt: <base64 of base64 of PEM>, tls.key: ...} — the value still looks like base64 after decoding.',
    fix: 'Recreate the secret from the PEM files with kubectl create secret tls, which encodes them once under tls.crt and tls.key.',
  },
  {
    code: 'ITLS203',
    severity: 'error',
    title: 'Private key does not match the certificate',
    meaning: 'The private key in the secret is not the key of the leaf (first) certificate.',
    why: 'Envoy refuses a certificate whose key does not match; the credential is not loaded and the server\'s handshakes fail.',
    example: 'A renewed certificate stored with the previous private key, or the chain stored intermediate-first.',
    fix: 'Store the key that belongs to the leaf (compare openssl x509 -pubkey and openssl pkey -pubout hashes), with the leaf first in the bundle.',
  },
  {
    code: 'ITLS204',
    severity: 'error',
    title: 'Private key or key type Envoy cannot load',
    meaning: "The private key is passphrase-protected (PKCS#8 ENCRYPTED or legacy Proc-Type: 4,ENCRYPTED), in a format Envoy cannot read, or the certificate uses a key type the gateway's Envoy does not serve (Ed25519, RSA under 2048 bits, EC curves other than P-256/P-384/P-521; P-384 and P-521 only from Envoy 1.33 / Istio 1.25, the release read from the proxy image tag: docs/envoy-key-limits.md).",
    why: 'Envoy has no passphrase and supports only RSA and ECDSA server certificates; it rejects the credential and the server fails.',
    example: 'An encrypted PKCS#8 PEM key (BEGIN ENCRYPTED ...) in tls.key, or an Ed25519 certificate.',
    fix: 'Decrypt the key (openssl pkey -in enc.pem -out key.pem) or re-issue with ECDSA P-256 or RSA 2048+.',
  },
  {
    code: 'ITLS205',
    severity: 'error',
    title: 'MUTUAL TLS without a usable client CA bundle',
    meaning: 'A MUTUAL or OPTIONAL_MUTUAL server (an Istio Gateway server, or a Gateway-API listener istiod makes mutual through the gateway.istio.io/tls-terminate-mode option) has no client CA: no <name>-cacert secret and no cacert/ca.crt key, or the bundle is empty, not PEM, or holds no CA certificate.',
    why: 'Envoy needs the CA bundle to verify client certificates; without it istiod cannot build the validation context and the server fails (or no client certificate verifies).',
    example: 'tls.mode: MUTUAL with a kubernetes.io/tls secret holding only tls.crt and tls.key.',
    fix: 'Create <name>-cacert with key ca.crt holding the CA that issues the client certificates.',
  },
];
