// Fixes that converge, for real (issue 9): on a real kube-apiserver with Istio's CRDs
// (test/realserver/server.ts), for every scenario, the demo and the convergence fixtures:
//   1. the scenario is applied with the real kubectl, the doctor runs live (--no-exec);
//   2. its `--fix-only` stream passes `kubectl apply --dry-run=server` (and is never empty when printed);
//   3. its `--fix-script` runs in a real `sh` (set -eu) with the real kubectl — the user's files are
//      stand-in PEMs issued now by the scenario's CA for the hosts the fix names;
//   4. the doctor runs again: every finding with a fix is gone and no new error or warning appears
//      (the exec-only codes aside: --no-exec does not look inside pods);
//   5. the script runs a second time and changes nothing: every object keeps its resourceVersion.
// The scenario's self-signed CAs are trusted (--ca-file) on every run, as in the in-memory harness
// (test/convergence), so a stand-in certificate is judged like the user's real one.
// One server for the file; scenarios are applied, fixed and cleared one at a time (they share names).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import type { CertEntry } from '../../src/sim/materialize.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { ensureBuilt, EXEC_CODES, readExpectation, ROOT, scenarioDirs } from '../scenario/harness.js';
import { runCli } from '../../src/cli/main.js';
import { readManifestFiles } from '../../src/manifests/index.js';
import { fixtureDirs, isFix, userFiles, type Obj } from '../convergence/fixrun.js';
import { DUMP_KINDS, EXTRA_DUMP_KINDS, realServerSkip, startRealServer, type RealServer } from './server.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const skip = realServerSkip();
if (skip) console.log(`# ${skip}`);

/** FIXES_ONLY=itls402,itls404 runs only the scenarios whose name contains one of these. */
const only = (process.env.FIXES_ONLY ?? '').split(',').filter(Boolean);

const identity = (f: Finding) => JSON.stringify([f.code, f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.host ?? null]);
const label = (f: Finding) => `${f.code} ${f.resource.namespace ?? ''}/${f.resource.name}${f.host ? ` ${f.host}` : ''}: ${f.message}`;

/**
 * The doctor in this process (runCli: what the built CLI runs), live against the server: three runs per
 * scenario without three Node start-ups. The scenario tier runs the built CLI itself.
 */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { ...process.env, NO_COLOR: '1' } });
  return { code, stdout, stderr };
}

/** The script as a file run by `sh` (stdin stays free: a command that reads it must not eat the script). */
function sh(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function certEntries(dir: string): CertEntry[] {
  for (const name of ['certs.yaml', 'certs.yml']) {
    const p = join(dir, name);
    if (existsSync(p)) return ((parseYaml(readFileSync(p, 'utf8')) as CertEntry[] | null) ?? []);
  }
  return [];
}

/** One row of the before/after table the issue note keeps. */
const rows: string[] = [];
const fold = (codes: string[]) => {
  const counts = new Map<string, number>();
  for (const c of [...codes].sort()) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c}×${n}` : c)).join(' ') || '—';
};

describe('fixes applied for real on a real API server', { skip }, () => {
  let server: RealServer;
  let kinds: string;
  before(async () => {
    server = await startRealServer();
    kinds = [...DUMP_KINDS, ...EXTRA_DUMP_KINDS].join(',');
  });
  after(async () => {
    await server?.stop();
    if (rows.length) console.log(['# | scenario | before (live) | after (live) | dry-run | second run |', '# | --- | --- | --- | --- | --- |', ...rows.map((r) => `# ${r}`)].join('\n'));
  });

  /** resourceVersion of every object the doctor reads (and that a fix may write). */
  type Item = { apiVersion: string; kind: string; metadata: { namespace?: string; name: string; resourceVersion: string } };
  async function objects(): Promise<Map<string, Item>> {
    const r = await server.kubectl(['get', kinds, '-A', '-o', 'json']);
    const items = (JSON.parse(r.stdout) as { items: Item[] }).items;
    return new Map(items.map((o) => [`${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  }
  /** resourceVersion of every object the doctor reads (and that a fix may write). */
  async function versions(): Promise<Map<string, string>> {
    return new Map([...(await objects())].map(([k, o]) => [k, o.metadata.resourceVersion]));
  }

  /** The README's fix workflow block, line by line (comments dropped). */
  function readmeFixLines(): string[] {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf('kubectl istio-tls doctor --fix-only > fixes.yaml');
    assert.ok(at > 0, 'the README shows the --fix-only workflow');
    const block = readme.slice(readme.lastIndexOf('```sh', at) + 5, readme.indexOf('```', at));
    return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  }

  // The README's workflow typed as written (through kubectl's plugin lookup), on a scenario whose fix is
  // documents and on one whose fix needs the user's certificate files.
  for (const scenario of ['itls502-vs-host-not-on-gateway', 'itls304-san-mismatch']) {
    if (only.length && !only.some((o) => scenario.includes(o))) continue;
    it(`the README fix workflow works as written: ${scenario}`, async () => {
      ensureBuilt();
      const abs = join(ROOT, 'test', 'scenarios', scenario);
      const now = NOW;
      const m = await materializeScenario(abs, { now });
      const entries = certEntries(abs);
      const roots = entries.filter((e) => e.ca && !e.issuer).map((e) => m.certs.get(e.name)!.certPem);
      const work = mkdtempSync(join(tmpdir(), 'istio-tls-readme-'));
      const applied = await server.applyScenario(m.dir);
      const present = await objects();
      try {
        const base = ['doctor', '--kubeconfig', server.kubeconfig('admin'), '--no-exec', '-o', 'json'];
        const first = (JSON.parse((await run(base)).stdout) as { findings: Finding[] }).findings;
        const script = (await run(['doctor', '--kubeconfig', server.kubeconfig('admin'), '--no-exec', '--fix-script'])).stdout;
        // Gateways (the hosts a stand-in certificate names) and Services (a stand-in backend the user would name)
        const gateways = readManifestFiles([m.dir]).flatMap((f) => f.docs).filter((d): d is Obj => !!d && typeof d === 'object' && ['Gateway', 'Service'].includes(String((d as Obj).kind)));
        const files = await userFiles({ name: scenario, now, objects: [], certs: m.certs, entries, roots }, gateways, script);
        // the README's file names: fullchain.pem and privkey.pem, stand-ins issued now by the scenario's CA
        writeFileSync(join(work, 'fullchain.pem'), files.env.SHOP_TLS_FULLCHAIN ? files.files.get(files.env.SHOP_TLS_FULLCHAIN)! : '');
        writeFileSync(join(work, 'privkey.pem'), files.env.SHOP_TLS_KEY ? files.files.get(files.env.SHOP_TLS_KEY)! : '');
        const env = { KUBECONFIG: server.kubeconfig('admin'), PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' };
        for (const line of readmeFixLines()) {
          const file = join(work, 'line.sh');
          writeFileSync(file, `cd '${work}'\n${line}\n`);
          const r = await sh(file, env);
          // the doctor exits 1 when it reports errors; 2 would mean it could not do its job
          if (line.startsWith('kubectl istio-tls doctor')) assert.ok(r.code === 0 || r.code === 1, `${line}: exit ${r.code}: ${r.stderr}`);
          else assert.equal(r.code, 0, `${line}: exit ${r.code}: ${r.stderr}`);
        }
        const second = (JSON.parse((await run(base)).stdout) as { findings: Finding[] }).findings;
        const fixed = new Set(first.filter((f) => isFix(f) && !EXEC_CODES.has(f.code)).map(identity));
        assert.ok(fixed.size > 0, 'the scenario has something to fix');
        assert.deepEqual(second.filter((f) => fixed.has(identity(f))).map(label), [], 'what the README workflow fixes is gone');
        const had = new Set(first.map(identity));
        assert.deepEqual(second.filter((f) => f.severity !== 'info' && !EXEC_CODES.has(f.code) && !had.has(identity(f))).map(label), [], 'and nothing new');
      } finally {
        const created = [...(await objects())].filter(([k]) => !present.has(k)).map(([, o]) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } }));
        if (created.length) await server.kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], { input: created.map((o) => stringify(o)).join('---\n') });
        await server.clearScenario(applied);
      }
    });
  }

  const dirs = [...scenarioDirs(), ...fixtureDirs()].filter((d) => !only.length || only.some((o) => d.includes(o)));
  for (const scenario of dirs) {
    const abs = isAbsolute(scenario) ? scenario : join(ROOT, scenario);
    const name = basename(abs);
    it(name, async () => {
      const expect = readExpectation(abs);
      const now = expect.now ? new Date(expect.now) : NOW;
      const m = await materializeScenario(abs, { now });
      const entries = certEntries(abs);
      const roots = entries.filter((e) => e.ca && !e.issuer).map((e) => m.certs.get(e.name)!.certPem);
      const work = mkdtempSync(join(tmpdir(), 'istio-tls-fixes-'));
      const trust: string[] = [];
      if (roots.length) {
        writeFileSync(join(work, 'roots.pem'), roots.join(''));
        trust.push('--ca-file', join(work, 'roots.pem'));
      }
      const base = ['doctor', '--kubeconfig', server.kubeconfig('admin'), '--no-exec', '--now', now.toISOString().replace('.000Z', 'Z'), ...trust];
      const doctor = async () => {
        const r = await run([...base, '-o', 'json']);
        assert.ok(r.stdout.trim().startsWith('{'), `doctor printed no report (exit ${r.code}): ${r.stderr}`);
        assert.notEqual(r.code, 2, `the live run could not do its job: ${r.stderr}`);
        return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
      };
      const t0 = Date.now();
      const lap = (what: string) => process.env.FIXES_DEBUG && console.log(`# ${name} ${what} ${Date.now() - t0} ms`);
      const applied = await server.applyScenario(m.dir);
      lap('applied');
      const present = await objects();
      try {
        const [first, fixOnly, fixScript] = await Promise.all([doctor(), run([...base, '--fix-only']), run([...base, '--fix-script'])]);
        lap('doctor + fix-only + fix-script');
        assert.notEqual(fixScript.code, 2, fixScript.stderr);
        const script = fixScript.stdout;
        // 2. the stream is valid input for kubectl apply (server-side dry run), or nothing is printed at all
        let dryRun = 'no documents';
        if (fixOnly.stdout.trim()) {
          const d = await server.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: fixOnly.stdout, allowFail: true });
          assert.equal(d.code, 0, `kubectl apply --dry-run=server refused the --fix-only stream: ${d.stderr}\n${fixOnly.stdout}`);
          dryRun = 'ok';
        } else {
          assert.match(fixOnly.stderr, /no fix|nothing to fix|--fix-script/i, 'an empty --fix-only says why on stderr');
        }
        const writes = script.split('\n').some((l) => l.trim() && !l.trim().startsWith('#') && /\bkubectl\b/.test(l));
        if (!writes) {
          rows.push(`| ${name} | ${fold(first.map((f) => f.code))} | (no fix to run) | ${dryRun} | — |`);
          return;
        }
        // 3. the script in a real shell, the user's files stood in for
        // Gateways (the hosts a stand-in certificate names) and Services (a stand-in backend the user would name)
        const gateways = readManifestFiles([m.dir]).flatMap((f) => f.docs).filter((d): d is Obj => !!d && typeof d === 'object' && ['Gateway', 'Service'].includes(String((d as Obj).kind)));
        const files = await userFiles({ name, now, objects: [], certs: m.certs, entries, roots }, gateways, script);
        assert.deepEqual(files.missing, [], 'every variable the script checks has a stand-in');
        const env: Record<string, string> = { KUBECONFIG: server.kubeconfig('admin'), NO_COLOR: '1' };
        for (const [v, p] of Object.entries(files.env)) {
          // a file the user has, or a value only the user knows (a backend Service host)
          if (!files.files.has(p)) {
            env[v] = p;
            continue;
          }
          const real = join(work, basename(p));
          writeFileSync(real, files.files.get(p)!);
          env[v] = real;
        }
        const file = join(work, 'fix.sh');
        writeFileSync(file, script);
        lap('files');
        const once = await sh(file, env);
        lap('script');
        assert.equal(once.code, 0, `the fix script failed in sh: ${once.stderr}\n${script}`);
        // 4. the doctor again: what had a fix is gone, nothing new (exec-only findings aside)
        const second = await doctor();
        const fixed = new Set(first.filter((f) => isFix(f) && !EXEC_CODES.has(f.code)).map(identity));
        const remaining = second.filter((f) => fixed.has(identity(f)));
        assert.deepEqual(remaining.map(label), [], `findings with a fix are still there\n${script}`);
        const had = new Set(first.map(identity));
        const introduced = second.filter((f) => f.severity !== 'info' && !EXEC_CODES.has(f.code) && !had.has(identity(f)));
        assert.deepEqual(introduced.map(label), [], `the fix introduced findings\n${script}`);
        lap('doctor again');
        // 5. twice changes nothing
        const before = await versions();
        const twice = await sh(file, env);
        assert.equal(twice.code, 0, `the fix script failed the second time: ${twice.stderr}`);
        const afterRun = await versions();
        const changed = [...afterRun].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
        assert.deepEqual(changed, [], 'running the fix a second time changed objects');
        lap('second run');
        rows.push(`| ${name} | ${fold(first.map((f) => f.code))} | ${fold(second.map((f) => f.code))} | ${dryRun} | unchanged |`);
      } finally {
        // what the fix created is not in `applied`: deleted too (no namespace controller empties namespaces)
        const created = [...(await objects())].filter(([k]) => !present.has(k)).map(([, o]) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } }));
        if (created.length) await server.kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], { input: created.map((o) => stringify(o)).join('---\n') });
        await server.clearScenario(applied);
      }
    });
  }
});
