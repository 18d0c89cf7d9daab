// What the live probe saw (snapshot.probe), indexed for the checks and for status' SERVED column.
import type { Pod, Snapshot, TlsHandshake } from '../snapshot/types.js';
import { envoyOfProxyImage, envoyRefusesForVersion, parseCertificates, type CertFacts } from '../tls/index.js';
import { leafOf } from './envoy.js';
import { podKey, proxyContainer, type GatewayModel, type Model, type ServerModel } from './model.js';

/** One handshake with its chain parsed. */
export interface Served {
  handshake: TlsHandshake;
  bundle: CertFacts[];
  leaf?: CertFacts;
}

export interface ProbeIndex {
  /** `ns/pod|port|sni` ('' = without SNI) → handshake */
  bySni: Map<string, Served>;
  /** `ns/pod|port` that were probed at all */
  probed: Set<string>;
}

/** Handshakes by pod, container port and SNI; undefined when the probe did not run (offline, --no-probe). */
export function probeIndex(snapshot: Snapshot): ProbeIndex | undefined {
  if (snapshot.probe?.state !== 'done' || snapshot.probe.handshakes.length === 0) return undefined;
  const bySni = new Map<string, Served>();
  const probed = new Set<string>();
  for (const h of snapshot.probe.handshakes) {
    const bundle = h.chainPem ? parseCertificates(h.chainPem).certificates : [];
    bySni.set(`${h.namespace}/${h.pod}|${h.port}|${h.sni ?? ''}`, { handshake: h, bundle, leaf: bundle[0] });
    probed.add(`${h.namespace}/${h.pod}|${h.port}`);
  }
  return { bySni, probed };
}

/** The pod (of a Gateway's pods) the probe used for a container port. */
export function probedPod(gm: GatewayModel, port: number, index: ProbeIndex): Pod | undefined {
  return gm.pods.find((p) => index.probed.has(`${podKey(p)}|${port}`));
}

/** Does the credential itself keep Envoy from serving (missing, unusable, or refused by this Envoy)? Its own finding says so. */
export function credentialBlocks(model: Model, server: ServerModel, pod: Pod): boolean {
  const build = envoyOfProxyImage(proxyContainer(pod)?.image);
  if (server.credentialNames.length === 0) return server.filePaths.length === 0;
  return server.credentialNames.every((cred) => {
    const d = model.credential(cred, pod.metadata.namespace ?? '').decoded;
    if (!d || d.issues.some((i) => i.severity === 'error')) return true;
    const leaf = d.certificates[0];
    return !leaf || (build !== undefined && envoyRefusesForVersion(leaf, build) !== undefined);
  });
}

/** Which Secret (and hosts) a leaf belongs to, across every credential of every Gateway: built once, looked up per host. */
export function credentialOwners(model: Model): Map<string, { secret: string; hosts: string[] }> {
  const out = new Map<string, { secret: string; hosts: string[] }>();
  for (const gm of model.allGateways) {
    const ns = gm.workloadNamespaces[0];
    if (ns === undefined) continue;
    for (const s of gm.servers) {
      for (const cred of s.credentialNames) {
        const r = model.credential(cred, ns);
        const leaf = r.decoded?.certificates[0];
        if (!leaf) continue;
        const e = out.get(leaf.fingerprint256) ?? { secret: `${r.namespace}/${r.name}`, hosts: [] };
        for (const h of s.hosts) if (!e.hosts.includes(h.host)) e.hosts.push(h.host);
        out.set(leaf.fingerprint256, e);
      }
    }
  }
  return out;
}

/** For `status`' SERVED column: 'yes' when the probe got the Secret's leaf for every probed host of the server, 'no' when not, 'unknown' when not probed. */
export function servedOnWire(snapshot: Snapshot, model: Model, gm: GatewayModel, server: ServerModel): 'yes' | 'no' | 'unknown' {
  if (snapshot.probe?.state !== 'done') return 'unknown';
  const listenPort = model.listenPort(gm, server.port);
  let seen = false;
  for (const pod of gm.pods) {
    const expected = server.credentialNames.map((c) => leafOf(model.credential(c, pod.metadata.namespace ?? '').decoded?.certificates[0]?.pem)?.fingerprint256);
    for (const h of snapshot.probe.handshakes) {
      if (h.namespace !== pod.metadata.namespace || h.pod !== pod.metadata.name || h.port !== listenPort || !h.sni) continue;
      if (!server.hosts.some((gh) => gh.host === h.sni)) continue;
      if (h.outcome === 'timeout' || h.outcome === 'error') continue;
      seen = true;
      if (h.outcome !== 'handshake' || !h.leafSha256 || (expected.length > 0 && !expected.includes(h.leafSha256))) return 'no';
    }
  }
  return seen ? 'yes' : 'unknown';
}
