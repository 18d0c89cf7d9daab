// kubectl tier: the REAL kubectl finds `kubectl-istio_tls` on PATH (a symlink to bin/, as npm -g and
// krew install it) and runs it against the simulated cluster. Skipped only when kubectl is absent
// (.ci/run installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { allOutputs, assertSameFindings, cli, ensureBuilt, keyFingerprints, PLUGIN, ROOT, run } from '../scenario/harness.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('kubectl istio-tls (real kubectl)', { skip: hasKubectl ? false : 'kubectl is not installed (.ci/run installs it)' }, () => {
  let pluginDir = '';
  let env: Record<string, string> = {};
  let sim: Sim;
  let dir = '';
  const keys: string[] = [];

  before(async () => {
    ensureBuilt();
    pluginDir = mkdtempSync(join(tmpdir(), 'istio-tls-path-'));
    symlinkSync(PLUGIN, join(pluginDir, 'kubectl-istio_tls'));
    // our dir first on PATH; KUBECONFIG unset so nothing leaks in from the machine
    env = { PATH: `${pluginDir}${delimiter}${process.env.PATH ?? ''}`, KUBECONFIG: '', HOME: mkdtempSync(join(tmpdir(), 'istio-tls-home-')) };
    dir = (await materializeScenario(join(ROOT, 'examples', 'kiali'), { now: new Date(NOW) })).dir;
    keys.push(...keyFingerprints(dir));
    sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-kc-')), 'kubeconfig') });
  });
  after(async () => {
    await sim?.stop();
    for (const out of allOutputs) {
      assert.doesNotMatch(out, /PRIVATE KEY/);
      for (const k of keys) assert.ok(!out.includes(k), 'a generated private key appears in an output');
    }
  });

  it('kubectl plugin list shows the plugin', async () => {
    const r = await run('kubectl', ['plugin', 'list'], env);
    assert.match(r.stdout, new RegExp(`${pluginDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/kubectl-istio_tls`));
  });

  it('kubectl istio-tls version', async () => {
    const r = await run('kubectl', ['istio-tls', 'version'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kubectl-istio-tls \d+\.\d+\.\d+/);
  });

  it('kubectl istio-tls doctor --kubeconfig <sim> -o json gives the same findings as -f <scenario dir>', async () => {
    const viaKubectl = await run('kubectl', ['istio-tls', 'doctor', '--kubeconfig', sim.kubeconfigPath, '-o', 'json', '--now', NOW], env);
    assert.notEqual(viaKubectl.code, 2, viaKubectl.stderr);
    const offline = await cli(['doctor', '-f', dir, '-o', 'json', '--now', NOW]);
    const live = JSON.parse(viaKubectl.stdout) as { findings: Finding[]; source: { kind: string } };
    assert.equal(live.source.kind, 'live');
    assertSameFindings(live.findings, (JSON.parse(offline.stdout) as { findings: Finding[] }).findings);
    assert.equal(viaKubectl.code, offline.code, 'exit codes pass through kubectl unchanged');
    assert.ok(live.findings.some((f) => f.code === 'ITLS207'));
  });

  it('KUBECONFIG is honoured when no --kubeconfig is given', async () => {
    const r = await run('kubectl', ['istio-tls', 'status', '-o', 'json', '--now', NOW], { ...env, KUBECONFIG: sim.kubeconfigPath });
    assert.notEqual(r.code, 2, r.stderr);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { hosts: { host: string }[] }).hosts.map((h) => h.host),
      ['kiali.hskimdemo.test.com'],
    );
  });

  it('a bad flag through kubectl: exit 2 and one clear line', async () => {
    const r = await run('kubectl', ['istio-tls', 'doctor', '--colour'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown flag --colour/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('help through kubectl names the command as kubectl istio-tls', async () => {
    const r = await run('kubectl', ['istio-tls', 'doctor', '--help'], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /kubectl istio-tls doctor \[flags\]/);
  });
});
