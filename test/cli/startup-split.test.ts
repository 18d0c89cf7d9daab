// The npm launcher loads dist/npm/cli.js (esbuild code splitting, scripts/build.mjs): `version`, `help`
// and completion must not load the doctor. Checked by what the entry reaches (its static import graph
// in the source, and in the built chunks), never by timing; and the split build must answer exactly as
// the single-file bundle does (dist/cli.js, what the release executables are built from).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ensureBuilt } from '../scenario/harness.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function staticImports(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) specs.push(m[1]);
  return specs;
}

/** Files reached from `entry` through static imports (relative specifiers; `.js` resolved to `.ts` in src). */
function reach(entry: string, toFile: (from: string, spec: string) => string | undefined): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      const next = toFile(file, spec);
      if (next) visit(next);
    }
  };
  visit(entry);
  return seen;
}

const tsFile = (from: string, spec: string) => {
  const p = resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
  return existsSync(p) ? p : undefined;
};
const jsFile = (from: string, spec: string) => {
  const p = resolve(dirname(from), spec);
  return existsSync(p) ? p : undefined;
};

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('start-up: the npm entry answers version/help without the doctor', () => {
  it('src/cli/entry.ts reaches no check, manifest, report, remediation or cluster module, nor yaml or client-node', () => {
    const reached = [...reach(join(ROOT, 'src', 'cli', 'entry.ts'), tsFile)];
    const heavy = reached.filter((p) => /\/src\/(checks|manifests|report|remediation|cluster|tls)\//.test(p) || p.endsWith('/src/cli/main.ts') || p === 'yaml' || p.startsWith('@kubernetes/'));
    assert.deepEqual(heavy, []);
    // the walk itself can fail: it finds what the entry does use
    assert.ok(reached.some((p) => p.endsWith('/src/cli/version.ts')));
  });

  it('the built entry and its static chunks are small; the doctor is a chunk loaded by import()', () => {
    ensureBuilt();
    const entry = join(ROOT, 'dist', 'npm', 'cli.js');
    const files = [...reach(entry, jsFile)].filter((p) => p.startsWith('/'));
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    assert.ok(bytes < 200_000, `version/help load ${bytes} bytes of JS in ${files.length} files`);
    assert.match(readFileSync(entry, 'utf8'), /await import\("\.\/chunks\/main-[A-Z0-9]+\.js"\)/);
  });

  it('the launcher (split build) and the single-file bundle print the same version, help and usage error', () => {
    ensureBuilt();
    // the single-file bundle the release executables are built from, run the way their entry runs it (node -e: argv[1] is the first argument)
    const runner = `const { main } = await import(${JSON.stringify(join(ROOT, 'dist', 'cli.js'))}); process.exitCode = await main(process.argv.slice(1));`;
    const viaSingle = (args: string[]) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', runner, '--', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    for (const args of [['version'], ['version', '-o', 'json'], ['--help'], ['doctor', '--help'], ['doctor', '--no-such-flag'], ['doctor', '-f', join(ROOT, 'no-such-dir')]]) {
      assert.deepEqual(run(join(ROOT, 'bin', 'kubectl-istio_tls'), args), viaSingle(args), args.join(' '));
    }
  });
});
