// Fixes that change which hosts a Gateway serves or which Gateway a VirtualService binds to, built so
// that they converge (the doctor run again after them finds nothing new):
//  - a new HTTPS server (ITLS402) comes with the route its host needs: a VirtualService bound to it, one
//    for the Service named like the host, or one whose backend is a checked variable the user sets (a
//    server without routes is ITLS503); only a `*` host, with no name to route, stays a commented fill-in;

//  - Gateways merged into one (ITLS404) take their VirtualServices along (a VirtualService left bound
//    to a deleted Gateway is ITLS501);

//  - a host added to a Gateway (ITLS502) is one its certificate covers, or the fix re-issues the
//    certificate for it; a namespace restriction is never widened silently.
// Helpers for the check modules (they look things up in the Model); the documents come from
// src/remediation.
import type { Gateway, GatewayServer, VirtualService } from '../snapshot/types.js';
import {
  applyWithVariables,
  backendVar,
  createTlsSecretCommand,
  editableGateway,
  editableVirtualService,
  gatewayWithHttpsServer,
  reissueWithNames,
  toYaml,
  virtualServiceSkeleton,
} from './index.js';
import type { Remediation } from '../findings/types.js';
import { matchHost } from '../tls/index.js';
import { hostMatches, refName, terminatesTls, vsBindsToGatewayHost, type GatewayHost, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import { listWords } from '../findings/voice.js';

/**
 * ITLS503: a new VirtualService for one host no VirtualService routes, bound to the Gateway — nothing
 * else changes, and no other VirtualService's hosts are rewritten to guess what was meant. The backend
 * is a Service named like the host (for the user to confirm), else a checked shell variable the user
 * fills in (`: "${GRAFANA_INT_ACME_TEST_BACKEND:?...}"`).
 */
export function newVirtualServiceFix(model: Model, gm: GatewayModel, h: GatewayHost, kind: 'http' | 'tls' | 'tcp'): Remediation {
  const gwRef = refName(gm.ref);
  const host = h.host === '*' ? '<host>' : h.host;
  const name = h.host === '*' ? `${gm.ref.name}-default` : h.host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9-]+/gi, '-').toLowerCase();
  const namespace = h.namespace !== '*' && h.namespace ? h.namespace : gm.ref.namespace ?? 'default';
  // a Service named like the host's first label is the likely backend: named for the user to confirm
  const label = h.host.replace(/^\*\./, '').split('.')[0];
  const svc = model.snapshot.services.find((x) => x.metadata.name === label && (x.spec?.ports ?? []).length > 0);
  if (svc && h.host !== '*') {
    const destination = { host: `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.cluster.local`, port: svc.spec!.ports![0].port };
    return {
      summary: `Create a VirtualService for ${h.host} bound to ${gwRef}.`,
      yaml: toYaml(virtualServiceSkeleton({ name, namespace, host, gatewayRef: gwRef, kind, destination })),
      notes: [`The backend is Service ${svc.metadata.namespace ?? 'default'}/${svc.metadata.name} (named like the host): confirm it before applying.`],
    };
  }
  if (h.host === '*') {
    // no name to route: a fill-in (printed commented out)
    return {
      summary: `Create a VirtualService for ${h.host} bound to ${gwRef} (fill in the backend Service).`,
      yaml: toYaml(virtualServiceSkeleton({ name, namespace, host, gatewayRef: gwRef, kind })),
    };
  }
  const v = backendVar(h.host);
  const doc = virtualServiceSkeleton({ name, namespace, host, gatewayRef: gwRef, kind, destination: { host: `\${${v}}` } });
  return {
    summary: `Create a VirtualService for ${h.host} bound to ${gwRef}, routing to the Service you name in ${v}.`,
    commands: [applyWithVariables(toYaml(doc))],
    notes: [`Only you know which Service serves ${h.host}: set ${v} to its host (name.namespace.svc.cluster.local). The destination has no port: give the Service one port, or add destination.port after applying.`],
  };
}

const vsLabel = (vs: VirtualService) => `${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`;

/** Does any entry of the VirtualService's `gateways` resolve to this Gateway? */
function listsGateway(model: Model, vs: VirtualService, gateway: Gateway): boolean {
  return (vs.spec?.gateways ?? []).some((e) => {
    const r = model.resolveGatewayRef(vs, e);
    return r !== 'mesh' && r.gateway === gateway;
  });
}

export interface NewServerRoute {
  /** VirtualServices to apply with the new server (bound to it, or created for it) */
  docs: VirtualService[];
  notes: string[];
  /** hosts no route is known for: the fix must stay a fill-in */
  unrouted: string[];
  /** a VirtualService skeleton with a placeholder backend, for the fill-in */
  skeletons: VirtualService[];
  /** checked shell variables `docs` name (the backend of a host no Service is named like) */
  variables: string[];
}

/**
 * The routes a new TLS server for `hosts` on `gm` needs: none when a VirtualService bound to the
 * Gateway already names the host (it binds to the new server by host); a VirtualService with the host
 * bound elsewhere gets this Gateway too; else one is created for the Service named like the host.
 */
export function routesForNewServer(model: Model, gm: GatewayModel, hosts: GatewayHost[]): NewServerRoute {
  const out: NewServerRoute = { docs: [], notes: [], unrouted: [], skeletons: [], variables: [] };
  const gwRef = refName(gm.ref);
  const bound = model.virtualServicesFor(gm.gateway);
  for (const h of hosts) {
    if (bound.some((vs) => vsBindsToGatewayHost(vs, h, gm.ref.namespace))) continue;
    const withHost = model.snapshot.virtualServices.filter(
      (vs) => h.host !== '*' && (h.namespace === '*' || h.namespace === vs.metadata.namespace) && (vs.spec?.hosts ?? []).some((vh) => hostMatches(h.host, vh) || hostMatches(vh, h.host)),
    );
    const vs = withHost.find((v) => !listsGateway(model, v, gm.gateway));
    if (vs) {
      const edited = out.docs.find((d) => d.metadata.name === vs.metadata.name && d.metadata.namespace === vs.metadata.namespace) ?? editableVirtualService(vs);
      const refs = edited.spec.gateways ?? [];
      // a VirtualService without gateways applies to the mesh: keep it there
      edited.spec.gateways = [...refs, ...(refs.length === 0 ? [gwRef, 'mesh'] : [gwRef])];
      if (!out.docs.includes(edited)) out.docs.push(edited);
      out.notes.push(`VirtualService ${vsLabel(vs)} routes ${h.host}: it is bound to ${gwRef} as well, so the new server has its routes.`);
      continue;
    }
    const name = h.host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9-]+/gi, '-').toLowerCase();
    const namespace = h.namespace !== '*' && h.namespace ? h.namespace : gm.ref.namespace ?? 'default';
    const label = h.host.replace(/^\*\./, '').split('.')[0];
    const svc = model.snapshot.services.find((x) => x.metadata.name === label && (x.spec?.ports ?? []).length > 0);
    if (svc && h.host !== '*') {
      const destination = { host: `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.cluster.local`, port: svc.spec!.ports![0].port };
      out.docs.push(virtualServiceSkeleton({ name, namespace, host: h.host, gatewayRef: gwRef, kind: 'http', destination }));
      out.notes.push(`The backend of ${h.host} is Service ${svc.metadata.namespace ?? 'default'}/${svc.metadata.name} (named like the host): confirm it before applying.`);
      continue;
    }
    if (h.host === '*') {
      // no name to route, and so no variable to name: the fix stays a fill-in
      out.unrouted.push(h.host);
      out.skeletons.push(virtualServiceSkeleton({ name, namespace, host: h.host, gatewayRef: gwRef, kind: 'http' }));
      continue;
    }
    // only the user knows the backend: a checked variable, as ITLS503's new VirtualService has
    const v = backendVar(h.host);
    out.docs.push(virtualServiceSkeleton({ name, namespace, host: h.host, gatewayRef: gwRef, kind: 'http', destination: { host: `\${${v}}` } }));
    out.variables.push(v);
    out.notes.push(`Only you know which Service serves ${h.host}: set ${v} to its host (name.namespace.svc.cluster.local). The destination has no port: give the Service one port, or add destination.port after applying.`);
  }
  return out;
}

/**
 * ITLS402: an HTTPS server for the redirected hosts, its new credential, and the routes it needs. A
 * host no route and no Service name gives a backend for gets a checked variable (`*_BACKEND`); only a
 * `*` host keeps the whole fix a commented fill-in (applied as it is, the server would answer 404: ITLS503).
 */
export function newHttpsServerFix(model: Model, gm: GatewayModel, unserved: GatewayHost[], credentialName: string, namespaces: string[]): Remediation {
  const hosts = unserved.map((h) => h.host);
  const gateway = gatewayWithHttpsServer(gm.gateway, unserved.map((h) => h.raw), credentialName);
  const routes = routesForNewServer(model, gm, unserved);
  const create = namespaces.map((ns) => createTlsSecretCommand(credentialName, ns));
  const base = `Add an HTTPS server for ${listWords(hosts)} with a new credential ${credentialName} in the gateway pod namespace (or remove httpsRedirect if the site is HTTP-only).`;
  if (routes.unrouted.length) {
    const yaml = toYaml(gateway, ...routes.docs, ...routes.skeletons).trimEnd();
    return {
      summary: `${base} No VirtualService routes ${listWords(routes.unrouted)} and no Service is named like it: fill in the backend first (the server alone would answer 404).`,
      commands: [
        '# Fill in the backend Service below, then uncomment and run these lines (nothing here runs as printed):',
        ...create.map((c) => `#   ${c}`),
        `#   kubectl apply -f - <<'YAML'`,
        ...yaml.split('\n').map((l) => `#   ${l}`),
        '#   YAML',
      ],
      notes: routes.notes,
    };
  }
  const withRoutes = base + (routes.docs.length ? ` The route${routes.docs.length > 1 ? 's' : ''} it needs come${routes.docs.length > 1 ? '' : 's'} with it.` : '');
  if (routes.variables.length) {
    return {
      summary: `${withRoutes} Set ${listWords(routes.variables)} to the backend first: no VirtualService routes ${routes.variables.length > 1 ? 'those hosts' : 'the host'} and no Service is named like ${routes.variables.length > 1 ? 'them' : 'it'}.`,
      commands: [...create, applyWithVariables(toYaml(gateway, ...routes.docs))],
      notes: routes.notes,
    };
  }
  return {
    summary: withRoutes,
    commands: create,
    yaml: toYaml(gateway, ...routes.docs),
    ...(routes.notes.length ? { notes: routes.notes } : {}),
  };
}

/**
 * After Gateways are merged into `keeper` (ITLS404): every VirtualService bound to a Gateway that gave
 * up hosts, and routing one of them, is bound to the keeper; its reference to a Gateway that is
 * deleted (or no longer serves any of its hosts) is dropped — in `gateways` and in http match blocks.
 */
export function rebindToKeeper(model: Model, keeper: GatewayModel, moved: { gm: GatewayModel; hosts: GatewayHost[]; emptied: boolean; remaining: GatewayHost[] }[]): VirtualService[] {
  const out = new Map<VirtualService, VirtualService>();
  const keeperRef = refName(keeper.ref);
  for (const m of moved) {
    if (m.gm === keeper) continue;
    for (const vs of model.virtualServicesFor(m.gm.gateway)) {
      if (!m.hosts.some((h) => vsBindsToGatewayHost(vs, h, m.gm.ref.namespace))) continue;
      const stillServed = !m.emptied && m.remaining.some((h) => vsBindsToGatewayHost(vs, h, m.gm.ref.namespace));
      const edited = out.get(vs) ?? editableVirtualService(vs);
      const rewrite = (entries: string[]): string[] => {
        const next: string[] = [];
        for (const e of entries) {
          const r = model.resolveGatewayRef(vs, e);
          const isMoved = r !== 'mesh' && r.gateway === m.gm.gateway;
          if (isMoved && !stillServed) continue;
          if (!next.includes(e)) next.push(e);
        }
        const hasKeeper = next.some((e) => {
          const r = model.resolveGatewayRef(vs, e);
          return r !== 'mesh' && r.gateway === keeper.gateway;
        });
        if (!hasKeeper) next.push(keeperRef);
        return next;
      };
      edited.spec.gateways = rewrite(edited.spec.gateways ?? []);
      for (const route of edited.spec.http ?? []) {
        for (const match of route.match ?? []) {
          if (match.gateways?.some((e) => { const r = model.resolveGatewayRef(vs, e); return r !== 'mesh' && r.gateway === m.gm.gateway; })) {
            match.gateways = rewrite(match.gateways);
          }
        }
      }
      out.set(vs, edited);
    }
  }
  return [...out.values()];
}

/** Does the certificate this server serves cover the host? undefined when it cannot be read. */
export function serverCovers(model: Model, gm: GatewayModel, s: ServerModel, host: string): boolean | undefined {
  if (!terminatesTls(s.server)) return true;
  if (!s.credentialNames.length) return undefined;
  const cred = model.credential(s.credentialNames[0], gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '');
  const leaf = cred.decoded?.certificates[0];
  if (!leaf) return undefined;
  return matchHost(host, leaf).covered;
}

export interface ServeHostsFix {
  summary: string;
  docs: object[];
  commands: string[];
  notes: string[];
  /** host entries of the Gateway the VirtualService binds to once the fix is applied (their 404s go away) */
  routed: { host: string; port: number }[];
}

/**
 * ITLS502, the VirtualService is exported to the Gateway: make the Gateway serve its unserved hosts
 * without widening anything the finding does not name. The fix changes only the hosts it names: it
 * never rewrites the VirtualService's hosts to guess what was meant (a host the Gateway serves and no
 * VirtualService routes has its own ITLS503 and its own fix).
 *  - a host the Gateway serves only to another namespace (`payments/api.acme.test`): the VirtualService's
 *    namespace is added for that host alone (`shop/api.acme.test`), never `*`; moving the
 *    VirtualService is named as the alternative — the choice is the user's;
 *  - a host the certificate covers: added to the HTTP/HTTPS servers;
 *  - a host it does not cover: added, and the certificate re-issued for it (a typo is named in a note).
 */
export function serveHostsFix(model: Model, gm: GatewayModel, vs: VirtualService, unserved: string[]): ServeHostsFix | undefined {
  const vsNs = vs.metadata.namespace ?? 'default';
  const gateway = editableGateway(gm.gateway);
  const servers = gateway.spec.servers as GatewayServer[];
  const notes: string[] = [];
  const summaries: string[] = [];
  const commands: string[] = [];
  let gatewayChanged = false;
  const restrictedHosts: string[] = [];
  const routed: { host: string; port: number }[] = [];
  // 1. namespace restrictions: allow this namespace for this host only
  for (const s of gm.servers) {
    for (const gh of s.hosts) {
      if (gh.namespace === '*' || gh.namespace === vsNs) continue;
      const hits = unserved.filter((u) => hostMatches(gh.host, u) || hostMatches(u, gh.host));
      if (!hits.length) continue;
      const entry = `${vsNs}/${gh.host}`;
      const target = servers[s.index];
      if (!target.hosts.includes(entry)) {
        target.hosts = [...target.hosts, entry];
        gatewayChanged = true;
      }
      for (const u of hits) if (!restrictedHosts.includes(u)) restrictedHosts.push(u);
      if (terminatesTls(s.server) && !routed.some((r) => r.host === gh.host && r.port === s.port)) routed.push({ host: gh.host, port: s.port });
      summaries.push(`Let namespace ${vsNs} route ${gh.host} on ${refName(gm.ref)}: add ${entry} beside ${gh.raw}, which stays as it is.`);
      notes.push(
        `${gh.raw} serves ${gh.host} only to VirtualServices in ${gh.namespace}; the fix allows ${vsNs} for this host alone. The choice is yours: moving VirtualService ${vsLabel(vs)} into ${gh.namespace} keeps the restriction as it is; widening it to */${gh.host} would let every namespace route the host.`,
      );
    }
  }
  // 2. hosts the certificate covers go on the servers; 3. the others need a choice
  const rest = unserved.filter((u) => !restrictedHosts.includes(u));
  const eligible = gm.servers.filter((s) => ['HTTP', 'HTTPS'].includes(s.protocol) && !s.hosts.some((h) => h.host === '*'));
  if (rest.length && !eligible.length && !gatewayChanged) return undefined;
  const uncovered: string[] = [];
  const added: string[] = [];
  for (const u of rest) {
    const covers = eligible.map((s) => serverCovers(model, gm, s, u));
    if (covers.some((c) => c === false)) uncovered.push(u);
    else added.push(u);
  }
  // hosts this Gateway serves (to this namespace) that no VirtualService routes: perhaps what a typo meant.
  // Named in a note only: each has its own ITLS503 and fix; rewriting hosts here would guess intent.
  const bound = model.virtualServicesFor(gm.gateway);
  const unroutedOnGateway = [
    ...new Set(
      gm.servers
        .filter((s) => ['HTTP', 'HTTPS'].includes(s.protocol))
        .flatMap((s) => s.hosts)
        .filter((gh) => gh.host !== '*' && (gh.namespace === '*' || gh.namespace === vsNs) && !bound.some((b) => vsBindsToGatewayHost(b, gh, gm.ref.namespace)))
        .map((gh) => gh.host),
    ),
  ];
  if (uncovered.length && unroutedOnGateway.length) {
    notes.push(
      `If ${listWords(uncovered)} ${uncovered.length === 1 ? 'is a typo' : 'are typos'} for ${listWords(unroutedOnGateway)} (served by ${refName(gm.ref)}, covered by its certificate, routed by nothing), correct the hosts of VirtualService ${vsLabel(vs)} instead of applying this fix: that choice is yours, the doctor does not rewrite hosts to guess.`,
    );
  }
  added.push(...uncovered);
  for (const u of added) {
    for (const s of eligible) {
      const target = servers[s.index];
      if (!target.hosts.includes(u)) {
        target.hosts = [...target.hosts, u];
        gatewayChanged = true;
      }
    }
  }
  if (added.length) summaries.push(`Add ${listWords(added)} to the HTTP/HTTPS servers of ${refName(gm.ref)} (or correct the VirtualService hosts if they are a typo).`);
  // the added hosts the certificate does not cover: re-issue it with them (same secret, patched in place)
  const reissue = uncovered.filter((u) => added.includes(u));
  if (reissue.length) {
    const seen = new Set<string>();
    for (const s of eligible) {
      if (!terminatesTls(s.server) || !s.credentialNames.length || serverCovers(model, gm, s, reissue[0]) !== false) continue;
      const cred = model.credential(s.credentialNames[0], gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '');
      const key = `${cred.namespace}/${cred.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const r = reissueWithNames({ name: cred.name, namespace: cred.namespace, certKey: cred.decoded?.certKey, hosts: s.hosts.map((h) => h.host) }, reissue);
      commands.push(...(r.commands ?? []));
      notes.push(r.summary, ...(r.notes ?? []));
    }
  }
  if (!gatewayChanged) return undefined;
  return { summary: summaries.join(' '), docs: [gateway], commands, notes, routed };
}
