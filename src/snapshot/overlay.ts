// `doctor -f DIR --use-kube`: the proposed cluster = the live cluster with the objects of the files in
// place of the live objects of the same kind, namespace and name (and the new ones added). Everything
// else, Secrets included, is what the cluster holds. What the live read could not see stays unseen:
// `read`, `readNamespaces`, `unreadable` and the in-pod inspections are the live run's.
import type { KubeObject, Snapshot, SnapshotKind } from './types.js';

/** Every list of objects a Snapshot holds. */
export const SNAPSHOT_KINDS: SnapshotKind[] = [
  'pods',
  'services',
  'secrets',
  'configMaps',
  'gateways',
  'virtualServices',
  'destinationRules',
  'peerAuthentications',
  'roles',
  'roleBindings',
  'clusterRoles',
  'clusterRoleBindings',
  'kubernetesGateways',
  'gatewayClasses',
  'httpRoutes',
  'grpcRoutes',
  'tlsRoutes',
  'referenceGrants',
  'namespaces',
  'certificates',
  'certificateRequests',
  'issuers',
  'clusterIssuers',
  'orders',
  'challenges',
];

export interface OverlayResult {
  snapshot: Snapshot;
  /** objects of the files that replace a live object */
  replaced: number;
  /** objects of the files the cluster does not hold */
  added: number;
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Pure: neither input is changed; the result shares their objects. */
export function overlaySnapshot(live: Snapshot, files: Snapshot): OverlayResult {
  const out: Snapshot = { ...live, source: { ...live.source, files: files.source.files ?? [] } };
  let replaced = 0;
  let added = 0;
  for (const kind of SNAPSHOT_KINDS) {
    const proposed = files[kind] as KubeObject[];
    if (proposed.length === 0) continue;
    const byKey = new Set(proposed.map(key));
    const kept = (live[kind] as KubeObject[]).filter((o) => !byKey.has(key(o)));
    replaced += (live[kind] as KubeObject[]).length - kept.length;
    added += proposed.length - ((live[kind] as KubeObject[]).length - kept.length);
    // a LIST's order (namespace, then name), as both sources keep it
    (out[kind] as KubeObject[]) = [...kept, ...proposed].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
  return { snapshot: out, replaced, added };
}
