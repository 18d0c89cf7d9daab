// What a proposed change does to the findings (doctor -f DIR --use-kube): the same checks on the live
// cluster alone and on the live cluster with the files in place; a finding of the proposed state that
// the live state already has (same code, same place) was there before and still is; one it lacks is
// introduced by the change; a live finding the proposed state no longer has is fixed by the change.
import { placeOf } from '../findings/causes.js';
import type { Finding, Place } from '../findings/types.js';

export type FindingChange = 'introduced' | 'existing';

/** A place of a finding, with its code: two findings of one code about one place are one problem. */
function keys(f: Finding): string[] {
  const places: Place[] = [placeOf(f), ...(f.places ?? [])];
  return places.map((p) => JSON.stringify([f.code, p.resource.kind, p.resource.namespace ?? '', p.resource.name, p.host ?? null, p.port ?? null]));
}

export interface ChangeComparison {
  /** each finding of the proposed state: introduced, or there before and still there */
  change: Map<Finding, FindingChange>;
  /** live findings the proposed state no longer has: the change fixes them */
  fixed: Finding[];
}

/**
 * Linear: one index per side. A grouped finding (places) is "existing" when any of its places had the
 * same code live, so a cause that merely gains a place is not reported as new (its new places are in it).
 */
export function compareFindings(live: Finding[], proposed: Finding[]): ChangeComparison {
  const before = new Set(live.flatMap(keys));
  const after = new Set(proposed.flatMap(keys));
  const change = new Map<Finding, FindingChange>();
  for (const f of proposed) change.set(f, keys(f).some((k) => before.has(k)) ? 'existing' : 'introduced');
  const fixed = live.filter((f) => !keys(f).some((k) => after.has(k)));
  return { change, fixed };
}
