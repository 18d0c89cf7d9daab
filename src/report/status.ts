// `status`: one row per host a Gateway serves, kubectl-like columns without borders. Renders only.
//
// Width: a terminal's width, or COLUMNS in a pipe. The table never wraps: at a narrow width it drops
// the least needed columns (named under the table) and shortens the problem's words. Without a known
// width (a pipe, COLUMNS unset) every column is printed whole, as `kubectl get` does, so scripts can
// grep and cut it. Columns that would say nothing are left out: MODE when every row is SIMPLE, SERVED
// when nothing was read inside the gateway pods, API when every Gateway is of one API.
import { SEVERITY_RANK, type Finding } from '../findings/types.js';
import type { HostRow } from '../status/types.js';
import { advisory, leftOutLine, lowerFirst, paintVerdict, painter, sourceLine, verdictLine, type Painter } from './table.js';
import type { RenderStyle, Report } from './types.js';
import { wrap } from './text.js';

/** two spaces between columns: narrower than kubectl's three, so more columns fit at 80 */
const GAP = '  ';
/** a credential longer than this is shortened in the middle when the width is known */
const MAX_CREDENTIAL = 40;
/** fewer characters than this for the problem's words: drop another column instead */
const MIN_WORDS = 20;

interface Column {
  head: string;
  /** plain text per row (the width is measured on it) */
  cells: string[];
  /** colour for a cell (same visible text) */
  paint?: (text: string, row: HostRow) => string;
  /** lower = dropped first at a narrow width; undefined = never dropped */
  drop?: number;
}

function expiresText(row: HostRow): string {
  if (row.expiresInDays === undefined) return '-';
  if (row.expiresInDays < 0) return `expired ${-row.expiresInDays}d ago`;
  return `${row.expiresInDays}d`;
}

/** The SAN column: the name that covers the host (`ok` when it is the host itself), or ✗ and what the certificate covers instead. */
function sanText(row: HostRow): string {
  if (row.plainHttp) return '-';
  if (row.san === 'ok') return row.coveredBy && row.coveredBy.toLowerCase() !== row.host.toLowerCase() ? row.coveredBy : 'ok';
  if (row.san === 'fail') {
    const names = row.names ?? [];
    if (names.length === 0) return row.subject ? `✗ no SAN (CN ${row.subject})` : '✗ no SAN';
    return `✗ ${names[0]}${names.length > 1 ? ` +${names.length - 1}` : ''}`;
  }
  return row.subject || row.credential !== '-' ? '?' : '-';
}

function chainText(row: HostRow): string {
  if (row.plainHttp) return '-';
  return row.chain === 'ok' ? 'ok' : row.chain === 'fail' ? '✗' : row.chain === 'private-root' ? 'private root' : row.credential === '-' ? '-' : '?';
}

function servedText(row: HostRow): string {
  return row.served === 'yes' ? 'yes' : row.served === 'no' ? 'no' : row.plainHttp ? '-' : '?';
}

function modeText(row: HostRow): string {
  if (row.plainHttp === 'redirect-only') return 'redirect only';
  if (row.plainHttp === 'http-only') return 'HTTP only';
  return row.mode;
}

/** "secret istio-system/kiali-tls" → "istio-system/kiali-tls"; long file paths shortened in the middle. */
function credentialText(row: HostRow, limited: boolean): string {
  const text = row.credential.replace(/^secret /, '');
  if (!limited || text.length <= MAX_CREDENTIAL) return text;
  const keep = MAX_CREDENTIAL - 1;
  const head = Math.ceil(keep / 3);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

interface Problem {
  /** "error ITLS304": the verdict and the code of the problem worded */
  head: string;
  /** the problem in words: that code's title */
  words: string;
  /** the row's other codes, after the words: " (+ITLS309)" */
  tail: string;
}

/** The row's worst code in words (a private root without --ca-file last), the others after it. */
function problemOf(row: HostRow, byCode: Map<string, Finding>): Problem {
  const verdict = row.overall === 'unknown' ? '?' : row.overall;
  if (row.overall === 'unknown') return { head: verdict, words: row.unknown?.length ? `unknown: ${row.unknown[0]}` : 'unknown', tail: '' };
  const found = row.codes.map((c) => byCode.get(c)).filter((f): f is Finding => f !== undefined);
  found.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(advisory(a)) - Number(advisory(b)) || a.code.localeCompare(b.code));
  const top = found[0];
  if (!top) return { head: `${verdict}${row.codes.length ? ` ${row.codes.join(',')}` : ''}`, words: '', tail: '' };
  const others = row.codes.filter((c) => c !== top.code);
  return { head: `${verdict} ${top.code}`, words: lowerFirst(top.title), tail: others.length ? ` (+${others.join(',')})` : '' };
}

function paintOverall(text: string, row: HostRow, p: Painter): string {
  const [word, ...rest] = text.split(' ');
  const painted = row.overall === 'ok' ? p.c.green(word) : row.overall === 'warn' ? p.c.yellow(word) : row.overall === 'error' ? p.c.red(word) : word;
  return rest.length ? `${painted} ${p.c.dim(rest.join(' '))}` : painted;
}

/** Shorten to `max` characters at a word boundary, with "…". */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 2) return '';
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export function renderStatusTable(report: Report, style: RenderStyle): string {
  const p = painter(style);
  const limit = style.width !== undefined ? Math.max(40, style.width) : undefined;
  const prose = limit ?? 100;
  const rows = report.hosts;
  // every Gateway in one namespace: named without it, the namespace said once (as kubectl get -n does)
  const namespaces = new Set(rows.map((r) => r.gateway.namespace ?? ''));
  const oneNamespace = namespaces.size === 1 && [...namespaces][0] !== '' ? [...namespaces][0] : undefined;
  const out: string[] = [
    ...wrap(verdictLine(report), prose, '  ').map((l, i) => paintVerdict(report, i === 0 ? l.trimStart() : l, p)),
    ...wrap(sourceLine(report, oneNamespace), prose, '', true).map((l) => p.c.dim(l)),
  ];
  const left = leftOutLine(report);
  if (left) out.push(...wrap(left, prose, '').map((l) => p.c.yellow(l)));
  out.push('');
  if (rows.length === 0) {
    out.push(left ? `No Gateway in namespace ${report.namespace} serves HTTPS or TLS.` : 'No Gateway in scope serves HTTPS or TLS.');
  } else {
    const byCode = new Map<string, Finding>();
    for (const f of report.findings) {
      const seen = byCode.get(f.code);
      if (!seen || SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.severity]) byCode.set(f.code, f);
    }
    const columns: Column[] = [];
    const kinds = new Set(rows.map((r) => r.kind ?? 'Gateway'));
    if (kinds.size > 1) columns.push({ head: 'API', cells: rows.map((r) => (r.kind === 'Gateway (k8s)' ? 'k8s' : 'istio')), drop: 8 });
    columns.push({ head: 'GATEWAY', cells: rows.map((r) => `${r.gateway.namespace && !oneNamespace ? `${r.gateway.namespace}/` : ''}${r.gateway.name}`), drop: 7 });
    columns.push({ head: 'HOST', cells: rows.map((r) => r.hostAsWritten ?? r.host) });
    columns.push({ head: 'PORT', cells: rows.map((r) => String(r.port)), drop: 3 });
    if (rows.some((r) => r.mode !== 'SIMPLE')) columns.push({ head: 'MODE', cells: rows.map(modeText), drop: 5 });
    columns.push({ head: 'CREDENTIAL', cells: rows.map((r) => credentialText(r, limit !== undefined)), drop: 1 });
    columns.push({ head: 'SAN', cells: rows.map(sanText), paint: (t) => (t.startsWith('✗') ? p.c.red(t) : t === '?' || t === '-' ? t : p.c.green(t)), drop: 6 });
    columns.push({ head: 'EXPIRES', cells: rows.map(expiresText), paint: (t, r) => (r.expiresInDays !== undefined && r.expiresInDays < 0 ? p.c.red(t) : t), drop: 9 });
    columns.push({ head: 'CHAIN', cells: rows.map(chainText), paint: (t) => (t === 'ok' ? p.c.green(t) : t === '✗' ? p.c.red(t) : t === 'private root' ? p.c.yellow(t) : t), drop: 4 });
    if (rows.some((r) => r.served !== 'unknown')) columns.push({ head: 'SERVED', cells: rows.map(servedText), paint: (t) => (t === 'yes' ? p.c.green(t) : t === 'no' ? p.c.red(t) : t), drop: 2 });
    const problems = rows.map((r) => problemOf(r, byCode));
    const heads = problems.map((x) => x.head);
    const words = problems.map((x) => x.words);
    const statusWidth = Math.max('STATUS'.length, ...heads.map((h) => h.length));
    const widthOf = (c: Column) => Math.max(c.head.length, ...c.cells.map((t) => t.length));
    const dropped: string[] = [];
    // a column in which every row says "-" or "?" carries nothing (EXPIRES when no certificate could be read)
    let shown = columns.filter((c) => c.cells.some((t) => t !== '-' && t !== '?'));
    const fixedWidth = () => shown.reduce((n, c) => n + widthOf(c) + GAP.length, 0) + statusWidth;
    if (limit !== undefined) {
      const needsWords = words.some((w) => w !== '');
      // drop the least needed columns until the status and some of its words fit
      while (fixedWidth() + (needsWords ? 1 + MIN_WORDS : 0) > limit) {
        const next = shown.filter((c) => c.drop !== undefined).sort((a, b) => a.drop! - b.drop!)[0];
        if (!next) break;
        shown = shown.filter((c) => c !== next);
        dropped.push(next.head);
      }
    }
    const room = limit === undefined ? Infinity : limit - fixedWidth() - 1;
    const widths = shown.map(widthOf);
    const line = (cells: string[], painted: string[], status: string) =>
      [...cells.map((t, i) => painted[i] + ' '.repeat(Math.max(0, widths[i] - t.length))), status].join(GAP).trimEnd();
    const header = shown.map((c) => c.head);
    out.push(line(header, header.map((h) => p.c.bold(h)), p.c.bold('STATUS')));
    rows.forEach((r, i) => {
      const cells = shown.map((c) => c.cells[i]);
      const painted = shown.map((c) => (c.paint ? c.paint(c.cells[i], r) : c.cells[i]));
      const { tail } = problems[i];
      const said = room >= MIN_WORDS / 2 ? (words[i].length + tail.length <= room ? words[i] + tail : shorten(words[i], room)) : '';
      const status = paintOverall(heads[i], r, p) + (said ? ' '.repeat(statusWidth - heads[i].length + 1) + said : '');
      out.push(line(cells, painted, status));
    });
    if (dropped.length > 0) {
      const note = `Left out at ${limit} columns: ${dropped.join(', ')} (a wider terminal or -o json shows ${dropped.length === 1 ? 'it' : 'them'}).`;
      out.push(...wrap(note, prose, '').map((l) => p.c.dim(l)));
    }
  }
  if (report.summary.error + report.summary.warning > 0) out.push('', p.c.dim('Run `kubectl istio-tls doctor` for the evidence and the fixes.'));
  return out.join('\n') + '\n';
}
