// Facade of src/tls: the only entry point other layers use. Bytes in, facts out.
// PLACEHOLDER implementations until the certificate engine lands (issue 3); signatures are the contract.
import type { CertFacts, CertIssue, ChainReport, DecodedCredential, NameMatch, TrustStore } from './types.js';
export type * from './types.js';

/** A Secret's `data` (base64 values) decoded as Istio reads a credential; `caData` = the `<name>-cacert` secret. */
export function decodeCredential(_data: Record<string, string>, _caData?: Record<string, string>): DecodedCredential {
  return { certificates: [], caCertificates: [], issues: [] };
}

/** Every certificate in a PEM (or DER) text, in order, plus parse problems. */
export function parseCertificates(_text: string | Buffer): { certificates: CertFacts[]; issues: CertIssue[] } {
  return { certificates: [], issues: [] };
}

/** Does the leaf's DNS/IP SANs cover a Gateway host (namespace part already stripped)? */
export function matchHost(_host: string, _leaf: CertFacts): NameMatch {
  return { covered: false, reason: 'not implemented' };
}

/** Build and validate a path from bundle[0] (the leaf) to a trust anchor at `now`; host optional. */
export function validateChain(_bundle: CertFacts[], _options: { host?: string; trustStore: TrustStore; now: Date }): ChainReport {
  return { path: [], trusted: false, issues: [] };
}

/** Node's bundled Mozilla roots plus extra PEM anchors (--ca-file contents). */
export function loadTrustStore(_extraPem?: string): TrustStore {
  return { anchors: [], description: 'placeholder', extraCount: 0 };
}
