// What the live probe saw (snapshot.probe), indexed for the checks and for status' SERVED column, and
// the TLS servers it is compared with: Istio Gateway servers and Gateway-API listeners alike (a
// ProbeSubject), so one comparison covers both APIs.
import { asksClientCertificate, listenerTlsMode } from '../snapshot/gateway-api-tls.js';
import { probeSni } from '../snapshot/probe.js';
import type { Pod, Snapshot, TlsHandshake } from '../snapshot/types.js';
import { envoyOfProxyImage, envoyRefusesForVersion, parseCertificates, type CertFacts } from '../tls/index.js';
import type { ResourceRef } from '../findings/types.js';
import { gatewayApiModel, inScope, listenerHosts, type K8sGatewayModel, type ListenerModel } from './gateway-api.js';
import { ModelKey, podKey, proxyContainer, terminatesTls, type GatewayModel, type Model, type ServerModel } from './model.js';

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

const PROBE = new ModelKey<ProbeIndex | undefined>('probe');

/** Handshakes by pod, container port and SNI; undefined when the probe did not run (offline, --no-probe). Built once per run. */
export function probeIndex(model: Model): ProbeIndex | undefined {
  return model.cached(PROBE, () => buildIndex(model.snapshot));
}

function buildIndex(snapshot: Snapshot): ProbeIndex | undefined {
  if (snapshot.probe?.state !== 'done' || snapshot.probe.handshakes.length === 0) return undefined;
  const bySni = new Map<string, Served>();
  const probed = new Set<string>();
  // one parse per distinct chain: every pod of a fleet serves the same few
  const parsed = new Map<string, CertFacts[]>();
  for (const h of snapshot.probe.handshakes) {
    let bundle: CertFacts[] = [];
    if (h.chainPem) {
      bundle = parsed.get(h.chainPem) ?? parseCertificates(h.chainPem).certificates;
      parsed.set(h.chainPem, bundle);
    }
    bySni.set(`${h.namespace}/${h.pod}|${h.port}|${h.sni ?? ''}`, { handshake: h, bundle, leaf: bundle[0] });
    probed.add(`${h.namespace}/${h.pod}|${h.port}`);
  }
  return { bySni, probed };
}

/** A certificate the server is configured with: the Secret it comes from and its leaf (when it decoded). */
export interface ExpectedCredential {
  secret: string;
  leaf?: CertFacts;
}

/** A terminating TLS server the probe is compared with: an Istio Gateway server or a Gateway-API listener. */
export interface ProbeSubject {
  ref: ResourceRef;
  /** groups findings: one Gateway, one server or listener */
  key: string;
  /** the Gateway server or listener port */
  port: number;
  /** the pods that run it (the probe used the Ready ones) */
  pods: Pod[];
  /** hosts as the Gateway names them (`*.example.com` and `*` included) */
  hosts: string[];
  /** MUTUAL/OPTIONAL_MUTUAL: an alert about the client's certificate is expected */
  mutual: boolean;
  /** the container port `pod` listens on for `port` */
  listenPort(pod: Pod): number;
  /** what it is configured to serve on `pod` */
  expected(pod: Pod): ExpectedCredential[];
  /** the credential itself keeps Envoy from serving on `pod` (missing, unusable, refused by its Envoy): its own finding says so */
  blocks(pod: Pod): boolean;
  istio?: { gm: GatewayModel; server: ServerModel };
  k8s?: { gm: K8sGatewayModel; listener: ListenerModel };
}

/** The leaf is refused by the Envoy release `pod` runs (ITLS204). */
function refusedOn(pod: Pod, leaf: CertFacts): boolean {
  const build = envoyOfProxyImage(proxyContainer(pod)?.image);
  return build !== undefined && envoyRefusesForVersion(leaf, build) !== undefined;
}

/** An Istio Gateway server as a probe subject. */
export function istioSubject(model: Model, gm: GatewayModel, server: ServerModel): ProbeSubject {
  const expected = (pod: Pod): ExpectedCredential[] =>
    server.credentialNames.map((c) => {
      const r = model.credential(c, pod.metadata.namespace ?? '');
      const leaf = r.decoded?.certificates[0];
      return leaf ? { secret: `${r.namespace}/${r.name}`, leaf } : { secret: `${r.namespace}/${r.name}` };
    });
  return {
    ref: gm.ref,
    key: `${gm.ref.namespace}/${gm.ref.name}|${server.index}`,
    port: server.port,
    pods: gm.pods,
    hosts: server.hosts.map((h) => h.host),
    mutual: ['MUTUAL', 'OPTIONAL_MUTUAL'].includes(String(server.mode ?? '').toUpperCase()),
    listenPort: (pod) => model.listenPortOn(pod, server.port),
    expected,
    blocks(pod) {
      if (server.credentialNames.length === 0) return server.filePaths.length === 0;
      return server.credentialNames.every((cred) => {
        const d = model.credential(cred, pod.metadata.namespace ?? '').decoded;
        if (!d || d.issues.some((i) => i.severity === 'error')) return true;
        const leaf = d.certificates[0];
        return !leaf || refusedOn(pod, leaf);
      });
    },
    istio: { gm, server },
  };
}

/** A Gateway-API listener that terminates TLS as a probe subject: its certificateRefs resolved as Istio resolves them. */
export function k8sSubject(model: Model, gm: K8sGatewayModel, l: ListenerModel): ProbeSubject {
  const usable = l.certRefs.filter((r) => r.supported && r.permitted && r.resolution?.secret);
  return {
    ref: gm.ref,
    key: `${gm.namespace}/${gm.gateway.metadata.name}|${l.name}`,
    port: l.port,
    pods: gm.pods,
    hosts: listenerHosts(l),
    // frontend validation (spec.tls.frontend) or the listener option tls-terminate-mode: MUTUAL asks for a client certificate
    mutual: asksClientCertificate(listenerTlsMode(gm.gateway, l.listener)),
    listenPort: (pod) => model.listenPortOn(pod, l.port),
    expected: () =>
      usable.map((r) => {
        const leaf = r.resolution?.decoded?.certificates[0];
        return leaf ? { secret: `${r.namespace}/${r.name}`, leaf } : { secret: `${r.namespace}/${r.name}` };
      }),
    blocks: (pod) =>
      usable.every((r) => {
        const d = r.resolution?.decoded;
        if (!d || d.issues.some((i) => i.severity === 'error')) return true;
        const leaf = d.certificates[0];
        return !leaf || refusedOn(pod, leaf);
      }),
    k8s: { gm, listener: l },
  };
}

/** Every terminating TLS server in scope, of both APIs. */
export function probeSubjects(model: Model): ProbeSubject[] {
  const out: ProbeSubject[] = [];
  for (const gm of model.gateways) for (const s of gm.servers) if (terminatesTls(s.server)) out.push(istioSubject(model, gm, s));
  for (const gm of inScope(gatewayApiModel(model), model.namespace)) {
    for (const l of gm.listeners) {
      if (l.mode !== 'Terminate' || !(l.protocol === 'HTTPS' || l.protocol === 'TLS')) continue;
      // ISTIO_SIMPLE / ISTIO_MUTUAL serve the workload's or the mesh's certificate: no Secret to compare with
      const tlsMode = listenerTlsMode(gm.gateway, l.listener);
      if (tlsMode === 'ISTIO_SIMPLE' || tlsMode === 'ISTIO_MUTUAL') continue;
      out.push(k8sSubject(model, gm, l));
    }
  }
  return out;
}

/** Which Secret (and hosts) a leaf belongs to, across every credential of every Gateway of both APIs: built once, looked up per host. */
export function credentialOwners(model: Model): Map<string, { secret: string; hosts: string[] }> {
  const out = new Map<string, { secret: string; hosts: string[] }>();
  const note = (leaf: CertFacts | undefined, secret: string, hosts: string[]) => {
    if (!leaf) return;
    const e = out.get(leaf.fingerprint256) ?? { secret, hosts: [] };
    for (const h of hosts) if (!e.hosts.includes(h)) e.hosts.push(h);
    out.set(leaf.fingerprint256, e);
  };
  for (const gm of model.allGateways) {
    const ns = gm.workloadNamespaces[0];
    if (ns === undefined) continue;
    for (const s of gm.servers) {
      for (const cred of s.credentialNames) {
        const r = model.credential(cred, ns);
        note(r.decoded?.certificates[0], `${r.namespace}/${r.name}`, s.hosts.map((h) => h.host));
      }
    }
  }
  for (const gm of gatewayApiModel(model).gateways) {
    for (const l of gm.listeners) {
      for (const r of l.certRefs) if (r.permitted) note(r.resolution?.decoded?.certificates[0], `${r.namespace}/${r.name}`, listenerHosts(l));
    }
  }
  return out;
}

/**
 * For `status`' SERVED column: 'yes' when every handshake for the host (or, without a host, for any
 * host of the subject) on every probed pod got a leaf the subject is configured with, 'no' when one got
 * another or failed, 'unknown' when none was made (not probed, a timeout, a transport error).
 */
export function servedOnWire(model: Model, subject: ProbeSubject, host?: string): 'yes' | 'no' | 'unknown' {
  const index = probeIndex(model);
  if (!index) return 'unknown';
  const snis = [...new Set((host === undefined ? subject.hosts : [host]).map(probeSni).filter((x): x is string => x !== undefined))];
  let seen = false;
  for (const pod of subject.pods) {
    const port = subject.listenPort(pod);
    if (!index.probed.has(`${podKey(pod)}|${port}`)) continue;
    const expected = subject.expected(pod).map((e) => e.leaf?.fingerprint256);
    for (const sni of snis) {
      const h = index.bySni.get(`${podKey(pod)}|${port}|${sni}`)?.handshake;
      if (!h || h.outcome === 'timeout' || h.outcome === 'error') continue;
      seen = true;
      if (h.outcome !== 'handshake' || !h.leafSha256 || (expected.length > 0 && !expected.includes(h.leafSha256))) return 'no';
    }
  }
  return seen ? 'yes' : 'unknown';
}
