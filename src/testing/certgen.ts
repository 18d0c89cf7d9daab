// Certificates generated at test/materialization time, so no key is ever committed.
// node:crypto makes the keys (fast, every type we need); @peculiar/x509 builds and signs the
// certificates through WebCrypto. Keys are cached under .cache/certgen (git-ignored): the n-th key of
// a type in a process is always the same file, so reruns are fast (RSA 4096 takes seconds) while keys
// stay distinct within one process.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pkijs from 'pkijs';

type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
const x509Crypto = webcrypto as unknown as X509Crypto;
x509.cryptoProvider.set(x509Crypto);

export type KeyType = 'rsa1024' | 'rsa2048' | 'rsa4096' | 'p256' | 'p384' | 'p521' | 'ed25519';

export interface CertSpec {
  cn?: string;
  o?: string;
  dns?: string[];
  ips?: string[];
  keyType?: KeyType;
  /** omitted = self-signed */
  issuer?: IssuedCert;
  ca?: boolean;
  pathLen?: number;
  /** names: digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly */
  keyUsage?: string[];
  /** names: serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning, any — or OIDs */
  extKeyUsage?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** hex */
  serial?: string;
  omitBasicConstraints?: boolean;
  omitSan?: boolean;
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA-1';
  // ---- additions beyond the shared briefing ----
  /** reuse an existing private key (PEM) — for cross-signed certificates that share subject and key */
  keyPem?: string;
  /** DNS name constraints on a CA certificate */
  nameConstraints?: { permittedDns?: string[]; excludedDns?: string[] };
  /** extra extensions, e.g. an unknown critical one */
  extraExtensions?: { oid: string; critical: boolean; valueDer?: Uint8Array }[];
  /** omit the key usage extension entirely */
  omitKeyUsage?: boolean;
  /** subject as an @peculiar/x509 JSON name, to choose string encodings (e.g. [{ CN: [{ printableString: 'x' }] }]) */
  subjectJson?: unknown;
  /** issuer name written into the certificate instead of the issuer's own subject bytes (DN string) */
  issuerNameOverride?: string;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** issuers up to the root, nearest first */
  chain: IssuedCert[];
  spec: CertSpec;
}

const EKU_OIDS: Record<string, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  any: '2.5.29.37.0',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

const KEY_USAGE_FLAGS: Record<string, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  contentCommitment: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  encipherOnly: x509.KeyUsageFlags.encipherOnly,
  decipherOnly: x509.KeyUsageFlags.decipherOnly,
};

/** The package root (where package.json is), for caches and the corpora beside the checkout. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

const KEY_CACHE_DIR = process.env.CERTGEN_CACHE_DIR ?? join(repoRoot(), '.cache', 'certgen', 'keys');
const keyCounters = new Map<KeyType, number>();

function generateKeyPem(type: KeyType): string {
  const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }) as string;
  switch (type) {
    case 'rsa1024':
      return pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    case 'rsa2048':
      return pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    case 'rsa4096':
      return pem(generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey);
    case 'p256':
      return pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    case 'p384':
      return pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey);
    case 'p521':
      return pem(generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey);
    case 'ed25519':
      return pem(generateKeyPairSync('ed25519').privateKey);
  }
}

/** The n-th key of a type in this process; cached on disk across runs. */
export function nextKeyPem(type: KeyType): string {
  const n = keyCounters.get(type) ?? 0;
  keyCounters.set(type, n + 1);
  const file = join(KEY_CACHE_DIR, `${type}-${n}.pem`);
  try {
    const cached = readFileSync(file, 'utf8');
    createPrivateKey(cached); // a torn or corrupt file is regenerated
    return cached;
  } catch {
    const pem = generateKeyPem(type);
    try {
      mkdirSync(KEY_CACHE_DIR, { recursive: true });
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(tmp, pem, { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // a read-only checkout only loses the cache
    }
    return pem;
  }
}

function keyTypeOf(key: KeyObject): KeyType {
  const t = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails ?? {};
  if (t === 'rsa') return d.modulusLength && d.modulusLength >= 4096 ? 'rsa4096' : d.modulusLength && d.modulusLength <= 1024 ? 'rsa1024' : 'rsa2048';
  if (t === 'ec') return d.namedCurve === 'secp384r1' ? 'p384' : d.namedCurve === 'secp521r1' ? 'p521' : 'p256';
  if (t === 'ed25519') return 'ed25519';
  throw new Error(`certgen: unsupported key type ${t}`);
}

function webAlgorithm(type: KeyType, hash: string): { importAlg: RsaHashedImportParams | EcKeyImportParams | Algorithm; signAlg: Algorithm | EcdsaParams } {
  if (type.startsWith('rsa')) {
    return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash }, signAlg: { name: 'RSASSA-PKCS1-v1_5', hash } as Algorithm };
  }
  if (type === 'ed25519') return { importAlg: { name: 'Ed25519' }, signAlg: { name: 'Ed25519' } };
  const namedCurve = type === 'p384' ? 'P-384' : type === 'p521' ? 'P-521' : 'P-256';
  return { importAlg: { name: 'ECDSA', namedCurve }, signAlg: { name: 'ECDSA', hash } as EcdsaParams };
}

async function importPrivate(keyPem: string, hash: string): Promise<{ key: CryptoKey; signAlg: Algorithm | EcdsaParams }> {
  const keyObject = createPrivateKey(keyPem);
  const type = keyTypeOf(keyObject);
  const { importAlg, signAlg } = webAlgorithm(type, hash);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = (await webcrypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign'])) as unknown as CryptoKey;
  return { key, signAlg };
}

async function importPublic(keyPem: string, hash: string): Promise<CryptoKey> {
  const keyObject = createPublicKey(keyPem);
  const type = keyTypeOf(keyObject);
  const { importAlg } = webAlgorithm(type, hash);
  const der = keyObject.export({ type: 'spki', format: 'der' });
  return (await webcrypto.subtle.importKey('spki', der, importAlg, true, ['verify'])) as unknown as CryptoKey;
}

function randomSerial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive INTEGER
  if (b[0] === 0) b[0] = 0x01;
  return b.toString('hex');
}

function subjectName(spec: CertSpec): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  const parts: string[] = [];
  const cn = spec.cn ?? (spec.ca ? 'Certgen Test CA' : spec.dns?.[0] ?? 'certgen-leaf');
  parts.push(`CN=${esc(cn)}`);
  if (spec.o) parts.push(`O=${esc(spec.o)}`);
  return parts.join(', ');
}

function nameConstraintsExtension(nc: NonNullable<CertSpec['nameConstraints']>): x509.Extension {
  const subtree = (dns: string) => new pkijs.GeneralSubtree({ base: new pkijs.GeneralName({ type: 2, value: dns }) });
  const params: { permittedSubtrees?: pkijs.GeneralSubtree[]; excludedSubtrees?: pkijs.GeneralSubtree[] } = {};
  if (nc.permittedDns?.length) params.permittedSubtrees = nc.permittedDns.map(subtree);
  if (nc.excludedDns?.length) params.excludedSubtrees = nc.excludedDns.map(subtree);
  const der = new pkijs.NameConstraints(params).toSchema().toBER(false);
  return new x509.Extension('2.5.29.30', true, der);
}

/** Issue one certificate (self-signed when spec.issuer is omitted). */
export async function issueCert(spec: CertSpec): Promise<IssuedCert> {
  const keyType = spec.keyType ?? 'p256';
  const keyPem = spec.keyPem ?? nextKeyPem(keyType);
  const hash = spec.hash ?? 'SHA-256';
  const ownKeyType = keyTypeOf(createPrivateKey(keyPem));
  const issuer = spec.issuer;
  const signer = await importPrivate(issuer ? issuer.keyPem : keyPem, hash);
  const publicKey = await importPublic(createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }) as string, hash);

  const now = Date.now();
  const notBefore = spec.notBefore ?? new Date(now - 60 * 60 * 1000);
  const notAfter = spec.notAfter ?? new Date(now + (spec.ca ? 3650 : 90) * 24 * 60 * 60 * 1000);

  const extensions: x509.Extension[] = [];
  if (!spec.omitBasicConstraints) {
    extensions.push(new x509.BasicConstraintsExtension(!!spec.ca, spec.ca ? spec.pathLen : undefined, true));
  }
  if (!spec.omitKeyUsage) {
    const names = spec.keyUsage ?? (spec.ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ownKeyType.startsWith('rsa') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
    let flags = 0;
    for (const n of names) {
      const f = KEY_USAGE_FLAGS[n];
      if (f === undefined) throw new Error(`certgen: unknown key usage ${n}`);
      flags |= f;
    }
    if (names.length) extensions.push(new x509.KeyUsagesExtension(flags, true));
  }
  const eku = spec.extKeyUsage ?? (spec.ca ? [] : ['serverAuth', 'clientAuth']);
  if (eku.length) extensions.push(new x509.ExtendedKeyUsageExtension(eku.map((e) => EKU_OIDS[e] ?? e), false));
  const dns = spec.dns ?? (!spec.ca && !spec.ips?.length && spec.cn ? [spec.cn] : []);
  const ips = spec.ips ?? [];
  if (!spec.omitSan && (dns.length || ips.length)) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        [...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))],
        false,
      ),
    );
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false, x509Crypto));
  if (issuer) {
    const issuerCert = new x509.X509Certificate(issuer.certPem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert, false, x509Crypto));
  }
  if (spec.nameConstraints) extensions.push(nameConstraintsExtension(spec.nameConstraints));
  for (const e of spec.extraExtensions ?? []) {
    extensions.push(new x509.Extension(e.oid, e.critical, e.valueDer ?? new Uint8Array([0x05, 0x00])));
  }

  const subject = (spec.subjectJson as string | undefined) ?? subjectName(spec);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: spec.serial ?? randomSerial(),
      subject,
      issuer: spec.issuerNameOverride ?? (issuer ? new x509.X509Certificate(issuer.certPem).subjectName : subject),
      notBefore,
      notAfter,
      publicKey,
      signingKey: signer.key as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[0] extends { signingKey: infer K } ? K : never,
      signingAlgorithm: signer.signAlg,
      extensions,
    },
    x509Crypto,
  );
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem,
    chain: issuer ? [issuer, ...issuer.chain] : [],
    spec,
  };
}

/** The certificate followed by its issuers; the self-signed root only when includeRoot. */
export function chainPem(c: IssuedCert, opts: { includeRoot?: boolean } = {}): string {
  const issuers = c.chain.filter((i, idx) => opts.includeRoot || !(idx === c.chain.length - 1 && !i.spec.issuer));
  return [c, ...issuers].map((i) => i.certPem.trimEnd() + '\n').join('');
}

/** Convenience: root CA → (intermediates) → leaf for the given hosts. */
export async function issueChain(opts: {
  dns: string[];
  keyType?: KeyType;
  intermediates?: number;
  leaf?: Partial<CertSpec>;
}): Promise<{ root: IssuedCert; intermediates: IssuedCert[]; leaf: IssuedCert }> {
  const keyType = opts.keyType ?? 'p256';
  const root = await issueCert({ cn: 'Certgen Root CA', o: 'certgen', ca: true, keyType });
  const intermediates: IssuedCert[] = [];
  let parent = root;
  for (let i = 0; i < (opts.intermediates ?? 1); i++) {
    parent = await issueCert({ cn: `Certgen Intermediate ${i + 1}`, o: 'certgen', ca: true, keyType, issuer: parent });
    intermediates.push(parent);
  }
  const leaf = await issueCert({ dns: opts.dns, keyType, issuer: parent, ...opts.leaf });
  return { root, intermediates, leaf };
}
