// Where each object of the `-f` files is written: file, line and column of the object, and of each of
// its scalar fields (path → line), for reports that point at lines (-o sarif). Collected only when asked
// (the parse is otherwise unchanged), from the `yaml` package's node ranges while the document's tree is
// still there, then kept as a small flat list: no tree survives the document.
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { originKey, type FieldPosition, type ObjectOrigin, type OriginIndex } from '../snapshot/origins.js';

export { originKey, type FieldPosition, type ObjectOrigin, type OriginIndex };

/** Findings name a Gateway-API Gateway `Gateway.gateway.networking.k8s.io` (src/checks/gateway-api-model.ts). */
function refKind(kind: string, apiVersion: string | undefined): string {
  return kind === 'Gateway' && (apiVersion ?? '').startsWith('gateway.networking.k8s.io/') ? 'Gateway.gateway.networking.k8s.io' : kind;
}


/** Every node's position under `node`, by dotted path (the path prefix included). */
function collect(node: unknown, path: string, lc: LineCounter, out: FieldPosition[]): void {
  const at = (n: Node | null | undefined) => lc.linePos(n?.range?.[0] ?? 0);
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : undefined;
      if (key === undefined) continue;
      const p = path ? `${path}.${key}` : key;
      const pos = at(item.key as Node);
      const value = isScalar(item.value) ? String(item.value.value) : undefined;
      out.push({ path: p, value, line: pos.line, column: pos.col });
      if (!isScalar(item.value)) collect(item.value, p, lc, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const p = `${path}.${i}`;
      const pos = at(item as Node);
      out.push({ path: p, value: isScalar(item) ? String(item.value) : undefined, line: pos.line, column: pos.col });
      if (!isScalar(item)) collect(item, p, lc, out);
    });
  }
}

/** A map node's scalar value under a plain key (`kind`), or undefined. */
function scalarAt(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  return pair && isScalar(pair.value) ? pair.value.value : isPair(pair) ? pair.value : undefined;
}

/**
 * Record the objects of one parsed document (a `kind: List` too) in `index`. `contents` is the
 * document's root node; objects without a namespace are recorded under `default` as well (what the
 * API server would make of them, and what the offline source does). Linear in the document's nodes.
 */
export function recordOrigins(contents: unknown, file: string, lc: LineCounter, index: OriginIndex): void {
  // a JSON array of objects
  if (isSeq(contents)) {
    for (const item of contents.items) recordOrigins(item, file, lc, index);
    return;
  }
  if (!isMap(contents)) return;
  const kind = scalarAt(contents, 'kind');
  const items = scalarAt(contents, 'items');
  if (isSeq(items) && (kind === undefined || (typeof kind === 'string' && kind.endsWith('List')))) {
    for (const item of items.items) recordOrigins(item, file, lc, index);
    return;
  }
  const meta = scalarAt(contents, 'metadata');
  const name = scalarAt(meta, 'name');
  if (typeof kind !== 'string' || typeof name !== 'string' || name === '') return;
  const fields: FieldPosition[] = [];
  collect(contents, '', lc, fields);
  const at = lc.linePos(contents.range?.[0] ?? 0);
  const origin: ObjectOrigin = { file, line: at.line, column: at.col, fields };
  const apiVersion = scalarAt(contents, 'apiVersion');
  const k = refKind(kind, typeof apiVersion === 'string' ? apiVersion : undefined);
  const ns = scalarAt(meta, 'namespace');
  if (typeof ns === 'string' && ns !== '') index.set(originKey(k, ns, name), origin);
  else {
    index.set(originKey(k, undefined, name), origin);
    index.set(originKey(k, 'default', name), origin);
  }
}
