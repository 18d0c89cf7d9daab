// The linux/amd64 release executable against the simulated cluster, beside the npm build: client-
// certificate auth with exec and port-forward over WebSocket (a finding only the pod's Envoy shows),
// bearer-token auth, and the real kubectl finding it on PATH. (The whole scenario and kubectl tiers run
// against an executable with ISTIO_TLS_EXE=<path> npm test -- scenario kubectl.)
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { allOutputs, assertSameFindings, BIN, keyFingerprints, ROOT, run } from '../scenario/harness.js';
import { releaseSkip, target, theRelease } from './_release.js';

const codes = (fs: Finding[]): string[] => fs.map((f) => f.code).sort();
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('release executable, live (simulated cluster)', { skip: releaseSkip || (process.arch !== 'x64' ? 'not an x86-64 machine' : false) }, () => {
  const sims: Sim[] = [];
  const keys: string[] = [];
  after(async () => {
    for (const s of sims) await s.stop();
    for (const out of allOutputs) {
      assert.doesNotMatch(out, /PRIVATE KEY/);
      for (const k of keys) assert.ok(!out.includes(k), 'a generated private key appears in an output');
    }
  });

  async function sim(scenario: string, auth: 'cert' | 'token'): Promise<Sim> {
    const dir = (await materializeScenario(join(ROOT, scenario), { now: new Date(NOW) })).dir;
    keys.push(...keyFingerprints(dir));
    const s = await startSim({ scenarioDir: dir, materialized: true, auth, kubeconfigPath: join(mkdtempSync(join(tmpdir(), 'istio-tls-kc-')), 'kubeconfig') });
    sims.push(s);
    return s;
  }

  async function both(s: Sim): Promise<{ exe: Finding[]; npm: Finding[]; exeCode: number | null }> {
    const args = ['doctor', '--kubeconfig', s.kubeconfigPath, '-o', 'json', '--now', NOW];
    const exe = await run(target(theRelease(), 'linux', 'amd64').exePath, args);
    assert.notEqual(exe.code, 2, exe.stderr);
    const npm = await run(process.execPath, [BIN, ...args]);
    assert.equal(exe.code, npm.code);
    return { exe: (JSON.parse(exe.stdout) as { findings: Finding[] }).findings, npm: (JSON.parse(npm.stdout) as { findings: Finding[] }).findings, exeCode: exe.code };
  }

  it('client-certificate auth, exec and port-forward over WebSocket: the same findings as the npm build', async () => {
    theRelease();
    const s = await sim('test/scenarios/inpod-stale-envoy', 'cert');
    const r = await both(s);
    assertSameFindings(r.exe, r.npm);
    // assertSameFindings sets exec-only codes aside: here both ran live, so those must agree too
    assert.deepEqual(codes(r.exe), codes(r.npm));
    // ITLS210 comes only from the pod's Envoy, through port-forward
    assert.ok(r.exe.some((f) => f.code === 'ITLS210'), 'the in-pod finding (port-forward to Envoy) is reported');
    assert.ok(s.requestLog.some((e) => e.path.includes('/portforward')), 'port-forward was used');
  });

  it('in-pod reads through exec: the same findings as the npm build', async () => {
    const s = await sim('test/scenarios/inpod-stale-mount', 'cert');
    const r = await both(s);
    assertSameFindings(r.exe, r.npm);
    // assertSameFindings sets exec-only codes aside: here both ran live, so those must agree too
    assert.deepEqual(codes(r.exe), codes(r.npm));
    assert.ok(s.requestLog.some((e) => e.path.includes('/exec')), 'exec was used');
  });

  it('bearer-token auth: the same findings as the npm build', async () => {
    const s = await sim('examples/kiali', 'token');
    const r = await both(s);
    assertSameFindings(r.exe, r.npm);
    // assertSameFindings sets exec-only codes aside: here both ran live, so those must agree too
    assert.deepEqual(codes(r.exe), codes(r.npm));
    assert.ok(r.exe.length > 0);
  });
});
