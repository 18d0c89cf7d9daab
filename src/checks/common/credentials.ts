// What every credential and certificate finding says about the credential use it is about.
import type { EvidenceValue, Finding } from '../../findings/types.js';
import { CredentialUse } from '../../model/credentials.js';

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

/** When the ignored tls.crt/tls.key would not have this problem (remediation/credentials.ts decided): say so in the message. */
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
