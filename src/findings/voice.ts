
// One voice for every finding message (issue 13): a full sentence, capital first, final period. The
// pure X.509 layer phrases its issues as clauses ("the leaf expires on …"); checks that print them
// make them sentences here. Identifiers that must keep their case (tls.crt, credentialName) are
// never capitalized: a message starting with one is rewritten at its source instead.

/** "the leaf expires in 3 days" → "The leaf expires in 3 days." */
export function sentence(text: string): string {
  let t = text.trim();
  const first = t.split(/\s/)[0] ?? '';
  if (/^[a-z][a-z]*$/.test(first)) t = t[0].toUpperCase() + t.slice(1);
  if (!/[.!?]$/.test(t)) t = `${t}.`;
  return t;
}

/** Whole days from `now` to `date`, the one day count of every message, evidence and `status` row (floor: 15.5 days ago is -16). */
export function daysFrom(date: string, now: number): number {
  return Math.floor((Date.parse(date) - now) / 86_400_000);
}

/** Published documentation of every code (docs/checks.md of the repository). */
export const DOCS_URL = 'https://github.com/kubectl-istio-tls/kubectl-istio-tls/blob/main/docs/checks.md';

/** A code's docs entry: the anchor gen-docs writes (`#itls306`) in the packaged file and on the published page. */
export function docsLink(code: string): { file: string; url: string } {
  const anchor = code.toLowerCase();
  return { file: `docs/checks.md#${anchor}`, url: `${DOCS_URL}#${anchor}` };
}

/** "a, b and 3 more" — evidence lists stay readable at 3 a.m. */
export function listWords(items: string[], max = 6): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
