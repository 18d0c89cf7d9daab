// Label and field selectors with the API server's grammar, so a client that sends a selector a
// real cluster would reject is rejected here too (400), and one it accepts filters the same way.

export type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export class SelectorError extends Error {}

/** Split on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function parseLabelSelector(s: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const part of splitTopLevel(s)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      out.push({ op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*!=\s*([^\s,]*)$/))) {
      out.push({ op: 'neq', key: m[1], value: m[2] });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*==?\s*([^\s,]*)$/))) {
      out.push({ op: 'eq', key: m[1], value: m[2] });
    } else if ((m = part.match(/^!\s*([^\s!=(),]+)$/))) {
      out.push({ op: 'notexists', key: m[1] });
    } else if ((m = part.match(/^([^\s!=(),]+)$/))) {
      out.push({ op: 'exists', key: m[1] });
    } else {
      throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part)}`);
    }
  }
  return out;
}

export function labelsMatch(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

/** Field labels the real API server supports per kind (besides metadata.name / metadata.namespace). */
const FIELD_LABELS: Record<string, string[]> = {
  Secret: ['type'],
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  ReplicaSet: ['status.replicas'],
};

export function parseFieldSelector(s: string, kind: string): FieldRequirement[] {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(FIELD_LABELS[kind] ?? [])]);
  const out: FieldRequirement[] = [];
  for (const part of splitTopLevel(s)) {
    const m = part.match(/^([^!=]+?)\s*(!=|==|=)\s*(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${part}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!allowed.has(field)) throw new SelectorError(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3].trim() });
  }
  return out;
}

function fieldValue(obj: Record<string, unknown>, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[seg];
    else return '';
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function fieldsMatch(reqs: FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => {
    const v = fieldValue(obj, r.field);
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
}
