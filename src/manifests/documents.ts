// Folds parsed Kubernetes objects (from YAML files, a `kind: List`, or a live LIST) into a Snapshot.
// Shared by the offline source (-f), the simulated cluster's scenario loader and the tests, so the
// same object always lands in the same field whichever way it arrived.
import type { KubeObject, Secret, Snapshot, SnapshotKind } from '../snapshot/types.js';

/**
 * Kind → snapshot field, by API group. Only groups listed here count: a `gateway.networking.k8s.io`
 * Gateway is a Gateway-API object, not an Istio Gateway, and must not be read as one.
 */
const KINDS: { kind: string; groups: string[]; field: SnapshotKind }[] = [
  { kind: 'Pod', groups: [''], field: 'pods' },
  { kind: 'Service', groups: [''], field: 'services' },
  { kind: 'Secret', groups: [''], field: 'secrets' },
  { kind: 'ConfigMap', groups: [''], field: 'configMaps' },
  { kind: 'Gateway', groups: ['networking.istio.io'], field: 'gateways' },
  { kind: 'VirtualService', groups: ['networking.istio.io'], field: 'virtualServices' },
  { kind: 'DestinationRule', groups: ['networking.istio.io'], field: 'destinationRules' },
  { kind: 'PeerAuthentication', groups: ['security.istio.io'], field: 'peerAuthentications' },
  { kind: 'Role', groups: ['rbac.authorization.k8s.io'], field: 'roles' },
  { kind: 'RoleBinding', groups: ['rbac.authorization.k8s.io'], field: 'roleBindings' },
  { kind: 'ClusterRole', groups: ['rbac.authorization.k8s.io'], field: 'clusterRoles' },
  { kind: 'ClusterRoleBinding', groups: ['rbac.authorization.k8s.io'], field: 'clusterRoleBindings' },
  { kind: 'Namespace', groups: [''], field: 'namespaces' },
  // Kubernetes Gateway API and cert-manager (read when the cluster serves them)
  { kind: 'Gateway', groups: ['gateway.networking.k8s.io'], field: 'kubernetesGateways' },
  { kind: 'GatewayClass', groups: ['gateway.networking.k8s.io'], field: 'gatewayClasses' },
  { kind: 'HTTPRoute', groups: ['gateway.networking.k8s.io'], field: 'httpRoutes' },
  { kind: 'GRPCRoute', groups: ['gateway.networking.k8s.io'], field: 'grpcRoutes' },
  { kind: 'TLSRoute', groups: ['gateway.networking.k8s.io'], field: 'tlsRoutes' },
  { kind: 'ReferenceGrant', groups: ['gateway.networking.k8s.io'], field: 'referenceGrants' },
  { kind: 'Certificate', groups: ['cert-manager.io'], field: 'certificates' },
  { kind: 'CertificateRequest', groups: ['cert-manager.io'], field: 'certificateRequests' },
  { kind: 'Issuer', groups: ['cert-manager.io'], field: 'issuers' },
  { kind: 'ClusterIssuer', groups: ['cert-manager.io'], field: 'clusterIssuers' },
  { kind: 'Order', groups: ['acme.cert-manager.io'], field: 'orders' },
  { kind: 'Challenge', groups: ['acme.cert-manager.io'], field: 'challenges' },
];

/** The API group of an apiVersion: `v1` → '', `networking.istio.io/v1` → 'networking.istio.io'. */
export function apiGroup(apiVersion: string | undefined): string | undefined {
  if (apiVersion === undefined || apiVersion === '') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Which snapshot field an object belongs to, or undefined when the doctor does not read that kind. */
export function fieldFor(kind: string | undefined, apiVersion: string | undefined): SnapshotKind | undefined {
  if (!kind) return undefined;
  const group = apiGroup(apiVersion);
  const entry = KINDS.find((k) => k.kind === kind && (group === undefined || k.groups.includes(group)));
  return entry?.field;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(doc: Record<string, unknown>, origin: string | undefined): string {
  const kind = typeof doc.kind === 'string' ? doc.kind : 'object';
  return origin ? `${kind} in ${origin}` : kind;
}

/** Secrets written with `stringData` (offline manifests) carry plain text; the API returns base64 `data`. */
function foldStringData(secret: Record<string, unknown>): void {
  const stringData = secret.stringData;
  if (!isRecord(stringData)) return;
  const data: Record<string, string> = isRecord(secret.data) ? { ...(secret.data as Record<string, string>) } : {};
  for (const [k, v] of Object.entries(stringData)) {
    // stringData wins over data for the same key, as the API server merges them
    data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
  }
  secret.data = data;
  delete secret.stringData;
}

/**
 * Add parsed objects to a snapshot. `kind: List` (and any `*List`) items are expanded recursively.
 * Returns warnings in plain words (objects skipped and why); unknown kinds are ignored silently.
 * Objects are copied (the caller may reuse its documents) unless `owned` says they are the snapshot's to keep.
 */
export function addDocuments(snapshot: Snapshot, docs: unknown[], origin?: string, opts: { owned?: boolean } = {}): string[] {
  const warnings: string[] = [];
  // items of a List may share objects through YAML aliases: always copied, so each item is its own
  const visit = (doc: unknown, owned = opts.owned === true): void => {
    if (doc === null || doc === undefined) return;
    if (!isRecord(doc)) {
      warnings.push(`${origin ?? 'input'}: skipped a document that is not an object`);
      return;
    }
    const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
    if (Array.isArray(doc.items) && (kind === undefined || kind === 'List' || kind.endsWith('List'))) {
      // a typed list from `kubectl get -o yaml` may omit kind/apiVersion on its items
      const itemKind = kind && kind !== 'List' ? kind.slice(0, -'List'.length) : undefined;
      for (const item of doc.items) {
        if (isRecord(item) && itemKind && item.kind === undefined) visit({ ...item, kind: itemKind, apiVersion: item.apiVersion ?? doc.apiVersion }, false);
        else visit(item, false);
      }
      return;
    }
    const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : undefined;
    const field = fieldFor(kind, apiVersion);
    if (!field) return;
    const metadata = doc.metadata;
    if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
      warnings.push(`${describe(doc, origin)}: skipped, it has no metadata.name`);
      return;
    }
    // `owned`: the caller parsed these documents for this snapshot alone (the offline reader), no copy needed
    const obj = (owned ? doc : structuredClone(doc)) as Record<string, unknown>;
    if (field === 'secrets') foldStringData(obj);
    if (obj.spec === undefined && field !== 'secrets' && field !== 'configMaps' && field !== 'roles' && field !== 'clusterRoles' && field !== 'roleBindings' && field !== 'clusterRoleBindings') {
      obj.spec = {};
    }
    (snapshot[field] as KubeObject[]).push(obj as unknown as KubeObject);
    snapshot.read[field] = true;
  };
  for (const doc of docs) visit(doc);
  return warnings;
}

/** A Secret's values decoded to text (for tests and remediation that need to look at key names only). */
export function secretKeys(secret: Secret): string[] {
  return Object.keys(secret.data ?? {}).sort();
}
