// One finding per cause (docs/finding-model.md). Checks report what they see where they see it; this
// pass folds the findings that share one cause into the finding for that cause:
//   - the same problem of one secret (or certificate file) seen from several Gateways/hosts/ports → one
//     finding, the other places in `places` (declared by the check: sameCredentialProblem);
//   - findings a check declared to be one cause (`same`: e.g. the Gateways of one ITLS403 conflict) → one
//     finding, the others as places;
//   - a finding whose fix alone makes another go away (`resolves`, declared by the check that builds the
//     fix, from the same model) absorbs it: a place, and an `also` line for its consequence. Being on the
//     same Gateway, or naming the same host, absorbs nothing.
// These decisions are typed facts attached to the finding (causeFacts), never read back from its words.
// Findings a check already grouped (ITLS404 per sharing group, with `places`) are kept as they are.
// Linear: every step is a pass over the findings with a Map.
import { SEVERITY_RANK, type EvidenceValue, type Finding, type Place, type ResourceRef } from './types.js';

/** A finding as the merge pass names it: code and place. */
export interface FindingKey {
  code: string;
  resource: ResourceRef;
  host?: string;
  port?: number;
}

/** What the check that made a finding decided about its cause (typed; not part of the printed finding). */
export interface CauseFacts {
  /** findings with the same `same` key are one cause (the first one reported keeps it) */
  same?: string;
  /** the findings this finding's fix alone makes go away */
  resolves?: FindingKey[];
  /** within its `same` group, this one goes first (becomes the primary place): e.g. the Gateway istiod keeps */
  primary?: boolean;
  /** the sentence this finding becomes when a cause absorbs it (default: its message) */
  asConsequence?: string;
}

const facts = new WeakMap<Finding, CauseFacts>();

/** Attach cause facts to a finding (merged with any it has); returns the finding. */
export function withCause<F extends Finding>(f: F, c: CauseFacts): F {
  const have = facts.get(f);
  facts.set(f, { ...have, ...c, ...(have?.resolves && c.resolves ? { resolves: [...have.resolves, ...c.resolves] } : {}) });
  return f;
}

export function causeFacts(f: Finding): CauseFacts | undefined {
  return facts.get(f);
}

export function findingKey(k: FindingKey): string {
  return JSON.stringify([k.code, refKey(k.resource), k.host?.toLowerCase() ?? null, k.port ?? null]);
}

function refKey(r: ResourceRef): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

function refName(r: ResourceRef): string {
  return `${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** The primary place of a finding: its resource, host and port. */
export function placeOf(f: Finding): Place {
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

/**
 * The same problem of one credential (a Secret, or a certificate file) seen from several Gateways, hosts or
 * ports is one cause: declared by the check with typed data, never with its words. `problem` is what the
 * check knows identifies the problem in that credential (the issue's field, cause and evidence; the host
 * only for a problem of that host, such as a name the certificate lacks). The credential is read from the
 * finding's typed evidence (`secret`, else `source`, else `certificateFile`).
 */
export function sameCredentialProblem<F extends Finding>(f: F, problem: unknown): F {
  if (f.places?.length) return f; // grouped by its check already
  const source = f.evidence.secret ?? f.evidence.source ?? f.evidence.certificateFile;
  if (typeof source !== 'string') return f;
  return withCause(f, { same: JSON.stringify(['credential', f.severity, source, problem]) });
}

/** One cause the check declared (`same`), e.g. the Gateways of one ITLS403 conflict. */
function declaredCause(f: Finding): string | undefined {
  if (f.places?.length) return undefined;
  const same = facts.get(f)?.same;
  return same === undefined ? undefined : JSON.stringify([f.code, same]);
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

/**
 * A finding whose fix alone makes others go away absorbs them: each becomes a place and an `also` line
 * (its consequence sentence), and its own fix is dropped. A finding absorbed already absorbs nothing
 * more; the first finding to claim another keeps it.
 */
function absorbResolved(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const k = findingKey({ code: f.code, resource: f.resource, host: f.host, port: f.port });
    if (!byKey.has(k)) byKey.set(k, f);
  }
  const absorbed = new Set<Finding>();
  for (const f of findings) {
    if (absorbed.has(f)) continue;
    for (const r of facts.get(f)?.resolves ?? []) {
      const other = byKey.get(findingKey(r));
      if (!other || other === f || absorbed.has(other)) continue;
      absorbed.add(other);
      absorb(f, other);
      const line = facts.get(other)?.asConsequence ?? other.message;
      if (!(f.also ?? []).includes(line)) (f.also ??= []).push(line);
    }
  }
  return absorbed.size ? findings.filter((f) => !absorbed.has(f)) : findings;
}

/** The finding a check marked primary in its cause (ITLS403: the Gateway istiod keeps) goes first, so it becomes the primary place. */
function keptFirst(findings: Finding[]): Finding[] {
  const kept = (f: Finding) => facts.get(f)?.primary === true;
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
    if ((f.code !== 'ITLS602' && f.code !== 'ITLS604') || typeof f.evidence.secret !== 'string') continue;
    for (const pod of strings(f.evidence.pods)) wire.set(JSON.stringify([refKey(f.resource), f.evidence.secret, pod]), f);
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
  let out = mergeBy(keptFirst(findings), declaredCause);
  out = absorbResolved(out);
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
