// Facade of src/tls: the only entry point other layers use. Bytes in, facts out.
import type { CertFacts, CertIssue, ChainReport, DecodedCredential, NameMatch, TrustStore } from './types.js';
import { decodeCredential as decode, parseCertificateValue, envoyKeyProblem, parseKeyValue } from './credential.js';
import { matchHost as match, normalizeHost, isPublicSuffix } from './names.js';
import { validateChain as validate, hostIssues, weakKeyReason, describe as describeCert, ekuName, privateRootOf } from './chain.js';
import { loadTrustStore as load } from './trust.js';
import { certFactsFromDer, signedBy } from './certificate.js';
export type * from './types.js';

/** A Secret's `data` (base64 values) decoded as Istio reads a credential; `caData` = the `<name>-cacert` secret. */
export function decodeCredential(data: Record<string, string>, caData?: Record<string, string>): DecodedCredential {
  return decode(data, caData);
}

/** Every certificate in a PEM (or DER) text, in order, plus parse problems. */
export function parseCertificates(text: string | Buffer): { certificates: CertFacts[]; issues: CertIssue[] } {
  const { certificates, issues } = parseCertificateValue(text, 'the bundle');
  return { certificates, issues };
}

/** Does the leaf's DNS/IP SANs cover a Gateway host (namespace part already stripped)? */
export function matchHost(host: string, leaf: CertFacts): NameMatch {
  return match(host, leaf);
}

/** Build and validate a path from bundle[0] (the leaf) to a trust anchor at `now`; host optional. */
export function validateChain(bundle: CertFacts[], options: { host?: string; trustStore: TrustStore; now: Date; caHints?: CertFacts[] }): ChainReport {
  return validate(bundle, options);
}

/** Node's bundled Mozilla roots plus extra PEM anchors (--ca-file contents). */
export function loadTrustStore(extraPem?: string, opts?: { includeBundled?: boolean }): TrustStore & { problems: CertIssue[] } {
  return load(extraPem, opts);
}

// Additions beyond the original facade (used by the certificate checks, conformance and bench).
export { privateRootOf, hostIssues, weakKeyReason, describeCert, ekuName, envoyKeyProblem, normalizeHost, isPublicSuffix, certFactsFromDer, signedBy, parseKeyValue };
export { envoyOfProxyImage, envoyRefusesForVersion, envoyAccepts, imageTagVersion, ENVOY_EC_P384_MINOR, type EnvoyBuild } from './envoy.js';
