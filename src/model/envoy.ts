// What Envoy serves, read from the inspections of the gateway pods (empty offline).
import type { EnvoySecret, Pod, PodInspection, Snapshot } from '../snapshot/types.js';
import { parseCertificates } from '../tls/index.js';
import type { CertFacts } from '../tls/types.js';
import { parseCredentialName, type GatewayModel, type Model, type ServerModel } from './model.js';

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

export function inspectionFor(snapshot: Snapshot, pod: Pod): PodInspection | undefined {
  return snapshot.inspections.find((i) => i.namespace === (pod.metadata.namespace ?? '') && i.pod === pod.metadata.name);
}
