// ITLS201-205: credential secrets as Istio reads them (S1): the secret named by credentialName in the
// namespace of the gateway pods, `cert`/`key` before `tls.crt`/`tls.key`, the client CA from
// `<name>-cacert` else `cacert`/`ca.crt`.
import type { Snapshot } from '../snapshot/types.js';
import type { CertIssue } from '../tls/types.js';
import {
  clientCaBundle,
  createMissingSecret,
  decryptKey,
  fixKeyPair,
  reissueAsServerCertificate,
  repairSecretKeys,
  type CredentialTarget,
} from '../remediation/certificates.js';
import { findingFor, listWords, parseCredentialName, terminatesTls, type CredentialResolution, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import { sentence } from '../findings/voice.js';
import type { CheckModule, CodeSpec, EvidenceValue, Finding, Remediation } from '../findings/types.js';
import { visible } from '../model/visibility.js';
import { staleCertKeyFix } from '../remediation/credentials.js';

export const credentialCodes: CodeSpec[] = [
  {
    code: 'ITLS201',
    severity: 'error',
    title: 'Credential secret not found',
    meaning: "The secret named by a Gateway server's credentialName does not exist in the namespace of the gateway pods.",
    why: 'istiod reads credentialName secrets only from the namespace where the gateway pods run (not the Gateway resource\'s namespace). Without the secret it sends no certificate, and every TLS handshake for the server\'s hosts fails.',
    example: 'credentialName: kiali-tls on a Gateway in namespace kiali, gateway pods in istio-system, secret kiali-tls only in kiali.',
    fix: 'Create the secret (kubectl create secret tls NAME -n <gateway pod namespace> --cert=fullchain.pem --key=privkey.pem).',
  },
  {
    code: 'ITLS202',
    severity: 'error',
    title: 'Credential secret unusable',
    meaning: 'The secret exists but Istio cannot read a certificate and key from it: wrong or empty keys, not PEM (DER or base64 encoded twice), a key where the certificate should be, several keys.',
    why: 'istiod logs "failed to fetch key and certificate" and pushes nothing for this credential, so handshakes for these hosts fail; a bundle Envoy cannot parse is rejected the same way.',
    example: 'data: {tls.crt: <base64 of base64 of PEM>, tls.key: ...} — the value still looks like base64 after decoding.',
    fix: 'Recreate the secret from the PEM files with kubectl create secret tls, which encodes them once under tls.crt and tls.key.',
  },
  {
    code: 'ITLS203',
    severity: 'error',
    title: 'Private key does not match the certificate',
    meaning: 'The private key in the secret is not the key of the leaf (first) certificate.',
    why: 'Envoy refuses a certificate whose key does not match; the credential is not loaded and the server\'s handshakes fail.',
    example: 'A renewed certificate stored with the previous private key, or the chain stored intermediate-first.',
    fix: 'Store the key that belongs to the leaf (compare openssl x509 -pubkey and openssl pkey -pubout hashes), with the leaf first in the bundle.',
  },
  {
    code: 'ITLS204',
    severity: 'error',
    title: 'Private key or key type Envoy cannot load',
    meaning: 'The private key is passphrase-protected (PKCS#8 ENCRYPTED or legacy Proc-Type: 4,ENCRYPTED), in a format Envoy cannot read, or the certificate uses a key type Envoy does not serve (Ed25519, RSA under 2048 bits, EC curves other than P-256/P-384/P-521).',
    why: 'Envoy has no passphrase and supports only RSA and ECDSA server certificates; it rejects the credential and the server fails.',
    example: 'An encrypted PKCS#8 PEM key (BEGIN ENCRYPTED ...) in tls.key, or an Ed25519 certificate.',
    fix: 'Decrypt the key (openssl pkey -in enc.pem -out key.pem) or re-issue with ECDSA P-256 or RSA 2048+.',
  },
  {
    code: 'ITLS205',
    severity: 'error',
    title: 'MUTUAL TLS without a usable client CA bundle',
    meaning: 'A MUTUAL or OPTIONAL_MUTUAL server has no client CA: no <name>-cacert secret and no cacert/ca.crt key, or the bundle is empty, not PEM, or holds no CA certificate.',
    why: 'Envoy needs the CA bundle to verify client certificates; without it istiod cannot build the validation context and the server fails (or no client certificate verifies).',
    example: 'tls.mode: MUTUAL with a kubernetes.io/tls secret holding only tls.crt and tls.key.',
    fix: 'Create <name>-cacert with key ca.crt holding the CA that issues the client certificates.',
  },
];

const MUTUAL = new Set(['MUTUAL', 'OPTIONAL_MUTUAL']);

/** One credential as one server of one Gateway uses it, resolved for one workload namespace. */
export interface CredentialUse {
  gm: GatewayModel;
  server: ServerModel;
  credentialName: string;
  workloadNamespace: string;
  resolution: CredentialResolution;
  /** true when no pod was known and the Gateway's namespace was assumed */
  assumedNamespace: boolean;
  /** index in credentialNames (0 for credentialName) */
  slot: number;
}

/** Every (server, credentialName, workload namespace) that terminates TLS with a Secret. */
export function credentialUses(snapshot: Snapshot, model: Model): CredentialUse[] {
  const uses: CredentialUse[] = [];
  for (const gm of model.gateways) {
    let namespaces = gm.workloadNamespaces;
    let assumedNamespace = false;
    // (live, pods that could not be listed say nothing about where the gateway runs: no assumption)
    if (namespaces.length === 0 && snapshot.pods.length === 0 && gm.gateway.metadata.namespace && visible(snapshot, 'pods')) {
      // offline manifests without pods: the usual layout keeps Gateway and gateway pods together
      namespaces = [gm.gateway.metadata.namespace];
      assumedNamespace = true;
    }
    for (const server of gm.servers) {
      if (!terminatesTls(server.server)) continue;
      server.credentialNames.forEach((credentialName, slot) => {
        if (parseCredentialName(credentialName).builtin) return;
        for (const workloadNamespace of namespaces) {
          uses.push({ gm, server, credentialName, workloadNamespace, resolution: model.credential(credentialName, workloadNamespace), assumedNamespace, slot });
        }
      });
    }
  }
  return uses;
}

export function targetOf(use: CredentialUse): CredentialTarget {
  const t: CredentialTarget = { name: use.resolution.name, namespace: use.resolution.namespace, hosts: use.server.hosts.map((h) => h.host).filter((h) => h !== '*') };
  if (use.resolution.decoded?.certKey) t.certKey = use.resolution.decoded.certKey;
  return t;
}

/** Evidence every credential finding carries. */
export function useEvidence(use: CredentialUse): Record<string, EvidenceValue> {
  const e: Record<string, EvidenceValue> = {
    secret: `${use.resolution.namespace}/${use.resolution.name}`,
    credentialName: use.credentialName,
    workloadNamespace: use.workloadNamespace,
    hosts: use.server.hosts.map((h) => h.host),
    mode: use.server.mode ?? null,
  };
  if (use.assumedNamespace) e.namespaceAssumed = 'no gateway pod in the input: assumed the Gateway namespace is the workload namespace';
  // Istio's reading, when it skipped keys: which were read, which ignored, what an ignored tls.crt holds
  const decoded = use.resolution.decoded;
  if (decoded?.ignoredKeys?.length) {
    const read = [decoded.certKey, decoded.keyKey, decoded.caKey && (decoded.caSource === 'cacert-secret' ? `${decoded.caKey} (in ${use.resolution.name}-cacert)` : decoded.caKey)].filter(Boolean);
    e.keysRead = read.join(', ');
    e.keysIgnored = `${decoded.ignoredKeys.join(', ')} (Istio reads ${decoded.certKey === 'cert' ? 'cert/key before tls.crt/tls.key' : 'the <name>-cacert secret before ca.crt'})`;
    const shadowed = decoded.ignoredCertificates?.[0];
    if (shadowed) e.ignoredTlsCrt = `${shadowed.subject || shadowed.fingerprint256}; SANs ${shadowed.dnsNames.join(', ') || 'none'}; notAfter ${shadowed.notAfter}`;
  }
  return e;
}

/** When the ignored tls.crt/tls.key would not have this problem (credential-fixes.ts decided): say so in the message. */
export function ignoredPairSentence(use: CredentialUse, host: string): string {
  const shadowed = use.resolution.decoded?.ignoredCertificates?.[0];
  const what = shadowed ? ` (${shadowed.subject || shadowed.fingerprint256}${host ? `, covering ${host}` : ''})` : '';
  return ` tls.crt in the same secret holds a certificate without this problem${what}, but Istio serves cert/key while they exist.`;
}

/** One finding per host of the server (the report groups by host). */
export function perHost(use: CredentialUse, make: (host: string) => Finding): Finding[] {
  const hosts = use.server.hosts.length ? use.server.hosts.map((h) => h.host) : [''];
  return hosts.map((h) => {
    const f = make(h);
    if (h === '') delete f.host;
    return f;
  });
}

function remediationFor(use: CredentialUse, issue: CertIssue): Remediation {
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

/** A secret not in the snapshot is missing only where secrets could be read (live: that namespace's LIST succeeded). */
function secretsUnreadable(snapshot: Snapshot, model: Model, namespace: string): boolean {
  if (!model.wasRead('secrets')) return true;
  return !visible(snapshot, 'secrets', namespace);
}

export const credentialsCheck: CheckModule = {
  id: 'credentials',
  codes: credentialCodes,
  reads: ['gateways', 'pods', 'secrets'],
  run(snapshot, options, model) {
    const findings: Finding[] = [];
    for (const use of credentialUses(snapshot, model)) {
      const { resolution, server, gm } = use;
      const base = { resource: gm.ref, port: server.port };
      if (!resolution.secret) {
        if (secretsUnreadable(snapshot, model, resolution.namespace)) continue;
        const elsewhere = snapshot.secrets
          .filter((s) => s.metadata.name === resolution.name && s.metadata.namespace !== resolution.namespace)
          .map((s) => s.metadata.namespace ?? '');
        const where = elsewhere.length ? ` A secret of that name exists in ${listWords(elsewhere)}, the wrong namespace.` : ' No secret of that name exists in any namespace read.';
        findings.push(
          ...perHost(use, (host) =>
            findingFor(credentialCodes, 'ITLS201', {
              ...base,
              host,
              message: `Secret ${resolution.namespace}/${resolution.name}, which credentialName "${use.credentialName}" names in the gateway pods' namespace, does not exist: the gateway has no certificate for ${host || 'this server'}.${where}`,
              evidence: { ...useEvidence(use), existsIn: elsewhere },
              remediation: createMissingSecret(targetOf(use), elsewhere),
            }),
          ),
        );
        continue;
      }
      const decoded = resolution.decoded;
      if (!decoded) continue;
      const mutual = MUTUAL.has(server.mode ?? '') && use.slot === 0;
      const issues = decoded.issues.filter((i) => i.code !== 'ITLS205' || mutual);
      if (mutual && !decoded.caKey && !decoded.caSource && !server.server.tls?.caCertCredentialName) {
        issues.push({
          code: 'ITLS205',
          severity: 'error',
          message: `tls.mode ${server.mode} needs a client CA bundle, but there is no secret ${resolution.name}-cacert and the secret ${resolution.name} has no "cacert" or "ca.crt" key (it has: ${Object.keys(resolution.secret.data ?? {}).sort().join(', ') || 'nothing'})`,
        });
      }
      for (const issue of issues) {
        findings.push(
          ...perHost(use, (host) => {
            const stale = staleCertKeyFix(use, issue.code, host, options);
            // the proof first (both key hashes of a mismatch), then where
            return findingFor(credentialCodes, issue.code, {
              ...base,
              host,
              severity: issue.severity,
              message: `${sentence(`Secret ${resolution.namespace}/${resolution.name}: ${issue.message}`)}${stale ? ignoredPairSentence(use, host) : ''}`,
              evidence: { ...(issue.evidence ?? {}), ...useEvidence(use) },
              remediation: stale ?? remediationFor(use, issue),
            });
          }),
        );
      }
    }
    return findings;
  },
};
