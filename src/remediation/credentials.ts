// The right cause for a credential that holds two certificates: Istio reads `cert`/`key` before
// `tls.crt`/`tls.key`. When `cert`/`key` hold a stale certificate and `tls.crt`/`tls.key` a good one,
// the fix is one patch that removes `cert` and `key` — not a re-issue, not a new secret.
// Also the fixes for the other credential findings (ITLS201-205).
import type { Secret } from '../snapshot/types.js';
import { clientCaBundle, decryptKey, fixKeyPair, reissueAsServerCertificate, removeStaleCertKey, repairSecretKeys, type CredentialTarget } from './certificates.js';
import { decodeCredential, hostIssues, validateChain, type CertFacts, type CertIssue, type DecodedCredential } from '../tls/index.js';
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

export function credentialFix(use: CredentialUse, issue: CertIssue): Remediation {
  const t = targetOf(use);
  switch (issue.code) {
    case 'ITLS203':
      return fixKeyPair(t, 'Store the private key that belongs to the leaf certificate, with the leaf first in the bundle.');
    case 'ITLS204':
      if (/passphrase|format/.test(issue.message)) return decryptKey(t);
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
