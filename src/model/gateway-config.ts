// The listener host indexes (ITLS4xx): per listener and per workload, the hosts of the servers on it. Built once
// per run and kept in the Model (ModelKey).
import { HostIndex, ModelKey, isTlsServer, terminatesTls, type GatewayModel, type Model, type ServerModel } from './model.js';

export const norm = (h: string) => h.toLowerCase().replace(/\.$/, '');

const byteCompare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const createdSecond = (ts: string | undefined) => {
  const ms = ts ? Date.parse(ts) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

/**
 * Istio keeps the first Gateway's server in its config order (pilot/pkg/model/config.go
 * configCompareByCreationTime, 322-333): creation time to the second, then name, then namespace, compared
 * as bytes. A Gateway without a creation time (offline manifests) sorts as the oldest.
 */
export function precedence(a: GatewayModel, b: GatewayModel): number {
  return (
    createdSecond(a.gateway.metadata.creationTimestamp) - createdSecond(b.gateway.metadata.creationTimestamp) ||
    byteCompare(a.ref.name, b.ref.name) ||
    byteCompare(a.ref.namespace ?? '', b.ref.namespace ?? '')
  );
}

export interface HostEntry {
  gm: GatewayModel;
  server: ServerModel;
  raw: string;
}

/** Per listener (peer group, listen port, bind): its hosts indexed, built once per run. */
const LISTENER_HOSTS = new ModelKey<Map<ServerModel[], HostIndex<HostEntry>>>('listener hosts');

export function listenerHosts(model: Model, gm: GatewayModel, port: number, bind: string): HostIndex<HostEntry> {
  const servers = model.serversOnListener(gm, port, bind);
  const listenerHostIndexes = model.cached(LISTENER_HOSTS, () => new Map());
  let index = listenerHostIndexes.get(servers);
  if (!index) {
    index = new HostIndex<HostEntry>();
    for (const t of servers) {
      const n = model.gatewayModel(t.gateway)!;
      for (const th of t.hosts) index.add(th.host, { gm: n, server: t, raw: th.raw });
    }
    listenerHostIndexes.set(servers, index);
  }
  return index;
}

/** Per peer group: the hosts of its TLS servers ('tls') or of its terminating/passthrough servers ('served'). */
const WORKLOAD_HOSTS = new ModelKey<Map<GatewayModel[], Map<string, HostIndex<HostEntry>>>>('workload hosts');

export function workloadHosts(model: Model, gm: GatewayModel, kind: 'tls' | 'served'): HostIndex<HostEntry> {
  const peers = model.gatewaysOnWorkload(gm);
  const workloadHostIndexes = model.cached(WORKLOAD_HOSTS, () => new Map());
  let byKind = workloadHostIndexes.get(peers);
  if (!byKind) workloadHostIndexes.set(peers, (byKind = new Map()));
  let index = byKind.get(kind);
  if (!index) {
    index = new HostIndex<HostEntry>();
    for (const n of peers) {
      for (const t of n.servers) {
        const keep = kind === 'tls' ? isTlsServer(t.server) : terminatesTls(t.server) || t.mode === 'PASSTHROUGH';
        if (keep) for (const th of t.hosts) index.add(th.host, { gm: n, server: t, raw: th.raw });
      }
    }
    byKind.set(kind, index);
  }
  return index;
}
