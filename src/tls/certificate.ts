// One certificate → CertFacts, read straight from the DER with a small walker (src/tls/der.ts):
// @peculiar/x509 gave the same facts at ~16× the cost of node's X509Certificate, this costs less than
// node's parse. node:crypto still does what must be exact: signature verification (lazily, in chain
// building) and key matching.
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import type { CertFacts, NameConstraintFacts, PublicKeyFacts } from './types.js';
import { children, decodeOid, ipToString, readGeneralName, readGeneralNames, readNameConstraints, readTlv, type GeneralName, type Tlv } from './der.js';
import { derToPem } from './pem.js';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

const KEY_USAGE_NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

const CURVE_OIDS: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
  '1.2.840.10045.3.1.1': 'prime192v1',
  '1.3.132.0.33': 'secp224r1',
  '1.3.132.0.10': 'secp256k1',
};

const KEY_ALG_OIDS: Record<string, PublicKeyFacts['type']> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.2.1': 'ec',
  '1.2.840.10040.4.1': 'dsa',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

const SIG_ALG_NAMES: Record<string, [string, string | undefined]> = {
  '1.2.840.113549.1.1.4': ['md5WithRSAEncryption', 'MD5'],
  '1.2.840.113549.1.1.5': ['sha1WithRSAEncryption', 'SHA-1'],
  '1.2.840.113549.1.1.11': ['sha256WithRSAEncryption', 'SHA-256'],
  '1.2.840.113549.1.1.12': ['sha384WithRSAEncryption', 'SHA-384'],
  '1.2.840.113549.1.1.13': ['sha512WithRSAEncryption', 'SHA-512'],
  '1.2.840.113549.1.1.14': ['sha224WithRSAEncryption', 'SHA-224'],
  '1.2.840.113549.1.1.10': ['rsassa-pss', undefined],
  '1.2.840.10045.4.1': ['ecdsa-with-SHA1', 'SHA-1'],
  '1.2.840.10045.4.3.1': ['ecdsa-with-SHA224', 'SHA-224'],
  '1.2.840.10045.4.3.2': ['ecdsa-with-SHA256', 'SHA-256'],
  '1.2.840.10045.4.3.3': ['ecdsa-with-SHA384', 'SHA-384'],
  '1.2.840.10045.4.3.4': ['ecdsa-with-SHA512', 'SHA-512'],
  '1.2.840.10040.4.3': ['dsa-with-SHA1', 'SHA-1'],
  '2.16.840.1.101.3.4.3.2': ['dsa-with-SHA256', 'SHA-256'],
  '1.3.101.112': ['Ed25519', undefined],
  '1.3.101.113': ['Ed448', undefined],
};

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '2.5.4.17': 'postalCode',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'E',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
  '2.5.4.15': 'businessCategory',
};

/** Parse artifacts kept beside the plain facts (not serializable, never exported to findings). */
interface Internal {
  der: Buffer;
  subjectCanonical: string;
  issuerCanonical: string;
  node?: NodeX509 | null;
}

const internals = new WeakMap<CertFacts, Internal>();

function colonHex(buf: Buffer): string {
  return buf.toString('hex').toUpperCase().replace(/(..)(?=.)/g, '$1:');
}

function oidAt(der: Buffer, t: Tlv): string {
  if (t.tag !== 0x06) throw new Error('expected an OBJECT IDENTIFIER');
  return decodeOid(der.subarray(t.start, t.end));
}

interface AlgorithmId {
  oid: string;
  /** DER of the parameters, '' when absent; NULL normalized to '' (validators treat them alike) */
  params: string;
  paramsTlv?: Tlv;
}

function algorithmAt(der: Buffer, t: Tlv): AlgorithmId {
  if (t.tag !== 0x30) throw new Error('expected an AlgorithmIdentifier');
  const [oidTlv, paramsTlv] = children(der, t);
  const oid = oidAt(der, oidTlv);
  const params = paramsTlv ? der.subarray(paramsTlv.offset, paramsTlv.end).toString('hex') : '';
  return { oid, params: params === '0500' ? '' : params, paramsTlv };
}

function decodeString(der: Buffer, t: Tlv): string {
  const bytes = der.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x1e: {
      // BMPString: UTF-16BE
      const swapped = Buffer.alloc(bytes.length);
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        swapped[i] = bytes[i + 1];
        swapped[i + 1] = bytes[i];
      }
      return swapped.toString('utf16le');
    }
    case 0x1c: {
      let out = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) out += String.fromCodePoint(bytes.readUInt32BE(i));
      return out;
    }
    case 0x14:
      return bytes.toString('latin1');
    default:
      return bytes.toString('utf8');
  }
}

/** RFC 4514-ish text, attributes in certificate order: "CN=example.com, O=Example". */
/**
 * RFC 4514-ish text, attributes in certificate order: "CN=example.com, O=Example", plus a canonical key
 * for issuer ↔ subject matching the way OpenSSL and RFC 5280 7.1 compare names (string type ignored,
 * case-folded, whitespace collapsed), so a CA that re-encodes its name still chains.
 */
function nameAt(der: Buffer, t: Tlv): { text: string; canonical: string; cn?: string } {
  if (t.tag !== 0x30) throw new Error('expected a Name');
  const rdns: string[] = [];
  const canonical: string[] = [];
  let cn: string | undefined;
  for (const rdn of children(der, t)) {
    const parts: string[] = [];
    const canon: string[] = [];
    for (const atv of children(der, rdn)) {
      const [typeTlv, valueTlv] = children(der, atv);
      const oid = oidAt(der, typeTlv);
      const value = decodeString(der, valueTlv);
      if (oid === '2.5.4.3' && cn === undefined) cn = value;
      parts.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${value.replace(/([,+"\\<>;])/g, '\\$1')}`);
      canon.push(`${oid}=${value.trim().replace(/\s+/g, ' ').toLowerCase()}`);
    }
    rdns.push(parts.join('+'));
    canonical.push(canon.sort().join('+'));
  }
  return { text: rdns.join(', '), canonical: canonical.join('/'), cn };
}

function timeAt(der: Buffer, t: Tlv): string {
  const s = der.subarray(t.start, t.end).toString('latin1');
  let m: RegExpExecArray | null;
  if (t.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s))) {
    const yy = Number(m[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))).toISOString();
  }
  if (t.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(\.\d+)?Z$/.exec(s))) {
    const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms)).toISOString();
  }
  throw new Error(`unreadable time "${s}"`);
}

/** Bit length of a DER INTEGER's magnitude. */
function integerBits(der: Buffer, t: Tlv): number {
  let i = t.start;
  while (i < t.end - 1 && der[i] === 0) i++;
  const first = der[i];
  const lead = first === 0 ? 8 : Math.clz32(first) - 24;
  return (t.end - i) * 8 - lead;
}

function publicKeyFacts(der: Buffer, spki: Tlv): PublicKeyFacts {
  const spkiBytes = der.subarray(spki.offset, spki.end);
  const [algTlv, keyTlv] = children(der, spki);
  const alg = algorithmAt(der, algTlv);
  const facts: PublicKeyFacts = { type: KEY_ALG_OIDS[alg.oid] ?? 'unknown', spkiSha256: createHash('sha256').update(spkiBytes).digest('hex') };
  try {
    if (facts.type === 'ec' && alg.paramsTlv) {
      facts.curve = alg.paramsTlv.tag === 0x06 ? (CURVE_OIDS[oidAt(der, alg.paramsTlv)] ?? oidAt(der, alg.paramsTlv)) : 'explicit';
    } else if ((facts.type === 'rsa' || facts.type === 'rsa-pss') && keyTlv?.tag === 0x03) {
      const rsaKey = readTlv(der, keyTlv.start + 1, keyTlv.end);
      const [modulus] = children(der, rsaKey);
      facts.bits = integerBits(der, modulus);
    } else if (facts.type === 'dsa' && alg.paramsTlv?.tag === 0x30) {
      const [p] = children(der, alg.paramsTlv);
      facts.bits = integerBits(der, p);
    }
  } catch {
    // an unreadable key keeps its type only; chain checks call it out
  }
  return facts;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why a SAN dNSName is not a usable presented identifier, or undefined when it is fine. */
export function dnsSanDefect(name: string): string | undefined {
  if (!/^[\x21-\x7e]+$/.test(name)) return 'contains characters that are not printable ASCII (IDNs must be in xn-- A-label form)';
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = n.split('.');
  if (labels.some((l) => l.length === 0)) return 'has an empty label';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === '*' && i === 0) continue;
    if (l.includes('*')) return 'has a wildcard that is not the whole left-most label';
    if (!DNS_LABEL.test(l)) return `label "${l}" is not a valid DNS label`;
  }
  return undefined;
}

function readNameConstraintFacts(der: Uint8Array, critical: boolean): NameConstraintFacts {
  const facts: NameConstraintFacts = {
    critical,
    permittedDns: [],
    excludedDns: [],
    permittedIp: [],
    excludedIp: [],
    permittedOtherTypes: [],
    excludedOtherTypes: [],
  };
  try {
    const raw = readNameConstraints(der);
    if (!raw.permittedPresent && !raw.excludedPresent) facts.malformed = 'it has neither permitted nor excluded subtrees';
    else if ((raw.permittedPresent && raw.permitted.length === 0) || (raw.excludedPresent && raw.excluded.length === 0))
      facts.malformed = 'it has an empty subtree list';
    const take = (names: GeneralName[], dns: string[], ips: string[], others: string[]) => {
      for (const n of names) {
        if (n.kind === 'dns') {
          const v = Buffer.from(n.bytes).toString('latin1');
          if (v.includes('*') || v.startsWith('.') || (v !== '' && dnsSanDefect(v))) facts.malformed ??= `the DNS constraint "${v}" is not a valid domain name`;
          dns.push(v.toLowerCase());
        } else if (n.kind === 'ip') {
          if (n.bytes.length !== 8 && n.bytes.length !== 32) facts.malformed ??= 'an IP constraint is not an address and mask';
          const half = n.bytes.length / 2;
          ips.push(`${ipToString(n.bytes.subarray(0, half))}/${ipToString(n.bytes.subarray(half))}`);
        } else if (!others.includes(n.kind)) others.push(n.kind);
      }
    };
    take(raw.permitted, facts.permittedDns, facts.permittedIp, facts.permittedOtherTypes);
    take(raw.excluded, facts.excludedDns, facts.excludedIp, facts.excludedOtherTypes);
  } catch (e) {
    facts.malformed = `it cannot be decoded (${(e as Error).message})`;
  }
  return facts;
}

function readExtension(der: Buffer, facts: CertFacts, oid: string, critical: boolean, value: Buffer): void {
  switch (oid) {
    case OID.basicConstraints: {
      const seq = readTlv(value, 0);
      if (seq.tag !== 0x30) throw new Error('not a SEQUENCE');
      facts.isCA = false;
      for (const f of children(value, seq)) {
        if (f.tag === 0x01) facts.isCA = value[f.start] !== 0;
        else if (f.tag === 0x02) facts.pathLen = value.readUIntBE(f.start, Math.min(6, f.end - f.start));
      }
      return;
    }
    case OID.keyUsage: {
      const bits = readTlv(value, 0);
      if (bits.tag !== 0x03) throw new Error('not a BIT STRING');
      const bytes = value.subarray(bits.start + 1, bits.end);
      facts.keyUsage = KEY_USAGE_NAMES.filter((_, i) => ((bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
      return;
    }
    case OID.extKeyUsage: {
      const seq = readTlv(value, 0);
      if (seq.tag !== 0x30) throw new Error('not a SEQUENCE');
      facts.extKeyUsage = children(value, seq).map((t) => oidAt(value, t));
      return;
    }
    case OID.subjectKeyId: {
      const os = readTlv(value, 0);
      facts.subjectKeyId = value.subarray(os.start, os.end).toString('hex');
      return;
    }
    case OID.authorityKeyId: {
      const seq = readTlv(value, 0);
      const keyId = children(value, seq).find((t) => t.tag === 0x80);
      if (keyId) facts.authorityKeyId = value.subarray(keyId.start, keyId.end).toString('hex');
      return;
    }
    case OID.subjectAltName: {
      const names = readGeneralNames(value);
      const others = new Set<string>();
      for (const n of names) {
        if (n.kind === 'dns') facts.dnsNames.push(Buffer.from(n.bytes).toString('utf8'));
        else if (n.kind === 'ip') facts.ipAddresses.push(ipToString(n.bytes));
        else others.add(n.kind);
      }
      if (others.size) facts.otherSanTypes = [...others];
      if (names.length === 0) facts.defects!.push('its subjectAltName extension is empty');
      return;
    }
    case OID.nameConstraints:
      facts.nameConstraints = readNameConstraintFacts(value, critical);
      return;
    case OID.authorityInfoAccess: {
      // AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { accessMethod OID, accessLocation GeneralName }
      const seq = readTlv(value, 0);
      if (seq.tag !== 0x30 || seq.end !== value.length) throw new Error('not one SEQUENCE');
      const descriptions = children(value, seq);
      if (descriptions.length === 0) throw new Error('no access description');
      for (const d of descriptions) {
        const [method, location] = children(value, d);
        if (!method || !location) throw new Error('incomplete access description');
        oidAt(value, method);
        readGeneralName(value, location);
      }
      return;
    }
    case OID.policyConstraints:
      if (!critical) facts.defects!.push('its policyConstraints extension is not critical (RFC 5280 4.2.1.11 requires it)');
      return;
  }
  void der;
}

/** Parse one DER certificate. Throws when the bytes are not a certificate at all. */
export function certFactsFromDer(input: Buffer, index = 0): CertFacts {
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const top = readTlv(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new Error('not a DER certificate (trailing or missing bytes)');
  const [tbs, outerAlgTlv, sigTlv] = children(der, top);
  if (!tbs || tbs.tag !== 0x30 || !outerAlgTlv || !sigTlv || sigTlv.tag !== 0x03) throw new Error('not an X.509 certificate');
  const fields = children(der, tbs);
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const v = readTlv(der, fields[0].start, fields[0].end);
    version = der[v.end - 1] + 1;
    i++;
  }
  const [serialTlv, innerAlgTlv, issuerTlv, validityTlv, subjectTlv, spkiTlv] = fields.slice(i, i + 6);
  if (!spkiTlv || serialTlv.tag !== 0x02) throw new Error('truncated TBSCertificate');
  const defects: string[] = [];
  const innerAlg = algorithmAt(der, innerAlgTlv);
  const outerAlg = algorithmAt(der, outerAlgTlv);
  if (innerAlg.oid !== outerAlg.oid || innerAlg.params !== outerAlg.params) {
    defects.push('its outer signature algorithm differs from the one inside the signed part (RFC 5280 4.1.1.2)');
  }
  const [sigName, sigHash] = SIG_ALG_NAMES[outerAlg.oid] ?? [outerAlg.oid, undefined];
  let serialBytes = der.subarray(serialTlv.start, serialTlv.end);
  if (serialBytes.length > 1 && serialBytes[0] === 0) serialBytes = serialBytes.subarray(1);
  const serialNumber = serialBytes.toString('hex').toUpperCase();
  if (/^0*$/.test(serialNumber)) defects.push('its serial number is zero');
  const [notBeforeTlv, notAfterTlv] = children(der, validityTlv);
  const subject = nameAt(der, subjectTlv);
  const issuer = nameAt(der, issuerTlv);
  const subjectCanonical = subject.canonical;
  const issuerCanonical = issuer.canonical;
  let publicKey: PublicKeyFacts;
  try {
    publicKey = publicKeyFacts(der, spkiTlv);
  } catch {
    publicKey = { type: 'unknown', spkiSha256: createHash('sha256').update(der.subarray(spkiTlv.offset, spkiTlv.end)).digest('hex') };
    defects.push('its public key cannot be decoded');
  }
  const facts: CertFacts = {
    index,
    pem: derToPem(der),
    subject: subject.text,
    issuer: issuer.text,
    serialNumber,
    fingerprint256: colonHex(createHash('sha256').update(der).digest()),
    notBefore: timeAt(der, notBeforeTlv),
    notAfter: timeAt(der, notAfterTlv),
    version,
    dnsNames: [],
    ipAddresses: [],
    signatureAlgorithm: sigName,
    publicKey,
    selfIssued: subjectCanonical === issuerCanonical,
    extensions: [],
    defects,
  };
  if (sigHash) facts.signatureHash = sigHash;
  if (subject.cn !== undefined) facts.commonName = subject.cn;

  const extWrapper = fields.slice(i + 6).find((f) => f.tag === 0xa3);
  if (extWrapper) {
    const seq = readTlv(der, extWrapper.start, extWrapper.end);
    const seen = new Set<string>();
    for (const ext of children(der, seq)) {
      const parts = children(der, ext);
      const oid = oidAt(der, parts[0]);
      const critical = parts.length === 3 && parts[1].tag === 0x01 && der[parts[1].start] !== 0;
      const valueTlv = parts[parts.length - 1];
      if (valueTlv.tag !== 0x04) throw new Error(`extension ${oid} has no OCTET STRING value`);
      facts.extensions!.push({ oid, critical });
      if (seen.has(oid)) defects.push(`extension ${oid} appears more than once`);
      seen.add(oid);
      try {
        readExtension(der, facts, oid, critical, der.subarray(valueTlv.start, valueTlv.end));
      } catch (e) {
        defects.push(`its ${extensionName(oid)} extension is malformed (${(e as Error).message})`);
      }
    }
  }
  internals.set(facts, { der, subjectCanonical, issuerCanonical });
  return facts;
}

export function extensionName(oid: string): string {
  const names: Record<string, string> = {
    [OID.basicConstraints]: 'basicConstraints',
    [OID.keyUsage]: 'keyUsage',
    [OID.extKeyUsage]: 'extKeyUsage',
    [OID.subjectAltName]: 'subjectAltName',
    [OID.nameConstraints]: 'nameConstraints',
    [OID.subjectKeyId]: 'subjectKeyIdentifier',
    [OID.authorityKeyId]: 'authorityKeyIdentifier',
    [OID.certificatePolicies]: 'certificatePolicies',
    [OID.policyConstraints]: 'policyConstraints',
    [OID.policyMappings]: 'policyMappings',
    [OID.inhibitAnyPolicy]: 'inhibitAnyPolicy',
    '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
    '2.5.29.31': 'cRLDistributionPoints',
    '1.3.6.1.4.1.11129.2.4.2': 'CT precertificate SCTs',
  };
  return names[oid] ?? oid;
}

function internalOf(facts: CertFacts): Internal {
  let internal = internals.get(facts);
  if (!internal) {
    // facts built elsewhere (e.g. JSON round trip): re-derive from the PEM
    const fresh = certFactsFromDer(Buffer.from(facts.pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'), facts.index);
    internal = internals.get(fresh)!;
    internals.set(facts, internal);
  }
  return internal;
}

export function subjectKey(facts: CertFacts): string {
  return internalOf(facts).subjectCanonical;
}

export function issuerKey(facts: CertFacts): string {
  return internalOf(facts).issuerCanonical;
}

export function derOf(facts: CertFacts): Buffer {
  return internalOf(facts).der;
}

function nodeCert(facts: CertFacts): NodeX509 | null {
  const internal = internalOf(facts);
  if (internal.node === undefined) {
    try {
      internal.node = new NodeX509(internal.der);
    } catch {
      internal.node = null;
    }
  }
  return internal.node;
}

const verifyCache = new Map<string, boolean>();

/** Is `child` signed by the key of `issuer`? (signature only; names and constraints are checked elsewhere) */
export function signedBy(child: CertFacts, issuer: CertFacts): boolean {
  const key = `${child.fingerprint256}>${issuer.fingerprint256}`;
  const cached = verifyCache.get(key);
  if (cached !== undefined) return cached;
  let ok = false;
  try {
    const c = nodeCert(child);
    const i = nodeCert(issuer);
    ok = !!c && !!i && c.verify(i.publicKey);
  } catch {
    ok = false;
  }
  if (verifyCache.size > 100_000) verifyCache.clear();
  verifyCache.set(key, ok);
  return ok;
}

/** The leaf's public key as a node KeyObject-compatible SPKI hash (for key ↔ certificate match). */
export function leafSpkiSha256(facts: CertFacts): string {
  return facts.publicKey.spkiSha256;
}
