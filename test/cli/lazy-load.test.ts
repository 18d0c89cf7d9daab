// Offline mode never loads @kubernetes/client-node (~100-370 ms): the CLI reaches src/cluster only
// through a dynamic import(). This walks the static import graph from the entry point.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  // `import x from '...'`, `import type` is erased and does not load anything
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) specs.push(m[1]);
  return specs;
}

function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(ts)) visit(ts);
    }
  };
  visit(entry);
  return seen;
}

describe('start-up cost', () => {
  const reached = [...graph(join(ROOT, 'src', 'cli', 'main.ts'))];
  it('the CLI entry does not statically import src/cluster or client-node', () => {
    assert.deepEqual(reached.filter((p) => p.includes('/src/cluster/') || p.startsWith('@kubernetes/client-node')), []);
  });
  it('the walk itself finds the offline source and the report (a test that can fail)', () => {
    assert.ok(reached.some((p) => p.endsWith('src/manifests/index.ts')));
    assert.ok(reached.some((p) => p.endsWith('src/report/index.ts')));
  });
  it('main.ts loads the live source with a dynamic import', () => {
    assert.match(readFileSync(join(ROOT, 'src', 'cli', 'main.ts'), 'utf8'), /await import\('\.\.\/cluster\/index\.js'\)/);
  });
});
