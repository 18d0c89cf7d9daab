// `doctor --fix-only -o yaml`: every remediation document of a run as one stream for
// `kubectl apply -f -` (after review), each with a comment header saying what it fixes. The same
// object fixed by several findings appears once, with every finding it answers in its header; when
// two findings propose different versions of one object, both are kept and the header says so.
import { parseAllDocuments, stringify } from 'yaml';

/** The parts of a finding this needs (structural, so the remediation layer does not import checks). */
export interface FixSource {
  code: string;
  severity: string;
  message: string;
  resource: { kind: string; namespace?: string; name: string };
  host?: string;
  remediation?: { summary: string; yaml?: string; commands?: string[] };
}

interface Doc {
  key: string;
  text: string;
  fixes: string[];
  summaries: string[];
}

function objectKey(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  return `${obj.apiVersion ?? ''}|${obj.kind ?? ''}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}`;
}

export function combineRemediations(findings: FixSource[]): string {
  const docs: Doc[] = [];
  const commands: { fixes: string; command: string }[] = [];
  for (const f of findings) {
    const r = f.remediation;
    if (!r) continue;
    const what = `${f.code} ${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}${f.host ? ` (${f.host})` : ''}`;
    for (const command of r.commands ?? []) if (!commands.some((c) => c.command === command)) commands.push({ fixes: what, command });
    if (!r.yaml) continue;
    for (const d of parseAllDocuments(r.yaml)) {
      const obj = d.toJS() as Parameters<typeof objectKey>[0] | null;
      if (!obj) continue;
      const text = stringify(obj, { lineWidth: 0 }).trimEnd();
      const key = objectKey(obj);
      const same = docs.find((x) => x.key === key && x.text === text);
      if (same) {
        if (!same.fixes.includes(what)) same.fixes.push(what);
        if (!same.summaries.includes(r.summary)) same.summaries.push(r.summary);
        continue;
      }
      docs.push({ key, text, fixes: [what], summaries: [r.summary] });
    }
  }
  const out: string[] = [];
  if (commands.length) {
    out.push(
      [
        '# Commands the fixes call for. Run them by hand, in order, after reading each fix and its notes in',
        '# `kubectl istio-tls doctor` (some are alternatives to each other); replace the <placeholders>.',
        '# The documents below may refer to what they create (e.g. a credential Secret).', ...commands.map((c) => `#   ${c.command}   # ${c.fixes}`)].join('\n'),
    );
  }
  for (const d of docs) {
    const rivals = docs.filter((x) => x.key === d.key).length;
    const header = [
      ...d.fixes.map((x) => `# fixes ${x}`),
      ...d.summaries.map((s) => `# ${s}`),
      ...(rivals > 1 ? [`# NOTE: ${rivals} different versions of this object are proposed below; apply one.`] : []),
    ];
    out.push(`${header.join('\n')}\n${d.text}`);
  }
  if (!docs.length && !commands.length) return '# nothing to fix\n';
  // a comment-only first part keeps `kubectl apply -f -` happy: it is an empty document
  return out.join('\n---\n') + '\n';
}
