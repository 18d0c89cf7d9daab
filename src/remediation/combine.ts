// Every fix of a run as one plan: one final document per object (all fixes touching it merged onto
// the object as the cluster holds it), commands in order, each once. Two renderings:
//  - `doctor --fix-only`: the documents, a stream `kubectl apply -f` accepts (never empty: when no
//    fix is a document the CLI says so on stderr instead);
//  - `doctor --fix-script`: a POSIX sh script — `set -eu`, the variables it needs checked at the top,
//    then each fix's commands and `kubectl apply` heredocs in order.
import { parseAllDocuments, stringify } from 'yaml';
import { checkVarLine, finalizeRemediation, isVarCheck, varsUsed } from './common.js';

/** The parts of a finding this needs (structural, so the remediation layer does not import checks). */
export interface FixSource {
  code: string;
  severity: string;
  message: string;
  resource: { kind: string; namespace?: string; name: string };
  host?: string;
  remediation?: { summary: string; yaml?: string; commands?: string[]; notes?: string[]; alternatives?: { label: string; summary: string; commands: string[]; destructive?: boolean }[] };
}

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string }; [k: string]: unknown };

/** The object as the cluster holds it (server fields removed), to merge several fixes of it onto. */
export type BaseLookup = (kind: string, namespace: string | undefined, name: string) => Obj | undefined;

export interface PlanDoc {
  key: string;
  obj: Obj;
  fixes: string[];
  summaries: string[];
}

export interface PlanStep {
  label: string;
  summary: string;
  commands: string[];
  notes: string[];
  /** alternatives (never both): printed commented out in the script, for the user to pick one */
  alternatives: { label: string; summary: string; commands: string[]; destructive?: boolean }[];
  /** documents first proposed by this fix (their final, merged version is emitted here) */
  docs: PlanDoc[];
}

export interface FixPlan {
  steps: PlanStep[];
  docs: PlanDoc[];
  /** variables the commands need, in order of first use */
  vars: string[];
  /** objects a command deletes (documents proposed for them are dropped) */
  deleted: string[];
}

function keyOf(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  return `${(kind ?? '').toLowerCase()}|${namespace ?? ''}|${name ?? ''}`;
}

function objectKey(obj: Obj): string {
  return keyOf(obj.kind, obj.metadata?.namespace, obj.metadata?.name);
}

const DELETE = /^kubectl delete ([a-z.]+) ([a-z0-9.-]+) -n ([a-z0-9-]+)(\s|$)/;
const DELETE_GATEWAY = /^kubectl delete gateways?(\.networking\.istio\.io)? /;

function deletedKey(command: string): string | undefined {
  const m = DELETE.exec(command.trim());
  if (!m) return undefined;
  const kind = m[1].split('.')[0].replace(/s$/, '');
  return keyOf(kind, m[3], m[2]);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Identity of a list element: a server by its port name, a named entry by name, else its content. */
function elementId(v: unknown): string {
  if (isRecord(v)) {
    const port = v.port;
    if (isRecord(port) && typeof port.name === 'string') return `port:${port.name}`;
    if (typeof v.name === 'string') return `name:${v.name}`;
  }
  return `json:${JSON.stringify(v)}`;
}

/**
 * Three-way merge: `proposal` is one fix's version of `base`; its changes are applied onto `current`
 * (which earlier fixes may have changed). Lists merge element by element, so applying the same
 * change twice never grows a list.
 */
export function merge3(base: unknown, current: unknown, proposal: unknown): unknown {
  if (same(base, proposal)) return current;
  if (same(base, current)) return structuredClone(proposal);
  if (isRecord(base) && isRecord(current) && isRecord(proposal)) {
    const out: Record<string, unknown> = { ...current };
    for (const k of new Set([...Object.keys(base), ...Object.keys(proposal)])) {
      if (!(k in proposal)) {
        delete out[k];
        continue;
      }
      const merged = merge3(base[k], current[k], proposal[k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(current) && Array.isArray(proposal)) {
    const baseById = new Map(base.map((v) => [elementId(v), v]));
    const propById = new Map(proposal.map((v) => [elementId(v), v]));
    const out: unknown[] = [];
    const seen = new Set<string>();
    for (const v of current) {
      const id = elementId(v);
      seen.add(id);
      if (baseById.has(id) && !propById.has(id)) continue; // the proposal removed it
      out.push(propById.has(id) && baseById.has(id) ? merge3(baseById.get(id), v, propById.get(id)) : v);
    }
    for (const v of proposal) {
      const id = elementId(v);
      if (!seen.has(id) && !baseById.has(id)) {
        seen.add(id);
        out.push(structuredClone(v));
      }
    }
    return out;
  }
  return structuredClone(proposal);
}

function label(f: FixSource): string {
  return `${f.code} ${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}${f.host ? ` (${f.host})` : ''}`;
}

export function planFixes(findings: FixSource[], lookup?: BaseLookup): FixPlan {
  const steps: PlanStep[] = [];
  const byRemediation = new Map<string, PlanStep>();
  const docs = new Map<string, PlanDoc & { base: Obj | undefined }>();
  const seenCommands = new Set<string>();
  const deleted = new Set<string>();
  for (const f of findings) {
    const raw = f.remediation;
    if (!raw) continue;
    const r = finalizeRemediation(raw);
    const what = label(f);
    const rkey = JSON.stringify([r.summary, r.yaml ?? '', r.commands ?? []]);
    const known = byRemediation.get(rkey);
    if (known) {
      known.label += `, ${what}`;
      for (const d of known.docs) if (!d.fixes.includes(what)) d.fixes.push(what);
      continue;
    }
    const step: PlanStep = { label: what, summary: r.summary, commands: [], notes: r.notes ?? [], alternatives: r.alternatives ?? [], docs: [] };
    byRemediation.set(rkey, step);
    for (const c of r.commands ?? []) {
      if (isVarCheck(c)) continue;
      const del = deletedKey(c);
      if (del) deleted.add(del);
      // the same command twice runs once; comment lines (a commented document, a fill-in) are kept as written
      if (!c.trimStart().startsWith('#')) {
        if (seenCommands.has(c)) continue;
        seenCommands.add(c);
      }
      step.commands.push(c);
    }
    if (r.yaml) {
      for (const d of parseAllDocuments(r.yaml)) {
        const obj = d.toJS() as Obj | null;
        if (!obj || typeof obj !== 'object') continue;
        const key = objectKey(obj);
        const have = docs.get(key);
        if (!have) {
          const base = lookup?.(obj.kind ?? '', obj.metadata?.namespace, obj.metadata?.name ?? '');
          const doc = { key, obj: structuredClone(obj), fixes: [what], summaries: [r.summary], base };
          docs.set(key, doc);
          step.docs.push(doc);
          continue;
        }
        // another fix of the same object: merge its changes onto what earlier fixes made of it
        have.obj = (have.base ? merge3(have.base, have.obj, obj) : merge3(have.obj, have.obj, obj)) as Obj;
        if (!have.fixes.includes(what)) have.fixes.push(what);
        if (!have.summaries.includes(r.summary)) have.summaries.push(r.summary);
      }
    }
    steps.push(step);
  }
  for (const s of steps) s.docs = s.docs.filter((d) => !deleted.has(d.key));
  const allDocs = [...docs.values()].filter((d) => !deleted.has(d.key));
  const vars = varsUsed(steps.flatMap((s) => s.commands));
  return { steps, docs: allDocs, vars, deleted: [...deleted] };
}

function docText(d: PlanDoc): string {
  return stringify(d.obj, { lineWidth: 0 }).trimEnd();
}

function commentLines(text: string, prefix = '# '): string[] {
  return text.split('\n').map((l) => `${prefix}${l}`.trimEnd());
}

/** `--fix-only`: the documents, one per object; '' when no fix is a document. */
export function renderFixOnly(plan: FixPlan): string {
  if (plan.docs.length === 0) return '';
  const commandSteps = plan.steps.filter((s) => s.commands.some((c) => !c.trimStart().startsWith('#')));
  const out: string[] = [];
  plan.docs.forEach((d, i) => {
    const header: string[] = [];
    if (i === 0 && commandSteps.length) {
      header.push(
        `# ${commandSteps.length} fix${commandSteps.length === 1 ? ' needs' : 'es need'} commands (secrets, deletions) that a YAML stream cannot carry:`,
        '# run `kubectl istio-tls doctor --fix-script` for the whole fix as a shell script.',
      );
    }
    header.push(...d.fixes.map((x) => `# fixes ${x}`), ...d.summaries.flatMap((s) => commentLines(s)));
    out.push(`${header.join('\n')}\n${docText(d)}`);
  });
  return out.join('\n---\n') + '\n';
}

/** Does this command change the cluster? Read-only ones are printed as comments in the script. */
export function changesCluster(command: string): boolean {
  const c = command.trim();
  if (c.startsWith('#') || c === '') return false;
  return /\bkubectl (apply|create|patch|delete|label|annotate|replace|scale|set|rollout restart)\b/.test(c);
}

/** `--fix-script`: POSIX sh. */
export function renderFixScript(plan: FixPlan): string {
  const out: string[] = [
    '#!/bin/sh',
    '# kubectl istio-tls doctor --fix-script: every fix of this run, in order. Read it before running it.',
    'set -eu',
  ];
  if (plan.vars.length) {
    out.push('', '# What only you have or know (certificate and key files, backends); the script stops here when one is unset.');
    out.push(...plan.vars.map(checkVarLine));
  }
  if (plan.steps.length === 0) out.push('', '# nothing to fix');
  plan.steps.forEach((s, i) => {
    out.push('', `# [${i + 1}] fixes ${s.label}`, ...commentLines(s.summary));
    for (const n of s.notes) out.push(...commentLines(`note: ${n}`));
    // a Gateway is deleted only once what replaces it is applied (no window where its hosts are served by nothing)
    const later = s.commands.filter((c) => DELETE_GATEWAY.test(c.trim()));
    for (const c of s.commands) {
      if (later.includes(c)) continue;
      if (c.trimStart().startsWith('#')) out.push(c);
      else if (changesCluster(c)) out.push(c);
      else out.push(`# to look: ${c}`);
    }
    for (const d of s.docs) {
      if (d.fixes.length > 1) out.push(`# this document also fixes: ${d.fixes.filter((x) => x !== s.label).join('; ')}`);
      out.push(`kubectl apply -f - <<'YAML'`, docText(d), 'YAML');
    }
    out.push(...later);
    // alternatives never run one after the other: the script carries them commented out, the user uncomments one
    s.alternatives.forEach((a, j) => {
      out.push(`# [${i + 1}${String.fromCharCode(97 + j)}] ${a.label}${a.destructive ? ' (destructive)' : ''}`, ...commentLines(a.summary, '#   '));
      for (const c of a.commands) out.push(c.trimStart().startsWith('#') ? c : `#   ${c}`);
    });
  });
  return out.join('\n') + '\n';
}

/** Back-compatible: the `--fix-only` stream of a run ('' when nothing is a document). */
export function combineRemediations(findings: FixSource[], lookup?: BaseLookup): string {
  return renderFixOnly(planFixes(findings, lookup));
}
