// The one row path of `status`: what every row (an Istio Gateway server host or a Gateway API listener
// hostname) computes the same way — the findings about it (looked up, never scanned), the certificate
// columns, the chain verdict once per bundle, and the overall verdict, unknown when a read it needs failed.
import type { CertFacts } from '../tls/types.js';
import { matchHost, privateRootOf, validateChain } from '../tls/index.js';
import { SEVERITY_RANK, type Finding, type Place, type ResourceRef, type Severity } from '../findings/types.js';
import type { Check, HostRow, InventoryOptions, Verdict } from './types.js';

const DAY_MS = 86_400_000;

export function sameRef(a: ResourceRef, b: ResourceRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

/** Findings indexed once per run (issue 10: no scan of every finding per host): by host, primary place or one of its `places`. */
export interface FindingIndex {
  /** host → findings whose primary place names it */
  byHost: Map<string, Finding[]>;
  /** host → (finding, place) for each of a finding's `places` that names it */
  byPlaceHost: Map<string, { finding: Finding; place: Place }[]>;
  /** gateway ref → findings without a host about it */
  gatewayWide: Map<string, Finding[]>;
}

function refKey(r: ResourceRef): string {
  return `${r.kind}\u0000${r.namespace ?? ''}\u0000${r.name}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function indexFindings(findings: Finding[]): FindingIndex {
  const index: FindingIndex = { byHost: new Map(), byPlaceHost: new Map(), gatewayWide: new Map() };
  for (const f of findings) {
    if (f.host === undefined) push(index.gatewayWide, refKey(f.resource), f);
    else push(index.byHost, f.host, f);
    for (const place of f.places ?? []) if (place.host !== undefined) push(index.byPlaceHost, place.host, { finding: f, place });
  }
  return index;
}

/** A finding is about this host at its primary place or at one of its `places` (one finding per cause); each once, in findings order. */
export function findingsAbout(index: FindingIndex, gateway: ResourceRef, host: string, port: number): Finding[] {
  const about = new Set<Finding>();
  for (const f of index.byHost.get(host) ?? []) if (f.port === undefined || f.port === port) about.add(f);
  for (const { finding, place } of index.byPlaceHost.get(host) ?? []) {
    if ((place.port === undefined || place.port === port) && sameRef(place.resource, gateway)) about.add(finding);
  }
  return [...about];
}

/** Findings about a Gateway as a whole (no host). */
export function gatewayWide(index: FindingIndex, gateway: ResourceRef): Finding[] {
  return index.gatewayWide.get(refKey(gateway))?.filter((f) => sameRef(f.resource, gateway)) ?? [];
}

export function worst(findings: Finding[]): Severity | undefined {
  let w: Severity | undefined;
  for (const f of findings) if (!w || SEVERITY_RANK[f.severity] > SEVERITY_RANK[w]) w = f.severity;
  return w;
}

/** An error seen is an error; anything less is unknown when the verdict needed what was not read. */
export function verdict(decisive: Finding[], blind: string[]): Verdict {
  const w = worst(decisive);
  return w === 'error' ? 'error' : blind.length ? 'unknown' : w === 'warning' ? 'warn' : 'ok';
}

/** The chain verdict of a bundle: once per distinct bundle (name coverage is the `san` column, not the chain). */
export class ChainVerdicts {
  private readonly chains = new Map<string, HostRow['chain']>();

  constructor(private readonly options: InventoryOptions) {}

  of(certificates: CertFacts[], host: string): HostRow['chain'] {
    const { trustStore, now } = this.options;
    const key = certificates.map((c) => c.fingerprint256).join(',');
    let chain = this.chains.get(key);
    if (chain === undefined) {
      const report = validateChain(certificates, { trustStore, now });
      // an engine that builds no path and names no issue has not judged it: "unknown", not "fail"
      chain = report.trusted ? 'ok' : privateRootOf(report) !== undefined ? 'private-root' : report.path.length === 0 && report.issues.length === 0 ? 'unknown' : 'fail';
      this.chains.set(key, chain);
    }
    // only there could the host matter (a name issue is an issue): judge that rare case with the host
    if (chain === 'unknown' && host !== '*') {
      const report = validateChain(certificates, { host, trustStore, now });
      if (report.issues.length > 0) return 'fail';
    }
    return chain;
  }
}

export type CertificateColumns = Pick<HostRow, 'subject' | 'notAfter' | 'expiresInDays' | 'coveredBy' | 'names' | 'san' | 'chain'>;

/** What the served certificate says about one host: subject, expiry, the SAN that covers it, the chain verdict. */
export function certificateColumns(certificates: CertFacts[], host: string, options: InventoryOptions, chains: ChainVerdicts): CertificateColumns {
  const leaf = certificates[0];
  if (!leaf) return { san: 'unknown', chain: 'unknown' };
  // keys in a fixed order: -o json/yaml consumers diff these rows
  const out: Omit<CertificateColumns, 'san' | 'chain'> = { subject: leaf.commonName ?? leaf.subject, notAfter: leaf.notAfter };
  const notAfter = Date.parse(leaf.notAfter);
  if (!Number.isNaN(notAfter)) out.expiresInDays = Math.floor((notAfter - options.now.getTime()) / DAY_MS);
  let san: Check = 'unknown';
  if (host !== '*') {
    const match = matchHost(host, leaf);
    san = match.covered ? 'ok' : 'fail';
    // the SAN entry that covers the host (the SAN column shows it when it is not the host itself)
    if (match.covered && match.matchedBy) out.coveredBy = match.matchedBy;
  }
  out.names = leaf.dnsNames;
  return { ...out, san, chain: chains.of(certificates, host) };
}
