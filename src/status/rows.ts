// The `status` rows: one per TLS host a Gateway serves, with what its certificate says and the
// worst finding about it. Computed from the Model, the findings and the tls facade; the report only
// renders it. Every field degrades to "unknown" when the data (or the certificate engine) is missing.
import type { CertFacts } from '../tls/types.js';
import { parseCertificates } from '../tls/index.js';
import { hostsOverlap, mountedSecretFor, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import type { Finding, ResourceRef } from '../findings/types.js';
import { servedMatches } from '../model/envoy.js';
import { istioSubject, servedOnWire } from '../model/probe.js';
import { blindText, hostBlindness, visible } from '../model/visibility.js';
import { ChainVerdicts, certificateColumns, findingsAbout, gatewayWide, indexFindings, verdict, type FindingIndex } from './row.js';
import { kubernetesHostRows } from './gateway-api.js';
import type { HostRow, InventoryOptions } from './types.js';

/** The server certificate bundle a host is served with, and where it came from. */
function servedBundle(model: Model, gm: GatewayModel, server: ServerModel): { credential: string; certificates: CertFacts[] } {
  const workloadNamespace = gm.workloadNamespaces[0];
  const credentialName = server.credentialNames[0];
  if (credentialName) {
    if (!workloadNamespace) {
      const why = visible(model.snapshot, 'pods') ? 'no gateway pod' : 'gateway pods unreadable';
      return { credential: `secret ${credentialName} (${why})`, certificates: [] };
    }
    const resolution = model.credential(credentialName, workloadNamespace);
    const label = `secret ${resolution.namespace}/${resolution.name}`;
    // a secret not in the snapshot is missing only if secrets of its namespace could be read
    const absent = visible(model.snapshot, 'secrets', resolution.namespace) ? 'missing' : 'unreadable';
    return { credential: resolution.secret ? label : `${label} (${absent})`, certificates: resolution.decoded?.certificates ?? [] };
  }
  const certPath = server.filePaths.find((p) => p.field === 'serverCertificate' || p.field.endsWith('.serverCertificate'))?.path;
  if (certPath) {
    const credential = `file ${certPath}`;
    if (gm.pods.length === 0) return { credential: `${credential} (no gateway pod)`, certificates: [] };
    // live: what exec read inside the pod wins; otherwise the secret the path is mounted from
    for (const pod of gm.pods) {
      const inspection = model.snapshot.inspections.find((i) => i.namespace === pod.metadata.namespace && i.pod === pod.metadata.name);
      const read = inspection?.files.find((f) => f.path === certPath && f.exists && f.content);
      if (read?.content) return { credential, certificates: parseCertificates(read.content).certificates };
    }
    for (const pod of gm.pods) {
      const mounted = mountedSecretFor(pod, certPath);
      if (!mounted) continue;
      const secret = model.secret(pod.metadata.namespace ?? '', mounted.secretName);
      const b64 = secret?.data?.[mounted.key];
      if (b64) return { credential, certificates: parseCertificates(Buffer.from(b64, 'base64').toString('utf8')).certificates };
    }
    return { credential: `${credential} (not mounted)`, certificates: [] };
  }
  return { credential: '-', certificates: [] };
}

export function buildInventory(model: Model, findings: Finding[], options: InventoryOptions): HostRow[] {
  const rows: HostRow[] = [];
  const index = indexFindings(findings);
  const chains = new ChainVerdicts(options);
  for (const gm of model.gateways) {
    const wide = gatewayWide(index, gm.ref);
    for (const server of gm.servers) {
      if (server.protocol !== 'HTTPS' && server.protocol !== 'TLS') continue;
      const terminates = server.mode === 'SIMPLE' || server.mode === 'MUTUAL' || server.mode === 'OPTIONAL_MUTUAL';
      const bundle = terminates ? servedBundle(model, gm, server) : { credential: '-', certificates: [] };
      // what a client got on the wire (the live probe) and what Envoy's admin API says it loaded: 'no' when
      // either saw another certificate, 'yes' when one saw the Secret's and none another, else unknown
      const subject = terminates ? istioSubject(model, gm, server) : undefined;
      const admin = terminates ? servedMatches(model.snapshot, model, gm, server) : 'unknown';
      for (const h of server.hosts) {
        const views = subject ? [servedOnWire(model, subject, h.host), admin] : [];
        const served = views.includes('no') ? 'no' : views.includes('yes') ? 'yes' : 'unknown';
        const decisive = [...findingsAbout(index, gm.ref, h.host, server.port), ...wide].filter((f) => f.severity !== 'info');
        const blind = hostBlindness(model, gm, server, h).map(blindText);
        // keys in a fixed order: -o json/yaml consumers diff these rows
        const row: HostRow = {
          gateway: gm.ref,
          host: h.host,
          ...(h.raw !== h.host ? { hostAsWritten: h.raw } : {}),
          port: server.port,
          protocol: server.protocol,
          mode: server.mode ?? (server.server.tls ? 'SIMPLE' : 'none'),
          credential: bundle.credential,
          ...certificateColumns(bundle.certificates, h.host, options, chains),
          served,
          overall: verdict(decisive, blind),
          codes: [...new Set(decisive.map((f) => f.code))].sort(),
        };
        if (blind.length) row.unknown = blind;
        rows.push(row);
      }
    }
  }
  rows.push(...plainHttpRows(model, index));
  // Gateway-API listeners: the same rows, by the same row path (gateway-api.ts, row.ts)
  rows.push(...kubernetesHostRows(model, index, options, chains));
  rows.sort(
    (a, b) =>
      a.host.localeCompare(b.host) ||
      a.port - b.port ||
      (a.gateway.namespace ?? '').localeCompare(b.gateway.namespace ?? '') ||
      a.gateway.name.localeCompare(b.gateway.name),
  );
  return rows;
}

/** Hosts a snapshot serves over TLS and the doctor could judge (for "N TLS hosts checked"): unknown rows and plain-HTTP rows are not checked. */
export function countTlsHosts(rows: HostRow[]): number {
  return new Set(rows.filter((r) => r.overall !== 'unknown' && r.plainHttp === undefined).map((r) => r.host)).size;
}

/** TLS hosts of a set of Gateways (the peers on one workload), for lookup: exact names, and wildcards by suffix. */
interface TlsHostIndex {
  exact: Set<string>;
  wildcards: string[];
}

function tlsHostIndex(peers: GatewayModel[]): TlsHostIndex {
  const index: TlsHostIndex = { exact: new Set(), wildcards: [] };
  for (const p of peers) {
    for (const s of p.servers) {
      if (s.protocol !== 'HTTPS' && s.protocol !== 'TLS') continue;
      for (const h of s.hosts) {
        const host = h.host.toLowerCase();
        index.exact.add(host);
        if (host.startsWith('*')) index.wildcards.push(host);
      }
    }
  }
  return index;
}

/** Does some TLS host of the workload serve (overlap) this plain-HTTP host? Lookups, not a scan, except for a wildcard HTTP host. */
function servedOverTls(index: TlsHostIndex, rawHost: string): boolean {
  const host = rawHost.toLowerCase();
  if (index.exact.has(host) || index.exact.has('*')) return true;
  if (host === '*') return index.exact.size > 0;
  if (host.startsWith('*.')) return [...index.exact].some((t) => hostsOverlap(t, host));
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) if (index.exact.has(`*${host.slice(dot)}`)) return true;
  return false;
}

/**
 * Hosts a Gateway serves only on plain HTTP (no HTTPS/TLS server of its gateway pods serves them): a row
 * each, marked, so a host whose redirect leads nowhere (ITLS402) is in the table with its error.
 */
function plainHttpRows(model: Model, index: FindingIndex): HostRow[] {
  const rows: HostRow[] = [];
  // Gateways of one deployment share one peer array: one host index per array
  const byPeers = new Map<GatewayModel[], TlsHostIndex>();
  for (const gm of model.gateways) {
    const wide = gatewayWide(index, gm.ref);
    for (const server of gm.servers) {
      if (server.protocol !== 'HTTP') continue;
      const peers = model.gatewaysOnWorkload(gm);
      let tls = byPeers.get(peers);
      if (!tls) byPeers.set(peers, (tls = tlsHostIndex(peers)));
      const redirect = server.server.tls?.httpsRedirect === true;
      for (const h of server.hosts) {
        if (servedOverTls(tls, h.host)) continue;
        const decisive = [...findingsAbout(index, gm.ref, h.host, server.port), ...wide].filter((f) => f.severity !== 'info');
        rows.push({
          gateway: gm.ref,
          host: h.host,
          ...(h.raw !== h.host ? { hostAsWritten: h.raw } : {}),
          port: server.port,
          protocol: server.protocol,
          mode: 'none',
          credential: '-',
          san: 'unknown',
          chain: 'unknown',
          served: 'unknown',
          plainHttp: redirect ? 'redirect-only' : 'http-only',
          overall: verdict(decisive, []),
          codes: [...new Set(decisive.map((f) => f.code))].sort(),
        });
      }
    }
  }
  return rows;
}

/**
 * A run limited to one namespace (-n) judges the Gateways of that namespace; Gateways of other
 * namespaces whose gateway pods run in it (or share pods with its Gateways) are left out. Named so the
 * report can say so, and how to include them (-A).
 */
export function gatewaysLeftOut(model: Model, namespace: string | undefined): ResourceRef[] {
  if (!namespace) return [];
  const inScope = new Set(model.gateways);
  const peersSeen = new Set<GatewayModel[]>();
  const left = new Set<GatewayModel>();
  for (const gm of model.allGateways) {
    if (inScope.has(gm)) {
      const peers = model.gatewaysOnWorkload(gm);
      if (peersSeen.has(peers)) continue;
      peersSeen.add(peers);
      for (const p of peers) if (!inScope.has(p)) left.add(p);
    } else if (gm.workloadNamespaces.includes(namespace)) left.add(gm);
  }
  return [...left].map((gm) => gm.ref).sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
}


