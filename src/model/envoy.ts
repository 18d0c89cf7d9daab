// What Envoy serves, read from the inspections of the gateway pods (empty offline).
import type { EnvoySecret, Pod, PodInspection, Snapshot } from '../snapshot/types.js';
import { envoyAccepts, envoyOfProxyImage, envoyRefusesForVersion, parseCertificates, type EnvoyBuild } from '../tls/index.js';
import type { CertFacts, CertIssue } from '../tls/types.js';
import { parseCredentialName, proxyContainer, type GatewayModel, type Model, type ServerModel } from './model.js';

export function leafOf(pem: string | undefined): CertFacts | undefined {
  if (!pem) return undefined;
  try {
    return parseCertificates(pem).certificates[0];
  } catch {
    return undefined;
  }
}

export function envoySecretName(credentialName: string): string {
  return `kubernetes://${parseCredentialName(credentialName).name}`;
}

/** Where the Envoy secret for a credential is: ACTIVE/WARMING entry, or undefined when Envoy has none. */
export function findEnvoySecret(insp: PodInspection, name: string): EnvoySecret | undefined {
  const all = insp.envoy.secrets ?? [];
  return all.find((s) => s.name === name && s.state === 'ACTIVE') ?? all.find((s) => s.name === name);
}

/**
 * What Envoy serves for one server on one gateway's pods, against the Secret: 'yes' when every
 * inspected pod serves the Secret's leaf, 'no' when one does not, 'unknown' when none was inspected.
 * For `status`' SERVED column.
 */
export function servedMatches(snapshot: Snapshot, model: Model, gm: GatewayModel, server: ServerModel): 'yes' | 'no' | 'unknown' {
  let seen = false;
  for (const pod of gm.pods) {
    const insp = inspectionFor(snapshot, pod);
    if (!insp || insp.envoy.state !== 'ok' || !insp.envoy.secrets) continue;
    for (const cred of server.credentialNames) {
      const expected = leafOf(model.credential(cred, pod.metadata.namespace ?? '').decoded?.certificates[0]?.pem);
      if (!expected) continue;
      const served = findEnvoySecret(insp, envoySecretName(cred));
      seen = true;
      if (!served || served.state !== 'ACTIVE' || leafOf(served.certificateChainPem)?.fingerprint256 !== expected.fingerprint256) return 'no';
    }
    if (server.credentialNames.length === 0 && server.server.tls?.serverCertificate) {
      const fileSecret = (insp.envoy.secrets ?? []).find((s) => s.name.startsWith(`file-cert:${server.server.tls?.serverCertificate}~`));
      seen = true;
      if (!fileSecret || fileSecret.state !== 'ACTIVE') return 'no';
    }
  }
  return seen ? 'yes' : 'unknown';
}

/** "serial 4f…e1 (expires in 80 days)" — how a served or expected certificate is named in messages. */
export function describeSerial(c: CertFacts, now: Date): string {
  const days = Math.floor((Date.parse(c.notAfter) - now.getTime()) / 86_400_000);
  const when = days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : `expires in ${days} day${days === 1 ? '' : 's'}`;
  return `serial ${c.serialNumber.toLowerCase()} (${when})`;
}

export function certEvidence(c: CertFacts): Record<string, string> {
  return { serial: c.serialNumber.toLowerCase(), sha256: c.fingerprint256, notAfter: c.notAfter, subject: c.subject };
}

/**
 * ITLS204 for a leaf the workload's Envoy release refuses (a P-384 key before Envoy 1.33, a FIPS build's
 * RSA sizes: docs/envoy-key-limits.md), judged against the oldest release among the gateway pods.
 */
export function envoyRefusal(gm: GatewayModel, leaf: CertFacts | undefined): CertIssue | undefined {
  if (!leaf) return undefined;
  const builds = gm.pods
    .map((p) => envoyOfProxyImage(proxyContainer(p)?.image))
    .filter((b): b is EnvoyBuild => b !== undefined)
    .sort((a, b) => a.minor - b.minor);
  for (const b of builds) {
    const why = envoyRefusesForVersion(leaf, b);
    if (!why) continue;
    return {
      code: 'ITLS204',
      severity: 'error',
      message: `${why}. Envoy rejects the credential, so the server's hosts are not served with it`,
      evidence: { envoy: b.envoy, istio: b.istio ?? null, image: b.image ?? null, envoyAccepts: envoyAccepts(b), keyType: leaf.publicKey.type, keyBits: leaf.publicKey.bits ?? null, curve: leaf.publicKey.curve ?? null },
    };
  }
  return undefined;
}

export function inspectionFor(snapshot: Snapshot, pod: Pod): PodInspection | undefined {
  return snapshot.inspections.find((i) => i.namespace === (pod.metadata.namespace ?? '') && i.pod === pod.metadata.name);
}
