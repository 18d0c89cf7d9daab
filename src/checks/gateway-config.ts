// ITLS401-408: what a Gateway's servers say, alone and next to the other Gateways on the same pods.
import type { Gateway, GatewayServer, ServerTLSSettings } from '../snapshot/types.js';
import {
  createTlsSecretCommand,
  credentialNameFor,
  editableGateway,
  gatewayWithServerEdit,
  gatewayWithoutHosts,
  toYaml,
  virtualServiceSkeleton,
} from '../remediation/index.js';
import { findingFor } from '../findings/types.js';
import { withCause } from '../findings/causes.js';
import { refName, hostMatches, hostsOverlap, isTlsServer, terminatesTls, vsBindsToGatewayHost, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import { listWords } from '../findings/voice.js';
import type { CheckModule } from './types.js';
import type { Finding, Place, Remediation } from '../findings/types.js';
import { newHttpsServerFix, rebindToKeeper } from '../remediation/routing.js';
import { gatewayConfigCodes } from '../findings/codes/gateway-config.js';
import { norm, precedence, listenerHosts, workloadHosts } from '../model/gateway-config.js';

const TERMINATING_NOTE = 'the gateway pod namespace';

function workloadNamespaces(gm: GatewayModel): string[] {
  return gm.workloadNamespaces.length ? gm.workloadNamespaces : ['<gateway-pod-namespace>'];
}

function hasCredential(tls: ServerTLSSettings): boolean {
  return !!(
    tls.credentialName ||
    tls.credentialNames?.length ||
    (tls.serverCertificate && tls.privateKey) ||
    tls.tlsCertificates?.some((c) => c.serverCertificate && c.privateKey)
  );
}

function check401(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  for (const s of gm.servers) {
    if (!isTlsServer(s.server)) continue;
    const hosts = s.hosts.map((h) => h.host);
    let problem: string | undefined;
    if (!s.server.tls) problem = `protocol ${s.protocol} without a tls block`;
    else if (terminatesTls(s.server) && !hasCredential(s.server.tls)) {
      const t = s.server.tls;
      problem =
        t.serverCertificate && !t.privateKey
          ? `mode ${s.mode} with serverCertificate but no privateKey`
          : t.privateKey && !t.serverCertificate
            ? `mode ${s.mode} with privateKey but no serverCertificate`
            : `mode ${s.mode} without credentialName or certificate files`;
    }
    if (!problem) continue;
    const name = credentialNameFor(hosts, gm.ref.name);
    const gateway = gatewayWithServerEdit(gm.gateway, s.index, (server) => {
      const tls: ServerTLSSettings = { mode: s.server.tls && terminatesTls(s.server) ? s.server.tls.mode : 'SIMPLE', credentialName: name };
      const rest = { ...(server.tls ?? {}) };
      for (const k of ['mode', 'credentialName', 'serverCertificate', 'privateKey', 'credentialNames', 'tlsCertificates'] as const) delete rest[k];
      server.tls = { ...tls, ...rest };
    });
    // a half-set file pair makes Envoy reject the listener itself: every host on the port goes down
    const alsoDown = s.filePaths.length ? model.hostsSharingListener(s) : [];
    out.push(
      findingFor(gatewayConfigCodes, 'ITLS401', {
        resource: gm.ref,
        host: hosts[0],
        port: s.port,
        message:
          `Server ${s.port} of Gateway ${gm.ref.name} (${listWords(hosts)}) has ${problem}: no certificate is served for these hosts` +
          (alsoDown.length ? `; Envoy rejects the listener, so also down: ${listWords(alsoDown)}.` : '.'),
        evidence: { protocol: s.protocol, mode: s.mode ?? null, tls: s.server.tls ? Object.keys(s.server.tls) : [], hosts, ...(alsoDown.length ? { alsoDown } : {}) },
        remediation: {
          summary: `Terminate TLS with a Secret in ${TERMINATING_NOTE} (${workloadNamespaces(gm).join(', ')}): create ${name}, then set credentialName on the server.`,
          commands: workloadNamespaces(gm).map((ns) => createTlsSecretCommand(name, ns)),
          yaml: toYaml(gateway),
        },
      }),
    );
  }
  return out;
}

function check402(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  const neighbours = model.gatewaysOnWorkload(gm);
  for (const s of gm.servers) {
    if (s.protocol !== 'HTTP' || !s.server.tls?.httpsRedirect) continue;
    const tlsHosts = workloadHosts(model, gm, 'tls');
    const unserved = s.hosts.filter((h) => !tlsHosts.candidates(h.host).some((c) => hostsOverlap(c.host, h.host)));
    if (unserved.length === 0) continue;
    const hosts = unserved.map((h) => h.host);
    const name = credentialNameFor(hosts, gm.ref.name);
    out.push(
      findingFor(gatewayConfigCodes, 'ITLS402', {
        resource: gm.ref,
        host: hosts[0],
        port: s.port,
        message: `Gateway ${gm.ref.name} redirects ${listWords(hosts)} from port ${s.port} to HTTPS, but no HTTPS server on the same gateway pods serves ${hosts.length > 1 ? 'them' : 'it'}: the redirect leads nowhere.`,
        evidence: {
          redirectingHosts: hosts,
          tlsHostsOnWorkload: [...new Set(neighbours.flatMap((n) => n.servers.filter((t) => isTlsServer(t.server)).flatMap((t) => t.hosts.map((h) => `${n.ref.name}: ${h.host}`))))],
        },
        // with the routes the new server needs (remediation/routing.ts), or a fill-in when no backend is known
        remediation: newHttpsServerFix(model, gm, unserved, name, workloadNamespaces(gm)),
      }),
    );
  }
  return out;
}

function check403(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  for (const s of gm.servers) {
    for (const h of s.hosts) {
      const exact: { gm: GatewayModel; server: ServerModel; raw: string }[] = [];
      const wildcard: { gm: GatewayModel; server: ServerModel; raw: string }[] = [];
      // same listener (ports compared after Service port → targetPort translation, same bind): a lookup by host
      for (const { host: thHost, item: e } of listenerHosts(model, gm, s.port, s.server.bind ?? '').candidates(h.host)) {
        if (e.server === s) continue;
        if (norm(thHost) === norm(h.host)) exact.push(e);
        else if (e.gm !== gm && (hostMatches(thHost, h.host) || hostMatches(h.host, thHost)) && h.host !== '*' && thHost !== '*') wildcard.push(e);
      }
      if (exact.length) {
        const all = [{ gm, server: s, raw: h.raw }, ...exact];
        const winner = [...all].sort((a, b) => precedence(a.gm, b.gm) || a.server.index - b.server.index)[0];
        const others = exact.map((e) => `${refName(e.gm.ref)} (${e.raw})`);
        const self = winner.gm === gm && winner.server === s;
        const loser = self ? exact[0] : { gm, server: s, raw: h.raw };
        const remediation: Remediation = {
          summary:
            `Serve ${h.host} on port ${s.port} from one Gateway only. Recommended: keep it on ${winner.gm.ref.name} (the server istiod already keeps) ` +
            `and remove it from ${loser.gm.ref.name}; bind the VirtualServices of ${h.host} to ${refName(winner.gm.ref)}.`,
          yaml: toYaml(gatewayWithoutHosts(loser.gm.gateway, loser.server.index, [loser.raw])),
          notes: ['Alternative: merge both Gateways into one, listing every host once; or move one host to another port or gateway deployment.'],
        };
        const alsoDown = model.hostsSharingListener(s).filter((x) => norm(x) !== norm(h.host));
        const nsHidden = exact.some((e) => e.raw !== h.raw);
        // one conflict, whichever of its Gateways reports it: the same host, port and Gateways
        const cause = { same: JSON.stringify([norm(h.host), s.port, [refName(gm.ref), ...exact.map((e) => refName(e.gm.ref))].sort()]), primary: self };
        out.push(
          withCause(findingFor(gatewayConfigCodes, 'ITLS403', {
            resource: gm.ref,
            host: h.host,
            port: s.port,
            message:
              `Host ${h.host} on port ${s.port} is also served by ${listWords(others)} on the same gateway pods; only one server can own it` +
              (self ? ` (this one is kept, the other is dropped).` : ` and istiod keeps ${winner.gm.ref.name}'s, so this server is ignored for it.`) +
              (nsHidden ? ` The namespace prefixes differ, which hides the duplicate from istioctl analyze but not from Envoy, which can reject the whole listener${alsoDown.length ? ` (also down: ${listWords(alsoDown)})` : ''}.` : ''),
            evidence: { host: h.raw, port: s.port, conflictingWith: others, keptBy: `${refName(winner.gm.ref)}` },
            remediation,
          }), cause),
        );
      } else if (wildcard.length) {
        const others = wildcard.map((e) => `${refName(e.gm.ref)} (${e.raw})`);
        out.push(
          findingFor(gatewayConfigCodes, 'ITLS403', {
            severity: 'warning',
            resource: gm.ref,
            host: h.host,
            port: s.port,
            message:
              `Host ${h.host} on port ${s.port} overlaps ${listWords(others)} on the same gateway pods. Envoy picks the most specific name: ` +
              `each client gets one Gateway's certificate and routes depending on the exact name it asks for. Lowered to a warning: this works when intended.`,
            evidence: { host: h.raw, port: s.port, overlapsWith: others },
            remediation: {
              summary: `If one Gateway should own every name under ${h.host}, remove the overlapping host from the other; otherwise make sure each serves its names with a certificate that covers them.`,
            },
          }),
        );
      }
    }
  }
  return out;
}

/** How two servers' certificates are known to be the same one: by Secret, by file, or by the leaf itself. */
function certificateIdentity(model: Model, gm: GatewayModel, s: ServerModel): { key: string; label: string } | undefined {
  if (!terminatesTls(s.server)) return undefined;
  const ns = gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '';
  if (s.credentialNames.length) {
    const cred = model.credential(s.credentialNames[0], ns);
    const leaf = cred.decoded?.certificates?.[0];
    if (leaf?.fingerprint256) return { key: `cert:${leaf.fingerprint256}`, label: `certificate ${leaf.fingerprint256.slice(0, 23)}… (credential ${cred.namespace}/${cred.name})` };
    return { key: `secret:${cred.namespace}/${cred.name}`, label: `credential ${cred.namespace}/${cred.name}` };
  }
  const file = s.server.tls?.serverCertificate ?? s.server.tls?.tlsCertificates?.[0]?.serverCertificate;
  if (file) return { key: `file:${file}`, label: `file ${file}` };
  return undefined;
}

interface ShareMember {
  gm: GatewayModel;
  server: ServerModel;
  id: { key: string; label: string };
  credential?: string;
}

/**
 * ITLS404, one finding per sharing group: the servers of one listener (same gateway pods, same listen port)
 * grouped by certificate identity; a group with two or more different host sets is one cause. Cost: one
 * identity per server and one map insertion, O(servers × hosts) in all.
 */
function check404(model: Model): Finding[] {
  const out: Finding[] = [];
  const inScope = new Set(model.gateways);
  const seenListeners = new Set<ServerModel[]>();
  for (const gm of model.gateways) {
    for (const s0 of gm.servers) {
      const listener = model.serversOnListener(gm, s0.port);
      if (seenListeners.has(listener)) continue;
      seenListeners.add(listener);
      const groups = new Map<string, ShareMember[]>();
      for (const t of listener) {
        const n = model.gatewayModel(t.gateway)!;
        const id = certificateIdentity(model, n, t);
        if (!id) continue;
        const member: ShareMember = { gm: n, server: t, id, credential: credentialOf(model, n, t) };
        const list = groups.get(id.key);
        if (list) list.push(member);
        else groups.set(id.key, [member]);
      }
      for (const members of groups.values()) {
        if (members.length < 2) continue;
        const hostSets = new Set(members.map((m) => m.server.hosts.map((h) => norm(h.host)).sort().join(',')));
        if (hostSets.size < 2) continue;
        const group = [...members].sort((a, b) => precedence(a.gm, b.gm) || a.server.index - b.server.index);
        const primary = group.find((m) => inScope.has(m.gm));
        if (!primary) continue;
        const wire = onTheWire(model, group);
        if (wire?.alpn === 'no-h2') continue; // the live probe saw no HTTP/2 there: no connection is reused across hosts
        const f = sharingFinding(model, group, primary);
        if (wire) {
          f.evidence.onTheWire = { alpn: 'h2', hosts: wire.hosts, certificateSha256: wire.sha256 };
          f.message += ` The live probe confirms it: ${listWords(wire.hosts, 4)} negotiate HTTP/2 (ALPN h2) with the same certificate.`;
        }
        out.push(f);
      }
    }
  }
  return out;
}

/**
 * What the live probe saw for a sharing group's hosts: two or more of them served the same certificate
 * with ALPN h2 (the 404 risk confirmed), or all of them without h2 (no HTTP/2, no reuse across hosts).
 * Undefined when the probe did not run or saw fewer than two of them.
 */
function onTheWire(model: Model, group: ShareMember[]): { alpn: 'h2' | 'no-h2'; hosts: string[]; sha256: string } | undefined {
  const probe = model.snapshot.probe;
  if (probe?.state !== 'done') return undefined;
  const wanted = new Map<string, string>();
  for (const m of group) {
    const port = model.listenPort(m.gm, m.server.port);
    for (const h of m.server.hosts) wanted.set(`${port}|${norm(h.host)}`, h.host);
  }
  const bySha = new Map<string, { h2: string[]; other: string[] }>();
  for (const h of probe.handshakes) {
    if (h.outcome !== 'handshake' || !h.sni || !h.leafSha256) continue;
    const host = wanted.get(`${h.port}|${h.sni}`);
    if (!host) continue;
    const e = bySha.get(h.leafSha256) ?? { h2: [], other: [] };
    (h.alpn === 'h2' ? e.h2 : e.other).push(host);
    bySha.set(h.leafSha256, e);
  }
  for (const [sha256, e] of bySha) if (new Set(e.h2).size >= 2) return { alpn: 'h2', hosts: [...new Set(e.h2)].sort(), sha256 };
  for (const [sha256, e] of bySha) if (e.h2.length === 0 && new Set(e.other).size >= 2) return { alpn: 'no-h2', hosts: [...new Set(e.other)].sort(), sha256 };
  return undefined;
}

function credentialOf(model: Model, gm: GatewayModel, s: ServerModel): string | undefined {
  if (!s.credentialNames.length) return undefined;
  const cred = model.credential(s.credentialNames[0], gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '');
  return `${cred.namespace}/${cred.name}`;
}

/** The merged Gateway and what is left of the others: one server for every host, on the Gateway istiod ranks first. */
function mergeFix(model: Model, group: ShareMember[]): { docs: object[]; emptied: GatewayModel[]; allHosts: string[] } {
  const keeper = group[0];
  const allHosts = [...new Set(group.flatMap((x) => x.server.hosts.map((h) => h.raw)))];
  const merged = editableGateway(keeper.gm.gateway);
  merged.spec.servers![keeper.server.index].hosts = allHosts;
  const sameGateway = group.filter((x) => x.gm === keeper.gm && x.server !== keeper.server).map((x) => x.server.index).sort((a, b) => b - a);
  for (const i of sameGateway) merged.spec.servers!.splice(i, 1);
  const docs: object[] = [merged];
  const others = [...new Set(group.filter((x) => x.gm !== keeper.gm).map((x) => x.gm))];
  const inGroup = new Set(group.map((x) => x.server));
  for (const other of others) {
    const g = editableGateway(other.gateway);
    const drop = group.filter((x) => x.gm === other).map((x) => x.server.index).sort((a, b) => b - a);
    for (const i of drop) g.spec.servers!.splice(i, 1);
    if (g.spec.servers!.length) docs.push(g);
  }
  const emptied = others.filter((o) => o.servers.every((sv) => inGroup.has(sv)));
  // their VirtualServices follow the hosts to the keeper (none left bound to a deleted Gateway: ITLS501)
  docs.push(...rebindToKeeper(model, keeper.gm, others.map((o) => ({ gm: o, hosts: group.filter((x) => x.gm === o).flatMap((x) => x.server.hosts), emptied: emptied.includes(o), remaining: o.servers.filter((sv) => !inGroup.has(sv)).flatMap((sv) => sv.hosts) }))));
  return { docs, emptied, allHosts };
}

function sharingFinding(model: Model, group: ShareMember[], primary: ShareMember): Finding {
  const keeper = group[0];
  const port = primary.server.port;
  const hosts = primary.server.hosts.map((h) => h.host);
  const allHosts = [...new Set(group.flatMap((x) => x.server.hosts.map((h) => h.host)))];
  const otherHosts = allHosts.filter((h) => !hosts.includes(h));
  const gateways = [...new Set(group.map((x) => refName(x.gm.ref)))];
  const otherGateways = gateways.filter((g) => g !== refName(primary.gm.ref));
  const credentials = [...new Set(group.map((x) => x.credential).filter((c): c is string => !!c))];
  // the certificate is the cause; which Secret holds it is detail (2,000 Secrets may hold one wildcard)
  const label = primary.id.key.startsWith('cert:') ? primary.id.label.replace(/ \(credential [^)]*\)$/, '') : primary.id.label;
  const places: Place[] = [];
  for (const m of group) {
    for (const h of m.server.hosts) {
      if (m === primary && h === primary.server.hosts[0]) continue;
      places.push({ resource: m.gm.ref, host: h.host, port: m.server.port });
    }
  }
  const fix = mergeFix(model, group);
  const servers = group.length;
  return findingFor(gatewayConfigCodes, 'ITLS404', {
    resource: primary.gm.ref,
    host: hosts[0],
    port,
    message:
      `${servers} servers on port ${port} of the same gateway pods share the ${label}` +
      `${credentials.length > 1 ? ` (${credentials.length} Secrets)` : ''} for different hosts: ` +
      `browsers reuse one HTTP/2 connection for all of them and get 404 for the hosts routed by another server.`,
    evidence: {
      certificate: label,
      hosts,
      sharedWith: otherHosts,
      gateways: otherGateways,
      servers,
      allGateways: gateways,
      allHosts,
      ...(credentials.length ? { credentials } : {}),
    },
    places,
    // one cause, one fix: the merge covers the whole group
    remediation: {
      summary:
        `Recommended: serve all ${fix.allHosts.length} hosts from one server on ${keeper.gm.ref.name} (one route table, so reused connections still find their route), ` +
        `and bind their VirtualServices to ${refName(keeper.gm.ref)}.`,
      yaml: toYaml(...fix.docs),
      commands: fix.emptied.map((o) => `kubectl delete gateways.networking.istio.io ${o.ref.name} -n ${o.ref.namespace ?? 'default'}   # all its servers moved to ${keeper.gm.ref.name}`),
      notes: ['Alternative: give each server its own certificate covering only its hosts; browsers then open separate connections.'],
    },
  });
}

function check405(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  const bound = model.virtualServicesFor(gm.gateway);
  for (const s of gm.servers) {
    if (s.mode !== 'PASSTHROUGH') continue;
    for (const h of s.hosts) {
      const binding = bound.filter((vs) => vsBindsToGatewayHost(vs, h, gm.ref.namespace));
      const routed = binding.some((vs) =>
        (vs.spec?.tls ?? []).some((r) =>
          (r.match ?? []).some((m) => (m.port === undefined || m.port === s.port) && (m.sniHosts ?? []).some((sni) => hostMatches(h.host, sni) || hostMatches(sni, h.host))),
        ),
      );
      if (routed) continue;
      const httpOnly = binding.filter((vs) => (vs.spec?.http ?? []).length > 0).map((vs) => `${refName(vs.metadata)}`);
      const vsNs = gm.ref.namespace ?? 'default';
      const skeleton = virtualServiceSkeleton({
        name: `${h.host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}-passthrough`,
        namespace: vsNs,
        host: h.host,
        gatewayRef: `${gm.ref.namespace ?? vsNs}/${gm.ref.name}`,
        kind: 'tls',
        port: s.port,
      });
      out.push(
        findingFor(gatewayConfigCodes, 'ITLS405', {
          resource: gm.ref,
          host: h.host,
          port: s.port,
          message:
            `PASSTHROUGH server ${s.port} of Gateway ${gm.ref.name} has no VirtualService tls route with sniHosts for ${h.host}: connections are closed.` +
            (httpOnly.length ? ` ${listWords(httpOnly)} bind${httpOnly.length === 1 ? 's' : ''} it with http routes, which a passthrough server ignores.` : ''),
          evidence: { mode: 'PASSTHROUGH', host: h.raw, boundVirtualServices: binding.map((vs) => `${refName(vs.metadata)}`) },
          remediation: {
            summary: `Route ${h.host} by SNI with a tls route (fill in the backend Service that terminates TLS itself).`,
            yaml: toYaml(skeleton),
          },
        }),
      );
    }
  }
  return out;
}

function check406(gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  for (const s of gm.servers) {
    const issues: string[] = [];
    const name = (s.server.port?.name ?? '').toLowerCase();
    const tls = s.server.tls;
    let fixed: Gateway | undefined;
    const edit = (f: (server: GatewayServer) => void) => {
      fixed = gatewayWithServerEdit(fixed ?? gm.gateway, s.index, f);
    };
    if (name && /^http(?!s)(-|$|2)/.test(name) && (s.protocol === 'HTTPS' || s.protocol === 'TLS')) {
      issues.push(`port name ${s.server.port.name} says plain HTTP, protocol is ${s.protocol}`);
      edit((sv) => (sv.port.name = `${s.protocol.toLowerCase()}-${s.port}`));
    } else if (name && /^(https|tls)(-|$)/.test(name) && s.protocol === 'HTTP') {
      issues.push(`port name ${s.server.port.name} says TLS, protocol is HTTP`);
      edit((sv) => (sv.port.name = `http-${s.port}`));
    }
    if (tls && (s.mode === 'PASSTHROUGH' || s.mode === 'AUTO_PASSTHROUGH') && isTlsServer(s.server)) {
      const ignored = (['credentialName', 'credentialNames', 'serverCertificate', 'privateKey', 'caCertificates', 'tlsCertificates'] as const).filter((k) => tls[k] !== undefined);
      if (ignored.length) {
        issues.push(`${s.mode} does not use certificates; ${ignored.join(', ')} ignored`);
        edit((sv) => ignored.forEach((k) => delete sv.tls![k]));
      }
    }
    if (tls && s.protocol === 'HTTP') {
      const ignored = Object.keys(tls).filter((k) => k !== 'httpsRedirect');
      if (ignored.length) {
        issues.push(`plain HTTP server with tls options ${ignored.join(', ')} (only httpsRedirect applies)`);
        edit((sv) => {
          sv.tls = sv.tls?.httpsRedirect ? { httpsRedirect: true } : undefined;
          if (!sv.tls) delete sv.tls;
        });
      }
    }
    if (tls?.httpsRedirect && isTlsServer(s.server)) {
      issues.push('httpsRedirect on an HTTPS/TLS server has no meaning');
      edit((sv) => delete sv.tls!.httpsRedirect);
    }
    if (tls && tls.credentialName && (tls.serverCertificate || tls.privateKey)) {
      issues.push('both credentialName and certificate files: only one source may be set (credentialName is used)');
      edit((sv) => {
        delete sv.tls!.serverCertificate;
        delete sv.tls!.privateKey;
      });
    }
    if (!issues.length) continue;
    const hosts = s.hosts.map((h) => h.host);
    out.push(
      findingFor(gatewayConfigCodes, 'ITLS406', {
        resource: gm.ref,
        host: hosts[0],
        port: s.port,
        message: `Server ${s.port} of Gateway ${gm.ref.name} (${listWords(hosts)}): ${issues.join('; ')}.`,
        evidence: { issues, portName: s.server.port?.name ?? null, protocol: s.protocol, mode: s.mode ?? null },
        remediation: fixed ? { summary: 'Make the server say what the gateway does.', yaml: toYaml(fixed) } : undefined,
      }),
    );
  }
  return out;
}

function check407(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  for (const s of gm.servers) {
    if (s.protocol !== 'HTTP' || s.server.tls?.httpsRedirect) continue;
    const served = workloadHosts(model, gm, 'served');
    // candidates of every host, back in the workload's order, then the original predicate
    const ordered = served.candidatesOfAll(s.hosts.map((h) => h.host)).map((c) => c.host);
    const exposed = [...new Set(ordered.filter((th) => th !== '*' && s.hosts.some((h) => hostMatches(h.host, th) || hostMatches(th, h.host))))];
    if (!exposed.length) continue;
    out.push(
      findingFor(gatewayConfigCodes, 'ITLS407', {
        resource: gm.ref,
        host: exposed[0],
        port: s.port,
        message: `${exposed.length > 1 ? 'Hosts' : 'Host'} ${listWords(exposed)} ${exposed.length > 1 ? 'are' : 'is'} served over TLS and also in clear text on port ${s.port} of Gateway ${gm.ref.name}, without a redirect to HTTPS.`,
        evidence: { httpServerHosts: s.hosts.map((h) => h.raw), tlsHosts: exposed },
        remediation: {
          summary: `Redirect port ${s.port} to HTTPS.`,
          yaml: toYaml(gatewayWithServerEdit(gm.gateway, s.index, (sv) => (sv.tls = { ...(sv.tls ?? {}), httpsRedirect: true }))),
          notes: ['If cert-manager solves ACME HTTP-01 challenges through this gateway, route /.well-known/acme-challenge/ before redirecting, or use DNS-01.'],
        },
      }),
    );
  }
  return out;
}

const WEAK_VERSIONS = new Set(['TLSV1_0', 'TLSV1_1']);

/** Weak by today's rules: no forward secrecy (static RSA), CBC with SHA-1 MACs, 3DES/DES, RC4, NULL, MD5, export. */
export function isWeakCipherSuite(suite: string): boolean {
  const s = suite.toUpperCase();
  if (s.startsWith('TLS_AES_') || s.startsWith('TLS_CHACHA20_')) return false;
  if (/(3DES|DES-CBC|RC4|NULL|MD5|EXP|ANON|ADH|AECDH)/.test(s)) return true;
  if (!s.startsWith('ECDHE-') && !s.startsWith('DHE-') && !s.startsWith('[ECDHE-')) return true;
  return /-SHA$/.test(s);
}

function check408(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  for (const s of gm.servers) {
    const tls = s.server.tls;
    if (!tls || !terminatesTls(s.server)) continue;
    const issues: string[] = [];
    const min = (tls.minProtocolVersion ?? '').toUpperCase();
    if (WEAK_VERSIONS.has(min)) {
      issues.push(`minProtocolVersion ${min} allows TLS below 1.2` + (tls.cipherSuites?.length ? '' : ' (and without cipherSuites it has no effect: Envoy has no legacy suites by default)'));
    }
    const weak = (tls.cipherSuites ?? []).filter(isWeakCipherSuite);
    if (weak.length) issues.push(`weak cipher suites: ${weak.join(', ')}`);
    if (tls.cipherSuites?.length && s.credentialNames.length) {
      const ns = gm.workloadNamespaces[0] ?? gm.ref.namespace ?? '';
      const leaf = model.credential(s.credentialNames[0], ns).decoded?.certificates?.[0];
      const ecdsaSuites = tls.cipherSuites.filter((c) => /ECDSA/i.test(c) || /^TLS_/i.test(c));
      if (leaf?.publicKey?.type === 'ec' && ecdsaSuites.length === 0) {
        issues.push(`the certificate has an ECDSA key and no configured suite uses ECDSA: TLS 1.2 handshakes fail`);
      }
    }
    if (!issues.length) continue;
    const hosts = s.hosts.map((h) => h.host);
    const fixed = gatewayWithServerEdit(gm.gateway, s.index, (sv) => {
      if (WEAK_VERSIONS.has(min)) sv.tls!.minProtocolVersion = 'TLSV1_2';
      delete sv.tls!.cipherSuites; // Envoy's defaults are strong and match both RSA and ECDSA keys
    });
    out.push(
      findingFor(gatewayConfigCodes, 'ITLS408', {
        resource: gm.ref,
        host: hosts[0],
        port: s.port,
        message: `Server ${s.port} of Gateway ${gm.ref.name} (${listWords(hosts)}): ${issues.join('; ')}.`,
        evidence: { minProtocolVersion: tls.minProtocolVersion ?? null, cipherSuites: tls.cipherSuites ?? [], issues },
        remediation: {
          summary: 'Require TLS 1.2 or newer and let Envoy choose its default suites (strong, for RSA and ECDSA keys).',
          yaml: toYaml(fixed),
        },
      }),
    );
  }
  return out;
}

export const gatewayConfigCheck: CheckModule = {
  id: 'gateway-config',
  codes: gatewayConfigCodes,
  reads: ['gateways', 'pods', 'virtualServices', 'secrets'],
  run(_snapshot, _options, model) {
    const out: Finding[] = [];
    for (const gm of model.gateways) {
      out.push(...check401(model, gm), ...check402(model, gm), ...check403(model, gm));
      out.push(...check405(model, gm), ...check406(gm), ...check407(model, gm), ...check408(model, gm));
    }
    out.push(...check404(model));
    return out;
  },
};
