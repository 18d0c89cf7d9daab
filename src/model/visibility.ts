// What the doctor could not see, per Gateway host: the reads a host's verdict depends on that were
// refused or failed. A host with any is "unknown" in `status` (never "ok"), the ITLS901 finding lists
// it, and the checks that conclude from absence stay silent about it. Pure: Model in, facts out.
import { canSee, type Snapshot, type SnapshotKind } from '../snapshot/types.js';
import type { ListenerModel } from './gateway-api.js';
import { hostMatches, parseCredentialName, terminatesTls, vsBindsToGatewayHost, type GatewayHost, type GatewayModel, type Model, type ServerModel } from './model.js';

/** RBAC resource names of the snapshot kinds, for messages ("virtualservices.networking.istio.io in web"). */
export const KIND_RESOURCE: Partial<Record<SnapshotKind, string>> = {
  pods: 'pods',
  services: 'services',
  secrets: 'secrets',
  configMaps: 'configmaps',
  gateways: 'gateways.networking.istio.io',
  virtualServices: 'virtualservices.networking.istio.io',
  destinationRules: 'destinationrules.networking.istio.io',
  peerAuthentications: 'peerauthentications.security.istio.io',
  roles: 'roles.rbac.authorization.k8s.io',
  roleBindings: 'rolebindings.rbac.authorization.k8s.io',
  clusterRoles: 'clusterroles.rbac.authorization.k8s.io',
  clusterRoleBindings: 'clusterrolebindings.rbac.authorization.k8s.io',
};

/** One read a verdict needed and did not get. */
export interface Blind {
  kind: SnapshotKind;
  /** the namespace it was needed in; undefined = every namespace */
  namespace?: string;
  /** what it would have decided, in plain words */
  about: string;
}

export function blindText(b: Blind): string {
  return `${b.about}: ${KIND_RESOURCE[b.kind] ?? b.kind} ${b.namespace ? `in ${b.namespace}` : 'outside the namespaces read'} could not be read`;
}

const ROUTED_KINDS: SnapshotKind[] = ['pods', 'services', 'secrets', 'virtualServices', 'destinationRules'];

/** Everything the verdicts depend on was read everywhere: the common case, answered without a scan. */
export function seesEverything(snapshot: Snapshot): boolean {
  return ROUTED_KINDS.every((k) => visible(snapshot, k));
}

/**
 * Could the source see every `kind` object in `namespace` (undefined: everywhere)? Offline, the files
 * are the whole cluster as far as the doctor knows: always.
 */
export function visible(snapshot: Snapshot, kind: SnapshotKind, namespace?: string): boolean {
  return snapshot.source.kind === 'offline' || canSee(snapshot, kind, namespace);
}

function sees(model: Model, kind: SnapshotKind, namespace?: string): boolean {
  return visible(model.snapshot, kind, namespace);
}

/** Kubernetes Service namespace a route destination host names (short names: the VirtualService namespace). */
function destinationNamespace(model: Model, host: string, vsNamespace: string): string | undefined {
  return model.resolveServiceHost(host, vsNamespace)?.namespace;
}

/**
 * The reads the verdict of one Gateway host depends on that the source did not get. Empty when
 * everything it needs was read (always offline: the files are the whole cluster).
 */
export function hostBlindness(model: Model, gm: GatewayModel, server: ServerModel, h: GatewayHost): Blind[] {
  const snapshot = model.snapshot;
  if (seesEverything(snapshot)) return [];
  const out: Blind[] = [];
  const add = (b: Blind) => {
    if (!out.some((o) => o.kind === b.kind && o.namespace === b.namespace)) out.push(b);
  };
  // The pods the Gateway configures: a selector matches pods in any namespace.
  if (gm.pods.length === 0 && !sees(model, 'pods')) add({ kind: 'pods', about: 'which pods serve this Gateway' });
  for (const ns of gm.workloadNamespaces) {
    if (!sees(model, 'services', ns)) add({ kind: 'services', namespace: ns, about: 'which Service exposes the gateway port' });
  }
  // The credential: read from the namespace of the gateway pods (or the one credentialName names).
  if (terminatesTls(server.server)) {
    for (const credentialName of server.credentialNames) {
      const parsed = parseCredentialName(credentialName);
      if (parsed.builtin) continue;
      const namespaces = parsed.namespace ? [parsed.namespace] : gm.workloadNamespaces;
      for (const ns of namespaces) {
        if (model.credential(credentialName, ns).secret) continue;
        if (!sees(model, 'secrets', ns)) add({ kind: 'secrets', namespace: ns, about: `the credential ${ns}/${parsed.name}` });
      }
    }
  }
  // Routing: a VirtualService from any namespace the host allows may bind to it.
  const vsNamespace = h.namespace === '*' ? undefined : h.namespace;
  const bound = model.virtualServicesFor(gm.gateway).filter((vs) => vsBindsToGatewayHost(vs, h, gm.ref.namespace));
  if (bound.length === 0 && !sees(model, 'virtualServices', vsNamespace)) {
    add({ kind: 'virtualServices', namespace: vsNamespace, about: 'whether a VirtualService routes this host' });
  }
  // Where the routes go, and the TLS the gateway speaks to it (the DestinationRule istiod picks).
  const proxyNs = gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '';
  for (const vs of bound) {
    const vsNs = vs.metadata.namespace ?? '';
    for (const kind of ['http', 'tls', 'tcp'] as const) {
      for (const r of vs.spec?.[kind] ?? []) {
        for (const d of r.route ?? []) {
          const host = d?.destination?.host;
          if (!host) continue;
          const ns = destinationNamespace(model, host, vsNs);
          if (ns === undefined) continue;
          if (!sees(model, 'services', ns)) add({ kind: 'services', namespace: ns, about: `the route destination ${host}` });
          for (const drNs of new Set([proxyNs, ns, snapshot.istioNamespace])) {
            if (!sees(model, 'destinationRules', drNs)) add({ kind: 'destinationRules', namespace: drNs, about: `the TLS the gateway speaks to ${host}` });
          }
        }
      }
    }
  }
  return out;
}

/** The reads a Gateway API listener's row depends on that the source did not get: its pods, its certificate Secrets. */
export function listenerBlindness(model: Model, l: ListenerModel): Blind[] {
  if (seesEverything(model.snapshot)) return [];
  const out: Blind[] = [];
  if (l.gm.pods.length === 0 && !sees(model, 'pods')) out.push({ kind: 'pods', about: 'which pods serve this Gateway' });
  if (l.mode === 'Passthrough') return out;
  for (const c of l.certRefs) {
    if (!c.supported || c.resolution?.secret || sees(model, 'secrets', c.namespace)) continue;
    if (!out.some((o) => o.kind === 'secrets' && o.namespace === c.namespace)) out.push({ kind: 'secrets', namespace: c.namespace, about: `the credential ${c.namespace}/${c.name}` });
  }
  return out;
}

/** A host the verdict of which is unknown, with why. */
export interface UnknownHost {
  gm: GatewayModel;
  server: ServerModel;
  host: string;
  port: number;
  blind: Blind[];
}

/** Every TLS host of the Gateways in scope whose verdict depends on something that could not be read. */
export function unknownHosts(model: Model): UnknownHost[] {
  if (seesEverything(model.snapshot)) return [];
  const out: UnknownHost[] = [];
  for (const gm of model.gateways) {
    for (const server of gm.servers) {
      if (server.protocol !== 'HTTPS' && server.protocol !== 'TLS') continue;
      for (const h of server.hosts) {
        const blind = hostBlindness(model, gm, server, h);
        if (blind.length) out.push({ gm, server, host: h.host, port: server.port, blind });
      }
    }
  }
  return out;
}

/**
 * May a check conclude that no VirtualService binds `host` of this Gateway? Only when VirtualServices
 * were readable in every namespace that could hold one (the `ns/` part of the Gateway host).
 */
export function virtualServicesVisibleFor(model: Model, h: GatewayHost): boolean {
  return sees(model, 'virtualServices', h.namespace === '*' ? undefined : h.namespace);
}

/** Hosts of `gm` that match `name` (wildcard-aware), for messages. */
export function matchingHosts(gm: GatewayModel, name: string): string[] {
  return gm.servers.flatMap((s) => s.hosts.filter((h) => hostMatches(h.host, name) || hostMatches(name, h.host)).map((h) => h.host));
}
