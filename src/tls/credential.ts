// A Secret's data decoded exactly as Istio reads a gateway credential (ExtractCertInfo / ExtractRoot):
// `cert`/`key` before `tls.crt`/`tls.key`, Secret type ignored, the client CA from the `<name>-cacert`
// Secret when it exists, else `cacert`, else `ca.crt`. Private keys are read here and nowhere else;
// what leaves this file is the key's type, format and the hash of its PUBLIC half.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { CertFacts, CertIssue, DecodedCredential, KeyFacts, PublicKeyType } from './types.js';
import { certFactsFromDer } from './certificate.js';
import { describeBlocks, isCertificateLabel, isPrivateKeyLabel, readPem, type PemBlock, type PemReading } from './pem.js';

type Data = Record<string, string>;

function decodeValues(data: Data): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.from(v ?? '', 'base64');
  return out;
}

function typed(i: CertIssue, cause: CertIssue['cause'], field?: string): CertIssue {
  i.cause = cause;
  if (field !== undefined) i.field = field;
  return i;
}

function issue(code: string, severity: CertIssue['severity'], message: string, evidence?: CertIssue['evidence']): CertIssue {
  return evidence ? { code, severity, message, evidence } : { code, severity, message };
}

export interface ParsedCertificates {
  certificates: CertFacts[];
  issues: CertIssue[];
  reading: PemReading;
}

/** Certificates of one value, with ITLS202-style problems phrased for `field` (tls.crt, cert, ca.crt...). */
export function parseCertificateValue(value: string | Buffer, field: string, code = 'ITLS202'): ParsedCertificates {
  const reading = readPem(value);
  const issues: CertIssue[] = [];
  const certificates: CertFacts[] = [];
  const add = (der: Buffer, n: number) => {
    try {
      certificates.push(certFactsFromDer(der, certificates.length));
    } catch (e) {
      issues.push(issue(code, 'error', `certificate #${n + 1} in ${field} cannot be parsed (${(e as Error).message}); Envoy rejects the whole credential`, { field }));
    }
  };
  if (reading.empty) {
    issues.push(issue(code, 'error', `${field} is empty; it must hold the PEM certificate chain (leaf first)`, { field }));
    return { certificates, issues, reading };
  }
  if (reading.der) {
    add(reading.der, 0);
    issues.push(
      issue(code, 'error', reading.encodedTwice
        ? `${field} is base64 text of a DER certificate (encoded twice, and not PEM); Envoy expects PEM text. Store the PEM file itself (kubectl create secret tls encodes it once)`
        : `${field} holds a DER (binary) certificate; Envoy expects PEM text. Convert it with: openssl x509 -inform der -in cert.der -out cert.pem`, { field, found: describeBlocks(reading) }),
    );
    return { certificates, issues, reading };
  }
  const certBlocks = reading.blocks.filter((b) => isCertificateLabel(b.label));
  const keyBlocks = reading.blocks.filter((b) => isPrivateKeyLabel(b.label));
  certBlocks.forEach((b, n) => add(b.der, n));
  if (reading.encodedTwice) {
    issues.push(typed(issue(code, 'error', `${field} is base64-encoded twice: after Kubernetes decodes it, it is still base64 text (of ${describeBlocks({ ...reading, encodedTwice: false })}). Envoy cannot read it. Put the PEM under stringData, or base64-encode it only once under data`, { field, found: describeBlocks(reading) }), 'encoded-twice', field));
  }
  if (certBlocks.length === 0) {
    const found = describeBlocks(reading);
    const swapped = keyBlocks.length > 0 ? ' — the certificate and key look swapped' : '';
    issues.push(issue(code, 'error', `${field} holds no certificate: found ${found}${swapped}. Istio expects PEM "BEGIN CERTIFICATE" blocks, leaf first`, { field, found }));
  } else if (keyBlocks.length > 0) {
    issues.push(issue(code, 'warning', `${field} also holds ${keyBlocks.length} private key block(s) beside the certificates; Envoy skips them, but the certificate value is often copied to places that are not secret — keep the key in the key field only`, { field }));
  }
  if (certBlocks.some((b) => b.badBase64)) issues.push(issue(code, 'error', `${field} has a certificate block whose body is not valid base64 (edited or truncated)`, { field }));
  return { certificates, issues, reading };
}

const PEM_KEY_FORMATS: Record<string, KeyFacts['format']> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'ENCRYPTED PRIVATE KEY': 'pkcs8-encrypted',
};

function keyTypeOf(key: KeyObject): PublicKeyType {
  const t = key.asymmetricKeyType;
  if (t === 'rsa' || t === 'rsa-pss' || t === 'ec' || t === 'ed25519' || t === 'ed448' || t === 'dsa') return t;
  return 'unknown';
}

// OpenSSL's key decoding costs ~0.7 ms; the same key is often stored in several secrets (copies per
// namespace, dual certificates). Keyed by a hash of the key bytes, in memory only, never output.
const keyFactsCache = new Map<string, KeyFacts>();

function keyFactsOf(der: Buffer, format: KeyFacts['format']): KeyFacts {
  const cacheKey = `${format}:${createHash('sha256').update(der).digest('hex')}`;
  const cached = keyFactsCache.get(cacheKey);
  if (cached) return { ...cached };
  const facts = keyFactsUncached(der, format);
  if (keyFactsCache.size >= 2000) keyFactsCache.clear();
  keyFactsCache.set(cacheKey, facts);
  return { ...facts };
}

function keyFactsUncached(der: Buffer, format: KeyFacts['format']): KeyFacts {
  const type = format === 'pkcs1' ? 'pkcs1' : format === 'sec1' ? 'sec1' : 'pkcs8';
  const key = createPrivateKey({ key: der, format: 'der', type });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const d = key.asymmetricKeyDetails ?? {};
  const facts: KeyFacts = { type: keyTypeOf(key), format, encrypted: false, spkiSha256: createHash('sha256').update(spki).digest('hex') };
  if (d.modulusLength) facts.bits = d.modulusLength;
  if (d.namedCurve) facts.curve = d.namedCurve;
  return facts;
}

function keyFromDer(der: Buffer): KeyFacts | undefined {
  for (const format of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return keyFactsOf(der, format);
    } catch {
      // try the next container
    }
  }
  return undefined;
}

export interface ParsedKey {
  key?: KeyFacts;
  /** number of private keys found */
  count: number;
  /** public-half hashes of every readable key, in order */
  spkiHashes: string[];
  issues: CertIssue[];
}

/** The private key value, described without ever returning key material. */
export function parseKeyValue(value: Buffer, field: string): ParsedKey {
  const reading = readPem(value);
  const issues: CertIssue[] = [];
  if (reading.empty) return { count: 0, spkiHashes: [], issues: [issue('ITLS202', 'error', `${field} is empty; it must hold the PEM private key`, { field })] };
  if (reading.der) {
    const key = keyFromDer(reading.der);
    issues.push(
      issue('ITLS202', 'error', key
        ? `${field} holds a DER (binary) private key${reading.encodedTwice ? ' encoded in base64 twice' : ''}; Envoy expects PEM text. Convert it with: openssl pkey -inform der -in key.der -out key.pem`
        : `${field} holds binary data that is not a readable private key; Envoy expects a PEM private key`, { field }),
    );
    return { key, count: key ? 1 : 0, spkiHashes: key?.spkiSha256 ? [key.spkiSha256] : [], issues };
  }
  if (reading.encodedTwice) {
    issues.push(typed(issue('ITLS202', 'error', `${field} is base64-encoded twice: after Kubernetes decodes it, it is still base64 text. Envoy cannot read it. Put the PEM under stringData, or base64-encode it only once under data`, { field }), 'encoded-twice', field));
  }
  const keyBlocks = reading.blocks.filter((b) => isPrivateKeyLabel(b.label));
  if (keyBlocks.length === 0) {
    const found = describeBlocks(reading);
    const swapped = reading.blocks.some((b) => isCertificateLabel(b.label)) ? ' — the certificate and key look swapped' : '';
    issues.push(issue('ITLS202', 'error', `${field} holds no private key: found ${found}${swapped}. Istio expects an unencrypted PEM private key (PKCS#8, RSA PKCS#1 or EC SEC1)`, { field, found }));
    return { count: 0, spkiHashes: [], issues };
  }
  const described: KeyFacts[] = keyBlocks.map((b) => describeKeyBlock(b, field, issues));
  const spkiHashes = described.map((k) => k.spkiSha256).filter((h): h is string => !!h);
  if (keyBlocks.length > 1) {
    issues.push(issue('ITLS202', 'error', `${field} holds ${keyBlocks.length} private keys; Envoy loads only the first one, so the others are at best dead weight and at worst the key that was meant`, { field, keys: keyBlocks.length }));
  }
  return { key: described[0], count: keyBlocks.length, spkiHashes, issues };
}

function describeKeyBlock(block: PemBlock, field: string, issues: CertIssue[]): KeyFacts {
  const legacyEncrypted = /ENCRYPTED/i.test(block.headers['Proc-Type'] ?? '');
  const format = legacyEncrypted ? 'legacy-encrypted' : PEM_KEY_FORMATS[block.label] ?? 'unknown';
  if (format === 'pkcs8-encrypted' || format === 'legacy-encrypted') {
    issues.push(
      typed(issue('ITLS204', 'error', `${field} holds a passphrase-protected private key (${format === 'legacy-encrypted' ? 'legacy "Proc-Type: 4,ENCRYPTED" PEM' : 'encrypted PKCS#8 PEM'}); Envoy has no passphrase and cannot load it. Decrypt it with: openssl pkey -in encrypted.pem -out key.pem`, { field, format }), 'encrypted-key', field),
    );
    return { type: 'unknown', format, encrypted: true };
  }
  if (format === 'unknown') {
    issues.push(typed(issue('ITLS204', 'error', `${field} holds a "${block.label.replace(/ PRIVATE KEY$/, '')}" private-key block, a key format Envoy cannot load; convert it to PKCS#8 PEM with: openssl pkey -in key -out key.pem`, { field, label: block.label }), 'key-format', field));
    return { type: 'unknown', format, encrypted: false };
  }
  try {
    return keyFactsOf(block.der, format);
  } catch (e) {
    issues.push(issue('ITLS202', 'error', `${field} holds a private-key block that cannot be read (${(e as Error).message})`, { field }));
    return { type: 'unknown', format, encrypted: false };
  }
}

/** Why Envoy refuses to serve a certificate with this public key (context_impl.cc), if it does. */
export function envoyKeyProblem(cert: CertFacts): string | undefined {
  const k = cert.publicKey;
  if (k.type === 'rsa') {
    if (k.bits !== undefined && k.bits < 2048) return `Envoy only serves RSA certificates with 2048-bit or larger keys; this one has ${k.bits} bits`;
    return undefined;
  }
  if (k.type === 'ec') {
    if (k.curve === 'prime256v1' || k.curve === 'secp384r1' || k.curve === 'secp521r1') return undefined;
    return `Envoy only serves P-256, P-384 or P-521 ECDSA certificates; this key is on ${k.curve ?? 'an unknown curve'}`;
  }
  return `Envoy only serves RSA and ECDSA certificates; this one has a${k.type === 'ed25519' ? 'n' : ''} ${k.type} key`;
}

function keysOf(data: Record<string, Buffer>, raw: Data): string {
  const names = Object.keys(raw).sort();
  return names.length ? names.map((n) => `${n}${data[n]?.length ? '' : ' (empty)'}`).join(', ') : 'no keys';
}

/** A Secret's `data` (base64 values) decoded as Istio reads a credential; `caData` = the `<name>-cacert` secret. */
export function decodeCredential(data: Data, caData?: Data): DecodedCredential {
  const values = decodeValues(data);
  const present = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const nonEmpty = (k: string) => (values[k]?.length ?? 0) > 0;
  const result: DecodedCredential = { certificates: [], caCertificates: [], issues: [] };

  let certField: 'cert' | 'tls.crt' | undefined;
  let keyField: 'key' | 'tls.key' | undefined;
  if (nonEmpty('cert') && nonEmpty('key')) [certField, keyField] = ['cert', 'key'];
  else if (nonEmpty('tls.crt') && nonEmpty('tls.key')) [certField, keyField] = ['tls.crt', 'tls.key'];

  if (!certField || !keyField) {
    const found = keysOf(values, data);
    let message: string;
    if (present('cert') && present('key')) message = `found keys "cert" and "key", but ${!nonEmpty('cert') && !nonEmpty('key') ? 'both are' : `"${nonEmpty('cert') ? 'key' : 'cert'}" is`} empty (Istio: found keys "cert" and "key", but they were empty)`;
    else if (present('tls.crt') && present('tls.key')) message = `found keys "tls.crt" and "tls.key", but ${!nonEmpty('tls.crt') && !nonEmpty('tls.key') ? 'both are' : `"${nonEmpty('tls.crt') ? 'tls.key' : 'tls.crt'}" is`} empty (Istio: found keys "tls.crt" and "tls.key", but they were empty)`;
    else {
      const hint = present('tls.crt') || present('cert') ? ' — the private key is missing' : present('tls.key') || present('key') ? ' — the certificate is missing' : '';
      message = `the secret has neither "cert"+"key" nor "tls.crt"+"tls.key" with values (found: ${found})${hint}. Istio reads only those key names`;
    }
    result.issues.push(issue('ITLS202', 'error', message, { found }));
  } else {
    result.certKey = certField;
    result.keyKey = keyField;
    const certs = parseCertificateValue(values[certField], certField);
    result.certificates = certs.certificates;
    result.issues.push(...certs.issues);
    const parsedKey = parseKeyValue(values[keyField], keyField);
    result.issues.push(...parsedKey.issues);
    if (parsedKey.key) result.key = parsedKey.key;
    const leaf = result.certificates[0];
    if (leaf && parsedKey.key?.spkiSha256) {
      result.keyMatchesLeaf = parsedKey.key.spkiSha256 === leaf.publicKey.spkiSha256;
      if (!result.keyMatchesLeaf) {
        const elsewhere = result.certificates.findIndex((c) => c.publicKey.spkiSha256 === parsedKey.key!.spkiSha256);
        const other = parsedKey.spkiHashes.slice(1).some((h) => h === leaf.publicKey.spkiSha256);
        const hint =
          elsewhere > 0
            ? ` The key belongs to certificate #${elsewhere + 1} in ${certField} (${result.certificates[elsewhere].subject}): Envoy serves the FIRST certificate as the leaf, so put that certificate first.`
            : other
              ? ` One of the other keys in ${keyField} does match: keep only that one.`
              : ' The key and the certificate come from different requests (a renewed certificate with the old key, or the wrong key file).';
        result.issues.push(
          issue('ITLS203', 'error', `the private key in ${keyField} does not belong to the leaf certificate in ${certField} (${leaf.subject || leaf.fingerprint256}); Envoy rejects the pair and the server's handshakes fail.${hint}`, {
            leafSubject: leaf.subject,
            leafFingerprint256: leaf.fingerprint256,
            leafPublicKeySha256: leaf.publicKey.spkiSha256,
            keyPublicKeySha256: parsedKey.key.spkiSha256,
          }),
        );
      }
    }
    if (leaf) {
      const problem = envoyKeyProblem(leaf);
      if (problem) result.issues.push(typed(issue('ITLS204', 'error', `${problem}; the listener for this credential fails to load`, { keyType: leaf.publicKey.type, keyBits: leaf.publicKey.bits ?? null, curve: leaf.publicKey.curve ?? null }), 'key-type'));
    }
  }

  // What Istio leaves unread because a key it prefers is there: an engineer who decodes tls.crt must
  // learn that cert was served instead (and what tls.crt holds).
  const ignored: string[] = [];
  if (certField === 'cert') {
    for (const k of ['tls.crt', 'tls.key']) if (present(k)) ignored.push(k);
    if (nonEmpty('tls.crt')) {
      const shadowed = parseCertificateValue(values['tls.crt'], 'tls.crt').certificates;
      if (shadowed.length) result.ignoredCertificates = shadowed;
    }
  }
  if (caData) {
    for (const k of ['cacert', 'ca.crt']) if (present(k)) ignored.push(k);
  }

  // Client CA (MUTUAL / OPTIONAL_MUTUAL only; callers decide whether it matters).
  const caRaw = caData ?? data;
  const caValues = caData ? decodeValues(caData) : values;
  const caSource = caData ? 'the <name>-cacert secret' : 'the secret';
  const caPresent = (k: string) => Object.prototype.hasOwnProperty.call(caRaw, k);
  const caNonEmpty = (k: string) => (caValues[k]?.length ?? 0) > 0;
  const caField = caNonEmpty('cacert') ? 'cacert' : caNonEmpty('ca.crt') ? 'ca.crt' : undefined;
  if (caField === 'cacert' && caPresent('ca.crt')) ignored.push(caData ? 'ca.crt (in the <name>-cacert secret)' : 'ca.crt');
  if (ignored.length) result.ignoredKeys = ignored;
  if (caField) {
    result.caKey = caField;
    result.caSource = caData ? 'cacert-secret' : 'main-secret';
    const ca = parseCertificateValue(caValues[caField], `${caField} (in ${caSource})`, 'ITLS205');
    result.caCertificates = ca.certificates;
    result.issues.push(...ca.issues);
    const nonCa = ca.certificates.filter((c) => c.isCA !== true);
    if (ca.certificates.length > 0 && nonCa.length === ca.certificates.length) {
      result.issues.push(issue('ITLS205', 'warning', `the client CA bundle ${caField} holds no CA certificate (${nonCa.map((c) => c.subject || c.fingerprint256).join('; ')}): only clients presenting exactly these certificates can connect; put the CA that issues client certificates there`, { field: caField }));
    } else if (nonCa.length) {
      result.issues.push(issue('ITLS205', 'warning', `the client CA bundle ${caField} also holds ${nonCa.length} non-CA certificate(s) (${nonCa.map((c) => c.subject || c.fingerprint256).join('; ')})`, { field: caField }));
    }
  } else if (caPresent('cacert') || caPresent('ca.crt')) {
    const k = caPresent('cacert') ? 'cacert' : 'ca.crt';
    result.caSource = caData ? 'cacert-secret' : 'main-secret';
    result.issues.push(issue('ITLS205', 'error', `found key "${k}" in ${caSource}, but it was empty; MUTUAL TLS needs the client CA bundle there`, { field: k }));
  } else if (caData) {
    result.caSource = 'cacert-secret';
    result.issues.push(issue('ITLS205', 'error', `the <name>-cacert secret exists (and wins over ca.crt in the main secret) but has neither "cacert" nor "ca.crt" (found: ${keysOf(caValues, caRaw)})`, { found: keysOf(caValues, caRaw) }));
  }
  return result;
}
