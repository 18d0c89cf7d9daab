// The scenario tier's per-scenario suite: the built CLI as a subprocess against the simulated cluster
// (`--kubeconfig`), and the CLI's entry point in-process offline (`-f` on the same materialized directory). Two test files run half of the
// scenarios each (scenarios.test.ts, scenarios-b.test.ts), so the tier's longest file is half as long
// and the quick tier's wall time is not one file running alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { assertSameFindings, cli, cliInProcess, keyFingerprints, readExpectation, ROOT, scenarioDirs, trustArgs } from './harness.js';

interface JsonReport {
  findings: Finding[];
  summary: { error: number; warning: number; info: number };
  source: { kind: string };
}

/** Scenarios whose live run differs by design (RBAC denials, missing CRDs, hangs) are compared on expect.json only. */
function liveDiffersByDesign(dir: string): boolean {
  const p = join(ROOT, dir, 'scenario.json');
  if (!existsSync(p)) return false;
  const cfg = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown[] | undefined>;
  return ['deny', 'missingGroups', 'hang'].some((k) => (cfg[k]?.length ?? 0) > 0);
}

/** Every scenario whose index in scenarioDirs() is `shard` modulo `of`; the private keys it generates go into `keys`. */
export function scenarioSuite(shard: number, of: number, now: Date, keys: Set<string>): void {
  const NOW = now;
  const dirs = scenarioDirs().filter((_, i) => i % of === shard);
  for (const scenario of dirs) {
    describe(`scenario ${scenario}`, () => {
      const expect = readExpectation(join(ROOT, scenario));
      const now = expect.now ? new Date(expect.now) : NOW;
      const nowArg = now.toISOString().replace('.000Z', 'Z');
      let dir = '';
      let sim: Sim;
      let live: { code: number | null; report: JsonReport };
      let offline: { code: number | null; report: JsonReport };
      let requestsOfDoctor = 0;

      before(async () => {
        const m = await materializeScenario(join(ROOT, scenario), { now });
        dir = m.dir;
        const trust = trustArgs(scenario, m.certs);
        for (const k of keyFingerprints(dir)) keys.add(k);
        const work = mkdtempSync(join(tmpdir(), 'istio-tls-scenario-run-'));
        sim = await startSim({ scenarioDir: dir, materialized: true, kubeconfigPath: join(work, 'kubeconfig') });
        const l = await cli(['doctor', '--kubeconfig', sim.kubeconfigPath, '-o', 'json', '--now', nowArg, ...trust]);
        requestsOfDoctor = sim.requestLog.length;
        // a blind scenario (expect.json exitCode 2) still prints its report; every other live run must do its job
        if (expect.exitCode !== 2) assert.notEqual(l.code, 2, `live run could not do its job: ${l.stderr}`);
        assert.ok(l.stdout.trim().startsWith('{'), `live run printed no report (exit ${l.code}): ${l.stderr}`);
        live = { code: l.code, report: JSON.parse(l.stdout) as JsonReport };
        // offline: the CLI's entry point in this process (the live run above is the built CLI as a subprocess)
        const o = await cliInProcess(['doctor', '-f', dir, '-o', 'json', '--now', nowArg, ...trust]);
        assert.notEqual(o.code, 2, `offline run could not do its job: ${o.stderr}`);
        assert.ok(o.stdout.trim().startsWith('{'), `offline run printed no report (exit ${o.code}): ${o.stderr}`);
        offline = { code: o.code, report: JSON.parse(o.stdout) as JsonReport };
      });
      after(async () => sim?.stop());

      it('live and offline report the same findings (exec-only findings aside)', (t) => {
        if (liveDiffersByDesign(scenario)) {
          t.skip('scenario.json makes the live cluster differ on purpose');
          return;
        }
        const liveOnly = new Set(expect.liveOnly ?? []);
        assert.equal(live.report.source.kind, 'live');
        assert.equal(offline.report.source.kind, 'offline');
        assertSameFindings(live.report.findings, offline.report.findings, liveOnly);
      });

      it('reports the codes expect.json asks for, and none it forbids', () => {
        const liveCodes = new Set(live.report.findings.map((f) => f.code));
        const offlineCodes = new Set(offline.report.findings.map((f) => f.code));
        const liveOnly = new Set(expect.liveOnly ?? []);
        for (const code of expect.codes ?? []) {
          assert.ok(liveCodes.has(code), `live: ${code} expected, got ${[...liveCodes].join(', ') || 'nothing'}`);
          if (!liveOnly.has(code) && !liveDiffersByDesign(scenario)) assert.ok(offlineCodes.has(code), `offline: ${code} expected`);
        }
        for (const code of expect.absent ?? []) {
          assert.ok(!liveCodes.has(code), `live: ${code} must not be reported`);
          assert.ok(!offlineCodes.has(code), `offline: ${code} must not be reported`);
        }
        for (const m of expect.messages ?? []) {
          const f = live.report.findings.find((x) => x.code === m.code);
          assert.ok(f, `live: ${m.code} expected`);
          assert.match(f.message, new RegExp(m.pattern), `live: ${m.code}'s message`);
          if (m.not) assert.doesNotMatch(f.message, new RegExp(m.not), `live: ${m.code}'s message`);
          if (m.also) assert.match((f.also ?? []).join('\n'), new RegExp(m.also), `live: ${m.code}'s also lines`);
        }
        if (expect.clean) {
          for (const [run, r] of [['live', live], ['offline', offline]] as const) {
            const loud = r.report.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
            assert.deepEqual(loud.map((f) => `${f.code} ${f.message}`), [], `${run}: a healthy scenario reports no error or warning`);
          }
        }
      });

      it('exits as expect.json says (default: 1 exactly when an error is reported)', () => {
        const errors = live.report.findings.filter((f) => f.severity === 'error').length;
        assert.equal(live.code, expect.exitCode ?? (errors > 0 ? 1 : 0));
        assert.equal(live.report.summary.error, errors);
      });

      it('reads the cluster with GET requests only', () => {
        const verbs = new Set(sim.requestLog.slice(0, requestsOfDoctor).map((e) => e.verb));
        assert.deepEqual([...verbs], ['GET']);
        assert.ok(requestsOfDoctor > 0);
      });
    });
  }
}
