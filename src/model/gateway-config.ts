// The listener host indexes (ITLS4xx): per listener and per workload, the hosts of the servers on it. Built once
// per run and kept in the Model (ModelKey).
import { HostIndex, ModelKey, isTlsServer, terminatesTls, type GatewayModel, type Model, type ServerModel } from './model.js';

export const norm = (h: string) => h.toLowerCase().replace(/\.$/, '');

/** Istio keeps the oldest Gateway's server (creation time, then namespace/name). */
export function precedence(a: GatewayModel, b: GatewayModel): number {
  const ta = a.gateway.metadata.creationTimestamp ?? '';
  const tb = b.gateway.metadata.creationTimestamp ?? '';
  return ta.localeCompare(tb) || `${a.ref.namespace ?? ''}/${a.ref.name}`.localeCompare(`${b.ref.namespace ?? ''}/${b.ref.name}`);
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
