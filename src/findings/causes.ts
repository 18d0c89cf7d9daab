// One finding per cause (docs/finding-model.md). Checks report what they see where they see it; this
// pass folds the findings that share one cause into the finding for that cause:
//   - the same problem of one secret (or certificate file) seen from several Gateways/hosts/ports → one
//     finding, the other places in `places`;

//   - one host/port claimed by several Gateways (ITLS403) → one finding, both Gateways as places;
//   - a host that gets 404 (ITLS503) because its VirtualService names a Gateway that does not exist
//     (ITLS501) or is bound to a Gateway that does not serve it (ITLS502) → an `also` line (and a
//     place) on the cause; its own, conflicting fix is dropped.
// Findings a check already grouped (ITLS404 per sharing group, with `places`) are kept as they are.
// Linear: every step is a pass over the findings with a Map.
import { SEVERITY_RANK, type EvidenceValue, type Finding, type Place, type ResourceRef } from './types.js';

function refKey(r: ResourceRef): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

function refName(r: ResourceRef): string {
  return `${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function placeOf(f: Finding): Place {
  const p: Place = { resource: f.resource };
  if (f.host !== undefined) p.host = f.host;
  if (f.port !== undefined) p.port = f.port;
  return p;
}

function placeKey(p: Place): string {
  return JSON.stringify([refKey(p.resource), p.host ?? null, p.port ?? null]);
}

/** Add places (and consequences) of `other` to `into`, without repeating the primary place or a listed one. */
function absorb(into: Finding, other: Finding, asPlace = true): void {
  const seen = new Set([placeKey(placeOf(into)), ...(into.places ?? []).map(placeKey)]);
  const add = (p: Place) => {
    const k = placeKey(p);
    if (seen.has(k)) return;
    seen.add(k);
    (into.places ??= []).push(p);
  };
  if (asPlace) add(placeOf(other));
  for (const p of other.places ?? []) add(p);
  for (const line of other.also ?? []) if (!(into.also ?? []).includes(line)) (into.also ??= []).push(line);
  if (SEVERITY_RANK[other.severity] > SEVERITY_RANK[into.severity]) into.severity = other.severity;
}

function strings(v: EvidenceValue | undefined): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Codes about a credential or its certificate: the same code and words for one secret is one cause. */
function credentialCause(f: Finding): string | undefined {
  if (f.places?.length) return undefined; // grouped by its check already
  if (!/^ITLS(20[1-5]|3\d\d)$/.test(f.code)) return undefined;
  const source = f.evidence.secret ?? f.evidence.source ?? f.evidence.certificateFile;
  if (typeof source !== 'string') return undefined;
  // the host is in the words of host-specific findings (ITLS304/305), so different hosts stay apart
  return JSON.stringify([f.code, f.severity, source, f.message]);
}

/** ITLS403: the Gateways that claim one host and port, whichever of them reported it. */
function conflictCause(f: Finding): string | undefined {
  if (f.code !== 'ITLS403' || f.places?.length) return undefined;
  // conflictingWith reads "namespace/name (hosts as written)"
  const gateways = [refName(f.resource), ...strings(f.evidence.conflictingWith).map((g) => g.replace(/\s*\(.*\)$/, ''))].sort();
  return JSON.stringify([f.code, f.host ?? null, f.port ?? null, gateways]);
}

function mergeBy(findings: Finding[], causeOf: (f: Finding) => string | undefined): Finding[] {
  const first = new Map<string, Finding>();
  const out: Finding[] = [];
  for (const f of findings) {
    const cause = causeOf(f);
    const into = cause === undefined ? undefined : first.get(cause);
    if (into) {
      absorb(into, f);
      continue;
    }
    if (cause !== undefined) first.set(cause, f);
    out.push(f);
  }
  return out;
}

/** The 404 sentence an ITLS503 becomes when it is the consequence of a routing cause. */
function notFoundLine(f: Finding): string {
  return `${f.host ?? 'The host'} on Gateway ${refName(f.resource)}${f.port !== undefined ? ` port ${f.port}` : ''} gets 404: no VirtualService route reaches it.`;
}

/** ITLS503 whose VirtualService is the subject of an ITLS501/ITLS502 → `also` on that finding. */
function foldNotFound(findings: Finding[]): Finding[] {
  const causes = new Map<string, Finding[]>();
  for (const f of findings) {
    if ((f.code !== 'ITLS501' && f.code !== 'ITLS502') || f.resource.kind !== 'VirtualService') continue;
    const k = refName(f.resource);
    causes.set(k, [...(causes.get(k) ?? []), f]);
  }
  if (causes.size === 0) return findings;
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.code === 'ITLS503') {
      const vsNames = [...strings(f.evidence.virtualServicesWithHost), ...strings(f.evidence.boundVirtualServices)];
      const candidates = vsNames.flatMap((n) => causes.get(n) ?? []);
      // a 502 about this very Gateway explains it best, then any 501/502 of a VirtualService naming the host
      const cause = candidates.find((c) => c.code === 'ITLS502' && c.evidence.gateway === refName(f.resource)) ?? candidates[0];
      if (cause) {
        absorb(cause, f);
        const line = notFoundLine(f);
        if (!(cause.also ?? []).includes(line)) (cause.also ??= []).push(line);
        continue;
      }
    }
    out.push(f);
  }
  return out;
}

/** ITLS403: the finding of the Gateway istiod keeps goes first, so it becomes the primary place. */
function keptFirst(findings: Finding[]): Finding[] {
  const kept = (f: Finding) => f.code === 'ITLS403' && f.evidence.keptBy === refName(f.resource);
  return [...findings.filter(kept), ...findings.filter((f) => !kept(f))];
}

/**
 * ITLS210 (what Envoy's admin API says it loaded) and ITLS602/ITLS604 (what the live probe was served)
 * about the same credential Secret of the same Gateway, on a pod the probe used: one cause seen twice.
 * The wire finding is kept (it is what clients get); the admin view becomes an `also` line.
 */
function foldAdminIntoWire(findings: Finding[]): Finding[] {
  const wire = new Map<string, Finding>();
  for (const f of findings) {
    if ((f.code !== 'ITLS602' && f.code !== 'ITLS604') || typeof f.evidence.secret !== 'string' || typeof f.evidence.pod !== 'string') continue;
    wire.set(JSON.stringify([refKey(f.resource), f.evidence.secret, f.evidence.pod]), f);
  }
  if (wire.size === 0) return findings;
  return findings.filter((f) => {
    if (f.code !== 'ITLS210' || typeof f.evidence.secret !== 'string') return true;
    const into = strings(f.evidence.pods)
      .map((pod) => wire.get(JSON.stringify([refKey(f.resource), f.evidence.secret, pod])))
      .find((w) => w !== undefined);
    if (!into) return true;
    absorb(into, f, false);
    const line = `Envoy's admin API on ${strings(f.evidence.pods).join(', ')} reports the same certificate for ${String(f.evidence.credential ?? f.evidence.secret)} (ITLS210).`;
    if (!(into.also ?? []).includes(line)) (into.also ??= []).push(line);
    return false;
  });
}

/** Fold consequence and duplicate findings into their cause. Order of the input is kept for the rest. */
export function mergeCauses(findings: Finding[]): Finding[] {
  let out = mergeBy(findings, credentialCause);
  out = mergeBy(keptFirst(out), conflictCause);
  out = foldNotFound(out);
  out = foldAdminIntoWire(out);
  return out;
}

/** Every host a finding is about: its own and those of its places. */
export function hostsOf(f: Finding): string[] {
  const hosts = new Set<string>();
  if (f.host !== undefined) hosts.add(f.host);
  for (const p of f.places ?? []) if (p.host !== undefined) hosts.add(p.host);
  return [...hosts];
}
