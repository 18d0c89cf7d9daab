// The convergence rule, for every scenario and the demo: doctor → run its --fix-script (in memory,
// through an interpreter of exactly the shell and kubectl the fixes print, with the user's files
// issued now by the scenario's CA) → doctor again. Every finding with a fix is gone, no new error or
// warning appears, and running the script a second time changes nothing. The script is also valid
// POSIX sh (`sh -n`), and the --fix-only stream is never two versions of one object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { converge, converged, doctor, fixtureDirs, loadScenario, scenarioDirs } from './fixrun.js';
import { ROOT } from '../scenario/harness.js';
import { planFixes, renderFixOnly } from '../../src/remediation/combine.js';
import { snapshotLookup } from '../../src/cli/main.js';

/** Known not to converge yet, and why (the issue note lists them); anything else must converge. */
const KNOWN: Record<string, string> = {};

const shells = ['sh', 'dash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

for (const dir of [...scenarioDirs(ROOT), ...fixtureDirs()]) {
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

/** What the fix of each fixture must (and must not) say, beyond converging. */
const FIXTURE_FIX: Record<string, { has: RegExp[]; hasNot?: RegExp[] }> = {
  // the payments/ restriction is not widened: the VirtualService's namespace is allowed for that host alone
  'itls502-restricted-namespace': { has: [/- payments\/api\.acme\.test\n\s+- shop\/api\.acme\.test\n/, /The choice is yours/], hasNot: [/^\s+- (\*\/)?api\.acme\.test$/m] },
  // the added host is one the certificate does not cover: the certificate is re-issued with it
  'itls502-host-needs-reissue': { has: [/- www\.shop\.example\.com/, /kubectl patch secret shop-tls -n istio-system --type=merge/, /Re-issue the certificate with DNS SANs for www\.shop\.example\.com/] },
  // the merge keeps b-gateway (port 80): VirtualService b stays bound to it and is bound to a-gateway too
  'itls404-gateway-keeps-a-server': { has: [/gateways:\n\s+- b-gateway\.istio-system\.svc\.cluster\.local\n\s+- istio-system\/a-gateway/], hasNot: [/kubectl delete gateways/] },
  // the VirtualService routing blog for the mesh is bound to the Gateway as well (the mesh kept)
  'itls402-route-bound-elsewhere': { has: [/name: blog\n\s+namespace: blog[\s\S]*gateways:\n\s+- istio-system\/shop-gateway\n\s+- mesh/] },
  // no route: one is created for the Service named like the host, to confirm
  // stale cert/key in front of a right tls.crt/tls.key: one idempotent patch removes them, no re-issue, no user file
  'itls301-stale-cert-key-in-front': { has: [/kubectl patch secret shop-tls -n istio-system --type=merge -p '\{"data":\{"cert":null,"key":null\}\}'/], hasNot: [/FULLCHAIN|KEY:\?|Renew/] },
  // the selector of the ingress pods the finding names (credential namespace, misspelt value), the egress pods named as the other choice
  'itls101-selector-names-gateway-pods': { has: [/selector:\n\s+istio: ingressgateway\n/, /Other gateway pods carry istio: egressgateway/], hasNot: [/show-labels/] },
  'itls402-service-named-like-host': { has: [/host: blog\.blog\.svc\.cluster\.local/, /confirm it before applying/] },
};

for (const dir of fixtureDirs()) {
  const name = dir.split('/').pop()!;
  const want = FIXTURE_FIX[name];
  if (!want) continue;
  test(`the fix says what it must: ${name}`, async () => {
    const c = await converge(dir);
    for (const re of want.has) assert.match(c.script, re);
    for (const re of want.hasNot ?? []) assert.doesNotMatch(c.script, re);
  });
}

test('itls404: a Gateway is deleted only after what replaces it is applied', async () => {
  const c = await converge(`${ROOT}/test/scenarios/itls404-shared-wildcard-certificate`);
  const del = c.script.indexOf('kubectl delete gateways.networking.istio.io b-gateway');
  assert.ok(del > 0 && del > c.script.lastIndexOf("kubectl apply -f - <<'YAML'"), c.script);
  assert.match(c.script, /name: b\n\s+namespace: shop[\s\S]*gateways:\n\s+- istio-system\/a-gateway\n/);
});
