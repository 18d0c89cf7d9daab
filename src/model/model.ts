// The topology every check shares, derived once per run from the Snapshot:
// Gateway → selected pods (any namespace) → workload namespace → servers → hosts → credentials.
// Pure: no I/O, no clock.
import type {
  Gateway,
  GatewayServer,
  Labels,
  Pod,
  Secret,
  Service,
  Snapshot,
  VirtualService,
} from '../snapshot/types.js';
import { targetContainerPort, type Container, type SnapshotKind } from '../snapshot/types.js';
import { createHash } from 'node:crypto';
import type { DecodedCredential } from '../tls/types.js';
import { decodeCredential } from '../tls/index.js';
import type { ResourceRef } from '../findings/types.js';

export function labelsMatch(selector: Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels?.[k] === v);
}

export function ref(obj: { kind?: string; metadata: { name: string; namespace?: string } }, kind?: string): ResourceRef {
  const r: ResourceRef = { kind: kind ?? obj.kind ?? 'Unknown', name: obj.metadata.name };
  if (obj.metadata.namespace) r.namespace = obj.metadata.namespace;
  return r;
}

export function nsName(obj: { metadata: { name: string; namespace?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** A Gateway host `[ns/]dnsName` split (S4): ns '*' when omitted, '.' rewritten to the Gateway namespace. */
export interface GatewayHost {
  raw: string;
  namespace: string;
  host: string;
}

export function parseGatewayHost(raw: string, gatewayNamespace: string | undefined): GatewayHost {
  const slash = raw.indexOf('/');
  if (slash < 0) return { raw, namespace: '*', host: raw };
  let ns = raw.slice(0, slash);
  if (ns === '.') ns = gatewayNamespace ?? '';
  return { raw, namespace: ns, host: raw.slice(slash + 1) };
}

const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);

export function isTlsServer(server: GatewayServer): boolean {
  return TLS_PROTOCOLS.has((server.port?.protocol ?? '').toUpperCase());
}

export function tlsMode(server: GatewayServer): string | undefined {
  if (!server.tls) return undefined;
  // on a plain-HTTP server the tls block can only carry httpsRedirect: there is no TLS mode
  if ((server.port?.protocol ?? '').toUpperCase() === 'HTTP') return undefined;
  return (server.tls.mode ?? 'PASSTHROUGH').toUpperCase();
}

/** Modes in which the gateway terminates TLS with its own certificate. */
export function terminatesTls(server: GatewayServer): boolean {
  const mode = tlsMode(server);
  return mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
}

/** `kubernetes://name`, `sds://name`, `kubernetes-gateway://ns/name` → name (and namespace when given). */
export function parseCredentialName(credentialName: string): { name: string; namespace?: string; builtin: boolean } {
  if (credentialName === 'builtin://' || credentialName.startsWith('builtin://')) return { name: credentialName, builtin: true };
  let rest = credentialName;
  for (const prefix of ['kubernetes-gateway://', 'kubernetes://', 'sds://']) {
    if (rest.startsWith(prefix)) {
      rest = rest.slice(prefix.length);
      break;
    }
  }
  const slash = rest.indexOf('/');
  if (slash >= 0) return { namespace: rest.slice(0, slash), name: rest.slice(slash + 1), builtin: false };
  return { name: rest, builtin: false };
}

export interface CredentialResolution {
  /** as written in the Gateway */
  credentialName: string;
  name: string;
  /** namespace the secret is read from (the workload namespace) */
  namespace: string;
  secret?: Secret;
  /** `<name>-cacert` secret, when one exists (wins over ca.crt in the main secret) */
  caSecret?: Secret;
  decoded?: DecodedCredential;
}

export interface ServerModel {
  gateway: Gateway;
  gatewayRef: ResourceRef;
  index: number;
  server: GatewayServer;
  port: number;
  protocol: string;
  mode?: string;
  hosts: GatewayHost[];
  /** credential names in use (credentialName or credentialNames) */
  credentialNames: string[];
  /** file paths (serverCertificate, privateKey, caCertificates, tlsCertificates[*]) */
  filePaths: { field: string; path: string }[];
}

export interface GatewayModel {
  gateway: Gateway;
  ref: ResourceRef;
  pods: Pod[];
  /** namespaces of the selected pods, sorted */
  workloadNamespaces: string[];
  servers: ServerModel[];
}

/**
 * Names one per-run index that a module of the model layer builds on first use (routing bindings, listener
 * hosts, the Gateway API model). The index lives in the Model, so it lives exactly as long as the run.
 */
export class ModelKey<T> {
  declare private readonly type: T;
  constructor(readonly name: string) {}
}

export class Model {
  /** Gateways in scope (-n limits them) */
  readonly gateways: GatewayModel[];
  /** every Gateway, in scope or not: conflicts on a shared workload involve Gateways of any namespace */
  readonly allGateways: GatewayModel[];
  private readonly credentialCache = new Map<string, CredentialResolution>();
  private readonly workloadPeers = new Map<GatewayModel, GatewayModel[]>();
  private readonly secretIndex = new Map<string, Secret>();
  // ---- indexes built once per run: every check looks things up, none compares all pairs ----
  private readonly gatewayByObject = new Map<Gateway, GatewayModel>();
  /** `ns/name` → Gateway */
  private readonly gatewayByName = new Map<string, Gateway>();
  /** pod label `k=v` → pods carrying it */
  private readonly podsByLabel = new Map<string, Pod[]>();
  /** selector key → pods it matches (Gateways of one deployment share one selector) */
  private readonly podsBySelector = new Map<string, Pod[]>();
  /** namespace → Services */
  private readonly servicesByNamespace = new Map<string, Service[]>();
  /** `ns/name` → Service */
  private readonly serviceByName = new Map<string, Service>();
  private readonly servicesByPod = new Map<Pod, Service[]>();
  /** pod → Service port → listen port */
  private readonly listenPorts = new Map<Pod, Map<number, number>>();
  /** Secret data (and CA data) → decoded credential: 2,000 Secrets holding 50 certificates decode 50 times */
  private readonly decodedByContent = new Map<string, DecodedCredential>();
  private virtualServicesByGateway?: Map<Gateway, VirtualService[]>;
  private readonly listenerIndexes = new Map<GatewayModel[], Map<string, ServerModel[]>>();
  /** the indexes other model modules build on first use (ModelKey) */
  private readonly built = new Map<ModelKey<unknown>, unknown>();

  /** `namespace`: the -n scope (undefined = every namespace); every scoped view (Istio, Gateway API, status) reads it here */
  constructor(readonly snapshot: Snapshot, readonly namespace?: string) {
    for (const s of snapshot.secrets) this.secretIndex.set(nsName(s), s);
    for (const p of snapshot.pods) {
      for (const [k, v] of Object.entries(p.metadata.labels ?? {})) {
        const key = `${k}=${v}`;
        const list = this.podsByLabel.get(key);
        if (list) list.push(p);
        else this.podsByLabel.set(key, [p]);
      }
    }
    for (const svc of snapshot.services) {
      const ns = svc.metadata.namespace ?? '';
      const list = this.servicesByNamespace.get(ns);
      if (list) list.push(svc);
      else this.servicesByNamespace.set(ns, [svc]);
      const key = `${ns}/${svc.metadata.name}`;
      if (!this.serviceByName.has(key)) this.serviceByName.set(key, svc);
    }
    for (const g of snapshot.gateways) {
      const key = `${g.metadata.namespace ?? ''}/${g.metadata.name}`;
      if (!this.gatewayByName.has(key)) this.gatewayByName.set(key, g);
    }
    this.allGateways = snapshot.gateways.map((g) => this.buildGateway(g));
    for (const gm of this.allGateways) this.gatewayByObject.set(gm.gateway, gm);
    this.gateways = this.allGateways.filter((g) => !namespace || g.gateway.metadata.namespace === namespace);
  }

  /** The per-run index `key` names, built by `build` the first time it is asked for. */
  cached<T>(key: ModelKey<T>, build: () => T): T {
    if (this.built.has(key)) return this.built.get(key) as T;
    const value = build();
    this.built.set(key, value);
    return value;
  }

  private istiod?: Pod[];
  /** istiod's pods (looked up once per run: asked once per Gateway). */
  istiodPods(): Pod[] {
    this.istiod ??= this.snapshot.pods.filter((p) => {
      const l = p.metadata.labels ?? {};
      return l.app === 'istiod' || l.istio === 'pilot' || l.istio === 'istiod';
    });
    return this.istiod;
  }

  /** Was this kind read at all? A check stays silent about what it could not see. */
  wasRead(kind: SnapshotKind): boolean {
    // Offline files that hold no object of a kind say nothing about it (a folder of Istio config
    // without pods is not a cluster without pods).
    if (this.snapshot.source.kind === 'offline' && (this.snapshot[kind] as unknown[]).length === 0) return false;
    return this.snapshot.read[kind] === true;
  }

  gatewayModel(gateway: Gateway): GatewayModel | undefined {
    return this.gatewayByObject.get(gateway);
  }

  /**
   * Two Gateways configure the same Envoy when their selectors share a pod. Without pods to look at
   * (offline manifests only), identical selectors are the best evidence.
   */
  sameWorkload(a: GatewayModel, b: GatewayModel): boolean {
    if (a.pods.length > 0 && b.pods.length > 0) {
      const keys = new Set(a.pods.map(podKey));
      return b.pods.some((p) => keys.has(podKey(p)));
    }
    if (this.wasRead('pods') || a.pods.length > 0 || b.pods.length > 0) return false;
    return selectorKey(a.gateway.spec?.selector) === selectorKey(b.gateway.spec?.selector);
  }

  /** Gateways (in scope or not) that configure the same gateway pods as `gm`, itself included. */
  gatewaysOnWorkload(gm: GatewayModel): GatewayModel[] {
    if (this.workloadPeers.size === 0) this.indexWorkloads();
    return this.workloadPeers.get(gm) ?? [gm];
  }

  /**
   * Peers of every Gateway at once, by grouping instead of comparing pairs: Gateways with the same pod set
   * form one group (usually one per gateway deployment); a group's peers are the Gateways of every group
   * whose pods meet its own. Gateways of one group share one peer array (in allGateways order).
   */
  private indexWorkloads(): void {
    const groups = new Map<string, { pods: Pod[]; members: GatewayModel[]; peers?: GatewayModel[] }>();
    const groupOf = new Map<GatewayModel, string>();
    const podsRead = this.wasRead('pods');
    for (const gm of this.allGateways) {
      let key: string;
      if (gm.pods.length > 0) key = `pods:${gm.pods.map(podKey).sort().join(',')}`;
      // without pods to look at (offline manifests only), identical selectors are the best evidence
      else if (!podsRead) key = `selector:${selectorKey(gm.gateway.spec?.selector)}`;
      else continue; // pods were read and it selects none: it shares nothing
      groupOf.set(gm, key);
      const g = groups.get(key);
      if (g) g.members.push(gm);
      else groups.set(key, { pods: gm.pods, members: [gm] });
    }
    const groupsByPod = new Map<string, Set<string>>();
    for (const [key, g] of groups) {
      for (const p of g.pods) {
        const k = podKey(p);
        const set = groupsByPod.get(k) ?? new Set<string>();
        set.add(key);
        groupsByPod.set(k, set);
      }
    }
    for (const [key, g] of groups) {
      const meeting = new Set<string>([key]);
      for (const p of g.pods) for (const other of groupsByPod.get(podKey(p)) ?? []) meeting.add(other);
      g.peers = this.allGateways.filter((o) => meeting.has(groupOf.get(o) ?? ''));
      for (const gm of g.members) this.workloadPeers.set(gm, g.peers);
    }
    for (const gm of this.allGateways) if (!this.workloadPeers.has(gm)) this.workloadPeers.set(gm, [gm]);
  }

  /**
   * The servers on one listener of a workload, found by key instead of by scanning: for the peer group of
   * `gm`, `listenPort|bind` → servers (in peer order, then server order). `bind` only when asked for.
   */
  serversOnListener(gm: GatewayModel, port: number, bind?: string): ServerModel[] {
    const peers = this.gatewaysOnWorkload(gm);
    let index = this.listenerIndexes.get(peers);
    if (!index) {
      index = new Map();
      for (const n of peers) {
        for (const t of n.servers) {
          const lp = this.listenPort(n, t.port);
          for (const key of [`${lp}`, `${lp}|${t.server.bind ?? ''}`]) {
            const list = index.get(key);
            if (list) list.push(t);
            else index.set(key, [t]);
          }
        }
      }
      this.listenerIndexes.set(peers, index);
    }
    const lp = this.listenPort(gm, port);
    return index.get(bind === undefined ? `${lp}` : `${lp}|${bind}`) ?? [];
  }

  /**
   * Hosts served on the same workload and port as `server` (other servers, any Gateway): what goes down
   * with it when the listener is rejected.
   */
  hostsSharingListener(server: ServerModel): string[] {
    const gm = this.gatewayModel(server.gateway);
    if (!gm) return [];
    const hosts = new Set<string>();
    for (const s of this.serversOnListener(gm, server.port)) {
      if (s === server) continue;
      for (const h of s.hosts) hosts.add(h.host);
    }
    for (const h of server.hosts) hosts.delete(h.host);
    return [...hosts].sort();
  }

  /**
   * The port Envoy really listens on for a server (S5): a Service port selecting the gateway pods is
   * translated to its targetPort (Istio ≥ 1.11); any other number is used as the container port.
   */
  listenPort(gm: GatewayModel, port: number): number {
    const pod = gm.pods[0];
    if (!pod) return port;
    return this.listenPortOn(pod, port);
  }

  /** The port `pod` listens on for a gateway port: the targetPort of the first Service port selecting it (named ports resolved), else the port itself. */
  listenPortOn(pod: Pod, port: number): number {
    let byPort = this.listenPorts.get(pod);
    if (!byPort) this.listenPorts.set(pod, (byPort = new Map()));
    let lp = byPort.get(port);
    if (lp === undefined) byPort.set(port, (lp = this.computeListenPort(pod, port)));
    return lp;
  }

  private computeListenPort(pod: Pod, port: number): number {
    for (const svc of this.servicesFor(pod)) {
      const p = (svc.spec?.ports ?? []).find((x) => x.port === port);
      if (p) return targetContainerPort(p, pod);
    }
    return port;
  }

  /** A Service `host` as a VirtualService or DestinationRule writes it, resolved against the snapshot's Services. */
  resolveServiceHost(host: string, fromNamespace: string): ServiceHost | undefined {
    return resolveServiceHost(host, fromNamespace, (ns, name) => this.service(ns, name), this.namespaces());
  }

  private namespaceSet?: Set<string>;
  /** Namespaces anything in the snapshot lives in (to tell `name.namespace` from an external `foo.com`). */
  namespaces(): Set<string> {
    if (!this.namespaceSet) {
      const s = this.snapshot;
      this.namespaceSet = new Set(
        [...s.pods, ...s.services, ...s.secrets, ...s.gateways, ...s.virtualServices, ...s.destinationRules, ...s.configMaps]
          .map((o) => o.metadata.namespace ?? '')
          .filter((n) => n !== ''),
      );
    }
    return this.namespaceSet;
  }

  private buildGateway(gateway: Gateway): GatewayModel {
    const pods = this.podsFor(gateway.spec?.selector);
    const workloadNamespaces = [...new Set(pods.map((p) => p.metadata.namespace ?? ''))].sort();
    const gref = ref(gateway, 'Gateway');
    const servers = (gateway.spec?.servers ?? []).map((server, index): ServerModel => {
      const tls = server.tls;
      const credentialNames = tls?.credentialNames?.length ? [...tls.credentialNames] : tls?.credentialName ? [tls.credentialName] : [];
      const filePaths: { field: string; path: string }[] = [];
      if (tls?.serverCertificate) filePaths.push({ field: 'serverCertificate', path: tls.serverCertificate });
      if (tls?.privateKey) filePaths.push({ field: 'privateKey', path: tls.privateKey });
      if (tls?.caCertificates) filePaths.push({ field: 'caCertificates', path: tls.caCertificates });
      (tls?.tlsCertificates ?? []).forEach((c, i) => {
        if (c.serverCertificate) filePaths.push({ field: `tlsCertificates[${i}].serverCertificate`, path: c.serverCertificate });
        if (c.privateKey) filePaths.push({ field: `tlsCertificates[${i}].privateKey`, path: c.privateKey });
        if (c.caCertificates) filePaths.push({ field: `tlsCertificates[${i}].caCertificates`, path: c.caCertificates });
      });
      return {
        gateway,
        gatewayRef: gref,
        index,
        server,
        port: server.port?.number,
        protocol: (server.port?.protocol ?? '').toUpperCase(),
        mode: tlsMode(server),
        hosts: (server.hosts ?? []).map((h) => parseGatewayHost(h, gateway.metadata.namespace)),
        credentialNames,
        filePaths,
      };
    });
    return { gateway, ref: gref, pods, workloadNamespaces, servers };
  }

  /**
   * Pods a Gateway selector matches, in any namespace (Istio's default). An empty selector applies to
   * every gateway proxy (istiod's rule), so it matches the pods that run a gateway Envoy.
   */
  podsFor(selector: Labels | undefined): Pod[] {
    const key = selectorKey(selector);
    let pods = this.podsBySelector.get(key);
    if (!pods) {
      if (!selector || Object.keys(selector).length === 0) pods = this.snapshot.pods.filter(isGatewayProxyPod);
      else {
        // the rarest label of the selector narrows the candidates; the full match decides
        let candidates: Pod[] | undefined;
        for (const [k, v] of Object.entries(selector)) {
          const list = this.podsByLabel.get(`${k}=${v}`) ?? [];
          if (!candidates || list.length < candidates.length) candidates = list;
        }
        pods = (candidates ?? []).filter((p) => labelsMatch(selector, p.metadata.labels));
      }
      this.podsBySelector.set(key, pods);
    }
    return [...pods];
  }

  /** Services in a namespace whose selector selects the pod. */
  servicesFor(pod: Pod): Service[] {
    let services = this.servicesByPod.get(pod);
    if (!services) {
      services = (this.servicesByNamespace.get(pod.metadata.namespace ?? '') ?? []).filter(
        (s) => s.metadata.namespace === pod.metadata.namespace && labelsMatch(s.spec?.selector, pod.metadata.labels),
      );
      this.servicesByPod.set(pod, services);
    }
    return services;
  }

  /** The Service `namespace/name`, if the snapshot holds it. */
  service(namespace: string, name: string): Service | undefined {
    return this.serviceByName.get(`${namespace}/${name}`);
  }

  /** The Gateway `namespace/name`, if the snapshot holds it. */
  gatewayNamed(namespace: string, name: string): Gateway | undefined {
    return this.gatewayByName.get(`${namespace}/${name}`);
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.secretIndex.get(`${namespace}/${name}`);
  }

  private secretsByName?: Map<string, Secret[]>;
  /** Every Secret of this name, in any namespace read (indexed once). */
  secretsNamed(name: string): Secret[] {
    if (!this.secretsByName) {
      this.secretsByName = new Map();
      for (const s of this.snapshot.secrets) {
        const list = this.secretsByName.get(s.metadata.name);
        if (list) list.push(s);
        else this.secretsByName.set(s.metadata.name, [s]);
      }
    }
    return this.secretsByName.get(name) ?? [];
  }

  /** Resolve a credentialName the way istiod does for a proxy in `workloadNamespace` (S1). */
  credential(credentialName: string, workloadNamespace: string): CredentialResolution {
    const key = `${workloadNamespace}\u0000${credentialName}`;
    const cached = this.credentialCache.get(key);
    if (cached) return cached;
    const parsed = parseCredentialName(credentialName);
    const namespace = parsed.namespace ?? workloadNamespace;
    const secret = this.secret(namespace, parsed.name);
    const caSecret = this.secret(namespace, `${parsed.name}-cacert`);
    const resolution: CredentialResolution = { credentialName, name: parsed.name, namespace, secret, caSecret };
    if (secret) resolution.decoded = this.decode(secret.data ?? {}, caSecret?.data);
    this.credentialCache.set(key, resolution);
    return resolution;
  }

  /**
   * Decoding (parse, key match) once per distinct content: Secrets that hold the same bytes share one
   * DecodedCredential, so everything keyed on it downstream (chain reports) is also computed once.
   */
  private decode(data: Record<string, string>, caData?: Record<string, string>): DecodedCredential {
    const hash = createHash('sha256');
    for (const [part, d] of [['data', data], ['ca', caData ?? {}]] as const) {
      for (const k of Object.keys(d).sort()) hash.update(`${part}\u0000${k}\u0000${d[k]}\u0000`);
    }
    const key = hash.digest('base64');
    let decoded = this.decodedByContent.get(key);
    if (!decoded) this.decodedByContent.set(key, (decoded = decodeCredential(data, caData)));
    return decoded;
  }

  /** VirtualService `gateways` entry → Gateway, resolved relative to the VS namespace; `mesh` → undefined. */
  resolveGatewayRef(vs: VirtualService, entry: string): { namespace: string; name: string; gateway?: Gateway } | 'mesh' {
    if (entry === 'mesh') return 'mesh';
    // `ns/name`; istiod still accepts the legacy `name.ns[.svc.cluster.local]`; a bare name is in the VS namespace
    const slash = entry.indexOf('/');
    const dot = entry.indexOf('.');
    const namespace = slash >= 0 ? entry.slice(0, slash) : dot >= 0 ? entry.split('.')[1] : vs.metadata.namespace ?? '';
    const name = slash >= 0 ? entry.slice(slash + 1) : dot >= 0 ? entry.slice(0, dot) : entry;
    const gateway = this.gatewayNamed(namespace, name);
    return { namespace, name, gateway };
  }

  /** VirtualServices that bind to a Gateway (by their `gateways` list), from an index built on first use. */
  virtualServicesFor(gateway: Gateway): VirtualService[] {
    if (!this.virtualServicesByGateway) {
      const index = new Map<Gateway, VirtualService[]>();
      for (const vs of this.snapshot.virtualServices) {
        const seen = new Set<Gateway>();
        for (const entry of vs.spec?.gateways ?? []) {
          const r = this.resolveGatewayRef(vs, entry);
          if (r === 'mesh' || !r.gateway || seen.has(r.gateway)) continue;
          seen.add(r.gateway);
          const list = index.get(r.gateway);
          if (list) list.push(vs);
          else index.set(r.gateway, [vs]);
        }
      }
      this.virtualServicesByGateway = index;
    }
    return [...(this.virtualServicesByGateway.get(gateway) ?? [])];
  }
}

/** RFC 6125-ish host match used for VS host ↔ Gateway host (not for certificates: see tls/names). */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '*' || p === h) return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return false;
}

/** Two host patterns overlap when some concrete host matches both (wildcard-aware). */
export function hostsOverlap(a: string, b: string): boolean {
  if (hostMatches(a, b) || hostMatches(b, a)) return true;
  // *.x.com and *.y.x.com share y.z.x.com
  if (a.startsWith('*.') && b.startsWith('*.')) {
    const sa = a.slice(1).toLowerCase();
    const sb = b.slice(1).toLowerCase();
    return sa.endsWith(sb) || sb.endsWith(sa);
  }
  return false;
}

/**
 * The one listen-port translation: a Service port's targetPort as the number the pod listens on — a number,
 * a numeric string, or the name of a container port of `pod` — and the Service port itself when it is unset
 * or names no container port. Istio binds the gateway listener to this port (Istio ≥ 1.11).
 */
export function podKey(p: Pod): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
}

export function selectorKey(selector: Labels | undefined): string {
  return Object.entries(selector ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Which secret (and key) a file path inside the gateway container comes from, via its volumeMounts. */
export function mountedSecretFor(pod: Pod, path: string): { secretName: string; key: string; mountPath: string } | undefined {
  const container = proxyContainer(pod);
  if (!container) return undefined;
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const m of mounts) {
    const base = m.mountPath.replace(/\/+$/, '');
    // a subPath mount puts one key of the volume at the mount path itself
    if (m.subPath ? path !== base : !path.startsWith(`${base}/`)) continue;
    const relative = m.subPath ?? path.slice(base.length + 1);
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === m.name);
    const secretName = volume?.secret?.secretName;
    if (!secretName) return undefined;
    const items = volume.secret?.items;
    const key = items ? items.find((i) => i.path === relative)?.key : relative;
    if (!key) return undefined;
    return { secretName, key, mountPath: base };
  }
  return undefined;
}

/** The Envoy container of a gateway pod: `istio-proxy`, else a proxyv2 image, else the only container. */
export function proxyContainer(pod: Pod): Container | undefined {
  const containers = pod.spec?.containers ?? [];
  return (
    containers.find((c) => c.name === 'istio-proxy') ??
    containers.find((c) => /proxyv2|istio-proxy/.test(c.image ?? '')) ??
    (containers.length === 1 ? containers[0] : undefined)
  );
}

/** A pod running a gateway Envoy (router mode), as opposed to a sidecar-injected application pod. */
export function isGatewayProxyPod(pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  if (labels['istio.io/gateway-name'] || /gateway/.test(labels['istio'] ?? '') || labels['gateway.istio.io/managed']) return true;
  return (pod.spec?.containers ?? []).some((c) => c.name === 'istio-proxy' && (c.args ?? []).includes('router'));
}

/** Does the pod carry an Istio sidecar (injected istio-proxy container, or native sidecar init container)? */
export function hasSidecar(pod: Pod): boolean {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.some((c) => c.name === 'istio-proxy');
}

export interface ServiceHost {
  name: string;
  namespace: string;
  /** the FQDN `name.namespace.svc.cluster.local` */
  fqdn: string;
  service?: Service;
}

/**
 * Resolve a destination host the way Istio expands Kubernetes Service names: a short name is in
 * `fromNamespace`; `name.ns`, `name.ns.svc` and `name.ns.svc.cluster.local` name a Service. Anything
 * else (an external name, a ServiceEntry host) is not a Kubernetes Service: undefined.
 */
export function resolveServiceHost(
  host: string,
  fromNamespace: string,
  services: Service[] | ((namespace: string, name: string) => Service | undefined),
  knownNamespaces: Set<string>,
): ServiceHost | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === '' || h.includes('*')) return undefined;
  const labels = h.split('.');
  let name: string;
  let namespace: string;
  if (labels.length === 1) {
    name = labels[0];
    namespace = fromNamespace;
  } else if (h.endsWith('.svc.cluster.local') && labels.length === 5) {
    [name, namespace] = labels;
  } else if (labels.length === 3 && labels[2] === 'svc') {
    [name, namespace] = labels;
  } else if (labels.length === 2 && knownNamespaces.has(labels[1])) {
    [name, namespace] = labels;
  } else {
    return undefined;
  }
  const service =
    typeof services === 'function' ? services(namespace, name) : services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? '') === namespace);
  return { name, namespace, fqdn: `${name}.${namespace}.svc.cluster.local`, service };
}

/** Every host a Gateway's servers list, namespace part stripped, deduplicated. */
export function gatewayHosts(gm: GatewayModel): string[] {
  return [...new Set(gm.servers.flatMap((s) => s.hosts.map((h) => h.host)))].sort();
}

/**
 * Does a VirtualService bind to one host entry of a Gateway server (S4)? Its namespace must be allowed
 * by the host's `ns/` part, it must be exported to the Gateway's namespace, and a host must match.
 */
export function vsBindsToGatewayHost(vs: VirtualService, gh: GatewayHost, gatewayNamespace: string | undefined): boolean {
  const vsNs = vs.metadata.namespace ?? '';
  if (gh.namespace !== '*' && gh.namespace !== vsNs) return false;
  if (!vsExportedTo(vs, gatewayNamespace ?? '')) return false;
  return (vs.spec?.hosts ?? []).some((h) => hostMatches(gh.host, h) || hostMatches(h, gh.host));
}

export function vsExportedTo(vs: VirtualService, namespace: string): boolean {
  const exportTo = vs.spec?.exportTo;
  if (!exportTo || exportTo.length === 0) return true;
  const vsNs = vs.metadata.namespace ?? '';
  return exportTo.some((e) => e === '*' || e === namespace || (e === '.' && vsNs === namespace));
}

/** `ns/name`, or just `name` for namespace-less objects (manifests without metadata.namespace). */
export function refName(r: { namespace?: string | null; name: string }): string {
  return r.namespace ? `${r.namespace}/${r.name}` : r.name;
}

/**
 * Host patterns indexed so that "which entries could overlap this host" is a lookup, not a scan:
 * exact names, wildcard suffixes, and the label suffixes of both. `candidates(h)` returns a superset of
 * the entries that overlap h by hostMatches/hostsOverlap (callers keep their own predicate), in the
 * order they were added.
 */
export class HostIndex<T> {
  private readonly entries: { host: string; item: T }[] = [];
  private readonly exact = new Map<string, number[]>();
  /** `*.x.com` entries by `.x.com` */
  private readonly wildBySuffix = new Map<string, number[]>();
  /** concrete entries by each proper label suffix (`a.b.x.com` under `.b.x.com`, `.x.com`, `.com`) */
  private readonly concreteUnder = new Map<string, number[]>();
  /** wildcard entries by each proper label suffix of their suffix (`*.y.x.com` under `.x.com`, `.com`) */
  private readonly wildUnder = new Map<string, number[]>();
  private readonly stars: number[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(host: string, item: T): void {
    const i = this.entries.length;
    this.entries.push({ host, item });
    const h = normHost(host);
    const push = (m: Map<string, number[]>, k: string) => {
      const list = m.get(k);
      if (list) list.push(i);
      else m.set(k, [i]);
    };
    if (h === '*') {
      this.stars.push(i);
      return;
    }
    push(this.exact, h);
    if (h.startsWith('*.')) {
      const suffix = h.slice(1);
      push(this.wildBySuffix, suffix);
      for (const s of properSuffixes(suffix)) push(this.wildUnder, s);
    } else {
      for (const s of properSuffixes(`.${h}`)) push(this.concreteUnder, s);
    }
  }

  /** Entries whose host equals `host` (case and trailing dot ignored). */
  same(host: string): T[] {
    return (this.exact.get(normHost(host)) ?? []).map((i) => this.entries[i].item);
  }

  /** Every entry that may overlap `host` (superset), in insertion order. */
  candidates(host: string): { host: string; item: T }[] {
    return this.candidatesOfAll([host]);
  }

  /** Every entry that may overlap any of `hosts` (superset), each once, in insertion order. */
  candidatesOfAll(hosts: string[]): { host: string; item: T }[] {
    const found = new Set<number>();
    for (const host of hosts) this.collect(host, found);
    return [...found].sort((a, b) => a - b).map((i) => this.entries[i]);
  }

  private collect(host: string, found: Set<number>): void {
    const h = normHost(host);
    if (h === '*') {
      for (let i = 0; i < this.entries.length; i++) found.add(i);
      return;
    }
    for (const i of this.stars) found.add(i);
    const take = (list: number[] | undefined) => list?.forEach((i) => found.add(i));
    take(this.exact.get(h));
    if (h.startsWith('*.')) {
      const suffix = h.slice(1);
      take(this.concreteUnder.get(suffix));
      take(this.wildUnder.get(suffix));
      take(this.wildBySuffix.get(suffix));
      for (const s of properSuffixes(suffix)) take(this.wildBySuffix.get(s));
    } else {
      for (const s of properSuffixes(`.${h}`)) take(this.wildBySuffix.get(s));
    }
  }
}

function normHost(h: string): string {
  return h.toLowerCase().replace(/\.$/, '');
}

/** `.a.b.c` → `.b.c`, `.c` (label-aligned, the whole string excluded). */
function properSuffixes(dotted: string): string[] {
  const out: string[] = [];
  for (let i = dotted.indexOf('.', 1); i > 0; i = dotted.indexOf('.', i + 1)) out.push(dotted.slice(i));
  return out;
}
