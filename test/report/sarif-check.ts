// Validates SARIF the doctor prints: the official SARIF 2.1.0 schema (vendored, test/report/sarif/
// PROVENANCE.md) with a real JSON Schema validator, and the upload requirements GitHub code scanning
// documents (version, $schema, tool.driver.name, rules, message.text, a physical location with a
// relative artifactLocation.uri and region.startLine on every result).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
// CommonJS packages: their default export through require keeps the types simple under NodeNext
const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (validate) return validate;
  const schema = JSON.parse(readFileSync(new URL('./sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
  // strict: false — the official schema uses keywords Ajv's strict mode flags (unknown formats aside, none)
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  validate = ajv.compile(schema);
  return validate;
}

export interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version?: string; rules?: { id: string; shortDescription?: { text: string }; fullDescription?: { text: string }; help?: { text: string }; helpUri?: string; defaultConfiguration?: { level: string } }[] } };
    invocations?: { executionSuccessful: boolean; toolExecutionNotifications?: { level?: string; message: { text: string }; associatedRule?: { id: string } }[] }[];
    results: {
      ruleId: string;
      ruleIndex?: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn?: number } } }[];
      partialFingerprints: Record<string, string>;
      properties?: { host?: string; resource?: string; severity?: string };
    }[];
  }[];
}

/** Throws with every schema error and every broken upload requirement. */
export function assertValidSarif(text: string): SarifLog {
  const log = JSON.parse(text) as SarifLog;
  const v = validator();
  const ok = v(log);
  assert.ok(ok, `not valid SARIF 2.1.0:\n${(v.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message ?? ''}`).join('\n')}`);
  // GitHub's upload requirements
  assert.equal(log.version, '2.1.0');
  assert.match(log.$schema, /sarif.*2\.1\.0/);
  assert.equal(log.runs.length, 1);
  const [run] = log.runs;
  assert.ok(run.tool.driver.name);
  const rules = run.tool.driver.rules ?? [];
  assert.ok(rules.length > 0, 'rules');
  const ruleIds = rules.map((r) => r.id);
  for (const r of rules) {
    assert.ok(r.shortDescription?.text && r.fullDescription?.text && r.help?.text && r.helpUri, `rule ${r.id} documented`);
    assert.ok(['error', 'warning', 'note'].includes(r.defaultConfiguration?.level ?? ''), `rule ${r.id} level`);
  }
  for (const r of run.results) {
    assert.ok(r.message.text.length > 0, `${r.ruleId} message.text`);
    assert.ok(ruleIds.includes(r.ruleId), `${r.ruleId} is a rule`);
    if (r.ruleIndex !== undefined) assert.equal(ruleIds[r.ruleIndex], r.ruleId);
    assert.ok(r.locations.length > 0, `${r.ruleId} has a location`);
    for (const loc of r.locations) {
      const uri = loc.physicalLocation.artifactLocation.uri;
      assert.ok(uri && !uri.startsWith('/') && !/^[a-z]+:/i.test(uri) && !uri.startsWith('..'), `${r.ruleId}: ${uri} is relative to the working directory`);
      assert.ok(Number.isInteger(loc.physicalLocation.region.startLine) && loc.physicalLocation.region.startLine >= 1, `${r.ruleId} region.startLine`);
    }
    assert.ok(Object.values(r.partialFingerprints).every((x) => x.length > 0), 'partialFingerprints');
  }
  return log;
}
