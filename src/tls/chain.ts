// Path building and validation as strict clients do it: from the leaf through the bundle (any order,
// duplicates, cross-signs, same-name issuers) to a trust anchor, backtracking until a path passes
// every check; then report the problems of the best path found.
import type { CertFacts, CertIssue, ChainReport, TrustStore } from './types.js';
import { OID, extensionName, issuerKey, signedBy, subjectKey } from './certificate.js';
import { dnsNameViolates, ipViolates, matchHost, normalizeHost } from './names.js';
import { domainToASCII } from 'node:url';

export interface ValidateOptions {
  host?: string;
  trustStore: TrustStore;
  now: Date;
  /**
   * Certificates the credential carries beside the server bundle (ca.crt / cacert): never trust
   * anchors, only a hint of what the top of an unanchored path is (a private root, or an
   * intermediate left out of tls.crt).
   */
  caHints?: CertFacts[];
}

/** Extensions a validator may see marked critical and still process. */
const UNDERSTOOD_CRITICAL = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.certificatePolicies,
  OID.policyConstraints,
  OID.policyMappings,
  OID.inhibitAnyPolicy,
]);

const DAY = 24 * 60 * 60 * 1000;
const MAX_DEPTH = 12;
const MAX_STEPS = 4000;
const NAME_CONSTRAINT_BUDGET = 250_000;

type Role = 'leaf' | 'intermediate' | 'anchor';

export function describe(cert: CertFacts): string {
  const name = cert.commonName ?? (cert.subject || '(empty subject)');
  return `"${name}"`;
}

function roleWords(role: Role, cert: CertFacts): string {
  if (role === 'leaf') return `the leaf ${describe(cert)}`;
  if (role === 'anchor') return `the root ${describe(cert)}`;
  return `the intermediate ${describe(cert)}`;
}

function issue(code: string, severity: CertIssue['severity'], message: string, cert?: CertFacts, extra: CertIssue['evidence'] = {}): CertIssue {
  const evidence: NonNullable<CertIssue['evidence']> = { ...extra };
  if (cert) {
    // prefixed: callers merge this with the leaf's own evidence
    evidence.certSubject = cert.subject;
    evidence.certSerial = cert.serialNumber;
    evidence.certFingerprint256 = cert.fingerprint256;
    evidence.certNotAfter = cert.notAfter;
  }
  return { code, severity, message, evidence };
}

function daysBetween(a: number, b: number): number {
  return Math.floor(Math.abs(a - b) / DAY);
}

interface AnchorIndex {
  bySubject: Map<string, CertFacts[]>;
  fingerprints: Set<string>;
}

const anchorIndexes = new WeakMap<TrustStore, AnchorIndex>();

function anchorIndex(store: TrustStore): AnchorIndex {
  let idx = anchorIndexes.get(store);
  if (!idx) {
    idx = { bySubject: new Map(), fingerprints: new Set() };
    for (const a of store.anchors) {
      const k = subjectKey(a);
      const list = idx.bySubject.get(k) ?? [];
      list.push(a);
      idx.bySubject.set(k, list);
      idx.fingerprints.add(a.fingerprint256);
    }
    anchorIndexes.set(store, idx);
  }
  return idx;
}

function validAt(cert: CertFacts, now: number): boolean {
  return Date.parse(cert.notBefore) <= now && now <= Date.parse(cert.notAfter);
}

/** Weak or unsupported public key, in plain words; undefined when acceptable. */
export function weakKeyReason(cert: CertFacts): string | undefined {
  const k = cert.publicKey;
  switch (k.type) {
    case 'rsa':
    case 'rsa-pss':
      if (!k.bits) return 'its RSA key cannot be read';
      if (k.bits < 2048) return `its RSA key has ${k.bits} bits (at least 2048 required)`;
      if (k.bits % 8 !== 0) return `its RSA key has ${k.bits} bits, not a multiple of 8`;
      return undefined;
    case 'ec':
      if (k.curve === 'explicit') return 'its EC key uses explicit curve parameters instead of a named curve';
      if (k.curve === 'prime256v1' || k.curve === 'secp384r1' || k.curve === 'secp521r1') return undefined;
      return `its EC key is on curve ${k.curve ?? 'unknown'} (P-256, P-384 or P-521 required)`;
    case 'ed25519':
      return undefined;
    case 'dsa':
      return `it has a DSA key${k.bits ? ` (${k.bits} bits)` : ''}, which TLS clients no longer accept`;
    default:
      return `its public key type (${k.type}) is not accepted by TLS clients`;
  }
}

function weakSignatureReason(cert: CertFacts): string | undefined {
  const h = cert.signatureHash?.toUpperCase();
  if (h === 'SHA-1' || h === 'MD5') return `it is signed with ${cert.signatureAlgorithm} (${h} is broken and rejected by clients)`;
  if (/dsa-with/i.test(cert.signatureAlgorithm) && !/ecdsa/i.test(cert.signatureAlgorithm)) return `it is signed with ${cert.signatureAlgorithm}`;
  return undefined;
}

/** Issues that depend on the path (validity, signatures' strength, CA constraints, name constraints). */
function pathIssues(path: CertFacts[], anchored: boolean, now: number): CertIssue[] {
  const issues: CertIssue[] = [];
  const last = path.length - 1;
  for (let i = 0; i < path.length; i++) {
    const cert = path[i];
    const role: Role = i === 0 ? 'leaf' : anchored && i === last ? 'anchor' : 'intermediate';
    const who = roleWords(role, cert);
    const bundled = cert.trustSource === 'bundled';
    const notBefore = Date.parse(cert.notBefore);
    const notAfter = Date.parse(cert.notAfter);
    if (now > notAfter) {
      // one day count everywhere: daysLeft = floor((notAfter - now) / day), as `status` shows it; "expired N days ago" with N = -daysLeft
      const daysLeft = Math.floor((notAfter - now) / DAY);
      issues.push(issue('ITLS301', 'error', `${who} expired on ${cert.notAfter}, ${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago`, cert, { role, daysLeft }));
    } else if (now < notBefore) {
      issues.push(issue('ITLS303', 'error', `${who} is not valid before ${cert.notBefore} (${daysBetween(notBefore, now)} days from now): a wrong clock where it was issued, or it was installed too early`, cert, { role, notBefore: cert.notBefore }));
    }
    const weakKey = weakKeyReason(cert);
    if (weakKey && !bundled) issues.push(issue('ITLS310', 'error', `${who}: ${weakKey}`, cert, { role, keyType: cert.publicKey.type, keyBits: cert.publicKey.bits ?? null, curve: cert.publicKey.curve ?? null }));
    if (role !== 'anchor') {
      const weakSig = weakSignatureReason(cert);
      if (weakSig) issues.push(issue('ITLS310', 'error', `${who}: ${weakSig}`, cert, { role, signatureAlgorithm: cert.signatureAlgorithm }));
    }
    if (!bundled) {
      for (const d of cert.defects ?? []) {
        if (d.includes('serial number is zero') && role !== 'leaf') continue;
        issues.push(issue('ITLS315', 'error', `${who} is malformed: ${d}`, cert, { role }));
      }
      for (const ext of cert.extensions ?? []) {
        if (ext.critical && !UNDERSTOOD_CRITICAL.has(ext.oid)) {
          issues.push(issue('ITLS314', 'error', `${who} has the critical extension ${extensionName(ext.oid)} (${ext.oid}), which validators must refuse when they do not process it`, cert, { role, extension: ext.oid }));
        }
      }
    }
    if (i === 0) continue;
    // ---- issuer (intermediate or anchor) constraints ----
    if (!bundled) {
      if (cert.subject === '') issues.push(issue('ITLS315', 'error', `${who} signs the certificate below it but has an empty subject, which RFC 5280 forbids for a CA`, cert, { role }));
      if (cert.isCA !== true) {
        const why = cert.version < 3 ? `is a version ${cert.version} certificate, which cannot carry the CA flag` : cert.isCA === false ? 'has basicConstraints CA:false' : 'has no basicConstraints extension';
        issues.push(issue('ITLS312', 'error', `${who} signs the certificate below it but is not a CA: it ${why}`, cert, { role }));
      }
      const bc = cert.extensions?.find((e) => e.oid === OID.basicConstraints);
      if (cert.isCA === true && bc && !bc.critical) {
        issues.push(issue('ITLS312', 'error', `${who} marks basicConstraints non-critical; RFC 5280 and the CA/Browser Forum profile require it critical in CA certificates, and strict validators refuse the path`, cert, { role }));
      }
      if (role === 'anchor' && cert.extKeyUsage) {
        issues.push(issue('ITLS312', 'error', `${who} carries an extendedKeyUsage extension, which the CA/Browser Forum profile forbids in root certificates; strict validators refuse the path`, cert, { role, extKeyUsage: cert.extKeyUsage }));
      }
      if (cert.keyUsage && !cert.keyUsage.includes('keyCertSign')) {
        issues.push(issue('ITLS312', 'error', `${who} signs the certificate below it but its keyUsage (${cert.keyUsage.join(', ')}) lacks keyCertSign`, cert, { role, keyUsage: cert.keyUsage }));
      }
      if (cert.extKeyUsage && !cert.extKeyUsage.includes(OID.serverAuth) && !cert.extKeyUsage.includes(OID.anyExtendedKeyUsage)) {
        issues.push(issue('ITLS312', 'error', `${who} restricts its extended key usage to ${cert.extKeyUsage.join(', ') || 'nothing'}, without serverAuth: clients refuse server certificates beneath it`, cert, { role, extKeyUsage: cert.extKeyUsage }));
      }
    }
    if (cert.pathLen !== undefined) {
      let below = 0;
      for (let j = 1; j < i; j++) if (!path[j].selfIssued) below++;
      if (below > cert.pathLen) {
        issues.push(issue('ITLS312', 'error', `${who} allows ${cert.pathLen} intermediate CA${cert.pathLen === 1 ? '' : 's'} below it (pathLen ${cert.pathLen}) but the path has ${below}`, cert, { role, pathLen: cert.pathLen, intermediatesBelow: below }));
      }
    }
    const nc = cert.nameConstraints;
    if (nc) {
      if (nc.malformed) {
        issues.push(issue('ITLS314', 'error', `${who} has a nameConstraints extension that validators reject: ${nc.malformed}`, cert, { role }));
        continue;
      }
      const perName = nc.permittedDns.length + nc.excludedDns.length + nc.permittedIp.length + nc.excludedIp.length;
      const names = path.slice(0, i).reduce((n, c) => n + c.dnsNames.length + c.ipAddresses.length, 0);
      if (perName * names > NAME_CONSTRAINT_BUDGET) {
        // rustls-webpki refuses such paths too (MaximumNameConstraintComparisonsExceeded): a denial-of-service shape
        issues.push(issue('ITLS314', 'error', `${who} has ${perName} name constraints to check against ${names} names (${perName * names} comparisons, over the limit validators apply)`, cert, { role }));
        continue;
      }
      for (let j = 0; j < i; j++) {
        const sub = path[j];
        if (j > 0 && sub.selfIssued) continue; // RFC 5280 6.1.4: self-issued intermediates are exempt
        const violations: string[] = [];
        for (const dns of sub.dnsNames) {
          const v = dnsNameViolates(dns, nc.permittedDns, nc.excludedDns);
          if (v) violations.push(v);
        }
        for (const ip of sub.ipAddresses) {
          const v = ipViolates(ip, nc.permittedIp, nc.excludedIp);
          if (v) violations.push(v);
        }
        for (const t of sub.otherSanTypes ?? []) {
          if (nc.excludedOtherTypes.includes(t)) violations.push(`it has a ${t} name and ${describe(cert)} excludes ${t} names it cannot evaluate`);
        }
        if (violations.length) {
          issues.push(
            issue('ITLS314', 'error', `${roleWords(j === 0 ? 'leaf' : 'intermediate', sub)} breaks the name constraints of ${describe(cert)}: ${violations.join('; ')}`, sub, {
              role: j === 0 ? 'leaf' : 'intermediate',
              constrainedBy: cert.subject,
              permittedDns: nc.permittedDns,
              excludedDns: nc.excludedDns,
            }),
          );
        }
      }
    }
  }
  return issues;
}

/** Problems of the leaf itself that no choice of path changes. */
function leafIssues(leaf: CertFacts): CertIssue[] {
  const issues: CertIssue[] = [];
  const who = roleWords('leaf', leaf);
  if (leaf.version !== 3) issues.push(issue('ITLS315', 'error', `${who} is a version ${leaf.version} certificate; clients require version 3 (extensions such as subjectAltName need it)`, leaf));
  if (leaf.isCA) {
    issues.push(issue('ITLS312', 'error', `${who} is a CA certificate (basicConstraints CA:true); Firefox and rustls refuse a CA certificate as a server certificate — issue a leaf with CA:false`, leaf, { role: 'leaf' }));
  } else if (leaf.keyUsage?.includes('keyCertSign')) {
    issues.push(issue('ITLS312', 'error', `${who} asserts keyCertSign in keyUsage without being a CA, an inconsistent certificate strict clients refuse`, leaf, { role: 'leaf', keyUsage: leaf.keyUsage }));
  }
  if (leaf.extKeyUsage) {
    if (leaf.extKeyUsage.length === 0) {
      issues.push(issue('ITLS311', 'error', `${who} has an empty extendedKeyUsage extension, which allows no use at all`, leaf, { extKeyUsage: [] }));
    } else if (leaf.extKeyUsage.includes(OID.serverAuth) && leaf.extKeyUsage.includes(OID.anyExtendedKeyUsage)) {
      issues.push(issue('ITLS311', 'error', `${who} lists anyExtendedKeyUsage beside serverAuth; the CA/Browser Forum profile forbids anyExtendedKeyUsage in server certificates and strict validators refuse it`, leaf, { extKeyUsage: leaf.extKeyUsage }));
    } else if (!leaf.extKeyUsage.includes(OID.serverAuth)) {
      const onlyAny = leaf.extKeyUsage.includes(OID.anyExtendedKeyUsage);
      issues.push(
        issue('ITLS311', 'error', `${who} is not valid for TLS servers: its extendedKeyUsage is ${leaf.extKeyUsage.map(ekuName).join(', ')}${onlyAny ? ' (anyExtendedKeyUsage is refused for server certificates by browsers and rustls)' : ''}, without serverAuth`, leaf, { extKeyUsage: leaf.extKeyUsage }),
      );
    }
  }
  const ekuExt = leaf.extensions?.find((e) => e.oid === OID.extKeyUsage);
  if (ekuExt?.critical) issues.push(issue('ITLS315', 'error', `${who} marks extendedKeyUsage critical, which the CA/Browser Forum profile forbids for server certificates`, leaf));
  if (leaf.keyUsage) {
    const ds = leaf.keyUsage.includes('digitalSignature');
    const ke = leaf.keyUsage.includes('keyEncipherment');
    const rsa = leaf.publicKey.type === 'rsa';
    if (!ds && !(rsa && ke)) {
      issues.push(issue('ITLS311', 'error', `${who} has keyUsage ${leaf.keyUsage.join(', ') || '(none)'} without digitalSignature, so it cannot sign a TLS handshake`, leaf, { keyUsage: leaf.keyUsage }));
    } else if (!ds && rsa) {
      issues.push(issue('ITLS311', 'warning', `${who} has keyUsage ${leaf.keyUsage.join(', ')} without digitalSignature: only TLS 1.2 RSA key exchange works; TLS 1.3 clients refuse it`, leaf, { keyUsage: leaf.keyUsage }));
    }
  }
  if (leaf.nameConstraints) issues.push(issue('ITLS314', 'error', `${who} carries a nameConstraints extension, which only CA certificates may have`, leaf));
  const san = leaf.extensions?.find((e) => e.oid === OID.subjectAltName);
  if (san) {
    if (leaf.subject === '' && !san.critical) issues.push(issue('ITLS315', 'error', `${who} has an empty subject but a non-critical subjectAltName (RFC 5280 requires it critical then)`, leaf));
    if (leaf.subject !== '' && san.critical) issues.push(issue('ITLS315', 'error', `${who} marks subjectAltName critical although its subject is not empty (forbidden by the CA/Browser Forum profile)`, leaf));
  }
  const cnIssue = commonNameIssue(leaf);
  // a warning, not an error: browsers, Go, curl, Java and rustls ignore the CN when SANs exist, so no
  // mainstream client refuses the connection over it (the catalog's bar for an error)
  if (cnIssue) issues.push(issue('ITLS315', 'warning', `${who}: ${cnIssue}`, leaf, { commonName: leaf.commonName ?? null, dnsNames: leaf.dnsNames }));
  return issues;
}

/**
 * CA/B Forum BR 7.1.4.3: a subject CN, when present, must repeat one of the SANs byte for byte.
 * Only CNs that look like host names are held to it, so a private certificate named "my-service" is not.
 */
function commonNameIssue(leaf: CertFacts): string | undefined {
  const cn = leaf.commonName;
  if (!cn || leaf.dnsNames.length === 0) return undefined;
  if (!cn.includes('.') || /\s/.test(cn)) return undefined;
  if (leaf.dnsNames.includes(cn) || leaf.ipAddresses.includes(cn)) return undefined;
  const ascii = domainToASCII(cn.replace(/^\*\./, 'x.'));
  if (!ascii) return undefined;
  return `its subject CN "${cn}" is not one of its DNS SANs (${leaf.dnsNames.join(', ')}) exactly; the CA/Browser Forum profile requires the CN to repeat a SAN (public CAs may not issue this and linters reject it), though browsers, Go, curl and Java ignore the CN and still connect`;
}

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

/** Name issues for one Gateway host: ITLS305 (no DNS SAN) or ITLS304 (not covered). */
export function hostIssues(leaf: CertFacts, host: string): CertIssue[] {
  if (host.trim() === '*') return [];
  const m = matchHost(host, leaf);
  if (m.covered) return [];
  if (leaf.dnsNames.length === 0 && leaf.ipAddresses.length === 0) {
    return [issue('ITLS305', 'error', `the leaf has no DNS subjectAltName${leaf.commonName ? `, only the subject CN "${leaf.commonName}"` : ''}: browsers, Go, curl and Java ignore the CN and refuse it for ${host}`, leaf, { host, commonName: leaf.commonName ?? null })];
  }
  return [issue('ITLS304', 'error', `the certificate does not cover ${host}: ${m.reason}`, leaf, { host, dnsNames: leaf.dnsNames, ipAddresses: leaf.ipAddresses })];
}

interface Candidate {
  path: CertFacts[];
  anchored: boolean;
  issues: CertIssue[];
  errors: number;
}

function countErrors(issues: CertIssue[]): number {
  return issues.filter((i) => i.severity === 'error').length;
}

/** The issuer of `top` is known to no one: a private root (ITLS309) or a missing intermediate (ITLS306)? */
function untrustedTopIssue(top: CertFacts, pathLength: number, selfSigned: boolean, options: ValidateOptions): CertIssue {
  const store = options.trustStore.description;
  const passCaFile = 'public clients reject it; pass --ca-file <root.pem> if your clients trust it';
  if (selfSigned) {
    if (pathLength === 1) {
      // a self-signed leaf: no CA at all, every client refuses it unless it pins this very certificate
      return issue('ITLS309', 'error', `The certificate ${describe(top)} is self-signed and outside the trust store: clients refuse it unless they pin it or pass it with --ca-file.`, top, {
        root: top.subject,
        trustStore: store,
      });
    }
    const severity = options.trustStore.extraCount > 0 ? 'error' : 'warning';
    return issue('ITLS309', severity, `The chain is complete but ends at the private root ${describe(top)}, outside the trust store: ${severity === 'error' ? 'clients that trust only those roots refuse the connection' : passCaFile}.`, top, {
      root: top.subject,
      rootSource: 'the bundle',
      trustStore: store,
    });
  }
  const hint = (options.caHints ?? []).find((c) => subjectKey(c) === issuerKey(top) && signedBy(top, c));
  const hintIsRoot = hint !== undefined && hint.selfIssued && signedBy(hint, hint);
  const aia = top.extensions?.some((e) => e.oid === OID.authorityInfoAccess) ?? false;
  // Which one: the credential's own CA bundle settles it. Otherwise a CA certificate at the top means
  // tls.crt already carries the intermediates (its issuer is the root); a bare leaf with an Authority
  // Information Access extension comes from a CA that publishes intermediates (every public CA does);
  // a bare leaf without one was issued straight from a private root (cert-manager CA issuer, openssl).
  // With --ca-file the user named the roots; a bare leaf whose issuer is none of them most likely
  // lacks its intermediate (ITLS306 says which), a CA certificate at the top ends at a foreign root.
  const withCaFile = options.trustStore.extraCount > 0;
  const privateRoot = hint ? hintIsRoot : top.isCA === true || (!aia && !withCaFile);
  if (privateRoot) {
    // with --ca-file the user named the roots their clients trust: a chain outside them is refused
    if (withCaFile) {
      return issue('ITLS309', 'error', `The chain ends at the root ${describeName(top.issuer)}, outside the trust store: clients that trust only those roots refuse the connection.`, top, {
        root: top.issuer,
        trustStore: store,
      });
    }
    const complete = top.isCA === true || hintIsRoot ? 'The chain is complete but ends' : 'The chain ends';
    const caveat = top.isCA === true || hintIsRoot ? undefined : `if ${describeName(top.issuer)} is an intermediate rather than your root, append it to the certificate file`;
    return issue('ITLS309', 'warning', `${complete} at the private root ${describeName(top.issuer)}, outside the trust store: ${passCaFile}.`, top, {
      root: top.issuer,
      ...(caveat ? { ifNotTheRoot: caveat } : {}),
      rootSource: hintIsRoot ? 'the credential\'s CA bundle (ca.crt)' : 'named as issuer, not in the bundle',
      trustStore: store,
    });
  }
  const needs = top.authorityKeyId ? ` (authority key id ${top.authorityKeyId})` : '';
  const inHint = hint ? ' The credential\'s CA bundle holds it, but Envoy serves only the certificate file.' : '';
  return issue('ITLS306', 'error', `The chain is missing the intermediate ${describeName(top.issuer)}${needs} that issued ${describe(top)}: curl, Go, Java and mobile clients refuse the connection (browsers may fetch it through AIA).${inHint}`, top, {
    missingIssuer: top.issuer,
    ...(top.authorityKeyId ? { missingAuthorityKeyId: top.authorityKeyId } : {}),
    trustStore: store,
  });
}

/** A distinguished name in the words of describe(): its CN when it has one. */
function describeName(dn: string): string {
  const cn = /(?:^|,\s*)CN=([^,]+)/.exec(dn)?.[1];
  return `"${cn ?? dn}"`;
}

/** The private root a chain ends at, when that is its only trust problem (status shows "private root"). */
export function privateRootOf(report: ChainReport): string | undefined {
  const root = report.issues.find((i) => i.code === 'ITLS309' && i.severity === 'warning');
  if (!root) return undefined;
  const otherErrors = report.issues.some((i) => i.severity === 'error' && i.code !== 'ITLS304' && i.code !== 'ITLS305');
  return otherErrors ? undefined : String(root.evidence?.root ?? '');
}

/** Build and validate a path from bundle[0] (the leaf) to a trust anchor at `now`; host optional. */
export function validateChain(bundle: CertFacts[], options: ValidateOptions): ChainReport {
  if (bundle.length === 0) return { path: [], trusted: false, issues: [] };
  // X.509 times have whole-second precision: a validation time inside the notAfter second is still valid
  const now = Math.floor(options.now.getTime() / 1000) * 1000;
  const leaf = bundle[0];
  const anchors = anchorIndex(options.trustStore);
  const pool = new Map<string, CertFacts[]>();
  const seenFp = new Set<string>([leaf.fingerprint256]);
  for (const c of bundle.slice(1)) {
    if (seenFp.has(c.fingerprint256)) continue;
    seenFp.add(c.fingerprint256);
    const k = subjectKey(c);
    const list = pool.get(k) ?? [];
    list.push(c);
    pool.set(k, list);
  }

  const complete: Candidate[] = [];
  let bestPartial: { path: CertFacts[]; badSignatureBy?: CertFacts } | undefined;
  let steps = 0;
  let found = false;

  const identity = (c: CertFacts) => `${subjectKey(c)}|${c.publicKey.spkiSha256}`;

  const issuersOf = (c: CertFacts): CertFacts[] => {
    const k = issuerKey(c);
    const fromAnchors = anchors.bySubject.get(k) ?? [];
    const fromPool = (pool.get(k) ?? []).filter((p) => !anchors.fingerprints.has(p.fingerprint256));
    const score = (p: CertFacts) =>
      (c.authorityKeyId && p.subjectKeyId ? (c.authorityKeyId === p.subjectKeyId ? 0 : 2) : 1) + (validAt(p, now) ? 0 : 4);
    return [...[...fromAnchors].sort((a, b) => score(a) - score(b)), ...[...fromPool].sort((a, b) => score(a) - score(b))];
  };

  const dfs = (path: CertFacts[], identities: Set<string>): void => {
    if (found || ++steps > MAX_STEPS) return;
    const c = path[path.length - 1];
    if (anchors.fingerprints.has(c.fingerprint256)) {
      const issues = pathIssues(path, true, now);
      const cand = { path, anchored: true, issues, errors: countErrors(issues) };
      complete.push(cand);
      if (cand.errors === 0) found = true;
      return;
    }
    if (path.length >= MAX_DEPTH) return;
    let extended = false;
    let badSignatureBy: CertFacts | undefined;
    for (const cand of issuersOf(c)) {
      if (found) return;
      const id = identity(cand);
      if (identities.has(id) && !anchors.fingerprints.has(cand.fingerprint256)) continue;
      if (path.some((p) => p.fingerprint256 === cand.fingerprint256)) continue;
      if (!signedBy(c, cand)) {
        badSignatureBy ??= cand;
        continue;
      }
      extended = true;
      const next = new Set(identities);
      next.add(id);
      dfs([...path, cand], next);
    }
    if (!extended && (!bestPartial || path.length > bestPartial.path.length || (badSignatureBy && !bestPartial.badSignatureBy && path.length === bestPartial.path.length))) {
      bestPartial = badSignatureBy ? { path, badSignatureBy } : { path };
    }
  };
  dfs([leaf], new Set([identity(leaf)]));

  let chosen: Candidate;
  if (complete.length) {
    chosen = complete.reduce((best, c) => (c.errors < best.errors || (c.errors === best.errors && c.path.length < best.path.length) ? c : best));
  } else {
    const partial = bestPartial ?? { path: [leaf] };
    const issues = pathIssues(partial.path, false, now);
    const top = partial.path[partial.path.length - 1];
    const selfSigned = top.selfIssued && signedBy(top, top);
    if (partial.badSignatureBy) {
      issues.push(
        issue('ITLS308', 'error', `${describe(top)} names ${describe(partial.badSignatureBy)} as its issuer, but the signature does not verify with that certificate's key (a wrong or re-keyed intermediate, or a tampered certificate)`, top, {
          claimedIssuer: partial.badSignatureBy.subject,
          claimedIssuerFingerprint256: partial.badSignatureBy.fingerprint256,
        }),
      );
    } else {
      issues.push(untrustedTopIssue(top, partial.path.length, selfSigned, options));
    }
    chosen = { path: partial.path, anchored: false, issues, errors: countErrors(issues) };
  }

  const issues = [...leafIssues(leaf), ...chosen.issues];
  if (options.host !== undefined) issues.push(...hostIssues(leaf, options.host));
  issues.push(...orderIssues(bundle, chosen.path, chosen.anchored));
  const trusted = chosen.anchored && countErrors(issues.filter((i) => i.code !== 'ITLS304' && i.code !== 'ITLS305')) === 0;
  return { path: chosen.path, trusted, issues };
}

/** ITLS307 (order, duplicates, strays) and ITLS313 (root included) against the chosen path. */
function orderIssues(bundle: CertFacts[], path: CertFacts[], anchored: boolean): CertIssue[] {
  const issues: CertIssue[] = [];
  const realLeaf = bundle.find((c, i) => i > 0 && c.isCA !== true && bundle[0].isCA === true);
  if (realLeaf) {
    issues.push(
      issue('ITLS307', 'error', `the bundle starts with the CA certificate ${describe(bundle[0])}, but also holds ${describe(realLeaf)}, which is not a CA: Envoy serves the FIRST certificate as the server certificate, so clients get the CA instead of the leaf. Put ${describe(realLeaf)} first, then its issuers`, realLeaf, {
        bundleOrder: bundle.map((c) => c.subject),
      }),
    );
    return issues;
  }
  const position = new Map(path.map((c, i) => [c.fingerprint256, i]));
  const counts = new Map<string, number>();
  for (const c of bundle) counts.set(c.fingerprint256, (counts.get(c.fingerprint256) ?? 0) + 1);
  const dups = bundle.filter((c, i) => counts.get(c.fingerprint256)! > 1 && bundle.findIndex((x) => x.fingerprint256 === c.fingerprint256) === i);
  for (const d of dups) {
    issues.push(issue('ITLS307', 'warning', `the bundle holds ${describe(d)} ${counts.get(d.fingerprint256)} times (wasted bytes; some clients choke on it)`, d, { occurrences: counts.get(d.fingerprint256)! }));
  }
  const anchor = anchored ? path[path.length - 1] : undefined;
  const strays = bundle.filter((c) => !position.has(c.fingerprint256) && !(anchor && subjectKey(c) === subjectKey(anchor) && c.publicKey.spkiSha256 === anchor.publicKey.spkiSha256));
  const strayFps = new Set<string>();
  for (const s of strays) {
    if (strayFps.has(s.fingerprint256)) continue;
    strayFps.add(s.fingerprint256);
    issues.push(issue('ITLS307', 'warning', `the bundle holds ${describe(s)}, which is not on the path from the leaf to a trust anchor (unrelated or alternative certificate: remove it)`, s, { bundleIndex: s.index }));
  }
  const order = bundle.map((c) => position.get(c.fingerprint256)).filter((p): p is number => p !== undefined);
  const firstSeen: number[] = [];
  for (const p of order) if (!firstSeen.includes(p)) firstSeen.push(p);
  const outOfOrder = firstSeen.some((p, i) => i > 0 && p < firstSeen[i - 1]) || (bundle.length > 0 && position.get(bundle[0].fingerprint256) !== 0);
  if (outOfOrder) {
    issues.push(
      issue('ITLS307', 'warning', `the bundle is out of order: it should list the leaf first, then each issuer in turn (${path.filter((c) => c !== anchor).map(describe).join(' → ')}); strict clients and older Java fail on a misordered chain`, undefined, {
        bundleOrder: bundle.map((c) => c.subject),
        expectedOrder: path.filter((c) => c !== anchor).map((c) => c.subject),
      }),
    );
  }
  const rootInBundle = bundle.find((c, i) => i > 0 && ((anchor && c.fingerprint256 === anchor.fingerprint256) || (position.has(c.fingerprint256) && c.selfIssued)));
  if (rootInBundle) {
    issues.push(issue('ITLS313', 'info', `the bundle includes the root ${describe(rootInBundle)}; clients use their own copy, so it only adds bytes to every handshake`, rootInBundle));
  }
  return issues;
}

export { normalizeHost };
