// The layers of src/ (docs/architecture.md): imports point down, never in a circle, and no check module
// imports another. Reads every import/export-from of src/ (`import type` included) with the TypeScript
// parser, so a violation fails here before a reviewer has to find it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The main stack, bottom first: a layer imports only layers below it (snapshot and tls share the bottom). */
const STACK: Record<string, number> = { snapshot: 0, tls: 0, findings: 1, model: 2, remediation: 3, checks: 4, status: 5, report: 6, cli: 7 };
/** Layers beside the stack, and what each may import. */
const SIDE: Record<string, string[]> = {
  cluster: ['snapshot', 'tls'],
  manifests: ['snapshot'],
  testing: ['snapshot', 'tls'],
  sim: ['testing', 'snapshot', 'tls'],
};
/** Who may import a side layer (besides itself). */
const SIDE_USERS: Record<string, string[]> = { cluster: ['cli'], manifests: ['cli'], testing: ['sim'], sim: [] };
/** checks/ files that are the engine or shared code, not check modules. */
const ENGINE = new Set(['checks/index.ts', 'checks/run.ts', 'checks/types.ts']);

export type Graph = Map<string, Set<string>>;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of every file under `root`: `a.ts` → files it imports (paths relative to root, '/' separated). */
export function importGraph(root: string): Graph {
  const graph: Graph = new Map();
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  for (const file of walk(root)) {
    const from = rel(file);
    const to = new Set<string>();
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const add = (spec: string) => {
      if (spec.startsWith('.')) to.add(rel(resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    };
    const visit = (node: ts.Node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text);
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) add(node.argument.literal.text);
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) add(node.arguments[0].text);
      ts.forEachChild(node, visit);
    };
    visit(sf);
    graph.set(from, to);
  }
  return graph;
}

const layerOf = (file: string) => (file.includes('/') ? file.split('/')[0] : '');

/** Why `from` may not import `to`, or undefined when it may. */
function layerViolation(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === b) {
    const isCheck = (f: string) => a === 'checks' && !ENGINE.has(f) && !f.startsWith('checks/common/');
    if (isCheck(from) && isCheck(to)) return `check module ${from} imports check module ${to} (move the shared part to model/, remediation/ or checks/common/)`;
    if (a === 'checks' && from.startsWith('checks/common/') && isCheck(to)) return `checks/common ${from} imports check module ${to}`;
    return undefined;
  }
  if (a === 'cli' && b in SIDE) return undefined;
  if (b in SIDE && !SIDE_USERS[b].includes(a)) return `${from} imports ${to}: ${b}/ is used only by ${SIDE_USERS[b].join(', ') || 'tests'}`;
  if (a in SIDE) return SIDE[a].includes(b) ? undefined : `${from} imports ${to}: ${a}/ may import only ${SIDE[a].join(', ')}`;
  if (!(a in STACK) || !(b in STACK)) return `${from} imports ${to}: a layer docs/architecture.md does not name`;
  if (STACK[b] >= STACK[a]) return `upward import: ${from} (${a}) imports ${to} (${b})`;
  return undefined;
}

/** Every rule the graph breaks: upward or sideways imports, check → check, and circles (each once). */
export function violations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph) for (const to of tos) {
    const why = layerViolation(from, to);
    if (why) out.push(why);
  }
  // circles: depth-first search; a back edge closes one
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) {
        const circle = [...stack.slice(stack.indexOf(m)), m];
        const key = [...circle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          out.push(`import circle: ${circle.join(' -> ')}`);
        }
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return out;
}

describe('architecture: the imports of src/', () => {
  const graph = importGraph(SRC);

  it('reads the real tree (every layer present, type-only imports included)', () => {
    for (const layer of [...Object.keys(STACK), ...Object.keys(SIDE)]) assert.ok([...graph.keys()].some((f) => layerOf(f) === layer), `no file in src/${layer}/`);
    // checks/types.ts imports findings/types.ts with `import type` only: the edge must still be seen
    assert.ok(graph.get('checks/types.ts')?.has('findings/types.ts'), 'import type edges are part of the graph');
  });

  it('points down only, has no circles, and no check imports another check', () => {
    assert.deepEqual(violations(graph), []);
  });

  it('fails on a planted upward import, a circle and a check importing a check (temp tree)', () => {
    const root = mkdtempSync(join(tmpdir(), 'itls-arch-'));
    try {
      const put = (file: string, text: string) => {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      };
      put('findings/types.ts', "export interface Finding { code: string }\n");
      put('model/model.ts', "import type { Remediation } from '../remediation/common.js';\nexport type M = Remediation;\n");
      put('remediation/common.ts', "import type { M } from '../model/model.js';\nexport interface Remediation { m?: M }\n");
      put('checks/routing.ts', "import { x } from './gateway-config.js';\nexport const y = x;\n");
      put('checks/gateway-config.ts', "export const x = 1;\n");
      put('checks/run.ts', "import { y } from './routing.js';\nexport const z = y;\n");
      const found = violations(importGraph(root));
      assert.ok(found.some((v) => v.startsWith('upward import: model/model.ts (model) imports remediation/common.ts')), found.join('\n'));
      assert.ok(found.some((v) => v.startsWith('import circle:') && v.includes('model/model.ts') && v.includes('remediation/common.ts')), found.join('\n'));
      assert.ok(found.some((v) => v.startsWith('check module checks/routing.ts imports check module checks/gateway-config.ts')), found.join('\n'));
      // the engine may import the checks it runs
      assert.ok(!found.some((v) => v.includes('checks/run.ts')), found.join('\n'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails when a planted edge is added to the real graph', () => {
    const planted: Graph = new Map([...graph].map(([k, v]) => [k, new Set(v)]));
    planted.get('tls/index.ts')?.add('checks/run.ts');
    const found = violations(planted);
    assert.ok(found.some((v) => v === 'upward import: tls/index.ts (tls) imports checks/run.ts (checks)'), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('import circle:')), 'checks/run.ts reaches tls/: a circle');
  });
});
