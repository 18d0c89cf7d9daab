// The README's GitHub Actions snippet, held to the SARIF it uploads: the doctor step's own command runs
// (with this build as kubectl-istio_tls on PATH) in a checkout-like directory holding a scenario's
// manifests under k8s/, and the file the upload step names must be valid SARIF 2.1.0 that meets GitHub's
// upload requirements, with results at k8s/ paths. The Actions runner itself is not tested.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { materializeScenario } from '../../src/sim/materialize.js';
import { BIN, ensureBuilt, EXE, ROOT } from '../scenario/harness.js';
import { assertValidSarif } from './sarif-check.js';

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

function workflow(): Workflow {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /```yaml\n(# \.github\/workflows\/[^\n]+\n[\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README holds a workflow block');
  return parseYaml(m[1]) as Workflow;
}

describe('README GitHub Actions snippet', () => {
  const wf = workflow();
  const steps = Object.values(wf.jobs)[0].steps;
  const doctor = steps.find((s) => s.run?.includes(' doctor '));
  const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  before(() => ensureBuilt());

  it('grants security-events: write, and uploads the file the doctor writes even when the doctor fails the job', () => {
    assert.equal(wf.permissions?.['security-events'], 'write');
    assert.ok(doctor && upload);
    const target = /-o sarif > (\S+)\s*$/.exec(doctor.run!.trim())?.[1];
    assert.equal(upload.with?.sarif_file, target);
    assert.match(upload.if ?? '', /always\(\)/);
  });

  for (const scenario of ['test/scenarios/itls304-san-mismatch', 'test/scenarios/itls202-tls-crt-base64-twice', 'examples/kiali']) {
    it(`the doctor step's command writes valid SARIF with results in k8s/ (${scenario})`, async () => {
      const m = await materializeScenario(join(ROOT, scenario));
      const checkout = mkdtempSync(join(tmpdir(), 'istio-tls-checkout-'));
      cpSync(m.dir, join(checkout, 'k8s'), { recursive: true });
      const bin = join(checkout, '.bin');
      mkdirSync(bin);
      const shim = join(bin, 'kubectl-istio_tls');
      writeFileSync(shim, `#!/bin/sh\nexec ${EXE ? `'${EXE}'` : `'${process.execPath}' '${BIN}'`} "$@"\n`);
      chmodSync(shim, 0o755);
      const r = spawnSync('sh', ['-c', doctor!.run!], { cwd: checkout, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' } });
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const log = assertValidSarif(readFileSync(join(checkout, String(upload!.with!.sarif_file)), 'utf8'));
      const results = log.runs[0].results;
      assert.ok(results.length > 0, 'the scenario has findings in its files');
      for (const res of results) assert.match(res.locations[0].physicalLocation.artifactLocation.uri, /^k8s\/[^/].*\.ya?ml$/);
      // exit 1 is the job failing on findings at or above --fail-on (error): the upload step still runs
      assert.equal(r.status, results.some((x) => x.level === 'error') ? 1 : 0);
    });
  }
});
