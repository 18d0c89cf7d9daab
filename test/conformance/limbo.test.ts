import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORE_FLOOR, KNOWN_DISAGREEMENTS, runLimbo } from '../../scripts/conformance/limbo.js';

test('x509-limbo core tier agreement stays at or above the floor, every disagreement explained', async () => {
  const r = await runLimbo({ tier: 'core' });
  assert.equal(r.total, 135);
  assert.ok(r.agree >= CORE_FLOOR, `core agreement ${r.agree}/${r.total} fell below the floor ${CORE_FLOOR}: ${r.disagreements.filter((d) => !KNOWN_DISAGREEMENTS[d.id]).map((d) => `${d.id}: ${d.reason}`).join('\n')}`);
  const unexplained = r.disagreements.filter((d) => !d.explanation).map((d) => d.id);
  assert.deepEqual(unexplained, []);
  assert.doesNotMatch(JSON.stringify(r), /PRIVATE KEY|MII[A-Za-z0-9+/]{40}/);
});
