// Every scenario under test/scenarios runs offline, the way `doctor -f <dir>` reads it:
// materialize (certificates generated now) → the offline source → all checks → expect.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { materializeScenario } from '../../src/sim/materialize.js';
import { loadOfflineSnapshot } from '../../src/manifests/index.js';
import { runChecks } from '../../src/checks/run.js';
import { loadTrustStore } from '../../src/tls/index.js';
import { planFixes, renderFixScript } from '../../src/remediation/combine.js';
import { snapshotLookup } from '../../src/cli/main.js';

interface Expect {
  now?: string;
  codes?: string[];
  absent?: string[];
  liveOnly?: string[];
  clean?: boolean;
  /**
   * Every error and warning the scenario must report, and nothing else: `[severity ]CODE Kind ns/name[ host]`
   * (one finding per cause: a cause reported twice, or a consequence folded into the wrong cause, fails).
   */
  findings?: string[];
  /** errors/warnings that may be reported beside `findings` (same form; a severity, when given, is the most allowed) */
  mayReport?: string[];
  /** what the --fix-script must (`has`) and must not (`hasNot`) say: regular expressions */
  fix?: { has?: string[]; hasNot?: string[] };
}

/** A finding as `findings` entries name it. */
function findingLine(f: { code: string; severity: string; resource: { kind: string; namespace?: string; name: string }; host?: string }): string {
  return `${f.code} ${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}${f.host ? ` ${f.host}` : ''}`;
}

const RANK: Record<string, number> = { info: 1, warning: 2, error: 3 };

/** `[severity ]rest` → the severity (if any) and the finding line. */
function splitEntry(entry: string): { severity?: string; line: string } {
  const m = /^(error|warning|info) (.*)$/.exec(entry);
  return m ? { severity: m[1], line: m[2] } : { line: entry };
}

const ROOT = 'test/scenarios';
const dirs = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'expect.json'))).sort() : [];
const trustStore = loadTrustStore();

for (const name of dirs) {
  const dir = join(ROOT, name);
  const expect = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expect;
  const liveOnly = new Set(expect.liveOnly ?? []);
  test(`scenario ${name}: reports ${(expect.codes ?? []).filter((c) => !liveOnly.has(c)).join(', ') || 'nothing of its own'}; stays silent on ${(expect.absent ?? []).length} codes`, async () => {
    const now = expect.now ? new Date(expect.now) : new Date();
    const materialized = await materializeScenario(dir, { now });
    try {
      const { snapshot } = loadOfflineSnapshot([materialized.dir]);
      // scenario.json `trust`: the certs.yaml CAs the operator passes as --ca-file
      const trust = existsSync(join(dir, 'scenario.json')) ? ((JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as { trust?: string[] }).trust ?? []) : [];
      const store = trust.length ? loadTrustStore(trust.map((n) => materialized.certs.get(n)!.certPem).join('')) : trustStore;
      const { findings } = runChecks(snapshot, { now, expiryWarningMs: 30 * 86_400_000, trustStore: store });
      const codes = new Set(findings.map((f) => f.code));
      for (const code of expect.codes ?? []) {
        if (liveOnly.has(code)) continue;
        assert.ok(codes.has(code), `${name}: expected ${code}; got ${[...codes].sort().join(', ')}`);
      }
      for (const code of expect.absent ?? []) {
        const hit = findings.find((f) => f.code === code);
        assert.equal(hit, undefined, `${name}: ${code} must not fire: ${hit?.message}`);
      }
      if (expect.clean) {
        const loud = findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map((f) => `${f.code} ${f.message}`);
        assert.deepEqual(loud, [], `${name}: a healthy scenario reports no error or warning`);
      }
      if (expect.findings) {
        const loud = findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
        const want = expect.findings.map(splitEntry);
        const may = (expect.mayReport ?? []).map(splitEntry);
        const got = loud.map((f) => ({ line: findingLine(f), severity: f.severity }));
        for (const w of want) {
          const hits = got.filter((g) => g.line === w.line && (!w.severity || g.severity === w.severity));
          assert.equal(hits.length, 1, `${name}: ${w.line} must be reported exactly once; got:\n${got.map((g) => `${g.severity} ${g.line}`).join('\n')}`);
        }
        for (const g of got) {
          if (want.some((w) => w.line === g.line)) continue;
          const allowed = may.find((m) => m.line === g.line && (!m.severity || RANK[g.severity] <= RANK[m.severity]));
          assert.ok(allowed, `${name}: ${g.severity} ${g.line} is reported, but expect.json neither asks for nor allows it`);
        }
      }
      if (expect.fix) {
        const script = renderFixScript(planFixes(findings, snapshotLookup(snapshot)));
        for (const re of expect.fix.has ?? []) assert.match(script, new RegExp(re), `${name}: the fix script must match ${re}`);
        for (const re of expect.fix.hasNot ?? []) assert.doesNotMatch(script, new RegExp(re), `${name}: the fix script must not match ${re}`);
      }
      assert.doesNotMatch(JSON.stringify(findings), /PRIVATE KEY/, 'no key material in findings');
    } finally {
      rmSync(materialized.dir, { recursive: true, force: true });
    }
  });
}
