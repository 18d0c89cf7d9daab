// The resource types the simulated API server knows: what discovery advertises and how a
// URL path maps to a set of objects. Built-in kinds are listed here; any other kind found in
// a scenario's YAML is derived from its apiVersion/kind so "everything the YAML holds is served".

export interface ResourceType {
  /** '' for the core group */
  group: string;
  /** served versions, preferred first */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** verbs advertised in discovery (what RBAC would know); the sim still refuses writes */
  verbs: string[];
  /** subresources advertised in discovery, e.g. pods/exec */
  subresources?: { name: string; kind: string; verbs: string[] }[];
}

const READ = ['get', 'list', 'watch'];
const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const BUILTIN_TYPES: ResourceType[] = [
  { group: '', versions: ['v1'], plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], verbs: RW },
  {
    group: '',
    versions: ['v1'],
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    verbs: RW,
    subresources: [
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  { group: '', versions: ['v1'], plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], verbs: RW },
  { group: '', versions: ['v1'], plural: 'endpoints', singular: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'], verbs: RW },
  { group: '', versions: ['v1'], plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, verbs: RW },
  { group: '', versions: ['v1'], plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], verbs: RW },
  { group: '', versions: ['v1'], plural: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], verbs: RW },
  { group: '', versions: ['v1'], plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], verbs: RW },
  { group: '', versions: ['v1'], plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], verbs: RW },
  { group: 'apps', versions: ['v1'], plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: RW },
  { group: 'apps', versions: ['v1'], plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], verbs: RW },
  { group: 'apps', versions: ['v1'], plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], verbs: RW },
  { group: 'apps', versions: ['v1'], plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], plural: 'roles', singular: 'role', kind: 'Role', namespaced: true, verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], plural: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', namespaced: true, verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], plural: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', namespaced: false, verbs: RW },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], plural: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false, verbs: RW },
  { group: 'authorization.k8s.io', versions: ['v1'], plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', versions: ['v1'], plural: 'subjectaccessreviews', singular: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', versions: ['v1'], plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'] },
  { group: 'apiextensions.k8s.io', versions: ['v1'], plural: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], verbs: RW },
  // Istio CRDs: v1 since Istio 1.22, v1beta1/v1alpha3 still served (same storage, any version reads every object).
  { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'gateways', singular: 'gateway', kind: 'Gateway', namespaced: true, shortNames: ['gw'], categories: ['istio-io', 'networking-istio-io'], verbs: RW },
  { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'virtualservices', singular: 'virtualservice', kind: 'VirtualService', namespaced: true, shortNames: ['vs'], categories: ['istio-io', 'networking-istio-io'], verbs: RW },
  { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'destinationrules', singular: 'destinationrule', kind: 'DestinationRule', namespaced: true, shortNames: ['dr'], categories: ['istio-io', 'networking-istio-io'], verbs: RW },
  { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'serviceentries', singular: 'serviceentry', kind: 'ServiceEntry', namespaced: true, shortNames: ['se'], categories: ['istio-io', 'networking-istio-io'], verbs: RW },
  { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], plural: 'sidecars', singular: 'sidecar', kind: 'Sidecar', namespaced: true, categories: ['istio-io', 'networking-istio-io'], verbs: RW },
  { group: 'security.istio.io', versions: ['v1', 'v1beta1'], plural: 'peerauthentications', singular: 'peerauthentication', kind: 'PeerAuthentication', namespaced: true, shortNames: ['pa'], categories: ['istio-io', 'security-istio-io'], verbs: RW },
  { group: 'security.istio.io', versions: ['v1', 'v1beta1'], plural: 'authorizationpolicies', singular: 'authorizationpolicy', kind: 'AuthorizationPolicy', namespaced: true, shortNames: ['ap'], categories: ['istio-io', 'security-istio-io'], verbs: RW },
  { group: 'security.istio.io', versions: ['v1', 'v1beta1'], plural: 'requestauthentications', singular: 'requestauthentication', kind: 'RequestAuthentication', namespaced: true, shortNames: ['ra'], categories: ['istio-io', 'security-istio-io'], verbs: RW },
];

/**
 * CRD bundles a real cluster may or may not have installed: the Kubernetes Gateway API (standard channel
 * plus TLSRoute from the experimental one) and cert-manager. A bundle is served, all of its kinds, when the
 * scenario holds an object of its group or scenario.json lists the group in `crds` — like a cluster where
 * the CRDs were installed — and is absent from discovery otherwise.
 */
export const OPTIONAL_TYPES: ResourceType[] = [
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gateways', singular: 'gateway', kind: 'Gateway', namespaced: true, shortNames: ['gtw'], categories: ['gateway-api'], verbs: RW },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gatewayclasses', singular: 'gatewayclass', kind: 'GatewayClass', namespaced: false, shortNames: ['gc'], categories: ['gateway-api'], verbs: RW },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'httproutes', singular: 'httproute', kind: 'HTTPRoute', namespaced: true, categories: ['gateway-api'], verbs: RW },
  { group: 'gateway.networking.k8s.io', versions: ['v1'], plural: 'grpcroutes', singular: 'grpcroute', kind: 'GRPCRoute', namespaced: true, categories: ['gateway-api'], verbs: RW },
  { group: 'gateway.networking.k8s.io', versions: ['v1alpha2'], plural: 'tlsroutes', singular: 'tlsroute', kind: 'TLSRoute', namespaced: true, categories: ['gateway-api'], verbs: RW },
  { group: 'gateway.networking.k8s.io', versions: ['v1beta1'], plural: 'referencegrants', singular: 'referencegrant', kind: 'ReferenceGrant', namespaced: true, shortNames: ['refgrant'], categories: ['gateway-api'], verbs: RW },
  // cert-manager: most clusters that serve HTTPS through Istio issue their certificates with it, and
  // the doctor's certificate fixes offer a Certificate
  { group: 'cert-manager.io', versions: ['v1'], plural: 'certificates', singular: 'certificate', kind: 'Certificate', namespaced: true, shortNames: ['cert', 'certs'], categories: ['cert-manager'], verbs: RW },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'certificaterequests', singular: 'certificaterequest', kind: 'CertificateRequest', namespaced: true, shortNames: ['cr', 'crs'], categories: ['cert-manager'], verbs: RW },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'issuers', singular: 'issuer', kind: 'Issuer', namespaced: true, categories: ['cert-manager'], verbs: RW },
  { group: 'cert-manager.io', versions: ['v1'], plural: 'clusterissuers', singular: 'clusterissuer', kind: 'ClusterIssuer', namespaced: false, categories: ['cert-manager'], verbs: RW },
  { group: 'acme.cert-manager.io', versions: ['v1'], plural: 'orders', singular: 'order', kind: 'Order', namespaced: true, categories: ['cert-manager', 'cert-manager-acme'], verbs: RW },
  { group: 'acme.cert-manager.io', versions: ['v1'], plural: 'challenges', singular: 'challenge', kind: 'Challenge', namespaced: true, categories: ['cert-manager', 'cert-manager-acme'], verbs: RW },
];

/** Groups installed together (cert-manager's CRDs come as one bundle). */
const BUNDLES: string[][] = [['gateway.networking.k8s.io'], ['cert-manager.io', 'acme.cert-manager.io']];

/** Kinds that live at cluster scope when a scenario holds one we do not know. */
const CLUSTER_SCOPED_GUESS = /^(Cluster|Namespace$|Node$|PersistentVolume$|StorageClass$|CustomResourceDefinition$|.*WebhookConfiguration$|PriorityClass$|IngressClass$|GatewayClass$)/;

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s') || lower.endsWith('x') || lower.endsWith('ch') || lower.endsWith('sh')) return `${lower}es`;
  if (lower.endsWith('y') && !/[aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export class ResourceRegistry {
  readonly types: ResourceType[];
  constructor(missingGroups: string[] = [], installedGroups: string[] = []) {
    const missing = new Set(missingGroups);
    this.types = BUILTIN_TYPES.filter((t) => !missing.has(t.group)).map((t) => ({ ...t, versions: [...t.versions] }));
    this.missing = missing;
    for (const g of installedGroups) this.install(g);
  }
  private readonly missing: Set<string>;
  private readonly installed = new Set<string>();

  /** Install an optional CRD bundle (no-op for other groups, or a group scenario.json says is missing). */
  install(group: string): void {
    const bundle = BUNDLES.find((b) => b.includes(group));
    if (!bundle || this.installed.has(group)) return;
    for (const g of bundle) {
      if (this.missing.has(g) || this.installed.has(g)) continue;
      this.installed.add(g);
      for (const t of OPTIONAL_TYPES) if (t.group === g) this.types.push({ ...t, versions: [...t.versions] });
    }
  }

  isMissingGroup(group: string): boolean {
    return this.missing.has(group);
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.kind === kind);
  }

  byPlural(group: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.plural === plural);
  }

  /** Make sure a kind seen in the scenario is served (returns undefined when its group is "not installed"). */
  ensure(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    if (this.missing.has(group)) return undefined;
    this.install(group);
    const known = this.byKind(group, kind);
    if (known) {
      if (!known.versions.includes(version)) known.versions.push(version);
      return known;
    }
    const t: ResourceType = {
      group,
      versions: [version],
      plural: pluralOf(kind),
      singular: kind.toLowerCase(),
      kind,
      namespaced: !CLUSTER_SCOPED_GUESS.test(kind),
      verbs: READ.concat(['create', 'delete', 'patch', 'update']),
    };
    this.types.push(t);
    return t;
  }

  groups(): { name: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const t of this.types) {
      if (t.group === '') continue;
      const vs = out.get(t.group) ?? [];
      for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
      out.set(t.group, vs);
    }
    return [...out.entries()].map(([name, versions]) => ({ name, versions }));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.versions.includes(version));
  }
}
