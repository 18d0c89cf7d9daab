// Turns a scenario directory (plain YAML + certs.yaml + placeholders) into a directory of real
// files: certificates are generated now, so no key is ever committed. Keys come from certgen's
// on-disk key cache (.cache/certgen), which is what makes repeated materialization cheap.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { chainPem, issueCert, type CertSpec, type IssuedCert, type KeyType } from '../testing/certgen.js';

/** One entry of certs.yaml. */
export interface CertEntry {
  name: string;
  cn?: string;
  o?: string;
  dns?: string[];
  ips?: string[];
  keyType?: KeyType;
  issuer?: string;
  ca?: boolean;
  pathLen?: number;
  keyUsage?: string[];
  extKeyUsage?: string[];
  notBefore?: string;
  notAfter?: string;
  serial?: string;
  hash?: CertSpec['hash'];
  omitSan?: boolean;
  omitBasicConstraints?: boolean;
}

export interface MaterializeOptions {
  now?: Date;
  outDir?: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

/** RFC3339, or relative to `now`: "-30d", "+90d", "+1y", "-2h30m". */
export function parseWhen(value: string | Date, now: Date): Date {
  if (value instanceof Date) return value;
  const v = String(value).trim();
  const rel = v.match(/^([+-])((?:\d+[smhdwy])+)$/);
  if (rel) {
    let ms = 0;
    for (const m of rel[2].matchAll(/(\d+)([smhdwy])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
    return new Date(now.getTime() + (rel[1] === '-' ? -ms : ms));
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`certs.yaml: cannot read date ${JSON.stringify(v)} (RFC3339 or relative like "-30d")`);
  return d;
}

export async function generateCerts(entries: CertEntry[], now: Date): Promise<Map<string, IssuedCert>> {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const done = new Map<string, IssuedCert>();
  const visiting = new Set<string>();
  const make = async (name: string): Promise<IssuedCert> => {
    const have = done.get(name);
    if (have) return have;
    const e = byName.get(name);
    if (!e) throw new Error(`certs.yaml: unknown certificate ${JSON.stringify(name)}`);
    if (visiting.has(name)) throw new Error(`certs.yaml: issuer cycle through ${JSON.stringify(name)}`);
    visiting.add(name);
    const spec: CertSpec = {};
    if (e.cn !== undefined) spec.cn = String(e.cn);
    if (e.o !== undefined) spec.o = String(e.o);
    if (e.dns) spec.dns = e.dns.map(String);
    if (e.ips) spec.ips = e.ips.map(String);
    if (e.keyType) spec.keyType = e.keyType;
    if (e.ca !== undefined) spec.ca = e.ca;
    if (e.pathLen !== undefined) spec.pathLen = e.pathLen;
    if (e.keyUsage) spec.keyUsage = e.keyUsage;
    if (e.extKeyUsage) spec.extKeyUsage = e.extKeyUsage;
    if (e.serial !== undefined) spec.serial = String(e.serial);
    if (e.hash) spec.hash = e.hash;
    if (e.omitSan) spec.omitSan = true;
    if (e.omitBasicConstraints) spec.omitBasicConstraints = true;
    spec.notBefore = e.notBefore !== undefined ? parseWhen(e.notBefore, now) : new Date(now.getTime() - 3_600_000);
    spec.notAfter = e.notAfter !== undefined ? parseWhen(e.notAfter, now) : new Date(now.getTime() + (e.ca ? 3650 : 90) * 86_400_000);
    if (e.issuer) spec.issuer = await make(e.issuer);
    const issued = await issueCert(spec);
    visiting.delete(name);
    done.set(name, issued);
    return issued;
  };
  for (const e of entries) await make(e.name);
  return done;
}

const PLACEHOLDER = /\{\{\s*(b64:)?(cert|chain|fullchain|key):([A-Za-z0-9_.-]+)\s*\}\}/g;

function valueOf(certs: Map<string, IssuedCert>, what: string, name: string, file: string): string {
  const c = certs.get(name);
  if (!c) throw new Error(`${file}: placeholder refers to unknown certificate ${JSON.stringify(name)} (not in certs.yaml)`);
  switch (what) {
    case 'cert':
      return c.certPem;
    case 'chain':
      return chainPem(c);
    case 'fullchain':
      return chainPem(c, { includeRoot: true });
    default:
      return c.keyPem;
  }
}

/**
 * Substitute placeholders. A placeholder alone on an indented line (a YAML block scalar) gets every
 * line of its multi-line value indented the same way; in JSON files values are string-escaped.
 */
export function substitute(text: string, certs: Map<string, IssuedCert>, file: string): string {
  const isJson = file.toLowerCase().endsWith('.json');
  const isYaml = /\.ya?ml$/i.test(file);
  const render = (b64: string | undefined, what: string, name: string): string => {
    const v = valueOf(certs, what, name, file);
    const out = b64 ? Buffer.from(v).toString('base64') : v;
    return isJson ? JSON.stringify(out).slice(1, -1) : out;
  };
  if (isYaml) {
    text = text.replace(/^([ \t]+)(\{\{[^}]+\}\})[ \t]*$/gm, (line, indent: string, ph: string) => {
      PLACEHOLDER.lastIndex = 0;
      const m = PLACEHOLDER.exec(ph);
      if (!m || m[0] !== ph.trim()) return line;
      const v = render(m[1], m[2], m[3]).replace(/\n$/, '');
      return v
        .split('\n')
        .map((l) => indent + l)
        .join('\n');
    });
  }
  return text.replace(PLACEHOLDER, (_all, b64: string | undefined, what: string, name: string) => render(b64, what, name));
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * Materialize `dir` into a temp directory (or opts.outDir). Also returns the certificates generated
 * from certs.yaml by name, e.g. for a test that trusts one of the scenario's private roots (--ca-file).
 */
export async function materializeScenario(dir: string, opts: MaterializeOptions = {}): Promise<{ dir: string; certs: Map<string, IssuedCert> }> {
  const now = opts.now ?? new Date();
  const outDir = opts.outDir ?? mkdtempSync(join(tmpdir(), 'istio-tls-scenario-'));
  mkdirSync(outDir, { recursive: true });
  let entries: CertEntry[] = [];
  for (const name of ['certs.yaml', 'certs.yml']) {
    const p = join(dir, name);
    try {
      const parsed = parseYaml(readFileSync(p, 'utf8')) as unknown;
      if (parsed === null || parsed === undefined) continue;
      const list = Array.isArray(parsed) ? parsed : (parsed as { certs?: unknown }).certs;
      if (!Array.isArray(list)) throw new Error(`${p}: expected a list of certificates`);
      entries = list as CertEntry[];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
  }
  const certs = await generateCerts(entries, now);
  for (const src of walk(dir)) {
    const rel = relative(dir, src);
    const dst = join(outDir, rel);
    mkdirSync(join(dst, '..'), { recursive: true });
    const bytes = readFileSync(src);
    const text = bytes.toString('utf8');
    if (text.includes('{{') && Buffer.from(text, 'utf8').equals(bytes)) writeFileSync(dst, substitute(text, certs, rel));
    else cpSync(src, dst);
  }
  return { dir: outDir, certs };
}
