// Scenario tier, second half of the scenario directories (the first half and the tier's other tests are
// in scenarios.test.ts; the suite itself in scenario-suite.ts). Its own process: its own key check.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { allOutputs, ensureBuilt } from './harness.js';
import { scenarioSuite } from './scenario-suite.js';

// one clock for materialization and both runs, whole seconds (RFC3339 without fractions)
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const keys = new Set<string>();

before(() => ensureBuilt());

scenarioSuite(1, 2, NOW, keys);

after(() => {
  // no generated private key (PEM body fragment) in anything this file's CLI runs printed
  assert.ok(keys.size > 0, 'the scenarios generated keys to look for');
  assert.ok(allOutputs.length > 0, 'the CLI ran');
  for (const out of allOutputs) {
    assert.doesNotMatch(out, /PRIVATE KEY/);
    for (const k of keys) assert.ok(!out.includes(k), 'a generated private key appears in an output');
  }
});
