// The convergence harness: a scenario's objects in memory, the doctor's `--fix-script` run over them by
// a small interpreter of exactly the shell and kubectl we emit, and the doctor run again.
// Certificates come from the scenario's certs.yaml, generated now; the user's files (the variables a
// fix asks for) are issued at run time by the scenario's CA for the hosts the fix names.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { generateCerts, substitute, type CertEntry } from '../../src/sim/materialize.js';
import { chainPem, issueCert, type IssuedCert } from '../../src/testing/certgen.js';
import { loadOfflineSnapshot, readManifestFiles } from '../../src/manifests/index.js';
import { runChecks } from '../../src/checks/run.js';
import type { Finding } from '../../src/findings/types.js';
import { loadTrustStore } from '../../src/tls/index.js';
import { changesCluster, planFixes, renderFixScript } from '../../src/remediation/combine.js';
import { snapshotLookup } from '../../src/cli/main.js';
import type { Snapshot } from '../../src/snapshot/types.js';

export type Obj = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; type?: string; data?: Record<string, string>; [k: string]: unknown };

export interface Scenario {
  name: string;
  now: Date;
  objects: Obj[];
  certs: Map<string, IssuedCert>;
  entries: CertEntry[];
  /** self-signed CAs of certs.yaml: the user's --ca-file */
  roots: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

export async function loadScenario(dir: string): Promise<Scenario> {
  const expectPath = join(dir, 'expect.json');
  const expect = existsSync(expectPath) ? (JSON.parse(readFileSync(expectPath, 'utf8')) as { now?: string }) : {};
  const now = expect.now ? new Date(expect.now) : new Date();
  const certsPath = join(dir, 'certs.yaml');
  const entries = existsSync(certsPath) ? ((parseYaml(readFileSync(certsPath, 'utf8')) as CertEntry[] | null) ?? []) : [];
  const certs = await generateCerts(entries, now);
  const out = mkdtempSync(join(tmpdir(), 'istio-tls-converge-'));
  try {
    for (const src of walk(dir)) {
      const rel = relative(dir, src);
      const dst = join(out, rel);
      mkdirSync(join(dst, '..'), { recursive: true });
      const text = readFileSync(src, 'utf8');
      writeFileSync(dst, text.includes('{{') ? substitute(text, certs, rel) : text);
    }
    const objects: Obj[] = [];
    for (const file of readManifestFiles([out])) {
      for (const d of file.docs) {
        if (d && typeof d === 'object' && !Array.isArray(d)) {
          const o = d as Obj & { items?: Obj[] };
          if (Array.isArray(o.items)) objects.push(...o.items);
          else if (o.metadata?.name) objects.push(o);
        }
      }
    }
    for (const o of objects) if (o.kind === 'Secret') foldStringData(o);
    const roots = entries.filter((e) => e.ca && !e.issuer).map((e) => certs.get(e.name)!.certPem);
    return { name: dir, now, objects, certs, entries, roots };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function foldStringData(o: Obj): void {
  const sd = (o as { stringData?: Record<string, string> }).stringData;
  if (!sd) return;
  o.data = { ...(o.data ?? {}) };
  for (const [k, v] of Object.entries(sd)) o.data[k] = Buffer.from(String(v)).toString('base64');
  delete (o as { stringData?: unknown }).stringData;
}

export interface DoctorRun {
  findings: Finding[];
  snapshot: Snapshot;
}

/** The doctor offline over these objects (through the real offline source), the scenario's roots trusted. */
export function doctor(s: Scenario, objects: Obj[]): DoctorRun {
  const dir = mkdtempSync(join(tmpdir(), 'istio-tls-converge-'));
  try {
    writeFileSync(join(dir, 'cluster.yaml'), objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    const { snapshot } = loadOfflineSnapshot([dir]);
    const trustStore = loadTrustStore(s.roots.join('\n'));
    const { findings } = runChecks(snapshot, { now: s.now, expiryWarningMs: 30 * 86_400_000, trustStore });
    return { findings, snapshot };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function fixScript(run: DoctorRun): string {
  return renderFixScript(planFixes(run.findings, snapshotLookup(run.snapshot)));
}

// ---------------------------------------------------------------------------------------------
// the user's files: issued by the scenario's CA for the hosts the fix names

const groupOf = (apiVersion?: string) => (apiVersion ?? '').split('/').slice(0, -1).join('/');

function hostsFor(secretName: string, objects: Obj[], script: string): string[] {
  const gateways: Obj[] = [...objects.filter((o) => o.kind === 'Gateway')];
  // quoted heredocs, and unquoted ones whose documents name checked variables (${NAME_BACKEND})
  for (const m of script.matchAll(/<<'?YAML'?\n([\s\S]*?)\nYAML/g)) {
    for (const d of parseAllDocuments(m[1])) {
      const o = d.toJS() as Obj | null;
      if (o?.kind === 'Gateway') gateways.push(o);
    }
  }
  const hosts = new Set<string>();
  // Gateway-API listeners name the secret in tls.certificateRefs and the host in hostname
  for (const g of objects.filter((o) => o.kind === 'Gateway' && groupOf(o.apiVersion) === 'gateway.networking.k8s.io')) {
    for (const l of ((g.spec as { listeners?: { hostname?: string; tls?: { certificateRefs?: { name?: string }[] } }[] })?.listeners ?? [])) {
      if (l.hostname && (l.tls?.certificateRefs ?? []).some((r) => r.name === secretName)) hosts.add(l.hostname);
    }
  }
  for (const g of gateways) {
    for (const server of ((g.spec as { servers?: { hosts?: string[]; tls?: { credentialName?: string } }[] })?.servers ?? [])) {
      if (server.tls?.credentialName !== secretName) continue;
      for (const h of server.hosts ?? []) {
        const host = h.includes('/') ? h.slice(h.indexOf('/') + 1) : h;
        if (host && host !== '*') hosts.add(host);
      }
    }
  }
  return [...hosts].sort();
}

/** Files for every variable the script checks: FULLCHAIN/KEY issued now, CA = the scenario's root. */
export async function userFiles(s: Scenario, objects: Obj[], script: string): Promise<{ env: Record<string, string>; files: Map<string, string>; missing: string[] }> {
  const env: Record<string, string> = {};
  const files = new Map<string, string>();
  const missing: string[] = [];
  const issued = new Map<string, IssuedCert>();
  const vars = [...script.matchAll(/^: "\$\{([A-Za-z_][A-Za-z0-9_]*):\?/gm)].map((m) => m[1]);
  const rootEntry = s.entries.find((e) => e.ca && !e.issuer);
  const issuerEntry = s.entries.find((e) => e.ca && e.issuer) ?? rootEntry;
  // the backend of a host no VirtualService routes: the user names a Service; here, one the scenario has
  const services = objects.filter((o) => o.kind === 'Service' && !/gateway/.test(o.metadata.name) && (o.metadata.namespace ?? 'default') !== 'istio-system');
  for (const v of vars) {
    if (v.endsWith('_BACKEND')) {
      // a value, not a file: what the user names (a Service of the scenario, else the API server's own)
      env[v] = services.length ? `${services[0].metadata.name}.${services[0].metadata.namespace ?? 'default'}.svc.cluster.local` : 'kubernetes.default.svc.cluster.local';
      continue;
    }
    const m = /^(.*)_(FULLCHAIN|KEY|CA)$/.exec(v);
    const line = script.split('\n').find((l) => !l.startsWith(':') && l.includes(`"$${v}"`)) ?? '';
    const secret = /secret (?:tls |generic )?([a-z0-9.-]+) -n ([a-z0-9-]+)/.exec(line);
    if (!m || !secret || !issuerEntry) {
      missing.push(v);
      continue;
    }
    const path = `/user/${v.toLowerCase()}.pem`;
    env[v] = path;
    if (m[2] === 'CA') {
      files.set(path, s.certs.get(rootEntry!.name)!.certPem);
      continue;
    }
    const name = secret[1];
    let leaf = issued.get(name);
    if (!leaf) {
      const hosts = hostsFor(name, objects, script);
      leaf = await issueCert({ cn: hosts[0] ?? name, dns: hosts.length ? hosts : [name], keyType: 'p256', issuer: s.certs.get(issuerEntry.name), notBefore: new Date(s.now.getTime() - 3_600_000), notAfter: new Date(s.now.getTime() + 90 * 86_400_000), extKeyUsage: ['serverAuth'], keyUsage: ['digitalSignature'] });
      issued.set(name, leaf);
    }
    files.set(path, m[2] === 'FULLCHAIN' ? chainPem(leaf) : leaf.keyPem);
  }
  return { env, files, missing };
}

// ---------------------------------------------------------------------------------------------
// the interpreter: exactly the shell and kubectl the fixes print

export class ScriptError extends Error {}

interface Ctx {
  objects: Obj[];
  env: Record<string, string>;
  files: Map<string, string>;
  log: string[];
}

type Word = string;

/** Split one command line into pipeline stages of words (quotes, $VAR, ${VAR}, $(…), `<` redirection). */
function parseLine(line: string, ctx: Ctx): { argv: Word[]; stdinFile?: string }[] {
  const stages: { argv: Word[]; stdinFile?: string }[] = [{ argv: [] }];
  let i = 0;
  let word: string | undefined;
  let redirect = false;
  const flush = () => {
    if (word === undefined) return;
    const st = stages[stages.length - 1];
    if (redirect) {
      st.stdinFile = word;
      redirect = false;
    } else st.argv.push(word);
    word = undefined;
  };
  const readVar = (): string => {
    // at '$'
    if (line[i + 1] === '(') {
      let depth = 1;
      let j = i + 2;
      let q: string | null = null;
      for (; j < line.length && depth > 0; j++) {
        const c = line[j];
        if (q) {
          if (c === q) q = null;
        } else if (c === "'" || c === '"') q = c;
        else if (c === '(') depth++;
        else if (c === ')') depth--;
      }
      const inner = line.slice(i + 2, j - 1);
      i = j;
      return runPipeline(inner, ctx, '').replace(/\n+$/, '');
    }
    const m = /^\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
    if (!m) {
      i++;
      return '$';
    }
    i += m[0].length;
    const name = m[2] ?? m[3];
    if (!(name in ctx.env)) throw new ScriptError(`${name}: parameter not set`);
    return ctx.env[name];
  };
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      flush();
      i++;
    } else if (c === '#' && word === undefined) {
      break;
    } else if (c === '|') {
      flush();
      stages.push({ argv: [] });
      i++;
    } else if (c === '<') {
      if (line[i + 1] === '(') throw new ScriptError('process substitution is not POSIX sh');
      flush();
      redirect = true;
      i++;
    } else if (c === '>' || c === ';' || c === '&') {
      throw new ScriptError(`unexpected ${c} in ${line}`);
    } else if (c === "'") {
      const j = line.indexOf("'", i + 1);
      if (j < 0) throw new ScriptError(`unterminated quote in ${line}`);
      word = (word ?? '') + line.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      word = word ?? '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && '"\\$`'.includes(line[i + 1])) {
          word += line[i + 1];
          i += 2;
        } else if (line[i] === '$') word += readVar();
        else word += line[i++];
      }
      if (line[i] !== '"') throw new ScriptError(`unterminated quote in ${line}`);
      i++;
    } else if (c === '$') {
      word = (word ?? '') + readVar();
    } else if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i += 2;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  flush();
  return stages;
}

function readFile(ctx: Ctx, path: string): string {
  const f = ctx.files.get(path);
  if (f === undefined) throw new ScriptError(`${path}: no such file`);
  return f;
}

function runPipeline(line: string, ctx: Ctx, stdin: string): string {
  let data = stdin;
  for (const st of parseLine(line, ctx)) {
    if (st.stdinFile !== undefined) data = readFile(ctx, st.stdinFile);
    data = runCommand(st.argv, ctx, data);
  }
  return data;
}

function flagValue(argv: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    for (const n of names) {
      if (argv[i] === n) return argv[i + 1];
      if (argv[i].startsWith(`${n}=`)) return argv[i].slice(n.length + 1);
    }
  }
  return undefined;
}

function positional(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('-')) {
      if (!a.includes('=') && ['-n', '--namespace', '-o', '--output', '-f', '--filename', '-p', '--patch', '--type', '-l', '--selector'].includes(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

const KINDS: Record<string, string> = { secret: 'Secret', secrets: 'Secret', virtualservice: 'VirtualService', virtualservices: 'VirtualService', destinationrule: 'DestinationRule', destinationrules: 'DestinationRule', service: 'Service', svc: 'Service', role: 'Role', rolebinding: 'RoleBinding', pod: 'Pod', pods: 'Pod', deployment: 'Deployment' };

function kindOf(word: string): string {
  const w = word.toLowerCase();
  // a bare `gateway` means gateways.gateway.networking.k8s.io where the Gateway API is installed
  if (w === 'gateway' || w === 'gateways') throw new ScriptError(`kubectl: "${word}" is ambiguous (Gateway API installed): name gateways.networking.istio.io`);
  if (/^gateways?\.networking\.istio\.io$/.test(w)) return 'Gateway';
  const k = KINDS[w.split('.')[0]];
  if (!k) throw new ScriptError(`kubectl: unknown kind ${word}`);
  return k;
}

function find(ctx: Ctx, kind: string, ns: string, name: string): number {
  return ctx.objects.findIndex((o) => o.kind === kind && (o.metadata.namespace ?? 'default') === ns && o.metadata.name === name);
}

function applyDoc(ctx: Ctx, doc: Obj): void {
  if (!doc?.kind || !doc.metadata?.name) throw new ScriptError('apply: a document without kind or metadata.name');
  const ns = doc.metadata.namespace ?? 'default';
  const i = ctx.objects.findIndex((o) => o.kind === doc.kind && groupOf(o.apiVersion) === groupOf(doc.apiVersion) && (o.metadata.namespace ?? 'default') === ns && o.metadata.name === doc.metadata.name);
  const next = structuredClone(doc);
  next.metadata = { ...next.metadata, namespace: ns };
  if (next.kind === 'Secret') foldStringData(next);
  if (i < 0) {
    ctx.objects.push(next);
    ctx.log.push(`created ${doc.kind} ${ns}/${doc.metadata.name}`);
    return;
  }
  const old = ctx.objects[i];
  if (old.kind === 'Secret' && (old.type ?? 'Opaque') !== (next.type ?? 'Opaque')) {
    throw new ScriptError(`Secret "${doc.metadata.name}" is invalid: type: Invalid value: "${next.type ?? 'Opaque'}": field is immutable`);
  }
  const meta = { ...old.metadata, ...next.metadata };
  // status is a subresource: kubectl apply never writes it, the server keeps what it had
  const merged = { ...next, metadata: meta, ...('status' in old ? { status: old.status } : {}) };
  if (JSON.stringify(merged) !== JSON.stringify(old)) ctx.log.push(`configured ${doc.kind} ${ns}/${doc.metadata.name}`);
  ctx.objects[i] = merged as Obj;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(target: Obj, ops: { op: string; path: string; value?: unknown }[]): Obj {
  const out = structuredClone(target) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let cur: Record<string, unknown> = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof cur[p] !== 'object' || cur[p] === null) throw new ScriptError(`patch: path ${op.path} does not exist`);
      cur = cur[p] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    if (op.op === 'remove') {
      if (!(last in cur)) throw new ScriptError(`patch: remove ${op.path}: no such key`);
      if (Array.isArray(cur)) cur.splice(Number(last), 1);
      else delete cur[last];
    } else if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(cur) && op.op === 'add') cur.splice(last === '-' ? cur.length : Number(last), 0, op.value);
      else cur[last] = op.value;
    } else throw new ScriptError(`patch: op ${op.op}`);
  }
  return out as unknown as Obj;
}

/**
 * kubectl's go-template, the subset the fixes print: text, {{"\n"}}, {{.field}}, {{$var}},
 * {{range $k, $v := .data}}…{{end}}, {{$x := EXPR}}, {{if EXPR}}…{{else}}…{{end}}, where EXPR is a
 * term or a call of index, base64decode, slice or eq (as text/template and kubectl define them).
 */
function goTemplate(tpl: string, obj: Obj): string {
  const tokens: { text?: string; action?: string }[] = [];
  const re = /\{\{(.*?)\}\}/gs;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(tpl))) {
    if (m.index > last) tokens.push({ text: tpl.slice(last, m.index) });
    tokens.push({ action: m[1].trim() });
    last = m.index + m[0].length;
  }
  if (last < tpl.length) tokens.push({ text: tpl.slice(last) });
  type Value = string | number | boolean | Record<string, unknown>;
  // split an expression into words: "strings", (groups), and bare words
  const words = (expr: string): string[] => {
    const out: string[] = [];
    let i = 0;
    while (i < expr.length) {
      const c = expr[i];
      if (c === ' ') i++;
      else if (c === '"') {
        let j = i + 1;
        while (j < expr.length && expr[j] !== '"') j += expr[j] === '\\' ? 2 : 1;
        out.push(expr.slice(i, j + 1));
        i = j + 1;
      } else if (c === '(') {
        let depth = 0;
        let j = i;
        for (; j < expr.length; j++) {
          if (expr[j] === '(') depth++;
          else if (expr[j] === ')' && --depth === 0) break;
        }
        out.push(expr.slice(i, j + 1));
        i = j + 1;
      } else {
        let j = i;
        while (j < expr.length && expr[j] !== ' ') j++;
        out.push(expr.slice(i, j));
        i = j;
      }
    }
    return out;
  };
  const evalExpr = (expr: string, vars: Record<string, Value>): Value => {
    // pipelines: a | f  ==  f a
    const pipe = expr.split(' | ');
    if (pipe.length > 1) return pipe.slice(1).reduce<Value>((acc, f) => call(f.trim(), [acc], vars), evalExpr(pipe[0], vars));
    const ws = words(expr.trim());
    if (ws.length === 1) return term(ws[0], vars);
    return call(ws[0], ws.slice(1).map((w) => term(w, vars)), vars);
  };
  const term = (w: string, vars: Record<string, Value>): Value => {
    if (w.startsWith('(')) return evalExpr(w.slice(1, -1), vars);
    if (w.startsWith('"')) return JSON.parse(w) as string;
    if (/^-?\d+$/.test(w)) return Number(w);
    if (w.startsWith('$')) {
      if (!(w.slice(1) in vars)) throw new ScriptError(`go-template: undefined variable ${w}`);
      return vars[w.slice(1)];
    }
    if (/^\.\w+$/.test(w)) return ((obj as Record<string, unknown>)[w.slice(1)] ?? '<no value>') as Value;
    throw new ScriptError(`go-template: unsupported term ${w}`);
  };
  const call = (fn: string, args: Value[], _vars: Record<string, Value>): Value => {
    switch (fn) {
      case 'index': {
        const v = (args[0] as Record<string, unknown>)?.[String(args[1])];
        if (v === undefined) throw new ScriptError(`error executing template: map has no entry for key ${String(args[1])}`);
        return v as Value;
      }
      case 'base64decode':
        return Buffer.from(String(args[0]), 'base64').toString('utf8');
      case 'slice': {
        const str = String(args[0]);
        const [from, to] = [Number(args[1]), Number(args[2] ?? str.length)];
        if (to > str.length) throw new ScriptError('error executing template: slice index out of range');
        return str.slice(from, to);
      }
      case 'eq':
        return args.slice(1).some((a) => a === args[0]);
      default:
        throw new ScriptError(`go-template: unsupported function ${fn}`);
    }
  };
  /** the index of the {{else}} (or -1) and the {{end}} that close the block opened at `start` */
  const blockEnd = (start: number): { els: number; end: number } => {
    let depth = 1;
    let els = -1;
    for (let j = start + 1; j < tokens.length; j++) {
      const a = tokens[j].action;
      if (a === undefined) continue;
      if (a.startsWith('range ') || a.startsWith('if ') || a.startsWith('with ')) depth++;
      else if (a === 'else' && depth === 1) els = j;
      else if (a === 'end' && --depth === 0) return { els, end: j };
    }
    throw new ScriptError('go-template: unterminated block');
  };
  const render = (from: number, to: number, vars: Record<string, Value>): string => {
    let s = '';
    for (let i = from; i < to; i++) {
      const t = tokens[i];
      if (t.text !== undefined) {
        s += t.text;
        continue;
      }
      const a = t.action!;
      const range = /^range \$(\w+), \$(\w+) := \.(\w+)$/.exec(a);
      const assign = /^\$(\w+) := (.*)$/.exec(a);
      if (range) {
        const { end } = blockEnd(i);
        const map = ((obj as Record<string, unknown>)[range[3]] ?? {}) as Record<string, string>;
        for (const k of Object.keys(map).sort()) s += render(i + 1, end, { ...vars, [range[1]]: k, [range[2]]: map[k] });
        i = end;
      } else if (a.startsWith('if ')) {
        const { els, end } = blockEnd(i);
        const cond = evalExpr(a.slice(3), vars);
        const truthy = cond !== false && cond !== '' && cond !== 0;
        s += truthy ? render(i + 1, els >= 0 ? els : end, vars) : els >= 0 ? render(els + 1, end, vars) : '';
        i = end;
      } else if (assign) {
        vars[assign[1]] = evalExpr(assign[2], vars);
      } else {
        s += String(evalExpr(a, vars));
      }
    }
    return s;
  };
  return render(0, tokens.length, {});
}

function runCommand(argv: string[], ctx: Ctx, stdin: string): string {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case ':':
      return '';
    case 'base64':
      if (args.includes('-d')) return Buffer.from(stdin, 'base64').toString('utf8');
      return Buffer.from(stdin).toString('base64').replace(/(.{76})/g, '$1\n') + '\n';
    case 'tr':
      if (args[0] === '-d' && args[1] === '\\n') return stdin.replace(/\n/g, '');
      throw new ScriptError(`tr ${args.join(' ')}`);
    case 'kubectl':
      return kubectl(args, ctx, stdin);
    default:
      throw new ScriptError(`${cmd}: not a command the fixes may run`);
  }
}

function kubectl(args: string[], ctx: Ctx, stdin: string): string {
  const ns = flagValue(args, '-n', '--namespace') ?? 'default';
  const pos = positional(args);
  const verb = pos[0];
  const dryRun = flagValue(args, '--dry-run') === 'client';
  if (verb === 'create' && pos[1] === 'secret') {
    const [, , type, name] = pos;
    if (!dryRun || flagValue(args, '-o', '--output') !== 'yaml') throw new ScriptError('create secret without --dry-run=client -o yaml');
    const data: Record<string, string> = {};
    if (type === 'tls') {
      data['tls.crt'] = Buffer.from(readFile(ctx, flagValue(args, '--cert')!)).toString('base64');
      data['tls.key'] = Buffer.from(readFile(ctx, flagValue(args, '--key')!)).toString('base64');
    } else if (type === 'generic') {
      for (const a of args.filter((x) => x.startsWith('--from-file='))) {
        const spec = a.slice('--from-file='.length);
        const eq = spec.indexOf('=');
        data[spec.slice(0, eq)] = Buffer.from(readFile(ctx, spec.slice(eq + 1))).toString('base64');
      }
    } else throw new ScriptError(`create secret ${type}`);
    return stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: type === 'tls' ? 'kubernetes.io/tls' : 'Opaque', data });
  }
  if (verb === 'apply') {
    if (flagValue(args, '-f', '--filename') !== '-') throw new ScriptError('apply reads only stdin here');
    let n = 0;
    for (const d of parseAllDocuments(stdin)) {
      if (d.errors.length) throw new ScriptError(`apply: ${d.errors[0].message}`);
      const o = d.toJS() as Obj | null;
      if (!o) continue;
      applyDoc(ctx, o);
      n++;
    }
    if (n === 0) throw new ScriptError('error: no objects passed to apply');
    return '';
  }
  if (verb === 'get') {
    const kind = kindOf(pos[1]);
    const i = find(ctx, kind, ns, pos[2]);
    if (i < 0) throw new ScriptError(`Error from server (NotFound): ${pos[1]} "${pos[2]}" not found`);
    const o = flagValue(args, '-o', '--output') ?? '';
    if (o.startsWith('go-template=')) return goTemplate(o.slice('go-template='.length), ctx.objects[i]);
    throw new ScriptError(`get -o ${o}`);
  }
  if (verb === 'patch') {
    const kind = kindOf(pos[1]);
    const i = find(ctx, kind, ns, pos[2]);
    if (i < 0) throw new ScriptError(`Error from server (NotFound): ${pos[1]} "${pos[2]}" not found`);
    const type = flagValue(args, '--type') ?? 'strategic';
    const patch = JSON.parse(flagValue(args, '-p', '--patch') ?? 'null') as unknown;
    const before = JSON.stringify(ctx.objects[i]);
    if (type === 'merge') ctx.objects[i] = mergePatch(ctx.objects[i], patch) as Obj;
    else if (type === 'json') ctx.objects[i] = jsonPatch(ctx.objects[i], patch as never);
    else throw new ScriptError(`patch --type=${type}`);
    if (JSON.stringify(ctx.objects[i]) !== before) ctx.log.push(`patched ${kind} ${ns}/${pos[2]}`);
    return '';
  }
  if (verb === 'delete') {
    const kind = kindOf(pos[1]);
    const i = find(ctx, kind, ns, pos[2]);
    if (i < 0) {
      if (args.includes('--ignore-not-found')) return '';
      throw new ScriptError(`Error from server (NotFound): ${pos[1]} "${pos[2]}" not found`);
    }
    ctx.objects.splice(i, 1);
    ctx.log.push(`deleted ${kind} ${ns}/${pos[2]}`);
    return '';
  }
  if (verb === 'label' || verb === 'annotate') {
    const kind = kindOf(pos[1]);
    const i = find(ctx, kind, ns, pos[2]);
    if (i < 0) throw new ScriptError(`NotFound: ${pos[2]}`);
    const field = verb === 'label' ? 'labels' : 'annotations';
    const meta = ctx.objects[i].metadata as Record<string, Record<string, string> | undefined> & Obj['metadata'];
    const map = { ...(meta[field] ?? {}) };
    for (const kv of pos.slice(3)) {
      if (kv.endsWith('-')) delete map[kv.slice(0, -1)];
      else map[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    }
    meta[field] = map;
    return '';
  }
  if (verb === 'rollout') return ''; // restarts change no object the doctor reads
  throw new ScriptError(`kubectl ${verb}: not a verb the fixes may run`);
}

/** Run a --fix-script over the objects; returns the new objects and what changed. */
export function runScript(script: string, objects: Obj[], env: Record<string, string>, files: Map<string, string>): { objects: Obj[]; log: string[] } {
  const ctx: Ctx = { objects: structuredClone(objects), env, files, log: [] };
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line === 'set -eu') continue;
    // <<'YAML' keeps the body as written; <<YAML expands ${NAME} (and nothing else may need expanding)
    const here = /^(.*?)\s*<<('?)([A-Z]+)\2$/.exec(line);
    if (here) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== here[3]; i++) body.push(lines[i]);
      if (i >= lines.length) throw new ScriptError(`heredoc ${here[3]} not terminated`);
      let text = body.join('\n') + '\n';
      if (!here[2]) {
        if (/[`\\]|\$(?!\{[A-Za-z_][A-Za-z0-9_]*\})/.test(text)) throw new ScriptError(`unquoted heredoc ${here[3]} holds shell syntax the interpreter does not expand`);
        text = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
          if (!(name in ctx.env)) throw new ScriptError(`${name}: parameter not set`);
          return ctx.env[name];
        });
      }
      runPipeline(here[1], ctx, text);
      continue;
    }
    const check = /^: "\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}"$/.exec(line);
    if (check) {
      if (!ctx.env[check[1]]) throw new ScriptError(`${check[1]}: unset`);
      continue;
    }
    runPipeline(line, ctx, '');
  }
  return { objects: ctx.objects, log: ctx.log };
}

// ---------------------------------------------------------------------------------------------

const identity = (f: Finding) => JSON.stringify([f.code, f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.host ?? null]);

export interface Convergence {
  name: string;
  before: string[];
  after: string[];
  /** findings with a fix that are still there */
  remaining: string[];
  /** errors/warnings that were not there before */
  introduced: string[];
  idempotent: boolean;
  error?: string;
  script: string;
  log: string[];
}

export async function converge(dir: string): Promise<Convergence> {
  const s = await loadScenario(dir);
  const first = doctor(s, s.objects);
  const script = fixScript(first);
  const result: Convergence = { name: dir, before: codes(first.findings), after: [], remaining: [], introduced: [], idempotent: false, script, log: [] };
  try {
    const { env, files, missing } = await userFiles(s, s.objects, script);
    if (missing.length) throw new ScriptError(`needs ${missing.join(', ')}, which the harness cannot supply`);
    const once = runScript(script, s.objects, env, files);
    result.log = once.log;
    const second = doctor(s, once.objects);
    result.after = codes(second.findings);
    const fixed = new Set(first.findings.filter(isFix).map(identity));
    result.remaining = second.findings.filter((f) => fixed.has(identity(f))).map((f) => `${f.code} ${f.resource.name}${f.host ? ` ${f.host}` : ''}`);
    const had = new Set(first.findings.map(identity));
    result.introduced = second.findings.filter((f) => f.severity !== 'info' && !had.has(identity(f))).map((f) => `${f.code} ${f.resource.name}${f.host ? ` ${f.host}` : ''}: ${f.message}`);
    const twice = runScript(script, once.objects, env, files);
    result.idempotent = JSON.stringify(twice.objects) === JSON.stringify(once.objects);
  } catch (e) {
    if (!(e instanceof ScriptError)) throw e;
    result.error = e.message;
  }
  return result;
}

/**
 * A fix changes an object the doctor reads: a document, or a command that writes. Advice (read this
 * log, describe that pod) and restarts (pods change, no object does) cannot converge in memory.
 */
export function isFix(f: Finding): boolean {
  const r = f.remediation;
  if (!r) return false;
  if (r.yaml) return true;
  return (r.commands ?? []).some((c) => changesCluster(c) && !/^kubectl rollout /.test(c.trim()));
}

function codes(fs: Finding[]): string[] {
  return fs.map((f) => f.code).sort();
}

export function converged(c: Convergence): boolean {
  return !c.error && c.remaining.length === 0 && c.introduced.length === 0 && c.idempotent;
}

export function scenarioDirs(root: string): string[] {
  const base = join(root, 'test', 'scenarios');
  return [...readdirSync(base).filter((n) => statSync(join(base, n)).isDirectory()).sort().map((n) => join(base, n)), join(root, 'examples', 'kiali')];
}

/** Small clusters for the fix paths the suite's scenarios do not reach (test/convergence/fixtures). */
export function fixtureDirs(): string[] {
  const base = new URL('./fixtures/', import.meta.url).pathname;
  return readdirSync(base).filter((n) => statSync(join(base, n)).isDirectory()).sort().map((n) => join(base, n));
}
