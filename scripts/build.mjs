// Bundles the CLI: dist/cli.js (one ESM file, runs without node_modules) and dist/npm/ (the same code split
// into chunks for the npm launcher's start-up).
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: process.env.MINIFY === '1',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  // node-fetch's URL code (via client-node) requires the built-in punycode, which Node 22+ flags with a
  // DeprecationWarning on every run; the userland package is the same code without the warning
  alias: { punycode: 'punycode/punycode.js' },
  // the ESM bundle needs a CommonJS `require` for the CJS packages it contains (ws, node-fetch)
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

// dist/cli.js: the whole CLI in one file (`main` exported); the release executables are built from it
// (scripts/release.ts) and it runs without node_modules.
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' });

// dist/npm/: what the npm launcher (bin/kubectl-istio_tls) loads. Code splitting: the entry
// (src/cli/entry.ts) answers `version`, `help` and completion from a few KB and loads the doctor chunk,
// and the doctor loads client-node's chunk only for a live run, so nothing compiles what it does not run.
// Chunk names carry a content hash. Chunks of earlier builds are kept for an hour: a CLI started
// before this build (tests run in parallel with rebuilds) may still import them; older ones are pruned,
// and all of them when packing (`npm pack`/`npm publish` run this as prepack: only the current build ships).
const split = await build({ ...common, entryPoints: { cli: 'src/cli/entry.ts' }, outdir: 'dist/npm', splitting: true, chunkNames: 'chunks/[name]-[hash]', metafile: true });
const current = new Set(Object.keys(split.metafile.outputs).map((f) => resolve(f)));
for (const name of readdirSync('dist/npm/chunks')) {
  const file = resolve('dist/npm/chunks', name);
  const keepFor = process.env.npm_lifecycle_event === 'prepack' ? 0 : 3_600_000;
  if (!current.has(file) && Date.now() - statSync(file).mtimeMs >= keepFor) rmSync(file, { force: true });
}
