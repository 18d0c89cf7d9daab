// `kubectl istio-tls explain [CODE]`: a code's documentation, offline, from the catalog that writes
// docs/checks.md (kubectl's habit: `kubectl explain`). Without a code: every code, one line each.
import { stringify } from 'yaml';
import { DOCS_URL } from '../findings/voice.js';
import { catalogEntry, codeCatalog, type CatalogEntry } from '../report/catalog.js';
import { wrap } from '../report/text.js';
import type { OutputFormat } from './args.js';

/** An unknown code: one line, exit 2 (as a usage error). */
export class UnknownCode extends Error {}

export interface ExplainOptions {
  output: OutputFormat;
  width: number;
  program: string;
}

function asData(e: CatalogEntry) {
  const { code, severity, title, meaning, why, example, fix } = e.spec;
  return { code, severity, title, checkModule: e.module, meaning, why, example, fix, related: e.related, url: `${DOCS_URL}#${code.toLowerCase()}` };
}

function serialize(data: unknown, output: OutputFormat): string {
  return output === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data, { lineWidth: 0 });
}

/** The nearest codes for a typo: same digits in another order, or one digit off. */
function suggestions(code: string): string[] {
  const digits = code.replace(/\D/g, '');
  if (digits.length !== 3) return [];
  return codeCatalog()
    .map((e) => e.spec.code)
    .filter((c) => {
      const d = c.slice(4);
      const diff = [...d].filter((ch, i) => ch !== digits[i]).length;
      return diff === 1 || (diff > 1 && [...d].sort().join('') === [...digits].sort().join(''));
    })
    .slice(0, 3);
}

export function renderExplain(code: string | undefined, opts: ExplainOptions): string {
  if (code === undefined) return renderList(opts);
  const entry = catalogEntry(code);
  if (!entry) {
    const near = suggestions(code);
    throw new UnknownCode(`unknown code "${code}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; '${opts.program} explain' lists every code`);
  }
  if (opts.output !== 'table') return serialize(asData(entry), opts.output);
  const { spec } = entry;
  const width = Math.max(40, opts.width);
  const indent = '    ';
  const out: string[] = [`CODE:     ${spec.code}`, `TITLE:    ${spec.title}`, `SEVERITY: ${spec.severity} (the default; a finding says so when a check lowers it)`, `CHECK:    ${entry.module}`, ''];
  const block = (heading: string, text: string | undefined) => {
    if (!text) return;
    out.push(`${heading}:`, ...wrap(text, width, indent), '');
  };
  block('MEANING', spec.meaning);
  block('WHY ISTIO BEHAVES SO', spec.why);
  block('EXAMPLE', spec.example);
  block('HOW TO FIX', spec.fix);
  if (entry.related.length) {
    out.push('RELATED:');
    for (const r of entry.related) {
      const other = catalogEntry(r)!.spec;
      out.push(...wrap(`${other.code} — ${other.title}`, width, indent));
    }
    out.push('');
  }
  out.push(...wrap(`Online: ${DOCS_URL}#${spec.code.toLowerCase()}`, width, '', true));
  return `${out.join('\n')}\n`;
}

function renderList(opts: ExplainOptions): string {
  const entries = codeCatalog();
  if (opts.output !== 'table') return serialize(entries.map((e) => ({ code: e.spec.code, severity: e.spec.severity, title: e.spec.title })), opts.output);
  const sev = Math.max(...entries.map((e) => e.spec.severity.length), 'SEVERITY'.length);
  const head = `CODE     ${'SEVERITY'.padEnd(sev)}  TITLE`;
  const lines = entries.flatMap((e) => {
    const lead = `${e.spec.code}  ${e.spec.severity.padEnd(sev)}  `;
    const [first, ...rest] = wrap(e.spec.title, opts.width, ' '.repeat(lead.length));
    return [lead + first.slice(lead.length), ...rest];
  });
  return `${[head, ...lines, '', `Run '${opts.program} explain <code>' for what a code means, why Istio behaves so and how to fix it.`].join('\n')}\n`;
}
