// The referee tier: Istio's own control plane (tools/referee: pilot/test/xds's discovery server, the
// SDS generator, Kubernetes' RBAC authorizer) judges the doctor on every scenario, example and
// convergence fixture.
//   agreement: per host, the doctor's verdict (the built CLI's JSON, run as the scenario tier runs it)
//     matches istiod's: served on that port with the secret the doctor judged, routed or 404, for a
//     conflict the Gateway istiod keeps, a route after a catch-all told as shadowed, not as 503;
//   no harm: the doctor's --fix-script applied offline by the convergence tier's applier, the referee
//     again: every host a fix names is served and routed, every host that worked and no fix named
//     keeps its backend, secret and TLS mode, no host is newly routed by two VirtualServices.
// A disagreement is a doctor bug (the test fails) or a limitation of the fake, listed in KNOWN with
// its reason. Without Go the tier prints one `# referee tier skipped: ...` line and passes.
// Alone: `npm run test:all -- test/referee` (a heavy tier: test:all builds the referee first).
// ISTIO_TLS_REFEREE_ONLY=<regex> judges only the cases whose directory name matches;
// ISTIO_TLS_REFEREE_OUT=<file> writes every result as JSON (the report to the team is made from it).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { materializeScenario } from '../../src/sim/materialize.js';
import { cli, ensureBuilt, readExpectation, ROOT, scenarioDirs, trustArgs } from '../scenario/harness.js';
import { fixtureDirs, loadScenario, runScript, userFiles, type Obj, type Scenario } from '../convergence/fixrun.js';
import { buildReferee, refereeSkip, runReferee, writeObjects, type RefReport } from './referee.js';
import { agreement, noHarm, notes, type Disagreement, type DoctorReport, type Violation } from './judge.js';

/**
 * Disagreements that are limitations of the fake (or of the referee), by case and disagreement id,
 * with the reason. A listed disagreement that no longer occurs fails the test: remove it.
 */
const KNOWN: Record<string, Record<string, string>> = {};

/** Cases whose fixes cannot be applied offline, and why. */
const KNOWN_UNAPPLIABLE: Record<string, string> = {};

/**
 * A fix that routes a host to a backend it cannot know asks for it as a checked variable
 * (<HOST>_BACKEND): the user's answer is a Service of theirs. Supplied here: the Service named like
 * the host's first label, else the first Service that no gateway pod is behind.
 */
function supplyBackend(v: string, objects: Obj[], env: Record<string, string>): boolean {
  if (!/_(BACKEND|DESTINATION)$/.test(v)) return false;
  const services = objects.filter((o) => o.kind === 'Service');
  const label = v.replace(/_(BACKEND|DESTINATION)$/, '').split('_')[0].toLowerCase();
  const gatewayish = (o: Obj) => /gateway/.test(o.metadata.name);
  const svc = services.find((o) => o.metadata.name === label) ?? services.find((o) => !gatewayish(o));
  if (!svc) return false;
  env[v] = `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.cluster.local`;
  return true;
}

const skip = refereeSkip();
if (skip) console.log(`# ${skip}`);

const cases = [...scenarioDirs().map((d) => join(ROOT, d)), join(ROOT, 'examples', 'gateway-api'), ...fixtureDirs()].filter((d) => existsSync(d) && new RegExp(process.env.ISTIO_TLS_REFEREE_ONLY ?? '').test(basename(d)));

interface Result {
  name: string;
  disagreements: Disagreement[];
  /** what the doctor leaves unsaid that the referee knows (never failing) */
  notes: string[];
  violations: Violation[];
  unappliable?: string;
  judgeMs: number[];
  /** hosts compared: the doctor's host rows */
  hosts: number;
  before?: RefReport;
  after?: RefReport;
}
const results: Result[] = [];

describe('the referee judges the doctor', { skip }, () => {
  let bin = '';
  before(async () => {
    ensureBuilt();
    bin = await buildReferee();
  });
  after(() => {
    const out = process.env.ISTIO_TLS_REFEREE_OUT;
    if (out) writeFileSync(out, JSON.stringify(results, null, 1));
  });

  for (const dir of cases) {
    const name = basename(dir);
    describe(name, () => {
      const r: Result = { name, disagreements: [], notes: [], violations: [], judgeMs: [], hosts: 0 };
      results.push(r);
      let s: Scenario;
      let doctor: DoctorReport;
      let script = '';
      let beforeDir = '';

      before(async () => {
        const expect = readExpectation(dir);
        const now = expect.now ? new Date(expect.now) : new Date(Math.floor(Date.now() / 1000) * 1000);
        const nowArg = now.toISOString().replace('.000Z', 'Z');
        // the convergence tier's objects, with this run's certificates (the applier works on these)
        const m = await materializeScenario(dir, { now });
        const loaded = await loadScenario(m.dir);
        const roots = loaded.entries.filter((e) => e.ca && !e.issuer).map((e) => m.certs.get(e.name)!.certPem);
        s = { ...loaded, now, certs: m.certs, roots };
        beforeDir = m.dir;
        const trust = trustArgs(dir, m.certs);
        const d = await cli(['doctor', '-f', m.dir, '-o', 'json', '--now', nowArg, ...trust]);
        assert.notEqual(d.code, 2, `doctor could not do its job: ${d.stderr}`);
        doctor = JSON.parse(d.stdout) as DoctorReport;
        const f = await cli(['doctor', '-f', m.dir, '--fix-script', '--now', nowArg, ...trust]);
        assert.notEqual(f.code, 2, `doctor --fix-script could not do its job: ${f.stderr}`);
        script = f.stdout;
      });

      it('agrees with istiod host by host', async (t) => {
        const t0 = Date.now();
        r.before = await runReferee(bin, beforeDir);
        r.judgeMs.push(Date.now() - t0);
        r.disagreements = agreement(doctor, r.before);
        r.hosts = (doctor.hosts ?? []).length;
        r.notes = notes.splice(0);
        for (const n of r.notes) t.diagnostic(n);
        const known = KNOWN[name] ?? {};
        const unknown = r.disagreements.filter((x) => !known[x.id]);
        for (const id of Object.keys(known)) {
          assert.ok(r.disagreements.some((x) => x.id === id), `${name}: KNOWN lists "${id}", which no longer occurs: remove it`);
        }
        assert.deepEqual(unknown.map((x) => `${x.id}\n    doctor: ${x.doctor}\n    referee: ${x.referee}`), []);
      });

      it('does no harm: fixes change only the hosts they name', async () => {
        if (!script.trim() || !/kubectl/.test(script)) return; // nothing to apply
        const { env, files, missing: unsupplied } = await userFiles(s, s.objects, script);
        const missing = unsupplied.filter((v) => !supplyBackend(v, s.objects, env));
        if (missing.length) {
          r.unappliable = `the fix needs ${missing.join(', ')}, which the harness cannot supply`;
          assert.ok(KNOWN_UNAPPLIABLE[name], r.unappliable);
          return;
        }
        const applied = runScript(script, s.objects, env, files);
        const t0 = Date.now();
        const before = await runReferee(bin, writeObjects(s.objects));
        r.after = await runReferee(bin, writeObjects(applied.objects));
        r.judgeMs.push(Date.now() - t0);
        r.violations = noHarm(doctor.findings, before, r.after, s.objects);
        assert.deepEqual(r.violations.map((v) => `${v.id}\n    ${v.detail}`), [], `after the fix script:\n${applied.log.join('\n')}`);
      });
    });
  }
});
