// The live source: one paginated LIST per kind (limit 500 + continue), in parallel, never a GET per
// object. What cannot be read becomes snapshot.unreadable (403) or istioCrds 'missing' (404 on the
// Istio group); only "cannot talk to the cluster at all" throws.
import { emptySnapshot, type Snapshot, type SnapshotKind, type Unreadable } from '../snapshot/types.js';
import { ApiClient } from './client.js';
import { ApiStatusError, ClusterError, ClusterUnreachableError } from './errors.js';
import { inspectGatewayPods } from './inspect.js';
import { loadKubeconfig } from './kubeconfig.js';
import { probeGateways } from './probe.js';
import { CRD_IMPACT, crdPlans, isOptionalGroup } from './crd-kinds.js';

export interface LiveOptions {
  kubeconfig?: string;
  context?: string;
  /** -n: Gateways of this namespace matter; a cluster-wide LIST that is forbidden is retried in it (and in the Istio namespace) */
  namespace?: string;
  requestTimeoutMs: number;
  istioNamespace?: string;
  /** test hook / advanced: page size (default 500) */
  pageSize?: number;
  /** look inside gateway pods (port-forward to Envoy admin, exec fallback); `--no-exec` sets false. Default true. */
  inspect?: boolean;
  /** gateway pods inspected at once (default 4) */
  inspectConcurrency?: number;
  /** the live TLS probe (a handshake per TLS host through a port-forward); `--no-probe` sets false. Default: as `inspect` (no pod streams at all when inspect is false, as --no-exec implies --no-probe). */
  probe?: boolean;
  /** per port-forward/exec timeout; default min(requestTimeoutMs, 10 s): Envoy's admin answers in milliseconds, and a hung pod must not hold the run for long */
  inspectTimeoutMs?: number;
}

type Json = Record<string, unknown>;
interface ListBody {
  apiVersion?: string;
  kind?: string;
  metadata?: { continue?: string; resourceVersion?: string };
  items?: Json[];
}

interface KindPlan {
  field: SnapshotKind;
  /** RBAC resource name, e.g. "secrets", "gateways.networking.istio.io" */
  resource: string;
  group: string;
  version: string;
  plural: string;
  /** list only in this namespace (configmaps: the Istio namespace) */
  namespace?: string;
  fieldSelector?: string;
  impact: string;
}

export const INSPECT_TIMEOUT_CAP_MS = 10_000;

/** Secrets that are never TLS credentials and are numerous in real clusters. */
export const SECRET_FIELD_SELECTOR = 'type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1';

const IMPACT: Record<SnapshotKind, string> = {
  pods: 'gateway pods cannot be found: which pods a Gateway selects, their namespaces, mounts and health are unknown',
  services: 'gateway Services and route destinations cannot be checked',
  secrets: 'TLS credentials cannot be read: certificate, chain, key and expiry checks are skipped',
  configMaps: 'mesh configuration (istio ConfigMap) cannot be read',
  gateways: 'Istio Gateways cannot be read: no gateway host can be checked',
  virtualServices: 'routing from gateway hosts to services cannot be checked',
  destinationRules: 'TLS from the gateway to backends cannot be checked',
  peerAuthentications: 'mTLS modes of backends cannot be checked',
  roles: 'whether gateways may read their credential Secrets cannot be checked',
  roleBindings: 'whether gateways may read their credential Secrets cannot be checked',
  clusterRoles: 'whether gateways may read their credential Secrets cannot be checked',
  clusterRoleBindings: 'whether gateways may read their credential Secrets cannot be checked',
  ...CRD_IMPACT,
};

function pickVersion(group: { versions?: { version: string }[]; preferredVersion?: { version: string } } | undefined, wanted: string[]): string | undefined {
  if (!group) return undefined;
  const have = (group.versions ?? []).map((v) => v.version);
  return wanted.find((v) => have.includes(v)) ?? group.preferredVersion?.version ?? have[0];
}

function listPath(p: KindPlan, namespace?: string): string {
  const base = p.group ? `/apis/${p.group}/${p.version}` : `/api/${p.version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${p.plural}` : `${base}/${p.plural}`;
}

/**
 * Items of a LIST as the YAML a user wrote would have them: kind/apiVersion restored (the API omits
 * them on built-in list items), server bookkeeping that only costs memory dropped, and the
 * last-applied annotation removed (on a Secret it is the whole Secret, keys included).
 */
export function normalizeItem(item: Json, apiVersion: string | undefined, kind: string | undefined): Json {
  const out: Json = { ...item };
  if (!out.apiVersion && apiVersion) out.apiVersion = apiVersion;
  if (!out.kind && kind) out.kind = kind;
  const meta = out.metadata && typeof out.metadata === 'object' ? { ...(out.metadata as Json) } : {};
  delete meta.managedFields;
  if (meta.annotations && typeof meta.annotations === 'object') {
    const ann = { ...(meta.annotations as Record<string, string>) };
    delete ann['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(ann).length === 0) delete meta.annotations;
    else meta.annotations = ann;
  }
  out.metadata = meta;
  // Order keys the way manifests read: apiVersion, kind, metadata, then the rest.
  const { apiVersion: av, kind: k, metadata, ...rest } = out;
  return { ...(av !== undefined ? { apiVersion: av } : {}), ...(k !== undefined ? { kind: k } : {}), metadata, ...rest };
}

async function listAll(client: ApiClient, p: KindPlan, namespace: string | undefined, pageSize: number): Promise<Json[]> {
  const items: Json[] = [];
  let cont: string | undefined;
  let restarted = false;
  for (;;) {
    let page: ListBody;
    try {
      page = await client.getJson<ListBody>(listPath(p, namespace), { limit: pageSize, continue: cont, fieldSelector: p.fieldSelector });
    } catch (e) {
      // 410 Gone: the continue token expired between pages; a real client relists once from the start.
      if (e instanceof ApiStatusError && e.status === 410 && cont && !restarted) {
        restarted = true;
        items.length = 0;
        cont = undefined;
        continue;
      }
      throw e;
    }
    const kind = page.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
    for (const it of page.items ?? []) items.push(normalizeItem(it, page.apiVersion, kind));
    cont = page.metadata?.continue || undefined;
    if (!cont) return items;
  }
}

function unreadableFrom(e: ApiStatusError, p: KindPlan, namespace: string | undefined): Unreadable {
  const u: Unreadable = { resource: p.resource, verb: 'list', status: e.status, reason: e.message || e.reason, impact: IMPACT[p.field] };
  if (namespace) u.namespace = namespace;
  return u;
}

const CLUSTER_SCOPED = new Set<SnapshotKind>(['clusterRoles', 'clusterRoleBindings', 'namespaces', 'gatewayClasses', 'clusterIssuers']);

/** One LIST of one kind in one scope (undefined = cluster-wide), and how it ended. */
interface Attempt {
  p: KindPlan;
  scope: string | undefined;
  items?: Json[];
  error?: ApiStatusError;
  transport?: ClusterUnreachableError;
}

async function attempt(client: ApiClient, p: KindPlan, scope: string | undefined, pageSize: number): Promise<Attempt> {
  try {
    return { p, scope, items: await listAll(client, p, scope, pageSize) };
  } catch (e) {
    if (e instanceof ApiStatusError) return { p, scope, error: e };
    // One LIST timing out or cut off (a slow or huge kind) is reported; the rest still count.
    if (e instanceof ClusterUnreachableError) return { p, scope, transport: e };
    throw e;
  }
}

function transportUnreadable(a: Attempt): Unreadable {
  const u: Unreadable = { resource: a.p.resource, verb: 'list', status: 0, reason: a.transport?.message ?? 'no answer', impact: a.p.impact };
  if (a.scope) u.namespace = a.scope;
  return u;
}

function isIstiodItem(item: Json): boolean {
  const labels = ((item.metadata as Json | undefined)?.labels ?? {}) as Record<string, string>;
  return labels.app === 'istiod' || labels.istio === 'pilot';
}

export async function loadLiveSnapshot(opts: LiveOptions): Promise<Snapshot> {
  const kubeconfig = loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  const client = await ApiClient.create(kubeconfig, { requestTimeoutMs: opts.requestTimeoutMs });
  const istioNamespace = opts.istioNamespace ?? 'istio-system';
  const pageSize = opts.pageSize ?? 500;
  const snapshot = emptySnapshot({ kind: 'live', context: kubeconfig.contextName, server: client.server }, istioNamespace);
  const user = client.userName();
  if (user) snapshot.source.user = user;

  // One discovery request: it proves the server is reachable and that we are authenticated, and says
  // which Istio API versions are served (v1 since Istio 1.22; older installs only v1beta1/v1alpha3).
  let groups: { name: string; versions?: { version: string }[]; preferredVersion?: { version: string } }[];
  try {
    groups = (await client.getJson<{ groups?: typeof groups }>('/apis')).groups ?? [];
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    if (e instanceof ApiStatusError) {
      throw new ClusterUnreachableError(`the API server ${client.server} answered ${e.status} to discovery (GET /apis): ${e.message}`);
    }
    throw e;
  }
  const networking = pickVersion(groups.find((g) => g.name === 'networking.istio.io'), ['v1', 'v1beta1', 'v1alpha3']);
  const security = pickVersion(groups.find((g) => g.name === 'security.istio.io'), ['v1', 'v1beta1']);
  snapshot.istioCrds = networking ? 'present' : 'missing';

  const plans: KindPlan[] = [
    { field: 'pods', resource: 'pods', group: '', version: 'v1', plural: 'pods', impact: IMPACT.pods },
    { field: 'services', resource: 'services', group: '', version: 'v1', plural: 'services', impact: IMPACT.services },
    { field: 'secrets', resource: 'secrets', group: '', version: 'v1', plural: 'secrets', fieldSelector: SECRET_FIELD_SELECTOR, impact: IMPACT.secrets },
    { field: 'configMaps', resource: 'configmaps', group: '', version: 'v1', plural: 'configmaps', namespace: istioNamespace, impact: IMPACT.configMaps },
    { field: 'roles', resource: 'roles.rbac.authorization.k8s.io', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', impact: IMPACT.roles },
    { field: 'roleBindings', resource: 'rolebindings.rbac.authorization.k8s.io', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', impact: IMPACT.roleBindings },
    { field: 'clusterRoles', resource: 'clusterroles.rbac.authorization.k8s.io', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', impact: IMPACT.clusterRoles },
    { field: 'clusterRoleBindings', resource: 'clusterrolebindings.rbac.authorization.k8s.io', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', impact: IMPACT.clusterRoleBindings },
  ];
  if (networking) {
    for (const [field, plural] of [['gateways', 'gateways'], ['virtualServices', 'virtualservices'], ['destinationRules', 'destinationrules']] as const) {
      plans.push({ field, resource: `${plural}.networking.istio.io`, group: 'networking.istio.io', version: networking, plural, impact: IMPACT[field] });
    }
  }
  if (security) {
    plans.push({ field: 'peerAuthentications', resource: 'peerauthentications.security.istio.io', group: 'security.istio.io', version: security, plural: 'peerauthentications', impact: IMPACT.peerAuthentications });
  }
  // Gateway API and cert-manager kinds, at the versions discovery says are served (none when not installed)
  plans.push(...(await crdPlans(client, groups, snapshot)));

  // Phase 1: one LIST per kind, cluster-wide (configmaps: in the Istio namespace only).
  const first = await Promise.all(plans.map((p) => attempt(client, p, p.namespace, pageSize)));
  const transport = first.filter((r) => r.transport);
  if (transport.length === first.length && transport[0]?.transport) throw transport[0].transport;

  // Phase 2: a cluster-wide LIST refused (403) is retried namespace by namespace where kubectl users
  // expect the doctor to look: the -n namespace, the Istio namespace, and wherever istiod was seen.
  const podsEverywhere = first.find((r) => r.p.field === 'pods' && r.items);
  const fallbackNamespaces = [
    ...new Set(
      [opts.namespace, istioNamespace, ...(podsEverywhere?.items ?? []).filter(isIstiodItem).map((i) => (i.metadata as Json | undefined)?.namespace as string | undefined)].filter(
        (n): n is string => typeof n === 'string' && n !== '',
      ),
    ),
  ];
  const retried = new Map<KindPlan, Attempt[]>();
  await Promise.all(
    first
      .filter((r) => r.error?.status === 403 && r.scope === undefined && !CLUSTER_SCOPED.has(r.p.field))
      .map(async (r) => {
        retried.set(r.p, await Promise.all(fallbackNamespaces.map((ns) => attempt(client, r.p, ns, pageSize))));
      }),
  );

  for (const r of first) {
    if (r.items) {
      (snapshot[r.p.field] as unknown[]) = r.items;
      snapshot.read[r.p.field] = true;
      continue;
    }
    if (r.transport) {
      snapshot.unreadable.push(transportUnreadable(r));
      continue;
    }
    const err = r.error as ApiStatusError;
    if (err.status === 404 && r.p.group === 'networking.istio.io') {
      snapshot.istioCrds = 'missing';
      continue;
    }
    if (err.status === 404 && r.p.group === 'security.istio.io') continue;
    if (err.status === 404 && isOptionalGroup(r.p.group)) continue;
    const perNamespace = retried.get(r.p) ?? [];
    const readIn = perNamespace.filter((a) => a.items);
    if (readIn.length > 0) {
      (snapshot[r.p.field] as unknown[]) = readIn.flatMap((a) => a.items ?? []);
      snapshot.read[r.p.field] = true;
      (snapshot.readNamespaces ??= {})[r.p.field] = readIn.map((a) => a.scope as string);
      const u = unreadableFrom(err, r.p, undefined);
      u.impact = `${u.impact} outside namespace${readIn.length > 1 ? 's' : ''} ${readIn.map((a) => a.scope).join(', ')} (read there one namespace at a time)`;
      snapshot.unreadable.push(u);
    } else {
      snapshot.unreadable.push(unreadableFrom(err, r.p, undefined));
    }
    for (const a of perNamespace) {
      if (a.items) continue;
      if (a.transport) snapshot.unreadable.push(transportUnreadable(a));
      else if (a.error) snapshot.unreadable.push(unreadableFrom(a.error, a.p, a.scope));
    }
  }
  // Istio Gateways or Gateway-API Gateways, and pods to run them: their pods are inspected and probed
  const gatewaysRun = snapshot.pods.length > 0 && (snapshot.gateways.length > 0 || snapshot.kubernetesGateways.length > 0);
  // exec/port-forward into gateway pods, and the TLS probe: the same connection, timeout and bounds
  const podAccess = {
    server: client.server,
    connection: client.connectionOptions(),
    requestTimeoutMs: opts.inspectTimeoutMs ?? Math.min(opts.requestTimeoutMs, INSPECT_TIMEOUT_CAP_MS),
    namespace: opts.namespace,
    concurrency: opts.inspectConcurrency,
  };
  if (opts.inspect !== false && gatewaysRun) await inspectGatewayPods(snapshot, podAccess);
  if ((opts.probe ?? opts.inspect) !== false && gatewaysRun) await probeGateways(snapshot, podAccess);
  return snapshot;
}
