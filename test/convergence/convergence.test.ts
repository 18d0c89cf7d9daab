// The convergence rule, for every scenario and the demo: doctor → run its --fix-script (in memory,
// through an interpreter of exactly the shell and kubectl the fixes print, with the user's files
// issued now by the scenario's CA) → doctor again. Every finding with a fix is gone, no new error or
// warning appears, and running the script a second time changes nothing. The script is also valid
// POSIX sh (`sh -n`), and the --fix-only stream is never two versions of one object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { converge, converged, doctor, loadScenario, scenarioDirs } from './fixrun.js';
import { ROOT } from '../scenario/harness.js';
import { planFixes, renderFixOnly } from '../../src/remediation/combine.js';
import { snapshotLookup } from '../../src/cli/main.js';

/** Known not to converge yet, and why (the issue note lists them); anything else must converge. */
const KNOWN: Record<string, string> = {
  'itls402-redirect-to-nowhere': 'the new HTTPS server for blog.example.com has no VirtualService (ITLS503)',
  'itls404-same-certificate-two-secrets': 'the merge deletes b-gateway but leaves VirtualService shop/b bound to it (ITLS501)',
  'itls404-shared-wildcard-certificate': 'the merge deletes b-gateway but leaves VirtualService shop/b bound to it (ITLS501)',
  'itls502-vs-host-not-on-gateway': 'the host added to the HTTPS server is not covered by its certificate (ITLS304)',
};

const shells = ['sh', 'dash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

for (const dir of scenarioDirs(ROOT)) {
  const name = dir.split('/').pop()!;
  test(`fixes converge: ${name}`, async (t) => {
    const c = await converge(dir);
    for (const sh of shells) {
      const r = spawnSync(sh, ['-n'], { input: c.script });
      assert.equal(r.status, 0, `${sh} -n rejects the fix script: ${r.stderr}`);
    }
    assert.doesNotMatch(c.script.split('\n').filter((l) => !l.startsWith('#')).join('\n'), /<[a-z][^>\n]*>/i, 'no <placeholder> outside comments');
    if (KNOWN[name]) {
      if (converged(c)) assert.fail(`${name} converges now: remove it from KNOWN`);
      t.diagnostic(`known: ${KNOWN[name]}`);
      return;
    }
    assert.equal(c.error, undefined, `the script failed: ${c.error}\n${c.script}`);
    assert.deepEqual(c.remaining, [], `findings with a fix are still there\n${c.script}`);
    assert.deepEqual(c.introduced, [], `the fix introduced findings\n${c.script}`);
    assert.ok(c.idempotent, 'running the fix twice changes objects the second time');
  });
}

test('--fix-only: one document per object, each a whole object kubectl apply takes', async () => {
  for (const dir of scenarioDirs(ROOT)) {
    const s = await loadScenario(dir);
    const run = doctor(s, s.objects);
    const stream = renderFixOnly(planFixes(run.findings, snapshotLookup(run.snapshot)));
    if (!stream) continue;
    const keys = new Set<string>();
    const docs = parseAllDocuments(stream);
    assert.ok(docs.length > 0);
    for (const d of docs) {
      assert.deepEqual(d.errors, []);
      const o = d.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
      assert.ok(o?.apiVersion && o.kind && o.metadata?.name, `${dir}: a document that is not a whole object`);
      const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
      assert.ok(!keys.has(key), `${dir}: two versions of ${key}`);
      keys.add(key);
    }
  }
});
