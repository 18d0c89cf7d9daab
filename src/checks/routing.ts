// ITLS501-507: what happens behind the gateway: VirtualService binding, route destinations, and the
// TLS the gateway speaks to the backend (DestinationRule vs sidecar vs PeerAuthentication).
import type {
  ClientTLSSettings,
  DestinationRule,
  Pod,
  RouteDestination,
  Service,
  ServicePort,
  VirtualService,
} from '../snapshot/types.js';
import {
  editableDestinationRule,
  editableVirtualService,
  toYaml,
  virtualServiceSkeleton,
} from '../remediation/index.js';
import {
  findingFor,
  refName,
  hasSidecar,
  hostMatches,
  isTlsServer,
  HostIndex,
  labelsMatch,
  listWords,
  terminatesTls,
  vsBindsToGatewayHost,
  vsExportedTo,
  type GatewayModel,
  type Model,
  type ServerModel,
  type ServiceHost,
} from '../model/model.js';
import type { CheckModule, CodeSpec, Finding, Remediation } from '../findings/types.js';
import { virtualServicesVisibleFor, visible } from '../model/visibility.js';
import { serveHostsFix } from '../remediation/routing.js';

const codes: CodeSpec[] = [
  {
    code: 'ITLS501',
    severity: 'error',
    title: 'VirtualService names a Gateway that does not exist',
    meaning: 'An entry of a VirtualService\'s gateways list resolves to no Gateway. A bare name means a Gateway in the VirtualService\'s own namespace; other namespaces need <namespace>/<name>.',
    why: 'The routes are bound to nothing: requests for these hosts reach the gateway and get 404 (route_not_found).',
    example: 'VirtualService in namespace app with gateways: [my-gateway], while the Gateway lives in istio-system.',
    fix: 'Write the reference as <gateway namespace>/<gateway name> (e.g. istio-system/my-gateway).',
  },
  {
    code: 'ITLS502',
    severity: 'error',
    title: 'VirtualService host not served by its Gateway',
    meaning: 'A VirtualService bound to a Gateway lists hosts that none of the Gateway\'s servers serve (exact or wildcard match, namespace/host restrictions and exportTo honoured).',
    why: 'The gateway only builds routes for hosts its servers list; requests for the others get 404, and TLS clients get a certificate for some other name or none.',
    example: 'Gateway hosts [shop.example.com]; VirtualService hosts [www.shop.example.com].',
    fix: 'Correct the VirtualService host, or add the host to a Gateway server (with a certificate that covers it).',
  },
  {
    code: 'ITLS503',
    severity: 'warning',
    title: 'Gateway TLS host without a VirtualService',
    meaning: 'A host of a TLS-terminating server has no VirtualService bound to that Gateway. PASSTHROUGH servers are covered by ITLS405.',
    why: 'The handshake succeeds, then every request gets 404 (route_not_found) from istio-envoy.',
    example: 'Gateway serves kiali.example.com on 443; the VirtualService lists gateways: [other-gateway].',
    fix: 'Bind a VirtualService with that host to the Gateway (gateways: [<namespace>/<gateway>]).',
  },
  {
    code: 'ITLS504',
    severity: 'error',
    title: 'Route destination Service or port missing',
    meaning: 'A route of a VirtualService bound to a Gateway sends traffic to a Kubernetes Service that does not exist, or to a port that Service does not have.',
    why: 'Envoy has no endpoints for the destination: requests get 503 (no healthy upstream / cluster not found).',
    example: 'destination: {host: kiali, port: {number: 20002}} while Service kiali exposes 20001.',
    fix: 'Point the destination at an existing Service and one of its ports (the Service port, not the targetPort).',
  },
  {
    code: 'ITLS505',
    severity: 'warning',
    title: 'VirtualService for a gateway host bound only to the mesh',
    meaning: 'A VirtualService lists a host the gateway serves but has no gateways field, so it applies to sidecars (the mesh) only.',
    why: 'Without gateways, a VirtualService never configures the ingress gateway: requests through the gateway for that host get 404.',
    example: 'VirtualService hosts: [shop.example.com], no gateways; Gateway istio-system/public serves shop.example.com.',
    fix: 'Add gateways: [<namespace>/<gateway>, mesh] (keep mesh if sidecars should keep using it).',
  },
  {
    code: 'ITLS506',
    severity: 'warning',
    title: 'DestinationRule TLS does not fit the backend',
    meaning: 'The DestinationRule that applies to a gateway route\'s destination (as Istio picks it: gateway namespace, then Service namespace, then the root namespace) sets a TLS mode the backend cannot speak.',
    why: 'ISTIO_MUTUAL towards a pod without a sidecar, DISABLE towards a sidecar under a STRICT PeerAuthentication, or SIMPLE towards a plain-HTTP port all fail the upstream connection: clients get 503 (UF, upstream connect error) after a good handshake at the gateway.',
    example: 'DestinationRule kiali tls.mode: DISABLE while PeerAuthentication default in istio-system is STRICT and kiali has a sidecar.',
    fix: 'Set the DestinationRule mode to what the backend speaks: ISTIO_MUTUAL to sidecars, DISABLE to plain pods, SIMPLE only to ports that serve TLS themselves.',
  },
  {
    code: 'ITLS507',
    severity: 'error',
    title: 'VirtualService route kind does not fit the server',
    meaning: 'A VirtualService is bound to a Gateway server whose protocol needs another kind of route: HTTP/HTTPS servers use http routes, PASSTHROUGH servers tls routes (sniHosts), TLS servers that terminate and TCP servers use tcp routes.',
    why: 'The gateway ignores routes of the wrong kind: the host has no route at all (404 for HTTP, connection closed for TLS/TCP).',
    example: 'VirtualService with only tls routes bound to an HTTPS server with mode SIMPLE.',
    fix: 'Rewrite the routes in the kind the server needs (YAML in the finding), keeping the destinations.',
  },
];

type RouteKind = 'http' | 'tls' | 'tcp';

const vsName = (vs: VirtualService) => `${refName(vs.metadata)}`;
const vsRef = (vs: VirtualService) => ({ kind: 'VirtualService', namespace: vs.metadata.namespace, name: vs.metadata.name });

/** istiod's gateway reference resolution: `ns/name`, legacy `name.ns[.svc.cluster.local]`, or a bare name in the VS namespace. */
export function parseGatewayRef(entry: string, vsNamespace: string): { namespace: string; name: string } {
  const slash = entry.indexOf('/');
  if (slash >= 0) return { namespace: entry.slice(0, slash), name: entry.slice(slash + 1) };
  const dot = entry.indexOf('.');
  if (dot >= 0) return { name: entry.slice(0, dot), namespace: entry.split('.')[1] };
  return { namespace: vsNamespace, name: entry };
}

interface Binding {
  vs: VirtualService;
  gm: GatewayModel;
}

function gatewayEntries(vs: VirtualService): string[] {
  const entries = [...(vs.spec?.gateways ?? [])];
  for (const r of vs.spec?.http ?? []) for (const m of r.match ?? []) entries.push(...(m.gateways ?? []));
  return [...new Set(entries)];
}

/** Every (VirtualService, Gateway) pair bound through spec.gateways, with the Gateway resolved. */
function bindings(model: Model): Binding[] {
  const out: Binding[] = [];
  for (const vs of model.snapshot.virtualServices) {
    const seen = new Set<GatewayModel>();
    for (const entry of vs.spec?.gateways ?? []) {
      if (entry === 'mesh') continue;
      const r = parseGatewayRef(entry, vs.metadata.namespace ?? '');
      const gateway = model.gatewayNamed(r.namespace, r.name);
      const gm = gateway && model.gatewayModel(gateway);
      if (gm && !seen.has(gm)) {
        seen.add(gm);
        out.push({ vs, gm });
      }
    }
  }
  return out;
}

/** The bindings indexed by Gateway and by VirtualService, built once per list. */
const bindingIndexes = new WeakMap<Binding[], { byGm: Map<GatewayModel, Binding[]>; byVs: Map<VirtualService, Binding[]> }>();
function bindingIndex(all: Binding[]) {
  let index = bindingIndexes.get(all);
  if (!index) {
    index = { byGm: new Map(), byVs: new Map() };
    for (const b of all) {
      const g = index.byGm.get(b.gm);
      if (g) g.push(b);
      else index.byGm.set(b.gm, [b]);
      const v = index.byVs.get(b.vs);
      if (v) v.push(b);
      else index.byVs.set(b.vs, [b]);
    }
    bindingIndexes.set(all, index);
  }
  return index;
}
const bindingsOf = (all: Binding[], gm: GatewayModel): Binding[] => bindingIndex(all).byGm.get(gm) ?? [];
const bindingsFrom = (all: Binding[], vs: VirtualService): Binding[] => bindingIndex(all).byVs.get(vs) ?? [];

/** Every VirtualService host, indexed (for "which VirtualService lists this host" lookups). */
const vsHostIndexes = new WeakMap<Model, HostIndex<VirtualService>>();
function virtualServiceHosts(model: Model): HostIndex<VirtualService> {
  let index = vsHostIndexes.get(model);
  if (!index) {
    index = new HostIndex<VirtualService>();
    for (const vs of model.snapshot.virtualServices) for (const h of vs.spec?.hosts ?? []) index.add(h, vs);
    vsHostIndexes.set(model, index);
  }
  return index;
}

/** Per peer group: `port|host` (lower case) → the Gateways whose servers list that host on that port. */
const portHostIndexes = new WeakMap<GatewayModel[], Map<string, GatewayModel[]>>();
function gatewaysServing(model: Model, gm: GatewayModel, port: number, host: string): GatewayModel[] {
  const peers = model.gatewaysOnWorkload(gm);
  let index = portHostIndexes.get(peers);
  if (!index) {
    index = new Map();
    for (const o of peers) {
      for (const os of o.servers) {
        for (const oh of os.hosts) {
          const key = `${os.port}|${oh.host.toLowerCase()}`;
          const list = index.get(key) ?? [];
          if (!list.includes(o)) list.push(o);
          index.set(key, list);
        }
      }
    }
    portHostIndexes.set(peers, index);
  }
  return index.get(`${port}|${host.toLowerCase()}`) ?? [];
}

function inScope(model: Model, gm: GatewayModel): boolean {
  return model.gateways.includes(gm);
}

/** The Gateways a VirtualService would bind to by its hosts (namespace restrictions and exportTo kept), looked up. */
function gatewaysServingVs(model: Model, vs: VirtualService): GatewayModel[] {
  const touched = new Set(gatewayHostIndex(model).candidatesOfAll(vs.spec?.hosts ?? []).map((c) => c.item));
  return [...touched].filter((gm) => gm.servers.some((s) => s.hosts.some((h) => vsBindsToGatewayHost(vs, h, gm.ref.namespace))));
}

function check501(model: Model, namespace: string | undefined): Finding[] {
  const out: Finding[] = [];
  const k8sGateways = model.snapshot.kubernetesGateways ?? [];
  for (const vs of model.snapshot.virtualServices) {
    const vsNs = vs.metadata.namespace ?? '';
    for (const entry of gatewayEntries(vs)) {
      if (entry === 'mesh') continue;
      const r = parseGatewayRef(entry, vsNs);
      if (namespace && vsNs !== namespace && r.namespace !== namespace) continue;
      const exists =
        !!model.gatewayNamed(r.namespace, r.name) ||
        k8sGateways.some((g) => g.metadata.name === r.name && (g.metadata.namespace ?? '') === r.namespace);
      if (exists || !visible(model.snapshot, 'gateways', r.namespace)) continue; // unread is not missing
      if (r.name.includes('~istio-autogenerated-k8s-gateway~')) {
        out.push(
          findingFor(codes, 'ITLS501', {
            severity: 'warning',
            resource: vsRef(vs),
            message:
              `VirtualService ${vsName(vs)} binds to "${entry}", an internal name istiod generates for a Gateway-API Gateway. ` +
              `It is not a stable API and may stop matching on upgrade; lowered to a warning.`,
            evidence: { reference: entry },
            remediation: { summary: 'Reference the Gateway-API Gateway itself (<namespace>/<name>), or route with an HTTPRoute attached to it.' },
          }),
        );
        continue;
      }
      const sameName = model.snapshot.gateways.filter((g) => g.metadata.name === r.name);
      let remediation: Remediation;
      if (sameName.length === 1) {
        const right = `${sameName[0].metadata.namespace ?? ''}/${r.name}`;
        const fixed = editableVirtualService(vs);
        fixed.spec.gateways = (fixed.spec.gateways ?? []).map((e) => (e === entry ? right : e));
        for (const route of fixed.spec.http ?? []) for (const m of route.match ?? []) if (m.gateways) m.gateways = m.gateways.map((e) => (e === entry ? right : e));
        remediation = { summary: `Reference the Gateway with its namespace: ${right}.`, yaml: toYaml(fixed) };
      } else {
        // no Gateway of that name: the one Gateway that serves the VirtualService's hosts is the reference it needs
        const serving = gatewaysServingVs(model, vs);
        if (serving.length === 1) {
          const right = refName(serving[0].ref);
          const swap = (list: string[]) => [...new Set(list.map((e) => (e === entry ? right : e)))];
          const fixed = editableVirtualService(vs);
          fixed.spec.gateways = swap(fixed.spec.gateways ?? []);
          for (const route of fixed.spec.http ?? []) for (const m of route.match ?? []) if (m.gateways) m.gateways = swap(m.gateways);
          remediation = {
            summary: `Bind VirtualService ${vsName(vs)} to ${right}, the Gateway that serves ${listWords(vs.spec?.hosts ?? [])}, instead of the missing ${r.namespace}/${r.name}.`,
            yaml: toYaml(fixed),
          };
        } else {
          remediation = {
            summary: `Reference an existing Gateway as <namespace>/<name>.`,
            commands: ['kubectl get gateways.networking.istio.io -A'],
          };
        }
      }
      const existing = model.snapshot.gateways.map((g) => `${refName(g.metadata)}`);
      out.push(
        findingFor(codes, 'ITLS501', {
          resource: vsRef(vs),
          message:
            `VirtualService ${vsName(vs)} binds to gateway "${entry}", which resolves to ${r.namespace}/${r.name}: no such Gateway.` +
            (sameName.length ? ` A Gateway of that name exists in ${sameName.map((g) => g.metadata.namespace ?? '').join(', ')}.` : '') +
            ` Its routes for ${listWords(vs.spec?.hosts ?? [])} are not on any gateway.`,
          evidence: { reference: entry, resolvedTo: `${r.namespace}/${r.name}`, gatewaysInCluster: existing.slice(0, 20) },
          remediation,
        }),
      );
    }
  }
  return out;
}

/** A VirtualService may bind to a Gateway-API Gateway; its listeners' hostnames are the hosts it serves (none = all). */
function check502GatewayApi(model: Model, namespace: string | undefined): Finding[] {
  const out: Finding[] = [];
  const k8s = model.snapshot.kubernetesGateways ?? [];
  if (!k8s.length) return out;
  for (const vs of model.snapshot.virtualServices) {
    for (const entry of vs.spec?.gateways ?? []) {
      if (entry === 'mesh') continue;
      const r = parseGatewayRef(entry, vs.metadata.namespace ?? '');
      if (namespace && r.namespace !== namespace) continue;
      if (model.gatewayNamed(r.namespace, r.name)) continue;
      const gw = k8s.find((g) => g.metadata.name === r.name && (g.metadata.namespace ?? '') === r.namespace) as
        | { spec?: { listeners?: { hostname?: string }[] } }
        | undefined;
      if (!gw) continue;
      const listeners = gw.spec?.listeners ?? [];
      if (listeners.some((l) => !l.hostname)) continue;
      const names = listeners.map((l) => l.hostname!);
      const hosts = vs.spec?.hosts ?? [];
      if (hosts.some((h) => names.some((n) => hostMatches(n, h) || hostMatches(h, n)))) continue;
      out.push(
        findingFor(codes, 'ITLS502', {
          resource: vsRef(vs),
          host: hosts[0],
          message: `VirtualService ${vsName(vs)} is bound to Gateway-API Gateway ${r.namespace}/${r.name}, whose listeners serve ${listWords(names)}, not ${listWords(hosts)}: no route of it reaches the gateway.`,
          evidence: { virtualServiceHosts: hosts, gateway: `${r.namespace}/${r.name}`, listenerHostnames: names },
          remediation: { summary: `Use a host the listeners serve (${listWords(names)}), or add a listener for ${listWords(hosts)}.` },
        }),
      );
    }
  }
  return out;
}

function check502(model: Model, all: Binding[]): Finding[] {
  const out: Finding[] = [];
  for (const { vs, gm } of all) {
    if (!inScope(model, gm)) continue;
    const gwNs = gm.gateway.metadata.namespace;
    const hosts = vs.spec?.hosts ?? [];
    const served = (host: string) =>
      gm.servers.some((s) => s.hosts.some((gh) => vsBindsToGatewayHost({ ...vs, spec: { ...vs.spec, hosts: [host] } }, gh, gwNs)));
    const unserved = hosts.filter((h) => !served(h));
    if (unserved.length === 0) continue;
    const none = unserved.length === hosts.length;
    const gatewayHosts = [...new Set(gm.servers.flatMap((s) => s.hosts.map((h) => h.raw)))];
    const restricted = gm.servers.flatMap((s) => s.hosts).filter((gh) => gh.namespace !== '*' && gh.namespace !== (vs.metadata.namespace ?? '') && unserved.some((u) => hostMatches(gh.host, u) || hostMatches(u, gh.host)));
    const exported = vsExportedTo(vs, gwNs ?? '');
    let reason = '';
    if (!exported) reason = ` The VirtualService is not exported to the Gateway's namespace ${gwNs} (exportTo: ${(vs.spec?.exportTo ?? []).join(', ')}).`;
    else if (restricted.length) reason = ` The Gateway serves ${restricted.map((r) => r.raw).join(', ')} only to VirtualServices in namespace ${restricted[0].namespace}.`;
    // Recommended fix (route-fixes.ts): hosts the certificate covers, a namespace restriction never widened silently.
    const serve = exported ? serveHostsFix(model, gm, vs, unserved) : undefined;
    out.push(
      findingFor(codes, 'ITLS502', {
        severity: none ? 'error' : 'info',
        resource: vsRef(vs),
        host: unserved[0],
        message:
          `VirtualService ${vsName(vs)} is bound to Gateway ${refName(gm.ref)}, which does not serve ${listWords(unserved)}` +
          ` (Gateway hosts: ${listWords(gatewayHosts) || 'none'}).` +
          reason +
          (none ? ' No route of this VirtualService reaches the gateway.' : ' Lowered to info: its other hosts are served.'),
        evidence: { virtualServiceHosts: hosts, unservedHosts: unserved, gateway: `${refName(gm.ref)}`, gatewayHosts },
        remediation: !exported
          ? {
              summary: `Export the VirtualService to ${gwNs} (or to "*").`,
              yaml: toYaml({ ...editableVirtualService(vs), spec: { ...editableVirtualService(vs).spec, exportTo: [...new Set([...(vs.spec?.exportTo ?? []), gwNs ?? '*'])] } }),
            }
          : serve
            ? { summary: serve.summary, yaml: toYaml(...serve.docs), ...(serve.commands.length ? { commands: serve.commands } : {}), notes: serve.notes }
            : { summary: `Correct the VirtualService hosts to names the Gateway serves (${listWords(gatewayHosts)}), or add a server for them.` },
      }),
    );
  }
  return out;
}

/** Route kind a server needs from a VirtualService. */
function neededKind(s: ServerModel): RouteKind | undefined {
  const p = s.protocol;
  if (p === 'HTTP' || p === 'HTTP2' || p === 'GRPC') return 'http';
  if (p === 'HTTPS') return s.mode === 'PASSTHROUGH' || s.mode === 'AUTO_PASSTHROUGH' ? 'tls' : 'http';
  if (p === 'TLS') return s.mode === 'PASSTHROUGH' || s.mode === 'AUTO_PASSTHROUGH' ? 'tls' : 'tcp';
  if (p === 'TCP' || p === 'MONGO') return 'tcp';
  return undefined;
}

function check503(model: Model, all: Binding[]): Finding[] {
  const out: Finding[] = [];
  for (const gm of model.gateways) {
    const bound = bindingsOf(all, gm).map((b) => b.vs);
    for (const s of gm.servers) {
      if (!isTlsServer(s.server) || !terminatesTls(s.server)) continue;
      for (const h of s.hosts) {
        // one host listed for two namespaces (payments/x, shop/x) is routed when either entry binds a VirtualService
        const entries = s.hosts.filter((o) => o.host.toLowerCase() === h.host.toLowerCase());
        if (bound.some((vs) => entries.some((e) => vsBindsToGatewayHost(vs, e, gm.ref.namespace)))) continue;
        // VirtualServices that could not be read may route it: the host is unknown, not unrouted
        if (!virtualServicesVisibleFor(model, h)) continue;
        // The same host and port on another Gateway of these pods, with routes there: ITLS403 owns that conflict.
        const routedElsewhere = gatewaysServing(model, gm, s.port, h.host).some(
          (o) =>
            o !== gm &&
            bindingsOf(all, o).some((b) => o.servers.some((os) => os.hosts.some((oh) => vsBindsToGatewayHost(b.vs, oh, o.ref.namespace)))),
        );
        if (routedElsewhere) continue;
        const gwRef = `${refName(gm.ref)}`;
        // A VirtualService that has the host but binds elsewhere: the likely intended one.
        const candidates = [...new Set(virtualServiceHosts(model).candidates(h.host).map((c) => c.item))].filter(
          (vs) => (vs.spec?.hosts ?? []).some((vh) => hostMatches(h.host, vh) || hostMatches(vh, h.host)) && h.host !== '*',
        );
        let remediation: Remediation;
        // a candidate that already lists this Gateway is not bound for another reason (a namespace
        // restriction or exportTo, reported as ITLS502): appending the reference again fixes nothing
        const listsGateway = (vs: VirtualService) => (vs.spec?.gateways ?? []).some((g) => g === gwRef || (!g.includes('/') && `${vs.metadata.namespace ?? 'default'}/${g}` === gwRef));
        if (candidates.length && candidates.every(listsGateway)) {
          remediation = {
            summary: `${listWords(candidates.map(vsName))} already list${candidates.length === 1 ? 's' : ''} ${gwRef}; the binding fails for the reason ITLS502 names (the Gateway's namespace restriction on ${h.raw}, or exportTo): fix that finding.`,
          };
        } else if (candidates.length) {
          const vs = candidates.find((c) => !listsGateway(c)) ?? candidates[0];
          const fixed = editableVirtualService(vs);
          const refs = fixed.spec.gateways ?? [];
          fixed.spec.gateways = [...refs, ...(refs.length === 0 ? [gwRef, 'mesh'] : [gwRef])];
          remediation = { summary: `Bind VirtualService ${vsName(vs)} to ${gwRef}.`, yaml: toYaml(fixed) };
        } else {
          const kind = neededKind(s) ?? 'http';
          // a Service named like the host's first label is the likely backend: named for the user to confirm
          const label = h.host.replace(/^\*\./, '').split('.')[0];
          const svc = model.snapshot.services.find((x) => x.metadata.name === label && (x.spec?.ports ?? []).length > 0);
          const destination = svc ? { host: `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.cluster.local`, port: svc.spec!.ports![0].port } : undefined;
          remediation = {
            summary: `Create a VirtualService for ${h.host} bound to ${gwRef}${destination ? '' : ' (fill in the backend Service)'}.`,
            yaml: toYaml(
              virtualServiceSkeleton({
                name: h.host === '*' ? `${gm.ref.name}-default` : h.host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9-]+/gi, '-').toLowerCase(),
                namespace: h.namespace !== '*' && h.namespace ? h.namespace : gm.ref.namespace ?? 'default',
                host: h.host === '*' ? '<host>' : h.host,
                gatewayRef: gwRef,
                kind,
                ...(destination ? { destination } : {}),
              }),
            ),
            ...(destination ? { notes: [`The backend is Service ${destination.host.split('.').slice(0, 2).reverse().join('/')} (named like the host): confirm it before applying.`] } : {}),
          };
        }
        out.push(
          findingFor(codes, 'ITLS503', {
            resource: gm.ref,
            host: h.host,
            port: s.port,
            message:
              `No VirtualService bound to Gateway ${gwRef} serves ${h.host}: the TLS handshake works, then every request gets 404.` +
              (candidates.length ? ` ${listWords(candidates.map(vsName))} list${candidates.length === 1 ? 's' : ''} the host but bind${candidates.length === 1 ? 's' : ''} to ${listWords(candidates.map((c) => (c.spec?.gateways ?? []).join(', ') || 'the mesh only'))}.` : ''),
            evidence: { host: h.raw, boundVirtualServices: bound.map(vsName), virtualServicesWithHost: candidates.map(vsName) },
            remediation,
          }),
        );
      }
    }
  }
  return out;
}

function destinations(vs: VirtualService): { kind: RouteKind; index: number; d: RouteDestination }[] {
  const out: { kind: RouteKind; index: number; d: RouteDestination }[] = [];
  (['http', 'tls', 'tcp'] as const).forEach((kind) =>
    (vs.spec?.[kind] ?? []).forEach((r, index) => (r.route ?? []).forEach((d) => d?.destination && out.push({ kind, index, d }))),
  );
  return out;
}

function servicePortFor(svcPorts: ServicePort[], number: number | undefined): ServicePort | undefined {
  if (number === undefined) return svcPorts.length === 1 ? svcPorts[0] : undefined;
  return svcPorts.find((p) => p.port === number);
}

/** Every destination of a VirtualService: routes, plus http mirrors (a missing mirror host is just as dangling). */
function allDestinations(vs: VirtualService): { host: string; port?: number; mirror: boolean }[] {
  const out: { host: string; port?: number; mirror: boolean }[] = [];
  for (const { d } of destinations(vs)) out.push({ host: d.destination.host ?? '', port: d.destination.port?.number, mirror: false });
  for (const kind of ['http', 'tls', 'tcp'] as const) {
    for (const r of vs.spec?.[kind] ?? []) for (const rd of r.route ?? []) if (rd && !rd.destination) out.push({ host: '', mirror: false });
  }
  for (const r of vs.spec?.http ?? []) {
    const raw = r as unknown as { mirror?: { host?: string; port?: { number?: number } }; mirrors?: { destination?: { host?: string; port?: { number?: number } } }[] };
    if (raw.mirror) out.push({ host: raw.mirror.host ?? '', port: raw.mirror.port?.number, mirror: true });
    for (const m of raw.mirrors ?? []) if (m.destination) out.push({ host: m.destination.host ?? '', port: m.destination.port?.number, mirror: true });
  }
  return out;
}

/** `networking.istio.io/exportTo` on a Service: where the mesh may see it ('.' its own namespace, '~' nowhere). */
function serviceVisibleFrom(svc: Service, namespace: string): boolean {
  const raw = svc.metadata.annotations?.['networking.istio.io/exportTo'];
  if (!raw) return true;
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  return entries.some((e) => e === '*' || e === namespace || (e === '.' && svc.metadata.namespace === namespace));
}

function check504(model: Model, all: Binding[], namespace: string | undefined): Finding[] {
  if (!model.wasRead('services')) return [];
  const out: Finding[] = [];
  for (const vs of model.snapshot.virtualServices) {
    const vsNs = vs.metadata.namespace ?? '';
    const gateways = bindingsFrom(all, vs);
    const onIngress = gateways.some((b) => inScope(model, b.gm));
    // A VirtualService on no gateway only routes sidecar traffic: reported as info, and only when in scope.
    if (!onIngress && (gateways.length > 0 || (namespace && vsNs !== namespace))) continue;
    const exportTo = (vs.spec?.exportTo ?? []).map((e) => (e === '.' ? vsNs : e)).filter((e) => e !== '*');
    const viewers = [...new Set([vsNs, ...exportTo])];
    const seen = new Set<string>();
    for (const dest of allDestinations(vs)) {
      const port = dest.port;
      const key = `${dest.host}|${port}|${dest.mirror}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const what = dest.mirror ? 'mirrors to' : 'routes to';
      const target = dest.host === '' ? undefined : model.resolveServiceHost(dest.host, vsNs);
      if (dest.host !== '' && !target) continue; // an external name or ServiceEntry host: not ours to judge
      let problem: string | undefined;
      let fixedHost: string | undefined;
      let fixedPort: number | undefined;
      if (!target) {
        problem = 'the destination has no host';
      } else if (!target.service) {
        if (!visible(model.snapshot, 'services', target.namespace)) continue; // unread is not missing
        const elsewhere = model.snapshot.services.filter((s) => s.metadata.name === target.name);
        problem = `Service ${target.namespace}/${target.name} does not exist` + (elsewhere.length ? ` (a Service ${target.name} exists in ${elsewhere.map((s) => s.metadata.namespace).join(', ')})` : '');
        if (elsewhere.length === 1) fixedHost = `${target.name}.${elsewhere[0].metadata.namespace}.svc.cluster.local`;
      } else if (viewers.some((ns) => !serviceVisibleFrom(target.service!, ns))) {
        const hidden = viewers.filter((ns) => !serviceVisibleFrom(target.service!, ns));
        problem = `Service ${target.namespace}/${target.name} is exported only to ${target.service.metadata.annotations?.['networking.istio.io/exportTo']}, not to ${hidden.join(', ')}`;
      } else if (port !== undefined) {
        const ports = target.service.spec?.ports ?? [];
        if (!ports.some((p) => p.port === port)) {
          const byTarget = ports.filter((p) => p.targetPort === port);
          problem = `Service ${target.namespace}/${target.name} has no port ${port} (ports: ${ports.map((p) => (p.targetPort !== undefined && p.targetPort !== p.port ? `${p.port}→${p.targetPort}` : `${p.port}`)).join(', ') || 'none'})` + (byTarget.length ? `; ${port} is a targetPort, routes use the Service port ${byTarget[0].port}` : '');
          if (byTarget.length === 1) fixedPort = byTarget[0].port;
          else if (ports.length === 1) fixedPort = ports[0].port;
        }
      }
      if (!problem) continue;
      let remediation: Remediation = { summary: 'Point the route at an existing Service and one of its ports.', commands: [`kubectl get svc -n ${target?.namespace ?? vsNs}`] };
      if (fixedHost || fixedPort !== undefined) {
        const fixed = editableVirtualService(vs);
        for (const kind of ['http', 'tls', 'tcp'] as const) {
          for (const r of fixed.spec[kind] ?? []) {
            for (const rd of r.route ?? []) {
              if (!rd.destination || rd.destination.host !== dest.host || rd.destination.port?.number !== port) continue;
              if (fixedHost) rd.destination.host = fixedHost;
              if (fixedPort !== undefined) rd.destination.port = { number: fixedPort };
            }
          }
        }
        remediation = { summary: fixedHost ? `Route to ${fixedHost}.` : `Route to the Service port ${fixedPort}.`, yaml: toYaml(fixed) };
      }
      out.push(
        findingFor(codes, 'ITLS504', {
          severity: onIngress ? undefined : 'info',
          resource: vsRef(vs),
          host: vs.spec?.hosts?.[0],
          message:
            `VirtualService ${vsName(vs)} ${what} ${dest.host || '(no host)'}${port !== undefined ? `:${port}` : ''}, but ${problem}: requests get 503.` +
            (onIngress ? '' : ' It is bound to no gateway (sidecar traffic only): lowered to info.'),
          evidence: { destination: `${dest.host}${port !== undefined ? `:${port}` : ''}`, resolvedTo: target?.fqdn ?? null, serviceExists: !!target?.service, mirror: dest.mirror },
          remediation,
        }),
      );
    }
  }
  return out;
}

/** Hosts of the in-scope Gateways' servers, indexed, each entry naming its Gateway. */
const gatewayHostIndexes = new WeakMap<Model, HostIndex<GatewayModel>>();
function gatewayHostIndex(model: Model): HostIndex<GatewayModel> {
  let index = gatewayHostIndexes.get(model);
  if (!index) {
    index = new HostIndex<GatewayModel>();
    for (const gm of model.gateways) for (const s of gm.servers) for (const h of s.hosts) index.add(h.host, gm);
    gatewayHostIndexes.set(model, index);
  }
  return index;
}

function check505(model: Model, all: Binding[]): Finding[] {
  const out: Finding[] = [];
  for (const vs of model.snapshot.virtualServices) {
    if ((vs.spec?.gateways ?? []).length > 0) continue;
    // only the Gateways that serve one of its hosts (looked up), in their usual order
    const touched = new Set(gatewayHostIndex(model).candidatesOfAll(vs.spec?.hosts ?? []).map((c) => c.item));
    for (const gm of model.gateways) {
      if (!touched.has(gm)) continue;
      const matched: string[] = [];
      for (const s of gm.servers) {
        if (!(terminatesTls(s.server) || s.protocol === 'HTTP')) continue;
        for (const h of s.hosts) {
          if (h.host === '*' || !(vs.spec?.hosts ?? []).some((vh) => hostMatches(h.host, vh) || hostMatches(vh, h.host))) continue;
          const covered = bindingsOf(all, gm).some((b) => vsBindsToGatewayHost(b.vs, h, gm.ref.namespace)) || !virtualServicesVisibleFor(model, h);
          if (!covered && !matched.includes(h.host)) matched.push(h.host);
        }
      }
      if (!matched.length) continue;
      const gwRef = `${refName(gm.ref)}`;
      const fixed = editableVirtualService(vs);
      fixed.spec.gateways = [gwRef, 'mesh'];
      out.push(
        findingFor(codes, 'ITLS505', {
          resource: vsRef(vs),
          host: matched[0],
          message: `VirtualService ${vsName(vs)} lists ${listWords(matched)}, which Gateway ${gwRef} serves, but has no gateways field: it applies to the mesh only, and the gateway answers 404.`,
          evidence: { virtualServiceHosts: vs.spec?.hosts ?? [], gateway: gwRef, gatewayHosts: matched },
          remediation: { summary: `Bind it to ${gwRef} and keep mesh so sidecars still use it.`, yaml: toYaml(fixed) },
        }),
      );
    }
  }
  return out;
}

// ---- ITLS506: DestinationRule TLS to the backend ----

function drHostMatches(drHost: string, drNs: string, fqdn: string, knownNamespaces: Set<string>): 'exact' | 'wildcard' | undefined {
  let h = drHost.toLowerCase();
  if (!h.includes('.') && h !== '*') h = `${h}.${drNs}.svc.cluster.local`;
  else if (h.split('.').length === 2 && knownNamespaces.has(h.split('.')[1])) h = `${h}.svc.cluster.local`;
  if (h === fqdn) return 'exact';
  if (h.startsWith('*') && hostMatches(h, fqdn)) return 'wildcard';
  return undefined;
}

const drIndexes = new WeakMap<Model, Map<string, DestinationRule[]>>();
function destinationRulesIn(model: Model, namespace: string): DestinationRule[] {
  let index = drIndexes.get(model);
  if (!index) {
    index = new Map();
    for (const dr of model.snapshot.destinationRules) {
      const ns = dr.metadata.namespace ?? '';
      const list = index.get(ns);
      if (list) list.push(dr);
      else index.set(ns, [dr]);
    }
    drIndexes.set(model, index);
  }
  return index.get(namespace) ?? [];
}

const podIndexes = new WeakMap<Model, Map<string, Pod[]>>();
function podsIn(model: Model, namespace: string): Pod[] {
  let index = podIndexes.get(model);
  if (!index) {
    index = new Map();
    for (const p of model.snapshot.pods) {
      const ns = p.metadata.namespace ?? '';
      const list = index.get(ns);
      if (list) list.push(p);
      else index.set(ns, [p]);
    }
    podIndexes.set(model, index);
  }
  return index.get(namespace) ?? [];
}

/** The DestinationRule a gateway proxy in `proxyNs` applies to `fqdn`: own namespace, then the Service's, then the root namespace. */
export function effectiveDestinationRule(model: Model, fqdn: string, proxyNs: string, serviceNs: string, proxyLabels: Record<string, string> | undefined): DestinationRule | undefined {
  const known = model.namespaces();
  const visible = (dr: DestinationRule) => {
    const exportTo = dr.spec?.exportTo;
    const drNs = dr.metadata.namespace ?? '';
    if (drNs === proxyNs) return true;
    if (!exportTo || exportTo.length === 0) return true;
    return exportTo.some((e) => e === '*' || e === proxyNs);
  };
  const pick = (ns: string) => {
    const candidates = destinationRulesIn(model, ns)
      .filter((dr) => (dr.metadata.namespace ?? '') === ns && visible(dr))
      .filter((dr) => !dr.spec?.workloadSelector?.matchLabels || (ns === proxyNs && labelsMatch(dr.spec.workloadSelector.matchLabels, proxyLabels)))
      .map((dr) => ({ dr, m: drHostMatches(dr.spec?.host ?? '', ns, fqdn, known) }))
      .filter((x) => x.m);
    return (candidates.find((x) => x.m === 'exact') ?? candidates.sort((a, b) => (b.dr.spec.host.length - a.dr.spec.host.length))[0])?.dr;
  };
  return pick(proxyNs) ?? pick(serviceNs) ?? pick(model.snapshot.istioNamespace);
}

/** Client TLS for a port: subset, then port-level, then the DestinationRule's default. */
function tlsFor(dr: DestinationRule, port: number | undefined, subset: string | undefined): { tls?: ClientTLSSettings; where: string } {
  const s = subset ? dr.spec?.subsets?.find((x) => x.name === subset) : undefined;
  for (const [policy, where] of [
    [s?.trafficPolicy, `subsets[${subset}].trafficPolicy`],
    [dr.spec?.trafficPolicy, 'trafficPolicy'],
  ] as const) {
    if (!policy) continue;
    const pl = (policy.portLevelSettings ?? []).find((p) => p.port?.number === port && p.tls);
    if (pl) return { tls: pl.tls, where: `${where}.portLevelSettings[port ${port}].tls` };
    if (policy.tls) return { tls: policy.tls, where: `${where}.tls` };
  }
  return { where: 'none' };
}

/** mTLS mode a PeerAuthentication imposes on a pod's port: workload selector, then namespace, then mesh-wide. */
function peerAuthMode(model: Model, pod: Pod, targetPort: number | undefined): { mode: string; from?: string } {
  const ns = pod.metadata.namespace ?? '';
  const pas = model.snapshot.peerAuthentications;
  const workload = pas.find((pa) => (pa.metadata.namespace ?? '') === ns && pa.spec?.selector?.matchLabels && labelsMatch(pa.spec.selector.matchLabels, pod.metadata.labels));
  const namespaceWide = pas.find((pa) => (pa.metadata.namespace ?? '') === ns && !pa.spec?.selector?.matchLabels);
  const meshWide = pas.find((pa) => (pa.metadata.namespace ?? '') === model.snapshot.istioNamespace && !pa.spec?.selector?.matchLabels);
  for (const pa of [workload, namespaceWide, meshWide]) {
    if (!pa) continue;
    const portMode = targetPort !== undefined ? pa.spec?.portLevelMtls?.[String(targetPort)]?.mode : undefined;
    const mode = (portMode ?? pa.spec?.mtls?.mode ?? 'UNSET').toUpperCase();
    if (mode !== 'UNSET') return { mode, from: `PeerAuthentication ${pa.metadata.namespace}/${pa.metadata.name}` };
  }
  return { mode: 'PERMISSIVE' };
}

const PLAIN_APP_PROTOCOLS = /^(http|http2|h2c|grpc|grpc-web|kubernetes\.io\/h2c|kubernetes\.io\/ws)$/i;

function isPlainHttpPort(p: ServicePort): boolean {
  if (p.appProtocol) return PLAIN_APP_PROTOCOLS.test(p.appProtocol);
  const name = (p.name ?? '').toLowerCase();
  return /^(http|http2|grpc|grpc-web)(-|$)/.test(name);
}

function check506(model: Model, all: Binding[]): Finding[] {
  if (!model.wasRead('services')) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const { vs, gm } of all) {
    if (!inScope(model, gm)) continue;
    const proxyNs = gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '';
    const proxyLabels = gm.pods[0]?.metadata.labels;
    for (const { d } of destinations(vs)) {
      const target: ServiceHost | undefined = model.resolveServiceHost(d.destination.host, vs.metadata.namespace ?? '');
      if (!target?.service) continue;
      const svcPort = servicePortFor(target.service.spec?.ports ?? [], d.destination.port?.number);
      // an unread namespace may hold the DestinationRule istiod really picks, or the backend pods
      if (![proxyNs, target.namespace, model.snapshot.istioNamespace].every((ns) => visible(model.snapshot, 'destinationRules', ns))) continue;
      if (!visible(model.snapshot, 'pods', target.namespace)) continue;
      const dr = effectiveDestinationRule(model, target.fqdn, proxyNs, target.namespace, proxyLabels);
      if (!dr) continue;
      const { tls, where } = tlsFor(dr, svcPort?.port, d.destination.subset);
      const mode = (tls?.mode ?? '').toUpperCase();
      if (!mode) continue;
      const key = `${dr.metadata.namespace}/${dr.metadata.name}|${target.fqdn}|${svcPort?.port}|${mode}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const backendPods = podsIn(model, target.namespace).filter((p) => (p.metadata.namespace ?? '') === target.namespace && labelsMatch(target.service!.spec?.selector, p.metadata.labels));
      const withSidecar = backendPods.filter(hasSidecar);
      const targetPort = typeof svcPort?.targetPort === 'number' ? svcPort.targetPort : svcPort?.port;
      let problem: string | undefined;
      let proposed: string | undefined;
      if (mode === 'ISTIO_MUTUAL' && model.wasRead('pods') && backendPods.length > 0 && withSidecar.length === 0) {
        problem = `it sets ISTIO_MUTUAL, but no pod behind ${target.name} has a sidecar to answer mutual TLS`;
        proposed = 'DISABLE';
      } else if (mode === 'DISABLE' && withSidecar.length > 0) {
        const pa = peerAuthMode(model, withSidecar[0], targetPort);
        if (pa.mode === 'STRICT') {
          problem = `it sets DISABLE (plain text), but ${pa.from} requires mutual TLS (STRICT) on ${target.name}'s sidecars, which refuse plain text`;
          proposed = 'ISTIO_MUTUAL';
        }
      } else if ((mode === 'SIMPLE' || mode === 'MUTUAL') && svcPort && isPlainHttpPort(svcPort)) {
        problem = `it sets ${mode} (TLS from the gateway), but port ${svcPort.port} (${svcPort.name ?? svcPort.appProtocol}) of ${target.name} speaks plain HTTP`;
        proposed = withSidecar.length ? 'ISTIO_MUTUAL' : 'DISABLE';
      }
      if (!problem || !proposed) continue;
      const fixed = editableDestinationRule(dr);
      const setMode = (t: ClientTLSSettings | undefined) => {
        if (!t) return;
        t.mode = proposed!;
        if (proposed !== 'SIMPLE' && proposed !== 'MUTUAL') {
          for (const k of ['caCertificates', 'sni', 'subjectAltNames', 'credentialName', 'insecureSkipVerify'] as const) delete t[k];
        }
      };
      const sub = d.destination.subset ? fixed.spec.subsets?.find((x) => x.name === d.destination.subset)?.trafficPolicy : undefined;
      for (const policy of [sub, fixed.spec.trafficPolicy]) {
        if (!policy) continue;
        const pl = (policy.portLevelSettings ?? []).find((p) => p.port?.number === svcPort?.port && p.tls);
        if (pl && where.includes('portLevel')) setMode(pl.tls);
        else if (policy.tls && where.endsWith('.tls') && !where.includes('portLevel')) setMode(policy.tls);
      }
      out.push(
        findingFor(codes, 'ITLS506', {
          resource: { kind: 'DestinationRule', namespace: dr.metadata.namespace, name: dr.metadata.name },
          host: vs.spec?.hosts?.[0],
          message: `Gateway ${gm.ref.name} routes ${listWords(vs.spec?.hosts ?? [])} to ${target.fqdn}${svcPort ? `:${svcPort.port}` : ''}; DestinationRule ${dr.metadata.namespace}/${dr.metadata.name} applies and ${problem}: requests get 503 (upstream connect error).`,
          evidence: {
            destinationRule: `${dr.metadata.namespace}/${dr.metadata.name}`,
            setting: where,
            mode,
            backendPods: backendPods.length,
            backendPodsWithSidecar: withSidecar.length,
            chosenBecause: `first match for ${target.fqdn} from the gateway namespace ${proxyNs}, then ${target.namespace}, then ${model.snapshot.istioNamespace}`,
          },
          remediation: { summary: `Set the mode to ${proposed}, what ${target.name} actually speaks.`, yaml: toYaml(fixed) },
        }),
      );
    }
  }
  return out;
}

// ---- ITLS507: route kind vs server protocol ----

function routesAs(vs: VirtualService, kind: RouteKind, port: number): VirtualService {
  const fixed = editableVirtualService(vs);
  const dests = destinations(vs).map((x) => x.d);
  const unique = dests.filter((d, i) => dests.findIndex((o) => JSON.stringify(o.destination) === JSON.stringify(d.destination)) === i);
  const route = unique.map((d) => ({ ...structuredClone(d) }));
  delete fixed.spec.http;
  delete fixed.spec.tls;
  delete fixed.spec.tcp;
  if (kind === 'http') fixed.spec.http = [{ route }];
  else if (kind === 'tcp') fixed.spec.tcp = [{ match: [{ port }], route }];
  else fixed.spec.tls = [{ match: [{ port, sniHosts: [...(vs.spec?.hosts ?? [])] }], route }];
  return fixed;
}

function check507(model: Model, all: Binding[]): Finding[] {
  const out: Finding[] = [];
  for (const { vs, gm } of all) {
    if (!inScope(model, gm)) continue;
    const has: Record<RouteKind, boolean> = {
      http: (vs.spec?.http ?? []).length > 0,
      tls: (vs.spec?.tls ?? []).length > 0,
      tcp: (vs.spec?.tcp ?? []).length > 0,
    };
    if (!has.http && !has.tls && !has.tcp) continue;
    for (const s of gm.servers) {
      const need = neededKind(s);
      if (!need || has[need]) continue;
      // redirecting servers answer 301 themselves; AUTO_PASSTHROUGH and ISTIO_MUTUAL do not route by VirtualService
      if (s.mode === 'AUTO_PASSTHROUGH' || s.mode === 'ISTIO_MUTUAL' || s.server.tls?.httpsRedirect) continue;
      const bindsHere = s.hosts.filter((h) => vsBindsToGatewayHost(vs, h, gm.ref.namespace));
      if (!bindsHere.length) continue;
      // Another VirtualService may carry the right kind for these hosts; then this one is only dead weight.
      const coveredByOther = bindingsOf(all, gm).some(
        (b) => b.gm === gm && b.vs !== vs && (b.vs.spec?.[need] ?? []).length > 0 && bindsHere.every((h) => vsBindsToGatewayHost(b.vs, h, gm.ref.namespace)),
      );
      if (coveredByOther || !bindsHere.every((h) => virtualServicesVisibleFor(model, h))) continue;
      const present = (Object.keys(has) as RouteKind[]).filter((k) => has[k]);
      const hosts = bindsHere.map((h) => h.host);
      out.push(
        findingFor(codes, 'ITLS507', {
          resource: vsRef(vs),
          host: hosts[0],
          port: s.port,
          message:
            `VirtualService ${vsName(vs)} has only ${present.join('/')} routes, but server ${s.port} of Gateway ${gm.ref.name} (${s.protocol}${s.mode ? `, ${s.mode}` : ''}) needs ${need} routes: ` +
            `${listWords(hosts)} ${need === 'http' ? 'get 404' : 'connections are closed'}.`,
          evidence: { routeKinds: present, serverProtocol: s.protocol, tlsMode: s.mode ?? null, needed: need },
          remediation: { summary: `Rewrite the routes as ${need} routes, keeping the destinations.`, yaml: toYaml(routesAs(vs, need, s.port)) },
        }),
      );
    }
  }
  return out;
}

export const routingCheck: CheckModule = {
  id: 'routing',
  codes,
  reads: ['gateways', 'virtualServices', 'services', 'destinationRules', 'peerAuthentications', 'pods'],
  run(_snapshot, options, model) {
    const all = bindings(model);
    return [
      ...check501(model, options.namespace),
      ...check502(model, all),
      ...check502GatewayApi(model, options.namespace),
      ...check503(model, all),
      ...check504(model, all, options.namespace),
      ...check505(model, all),
      ...check506(model, all),
      ...check507(model, all),
    ];
  },
};
