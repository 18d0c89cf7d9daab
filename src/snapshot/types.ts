// Plain typed data for one point in time. No I/O here: sources (src/cluster, src/manifests)
// fill a Snapshot, checks read it. Shapes are the Kubernetes/Istio JSON as the API server
// (or a YAML file) spells it — only the fields we read are typed; the rest passes through.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  ownerReferences?: { kind: string; name: string; apiVersion?: string; uid?: string }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

// ---- core/v1 ----

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  env?: { name: string; value?: string }[];
}

export interface Volume {
  name: string;
  secret?: { secretName?: string; optional?: boolean; items?: { key: string; path: string }[] };
  configMap?: { name?: string; optional?: boolean };
  emptyDir?: Record<string, unknown>;
  projected?: { sources?: { secret?: { name?: string; items?: { key: string; path: string }[] } }[] };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image?: string;
  started?: boolean;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
  lastState?: {
    terminated?: { reason?: string; exitCode?: number; message?: string; finishedAt?: string };
  };
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
}

export interface Pod extends KubeObject {
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    serviceAccountName?: string;
    nodeName?: string;
  };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    podIP?: string;
    reason?: string;
    message?: string;
  };
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec: {
    selector?: Labels;
    ports?: ServicePort[];
    type?: string;
    clusterIP?: string;
    externalName?: string;
  };
  status?: {
    loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
  };
}

export interface Secret extends KubeObject {
  type?: string;
  /** base64-encoded values, as the API returns them (offline stringData is folded in by the source). */
  data?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

// ---- rbac.authorization.k8s.io/v1 (for ITLS212) ----

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Role extends KubeObject {
  rules?: PolicyRule[];
}

export interface RoleBinding extends KubeObject {
  roleRef: { apiGroup?: string; kind: 'Role' | 'ClusterRole' | string; name: string };
  subjects?: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
}

// ---- networking.istio.io ----

export type TLSMode = 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';

export interface ServerTLSSettings {
  httpsRedirect?: boolean;
  mode?: TLSMode | string;
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  credentialNames?: string[];
  tlsCertificates?: { serverCertificate?: string; privateKey?: string; caCertificates?: string }[];
  caCertCredentialName?: string;
  subjectAltNames?: string[];
  minProtocolVersion?: string;
  maxProtocolVersion?: string;
  cipherSuites?: string[];
}

export interface GatewayServer {
  port: { number: number; protocol: string; name?: string; targetPort?: number };
  bind?: string;
  hosts: string[];
  tls?: ServerTLSSettings;
  name?: string;
  defaultEndpoint?: string;
}

export interface Gateway extends KubeObject {
  spec: {
    selector?: Labels;
    servers?: GatewayServer[];
  };
}

export interface Destination {
  host: string;
  subset?: string;
  port?: { number?: number };
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
}

export interface HTTPRoute {
  name?: string;
  match?: { gateways?: string[]; port?: number; uri?: Record<string, string>; authority?: Record<string, string> }[];
  route?: RouteDestination[];
  redirect?: Record<string, unknown>;
  directResponse?: Record<string, unknown>;
}

export interface TLSRoute {
  match: { sniHosts: string[]; port?: number; gateways?: string[] }[];
  route?: RouteDestination[];
}

export interface TCPRoute {
  match?: { port?: number; gateways?: string[] }[];
  route?: RouteDestination[];
}

export interface VirtualService extends KubeObject {
  spec: {
    hosts?: string[];
    gateways?: string[];
    http?: HTTPRoute[];
    tls?: TLSRoute[];
    tcp?: TCPRoute[];
    exportTo?: string[];
  };
}

export interface ClientTLSSettings {
  mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL' | string;
  credentialName?: string;
  caCertificates?: string;
  sni?: string;
  subjectAltNames?: string[];
  insecureSkipVerify?: boolean;
}

export interface TrafficPolicy {
  tls?: ClientTLSSettings;
  portLevelSettings?: { port?: { number?: number }; tls?: ClientTLSSettings }[];
}

export interface DestinationRule extends KubeObject {
  spec: {
    host: string;
    trafficPolicy?: TrafficPolicy;
    subsets?: { name: string; labels?: Labels; trafficPolicy?: TrafficPolicy }[];
    exportTo?: string[];
    workloadSelector?: { matchLabels?: Labels };
  };
}

export interface PeerAuthentication extends KubeObject {
  spec: {
    selector?: { matchLabels?: Labels };
    mtls?: { mode?: 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET' | string };
    portLevelMtls?: Record<string, { mode?: string }>;
  };
}

// ---- gateway.networking.k8s.io (Kubernetes Gateway API) ----

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface GatewayListener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: { mode?: 'Terminate' | 'Passthrough' | string; certificateRefs?: SecretObjectReference[]; options?: Record<string, string> };
  allowedRoutes?: {
    namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None' | string; selector?: LabelSelector };
    kinds?: { group?: string; kind: string }[];
  };
}

/** Client-certificate validation of a Gateway-API Gateway (GEP-91, `spec.tls.frontend`). */
export interface FrontendTLSValidation {
  caCertificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[];
  /** AllowValidOnly (the default) or AllowInsecureFallback */
  mode?: string;
}

/** A `gateway.networking.k8s.io` Gateway (not an Istio Gateway). */
export interface KubernetesGateway extends KubeObject {
  spec: {
    gatewayClassName: string;
    listeners?: GatewayListener[];
    tls?: { frontend?: { default?: { validation?: FrontendTLSValidation }; perPort?: { port: number; tls?: { validation?: FrontendTLSValidation } }[] } };
    addresses?: { type?: string; value: string }[];
    infrastructure?: { labels?: Labels; annotations?: Record<string, string> };
  };
  status?: {
    addresses?: { type?: string; value: string }[];
    conditions?: Condition[];
    listeners?: { name: string; attachedRoutes?: number; conditions?: Condition[] }[];
  };
}

export interface GatewayClass extends KubeObject {
  spec: { controllerName: string; parametersRef?: Record<string, unknown> };
  status?: { conditions?: Condition[] };
}

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface RouteStatus {
  parents?: { parentRef: ParentReference; controllerName?: string; conditions?: Condition[] }[];
}

/** HTTPRoute, GRPCRoute and TLSRoute share the parts the doctor reads: parents, hostnames, rules. */
export interface KubernetesRoute extends KubeObject {
  spec: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: {
      matches?: { path?: { type?: string; value?: string } }[];
      filters?: { type: string; requestRedirect?: { scheme?: string; port?: number; hostname?: string; statusCode?: number } }[];
      backendRefs?: { group?: string; kind?: string; name: string; namespace?: string; port?: number }[];
    }[];
  };
  status?: RouteStatus;
}

export interface ReferenceGrant extends KubeObject {
  spec: {
    from: { group: string; kind: string; namespace: string }[];
    to: { group: string; kind: string; name?: string }[];
  };
}

export interface Namespace extends KubeObject {}

// ---- cert-manager.io / acme.cert-manager.io ----

export interface IssuerRef {
  name: string;
  kind?: 'Issuer' | 'ClusterIssuer' | string;
  group?: string;
}

export interface Certificate extends KubeObject {
  spec: {
    secretName: string;
    dnsNames?: string[];
    commonName?: string;
    issuerRef: IssuerRef;
    duration?: string;
    renewBefore?: string;
  };
  status?: {
    conditions?: Condition[];
    notAfter?: string;
    notBefore?: string;
    renewalTime?: string;
    revision?: number;
    failedIssuanceAttempts?: number;
    lastFailureTime?: string;
    nextPrivateKeySecretName?: string;
  };
}

export interface CertificateRequest extends KubeObject {
  spec: { issuerRef: IssuerRef; request?: string };
  status?: { conditions?: Condition[]; failureTime?: string };
}

export interface AcmeSolver {
  selector?: { dnsNames?: string[]; dnsZones?: string[]; matchLabels?: Labels };
  http01?: {
    ingress?: Record<string, unknown>;
    gatewayHTTPRoute?: { parentRefs?: ParentReference[]; labels?: Labels; serviceType?: string };
  };
  dns01?: Record<string, unknown>;
}

export interface Issuer extends KubeObject {
  spec: {
    acme?: { server?: string; email?: string; solvers?: AcmeSolver[]; privateKeySecretRef?: { name: string } };
    ca?: { secretName: string };
    selfSigned?: Record<string, unknown>;
    vault?: Record<string, unknown>;
    [other: string]: unknown;
  };
  status?: { conditions?: Condition[]; acme?: { uri?: string } };
}

export interface Order extends KubeObject {
  spec: { dnsNames?: string[]; commonName?: string; issuerRef: IssuerRef };
  status?: { state?: string; reason?: string; url?: string; failureTime?: string };
}

export interface Challenge extends KubeObject {
  spec: {
    dnsName: string;
    type: 'HTTP-01' | 'DNS-01' | string;
    token?: string;
    key?: string;
    url?: string;
    wildcard?: boolean;
    issuerRef: IssuerRef;
    solver?: AcmeSolver;
  };
  status?: { processing?: boolean; presented?: boolean; reason?: string; state?: string };
}

// ---- what could not be read ----

/** Something the source could not read. Becomes ITLS901 (or ITLS902 for missing Istio CRDs). */
export interface Unreadable {
  /** resource plural as in RBAC, e.g. "secrets", "gateways.networking.istio.io", "pods/exec" */
  resource: string;
  verb: string;
  namespace?: string;
  /** HTTP status when there was one (403, 404, 500), 0 for a transport error/timeout */
  status: number;
  reason: string;
  /** what the doctor could not do because of it, in plain words */
  impact?: string;
}

// ---- inside gateway pods (filled by src/cluster exec/port-forward; empty offline) ----

/**
 * How reading inside a pod went. 'no-tool': the binary is not in the image (distroless), however the
 * runtime said so; 'permission-denied': the container user may not read it; 'exec-failed': the command
 * ran and failed for another reason (its exit code and output in `detail`). None of them is "missing".
 */
export type InspectionState =
  | 'ok'
  | 'forbidden'
  | 'unreachable'
  | 'timeout'
  | 'no-container'
  | 'not-running'
  | 'no-tool'
  | 'permission-denied'
  | 'exec-failed'
  | 'skipped';

export interface PodFileRead {
  path: string;
  /** present: the file exists and these are its bytes (certificates only; key files are never read) */
  exists: boolean;
  /** PEM/DER text of a certificate file; never a key */
  content?: string;
  size?: number;
  error?: string;
}

export interface DirectoryListing {
  path: string;
  exists: boolean;
  entries: string[];
}

/** One certificate as Envoy's admin /certs reports it. */
export interface EnvoyCertDetail {
  path?: string;
  serialNumber?: string;
  subjectAltNames?: string[];
  daysUntilExpiration?: number;
  validFrom?: string;
  expirationTime?: string;
}

/** One secret from config_dump (SecretsConfigDump), key material already redacted by Envoy. */
export interface EnvoySecret {
  name: string;
  state: 'ACTIVE' | 'WARMING';
  /** PEM of the served certificate chain when Envoy includes it (inline_bytes, base64-decoded) */
  certificateChainPem?: string;
  versionInfo?: string;
  lastUpdated?: string;
}

export interface EnvoyInspection {
  /** how the admin API was reached */
  via: 'port-forward' | 'exec' | 'none';
  state: InspectionState;
  detail?: string;
  certificates?: { caCert: EnvoyCertDetail[]; certChain: EnvoyCertDetail[] }[];
  secrets?: EnvoySecret[];
  listenerStats?: Record<string, number>;
  rejectedListeners?: { name: string; error: string }[];
}

export interface PodInspection {
  namespace: string;
  pod: string;
  container: string;
  files: PodFileRead[];
  directories: DirectoryListing[];
  fileAccess: { state: InspectionState; detail?: string };
  envoy: EnvoyInspection;
}

// ---- on the wire: the live TLS probe (filled by src/cluster/probe.ts; absent offline or with --no-probe) ----

/**
 * How one handshake ended. `handshake`: the server sent its certificate (ServerHello done); `reset`: the
 * connection was closed before any TLS answer (Envoy with no filter chain for the SNI closes it);
 * `alert`: the server answered with a TLS alert; `refused`: nothing listens on the port; `timeout`: no
 * answer in time; `error`: anything else (detail says what).
 */
export type HandshakeOutcome = 'handshake' | 'reset' | 'alert' | 'refused' | 'timeout' | 'error';

/** One TLS handshake through a port-forward to a gateway pod's container port. Public data only. */
export interface TlsHandshake {
  namespace: string;
  pod: string;
  /** the container port dialled (the Service's targetPort for the Gateway server's port) */
  port: number;
  /** the Gateway server port (the Service port) this container port serves */
  gatewayPort: number;
  /** SNI sent; absent: the handshake without SNI */
  sni?: string;
  /** ALPN offered, in order */
  alpnOffered: string[];
  outcome: HandshakeOutcome;
  /** negotiated ALPN protocol; false when the server selected none */
  alpn?: string | false;
  /** negotiated TLS version (TLSv1.3, TLSv1.2) */
  tlsVersion?: string;
  /** PEM of every certificate the server sent, leaf first, as sent */
  chainPem?: string;
  /** SHA-256 fingerprint of the leaf (colon-separated hex, as node:crypto prints it) */
  leafSha256?: string;
  /** for outcome 'alert': the alert's description code and name (RFC 8446 §6) */
  alert?: { code: number; name: string };
  /** what the transport said (a port-forward error, a socket error) */
  detail?: string;
  /** milliseconds from opening the port-forward to the handshake's end */
  ms?: number;
}

export interface ProbeRun {
  /** 'done': handshakes were attempted (each says how it ended); 'forbidden': pods/portforward refused (see unreadable) */
  state: 'done' | 'forbidden' | 'skipped';
  detail?: string;
  handshakes: TlsHandshake[];
}

// ---- the snapshot ----

export interface SnapshotSource {
  kind: 'live' | 'offline';
  /** kubeconfig context name (live) */
  context?: string;
  server?: string;
  /** files read (offline) */
  files?: string[];
  /** the Kubernetes user name the kubeconfig authenticates as, when it says so locally (a client certificate's CN) */
  user?: string;
}

export interface Snapshot {
  source: SnapshotSource;
  /** namespace of istiod / the mesh CA secrets */
  istioNamespace: string;
  /** whether networking.istio.io Gateways/VirtualServices/DestinationRules are served; 'unknown' offline */
  istioCrds: 'present' | 'missing' | 'unknown';
  pods: Pod[];
  services: Service[];
  secrets: Secret[];
  configMaps: ConfigMap[];
  gateways: Gateway[];
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  peerAuthentications: PeerAuthentication[];
  roles: Role[];
  roleBindings: RoleBinding[];
  clusterRoles: Role[];
  clusterRoleBindings: RoleBinding[];
  /** kinds that were read at all (offline: every kind is considered read; live: those the LIST succeeded for) */
  read: Partial<Record<SnapshotKind, boolean>>;
  /**
   * Kinds read only in some namespaces (the cluster-wide LIST was refused, per-namespace LISTs were
   * allowed): kind → the namespaces that were read. A kind in `read` but not here was read everywhere.
   */
  readNamespaces?: Partial<Record<SnapshotKind, string[]>>;
  unreadable: Unreadable[];
  inspections: PodInspection[];
  /** What a client is served, handshake by handshake (live only; absent offline and with --no-probe). */
  probe?: ProbeRun;
  /**
   * Gateway-API (`gateway.networking.k8s.io`) objects, and cert-manager's, when served and read (`read`
   * says which were). A VirtualService may name a Gateway-API Gateway in `gateways`, too.
   */
  kubernetesGateways: KubernetesGateway[];
  gatewayClasses: GatewayClass[];
  httpRoutes: KubernetesRoute[];
  grpcRoutes: KubernetesRoute[];
  tlsRoutes: KubernetesRoute[];
  referenceGrants: ReferenceGrant[];
  /** Namespaces (their labels decide allowedRoutes `from: Selector`); read only when the Gateway API is served */
  namespaces: Namespace[];
  certificates: Certificate[];
  certificateRequests: CertificateRequest[];
  issuers: Issuer[];
  clusterIssuers: Issuer[];
  orders: Order[];
  challenges: Challenge[];
  /**
   * Optional CRD groups the cluster serves: a fact, not a finding. 'missing' (live: not in discovery) means
   * no object of that group can exist; 'unknown' offline.
   */
  crds?: { gatewayApi?: 'present' | 'missing' | 'unknown'; certManager?: 'present' | 'missing' | 'unknown' };
}

export type SnapshotKind =
  | 'pods'
  | 'services'
  | 'secrets'
  | 'configMaps'
  | 'gateways'
  | 'virtualServices'
  | 'destinationRules'
  | 'peerAuthentications'
  | 'roles'
  | 'roleBindings'
  | 'clusterRoles'
  | 'clusterRoleBindings'
  | 'kubernetesGateways'
  | 'gatewayClasses'
  | 'httpRoutes'
  | 'grpcRoutes'
  | 'tlsRoutes'
  | 'referenceGrants'
  | 'namespaces'
  | 'certificates'
  | 'certificateRequests'
  | 'issuers'
  | 'clusterIssuers'
  | 'orders'
  | 'challenges';

export function emptySnapshot(source: SnapshotSource, istioNamespace = 'istio-system'): Snapshot {
  return {
    source,
    istioNamespace,
    istioCrds: source.kind === 'offline' ? 'unknown' : 'present',
    pods: [],
    services: [],
    secrets: [],
    configMaps: [],
    gateways: [],
    virtualServices: [],
    destinationRules: [],
    peerAuthentications: [],
    roles: [],
    roleBindings: [],
    clusterRoles: [],
    clusterRoleBindings: [],
    read: {},
    unreadable: [],
    inspections: [],
    kubernetesGateways: [],
    gatewayClasses: [],
    httpRoutes: [],
    grpcRoutes: [],
    tlsRoutes: [],
    referenceGrants: [],
    namespaces: [],
    certificates: [],
    certificateRequests: [],
    issuers: [],
    clusterIssuers: [],
    orders: [],
    challenges: [],
  };
}

/**
 * Could the source see every object of `kind` in `namespace` (undefined: in every namespace)? Checks that
 * conclude from absence ("no VirtualService serves this host") ask this first: what was not seen is unknown.
 */
export function canSee(snapshot: Pick<Snapshot, 'read' | 'readNamespaces'>, kind: SnapshotKind, namespace?: string): boolean {
  if (snapshot.read[kind] !== true) return false;
  const only = snapshot.readNamespaces?.[kind];
  if (!only) return true;
  return namespace !== undefined && only.includes(namespace);
}

/**
 * The container port a Service port sends to on `pod`: a numeric targetPort, a named one through the
 * pod's container ports, else the Service port itself. Shared by the model (where Envoy listens) and the
 * live probe (where to dial).
 */
export function targetContainerPort(p: ServicePort, pod: Pod | undefined): number {
  if (typeof p.targetPort === 'number') return p.targetPort;
  if (typeof p.targetPort === 'string' && /^\d+$/.test(p.targetPort)) return Number(p.targetPort);
  if (typeof p.targetPort === 'string' && p.targetPort) {
    for (const c of pod?.spec?.containers ?? []) {
      const named = (c.ports ?? []).find((cp) => cp.name === p.targetPort);
      if (named) return named.containerPort;
    }
  }
  return p.port;
}

/** Kubernetes kind (+ group) → snapshot field. Shared by the offline and live sources. */
export const KIND_TO_FIELD: Record<string, SnapshotKind> = {
  Pod: 'pods',
  Service: 'services',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
  Gateway: 'gateways',
  VirtualService: 'virtualServices',
  DestinationRule: 'destinationRules',
  PeerAuthentication: 'peerAuthentications',
  Role: 'roles',
  RoleBinding: 'roleBindings',
  ClusterRole: 'clusterRoles',
  ClusterRoleBinding: 'clusterRoleBindings',
};
