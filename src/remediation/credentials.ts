// The right cause for a credential that holds two certificates: Istio reads `cert`/`key` before
// `tls.crt`/`tls.key`. When `cert`/`key` hold a stale certificate and `tls.crt`/`tls.key` a good one,
// the fix is one patch that removes `cert` and `key` — not a re-issue, not a new secret.
// Also the fixes for the other credential findings (ITLS201-205).
import type { Secret } from '../snapshot/types.js';
import {
  appendIntermediateFromSecret,
  clientCaBundle,
  copyGoodSecret,
  decodeTwiceEncoded,
  decryptKey,
  fixKeyPair,
  reissueAsServerCertificate,
  removeStaleCertKey,
  repairSecretKeys,
  type CredentialTarget,
} from './certificates.js';
import { decodeCredential, hostIssues, parseCertificates, signedBy, validateChain, type CertFacts, type CertIssue, type DecodedCredential } from '../tls/index.js';
import type { CredentialUse } from '../model/credentials.js';
import { ModelKey, type Model } from '../model/model.js';
import type { CheckOptions } from '../model/options.js';
import type { Remediation } from '../findings/types.js';

const serious = (i: CertIssue) => i.severity === 'error' || i.severity === 'warning';

function validity(leaf: CertFacts, options: CheckOptions): string[] {
  const now = options.now.getTime();
  const notAfter = Date.parse(leaf.notAfter);
  const notBefore = Date.parse(leaf.notBefore);
  if (notAfter <= now) return ['ITLS301'];
  if (notBefore > now) return ['ITLS303'];
  if (notAfter - now < options.expiryWarningMs) return ['ITLS302'];
  return [];
}

/** The error/warning codes Istio's gateway would meet serving this credential for `host`. */
function problems(decoded: DecodedCredential, host: string, options: CheckOptions): Set<string> {
  const codes = new Set(decoded.issues.filter(serious).map((i) => i.code));
  const leaf = decoded.certificates[0];
  if (!leaf) {
    codes.add('ITLS202');
    return codes;
  }
  if (decoded.keyMatchesLeaf === false) codes.add('ITLS203');
  for (const i of validateChain(decoded.certificates, { trustStore: options.trustStore, now: options.now, caHints: decoded.caCertificates }).issues) if (serious(i)) codes.add(i.code);
  for (const c of validity(leaf, options)) codes.add(c);
  if (host) for (const i of hostIssues(leaf, host)) if (serious(i)) codes.add(i.code);
  return codes;
}

/** per secret, per host: what the tls.crt/tls.key pair would cause (null: no usable pair); once per run */
const ALTERNATIVES = new ModelKey<Map<Secret, Map<string, Set<string> | null>>>('tls.crt/tls.key alternatives');

/**
 * `cert`/`key` are served and cause `code` for `host`, while `tls.crt`/`tls.key` in the same secret hold
 * a pair that would not (and adds no problem of its own): remove the stale `cert`/`key`.
 */
export function staleCertKeyFix(model: Model, use: CredentialUse, code: string, host: string, options: CheckOptions): Remediation | undefined {
  const { secret, decoded } = use.resolution;
  if (!secret || !decoded || decoded.certKey !== 'cert') return undefined;
  const data = secret.data ?? {};
  if (!data['tls.crt'] || !data['tls.key']) return undefined;
  const cache = model.cached(ALTERNATIVES, () => new Map());
  let byHost = cache.get(secret);
  if (!byHost) cache.set(secret, (byHost = new Map()));
  let alt = byHost.get(host);
  if (alt === undefined) {
    const other = decodeCredential({ 'tls.crt': data['tls.crt'], 'tls.key': data['tls.key'] });
    const usable = other.certificates[0] && other.keyMatchesLeaf === true;
    alt = usable ? problems({ ...other, caCertificates: decoded.caCertificates }, host, options) : null;
    byHost.set(host, alt);
  }
  if (!alt || alt.has(code)) return undefined;
  const current = problems(decoded, host, options);
  for (const c of alt) if (!current.has(c)) return undefined;
  const t = { name: use.resolution.name, namespace: use.resolution.namespace, certKey: 'cert' };
  const fix = removeStaleCertKey(t);
  return {
    ...fix,
    notes: [
      `tls.crt/tls.key in the same secret hold a certificate that has no such problem${host ? ` for ${host}` : ''}; Istio serves cert/key while they exist.`,
      ...(fix.notes ?? []),
    ],
  };
}

/**
 * The fix of one problem code of one credential, for all its issues of that code at once: keys that are
 * only encoded twice are decoded once in place (the cluster holds the right PEM); the others as usual.
 */
export function credentialGroupFix(use: CredentialUse, group: CertIssue[]): Remediation {
  if (group.every((i) => i.cause === 'encoded-twice' && i.field)) return decodeTwiceEncoded(targetOf(use), [...new Set(group.map((i) => i.field!))]);
  return credentialFix(use, group.length > 1 ? { ...group[0], message: group.map((i) => i.message).join('; ') } : group[0]);
}

export function credentialFix(use: CredentialUse, issue: CertIssue): Remediation {
  const t = targetOf(use);
  switch (issue.code) {
    case 'ITLS203':
      return fixKeyPair(t, 'Store the private key that belongs to the leaf certificate, with the leaf first in the bundle.');
    case 'ITLS204':
      // decided on the issue's typed cause, never on the TLS engine's words
      if (issue.cause === 'encrypted-key' || issue.cause === 'key-format') return decryptKey(t);
      return reissueAsServerCertificate(t, 'with an ECDSA P-256 or RSA 2048+ key, which Envoy can serve');
    case 'ITLS205':
      return clientCaBundle(t);
    default:
      return repairSecretKeys(t, issue.message);
  }
}

export function targetOf(use: CredentialUse): CredentialTarget {
  const t: CredentialTarget = { name: use.resolution.name, namespace: use.resolution.namespace, hosts: use.server.hosts.map((h) => h.host).filter((h) => h !== '*') };
  if (use.resolution.decoded?.certKey) t.certKey = use.resolution.decoded.certKey;
  return t;
}

/** per Secret of the same name elsewhere, per host: the serious problems it would have (null: no usable pair) */
const COPIES = new ModelKey<Map<Secret, Map<string, Set<string> | null>>>('same-named Secret copies');

/**
 * The Secret the gateway reads causes `code` for `host`, and a Secret of the same name in another
 * namespace — same type, every key the served one has — would serve `host` with no serious problem:
 * copy that one over it through the cluster (no file asked for).
 */
export function goodCopyFix(model: Model, use: CredentialUse, code: string, host: string, options: CheckOptions): Remediation | undefined {
  const { secret } = use.resolution;
  if (!secret) return undefined;
  const keys = Object.keys(secret.data ?? {});
  const cache = model.cached(COPIES, () => new Map());
  for (const other of model.secretsNamed(use.resolution.name)) {
    const ns = other.metadata.namespace ?? '';
    if (other === secret || ns === use.resolution.namespace) continue;
    if ((other.type ?? 'Opaque') !== (secret.type ?? 'Opaque')) continue;
    if (!keys.every((k) => other.data?.[k] !== undefined)) continue;
    let byHost = cache.get(other);
    if (!byHost) cache.set(other, (byHost = new Map()));
    let p = byHost.get(host);
    if (p === undefined) {
      const d = decodeCredential(other.data ?? {});
      p = d.certificates[0] && d.keyMatchesLeaf === true ? problems(d, host, options) : null;
      byHost.set(host, p);
    }
    if (!p || p.size > 0 || p.has(code)) continue;
    return copyGoodSecret(targetOf(use), ns);
  }
  return undefined;
}

/** Every CA certificate (not self-signed) the cluster's Secrets hold alone in one key, by subject: indexed once. */
const INTERMEDIATES = new ModelKey<Map<string, { secret: Secret; key: string; cert: CertFacts }[]>>('intermediates in Secrets');
function intermediatesInCluster(model: Model): Map<string, { secret: Secret; key: string; cert: CertFacts }[]> {
  return model.cached(INTERMEDIATES, () => {
    const index = new Map<string, { secret: Secret; key: string; cert: CertFacts }[]>();
    for (const secret of model.snapshot.secrets) {
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        const text = Buffer.from(value, 'base64').toString('utf8');
        if (!text.includes('-----BEGIN CERTIFICATE-----') || text.includes('PRIVATE KEY')) continue;
        const certs = parseCertificates(text).certificates;
        const c = certs[0];
        if (certs.length !== 1 || c.isCA !== true || c.subject === c.issuer) continue;
        index.set(c.subject, [...(index.get(c.subject) ?? []), { secret, key, cert: c }]);
      }
    }
    return index;
  });
}

/**
 * ITLS306 for a bundle that holds the leaf alone, when another Secret in the cluster holds the
 * intermediate that signed it (and leaf + intermediate then chain to a trusted root): append it through
 * the cluster instead of asking for a file.
 */
export function intermediateFromClusterFix(model: Model, use: CredentialUse, options: CheckOptions): Remediation | undefined {
  const { secret, decoded } = use.resolution;
  const leaf = decoded?.certificates[0];
  const certKey = decoded?.certKey;
  if (!secret || !decoded || !leaf || !certKey || decoded.certificates.length !== 1) return undefined;
  const seen = secret.data?.[certKey];
  if (!seen) return undefined;
  for (const c of intermediatesInCluster(model).get(leaf.issuer) ?? []) {
    if (c.secret === secret || !signedBy(leaf, c.cert)) continue;
    const report = validateChain([leaf, c.cert], { trustStore: options.trustStore, now: options.now });
    if (report.issues.some((i) => i.code === 'ITLS306' || i.severity === 'error')) continue;
    const newlineBetween = !Buffer.from(seen, 'base64').toString('utf8').endsWith('\n');
    return appendIntermediateFromSecret(
      { ...targetOf(use), certKey, seen, newlineBetween },
      { name: c.secret.metadata.name, namespace: c.secret.metadata.namespace ?? 'default', key: c.key, certificateBase64: c.secret.data?.[c.key] ?? '' },
      c.cert.subject,
    );
  }
  return undefined;
}
