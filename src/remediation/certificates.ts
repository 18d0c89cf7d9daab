// Fixes for credential (2xx) and certificate (3xx) findings. Placeholders stand for the user's files;
// no key material is ever an input here.
import type { Remediation } from '../checks/types.js';
import { CA_PLACEHOLDER, FULLCHAIN_PLACEHOLDER, PRIVKEY_PLACEHOLDER, createTlsSecretCommand, toYaml } from './common.js';

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

function certManagerCertificate(t: CredentialTarget): string {
  return toYaml({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: t.name, namespace: t.namespace },
    spec: {
      secretName: t.name,
      dnsNames: t.hosts?.length ? t.hosts : ['<host>'],
      privateKey: { algorithm: 'ECDSA', size: 256 },
      usages: ['server auth', 'digital signature'],
      issuerRef: { name: '<issuer>', kind: 'ClusterIssuer' },
    },
  });
}

/** Replace the certificate/key pair of a credential secret (renewed, re-issued, or repaired). */
export function replaceCredential(t: CredentialTarget, summary: string, extraNotes: string[] = []): Remediation {
  return {
    summary,
    commands: [createTlsSecretCommand(t.name, t.namespace), inspectCommand(t)],
    notes: [
      `${FULLCHAIN_PLACEHOLDER} is the leaf followed by its intermediates (not the root); ${PRIVKEY_PLACEHOLDER} is the unencrypted PEM key of that leaf.`,
      SDS_NOTE,
      ...extraNotes,
    ],
  };
}

export function reissueWithNames(t: CredentialTarget, missingHosts: string[]): Remediation {
  // the new certificate must keep covering the hosts the old one served, plus the missing ones
  const names = [...new Set([...(t.hosts ?? []), ...missingHosts])].filter((h) => h && h !== '*');
  return {
    summary: `Re-issue the certificate with DNS SANs for ${missingHosts.join(', ')} (modern clients read only subjectAltName), then replace the secret.`,
    yaml: certManagerCertificate({ ...t, hosts: names }),
    commands: [
      `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${PRIVKEY_PLACEHOLDER} -out request.csr -subj "/CN=${names[0] ?? '<host>'}" -addext "subjectAltName=${names.map((h) => `DNS:${h}`).join(',') || 'DNS:<host>'}"`,
      createTlsSecretCommand(t.name, t.namespace),
    ],
    notes: [
      'The YAML is for clusters with cert-manager: it renews the secret automatically (fill in the issuer). Without it, send request.csr to your CA and store the result with the second command.',
      'A Gateway host *.example.com needs the SAN *.example.com exactly; example.com itself needs its own SAN.',
      SDS_NOTE,
    ],
  };
}

export function completeChain(t: CredentialTarget): Remediation {
  return {
    summary: 'Put the full chain in the certificate field: the leaf first, then each intermediate up to (not including) the root.',
    commands: [`cat <leaf.pem> <intermediate.pem> > ${FULLCHAIN_PLACEHOLDER}`, createTlsSecretCommand(t.name, t.namespace), inspectCommand(t)],
    notes: ['Your CA publishes the intermediate ("chain" or "ca-bundle" file); the leaf\'s Authority Information Access URL names it too.', SDS_NOTE],
  };
}

export function reorderChain(t: CredentialTarget): Remediation {
  return {
    summary: 'Rewrite the bundle in order — leaf, then its issuer, then that issuer\'s issuer — with no duplicates or unrelated certificates.',
    commands: [`cat <leaf.pem> <intermediate.pem> > ${FULLCHAIN_PLACEHOLDER}`, createTlsSecretCommand(t.name, t.namespace)],
    notes: [SDS_NOTE],
  };
}

export function dropRoot(t: CredentialTarget): Remediation {
  return {
    summary: 'Optional: remove the root certificate from the bundle; clients use their own copy of the root.',
    commands: [createTlsSecretCommand(t.name, t.namespace)],
    notes: [SDS_NOTE],
  };
}

export function untrustedRoot(t: CredentialTarget): Remediation {
  return {
    summary:
      'Serve a certificate from a CA the clients trust (a public CA, e.g. via cert-manager + ACME), or — when only internal clients that trust this private CA connect — run the doctor with --ca-file <ca.pem> to validate against it.',
    yaml: certManagerCertificate(t),
    commands: [createTlsSecretCommand(t.name, t.namespace), `kubectl istio-tls doctor --ca-file ${CA_PLACEHOLDER}`],
    notes: [SDS_NOTE],
  };
}

export function reissueAsServerCertificate(t: CredentialTarget, what: string): Remediation {
  return {
    summary: `Re-issue the certificate as a TLS server certificate (${what}), then replace the secret.`,
    yaml: certManagerCertificate(t),
    commands: [createTlsSecretCommand(t.name, t.namespace), inspectCommand(t)],
    notes: [
      'A server certificate has basicConstraints CA:false, extendedKeyUsage serverAuth, keyUsage digitalSignature (plus keyEncipherment for RSA), DNS SANs for every host, an ECDSA P-256/P-384 or RSA 2048+ key and a SHA-256 (or stronger) signature.',
      SDS_NOTE,
    ],
  };
}

export function fixKeyPair(t: CredentialTarget, what: string): Remediation {
  return {
    summary: what,
    commands: [
      `openssl x509 -noout -pubkey -in <leaf.pem> | openssl sha256`,
      `openssl pkey -pubout -in ${PRIVKEY_PLACEHOLDER} | openssl sha256`,
      createTlsSecretCommand(t.name, t.namespace),
    ],
    notes: ['The two hashes must be equal: then the key belongs to the certificate.', SDS_NOTE],
  };
}

export function decryptKey(t: CredentialTarget): Remediation {
  return {
    summary: 'Store the private key unencrypted (PKCS#8 PEM): Envoy has no passphrase to decrypt it.',
    commands: [`openssl pkey -in <encrypted-key.pem> -out ${PRIVKEY_PLACEHOLDER}`, createTlsSecretCommand(t.name, t.namespace)],
    notes: ['openssl asks for the passphrase; the secret then protects the key (restrict who can read secrets in this namespace).', SDS_NOTE],
  };
}

export function createMissingSecret(t: CredentialTarget, existsIn: string[]): Remediation {
  const commands = existsIn.length
    ? [
        `kubectl get secret ${t.name} -n ${existsIn[0]} -o jsonpath='{.data.tls\\.crt}' | base64 -d > ${FULLCHAIN_PLACEHOLDER}`,
        `kubectl get secret ${t.name} -n ${existsIn[0]} -o jsonpath='{.data.tls\\.key}' | base64 -d > ${PRIVKEY_PLACEHOLDER}`,
        createTlsSecretCommand(t.name, t.namespace),
        `rm ${FULLCHAIN_PLACEHOLDER} ${PRIVKEY_PLACEHOLDER}`,
      ]
    : [createTlsSecretCommand(t.name, t.namespace)];
  return {
    summary: `Create the secret ${t.name} in ${t.namespace}, the namespace of the gateway pods: Istio reads credentialName secrets there, not in the Gateway's namespace.`,
    commands,
    notes: existsIn.length
      ? [`A secret named ${t.name} exists in ${existsIn.join(', ')}; the commands copy it (the key passes through a local file: delete it afterwards, as the last command does).`]
      : ['Use the certificate chain (leaf first) and its unencrypted private key.'],
  };
}

export function repairSecretKeys(t: CredentialTarget, detail: string): Remediation {
  return {
    summary: `Recreate the secret with the keys Istio reads (tls.crt + tls.key, or cert + key), each holding PEM text: ${detail}`,
    commands: [createTlsSecretCommand(t.name, t.namespace), `kubectl get secret ${t.name} -n ${t.namespace} -o jsonpath='{.data}' | head -c 300`],
    notes: ['kubectl create secret tls encodes the files once; do not base64-encode them yourself.', SDS_NOTE],
  };
}

export function clientCaBundle(t: CredentialTarget): Remediation {
  return {
    summary: `Give MUTUAL TLS the CA that issues your client certificates: a secret ${t.name}-cacert with key ca.crt (it wins over ca.crt in ${t.name}).`,
    commands: [`kubectl create secret generic ${t.name}-cacert -n ${t.namespace} --from-file=ca.crt=${CA_PLACEHOLDER} --dry-run=client -o yaml | kubectl apply -f -`],
    notes: [`${CA_PLACEHOLDER} holds one or more PEM CA certificates (CA:true).`, SDS_NOTE],
  };
}
