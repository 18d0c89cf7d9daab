// `npm pack`, then `npm install -g <tarball>` into a temporary prefix: the package holds what it needs
// and nothing it should not (no tests, scenarios, sources or private keys), and both of its bins work
// from that prefix, found by the real kubectl.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../scenario/harness.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

describe('npm pack → npm install -g', () => {
  let tmp = '';
  let files: string[] = [];
  let prefix = '';
  let env: Record<string, string> = {};
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'istio-tls-npm-'));
    // --ignore-scripts: the prepack build already ran (npm test builds first)
    const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const info = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    files = info[0].files.map((f) => f.path).sort();
    prefix = join(tmp, 'prefix');
    const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', join(tmp, info[0].filename)], { encoding: 'utf8' });
    // the dependencies are in npm's cache (npm ci put them there); offline keeps the test off the network
    if (inst.status !== 0) {
      const online = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(tmp, info[0].filename)], { encoding: 'utf8' });
      assert.equal(online.status, 0, online.stderr);
    }
    env = { ...process.env, PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH ?? ''}`, KUBECONFIG: '', HOME: join(tmp, 'home'), NO_COLOR: '1' } as Record<string, string>;
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the package holds the bundle, the two bins, docs, README and LICENSE, and nothing else', () => {
    for (const f of ['bin/kubectl-istio_tls', 'bin/kubectl_complete-istio_tls', 'dist/cli.js', 'package.json', 'README.md', 'LICENSE']) assert.ok(files.includes(f), `${f} is packed`);
    for (const f of files) {
      assert.doesNotMatch(f, /^(test|src|scripts|bench|tools|examples|\.ci)\//, `${f} should not be packed`);
      assert.doesNotMatch(f, /(^|\/)test|scenario|\.test\.|\.ts$|krew-manifest|(^|\/)dist\/release\//, `${f} should not be packed`);
      assert.ok(/^(bin|dist|docs)\/|^(package\.json|README\.md|LICENSE)$/.test(f), `${f} is not something the package needs`);
    }
  });

  it('no private key in any packed file', () => {
    const marker = ['PRIVATE', 'KEY-----'].join(' ');
    const installed = join(prefix, 'lib', 'node_modules', 'kubectl-istio-tls');
    for (const f of files) {
      const text = readFileSync(join(installed, f), 'latin1');
      assert.ok(!text.includes(`BEGIN ${marker}`) && !/BEGIN (RSA |EC |ENCRYPTED )PRIVATE KEY-----/.test(text), `${f} holds a private key`);
    }
  });

  it('kubectl-istio_tls and kubectl_complete-istio_tls run from the prefix', () => {
    assert.ok(existsSync(join(prefix, 'bin', 'kubectl-istio_tls')));
    const v = spawnSync('kubectl-istio_tls', ['version'], { env, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^kubectl-istio-tls \d+\.\d+\.\d+ \(node v\d+/);
    const c = spawnSync('kubectl_complete-istio_tls', ['sta'], { env, encoding: 'utf8' });
    assert.equal(c.stdout, 'status\tone row per gateway host: certificate, expiry, SAN, chain, overall\n:4\n');
  });

  it('the real kubectl finds both', { skip: hasKubectl ? false : 'kubectl is not installed (.ci/run installs it)' }, () => {
    const v = spawnSync('kubectl', ['istio-tls', 'doctor', '-f', join(ROOT, 'examples', 'kiali'), '-o', 'json'], { env, encoding: 'utf8' });
    assert.notEqual(v.status, 2, v.stderr);
    assert.equal((JSON.parse(v.stdout) as { source: { kind: string } }).source.kind, 'offline');
    const c = spawnSync('kubectl', ['__complete', 'istio-tls', 'ver'], { env, encoding: 'utf8' });
    assert.equal(c.stdout, 'version\tprint the version\n:4\n');
  });
});
