// The routing indexes (ITLS5xx): VirtualService ↔ Gateway bindings, host lookups, DestinationRules and pods by namespace; built once per Model.
import type { DestinationRule, Pod, VirtualService } from '../snapshot/types.js';
import { hostMatches, HostIndex, labelsMatch, ModelKey, type GatewayModel, type Model } from './model.js';

/** istiod's gateway reference resolution: `ns/name`, legacy `name.ns[.svc.cluster.local]`, or a bare name in the VS namespace. */
export function parseGatewayRef(entry: string, vsNamespace: string): { namespace: string; name: string } {
  const slash = entry.indexOf('/');
  if (slash >= 0) return { namespace: entry.slice(0, slash), name: entry.slice(slash + 1) };
  const dot = entry.indexOf('.');
  if (dot >= 0) return { name: entry.slice(0, dot), namespace: entry.split('.')[1] };
  return { namespace: vsNamespace, name: entry };
}

export interface Binding {
  vs: VirtualService;
  gm: GatewayModel;
}

export function gatewayEntries(vs: VirtualService): string[] {
  const entries = [...(vs.spec?.gateways ?? [])];
  for (const r of vs.spec?.http ?? []) for (const m of r.match ?? []) entries.push(...(m.gateways ?? []));
  return [...new Set(entries)];
}

const BINDINGS = new ModelKey<Binding[]>('bindings');
/** Every (VirtualService, Gateway) pair bound through spec.gateways, with the Gateway resolved; once per run. */
export function bindings(model: Model): Binding[] {
  return model.cached(BINDINGS, () => resolveBindings(model));
}

function resolveBindings(model: Model): Binding[] {
  const out: Binding[] = [];
  for (const vs of model.snapshot.virtualServices) {
    const seen = new Set<GatewayModel>();
    for (const entry of vs.spec?.gateways ?? []) {
      if (entry === 'mesh') continue;
      const r = parseGatewayRef(entry, vs.metadata.namespace ?? '');
      const gateway = model.gatewayNamed(r.namespace, r.name);
      const gm = gateway && model.gatewayModel(gateway);
      if (gm && !seen.has(gm)) {
        seen.add(gm);
        out.push({ vs, gm });
      }
    }
  }
  return out;
}

/** The bindings indexed by Gateway and by VirtualService, built once per run. */
const BINDING_INDEX = new ModelKey<{ byGm: Map<GatewayModel, Binding[]>; byVs: Map<VirtualService, Binding[]> }>('binding index');

function bindingIndex(model: Model) {
  return model.cached(BINDING_INDEX, () => {
    const index = { byGm: new Map<GatewayModel, Binding[]>(), byVs: new Map<VirtualService, Binding[]>() };
    for (const b of bindings(model)) {
      const g = index.byGm.get(b.gm);
      if (g) g.push(b);
      else index.byGm.set(b.gm, [b]);
      const v = index.byVs.get(b.vs);
      if (v) v.push(b);
      else index.byVs.set(b.vs, [b]);
    }
    return index;
  });
}

export const bindingsOf = (model: Model, gm: GatewayModel): Binding[] => bindingIndex(model).byGm.get(gm) ?? [];

export const bindingsFrom = (model: Model, vs: VirtualService): Binding[] => bindingIndex(model).byVs.get(vs) ?? [];
/** Every VirtualService host, indexed (for "which VirtualService lists this host" lookups). */
const VS_HOSTS = new ModelKey<HostIndex<VirtualService>>('virtual service hosts');

export function virtualServiceHosts(model: Model): HostIndex<VirtualService> {
  return model.cached(VS_HOSTS, () => {
    const index = new HostIndex<VirtualService>();
    for (const vs of model.snapshot.virtualServices) for (const h of vs.spec?.hosts ?? []) index.add(h, vs);
    return index;
  });
}

/** Per peer group: `port|host` (lower case) → the Gateways whose servers list that host on that port. */
const PORT_HOSTS = new ModelKey<Map<GatewayModel[], Map<string, GatewayModel[]>>>('port hosts per peer group');

export function gatewaysServing(model: Model, gm: GatewayModel, port: number, host: string): GatewayModel[] {
  const peers = model.gatewaysOnWorkload(gm);
  const portHostIndexes = model.cached(PORT_HOSTS, () => new Map());
  let index = portHostIndexes.get(peers);
  if (!index) {
    index = new Map();
    for (const o of peers) {
      for (const os of o.servers) {
        for (const oh of os.hosts) {
          const key = `${os.port}|${oh.host.toLowerCase()}`;
          const list = index.get(key) ?? [];
          if (!list.includes(o)) list.push(o);
          index.set(key, list);
        }
      }
    }
    portHostIndexes.set(peers, index);
  }
  return index.get(`${port}|${host.toLowerCase()}`) ?? [];
}

/** Hosts of the in-scope Gateways' servers, indexed, each entry naming its Gateway. */
const GATEWAY_HOSTS = new ModelKey<HostIndex<GatewayModel>>('gateway hosts');

export function gatewayHostIndex(model: Model): HostIndex<GatewayModel> {
  return model.cached(GATEWAY_HOSTS, () => {
    const index = new HostIndex<GatewayModel>();
    for (const gm of model.gateways) for (const s of gm.servers) for (const h of s.hosts) index.add(h.host, gm);
    return index;
  });
}

// ---- ITLS506: DestinationRule TLS to the backend ----

export function drHostMatches(drHost: string, drNs: string, fqdn: string, knownNamespaces: Set<string>): 'exact' | 'wildcard' | undefined {
  let h = drHost.toLowerCase();
  if (!h.includes('.') && h !== '*') h = `${h}.${drNs}.svc.cluster.local`;
  else if (h.split('.').length === 2 && knownNamespaces.has(h.split('.')[1])) h = `${h}.svc.cluster.local`;
  if (h === fqdn) return 'exact';
  if (h.startsWith('*') && hostMatches(h, fqdn)) return 'wildcard';
  return undefined;
}

/** Objects of one kind grouped by namespace, built once per run. */
function byNamespace<T extends { metadata: { namespace?: string } }>(items: T[]): Map<string, T[]> {
  const index = new Map<string, T[]>();
  for (const item of items) {
    const ns = item.metadata.namespace ?? '';
    const list = index.get(ns);
    if (list) list.push(item);
    else index.set(ns, [item]);
  }
  return index;
}

const DESTINATION_RULES = new ModelKey<Map<string, DestinationRule[]>>('destination rules by namespace');
export function destinationRulesIn(model: Model, namespace: string): DestinationRule[] {
  return model.cached(DESTINATION_RULES, () => byNamespace(model.snapshot.destinationRules)).get(namespace) ?? [];
}

const PODS_BY_NAMESPACE = new ModelKey<Map<string, Pod[]>>('pods by namespace');

export function podsIn(model: Model, namespace: string): Pod[] {
  return model.cached(PODS_BY_NAMESPACE, () => byNamespace(model.snapshot.pods)).get(namespace) ?? [];
}

/** The DestinationRule a gateway proxy in `proxyNs` applies to `fqdn`: own namespace, then the Service's, then the root namespace. */
export function effectiveDestinationRule(model: Model, fqdn: string, proxyNs: string, serviceNs: string, proxyLabels: Record<string, string> | undefined): DestinationRule | undefined {
  const known = model.namespaces();
  const visible = (dr: DestinationRule) => {
    const exportTo = dr.spec?.exportTo;
    const drNs = dr.metadata.namespace ?? '';
    if (drNs === proxyNs) return true;
    if (!exportTo || exportTo.length === 0) return true;
    return exportTo.some((e) => e === '*' || e === proxyNs);
  };
  const pick = (ns: string) => {
    const candidates = destinationRulesIn(model, ns)
      .filter((dr) => (dr.metadata.namespace ?? '') === ns && visible(dr))
      .filter((dr) => !dr.spec?.workloadSelector?.matchLabels || (ns === proxyNs && labelsMatch(dr.spec.workloadSelector.matchLabels, proxyLabels)))
      .map((dr) => ({ dr, m: drHostMatches(dr.spec?.host ?? '', ns, fqdn, known) }))
      .filter((x) => x.m);
    return (candidates.find((x) => x.m === 'exact') ?? candidates.sort((a, b) => (b.dr.spec.host.length - a.dr.spec.host.length))[0])?.dr;
  };
  return pick(proxyNs) ?? pick(serviceNs) ?? pick(model.snapshot.istioNamespace);
}
