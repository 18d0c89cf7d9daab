// The human view. `doctor`: verdict line, findings grouped by the host the on-call engineer was paged
// about, then every fix ready to paste. `status`: one row per gateway host. Renders only.
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { parseAllDocuments } from 'yaml';
import type { Finding, Remediation, Severity } from '../checks/types.js';
import type { HostRow } from '../checks/inventory.js';
import type { RenderStyle, Report } from './types.js';
import { formatEvidenceValue, humanizeKey, plural, wrap } from './text.js';

/** evidence lines per finding in the table view; -o json has all of them */
const MAX_EVIDENCE = 6;

const ICON: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };

interface Painter {
  c: ChalkInstance;
  severity(s: Severity, text: string): string;
}

function painter(style: RenderStyle): Painter {
  // level 0 = no escape codes at all (pipes, NO_COLOR, --no-color)
  const c = new Chalk({ level: style.color ? 1 : 0 });
  return {
    c,
    severity: (s, text) => (s === 'error' ? c.red(text) : s === 'warning' ? c.yellow(text) : c.cyan(text)),
  };
}

function refText(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** "✖ 3 errors, 2 warnings across 2 hosts (4 TLS hosts checked)" / "✔ healthy: 4 hosts checked". */
export function verdictLine(report: Report, p: Painter = painter({ color: false })): string {
  const { error, warning, info } = report.summary;
  const checked = plural(report.hostsChecked, 'TLS host');
  if (error === 0 && warning === 0) {
    const tail = info > 0 ? ` (${plural(info, 'note')})` : '';
    if (report.hostsChecked === 0) return p.c.green(`✔ healthy: no Gateway in scope serves TLS`) + tail;
    return p.c.green(`✔ healthy: ${plural(report.hostsChecked, 'host')} checked`) + tail;
  }
  const parts: string[] = [];
  if (error > 0) parts.push(plural(error, 'error'));
  if (warning > 0) parts.push(plural(warning, 'warning'));
  if (info > 0) parts.push(plural(info, 'note'));
  const affected = new Set(report.findings.filter((f) => f.severity !== 'info' && f.host !== undefined).map((f) => f.host)).size;
  const across = affected > 0 ? ` across ${plural(affected, 'host')}` : '';
  const icon = error > 0 ? ICON.error : ICON.warning;
  const text = `${icon} ${parts.join(', ')}${across} (${checked} checked)`;
  return p.c.bold(error > 0 ? p.c.red(text) : p.c.yellow(text));
}

function sourceLine(report: Report): string {
  const s = report.source;
  const where = s.kind === 'offline' ? `offline: ${describeFiles(s.files ?? [])}` : `context ${s.context ?? '(current)'}${s.server ? ` at ${s.server}` : ''}`;
  const scope = report.namespace ? `Gateways in namespace ${report.namespace}` : 'all namespaces';
  return `${where} · ${scope} · ${report.generatedAt}`;
}

/** "cluster.yaml" / "3 files in ./dump" — short enough for one line. */
function describeFiles(files: string[]): string {
  if (files.length === 1) return files[0];
  const dirs = files.map((f) => f.split('/').slice(0, -1));
  let common = dirs[0] ?? [];
  for (const d of dirs) {
    let i = 0;
    while (i < common.length && i < d.length && common[i] === d[i]) i++;
    common = common.slice(0, i);
  }
  const base = common.join('/');
  return base ? `${plural(files.length, 'file')} in ${base}` : plural(files.length, 'file');
}

interface Group {
  title: string;
  findings: Finding[];
}

function isClusterWide(f: Finding): boolean {
  return f.resource.kind === 'Cluster' || f.resource.kind === 'Namespace' || (f.code.startsWith('ITLS9') && f.host === undefined);
}

/** Hosts first (worst first), then resources without a host, then what concerns the whole cluster. */
export function groupFindings(findings: Finding[]): Group[] {
  const byHost = new Map<string, Finding[]>();
  const byResource = new Map<string, Finding[]>();
  const cluster: Finding[] = [];
  for (const f of findings) {
    if (f.host !== undefined) byHost.set(f.host, [...(byHost.get(f.host) ?? []), f]);
    else if (isClusterWide(f)) cluster.push(f);
    else {
      const key = refText(f.resource);
      byResource.set(key, [...(byResource.get(key) ?? []), f]);
    }
  }
  const rank = (fs: Finding[]) => Math.max(...fs.map((f) => (f.severity === 'error' ? 3 : f.severity === 'warning' ? 2 : 1)));
  const sorted = (m: Map<string, Finding[]>) =>
    [...m.entries()].sort(([a, fa], [b, fb]) => rank(fb) - rank(fa) || a.localeCompare(b)).map(([title, fs]) => ({ title, findings: fs }));
  const groups = sorted(byHost);
  groups.push(...sorted(byResource));
  if (cluster.length > 0) groups.push({ title: 'Cluster', findings: cluster });
  return groups;
}

function hostSubtitle(host: string, findings: Finding[], rows: HostRow[]): string {
  const places = new Set<string>();
  for (const r of rows.filter((r) => r.host === host)) places.add(`${refText(r.gateway)} :${r.port}`);
  if (places.size === 0) {
    for (const f of findings) if (f.resource.kind === 'Gateway') places.add(`${refText(f.resource)}${f.port ? ` :${f.port}` : ''}`);
  }
  return [...places].sort().join(', ');
}

/** Remediations, deduplicated (several findings often share one fix), numbered in order of first use. */
function collectFixes(groups: Group[]): { fixes: { remediation: Remediation; findings: Finding[] }[]; indexOf: Map<Finding, number> } {
  const fixes: { remediation: Remediation; findings: Finding[] }[] = [];
  const byKey = new Map<string, number>();
  const indexOf = new Map<Finding, number>();
  for (const g of groups) {
    for (const f of g.findings) {
      if (!f.remediation) continue;
      const key = JSON.stringify([f.remediation.yaml ?? '', f.remediation.commands ?? [], f.remediation.summary]);
      let i = byKey.get(key);
      if (i === undefined) {
        i = fixes.length;
        byKey.set(key, i);
        fixes.push({ remediation: f.remediation, findings: [] });
      }
      fixes[i].findings.push(f);
      indexOf.set(f, i + 1);
    }
  }
  return { fixes, indexOf };
}

/** Long evidence sentences the message already says word for word add nothing but lines. */
function repeatsMessage(value: Finding['evidence'][string], message: string): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.length > 0 && items.every((v) => typeof v === 'string' && v.length > 60 && message.includes(v));
}

/** `alreadyShown`: evidence values printed by earlier findings of the same group (the same certificate's facts). */
function renderFinding(f: Finding, fixNumber: number | undefined, width: number, p: Painter, alreadyShown: Set<string>): string[] {
  const lines: string[] = [];
  const where = f.host !== undefined ? `  ${p.c.dim(refText(f.resource))}` : '';
  lines.push(`  ${p.severity(f.severity, `${ICON[f.severity]} ${f.code}`)} ${p.c.bold(f.title)}${where}`);
  lines.push(...wrap(f.message, width, '    '));
  // Evidence in plain words, one screen per host: facts the message or the heading already state,
  // the same value under a second name or in an earlier finding of this host, are left to -o json,
  // and so is anything past the cap.
  const shown = alreadyShown;
  if (f.host !== undefined) shown.add(f.host);
  let hidden = 0;
  let count = 0;
  for (const [key, value] of Object.entries(f.evidence ?? {})) {
    const formatted = formatEvidenceValue(value);
    if (repeatsMessage(value, f.message) || shown.has(formatted)) continue;
    shown.add(formatted);
    if (count >= MAX_EVIDENCE) {
      hidden++;
      continue;
    }
    count++;
    const text = `${humanizeKey(key)}: ${formatted}`;
    lines.push(...wrap(text, width, '      ').map((l, i) => (i === 0 ? p.c.dim(`    · ${l.trimStart()}`) : p.c.dim(l))));
  }
  if (hidden > 0) lines.push(p.c.dim(`    · (${plural(hidden, 'more fact')} in -o json)`));
  if (fixNumber !== undefined) lines.push(`    ${p.c.green(`→ fix [${fixNumber}] below`)}`);
  return lines;
}

function renderFix(n: number, fix: { remediation: Remediation; findings: Finding[] }, width: number, p: Painter): string[] {
  const r = fix.remediation;
  const codes = [...new Set(fix.findings.map((f) => f.code))].join(', ');
  const targets = [...new Set(fix.findings.map((f) => (f.host !== undefined ? f.host : refText(f.resource))))].join(', ');
  const lines: string[] = [];
  lines.push(p.c.bold(`# [${n}] fixes ${codes} — ${targets}`));
  lines.push(...wrap(r.summary, width, '# ').map((l) => p.c.dim(l)));
  for (const note of r.notes ?? []) lines.push(...wrap(`note: ${note}`, width, '#   ').map((l) => p.c.yellow(l)));
  for (const cmd of r.commands ?? []) lines.push(cmd);
  if (r.yaml) {
    if (isApplicable(r.yaml)) {
      // whole objects: one paste applies them (after review)
      lines.push(`kubectl apply -f - <<'YAML'`, ...r.yaml.trimEnd().split('\n'), 'YAML');
    } else {
      lines.push(p.c.dim('# YAML (merge into the object named above; not a whole object):'), ...r.yaml.trimEnd().split('\n'));
    }
  }
  return lines;
}

/** Every document a whole Kubernetes object (apiVersion, kind, metadata.name)? Then `kubectl apply` takes it. */
function isApplicable(yaml: string): boolean {
  try {
    const docs = parseAllDocuments(yaml);
    return (
      docs.length > 0 &&
      docs.every((d) => {
        if (d.errors.length > 0) return false;
        const v = d.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
        return !!v && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && typeof v.metadata?.name === 'string';
      })
    );
  } catch {
    return false;
  }
}

export function renderDoctorTable(report: Report, style: RenderStyle): string {
  const p = painter(style);
  const width = Math.max(60, Math.min(style.width ?? 100, 120));
  const out: string[] = [verdictLine(report, p), p.c.dim(sourceLine(report))];
  const groups = groupFindings(report.findings);
  const { fixes, indexOf } = collectFixes(groups);
  for (const g of groups) {
    out.push('');
    const isHost = g.findings[0]?.host !== undefined;
    const subtitle = isHost ? hostSubtitle(g.title, g.findings, report.hosts) : '';
    out.push(p.c.bold.underline(isHost ? `Host ${g.title}` : g.title) + (subtitle ? p.c.dim(`  (${subtitle})`) : ''));
    const shown = new Set<string>();
    for (const f of g.findings) out.push(...renderFinding(f, indexOf.get(f), width, p, shown));
  }
  if (fixes.length > 0) {
    out.push('', p.c.bold.underline('Fixes (review, then paste)'));
    fixes.forEach((fix, i) => {
      out.push('');
      out.push(...renderFix(i + 1, fix, width, p));
    });
  }
  return out.join('\n') + '\n';
}

function expiresText(row: HostRow): string {
  if (row.expiresInDays === undefined) return '-';
  if (row.expiresInDays < 0) return `expired ${-row.expiresInDays}d ago`;
  return `${row.expiresInDays}d`;
}

function checkText(v: HostRow['chain'], p: Painter): string {
  return v === 'ok' ? p.c.green('ok') : v === 'fail' ? p.c.red('✗') : v === 'private-root' ? p.c.yellow('private root') : '?';
}

/** Envoy serves what the secret holds: yes / no / ? (not looked at: offline, --no-exec, or not reachable) */
function servedText(v: HostRow['served'], p: Painter): string {
  return v === 'yes' ? p.c.green('yes') : v === 'no' ? p.c.red('no') : '?';
}

function overallText(v: HostRow['overall'], p: Painter): string {
  return v === 'ok' ? p.c.green('ok') : v === 'warn' ? p.c.yellow('warn') : v === 'error' ? p.c.red('error') : '?';
}

/** kubectl-like columns without borders: readable in a terminal, greppable in a pipe. */
function plainTable(head: string[]): Table.Table {
  return new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ',
    },
    // empty head/border styles: otherwise cli-table3 writes colour codes even into pipes
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
  });
}

export function renderStatusTable(report: Report, style: RenderStyle): string {
  const p = painter(style);
  const out: string[] = [verdictLine(report, p), p.c.dim(sourceLine(report)), ''];
  if (report.hosts.length === 0) {
    out.push('No Gateway in scope serves HTTPS or TLS.');
  } else {
    const table = plainTable(['GATEWAY', 'HOST', 'PORT', 'MODE', 'CREDENTIAL', 'SUBJECT', 'EXPIRES', 'SAN', 'CHAIN', 'SERVED', 'OVERALL'].map((h) => p.c.bold(h)));
    for (const r of report.hosts) {
      table.push([
        `${r.gateway.namespace ? `${r.gateway.namespace}/` : ''}${r.gateway.name}`,
        r.host,
        String(r.port),
        r.mode,
        r.credential,
        r.subject ?? '-',
        expiresText(r),
        checkText(r.san, p),
        checkText(r.chain, p),
        servedText(r.served, p),
        overallText(r.overall, p) + (r.codes.length ? p.c.dim(` ${r.codes.join(',')}`) : ''),
      ]);
    }
    out.push(...table.toString().split('\n').map((l) => l.trimEnd()));
  }
  if (report.summary.error + report.summary.warning > 0) out.push('', p.c.dim('Run `kubectl istio-tls doctor` for the evidence and the fixes.'));
  return out.join('\n') + '\n';
}

export { humanizeKey };
