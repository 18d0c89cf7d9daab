// Shell completion through kubectl (≥ 1.26): `kubectl istio-tls doc<TAB>` makes kubectl run
// `kubectl_complete-istio_tls <words…> <word being completed>`, which answers in cobra's __complete
// format: one `value\tdescription` line per candidate, then `:<directive>`. Both the npm helper
// (bin/kubectl_complete-istio_tls) and the one `completion install` writes call `kubectl-istio_tls
// __complete …`, which lands here.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMMANDS, FAIL_ON, FLAG_SPECS, OUTPUT_FORMATS, type Command } from './args.js';

/** cobra's ShellCompDirective bits */
export const Directive = { Error: 1, NoSpace: 2, NoFileComp: 4, FilterFileExt: 8, FilterDirs: 16, KeepOrder: 32, Default: 0 } as const;

export interface CompletionIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

const COMMAND_HELP: Record<Command, string> = {
  doctor: 'find what breaks TLS for each gateway host, with evidence and fixes',
  status: 'one row per gateway host: certificate, expiry, SAN, chain, overall',
  explain: 'what a finding code means and how to fix it',
  version: 'print the version',
  completion: 'install shell completion for kubectl istio-tls',
  help: 'help for a command',
};

const FLAG_HELP: Record<string, string> = {
  kubeconfig: 'kubeconfig file',
  context: 'kubeconfig context to use',
  namespace: 'only Gateways in this namespace',
  'all-namespaces': 'all namespaces (the default)',
  output: 'output format: table, json, yaml or sarif',
  'fail-on': 'exit 1 at or above this severity',
  now: 'evaluate certificate validity at this RFC3339 time',
  'ca-file': 'extra trust anchors (PEM)',
  'expiry-warning': 'warn when a certificate expires within this window',
  filename: 'read manifests instead of a cluster',
  'request-timeout': 'give up on one API request after this long',
  'istio-namespace': 'where istiod and the mesh CA live',
  'no-color': 'no colour',
  'no-exec': 'do not look inside gateway pods',
  'no-probe': 'no live TLS handshake with the gateway pods',
  'fix-only': 'print only the combined remediation YAML',
  'fix-script': 'print every fix as a POSIX sh script',
  verbose: 'show everything the table folds',
  'use-kube': 'lay the -f files over the live cluster (what the change does)',
  'fail-on-existing': 'with --use-kube, --fail-on counts findings already live too',
  help: 'help for this command',
};

/** Flags that only make sense for some commands (the rest are cluster/report flags of doctor and status). */
const DOCTOR_ONLY = new Set(['fix-only', 'fix-script', 'verbose']);

function flagsFor(command: Command | undefined): { long: string; short?: string; kind: 'string' | 'boolean' }[] {
  const help = { long: 'help', short: 'h', kind: 'boolean' as const };
  if (command === 'version') return [...FLAG_SPECS.filter((f) => f.long === 'output'), help];
  if (command === 'help' || command === 'completion') return [help];
  if (command === 'explain') return [...FLAG_SPECS.filter((f) => f.long === 'output' || f.long === 'no-color'), help];
  const all = FLAG_SPECS.filter((f) => command === 'doctor' || command === undefined || !DOCTOR_ONLY.has(f.long));
  return [...all, help];
}

interface Parsed {
  command?: Command;
  positionals: string[];
  kubeconfig?: string;
  context?: string;
}

/** Reads the words before the one being completed, as the CLI would (values of string flags skipped). */
function parseWords(words: string[]): Parsed & { pendingFlag?: string } {
  const out: Parsed & { pendingFlag?: string } = { positionals: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      out.positionals.push(...words.slice(i + 1));
      break;
    }
    if (!w.startsWith('-') || w === '-') {
      out.positionals.push(w);
      continue;
    }
    const { spec, inline } = lookupFlag(w);
    if (!spec || spec.kind === 'boolean') continue;
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= words.length) {
        out.pendingFlag = spec.long;
        break;
      }
      value = words[++i];
    }
    if (spec.long === 'kubeconfig') out.kubeconfig = value;
    if (spec.long === 'context') out.context = value;
  }
  const first = out.positionals[0];
  if (first !== undefined && (COMMANDS as string[]).includes(first)) out.command = first as Command;
  return out;
}

function lookupFlag(word: string): { spec?: (typeof FLAG_SPECS)[number]; inline?: string } {
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
    return { spec: FLAG_SPECS.find((f) => f.long === name), inline: eq < 0 ? undefined : word.slice(eq + 1) };
  }
  const letter = word.slice(1, 2);
  const rest = word.slice(2);
  const spec = FLAG_SPECS.find((f) => f.short === letter);
  return { spec, inline: rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest };
}

export interface Candidate {
  value: string;
  description?: string;
}

export interface CompletionResult {
  candidates: Candidate[];
  directive: number;
}

export interface CompletionSources {
  contexts(kubeconfig: string | undefined): Promise<string[]>;
  namespaces(kubeconfig: string | undefined, context: string | undefined): Promise<string[]>;
}

/** Values of one string flag; undefined = let the shell complete file names. */
async function flagValues(flag: string, parsed: Parsed, sources: CompletionSources): Promise<Candidate[] | undefined> {
  switch (flag) {
    case 'output':
      // sarif is for doctor's findings only (args.ts refuses it elsewhere), so it is offered there only
      return OUTPUT_FORMATS.filter((v) => v !== 'sarif' || parsed.command === 'doctor').map((v) => ({ value: v }));
    case 'fail-on':
      return FAIL_ON.map((v) => ({ value: v }));
    case 'context':
      return (await sources.contexts(parsed.kubeconfig)).map((v) => ({ value: v }));
    case 'namespace':
    case 'istio-namespace':
      return (await sources.namespaces(parsed.kubeconfig, parsed.context)).map((v) => ({ value: v }));
    case 'kubeconfig':
    case 'filename':
    case 'ca-file':
      return undefined;
    default:
      return [];
  }
}

/** `words`: the arguments after `istio-tls`, the last one being the word under the cursor ('' for none). */
export async function complete(words: string[], sources: CompletionSources = kubectlSources()): Promise<CompletionResult> {
  const toComplete = words.length > 0 ? words[words.length - 1] : '';
  const parsed = parseWords(words.slice(0, -1));
  const noFiles = Directive.NoFileComp;
  const filter = (cands: Candidate[], prefix = '') => cands.filter((c) => c.value.startsWith(toComplete.slice(prefix.length))).map((c) => ({ ...c, value: prefix + c.value }));

  if (parsed.pendingFlag) {
    const values = await flagValues(parsed.pendingFlag, parsed, sources);
    return values === undefined ? { candidates: [], directive: Directive.Default } : { candidates: filter(values), directive: noFiles };
  }
  // --flag=value, -ovalue, -o=value
  if (toComplete.startsWith('-') && toComplete !== '-') {
    const { spec, inline } = lookupFlag(toComplete);
    if (spec && spec.kind === 'string' && inline !== undefined) {
      const prefix = toComplete.slice(0, toComplete.length - inline.length);
      const values = await flagValues(spec.long, parsed, sources);
      return values === undefined ? { candidates: [], directive: Directive.Default } : { candidates: filter(values, prefix), directive: noFiles };
    }
  }
  if (toComplete.startsWith('-')) {
    const cands: Candidate[] = [];
    for (const f of flagsFor(parsed.command)) {
      cands.push({ value: `--${f.long}`, description: FLAG_HELP[f.long] });
      if (f.short && toComplete.length <= 2 && !toComplete.startsWith('--')) cands.push({ value: `-${f.short}`, description: FLAG_HELP[f.long] });
    }
    return { candidates: filter(cands), directive: noFiles };
  }
  if (parsed.command === undefined) {
    if (parsed.positionals.length > 0) return { candidates: [], directive: noFiles };
    return { candidates: filter(COMMANDS.map((c) => ({ value: c, description: COMMAND_HELP[c] }))), directive: noFiles };
  }
  if (parsed.command === 'help' && parsed.positionals.length === 1) {
    return { candidates: filter(COMMANDS.filter((c) => c !== 'help').map((c) => ({ value: c, description: COMMAND_HELP[c] }))), directive: noFiles };
  }
  if (parsed.command === 'explain' && parsed.positionals.length === 1) {
    // the catalog loads the checks: only when completing a code, never for the other words
    const { codeCatalog } = await import('../report/catalog.js');
    const codes = codeCatalog().map((e) => ({ value: e.spec.code, description: e.spec.title }));
    // `explain itls2<TAB>` completes too: codes are matched in any case
    const upper = toComplete.toUpperCase();
    return { candidates: codes.filter((c) => c.value.startsWith(upper)), directive: noFiles };
  }
  if (parsed.command === 'completion' && parsed.positionals.length === 1) {
    return { candidates: filter([{ value: 'install', description: 'write kubectl_complete-istio_tls next to the plugin' }]), directive: noFiles };
  }
  return { candidates: [], directive: noFiles };
}

export function formatCompletion(result: CompletionResult): string {
  const lines = result.candidates.map((c) => (c.description ? `${c.value}\t${c.description}` : c.value));
  return `${[...lines, `:${result.directive}`].join('\n')}\n`;
}

/** Runs kubectl with a deadline; any failure or timeout is silently no output. */
function kubectlLines(args: string[], timeoutMs: number): Promise<string[]> {
  return new Promise((resolve) => {
    let out = '';
    let done = false;
    const finish = (lines: string[]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(lines);
    };
    let child;
    try {
      child = spawn('kubectl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      resolve([]);
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish([]);
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.on('error', () => finish([]));
    child.on('close', (code) => finish(code === 0 ? out.split(/\s+/).filter(Boolean) : []));
  });
}

/** Contexts as kubectl merges them; namespaces from the cluster, 2 s at most, nothing when unreachable. */
export function kubectlSources(timeoutMs = 2000): CompletionSources {
  const kc = (kubeconfig: string | undefined) => (kubeconfig ? ['--kubeconfig', kubeconfig] : []);
  return {
    contexts: (kubeconfig) => kubectlLines(['config', 'get-contexts', '-o', 'name', ...kc(kubeconfig)], timeoutMs),
    namespaces: (kubeconfig, context) =>
      kubectlLines(
        ['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}', `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`, ...kc(kubeconfig), ...(context ? ['--context', context] : [])],
        timeoutMs,
      ),
  };
}

/** `kubectl-istio_tls __complete <words…>` */
export async function runComplete(words: string[], io: CompletionIO): Promise<number> {
  io.stdout.write(formatCompletion(await complete(words)));
  return 0;
}

const HELPER = 'kubectl_complete-istio_tls';

/** Where krew links plugins: $KREW_ROOT/bin, default ~/.krew/bin. */
export function krewBinDir(env: Record<string, string | undefined>): string {
  return join(env.KREW_ROOT || join(env.HOME || env.USERPROFILE || homedir(), '.krew'), 'bin');
}

/**
 * `completion install [--dir <dir>]`: writes kubectl_complete-istio_tls into krew's bin directory (krew
 * itself does not install completion helpers). The helper calls the kubectl-istio_tls next to it when
 * there is one (krew's link, which survives upgrades), else this executable by its absolute path.
 */
export function installCompletion(args: string[], io: CompletionIO, self: { execPath: string; script?: string; platform: NodeJS.Platform }): number {
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--dir' && args[i + 1] !== undefined) dir = args[++i];
    else if (a.startsWith('--dir=')) dir = a.slice('--dir='.length);
    else {
      io.stderr.write(`error: completion install: unexpected argument "${a}" (usage: kubectl istio-tls completion install [--dir <dir>])\n`);
      return 2;
    }
  }
  dir ??= krewBinDir(io.env);
  if (dir.trim() === '') {
    io.stderr.write('error: completion install: --dir needs a value\n');
    return 2;
  }
  const windows = self.platform === 'win32';
  const target = join(dir, windows ? `${HELPER}.cmd` : HELPER);
  const sibling = windows ? 'kubectl-istio_tls.exe' : 'kubectl-istio_tls';
  // the npm launcher runs under node (execPath is node, script the launcher); the release executable is itself
  const selfCmd = self.script ? [self.execPath, self.script] : [self.execPath];
  let text: string;
  if (windows) {
    const call = existsSync(join(dir, sibling)) ? `"%~dp0${sibling}"` : selfCmd.map((p) => `"${p}"`).join(' ');
    text = `@echo off\r\nrem kubectl completion helper for kubectl istio-tls (written by: kubectl istio-tls completion install)\r\n${call} __complete %*\r\n`;
  } else {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // ${0%/*}: the helper's directory without running dirname (PATH may hold nothing but kubectl)
    const call = existsSync(join(dir, sibling)) ? `"\${0%/*}/${sibling}"` : selfCmd.map(q).join(' ');
    text = `#!/bin/sh\n# kubectl completion helper for kubectl istio-tls (written by: kubectl istio-tls completion install)\nexec ${call} __complete "$@"\n`;
  }
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(target, text);
    if (!windows) chmodSync(target, 0o755);
  } catch (e) {
    io.stderr.write(`error: completion install: cannot write ${target} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    return 2;
  }
  io.stdout.write(`wrote ${target}\nkubectl (1.26 or later) now completes \`kubectl istio-tls …\`${onPath(dir, io.env) ? '' : `; put ${dir} on PATH`}.\n`);
  return 0;
}

function onPath(dir: string, env: Record<string, string | undefined>): boolean {
  const sep = process.platform === 'win32' ? ';' : ':';
  return (env.PATH ?? '').split(sep).some((p) => p !== '' && resolve(p) === resolve(dir));
}

export function completionHelp(name: string): string {
  return `Shell completion for ${name}, through kubectl's own completion (kubectl 1.26 or later).

Usage:
  ${name} completion install [--dir <dir>]

kubectl completes \`${name} …\` by running ${HELPER} from PATH. npm installs it with the
plugin; krew does not, so after \`kubectl krew install istio-tls\` run:

  ${name} completion install

It writes ${HELPER} into krew's bin directory ($KREW_ROOT/bin, default ~/.krew/bin), or into --dir.
Shell completion for kubectl itself must be enabled (e.g. source <(kubectl completion bash)).
`;
}
