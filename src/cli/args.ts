// Command line → a typed request. Parsed by hand (not node:util parseArgs) so every mistake gets a
// one-line message in kubectl's words, and so kubectl's spellings work: `-n ns`, `-nns`, `-n=ns`,
// `--namespace ns`, `--namespace=ns`, `-ojson`, `-A`.
import { DurationError, parseDuration } from './duration.js';

export type Command = 'doctor' | 'status' | 'explain' | 'version' | 'completion' | 'help';
export type OutputFormat = 'table' | 'json' | 'yaml' | 'sarif';
export type FailOn = 'error' | 'warning' | 'info' | 'none';

export const COMMANDS: Command[] = ['doctor', 'status', 'explain', 'version', 'completion', 'help'];
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'yaml', 'sarif'];
export const FAIL_ON: FailOn[] = ['error', 'warning', 'info', 'none'];

export const DEFAULT_EXPIRY_WARNING_MS = 30 * 86_400_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_ISTIO_NAMESPACE = 'istio-system';

export interface CliRequest {
  command: Command;
  /** `help doctor`, `doctor --help`: the command whose help to print */
  helpFor?: Command;
  kubeconfig?: string;
  context?: string;
  /** -n: Gateways in this namespace only; undefined = all */
  namespace?: string;
  allNamespaces: boolean;
  output: OutputFormat;
  failOn: FailOn;
  /** --now: the clock for expiry checks; undefined = the real clock */
  now?: Date;
  caFiles: string[];
  expiryWarningMs: number;
  /** -f: offline mode when non-empty */
  filenames: string[];
  requestTimeoutMs: number;
  istioNamespace: string;
  /** --no-color given */
  noColor: boolean;
  /** --no-exec: do not look inside gateway pods (no port-forward, no exec) */
  noExec: boolean;
  /** --no-probe: no TLS handshake with the gateway pods (the live probe); --no-exec implies it */
  noProbe: boolean;
  /** --fix-only: print only the combined remediation, ready for `kubectl apply -f -` after review */
  fixOnly: boolean;
  /** `explain CODE`: the code asked for (undefined lists every code) */
  explainCode?: string;
  /** `completion install` arguments */
  completionArgs?: string[];
  /** --fix-script: print every fix as a POSIX sh script (variables checked first, commands and apply heredocs in order) */
  fixScript: boolean;
  /** -v: the table shows everything it folds by default (all evidence, serials, fingerprints, every place) */
  verbose: boolean;
  /** --use-kube (istioctl analyze's flag): the -f files laid over the live cluster, not read alone */
  useKube: boolean;
  /** --fail-on-existing: with --use-kube, --fail-on counts the findings already live too */
  failOnExisting: boolean;
}

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
  }
}

type FlagKind = 'string' | 'boolean';

interface FlagSpec {
  long: string;
  short?: string;
  kind: FlagKind;
  /** flags that only make sense with a cluster or report; version/help accept them and ignore them */
  apply(req: CliRequest, value: string, flag: string): void;
}

function oneOf<T extends string>(allowed: readonly T[], value: string, flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
}

function duration(value: string, flag: string, bareUnit?: 's' | 'd'): number {
  try {
    const ms = parseDuration(value, bareUnit);
    if (ms <= 0) throw new UsageError(`${flag} must be longer than 0 (got "${value}")`);
    return ms;
  } catch (e) {
    if (e instanceof DurationError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

function nonEmpty(value: string, flag: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} needs a value`);
  return value;
}

/** RFC3339 only (a date without a time or zone would silently mean local midnight). */
export function parseNow(value: string, flag = '--now'): Date {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const d = new Date(value);
  if (!rfc3339.test(value) || Number.isNaN(d.getTime())) {
    throw new UsageError(`${flag} must be an RFC3339 time like 2026-01-31T12:00:00Z (got "${value}")`);
  }
  return d;
}

// One entry per flag.
const FLAGS: FlagSpec[] = [
  { long: 'kubeconfig', kind: 'string', apply: (r, v, f) => (r.kubeconfig = nonEmpty(v, f)) },
  { long: 'context', kind: 'string', apply: (r, v, f) => (r.context = nonEmpty(v, f)) },
  { long: 'namespace', short: 'n', kind: 'string', apply: (r, v, f) => (r.namespace = nonEmpty(v, f)) },
  { long: 'all-namespaces', short: 'A', kind: 'boolean', apply: (r) => (r.allNamespaces = true) },
  { long: 'output', short: 'o', kind: 'string', apply: (r, v, f) => (r.output = oneOf(OUTPUT_FORMATS, v, f)) },
  { long: 'fail-on', kind: 'string', apply: (r, v, f) => (r.failOn = oneOf(FAIL_ON, v, f)) },
  { long: 'now', kind: 'string', apply: (r, v, f) => (r.now = parseNow(v, f)) },
  { long: 'ca-file', kind: 'string', apply: (r, v, f) => r.caFiles.push(nonEmpty(v, f)) },
  { long: 'expiry-warning', kind: 'string', apply: (r, v, f) => (r.expiryWarningMs = duration(v, f)) },
  { long: 'filename', short: 'f', kind: 'string', apply: (r, v, f) => r.filenames.push(nonEmpty(v, f)) },
  { long: 'request-timeout', kind: 'string', apply: (r, v, f) => (r.requestTimeoutMs = duration(v, f, 's')) },
  { long: 'istio-namespace', kind: 'string', apply: (r, v, f) => (r.istioNamespace = nonEmpty(v, f)) },
  { long: 'no-color', kind: 'boolean', apply: (r) => (r.noColor = true) },
  { long: 'no-exec', kind: 'boolean', apply: (r) => (r.noExec = true) },
  { long: 'no-probe', kind: 'boolean', apply: (r) => (r.noProbe = true) },
  { long: 'fix-only', kind: 'boolean', apply: (r) => (r.fixOnly = true) },
  { long: 'fix-script', kind: 'boolean', apply: (r) => (r.fixScript = true) },
  { long: 'verbose', short: 'v', kind: 'boolean', apply: (r) => (r.verbose = true) },
  { long: 'use-kube', kind: 'boolean', apply: (r) => (r.useKube = true) },
  { long: 'fail-on-existing', kind: 'boolean', apply: (r) => (r.failOnExisting = true) },
];

/** Names and kinds of the flags, for completion. */
export const FLAG_SPECS: { long: string; short?: string; kind: FlagKind }[] = FLAGS.map(({ long, short, kind }) => ({ long, short, kind }));

const HELP_FLAG = { long: 'help', short: 'h' };

export function defaultRequest(): CliRequest {
  return {
    command: 'help',
    allNamespaces: false,
    output: 'table',
    failOn: 'error',
    caFiles: [],
    expiryWarningMs: DEFAULT_EXPIRY_WARNING_MS,
    filenames: [],
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    istioNamespace: DEFAULT_ISTIO_NAMESPACE,
    noColor: false,
    noExec: false,
    noProbe: false,
    fixOnly: false,
    fixScript: false,
    verbose: false,
    useKube: false,
    failOnExisting: false,
  };
}

function findFlag(token: string): { spec: FlagSpec | 'help'; name: string; inline?: string } | undefined {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    if (name === HELP_FLAG.long) return { spec: 'help', name: `--${name}` };
    const spec = FLAGS.find((f) => f.long === name);
    return spec ? { spec, name: `--${name}`, inline } : undefined;
  }
  // short: -n ns, -nns, -n=ns, -ojson, -A, -h
  const letter = token.slice(1, 2);
  const rest = token.slice(2);
  const inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
  if (letter === HELP_FLAG.short && rest === '') return { spec: 'help', name: '-h' };
  const spec = FLAGS.find((f) => f.short === letter);
  if (!spec) return undefined;
  if (spec.kind === 'boolean' && rest !== '') return undefined;
  return { spec, name: `-${letter}`, inline };
}

/** Did-you-mean for a mistyped flag: the known flag with the smallest edit distance, if close. */
function suggestFlag(name: string): string | undefined {
  const bare = name.replace(/^-+/, '').split('=')[0];
  let best: { flag: string; d: number } | undefined;
  for (const f of [...FLAGS.map((x) => x.long), HELP_FLAG.long]) {
    const d = editDistance(bare, f);
    if (!best || d < best.d) best = { flag: f, d };
  }
  return best && best.d <= 2 ? `--${best.flag}` : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function parseCommandLine(argv: string[]): CliRequest {
  const req = defaultRequest();
  // `completion install [--dir d]` has its own small grammar (src/cli/completion.ts)
  if (argv[0] === 'completion') {
    const rest = argv.slice(1);
    if (rest.includes('-h') || rest.includes('--help') || rest.length === 0) return { ...req, command: 'help', helpFor: 'completion' };
    if (rest[0] !== 'install') throw new UsageError(`unknown completion command "${rest[0]}"; use: completion install`, 'completion');
    return { ...req, command: 'completion', completionArgs: rest.slice(1) };
  }
  const positionals: string[] = [];
  let wantsHelp = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const found = findFlag(token);
    if (!found) {
      const hint = suggestFlag(token);
      throw new UsageError(`unknown flag ${token}${hint ? ` (did you mean ${hint}?)` : ''}`, commandOf(positionals));
    }
    if (found.spec === 'help') {
      wantsHelp = true;
      continue;
    }
    const spec = found.spec;
    if (spec.kind === 'boolean') {
      if (found.inline !== undefined) throw new UsageError(`${found.name} takes no value`, commandOf(positionals));
      spec.apply(req, '', found.name);
      continue;
    }
    let value = found.inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(`${found.name} needs a value`, commandOf(positionals));
      }
      value = next;
      i++;
    }
    try {
      spec.apply(req, value, found.name);
    } catch (e) {
      if (e instanceof UsageError && e.command === undefined) throw new UsageError(e.message, commandOf(positionals));
      throw e;
    }
  }

  const [first, ...rest] = positionals;
  if (first === undefined) {
    req.command = 'help';
    return req;
  }
  if (!(COMMANDS as string[]).includes(first)) {
    throw new UsageError(`unknown command "${first}"; commands: ${COMMANDS.join(', ')}`);
  }
  req.command = first as Command;
  if (req.command === 'help') {
    const topic = rest[0];
    if (topic !== undefined && !(COMMANDS as string[]).includes(topic)) {
      throw new UsageError(`no help for "${topic}"; commands: ${COMMANDS.join(', ')}`);
    }
    if (topic !== undefined) req.helpFor = topic as Command;
    if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`, 'help');
    return req;
  }
  if (req.command === 'explain' && rest.length > 0) req.explainCode = rest.shift();
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`, req.command);
  if (wantsHelp) {
    req.helpFor = req.command;
    req.command = 'help';
    return req;
  }
  if (req.namespace !== undefined && req.allNamespaces) {
    throw new UsageError('-n/--namespace and -A/--all-namespaces cannot be used together', req.command);
  }
  if (req.fixOnly && req.command !== 'doctor') throw new UsageError('--fix-only goes with doctor', req.command);
  if (req.fixScript && req.command !== 'doctor') throw new UsageError('--fix-script goes with doctor', req.command);
  if (req.fixScript && req.fixOnly) throw new UsageError('--fix-only and --fix-script cannot be used together: pick the YAML stream or the script', req.command);
  if (req.fixScript && req.output !== 'table') throw new UsageError('--fix-script prints a shell script; use it without -o', req.command);
  if (req.output === 'sarif' && req.command !== 'doctor') throw new UsageError('-o sarif goes with doctor (findings for code scanning)', req.command);
  if (req.fixOnly && req.output !== 'table' && req.output !== 'yaml') {
    throw new UsageError('--fix-only prints YAML for kubectl apply; use it without -o json', req.command);
  }
  if (req.useKube && req.filenames.length === 0) {
    throw new UsageError('--use-kube lays the -f files over the live cluster: give the files with -f (without --use-kube the live cluster is read alone)', req.command);
  }
  if (req.failOnExisting && !req.useKube) throw new UsageError('--fail-on-existing goes with --use-kube (without it every finding counts for --fail-on)', req.command);
  if (req.filenames.length > 0 && !req.useKube && (req.kubeconfig !== undefined || req.context !== undefined)) {
    throw new UsageError('-f/--filename reads manifests offline; it cannot be combined with --kubeconfig or --context (add --use-kube to lay the files over that cluster)', req.command);
  }
  return req;
}

function commandOf(positionals: string[]): Command | undefined {
  const first = positionals[0];
  return (COMMANDS as string[]).includes(first) ? (first as Command) : undefined;
}
