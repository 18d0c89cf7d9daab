// The code catalog as the CLI, the docs generator and SARIF read it: every CodeSpec the checks declare,
// with the module that declares it and the codes related to it. The one place that knows where the
// catalog lives (src/findings/codes/<area>.ts, reached through each check module's `codes`, which names the module), so moving the catalog repoints this file only.
import { CHECKS } from '../checks/index.js';
import type { CodeSpec } from '../findings/types.js';

export interface CatalogEntry {
  spec: CodeSpec;
  /** the check module that declares (and reports) the code */
  module: string;
  /**
   * Related codes, sorted: the other codes of the same check module (the same stage of the request
   * path), and every code this one's text names or whose text names this one.
   */
  related: string[];
}

let cached: CatalogEntry[] | undefined;

/** Every code of the catalog, sorted by code. */
export function codeCatalog(): CatalogEntry[] {
  if (cached) return cached;
  const declared = CHECKS.flatMap((m) => m.codes.map((spec) => ({ spec, module: m.id })));
  const known = new Set(declared.map((d) => d.spec.code));
  const related = new Map<string, Set<string>>(declared.map((d) => [d.spec.code, new Set<string>()]));
  const link = (a: string, b: string) => {
    if (a === b || !known.has(a) || !known.has(b)) return;
    related.get(a)!.add(b);
    related.get(b)!.add(a);
  };
  for (const d of declared) {
    for (const other of declared) if (other.module === d.module) link(d.spec.code, other.spec.code);
    const text = [d.spec.meaning, d.spec.why, d.spec.example ?? '', d.spec.fix ?? ''].join(' ');
    for (const named of text.match(/ITLS\d{3}/g) ?? []) link(d.spec.code, named);
  }
  cached = declared
    .map((d) => ({ ...d, related: [...related.get(d.spec.code)!].sort() }))
    .sort((a, b) => a.spec.code.localeCompare(b.spec.code));
  return cached;
}

/** One code's entry; `code` in any case (itls202 works). */
export function catalogEntry(code: string): CatalogEntry | undefined {
  const want = code.trim().toUpperCase();
  return codeCatalog().find((e) => e.spec.code === want);
}
