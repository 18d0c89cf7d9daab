// Scenario tier on a real kube-apiserver (test/realserver/server.ts): every scenario directory is
// applied with the real `kubectl apply` (namespaces, objects, then statuses through the status
// subresource), the doctor reads it live with --no-exec as admin, and must report the same findings
// as `-f` on the same directory and as `-f` on `kubectl get … -A -o yaml` of the server.
// One server for the whole file; each scenario is applied, checked and deleted in turn (scenarios
// share names such as istio-system/istio-ingressgateway, so they cannot live side by side).
//
// Left out of the comparison, each for a reason:
// - EXEC_CODES (in-pod checks and ITLS206): they need exec/port-forward into the gateway pod, which
//   --no-exec skips and no real pod exists for; `-f` on a directory reads pod files from files/, the
//   dump has none.
// - expect.json `liveOnly` codes: they come from looking inside pods (or from scenario.json's
//   simulated exec/port-forward denials), which --no-exec skips.
// scenario.json's deny/hang rules only touch exec and port-forward in every scenario today; a
// scenario that denies anything else differs on purpose and is compared on expect.json only.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { allOutputs, cli, ensureBuilt, EXEC_CODES, findingIdentity, keyFingerprints, readExpectation, ROOT, scenarioDirs, trustArgs } from '../scenario/harness.js';
import { realServerSkip, startRealServer, type RealServer } from './server.js';

interface JsonReport {
  findings: Finding[];
  summary: { error: number; warning: number; info: number };
  source: { kind: string };
}

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const keys = new Set<string>();
const skip = realServerSkip();
if (skip) console.log(`# ${skip}`);

/** scenario.json denials beyond exec/port-forward make the simulated cluster differ on purpose. */
function deniesMoreThanExec(dir: string): boolean {
  const p = join(ROOT, dir, 'scenario.json');
  if (!existsSync(p)) return false;
  const cfg = JSON.parse(readFileSync(p, 'utf8')) as { deny?: { resource: string }[]; missingGroups?: unknown[]; hang?: string[] };
  const inPod = (r: string) => r === 'pods/exec' || r === 'pods/portforward';
  return (cfg.deny ?? []).some((d) => !inPod(d.resource)) || (cfg.missingGroups?.length ?? 0) > 0 || (cfg.hang ?? []).some((h) => h.startsWith('/'));
}

async function doctor(args: string[], now: Date): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const r = await cli(['doctor', ...args, '-o', 'json', '--now', now.toISOString().replace('.000Z', 'Z')]);
  assert.ok(r.stdout.trim().startsWith('{'), `doctor ${args.join(' ')} printed no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}

const ids = (fs: Finding[], aside: Set<string>) =>
  fs
    .filter((f) => !aside.has(f.code))
    .map(findingIdentity)
    .sort();

describe('scenarios on a real API server', { skip }, () => {
  let server: RealServer;
  before(async () => {
    ensureBuilt();
    server = await startRealServer();
    console.log(`# real server: ready in ${server.readyMs} ms, set up (users, Istio, Gateway API and cert-manager CRDs) in ${server.setupMs} ms, RSS ${server.rssKb()} kB`);
  });
  after(async () => {
    if (server) console.log(`# real server: RSS ${server.rssKb()} kB after the scenarios`);
    await server?.stop();
  });

  for (const scenario of scenarioDirs()) {
    it(scenario, async () => {
      const expect = readExpectation(join(ROOT, scenario));
      const now = expect.now ? new Date(expect.now) : NOW;
      const m = await materializeScenario(join(ROOT, scenario), { now });
      const dir = m.dir;
      // scenario.json `trust`: the private roots the operator passes as --ca-file, on every run
      const trust = trustArgs(scenario, m.certs);
      for (const k of keyFingerprints(dir)) keys.add(k);
      // -f on the directory needs no server: it runs while kubectl applies, then live and the dump's run together
      const offlineRun = doctor(['-f', dir, ...trust], now);
      offlineRun.catch(() => undefined);
      const applied = await server.applyScenario(dir);
      try {
        const [live, offline, dumped] = await Promise.all([
          doctor(['--kubeconfig', server.kubeconfig('admin'), '--no-exec', ...trust], now),
          offlineRun,
          server.dump().then((dump) => doctor(['-f', dump, ...trust], now)),
        ]);
        assert.equal(live.report.source.kind, 'live');
        assert.notEqual(live.code, 2, `live run could not do its job: ${live.stderr}`);

        const aside = new Set([...EXEC_CODES, ...(expect.liveOnly ?? [])]);
        assert.deepEqual(ids(live.report.findings, aside), ids(dumped.report.findings, aside), 'live vs -f on the server dump');
        if (!deniesMoreThanExec(scenario)) {
          assert.deepEqual(ids(live.report.findings, aside), ids(offline.report.findings, aside), 'live vs -f on the scenario directory');
        }
        const errors = (r: JsonReport) => r.findings.filter((f) => f.severity === 'error' && !aside.has(f.code)).length;
        assert.equal(errors(live.report) > 0, errors(offline.report) > 0, 'live and offline agree on errors');
        for (const code of expect.codes ?? []) {
          if (aside.has(code)) continue;
          assert.ok(live.report.findings.some((f) => f.code === code), `live on the real server: ${code} expected`);
        }
        for (const code of expect.absent ?? []) assert.ok(!live.report.findings.some((f) => f.code === code), `live on the real server: ${code} must not be reported`);
      } finally {
        await server.clearScenario(applied);
      }
    });
  }
});

after(() => {
  for (const out of allOutputs) {
    assert.doesNotMatch(out, /PRIVATE KEY/);
    for (const k of keys) assert.ok(!out.includes(k), 'a generated private key appears in an output');
  }
});
