// The contract of src/tls: bytes in, facts out. Nothing in these types ever holds private key
// material — a key is described by its type, size, format and a fingerprint of its PUBLIC half.

export type PublicKeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa' | 'unknown';

export interface PublicKeyFacts {
  type: PublicKeyType;
  /** RSA modulus / DSA size in bits */
  bits?: number;
  /** EC named curve as Node names it: prime256v1, secp384r1, secp521r1, ... ('explicit' for explicit parameters) */
  curve?: string;
  /** sha256 over the SubjectPublicKeyInfo DER, hex */
  spkiSha256: string;
}

/** Facts about one certificate. Certificates are public; the PEM may be carried. */
export interface CertFacts {
  /** position in the bundle it came from (0 = first block) */
  index: number;
  pem: string;
  subject: string;
  issuer: string;
  commonName?: string;
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex as Node prints it */
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  version: number;
  dnsNames: string[];
  ipAddresses: string[];
  /** basicConstraints: undefined when the extension is absent */
  isCA?: boolean;
  pathLen?: number;
  /** key usage bit names (digitalSignature, keyEncipherment, keyCertSign, ...); undefined when absent */
  keyUsage?: string[];
  /** EKU OIDs; undefined when absent */
  extKeyUsage?: string[];
  signatureAlgorithm: string;
  publicKey: PublicKeyFacts;
  selfIssued: boolean;
  subjectKeyId?: string;
  authorityKeyId?: string;
  // ---- optional detail added by the certificate engine (absent on hand-built facts) ----
  /** signature hash as named by the algorithm (SHA-256, SHA-1, MD5, ...), when known */
  signatureHash?: string;
  /** every extension: OID and criticality, in certificate order */
  extensions?: { oid: string; critical: boolean }[];
  /** names of other SAN types present (email, uri, otherName, ...) */
  otherSanTypes?: string[];
  /** DNS name constraints of a CA certificate */
  nameConstraints?: NameConstraintFacts;
  /** structural defects strict validators reject (malformed SAN, mismatched signature algorithms, ...) */
  defects?: string[];
  /** where a trust anchor came from */
  trustSource?: 'bundled' | 'ca-file';
}

export interface NameConstraintFacts {
  critical: boolean;
  permittedDns: string[];
  excludedDns: string[];
  permittedIp: string[];
  excludedIp: string[];
  /** GeneralName types constrained that the engine does not evaluate by value (otherName, email, uri, directoryName, ...) */
  permittedOtherTypes: string[];
  excludedOtherTypes: string[];
  /** why the extension itself is unusable (empty, malformed names), when it is */
  malformed?: string;
}

export interface TrustStore {
  /** anchors (Mozilla roots + --ca-file) */
  anchors: CertFacts[];
  /** human description, e.g. "Mozilla roots (node 20.20.2) + 1 from --ca-file" */
  description: string;
  /** count of anchors that came from --ca-file */
  extraCount: number;
}

/** One problem found in a secret, bundle or chain, ready to become a finding. */
/**
 * What a credential issue is, as fixes decide on it (typed; the message is for people):
 * encoded-twice — the field decodes to base64 text of the PEM (decoding it once more repairs it);
 * encrypted-key — a passphrase-protected key; key-format — a key block Envoy cannot load;
 * key-type — a certificate key type or size Envoy does not serve.
 */
export type CertIssueCause = 'encoded-twice' | 'encrypted-key' | 'key-format' | 'key-type';

export interface CertIssue {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  evidence?: Record<string, string | number | boolean | string[] | null>;
  cause?: CertIssueCause;
  /** the Secret data key the issue is about (tls.crt, tls.key, cert, key, ca.crt...) */
  field?: string;
}

export interface KeyFacts {
  type: PublicKeyType;
  bits?: number;
  curve?: string;
  format: 'pkcs1' | 'pkcs8' | 'sec1' | 'pkcs8-encrypted' | 'legacy-encrypted' | 'unknown';
  encrypted: boolean;
  /** sha256 of the public half's SPKI; compare with CertFacts.publicKey.spkiSha256 */
  spkiSha256?: string;
}

/** A Secret's data decoded the way Istio reads a credential (ExtractCertInfo / ExtractRoot). */
export interface DecodedCredential {
  /** which data keys Istio would use; undefined when neither pair is present */
  certKey?: 'cert' | 'tls.crt';
  keyKey?: 'key' | 'tls.key';
  /** the CA bundle key when present ('cacert' before 'ca.crt') */
  caKey?: 'cacert' | 'ca.crt';
  /** where the CA bundle was read from: the `<name>-cacert` secret wins over the main secret */
  caSource?: 'cacert-secret' | 'main-secret';
  /** keys of the secret Istio does not read because a key it prefers is there (tls.crt/tls.key behind cert/key, ca.crt behind cacert or the `<name>-cacert` secret) */
  ignoredKeys?: string[];
  /** what an ignored tls.crt holds (certificates, file order), so a finding can say so when it matters */
  ignoredCertificates?: CertFacts[];
  /** certificates of the server bundle, in file order */
  certificates: CertFacts[];
  key?: KeyFacts;
  /** key ↔ leaf match; undefined when either side is unusable */
  keyMatchesLeaf?: boolean;
  caCertificates: CertFacts[];
  /** ITLS202 / 203 / 204 / 205 problems */
  issues: CertIssue[];
}

/** Result of validating a served bundle for one host. */
export interface ChainReport {
  /** the path chosen, leaf first, ending at the anchor when one was reached */
  path: CertFacts[];
  /** true when a path to a trust anchor was built and every check passed */
  trusted: boolean;
  /** 3xx issues */
  issues: CertIssue[];
}

export interface NameMatch {
  covered: boolean;
  /** the SAN that covers it, when covered */
  matchedBy?: string;
  /** plain-words reason when not covered */
  reason?: string;
}
