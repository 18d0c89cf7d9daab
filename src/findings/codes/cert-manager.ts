// The cert-manager area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const certManagerCodes: CodeSpec[] = [
  {
    code: 'ITLS801',
    severity: 'error',
    title: 'cert-manager Certificate not Ready',
    meaning: 'The Certificate that writes a gateway\'s Secret is not Ready: issuance or renewal failed (the failing condition and the latest CertificateRequest say why). A warning while the Secret still holds a valid certificate, an error when it does not.',
    why: 'The gateway serves whatever the Secret holds: a Certificate that cannot be issued means a missing or expiring certificate, and every client fails once it expires.',
    example: 'Ready=False (Failed): The certificate request has failed to complete and will be retried: issuer returned 403.',
    fix: 'Read the failing condition (kubectl describe certificate), fix its cause, and let cert-manager retry.',
  },
  {
    code: 'ITLS802',
    severity: 'error',
    title: 'ACME challenge pending',
    meaning: 'An ACME Challenge for a gateway\'s Certificate is not valid yet: the message gives its type (HTTP-01/DNS-01), state and reason, and for HTTP-01 through a Gateway whether the solver\'s HTTPRoute is attached to a plain-HTTP listener on port 80 for the name — or the request is answered by a redirect to HTTPS instead.',
    why: 'The CA cannot validate the name, so the certificate is never issued (or renewed) and the gateway keeps serving no or an expiring certificate.',
    example: 'HTTP-01 for shop.example.com: the solver HTTPRoute in shop is not admitted by listener http (allowedRoutes from Same), so HTTPRoute redirect-to-https answers 301.',
    fix: 'Make http://<name>/.well-known/acme-challenge/ reach the solver: admit the solver route on the port-80 listener (or exclude the path from the redirect); for DNS-01 fix the provider credentials or zone.',
  },
  {
    code: 'ITLS803',
    severity: 'error',
    title: 'Issuer missing or not Ready',
    meaning: 'The Issuer or ClusterIssuer a gateway\'s Certificate names does not exist, or is not Ready (ACME account not registered, CA secret missing).',
    why: 'cert-manager cannot issue or renew any certificate from it.',
    example: 'issuerRef: {kind: ClusterIssuer, name: letsencrypt-prod}; ClusterIssuer Ready=False (ErrRegisterACMEAccount).',
    fix: 'Create the issuer or fix its condition (kubectl describe clusterissuer …); the Certificate retries on its own.',
  },
  {
    code: 'ITLS804',
    severity: 'error',
    title: 'Certificate dnsNames miss a gateway host',
    meaning: 'A host a gateway serves with the Secret is not covered by the dnsNames of the Certificate that writes it.',
    why: 'The next issuance writes a certificate without that name: clients of the host are refused (certificate is not valid for …) — today already if the current certificate lacks it, at the next renewal otherwise.',
    example: 'Gateway listener hostname api.example.com uses Secret shop-tls; Certificate shop has dnsNames [shop.example.com].',
    fix: 'Add the host to the Certificate\'s dnsNames (cert-manager re-issues at once).',
  },
  {
    code: 'ITLS805',
    severity: 'warning',
    title: 'Renewal overdue',
    meaning: 'The Certificate is Ready but its status.renewalTime has passed without a renewal: cert-manager is not running or not reconciling it. An error when the certificate expires within 7 days.',
    why: 'Renewal automation that is behind schedule is the commonest cause of an expired certificate in production.',
    example: 'renewalTime 2026-05-01, notAfter 2026-05-31, --now 2026-05-20.',
    fix: 'Check that the cert-manager controller runs and look at its logs; kubectl describe certificate shows the last events.',
  },
  {
    code: 'ITLS806',
    severity: 'warning',
    title: 'gateway-shim annotation without a Certificate',
    meaning: 'A Gateway-API Gateway carries cert-manager.io/issuer or cert-manager.io/cluster-issuer, but no Certificate writes the Secret one of its listeners references.',
    why: 'cert-manager\'s gateway-shim creates the Certificates only when Gateway API support is enabled (enableGatewayAPI) and a listener has a hostname and a same-namespace certificateRef: otherwise nothing issues the Secret.',
    example: 'annotations: {cert-manager.io/cluster-issuer: letsencrypt}; listener without hostname; no Certificate shop-tls.',
    fix: 'Enable Gateway API support in cert-manager, give the listener a hostname, or create the Certificate yourself.',
  },
];
