// The live source: one paginated LIST per kind (limit 500 + continue), in parallel, never a GET per
// object. What cannot be read becomes snapshot.unreadable (403) or istioCrds 'missing' (404 on the
// Istio group); only "cannot talk to the cluster at all" throws.
import { emptySnapshot, type Snapshot, type SnapshotKind, type Unreadable } from '../snapshot/types.js';
import { ApiClient } from './client.js';
import { ApiStatusError, ClusterError, ClusterUnreachableError } from './errors.js';
import { inspectGatewayPods } from './inspect.js';
import { loadKubeconfig } from './kubeconfig.js';
import { CRD_IMPACT, crdPlans, isOptionalGroup } from './crd-kinds.js';

export interface LiveOptions {
  kubeconfig?: string;
  context?: string;
  /** -n: Gateways of this namespace matter; used as a fallback scope when cluster-wide LISTs are forbidden */
  namespace?: string;
  requestTimeoutMs: number;
  istioNamespace?: string;
  /** test hook / advanced: page size (default 500) */
  pageSize?: number;
  /** look inside gateway pods (port-forward to Envoy admin, exec fallback); `--no-exec` sets false. Default true. */
  inspect?: boolean;
  /** gateway pods inspected at once (default 4) */
  inspectConcurrency?: number;
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

export async function loadLiveSnapshot(opts: LiveOptions): Promise<Snapshot> {
  const kubeconfig = loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  const client = await ApiClient.create(kubeconfig, { requestTimeoutMs: opts.requestTimeoutMs });
  const istioNamespace = opts.istioNamespace ?? 'istio-system';
  const pageSize = opts.pageSize ?? 500;
  const snapshot = emptySnapshot({ kind: 'live', context: kubeconfig.contextName, server: client.server }, istioNamespace);

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

  const clusterScoped = new Set<SnapshotKind>(['clusterRoles', 'clusterRoleBindings', 'namespaces', 'gatewayClasses', 'clusterIssuers']);
  const results = await Promise.all(
    plans.map(async (p) => {
      const scope = p.namespace;
      try {
        return { p, items: await listAll(client, p, scope, pageSize) };
      } catch (e) {
        // Forbidden cluster-wide but -n given: a namespace-scoped user can still be served for that namespace.
        if (e instanceof ApiStatusError && e.status === 403 && !scope && opts.namespace && !clusterScoped.has(p.field)) {
          try {
            const items = await listAll(client, p, opts.namespace, pageSize);
            return { p, items, partial: unreadableFrom(e, p, undefined) };
          } catch (e2) {
            if (e2 instanceof ApiStatusError) return { p, error: e2, scope: opts.namespace };
            throw e2;
          }
        }
        if (e instanceof ApiStatusError) return { p, error: e, scope };
        // One LIST timing out or cut off (a slow or huge kind) is reported; the rest still count.
        if (e instanceof ClusterUnreachableError) return { p, transport: e, scope };
        throw e;
      }
    }),
  );
  const transport = results.filter((r) => 'transport' in r);
  if (transport.length === results.length && transport[0] && 'transport' in transport[0]) throw transport[0].transport;
  for (const r of results) {
    if ('items' in r && r.items) {
      (snapshot[r.p.field] as unknown[]) = r.items;
      snapshot.read[r.p.field] = true;
      if (r.partial) snapshot.unreadable.push({ ...r.partial, impact: `${r.partial.impact} outside namespace ${opts.namespace}` });
      continue;
    }
    if ('transport' in r && r.transport) {
      const u: Unreadable = { resource: r.p.resource, verb: 'list', status: 0, reason: r.transport.message, impact: r.p.impact };
      if (r.scope) u.namespace = r.scope;
      snapshot.unreadable.push(u);
      continue;
    }
    const err = r.error as ApiStatusError;
    if (err.status === 404 && r.p.group === 'networking.istio.io') {
      snapshot.istioCrds = 'missing';
      continue;
    }
    if (err.status === 404 && r.p.group === 'security.istio.io') continue;
    if (err.status === 404 && isOptionalGroup(r.p.group)) continue;
    snapshot.unreadable.push(unreadableFrom(err, r.p, r.scope));
  }
  if (opts.inspect !== false && snapshot.pods.length > 0 && snapshot.gateways.length > 0) {
    await inspectGatewayPods(snapshot, {
      server: client.server,
      connection: client.connectionOptions(),
      requestTimeoutMs: opts.inspectTimeoutMs ?? Math.min(opts.requestTimeoutMs, INSPECT_TIMEOUT_CAP_MS),
      namespace: opts.namespace,
      concurrency: opts.inspectConcurrency,
    });
  }
  return snapshot;
}
