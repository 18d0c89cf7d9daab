// Bundles the CLI into dist/cli.js (one ESM file: fast start-up, runs without node_modules).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
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
});
