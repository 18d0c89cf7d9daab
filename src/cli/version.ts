// `version`: what the launcher answers without loading the doctor (src/cli/entry.ts) and what
// main.ts prints, from one place.
import { readFileSync } from 'node:fs';
import type { OutputFormat } from './args.js';

declare const __VERSION__: string | undefined;

export function version(): string {
  if (typeof __VERSION__ === 'string') return __VERSION__;
  // running from source (tsx): read it from package.json
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function printVersion(req: { output: OutputFormat }, io: { stdout: { write(text: string): unknown } }): number {
  // the release executables embed Bun, which reports a Node-compatible process.version: name the real runtime
  const bun = process.versions.bun;
  const info = { name: 'kubectl-istio-tls', version: version(), node: process.version, ...(bun ? { bun } : {}) };
  if (req.output === 'json') io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  else if (req.output === 'yaml') io.stdout.write(`name: ${info.name}\nversion: ${info.version}\nnode: ${info.node}\n${bun ? `bun: ${bun}\n` : ''}`);
  else io.stdout.write(`kubectl-istio-tls ${info.version} (${bun ? `bun ${bun}` : `node ${info.node}`})\n`);
  return 0;
}
