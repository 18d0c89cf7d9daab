// The optional CRD groups the doctor reads when the cluster serves them: the Kubernetes Gateway API
// (gateway.networking.k8s.io) and cert-manager (cert-manager.io, acme.cert-manager.io). Which version of
// each kind to LIST comes from discovery (GET /apis/<group>/<version> for each served version): TLSRoute
// may be v1alpha2 or v1alpha3 while Gateway is v1, ReferenceGrant v1beta1 or v1. A group or kind that is
// not served is a fact (nothing of it can exist), never an error or a finding.
import type { Snapshot, SnapshotKind } from '../snapshot/types.js';
import { ApiStatusError } from './errors.js';
import type { ApiClient } from './client.js';

export type CrdField = Extract<
  SnapshotKind,
  'kubernetesGateways' | 'gatewayClasses' | 'httpRoutes' | 'grpcRoutes' | 'tlsRoutes' | 'referenceGrants' | 'namespaces' | 'certificates' | 'certificateRequests' | 'issuers' | 'clusterIssuers' | 'orders' | 'challenges'
>;

export interface CrdKind {
  field: CrdField;
  group: string;
  plural: string;
  /** preferred versions, best first; any other served version is used as a last resort */
  versions: string[];
  namespaced: boolean;
  impact: string;
}

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const ACME_GROUP = 'acme.cert-manager.io';

const GW = 'Gateway-API hosts cannot be checked';
export const CRD_KINDS: CrdKind[] = [
  { field: 'kubernetesGateways', group: GATEWAY_API_GROUP, plural: 'gateways', versions: ['v1', 'v1beta1'], namespaced: true, impact: `Gateway-API Gateways cannot be read: ${GW}` },
  { field: 'gatewayClasses', group: GATEWAY_API_GROUP, plural: 'gatewayclasses', versions: ['v1', 'v1beta1'], namespaced: false, impact: 'which controller runs each Gateway-API Gateway is unknown' },
  { field: 'httpRoutes', group: GATEWAY_API_GROUP, plural: 'httproutes', versions: ['v1', 'v1beta1'], namespaced: true, impact: 'HTTPRoutes cannot be read: routes attached to Gateway-API listeners are unknown' },
  { field: 'grpcRoutes', group: GATEWAY_API_GROUP, plural: 'grpcroutes', versions: ['v1', 'v1alpha2'], namespaced: true, impact: 'GRPCRoutes cannot be read: routes attached to Gateway-API listeners are unknown' },
  { field: 'tlsRoutes', group: GATEWAY_API_GROUP, plural: 'tlsroutes', versions: ['v1', 'v1alpha3', 'v1alpha2'], namespaced: true, impact: 'TLSRoutes cannot be read: Passthrough listeners cannot be checked' },
  { field: 'referenceGrants', group: GATEWAY_API_GROUP, plural: 'referencegrants', versions: ['v1', 'v1beta1'], namespaced: true, impact: 'ReferenceGrants cannot be read: cross-namespace certificateRefs cannot be judged' },
  { field: 'namespaces', group: '', plural: 'namespaces', versions: ['v1'], namespaced: false, impact: 'namespace labels are unknown: allowedRoutes namespace selectors cannot be judged' },
  { field: 'certificates', group: CERT_MANAGER_GROUP, plural: 'certificates', versions: ['v1'], namespaced: true, impact: 'cert-manager Certificates cannot be read: renewal of gateway secrets cannot be checked' },
  { field: 'certificateRequests', group: CERT_MANAGER_GROUP, plural: 'certificaterequests', versions: ['v1'], namespaced: true, impact: 'why a Certificate is not issued cannot be explained' },
  { field: 'issuers', group: CERT_MANAGER_GROUP, plural: 'issuers', versions: ['v1'], namespaced: true, impact: 'whether Issuers are Ready cannot be checked' },
  { field: 'clusterIssuers', group: CERT_MANAGER_GROUP, plural: 'clusterissuers', versions: ['v1'], namespaced: false, impact: 'whether ClusterIssuers are Ready cannot be checked' },
  { field: 'orders', group: ACME_GROUP, plural: 'orders', versions: ['v1'], namespaced: true, impact: 'ACME orders cannot be read' },
  { field: 'challenges', group: ACME_GROUP, plural: 'challenges', versions: ['v1'], namespaced: true, impact: 'pending ACME challenges cannot be explained' },
];

/** What live.ts needs to LIST one kind (the shape of its KindPlan). */
export interface CrdPlan {
  field: SnapshotKind;
  resource: string;
  group: string;
  version: string;
  plural: string;
  impact: string;
}

type DiscoveryGroup = { name: string; versions?: { version: string }[]; preferredVersion?: { version: string } };

/**
 * LIST plans for the optional kinds the cluster serves, and which groups are served (recorded on the
 * snapshot). One discovery GET per served group version; a version whose discovery fails is skipped.
 */
export async function crdPlans(client: Pick<ApiClient, 'getJson'>, groups: DiscoveryGroup[], snapshot: Snapshot): Promise<CrdPlan[]> {
  const served = new Map<string, string[]>();
  for (const name of [GATEWAY_API_GROUP, CERT_MANAGER_GROUP, ACME_GROUP]) {
    const g = groups.find((x) => x.name === name);
    if (g) served.set(name, (g.versions ?? []).map((v) => v.version));
  }
  snapshot.crds = {
    gatewayApi: served.has(GATEWAY_API_GROUP) ? 'present' : 'missing',
    certManager: served.has(CERT_MANAGER_GROUP) ? 'present' : 'missing',
  };
  // group/version → plurals served there
  const resources = new Map<string, Set<string>>();
  await Promise.all(
    [...served].flatMap(([group, versions]) =>
      versions.map(async (version) => {
        try {
          const list = await client.getJson<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`);
          resources.set(`${group}/${version}`, new Set((list.resources ?? []).map((r) => r.name)));
        } catch (e) {
          if (!(e instanceof ApiStatusError)) throw e;
        }
      }),
    ),
  );
  const plans: CrdPlan[] = [];
  for (const k of CRD_KINDS) {
    if (k.group === '') {
      // namespaces matter only for Gateway-API allowedRoutes selectors
      if (served.has(GATEWAY_API_GROUP)) plans.push({ field: k.field, resource: k.plural, group: '', version: 'v1', plural: k.plural, impact: k.impact });
      continue;
    }
    const versions = served.get(k.group);
    if (!versions) continue;
    const candidates = [...k.versions, ...versions.filter((v) => !k.versions.includes(v))];
    const version = candidates.find((v) => versions.includes(v) && resources.get(`${k.group}/${v}`)?.has(k.plural));
    if (!version) continue;
    plans.push({ field: k.field, resource: `${k.plural}.${k.group}`, group: k.group, version, plural: k.plural, impact: k.impact });
  }
  return plans;
}

/** Impact text of an optional kind (for the live source's unreadable entries). */
export const CRD_IMPACT = Object.fromEntries(CRD_KINDS.map((k) => [k.field, k.impact])) as Record<CrdField, string>;

/** A 404 on an optional group's LIST: the CRD went away between discovery and the LIST — not served. */
export function isOptionalGroup(group: string): boolean {
  return group === GATEWAY_API_GROUP || group === CERT_MANAGER_GROUP || group === ACME_GROUP;
}
