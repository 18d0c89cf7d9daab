// The release as krew users get it, through the real tools: krew-index's validator accepts the
// generated manifest; real `kubectl krew` installs the linux/amd64 archive from it into a temporary
// KREW_ROOT; `kubectl istio-tls` then works with NO node on PATH (same output as the npm build), its
// completion installs into krew's bin directory, and `kubectl krew uninstall` removes it all.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildKrew, krewDir } from '../../scripts/build-krew.js';
import { BIN, ROOT, run as runAsync } from '../scenario/harness.js';
import { releaseSkip, target, theRelease } from './_release.js';

const NOW = '2026-06-01T00:00:00Z';

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

function krewSkip(): string | false {
  if (releaseSkip) return releaseSkip;
  if (process.arch !== 'x64') return 'krew installs the linux/amd64 archive: not an x86-64 machine';
  if (!which('kubectl')) return 'kubectl is not installed (.ci/run installs it)';
  if (existsSync(krewDir().krew) && existsSync(krewDir().validator)) return false;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return 'go is not installed: cannot build krew (.ci/run builds it)';
  return false;
}

describe('krew (real kubectl krew and validate-krew-manifest)', { skip: krewSkip() }, () => {
  let tools = '';
  let krewRoot = '';
  let pathDir = '';
  let env: Record<string, string> = {};
  const run = (cmd: string, args: string[], extra: Record<string, string> = {}): SpawnSyncReturns<string> =>
    spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...env, ...extra }, timeout: 120_000 });

  before(() => {
    tools = buildKrew({ quiet: true });
    theRelease();
    const tmp = mkdtempSync(join(tmpdir(), 'istio-tls-krew-'));
    krewRoot = join(tmp, 'krew');
    pathDir = join(tmp, 'path');
    mkdirSync(pathDir);
    // only kubectl and krew: no node, no shell utilities
    symlinkSync(which('kubectl')!, join(pathDir, 'kubectl'));
    symlinkSync(join(tools, 'kubectl-krew'), join(pathDir, 'kubectl-krew'));
    env = { PATH: `${join(krewRoot, 'bin')}:${pathDir}`, KREW_ROOT: krewRoot, HOME: join(tmp, 'home'), KUBECONFIG: '', NO_COLOR: '1', KREW_NO_UPGRADE_CHECK: '1' };
  });
  after(() => {
    if (krewRoot) rmSync(join(krewRoot, '..'), { recursive: true, force: true });
  });

  it('validate-krew-manifest accepts the generated manifest as it is (rules 1–7; the install step needs the URIs)', () => {
    const rel = theRelease();
    const r = spawnSync(join(tools, 'validate-krew-manifest'), ['-manifest', rel.manifestPath, '-skip-install'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });

  it('validate-krew-manifest installs every platform (KREW_OS/KREW_ARCH) and finds LICENSE, the archives served from 127.0.0.1', async () => {
    const rel = theRelease();
    const server = createServer((req, res) => {
      const name = basename(decodeURIComponent(req.url ?? ''));
      const t = rel.targets.find((x) => x.archive === name);
      if (!t) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(t.archivePath));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'istio-tls-validate-'));
      const manifest = join(dir, 'istio-tls.yaml');
      writeFileSync(manifest, readFileSync(rel.manifestPath, 'utf8').replace(/uri: \S+\/(kubectl-istio_tls-[\w.-]+)/g, `uri: ${base}/$1`));
      // the validator runs `kubectl krew install` per platform: kubectl and krew on PATH, its own KREW_ROOT
      const r = await runAsync(join(tools, 'validate-krew-manifest'), ['-manifest', manifest], { PATH: pathDir, HOME: dir, KREW_NO_UPGRADE_CHECK: '1' });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      server.close();
    }
  });

  it('kubectl krew install --manifest --archive installs linux/amd64; no node on PATH', () => {
    const rel = theRelease();
    for (const dir of env.PATH.split(':')) assert.ok(!existsSync(join(dir, 'node')), `node on the test PATH (${dir})`);
    const r = run('kubectl', ['krew', 'install', `--manifest=${rel.manifestPath}`, `--archive=${target(rel, 'linux', 'amd64').archivePath}`]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(join(krewRoot, 'bin', 'kubectl-istio_tls')));
    assert.ok(existsSync(join(krewRoot, 'receipts', 'istio-tls.yaml')), 'krew keeps a receipt');
  });

  it('kubectl istio-tls version and doctor -f examples/kiali give the npm build’s output', () => {
    const v = run('kubectl', ['istio-tls', 'version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr, '');
    const npmV = spawnSync(process.execPath, [BIN, 'version'], { encoding: 'utf8' });
    assert.match(v.stdout, /^kubectl-istio-tls \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+\)\n$/);
    assert.equal(v.stdout.replace(/ \(.*\)\n$/, ''), npmV.stdout.replace(/ \(.*\)\n$/, ''));
    for (const o of ['table', 'json', 'yaml']) {
      const args = ['doctor', '-f', 'examples/kiali', '--now', NOW, '-o', o];
      const viaKrew = run('kubectl', ['istio-tls', ...args]);
      const npm = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(viaKrew.status, npm.status, viaKrew.stderr);
      assert.equal(viaKrew.stdout, npm.stdout, `doctor -o ${o}`);
      assert.equal(viaKrew.stderr, npm.stderr);
    }
  });

  it('completion install writes the helper into krew’s bin dir, and kubectl __complete uses it (still no node)', () => {
    const r = run('kubectl', ['istio-tls', 'completion', 'install']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote ${join(krewRoot, 'bin', 'kubectl_complete-istio_tls')}`));
    const c = run('kubectl', ['__complete', 'istio-tls', 'doc']);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(c.stdout, 'doctor\tfind what breaks TLS for each gateway host, with evidence and fixes\n:4\n');
    const o = run('kubectl', ['__complete', 'istio-tls', 'status', '-o', '']);
    assert.equal(o.stdout, 'table\njson\nyaml\n:4\n');
  });

  it('kubectl krew uninstall removes the plugin', { skip: hasGit ? false : 'git is not installed: krew uninstall needs a (local, empty) index repository' }, () => {
    // krew refuses to uninstall without an initialized index: an empty local one (no network)
    const index = join(krewRoot, 'index', 'default');
    mkdirSync(join(index, 'plugins'), { recursive: true });
    const git = (...args: string[]) => spawnSync('git', ['-C', index, '-c', 'user.email=test@example.invalid', '-c', 'user.name=test', ...args], { stdio: 'ignore' });
    assert.equal(git('init', '-q').status, 0);
    assert.equal(git('commit', '-q', '--allow-empty', '-m', 'empty index').status, 0);
    const r = run('kubectl', ['krew', 'uninstall', 'istio-tls']);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(!existsSync(join(krewRoot, 'bin', 'kubectl-istio_tls')), 'the link is gone');
    assert.ok(!existsSync(join(krewRoot, 'store', 'istio-tls')), 'the store is gone');
    assert.ok(!existsSync(join(krewRoot, 'receipts', 'istio-tls.yaml')), 'the receipt is gone');
    const v = run('kubectl', ['istio-tls', 'version']);
    assert.notEqual(v.status, 0);
    // the completion helper is ours, not krew's: left for the user, and harmless (its target is gone)
    assert.deepEqual(readdirSync(join(krewRoot, 'bin')), ['kubectl_complete-istio_tls']);
  });
});
