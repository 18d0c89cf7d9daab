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

interface Expect {
  now?: string;
  codes?: string[];
  absent?: string[];
  liveOnly?: string[];
  clean?: boolean;
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
      assert.doesNotMatch(JSON.stringify(findings), /PRIVATE KEY/, 'no key material in findings');
    } finally {
      rmSync(materialized.dir, { recursive: true, force: true });
    }
  });
}
