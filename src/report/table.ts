// The human view. `doctor`: verdict line, findings grouped by the host the on-call engineer was paged
// about, then every fix ready to paste. `status`: one row per gateway host. Renders only.
import { Chalk, type ChalkInstance } from 'chalk';
import { parseAllDocuments } from 'yaml';
import { SEVERITY_RANK, type Finding, type Remediation, type Severity } from '../findings/types.js';
import type { HostRow } from '../status/types.js';
import type { RenderStyle, Report, ReportFinding } from './types.js';
import { formatEvidenceValue, humanizeKey, plural, wrap } from './text.js';

/**
 * Evidence lines (wrapped, not facts) per finding in the table view, by severity, proof aside: a fact
 * that does not fit what is left is folded whole. The first screen stays short enough that the first
 * command to paste is within 40 lines at 80 columns; -v and -o json have all of them.
 */
const MAX_EVIDENCE_LINES: Record<Severity, number> = { error: 3, warning: 2, info: 0 };
/** places listed per finding in the table view before "and N more" */
const MAX_PLACES = 3;
/** wrapped lines of a message in the table view (the why, in short); -v shows it whole */
const MAX_MESSAGE_LINES = 3;
/** wrapped lines of a fix's summary before its commands; -v shows it whole */
const MAX_SUMMARY_LINES = 3;
/**
 * Lines of one fix's commands and YAML in the table view. A longer fix (an ITLS404 merge that rewrites
 * hundreds of Gateways) is folded whole — none of its commands printed, so a pasted block never runs
 * half a fix — and -v, --fix-script or --fix-only print it.
 */
const MAX_FIX_LINES = 80;

const ICON: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };

/** Published documentation of every code (docs/checks.md in the package). */
export { DOCS_URL } from '../findings/voice.js';
import { DOCS_URL } from '../findings/voice.js';

export interface Painter {
  c: ChalkInstance;
  severity(s: Severity, text: string): string;
}

export function painter(style: RenderStyle): Painter {
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

/** Every host a finding is about: its own, then those of its places. */
function hostsOf(f: Finding): string[] {
  const hosts = new Set<string>();
  if (f.host !== undefined) hosts.add(f.host);
  for (const pl of f.places ?? []) if (pl.host !== undefined) hosts.add(pl.host);
  return [...hosts];
}

/** "a.com", "a.com, b.com", "a.com, b.com and 3 more" */
export function listed(items: string[], max = 2): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${(items.length - max).toLocaleString('en-US')} more`;
}

/** "Certificate expired" → "certificate expired"; names (VirtualService, TLS, PASSTHROUGH) keep their case. */
export function lowerFirst(text: string): string {
  const first = text.split(/\s/)[0];
  return /^[A-Z][a-z]*$/.test(first) ? text[0].toLowerCase() + text.slice(1) : text;
}

/** A private root without --ca-file is the least actionable warning: fine when the clients trust it. */
export function advisory(f: Finding): boolean {
  return f.code === 'ITLS309' && f.severity === 'warning';
}

/**
 * The answer first: the worst problem and where it is —
 * "✖ kiali.example.com: certificate file not in the gateway pod (+2 more problems)" /
 * "✔ healthy: 4 hosts checked".
 */
export function verdictLine(report: Report, p: Painter = painter({ color: false })): string {
  const { error, warning, info } = report.summary;
  const leftOut = report.leftOut?.length ?? 0;
  if (error === 0 && warning === 0) {
    const tail = info > 0 ? ` (${plural(info, 'note')})` : '';
    // a scoped run that left out Gateways on its gateway pods has not seen them: never "healthy" about them
    if (leftOut > 0 && report.hostsChecked === 0) {
      return p.c.yellow(`? nothing checked in namespace ${report.namespace}: ${plural(leftOut, 'Gateway')} of other namespaces ${leftOut === 1 ? 'uses' : 'use'} its gateway pods (run with -A)`) + tail;
    }
    if (report.hostsChecked === 0) return p.c.green(`✔ healthy: no Gateway in scope serves TLS`) + tail;
    const scoped = leftOut > 0 ? ` in namespace ${report.namespace} (${plural(leftOut, 'Gateway')} of other namespaces on its gateway pods not checked: run with -A)` : '';
    return p.c.green(`✔ healthy: ${plural(report.hostsChecked, 'host')} checked${scoped}`) + tail;
  }
  const problems = report.findings.filter((f) => f.severity !== 'info');
  // findings arrive sorted worst first; among equals, one that names a host answers "where"
  const worst = problems[0].severity;
  const top =
    problems.find((f) => f.severity === worst && !advisory(f) && hostsOf(f).length > 0) ??
    problems.find((f) => f.severity === worst && !advisory(f)) ??
    problems.find((f) => f.severity === worst && hostsOf(f).length > 0) ??
    problems[0];
  const hosts = hostsOf(top);
  const where = hosts.length > 0 ? listed(hosts) : refText(top.resource);
  const more = problems.length - 1;
  const tail = more > 0 ? ` (+${plural(more, 'more problem')})` : '';
  const text = `${ICON[top.severity]} ${where}: ${lowerFirst(top.title)}${tail}`;
  return p.c.bold(top.severity === 'error' ? p.c.red(text) : p.c.yellow(text));
}

/** The verdict's colour, for a verdict wrapped to the terminal. */
export function paintVerdict(report: Report, line: string, p: Painter): string {
  const { error, warning } = report.summary;
  if (error === 0 && warning === 0) return report.hostsChecked === 0 && (report.leftOut?.length ?? 0) > 0 ? p.c.yellow(line) : p.c.green(line);
  return p.c.bold(error > 0 ? p.c.red(line) : p.c.yellow(line));
}

/** -n left out Gateways served by the gateway pods in scope: name them and how to include them. */
export function leftOutLine(report: Report): string | undefined {
  const left = report.leftOut ?? [];
  if (left.length === 0) return undefined;
  const names = listed(left.map((r) => `${r.namespace ? `${r.namespace}/` : ''}${r.name}`), 3);
  return `Not checked: ${left.length === 1 ? 'Gateway' : 'Gateways'} ${names} (outside namespace ${report.namespace}, served by gateway pods there); run with -A to include ${left.length === 1 ? 'it' : 'them'}.`;
}

/** --use-kube: what the files do to the live cluster's findings, and what --fail-on counts. */
export function changeLine(report: Report): string | undefined {
  const c = report.change;
  if (!c) return undefined;
  const files = describeFiles(c.files);
  const counts = `introduces ${plural(c.introduced, 'finding')}, fixes ${c.fixed.length}, leaves ${c.existing} already live`;
  const objects = `${plural(c.replaced + c.added, 'object')} (${c.replaced} replacing live ones, ${c.added} new)`;
  return `Change: ${files} over the live cluster, ${objects}: ${counts}. --fail-on counts ${c.failOnExisting ? 'every finding (--fail-on-existing)' : 'the introduced ones (--fail-on-existing counts all)'}.`;
}

/** `gatewayNamespace`: the one namespace every listed Gateway is in (status then names Gateways without it) */
export function sourceLine(report: Report, gatewayNamespace?: string): string {
  const s = report.source;
  const where = s.kind === 'offline' ? `offline: ${describeFiles(s.files ?? [])}` : `context ${s.context ?? '(current)'}${s.server ? ` at ${s.server}` : ''}${s.files?.length ? ` + ${describeFiles(s.files)}` : ''}`;
  const scope = report.namespace ? ` · Gateways in namespace ${report.namespace}` : gatewayNamespace ? ` · all Gateways in ${gatewayNamespace}` : '';
  return `${where}${scope} · ${plural(report.hostsChecked, 'TLS host')} checked · ${report.generatedAt.replace(/\.\d+Z$/, 'Z')}`;
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
  /** the host this group is about, when it is about a host */
  host?: string;
  findings: Finding[];
}

function isClusterWide(f: Finding): boolean {
  return f.resource.kind === 'Cluster' || f.resource.kind === 'Namespace' || (f.code.startsWith('ITLS9') && hostsOf(f).length === 0);
}

/**
 * Hosts first (worst first), then resources without a host, then what concerns the whole cluster.
 * A finding without a host of its own (a VirtualService naming a missing Gateway) is shown under the
 * first host among its places: the host the engineer was paged about.
 */
export function groupFindings(findings: Finding[]): Group[] {
  const byHost = new Map<string, Finding[]>();
  const byResource = new Map<string, Finding[]>();
  const cluster: Finding[] = [];
  for (const f of findings) {
    const host = hostsOf(f)[0];
    if (host !== undefined) byHost.set(host, [...(byHost.get(host) ?? []), f]);
    else if (isClusterWide(f)) cluster.push(f);
    else {
      const key = refText(f.resource);
      byResource.set(key, [...(byResource.get(key) ?? []), f]);
    }
  }
  const rank = (fs: Finding[]) => Math.max(...fs.map((f) => SEVERITY_RANK[f.severity]));
  const sorted = (m: Map<string, Finding[]>, isHost: boolean): Group[] =>
    [...m.entries()]
      .sort(([a, fa], [b, fb]) => rank(fb) - rank(fa) || a.localeCompare(b))
      .map(([title, fs]) => (isHost ? { title, host: title, findings: fs } : { title, findings: fs }));
  const groups = sorted(byHost, true);
  groups.push(...sorted(byResource, false));
  if (cluster.length > 0) groups.push({ title: 'Cluster', findings: cluster });
  return groups;
}

function hostSubtitle(host: string, findings: Finding[], rows: HostRow[], width: number): string {
  const places = new Set<string>();
  for (const r of rows.filter((r) => r.host === host)) places.add(`${refText(r.gateway)} :${r.port}`);
  if (places.size === 0) {
    for (const f of findings) if (f.resource.kind === 'Gateway') places.add(`${refText(f.resource)}${f.port ? ` :${f.port}` : ''}`);
  }
  const sorted = [...places].sort();
  // the heading stays one line: fewer Gateways named, the rest counted
  for (const max of [2, 1]) {
    const text = listed(sorted, max);
    if (`Host ${host}  (${text})`.length <= width) return text;
  }
  return listed(sorted, 0).replace(/^ and /, '');
}

type Fix = { remediation: Remediation; findings: Finding[] };

/** Remediations, deduplicated (several findings often share one fix), numbered in order of first use. */
function collectFixes(groups: Group[]): { fixes: Fix[]; indexOf: Map<Finding, number> } {
  const fixes: Fix[] = [];
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
  return items.length > 0 && items.every((v) => typeof v === 'string' && (v.length > 60 || [' ', '.', ',', ';', ':'].some((end) => message.includes(`${v}${end}`))) && message.includes(v));
}

/** Identification, not proof: serials and fingerprints identify a certificate; -v and -o json show them. */
function identifiesOnly(key: string): boolean {
  return /serial|fingerprint/i.test(key);
}

/** The facts that prove a finding, shown first and never folded: Istio's reading of a secret, both key hashes of a mismatch. */
const PROOF_KEYS = ['keysRead', 'keysIgnored', 'ignoredTlsCrt', 'leafPublicKeySha256', 'keyPublicKeySha256'];

/** Context the heading or the fix already gives: shown with -v. */
const CONTEXT_KEYS = new Set(['hosts', 'host', 'port', 'mode', 'credentialName', 'workloadNamespace', 'trustStore', 'path', 'certSubject', 'certNotAfter', 'role']);

interface Folded {
  evidence: number;
  places: number;
  messages: number;
  fixes: number;
}

/** The why, in short: whole sentences while they fit MAX_MESSAGE_LINES, else the first cut with "…"; -v shows it all. */
function shortMessage(message: string, width: number, folded: Folded): string[] {
  const all = wrap(message, width, '    ');
  if (all.length <= MAX_MESSAGE_LINES) return all;
  folded.messages++;
  const sentences = message.split(/(?<=[.!?])\s+(?=[A-Z"(])/);
  let kept = '';
  for (const sentence of sentences) {
    const next = kept ? `${kept} ${sentence}` : sentence;
    if (wrap(next, width, '    ').length > MAX_MESSAGE_LINES) break;
    kept = next;
  }
  if (kept) return wrap(`${kept} …`, width, '    ');
  const cut = all.slice(0, MAX_MESSAGE_LINES);
  cut[MAX_MESSAGE_LINES - 1] = `${cut[MAX_MESSAGE_LINES - 1].replace(/\s*\S+$/, '')} …`;
  return cut;
}

/** `alreadyShown`: evidence values printed by earlier findings of the same group (the same certificate's facts). */
function renderFinding(f: ReportFinding, fixNumber: number | undefined, width: number, p: Painter, alreadyShown: Set<string>, verbose: boolean, folded: Folded, groupTitle: string): string[] {
  const lines: string[] = [];
  // the resource, unless the heading already names it (a Gateway host group names its Gateways)
  const named = refText(f.resource) === groupTitle || (f.resource.kind === 'Gateway' && f.host !== undefined);
  const where = named ? '' : `  ${p.c.dim(refText(f.resource))}`;
  // --use-kube: whether the change in the files introduces it or it is live already
  const tag = f.change === 'introduced' ? ' [introduced by the change]' : f.change === 'existing' ? ' [already live]' : '';
  const heading = `  ${ICON[f.severity]} ${f.code} ${f.title}${tag}`;
  const whereFits = heading.length + (named ? 0 : 2 + refText(f.resource).length) <= width;
  const paintedTag = f.change === 'introduced' ? p.c.bold(tag) : p.c.dim(tag);
  lines.push(`  ${p.severity(f.severity, `${ICON[f.severity]} ${f.code}`)} ${p.c.bold(f.title)}${paintedTag}${whereFits ? where : ''}`);
  if (!whereFits && !named) lines.push(`    ${p.c.dim(refText(f.resource))}`);
  lines.push(...(verbose ? wrap(f.message, width, '    ') : shortMessage(f.message, width, folded)));
  for (const line of f.also ?? []) lines.push(...wrap(`also: ${line}`, width, '      ').map((l, i) => (i === 0 ? `    ${l.trimStart()}` : l)));
  const places = f.places ?? [];
  if (places.length > 0) {
    const shownPlaces = verbose ? places : places.slice(0, MAX_PLACES);
    const text = shownPlaces.map((pl) => `${refText(pl.resource)}${pl.port !== undefined ? ` :${pl.port}` : ''}${pl.host !== undefined ? ` (${pl.host})` : ''}`);
    const rest = places.length - shownPlaces.length;
    if (rest > 0) folded.places += rest;
    const all = `same cause at: ${text.join('; ')}${rest > 0 ? ` and ${rest.toLocaleString('en-US')} more` : ''}`;
    lines.push(...wrap(all, width, '      ').map((l, i) => (i === 0 ? `    ${l.trimStart()}` : l)));
  }
  // Evidence in plain words, the proof first: facts the message or the heading already state, the same
  // value under a second name or in an earlier finding of this host, serials and fingerprints are -v's.
  const shown = alreadyShown;
  if (f.host !== undefined) shown.add(f.host);
  let count = 0;
  const entries = Object.entries(f.evidence ?? {});
  const proofFirst = [...entries.filter(([k]) => PROOF_KEYS.includes(k)), ...entries.filter(([k]) => !PROOF_KEYS.includes(k))];
  for (const [key, value] of proofFirst) {
    const proof = PROOF_KEYS.includes(key);
    const formatted = formatEvidenceValue(value);
    if (shown.has(formatted)) continue;
    if (!verbose && repeatsMessage(value, f.message)) {
      // read in the message: a later finding of this host does not repeat it either
      shown.add(formatted);
      continue;
    }
    if (!verbose && (identifiesOnly(key) || CONTEXT_KEYS.has(key))) {
      folded.evidence++;
      continue;
    }
    shown.add(formatted);
    const text = `${humanizeKey(key)}: ${formatted}`;
    let wrapped = wrap(text, width, '      ');
    if (!verbose && !proof && count + Math.min(wrapped.length, 2) > MAX_EVIDENCE_LINES[f.severity]) {
      folded.evidence++;
      continue;
    }
    if (!verbose && wrapped.length > 2) {
      // a fact in two lines; the whole of it with -v
      wrapped = wrapped.slice(0, 2);
      wrapped[1] = `${wrapped[1].replace(/\s*\S+$/, '')} …`;
      folded.evidence++;
    }
    if (!proof) count += wrapped.length;
    lines.push(...wrapped.map((l, i) => (i === 0 ? p.c.dim(`    · ${l.trimStart()}`) : p.c.dim(l))));
  }
  if (verbose) lines.push(p.c.dim(`    · docs: kubectl istio-tls explain ${f.code} (${DOCS_URL}#${f.code.toLowerCase()})`));
  if (fixNumber !== undefined) lines.push(`    ${p.c.green(`→ fix [${fixNumber}]`)}`);
  return lines;
}

function renderFix(n: number, fix: Fix, width: number, p: Painter, verbose: boolean, folded: Folded): string[] {
  const r = fix.remediation;
  const codes = [...new Set(fix.findings.map((f) => f.code))].join(', ');
  const targets = [...new Set(fix.findings.flatMap((f) => (hostsOf(f).length ? hostsOf(f) : [refText(f.resource)])))];
  const lines: string[] = [];
  lines.push(...wrap(`[${n}] fixes ${codes} — ${listed(targets, 3)}`, width, '# ').map((l) => p.c.bold(l)));
  let summary = wrap(r.summary, width, '# ');
  if (!verbose && summary.length > MAX_SUMMARY_LINES) {
    summary = summary.slice(0, MAX_SUMMARY_LINES);
    summary[MAX_SUMMARY_LINES - 1] = `${summary[MAX_SUMMARY_LINES - 1].replace(/\s*\S+$/, '')} …`;
  }
  lines.push(...summary.map((l) => p.c.dim(l)));
  const yamlLines = r.yaml ? r.yaml.trimEnd().split('\n').length : 0;
  const size = (r.commands?.length ?? 0) + yamlLines + (r.alternatives ?? []).reduce((sum, a) => sum + a.commands.length, 0);
  if (!verbose && size > MAX_FIX_LINES) {
    folded.fixes++;
    const documents = r.yaml ? r.yaml.split(/^---$/m).filter((d) => d.trim()).length : 0;
    const what = [r.commands?.length ? plural(r.commands.length, 'command') : '', documents ? plural(documents, 'YAML document') : ''].filter(Boolean).join(' and ');
    lines.push(...wrap(`This fix is ${what} (${size} lines), folded whole so that nothing here runs half of it. Print it with -v, or take every fix at once with --fix-script (a script) or --fix-only (a YAML stream for kubectl apply -f).`, width, '# ').map((l) => p.c.yellow(l)));
    return lines;
  }
  for (const cmd of r.commands ?? []) lines.push(cmd);
  if (r.yaml) {
    if (isApplicable(r.yaml)) {
      // whole objects: one paste applies them (after review)
      lines.push(`kubectl apply -f - <<'YAML'`, ...r.yaml.trimEnd().split('\n'), 'YAML');
    } else {
      lines.push(p.c.dim('# YAML (merge into the object named above; not a whole object):'), ...r.yaml.trimEnd().split('\n'));
    }
  }
  // caveats after the commands they qualify: the command to paste stays near the top
  for (const note of r.notes ?? []) lines.push(...wrap(`note: ${note}`, width, '#   ').map((l, i) => p.c.yellow(i === 0 ? `# ${l.slice(4)}` : l)));
  // alternatives (never both): each its own block [na], [nb], safe to paste whole; a destructive one comes commented out
  (r.alternatives ?? []).forEach((a, j) => {
    lines.push('', p.c.bold(`# [${n}${String.fromCharCode(97 + j)}] ${a.label}`), ...wrap(a.summary, width, '# ').map((l) => p.c.dim(l)), ...a.commands);
  });
  return lines;
}

/** A fix with nothing to paste as is: every command commented out (a template with <placeholders> to fill in), no YAML. */
function templateOnly(f: Finding): boolean {
  const r = f.remediation;
  if (!r || r.yaml) return false;
  const commands = [...(r.commands ?? []), ...(r.alternatives ?? []).flatMap((a) => a.commands)];
  return commands.every((c) => c.trim() === '' || c.trim().startsWith('#'));
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
  const verbose = style.verbose === true;
  const out: string[] = [...wrap(verdictLine(report), width, '  ').map((l, i) => paintVerdict(report, i === 0 ? l.trimStart() : l, p)), ...wrap(sourceLine(report), width, '', true).map((l) => p.c.dim(l))];
  const left = leftOutLine(report);
  if (left) out.push(...wrap(left, width, '').map((l) => p.c.yellow(l)));
  const change = changeLine(report);
  if (change) out.push(...wrap(change, width, '').map((l) => p.c.bold(l)));
  // in each group the worst first; among equals, a finding whose fix is only a template to fill in
  // comes after one with a command to paste: fixes are numbered in this order, so fix [1] can be pasted
  const groups = groupFindings(report.findings).map((g) => ({
    ...g,
    findings: [...g.findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(advisory(a)) - Number(advisory(b)) || Number(templateOnly(a)) - Number(templateOnly(b))),
  }));
  const { fixes, indexOf } = collectFixes(groups);
  const folded: Folded = { evidence: 0, places: 0, messages: 0, fixes: 0 };
  for (const g of groups) {
    out.push('');
    const subtitle = g.host !== undefined ? hostSubtitle(g.host, g.findings, report.hosts, width) : '';
    out.push(p.c.bold.underline(g.host !== undefined ? `Host ${g.title}` : g.title) + (subtitle ? p.c.dim(`  (${subtitle})`) : ''));
    const shown = new Set<string>();
    for (const f of g.findings) out.push(...renderFinding(f, indexOf.get(f), width, p, shown, verbose, folded, g.title));
  }
  const fixed = report.change?.fixed ?? [];
  if (fixed.length > 0) {
    out.push('', p.c.bold.underline('Fixed by the change'));
    for (const f of fixed) {
      const where = `${refText(f.resource)}${f.host !== undefined ? ` (${f.host}${f.port !== undefined ? ` :${f.port}` : ''})` : ''}`;
      out.push(...wrap(`${p.c.green('✔')} ${f.code} ${f.title}: ${where}`, width, '    ').map((l, i) => (i === 0 ? `  ${l.trimStart()}` : l)));
    }
  }
  if (fixes.length > 0) {
    out.push('', p.c.bold.underline('Fixes (review, then paste)'));
    fixes.forEach((fix, i) => {
      if (i > 0) out.push('');
      out.push(...renderFix(i + 1, fix, width, p, verbose, folded));
    });
  }
  const hidden = [
    folded.messages ? plural(folded.messages, 'long message') : '',
    folded.evidence ? plural(folded.evidence, 'evidence line') : '',
    folded.places ? plural(folded.places, 'place') : '',
    folded.fixes ? plural(folded.fixes, 'long fix', 'long fixes') : '',
  ].filter(Boolean);
  if (report.findings.length > 0) {
    // the command, not a repository path: a krew or single-binary install has no docs/ directory
    const footer = `Docs: kubectl istio-tls explain <code> (${DOCS_URL}).${hidden.length ? ` Folded: ${hidden.join(', ')} (-v or -o json shows them).` : ''}`;
    out.push('', ...wrap(footer, width, '').map((l) => p.c.dim(l)));
  }
  return out.join('\n') + '\n';
}

export { humanizeKey };
