// The mesh-ca area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const meshCaCodes: CodeSpec[] = [
  {
    code: 'ITLS209',
    severity: 'error',
    title: 'Mesh CA secret overwritten or broken',
    meaning:
      'istio-ca-secret (Istio\'s self-signed mesh root) or cacerts (a plug-in CA) in the Istio namespace holds a certificate that is not a CA, a server certificate for gateway hosts, a key that does not match, an expired CA, lacks ca-cert.pem/ca-key.pem, or has a type other than istio.io/ca-root.',
    why:
      'istiod signs every workload certificate (sidecars, gateways, the xDS connection to istiod) with this CA. A server certificate written here makes the mesh root a non-CA certificate: as workload certificates rotate, mTLS and xDS handshakes fail with "x509: certificate signed by unknown authority". It never fixes ingress HTTPS — gateways read credentialName secrets, not this one.',
    example: 'kubectl create secret tls istio-ca-secret -n istio-system --cert=kiali.example.com.pem --key=kiali.key (after deleting the original).',
    fix:
      'Restore the original secret from backup; without a backup, delete it so istiod generates a new root (restart istiod, then every proxied workload). Put the server certificate in a credentialName secret in the gateway namespace instead.',
  },
];
