// Shared by the scenario and kubectl tiers: run the built CLI as a subprocess (asynchronously: the
// simulated cluster answers from this same process), remember every output, and find the private
// keys a materialized scenario holds so tests can assert none of them ever leaks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import assert from 'node:assert/strict';
import { inPodCheck } from '../../src/checks/inpod.js';
import { probeCheck } from '../../src/checks/probe.js';
import { runCli } from '../../src/cli/main.js';
import type { Finding } from '../../src/findings/types.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'kubectl-istio_tls');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every stdout/stderr any test of this process saw, for the key-material assertion. */
export const allOutputs: string[] = [];

export function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'cli.js'))) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export function run(command: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000, cwd = ROOT): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      allOutputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A self-contained release executable to run instead of the npm build (ISTIO_TLS_EXE=<path>): the
 * release tests point the scenario and kubectl tiers at it.
 */
export const EXE = process.env.ISTIO_TLS_EXE || undefined;
/** What goes on PATH as kubectl-istio_tls: the release executable, or the npm launcher. */
export const PLUGIN = EXE ?? BIN;

/** The built CLI, as `node bin/kubectl-istio_tls ...` (or the ISTIO_TLS_EXE executable). */
export function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return EXE ? run(EXE, args, env) : run(process.execPath, [BIN, ...args], env);
}

/**
 * The CLI's own entry point (runCli) in this process, with the environment a subprocess would get: for
 * tiers that run it hundreds of times on files (the goldens), where a process each is most of the CPU.
 * With ISTIO_TLS_EXE set it runs the executable, as `cli` does. Outputs join `allOutputs` all the same.
 */
export async function cliInProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  if (EXE) return cli(args, env);
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { ...process.env, NO_COLOR: '1', ...env } });
  allOutputs.push(stdout, stderr);
  return { code, stdout, stderr };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const KEY_BLOCK = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----([\s\S]*?)-----END \1PRIVATE KEY-----/g;

/**
 * Fragments that identify each private key in a materialized scenario: a slice of its PEM body and a
 * slice of the base64 of the whole PEM (how Secrets `data` carry it). Any of them in an output is a leak.
 */
export function keyFingerprints(dir: string): string[] {
  const texts: string[] = [];
  for (const file of walk(dir)) {
    const text = readFileSync(file, 'utf8');
    texts.push(text);
    // base64 values inside Secrets: decode what looks like it
    for (const m of text.matchAll(/[A-Za-z0-9+/]{200,}={0,2}/g)) texts.push(Buffer.from(m[0], 'base64').toString('utf8'));
  }
  const out = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(KEY_BLOCK)) {
      const body = m[2].replace(/\s+/g, '');
      out.add(body.slice(20, 80));
      // PEM wraps at 64 columns: a fragment inside one line matches the key as printed, too
      for (const line of m[2].split(/\r?\n/).filter((l) => l.length >= 48).slice(1, 3)) out.add(line.slice(4, 48));
      const pem = m[0];
      out.add(Buffer.from(pem).toString('base64').slice(40, 100));
      out.add(Buffer.from(`${pem}\n`).toString('base64').slice(40, 100));
    }
  }
  return [...out].filter((s) => s.length >= 40);
}

export interface Expectation {
  now?: string;
  codes?: string[];
  absent?: string[];
  exitCode?: number;
  liveOnly?: string[];
  /** no error and no warning at all, live or offline (a healthy scenario) */
  clean?: boolean;
  /** the live finding of `code` has a message matching `pattern` (a regular expression), and not `not`; `also`: one of its also lines matches */
  messages?: { code: string; pattern: string; not?: string; also?: string }[];
}

export function readExpectation(dir: string): Expectation {
  const p = join(dir, 'expect.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Expectation) : {};
}

/**
 * scenario.json `trust`: names of certs.yaml CAs the operator trusts, as `--ca-file` (a private root the
 * runs must not call untrusted). Writes their PEM to a temp file; the args to add to every run, or [].
 */
export function trustArgs(scenarioDir: string, certs: Map<string, { certPem: string }>): string[] {
  const p = join(scenarioDirAbs(scenarioDir), 'scenario.json');
  if (!existsSync(p)) return [];
  const names = (JSON.parse(readFileSync(p, 'utf8')) as { trust?: string[] }).trust ?? [];
  if (names.length === 0) return [];
  const pem = names.map((n) => {
    const c = certs.get(n);
    if (!c) throw new Error(`${p}: trust names ${JSON.stringify(n)}, which certs.yaml does not define`);
    return c.certPem;
  });
  const file = join(mkdtempSync(join(tmpdir(), 'istio-tls-trust-')), 'ca.pem');
  writeFileSync(file, pem.join(''));
  return ['--ca-file', file];
}

function scenarioDirAbs(dir: string): string {
  return isAbsolute(dir) ? dir : join(ROOT, dir);
}

/** Scenario dirs the tiers run: every test/scenarios/<name>/ and the demo. */
export function scenarioDirs(): string[] {
  const base = join(ROOT, 'test', 'scenarios');
  const dirs = existsSync(base)
    ? readdirSync(base)
        .map((n) => join('test', 'scenarios', n))
        .filter((p) => statSync(join(ROOT, p)).isDirectory())
        .sort()
    : [];
  return [...dirs, 'examples/kiali'];
}

/**
 * What exec into gateway pods can add live: the in-pod check's codes, ITLS206 (a file path the pod
 * spec mounts but that is absent or empty when read), and the live probe's codes (no probe offline). For these, live may say more than offline but
 * never less.
 */
export const EXEC_CODES = new Set([...inPodCheck.codes.map((c) => c.code), 'ITLS206', ...probeCheck.codes.map((c) => c.code)]);

/**
 * A finding's identity: what it is and what it is about. Messages and evidence may say where a fact
 * was read (a file read inside the pod live, the Secret mounted there offline), so they are not compared.
 */
export function findingIdentity(f: Finding): string {
  return JSON.stringify([f.code, f.severity, f.title, f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.host ?? null, f.port ?? null]);
}

/** Live equals offline, exec-only findings aside; `liveOnly` codes are not compared at all. */
export function assertSameFindings(live: Finding[], offline: Finding[], liveOnly: Set<string> = new Set()): void {
  const aside = new Set([...liveOnly, ...EXEC_CODES]);
  const ids = (fs: Finding[], keep: (f: Finding) => boolean) => fs.filter(keep).map(findingIdentity);
  assert.deepEqual(
    ids(live, (f) => !aside.has(f.code)),
    ids(offline, (f) => !aside.has(f.code)),
  );
  const liveExec = new Set(ids(live, (f) => EXEC_CODES.has(f.code)));
  for (const f of offline.filter((x) => EXEC_CODES.has(x.code) && !liveOnly.has(x.code))) {
    assert.ok(liveExec.has(findingIdentity(f)), `offline ${f.code} (${f.message}) is missing live`);
  }
}
