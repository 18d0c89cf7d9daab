// Fixes for credential (2xx) and certificate (3xx) findings. What only the user has (the new
// certificate, its key) is a checked shell variable; what the cluster holds is read from the cluster.
// Existing secrets are patched in place: type and other keys kept, the keys Istio reads written.
import type { CertIssue } from '../tls/types.js';
import type { Remediation } from '../findings/types.js';
import {
  appendCertificateCommands,
  caRef,
  copySecretCommand,
  decodeOnceCommand,
  createTlsSecretCommand,
  fileVar,
  patchCredentialCommand,
  removeSecretKeysCommand,
} from './common.js';

export interface CredentialTarget {
  /** secret name (as Istio resolves it) */
  name: string;
  /** workload namespace the gateway reads it from */
  namespace: string;
  /** the data key holding the certificate, when known */
  certKey?: string;
  hosts?: string[];
}

function inspectCommand(t: CredentialTarget): string {
  const key = (t.certKey ?? 'tls.crt').replace(/\./g, '\\.');
  return `kubectl get secret ${t.name} -n ${t.namespace} -o jsonpath='{.data.${key}}' | base64 -d | openssl x509 -noout -subject -issuer -dates -ext subjectAltName`;
}

const SDS_NOTE = 'istiod watches the secret and pushes the new certificate to the gateway over SDS within seconds; no restart is needed.';

function filesNote(t: CredentialTarget, key = true): string {
  return (
    `Set ${fileVar(t.name, 'FULLCHAIN')} to the PEM file holding the leaf followed by its intermediates (not the root)` +
    (key ? ` and ${fileVar(t.name, 'KEY')} to the unencrypted PEM key of that leaf` : '') +
    '; the patch keeps the secret\'s type and its other keys.'
  );
}

function issueNote(names: string[]): string {
  const list = names.length ? names.join(', ') : 'every host it serves';
  return `Issue it from your CA with DNS SANs ${list} (openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=${names[0] ?? 'host'}" -addext "subjectAltName=${names.map((h) => `DNS:${h}`).join(',') || 'DNS:host'}" makes the key and request); with cert-manager, a Certificate whose secretName is this secret renews it for you.`;
}

/** Replace the certificate/key pair of a credential secret (renewed, re-issued, or repaired). */
export function replaceCredential(t: CredentialTarget, summary: string, extraNotes: string[] = []): Remediation {
  return {
    summary,
    commands: [patchCredentialCommand(t), inspectCommand(t)],
    notes: [filesNote(t), SDS_NOTE, ...extraNotes],
  };
}

export function reissueWithNames(t: CredentialTarget, missingHosts: string[]): Remediation {
  // the new certificate must keep covering the hosts the old one served, plus the missing ones
  const names = [...new Set([...(t.hosts ?? []), ...missingHosts])].filter((h) => h && h !== '*');
  return {
    summary: `Re-issue the certificate with DNS SANs for ${missingHosts.join(', ')} (modern clients read only subjectAltName), then replace it in the secret.`,
    commands: [patchCredentialCommand(t), inspectCommand(t)],
    notes: [
      issueNote(names),
      filesNote(t),
      'A Gateway host *.example.com needs the SAN *.example.com exactly; example.com itself needs its own SAN.',
      SDS_NOTE,
    ],
  };
}

export function completeChain(t: CredentialTarget): Remediation {
  return {
    summary: 'Put the full chain in the certificate field: the leaf first, then each intermediate up to (not including) the root. The key does not change.',
    commands: [patchCredentialCommand(t, { cert: true, key: false }), inspectCommand(t)],
    notes: [
      filesNote(t, false),
      'Your CA publishes the intermediate ("chain" or "ca-bundle" file); the leaf\'s Authority Information Access URL names it too (cat leaf.pem intermediate.pem makes the bundle).',
      SDS_NOTE,
    ],
  };
}

export function reorderChain(t: CredentialTarget): Remediation {
  return {
    summary: 'Rewrite the bundle in order — leaf, then its issuer, then that issuer\'s issuer — with no duplicates or unrelated certificates. The key does not change.',
    commands: [patchCredentialCommand(t, { cert: true, key: false })],
    notes: [filesNote(t, false), SDS_NOTE],
  };
}

export function dropRoot(t: CredentialTarget): Remediation {
  return {
    summary: 'Optional: remove the root certificate from the bundle; clients use their own copy of the root. The key does not change.',
    commands: [patchCredentialCommand(t, { cert: true, key: false })],
    notes: [filesNote(t, false), SDS_NOTE],
  };
}

export function untrustedRoot(t: CredentialTarget): Remediation {
  return {
    summary:
      'Serve a certificate from a CA the clients trust (a public CA, e.g. via cert-manager + ACME), or — when only internal clients that trust this private CA connect — run the doctor with --ca-file pointing at that CA to validate against it.',
    commands: [patchCredentialCommand(t)],
    notes: [issueNote(t.hosts ?? []), filesNote(t), SDS_NOTE],
  };
}

export function reissueAsServerCertificate(t: CredentialTarget, what: string): Remediation {
  return {
    summary: `Re-issue the certificate as a TLS server certificate (${what}), then replace it in the secret.`,
    commands: [patchCredentialCommand(t), inspectCommand(t)],
    notes: [
      'A server certificate has basicConstraints CA:false, extendedKeyUsage serverAuth, keyUsage digitalSignature (plus keyEncipherment for RSA), DNS SANs for every host, an ECDSA P-256/P-384 or RSA 2048+ key and a SHA-256 (or stronger) signature.',
      issueNote(t.hosts ?? []),
      filesNote(t),
      SDS_NOTE,
    ],
  };
}

export function fixKeyPair(t: CredentialTarget, what: string): Remediation {
  return {
    summary: what,
    commands: [patchCredentialCommand(t)],
    notes: [
      `Check first that the key belongs to the leaf: openssl x509 -noout -pubkey -in "$${fileVar(t.name, 'FULLCHAIN')}" | openssl sha256 and openssl pkey -pubout -in "$${fileVar(t.name, 'KEY')}" | openssl sha256 print the same hash.`,
      filesNote(t),
      SDS_NOTE,
    ],
  };
}

export function decryptKey(t: CredentialTarget): Remediation {
  return {
    summary: 'Store the private key unencrypted (PKCS#8 PEM): Envoy has no passphrase to decrypt it. The certificate does not change.',
    commands: [patchCredentialCommand(t, { cert: false, key: true })],
    notes: [
      `openssl pkey -in encrypted-key.pem -out key.pem asks for the passphrase and writes the unencrypted key; set ${fileVar(t.name, 'KEY')} to it (the secret then protects the key: restrict who can read secrets in this namespace).`,
      SDS_NOTE,
    ],
  };
}

export function createMissingSecret(t: CredentialTarget, existsIn: string[]): Remediation {
  if (existsIn.length) {
    return {
      summary: `Copy the secret ${t.name} from ${existsIn[0]} to ${t.namespace}, the namespace of the gateway pods: Istio reads credentialName secrets there, not in the Gateway's namespace.`,
      commands: [copySecretCommand(t.name, existsIn[0], t.namespace)],
      notes: [
        `The copy is read from the cluster and applied through a pipe (type and keys kept); nothing is written to disk. A secret named ${t.name} exists in ${existsIn.join(', ')}.`,
        'A copy does not follow renewals of the original: point the renewal (cert-manager Certificate, your CA job) at this namespace too.',
      ],
    };
  }
  return {
    summary: `Create the secret ${t.name} in ${t.namespace}, the namespace of the gateway pods: Istio reads credentialName secrets there, not in the Gateway's namespace.`,
    commands: [createTlsSecretCommand(t.name, t.namespace)],
    notes: [filesNote(t)],
  };
}

export function repairSecretKeys(t: CredentialTarget, detail: string): Remediation {
  return {
    summary: `Rewrite the keys Istio reads (tls.crt + tls.key, or cert + key) so each holds PEM text: ${detail}`,
    commands: [patchCredentialCommand(t), inspectCommand(t)],
    notes: [filesNote(t), 'The patch base64-encodes each file once, as Kubernetes expects under data; do not encode them yourself.', SDS_NOTE],
  };
}

/** ITLS306: the missing intermediate is in another Secret of the cluster: append it through the cluster. */
export function appendIntermediateFromSecret(
  t: CredentialTarget & { certKey: string; seen: string; newlineBetween: boolean },
  from: { name: string; namespace: string; key: string; certificateBase64: string },
  subject: string,
): Remediation {
  return {
    summary: `Append the intermediate ${subject}, which Secret ${from.namespace}/${from.name} holds (${from.key}), after the leaf in ${t.certKey} of ${t.namespace}/${t.name}: no file, nothing on disk. The key does not change.`,
    commands: [...appendCertificateCommands(t, from.certificateBase64), inspectCommand(t)],
    notes: [
      `The intermediate is the public certificate the doctor read from Secret ${from.namespace}/${from.name} (${from.key}); the bundle is rewritten as leaf + intermediate in one patch, only while it still holds the leaf the doctor read: running it twice changes nothing.`,
      SDS_NOTE,
    ],
  };
}

/** Keys base64-encoded twice: decode each once, in place, through the cluster — no file asked for. */
export function decodeTwiceEncoded(t: CredentialTarget, keys: string[]): Remediation {
  return {
    summary: `Decode ${keys.join(' and ')} of ${t.namespace}/${t.name} once, in place: the secret holds the right PEM, encoded one time too many. Nothing leaves the cluster.`,
    commands: [...keys.map((k) => decodeOnceCommand(t.name, t.namespace, k)), inspectCommand(t)],
    notes: ['Each value is read from the cluster, decoded once by kubectl and patched back; a value already decoded is left as it is, so running it twice is safe.', SDS_NOTE],
  };
}

/** A good copy of the same Secret (same keys, valid for the hosts) is in another namespace: copy it through the cluster. */
export function copyGoodSecret(t: CredentialTarget, from: string): Remediation {
  return {
    summary: `Copy ${t.name} from ${from}, where a valid copy for ${(t.hosts ?? []).join(', ') || 'these hosts'} exists, over ${t.namespace}/${t.name} (type and keys kept), read from the cluster.`,
    commands: [copySecretCommand(t.name, from, t.namespace), inspectCommand(t)],
    notes: [
      `The copy is read from the cluster and applied through a pipe; nothing is written to disk. ${from}/${t.name} holds a certificate and matching key without this problem.`,
      'A copy does not follow renewals of the original: point the renewal (cert-manager Certificate, your CA job) at this namespace too.',
      SDS_NOTE,
    ],
  };
}

/** `cert`/`key` hold a stale certificate while `tls.crt`/`tls.key` hold the right one: Istio reads cert/key first. */
export function removeStaleCertKey(t: CredentialTarget): Remediation {
  return {
    summary: `Remove the stale cert and key entries from ${t.namespace}/${t.name}: Istio reads cert/key before tls.crt/tls.key, so the right certificate in tls.crt is never served.`,
    commands: [removeSecretKeysCommand(t.name, t.namespace, ['cert', 'key'])],
    notes: [SDS_NOTE],
  };
}

export function clientCaBundle(t: CredentialTarget): Remediation {
  const name = `${t.name}-cacert`;
  return {
    summary: `Give MUTUAL TLS the CA that issues your client certificates: a secret ${name} with key ca.crt (it wins over ca.crt in ${t.name}).`,
    commands: [`kubectl create secret generic ${name} -n ${t.namespace} --from-file=ca.crt=${caRef(name, t.namespace)} --dry-run=client -o yaml | kubectl apply -f -`],
    notes: ['The file holds one or more PEM CA certificates (CA:true).', SDS_NOTE],
  };
}

/** The file the secret stores its server certificate under (Istio reads cert before tls.crt). */
export function certField(t: CredentialTarget): string {
  return t.certKey ?? 'tls.crt';
}

/** ITLS306: name the certificate to add, so the engineer knows which file to fetch from the CA. */
export function missingIntermediate(t: CredentialTarget, issue: CertIssue): Remediation {
  const fix = completeChain(t);
  const missing = String(issue.evidence?.missingIssuer ?? 'the issuing CA');
  const aki = issue.evidence?.missingAuthorityKeyId;
  return {
    ...fix,
    summary: `Append the intermediate ${missing}${aki ? ` (subject key id ${String(aki)})` : ''} after the leaf in ${certField(t)}, so the secret holds the leaf first, then each intermediate up to (not including) the root.`,
  };
}

/** ITLS309 as a warning: the chain is fine for clients that trust the private root; nothing to re-issue. */
export function privateRoot(t: CredentialTarget, issue: CertIssue, caKey: string | undefined): Remediation {
  const root = String(issue.evidence?.root ?? 'the private root');
  const save = caKey
    ? `kubectl get secret ${t.name} -n ${t.namespace} -o jsonpath='{.data.${caKey.replace(/\./g, '\\.')}}' | base64 -d > private-root.pem`
    : undefined;
  return {
    summary: `Nothing to change if only clients that trust ${root} connect: check the chain against that root with --ca-file. Public clients need a certificate from a public CA instead.`,
    commands: [...(save ? [save] : []), 'kubectl istio-tls doctor --ca-file private-root.pem'],
    notes: save ? [] : [`Save the certificate of ${root} as private-root.pem first (your CA publishes it).`],
  };
}

export function certificateFix(t: CredentialTarget, issue: CertIssue, host: string, caKey?: string): Remediation {
  switch (issue.code) {
    case 'ITLS301':
    case 'ITLS302':
      return replaceCredential(t, 'Renew the certificate and replace the secret with the new full chain and key.', [
        'With cert-manager: kubectl describe certificate -n ' + t.namespace + ' shows why renewal did not happen.',
      ]);
    case 'ITLS303':
      return replaceCredential(t, 'Serve the currently valid certificate until the new one becomes valid.');
    case 'ITLS304':
    case 'ITLS305':
      return reissueWithNames(t, host && host !== '*' ? [host] : t.hosts ?? []);
    case 'ITLS306':
      return missingIntermediate(t, issue);
    case 'ITLS307':
      return reorderChain(t);
    case 'ITLS308':
      return completeChain(t);
    case 'ITLS309':
      return issue.severity === 'warning' ? privateRoot(t, issue, caKey) : untrustedRoot(t);
    case 'ITLS313':
      return dropRoot(t);
    case 'ITLS310':
      return reissueAsServerCertificate(t, 'ECDSA P-256 or RSA 2048+ key, SHA-256 signatures');
    default:
      return reissueAsServerCertificate(t, 'CA:false, extendedKeyUsage serverAuth, keyUsage digitalSignature');
  }
}
