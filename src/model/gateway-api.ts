// The Kubernetes Gateway API (gateway.networking.k8s.io) as Istio implements it, derived once per run:
// Gateway → GatewayClass (istio) → the pods that run it → listeners → certificateRefs (→ Secret, with
// ReferenceGrant across namespaces) → attached routes (parentRefs, allowedRoutes, hostname intersection)
// → the TLS hosts each listener serves. Pure: Model in, facts out; indexes, no pairwise scans.
import type {
  GatewayListener,
  KubernetesGateway,
  KubernetesRoute,
  LabelSelector,
  Labels,
  ParentReference,
  Pod,
  ReferenceGrant,
  SecretObjectReference,
  Service,
} from '../snapshot/types.js';
import { ModelKey, ref, type CredentialResolution, type Model } from './model.js';
import type { ResourceRef } from '../findings/types.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** How findings and status name a Gateway-API Gateway (kubectl accepts it as a resource name, too). */
export const K8S_GATEWAY_KIND = 'Gateway.gateway.networking.k8s.io';

/** The controller of Istio's ingress/egress class `istio` (pilot/pkg/features: PILOT_GATEWAY_API_CONTROLLER_NAME). */
export const ISTIO_CONTROLLER = 'istio.io/gateway-controller';

/**
 * Istio's other controllers (pkg/config/constants): their Gateways are not TLS ingress listeners the
 * doctor judges, whatever their class is called.
 */
export const ISTIO_OTHER_CONTROLLERS: Record<string, string> = {
  'istio.io/mesh-controller': 'an ambient waypoint (mesh traffic, not ingress TLS)',
  'istio.io/eastwest-controller': 'an ambient east-west gateway (mesh mTLS between networks, not ingress TLS)',
  'istio.io/unmanaged-gateway': 'a remote gateway (deployed and configured outside this cluster)',
  'istio.io/agentgateway-controller': 'agentgateway, not Envoy (not judged by this doctor)',
  'istio.io/agentgateway-waypoint-controller': 'an agentgateway waypoint (mesh traffic, not ingress TLS)',
};

/** The classes istiod creates itself, by name, with their controllers (gatewaycommon/classinfo.go). */
export const ISTIO_BUILTIN_CLASSES: Record<string, string> = {
  istio: ISTIO_CONTROLLER,
  'istio-waypoint': 'istio.io/mesh-controller',
  'istio-east-west': 'istio.io/eastwest-controller',
  'istio-remote': 'istio.io/unmanaged-gateway',
  'istio-agentgateway': 'istio.io/agentgateway-controller',
  'istio-agentgateway-waypoint': 'istio.io/agentgateway-waypoint-controller',
};

/**
 * Labels Istio puts on the pods of a Gateway it deploys (kube-gateway.yaml): Istio 1.18-1.20
 * `istio.io/gateway-name` only; 1.21-1.23 both; 1.24+ `gateway.networking.k8s.io/gateway-name`, with
 * `istio.io/gateway-name` kept on Deployments upgraded from a release that selected on it.
 */
export const GATEWAY_NAME_LABELS = ['gateway.networking.k8s.io/gateway-name', 'istio.io/gateway-name'];

/** Annotation that renames the Deployment/Service Istio creates (default `<gateway>-<class>`). */
export const NAME_OVERRIDE_ANNOTATION = 'gateway.istio.io/name-override';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute';

export interface RouteRef {
  kind: RouteKind;
  route: KubernetesRoute;
  ref: ResourceRef;
}

/** One certificateRef of a Terminate listener, resolved the way Istio resolves it. */
export interface CertRefModel {
  ref: SecretObjectReference;
  index: number;
  /** Secret in the core group (the only kind Istio reads) */
  supported: boolean;
  namespace: string;
  name: string;
  crossNamespace: boolean;
  /** a ReferenceGrant in the Secret's namespace allows it (always true in the Gateway's own namespace) */
  permitted: boolean;
  grant?: ReferenceGrant;
  /** `kubernetes-gateway://ns/name`, as Istio names the credential */
  resolution?: CredentialResolution;
}

export interface Attachment {
  route: RouteRef;
  parentRef: ParentReference;
  /** hostnames the route serves on this listener (the intersection); ['*'] when neither side names one */
  hostnames: string[];
}

export interface ListenerModel {
  gm: K8sGatewayModel;
  listener: GatewayListener;
  name: string;
  port: number;
  /** upper-case protocol: HTTP, HTTPS, TLS, TCP, … */
  protocol: string;
  /** TLS mode for HTTPS/TLS listeners (Terminate by default) */
  mode?: 'Terminate' | 'Passthrough' | string;
  certRefs: CertRefModel[];
  attached: Attachment[];
}

export interface K8sGatewayModel {
  gateway: KubernetesGateway;
  ref: ResourceRef;
  namespace: string;
  className: string;
  /** Istio deploys it (no address, or one IP) — else it runs on the Service named by a Hostname address */
  managed: boolean;
  /** `<name>-<class>`: the Deployment and Service Istio creates for a managed Gateway */
  deploymentName: string;
  /** the Service traffic enters through: the managed one or the one spec.addresses names */
  service?: Service;
  /** what spec.addresses names, for a manual deployment */
  addressHostname?: string;
  pods: Pod[];
  listeners: ListenerModel[];
}

export interface RouteProblem {
  route: RouteRef;
  parentRef: ParentReference;
  gateway?: K8sGatewayModel;
  reason: 'NoSuchGateway' | 'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname';
  message: string;
  /** why each listener refused the route (typed: fixes decide on this, never on the message) */
  refusals?: ListenerRefusal[];
}

/** Why a listener does not admit a route. */
export type ListenerRefusal = 'kind' | 'same-namespace' | 'selector' | 'no-namespaces' | 'hostname' | 'other';

export interface GatewayApiModel {
  gateways: K8sGatewayModel[];
  routeProblems: RouteProblem[];
  /** Gateways whose class Istio does not run (or a waypoint): not ours to judge */
  skipped: { gateway: KubernetesGateway; className: string; why: string }[];
  byKey: Map<string, K8sGatewayModel>;
}

const GATEWAY_API = new ModelKey<GatewayApiModel>('gateway api');

/** The Gateway API view of the run, built once per Model. */
export function gatewayApiModel(model: Model): GatewayApiModel {
  return model.cached(GATEWAY_API, () => build(model));
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * Is this GatewayClass run by istiod as an ingress/egress gateway (not a waypoint)? Decided by the
 * class's controllerName, as istiod decides (deploymentcontroller.go Reconcile): the GatewayClass
 * object when it was read, else the built-in class of that name.
 */
export function classVerdict(model: Model, className: string): { istio: boolean; why: string } {
  const gc = model.snapshot.gatewayClasses.find((c) => c.metadata.name === className);
  const controller = gc ? gc.spec?.controllerName : ISTIO_BUILTIN_CLASSES[className];
  if (controller === ISTIO_CONTROLLER) return { istio: true, why: '' };
  const what = controller ? ISTIO_OTHER_CONTROLLERS[controller] : undefined;
  if (what) return { istio: false, why: `GatewayClass ${className} is run by ${controller}: ${what}` };
  if (gc) return { istio: false, why: `GatewayClass ${className} is run by ${controller ?? 'no controller'}` };
  return { istio: false, why: `GatewayClass ${className} is not an Istio class` };
}

/** Gateway API hostname matching: `*.example.com` covers any name below example.com (one or more labels). */
export function k8sHostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return false;
}

/** The hostnames a route serves on a listener (spec: the intersection; the more specific name wins). */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: string[] | undefined): string[] {
  const route = routeHostnames ?? [];
  if (!listenerHostname) return route.length ? [...route] : ['*'];
  if (route.length === 0) return [listenerHostname];
  const out = new Set<string>();
  for (const h of route) {
    if (k8sHostMatches(listenerHostname, h)) out.add(h);
    else if (k8sHostMatches(h, listenerHostname)) out.add(listenerHostname);
  }
  return [...out];
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const v = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(v)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(v)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const DEFAULT_KINDS: Record<string, RouteKind[]> = { HTTP: ['HTTPRoute', 'GRPCRoute'], HTTPS: ['HTTPRoute', 'GRPCRoute'], TLS: ['TLSRoute'] };

/**
 * May a route of `kind` in `namespace` attach to the listener? `undefined` = cannot tell (a namespace
 * selector and the namespace's labels were not read).
 */
function allowedBy(model: Model, l: ListenerModel, kind: RouteKind, namespace: string): { ok: boolean | undefined; why?: string; refusal?: ListenerRefusal } {
  const kinds = l.listener.allowedRoutes?.kinds;
  const allowedKinds = kinds?.length
    ? kinds.filter((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP).map((k) => k.kind)
    : DEFAULT_KINDS[l.protocol] ?? [];
  // Passthrough carries no HTTP: only TLSRoutes make sense there, whatever the list says
  const protocolKinds = l.protocol === 'TLS' && l.mode === 'Passthrough' ? ['TLSRoute'] : DEFAULT_KINDS[l.protocol] ?? [];
  if (!allowedKinds.includes(kind) || !protocolKinds.includes(kind)) {
    return { ok: false, why: `listener ${l.name} (${l.protocol}${l.mode ? ` ${l.mode}` : ''}) does not accept ${kind}s`, refusal: 'kind' };
  }
  const from = l.listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return { ok: true };
  if (from === 'Same') {
    return namespace === l.gm.namespace ? { ok: true } : { ok: false, why: `listener ${l.name} admits routes from its own namespace ${l.gm.namespace} only (allowedRoutes.namespaces.from: Same)`, refusal: 'same-namespace' };
  }
  if (from === 'Selector') {
    const ns = model.snapshot.namespaces.find((n) => n.metadata.name === namespace);
    if (!ns && !model.snapshot.read.namespaces) return { ok: undefined };
    if (!ns && model.snapshot.source.kind === 'offline') return { ok: undefined };
    const labels = { ...(ns?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': namespace };
    return selectorMatches(l.listener.allowedRoutes?.namespaces?.selector, labels)
      ? { ok: true }
      : { ok: false, why: `namespace ${namespace} does not match the namespace selector of listener ${l.name}`, refusal: 'selector' };
  }
  return { ok: false, why: `listener ${l.name} admits no routes (allowedRoutes.namespaces.from: ${from})`, refusal: 'no-namespaces' };
}

function grantFor(model: Model, fromNamespace: string, toNamespace: string, name: string): ReferenceGrant | undefined {
  return model.snapshot.referenceGrants.find(
    (g) =>
      g.metadata.namespace === toNamespace &&
      (g.spec?.from ?? []).some((f) => f.group === GATEWAY_GROUP && f.kind === 'Gateway' && f.namespace === fromNamespace) &&
      (g.spec?.to ?? []).some((t) => (t.group ?? '') === '' && t.kind === 'Secret' && (!t.name || t.name === name)),
  );
}

/** The Service a Hostname address names: `name`, `name.ns`, `name.ns.svc[.cluster.local]`. */
function serviceForHostname(model: Model, hostname: string, gatewayNamespace: string): Service | undefined {
  const parts = hostname.replace(/\.$/, '').split('.');
  const name = parts[0];
  const namespace = parts.length === 1 ? gatewayNamespace : parts[1];
  if (parts.length > 2 && parts[2] !== 'svc') return undefined;
  return model.snapshot.services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? '') === namespace);
}

function build(model: Model): GatewayApiModel {
  const snapshot = model.snapshot;
  const gateways: K8sGatewayModel[] = [];
  const skipped: GatewayApiModel['skipped'] = [];
  const byKey = new Map<string, K8sGatewayModel>();
  // pods by `namespace/gateway-name` label: one pass over the pods, not one per Gateway
  const podsByGatewayName = new Map<string, Pod[]>();
  for (const p of snapshot.pods) {
    for (const label of GATEWAY_NAME_LABELS) {
      const v = p.metadata.labels?.[label];
      if (!v) continue;
      const k = key(p.metadata.namespace, v);
      const list = podsByGatewayName.get(k) ?? [];
      if (!list.includes(p)) list.push(p);
      podsByGatewayName.set(k, list);
    }
  }
  for (const gateway of snapshot.kubernetesGateways) {
    const namespace = gateway.metadata.namespace ?? 'default';
    const className = gateway.spec?.gatewayClassName ?? '';
    const verdict = classVerdict(model, className);
    if (!verdict.istio) {
      skipped.push({ gateway, className, why: verdict.why });
      continue;
    }
    const addresses = gateway.spec?.addresses ?? [];
    const hostnameAddress = addresses.find((a) => a.type === 'Hostname');
    const managed = addresses.length === 0 || (addresses.length === 1 && (!addresses[0].type || addresses[0].type === 'IPAddress'));
    const deploymentName = gateway.metadata.annotations?.[NAME_OVERRIDE_ANNOTATION] || `${gateway.metadata.name}-${className}`;
    let service: Service | undefined;
    let pods: Pod[] = [];
    if (managed || !hostnameAddress) {
      service = snapshot.services.find((s) => s.metadata.name === deploymentName && s.metadata.namespace === namespace);
      pods = [...(podsByGatewayName.get(key(namespace, gateway.metadata.name)) ?? [])];
    } else {
      service = serviceForHostname(model, hostnameAddress.value, namespace);
      const sel = service?.spec?.selector;
      if (sel && Object.keys(sel).length) pods = model.podsFor(sel).filter((p) => p.metadata.namespace === service?.metadata.namespace);
    }
    const gm: K8sGatewayModel = {
      gateway,
      ref: ref(gateway, K8S_GATEWAY_KIND),
      namespace,
      className,
      managed,
      deploymentName,
      pods,
      listeners: [],
    };
    if (service) gm.service = service;
    if (!managed && hostnameAddress) gm.addressHostname = hostnameAddress.value;
    gm.listeners = (gateway.spec?.listeners ?? []).map((listener) => {
      const protocol = (listener.protocol ?? '').toUpperCase();
      const l: ListenerModel = { gm, listener, name: listener.name, port: listener.port, protocol, certRefs: [], attached: [] };
      if (protocol === 'HTTPS' || protocol === 'TLS') l.mode = listener.tls?.mode ?? 'Terminate';
      if (l.mode === 'Terminate') {
        l.certRefs = (listener.tls?.certificateRefs ?? []).map((r, index): CertRefModel => {
          const supported = (r.group ?? '') === '' && (r.kind ?? 'Secret') === 'Secret';
          const refNamespace = r.namespace ?? namespace;
          const crossNamespace = refNamespace !== namespace;
          const grant = crossNamespace ? grantFor(model, namespace, refNamespace, r.name) : undefined;
          const c: CertRefModel = { ref: r, index, supported, namespace: refNamespace, name: r.name, crossNamespace, permitted: !crossNamespace || !!grant };
          if (grant) c.grant = grant;
          if (supported) c.resolution = model.credential(`kubernetes-gateway://${refNamespace}/${r.name}`, refNamespace);
          return c;
        });
      }
      return l;
    });
    gateways.push(gm);
    byKey.set(key(namespace, gateway.metadata.name), gm);
  }
  const routeProblems: RouteProblem[] = [];
  const routeSets: [RouteKind, KubernetesRoute[]][] = [
    ['HTTPRoute', snapshot.httpRoutes],
    ['GRPCRoute', snapshot.grpcRoutes],
    ['TLSRoute', snapshot.tlsRoutes],
  ];
  for (const [kind, routes] of routeSets) {
    for (const route of routes) {
      const rr: RouteRef = { kind, route, ref: ref(route, kind) };
      const routeNamespace = route.metadata.namespace ?? 'default';
      for (const parentRef of route.spec?.parentRefs ?? []) {
        if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parentRef.kind ?? 'Gateway') !== 'Gateway') continue; // mesh (Service) parents
        const parentNamespace = parentRef.namespace ?? routeNamespace;
        const gm = byKey.get(key(parentNamespace, parentRef.name));
        if (!gm) {
          // a parent of another class is not ours; one we cannot see at all is a dangling reference
          const other = snapshot.kubernetesGateways.some((g) => (g.metadata.namespace ?? 'default') === parentNamespace && g.metadata.name === parentRef.name);
          if (!other && model.wasRead('kubernetesGateways')) {
            routeProblems.push({ route: rr, parentRef, reason: 'NoSuchGateway', message: `${kind} ${routeNamespace}/${route.metadata.name} names Gateway ${parentNamespace}/${parentRef.name}, which does not exist` });
          }
          continue;
        }
        const candidates = gm.listeners.filter((l) => (parentRef.sectionName === undefined || l.name === parentRef.sectionName) && (parentRef.port === undefined || l.port === parentRef.port));
        if (candidates.length === 0) {
          const what = [parentRef.sectionName !== undefined ? `sectionName ${parentRef.sectionName}` : '', parentRef.port !== undefined ? `port ${parentRef.port}` : ''].filter(Boolean).join(' and ');
          routeProblems.push({
            route: rr,
            parentRef,
            gateway: gm,
            reason: 'NoMatchingParent',
            message: `${kind} ${routeNamespace}/${route.metadata.name} names ${what} of Gateway ${gm.namespace}/${gm.gateway.metadata.name}, which has no such listener (listeners: ${gm.listeners.map((l) => `${l.name}:${l.port}`).join(', ') || 'none'})`,
          });
          continue;
        }
        const refusals: string[] = [];
        const refusedBy: ListenerRefusal[] = [];
        let unknown = false;
        let attachedAny = false;
        let hostnameMiss = false;
        for (const l of candidates) {
          const allowed = allowedBy(model, l, kind, routeNamespace);
          if (allowed.ok === undefined) {
            unknown = true;
            continue;
          }
          if (!allowed.ok) {
            refusals.push(allowed.why ?? `listener ${l.name} does not admit it`);
            refusedBy.push(allowed.refusal ?? 'other');
            continue;
          }
          const hostnames = intersectHostnames(l.listener.hostname, route.spec?.hostnames);
          if (hostnames.length === 0) {
            hostnameMiss = true;
            refusedBy.push('hostname');
            refusals.push(`listener ${l.name} serves ${l.listener.hostname}, which none of the route's hostnames (${(route.spec?.hostnames ?? []).join(', ')}) intersects`);
            continue;
          }
          l.attached.push({ route: rr, parentRef, hostnames });
          attachedAny = true;
        }
        if (!attachedAny && !unknown) {
          routeProblems.push({
            route: rr,
            parentRef,
            gateway: gm,
            reason: hostnameMiss && refusals.length === 1 ? 'NoMatchingListenerHostname' : 'NotAllowedByListeners',
            message: `${kind} ${routeNamespace}/${route.metadata.name} does not attach to Gateway ${gm.namespace}/${gm.gateway.metadata.name}: ${refusals.join('; ')}`,
            refusals: refusedBy,
          });
        }
      }
    }
  }
  return { gateways, routeProblems, skipped, byKey };
}

/** The TLS hosts a listener serves: its hostname, or (none set) the hostnames of the routes attached to it. */
export function listenerHosts(l: ListenerModel): string[] {
  if (l.listener.hostname) return [l.listener.hostname];
  const hosts = new Set<string>();
  for (const a of l.attached) for (const h of a.hostnames) hosts.add(h);
  return hosts.size ? [...hosts].sort() : ['*'];
}

/** Listeners that terminate or pass through TLS (the ones with TLS hosts). */
export function isTlsListener(l: ListenerModel): boolean {
  return l.protocol === 'HTTPS' || l.protocol === 'TLS';
}

/** `kubectl describe` for a Gateway-API Gateway. */
export function describeGateway(gm: K8sGatewayModel): string {
  return `kubectl describe gateways.gateway.networking.k8s.io ${gm.gateway.metadata.name} -n ${gm.namespace}`;
}

/** Scope (-n) applied: Gateways of that namespace only. */
export function inScope(m: GatewayApiModel, namespace: string | undefined): K8sGatewayModel[] {
  return namespace ? m.gateways.filter((g) => g.namespace === namespace) : m.gateways;
}
