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

/**
 * The SDS resource names a gateway's Envoy may hold a credentialName under, as istiod makes them
 * (pilot/pkg/model/credentials/resource.go ToResourceName): `kubernetes://` and `kubernetes-gateway://`
 * names are kept, anything else gets `kubernetes://` in front — `ns/name` keeps its namespace,
 * `kubernetes://ns/name`. `sds://x` (pilot/pkg/security/model/authentication.go) is `sds://x` with a
 * credential socket on the pod, `x` with an SDS extension provider, else `kubernetes://x` (the ADS
 * fallback). `builtin://` is the workload certificate, not a Secret: no name. The first is the usual one.
 */
export function envoySecretNames(credentialName: string): string[] {
  if (parseCredentialName(credentialName).builtin) return [];
  if (credentialName.startsWith('sds://')) {
    const bare = credentialName.slice('sds://'.length);
    return [...envoySecretNames(bare), credentialName, bare];
  }
  if (credentialName.startsWith('kubernetes://') || credentialName.startsWith('kubernetes-gateway://')) return [credentialName];
  return [`kubernetes://${credentialName}`];
}

/** The Envoy secret for a credential under any of its names: an ACTIVE entry first, else a WARMING one, else undefined. */
export function findEnvoySecret(insp: PodInspection, names: string | string[]): EnvoySecret | undefined {
  const wanted = new Set(typeof names === 'string' ? [names] : names);
  const all = (insp.envoy.secrets ?? []).filter((s) => wanted.has(s.name));
  return all.find((s) => s.state === 'ACTIVE') ?? all[0];
}

/**
 * Envoy's secret for a credentialName in one pod: the name it goes by (the one Envoy holds, else the
 * usual one) and the entry. `external`: an `sds://` credential Envoy got from an SDS server other than
 * istiod (its name is not `kubernetes://…`), so no Kubernetes Secret stands behind it to compare.
 * Undefined for builtin://.
 */
export function envoySecretFor(insp: PodInspection, credentialName: string): { name: string; served?: EnvoySecret; external: boolean } | undefined {
  const names = envoySecretNames(credentialName);
  if (names.length === 0) return undefined;
  const served = findEnvoySecret(insp, names);
  return { name: served?.name ?? names[0], served, external: !!served && served.name !== names[0] };
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
      const found = envoySecretFor(insp, cred);
      if (!found || found.external) continue;
      const served = found.served;
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
      message: `${why}: Envoy rejects the credential`,
      evidence: { envoy: b.envoy, istio: b.istio ?? null, image: b.image ?? null, envoyAccepts: envoyAccepts(b), keyType: leaf.publicKey.type, keyBits: leaf.publicKey.bits ?? null, curve: leaf.publicKey.curve ?? null },
    };
  }
  return undefined;
}

export function inspectionFor(snapshot: Snapshot, pod: Pod): PodInspection | undefined {
  return snapshot.inspections.find((i) => i.namespace === (pod.metadata.namespace ?? '') && i.pod === pod.metadata.name);
}
