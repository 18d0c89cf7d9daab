// -o sarif over every scenario (test/scenarios and the demo): valid against the official SARIF 2.1.0
// schema, GitHub's upload requirements met, every finding either a result at a line of the files or a
// run notification, each result's line holding what the finding is about, fingerprints stable. A golden
// holds one result per severity (UPDATE_GOLDEN=1 rewrites it).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli, type CliIO } from '../../src/cli/main.js';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { cli, ensureBuilt, keyFingerprints, readExpectation, ROOT, scenarioDirs, trustArgs } from '../scenario/harness.js';
import { assertValidSarif, type SarifLog } from './sarif-check.js';

const NOW = '2026-06-01T00:00:00Z';
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = join(ROOT, 'test', 'report', 'golden', 'sarif-one-per-severity.json');

async function inProcess(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} };
  const back = process.cwd();
  process.chdir(cwd);
  try {
    return { code: await runCli(argv, io), stdout, stderr };
  } finally {
    process.chdir(back);
  }
}

interface Scenario {
  name: string;
  dir: string;
  sarif: SarifLog;
  findings: Finding[];
  keys: string[];
  text: string;
}

const scenarios: Scenario[] = [];

before(async () => {
  for (const s of scenarioDirs()) {
    const now = readExpectation(join(ROOT, s)).now ?? NOW;
    const m = await materializeScenario(join(ROOT, s), { now: new Date(now) });
    const trust = trustArgs(s, m.certs);
    const base = ['doctor', '-f', '.', '--now', now, ...trust];
    const sarif = await inProcess([...base, '-o', 'sarif'], m.dir);
    const json = await inProcess([...base, '-o', 'json'], m.dir);
    assert.equal(sarif.code, json.code, `${s}: the exit code does not depend on -o`);
    scenarios.push({ name: s, dir: m.dir, sarif: JSON.parse(sarif.stdout) as SarifLog, findings: (JSON.parse(json.stdout) as { findings: Finding[] }).findings, keys: keyFingerprints(m.dir), text: sarif.stdout });
  }
});

describe('-o sarif for every scenario', () => {
  it('ran every scenario (a loop over nothing proves nothing)', () => assert.ok(scenarios.length >= 30, String(scenarios.length)));

  it('validates against the SARIF 2.1.0 schema and GitHub upload requirements', () => {
    for (const s of scenarios) assertValidSarif(s.text);
  });

  it('every finding is a result with a location or a notification; never both, never neither', () => {
    let results = 0;
    for (const s of scenarios) {
      const run = s.sarif.runs[0];
      const notes = run.invocations?.[0]?.toolExecutionNotifications ?? [];
      assert.equal(run.results.length + notes.length, s.findings.length, s.name);
      results += run.results.length;
      // a finding about an object of the files is a result (what the files hold is never a notification)
      for (const n of notes) assert.match(n.message.text, /^ITLS\d{3} (Cluster|ClusterRole|ServiceAccount|Pod|Namespace|Role)\b|^ITLS\d{3} \w+\/\S+/, `${s.name}: ${n.message.text}`);
    }
    assert.ok(results >= 30, `results over all scenarios: ${results}`);
  });

  it('each result points at a line of its file that names what the finding is about', () => {
    for (const s of scenarios) {
      for (const r of s.sarif.runs[0].results) {
        const loc = r.locations[0].physicalLocation;
        const file = join(s.dir, loc.artifactLocation.uri);
        assert.ok(existsSync(file), `${s.name}: ${loc.artifactLocation.uri}`);
        const line = readFileSync(file, 'utf8').split('\n')[loc.region.startLine - 1] ?? '';
        const name = (r.properties?.resource ?? '').split('/').pop() ?? '';
        const host = r.properties?.host;
        const names = (host !== undefined && line.includes(host.replace(/^\*\./, ''))) || line.includes(name) || /credentialName|certificateRefs/.test(line);
        assert.ok(names, `${s.name} ${r.ruleId} ${r.properties?.resource} ${host ?? ''}: line ${loc.region.startLine} is "${line.trim()}"`);
      }
    }
  });

  it('a host-specific finding points at the host (ITLS304), a credential finding at credentialName (ITLS202)', () => {
    const at = (scenario: string, code: string) => {
      const s = scenarios.find((x) => x.name.endsWith(scenario))!;
      const r = s.sarif.runs[0].results.find((x) => x.ruleId === code)!;
      const loc = r.locations[0].physicalLocation;
      return readFileSync(join(s.dir, loc.artifactLocation.uri), 'utf8').split('\n')[loc.region.startLine - 1];
    };
    assert.match(at('itls304-san-mismatch', 'ITLS304'), /api\.example\.com/);
    assert.match(at('itls202-tls-crt-base64-twice', 'ITLS202'), /credentialName/);
  });

  it('partialFingerprints are code + kind/namespace/name + host: distinct per finding, equal across runs', async () => {
    for (const s of scenarios) {
      const prints = s.sarif.runs[0].results.map((r) => JSON.stringify(r.partialFingerprints));
      assert.equal(new Set(prints).size, prints.length, s.name);
    }
    const s = scenarios.find((x) => x.sarif.runs[0].results.length > 1)!;
    const again = await inProcess(['doctor', '-f', '.', '--now', NOW, '-o', 'sarif'], s.dir);
    const prints = (t: string) => (JSON.parse(t) as SarifLog).runs[0].results.map((r) => r.partialFingerprints);
    assert.deepEqual(prints(again.stdout), prints(s.text));
  });

  it('no private key material in any SARIF', () => {
    for (const s of scenarios) for (const k of s.keys) assert.ok(!s.text.includes(k), `${s.name} leaks key material`);
  });

  it('golden: one result per severity (error, warning, note) with its rule', () => {
    const picked: unknown[] = [];
    // one named scenario per level, so a new scenario directory never changes the golden
    const from: Record<string, string> = {
      error: 'test/scenarios/inpod-empty-mount',
      warning: 'test/scenarios/inpod-distroless',
      note: 'test/scenarios/itls106-proxy-version-skew',
    };
    for (const level of ['error', 'warning', 'note']) {
      const hit = scenarios
        .filter((s) => s.name === from[level])
        .flatMap((s) => s.sarif.runs[0].results.map((r) => ({ s, r })))
        .find(({ r }) => r.level === level);
      assert.ok(hit, `some scenario has a ${level} result`);
      const rule = hit.s.sarif.runs[0].tool.driver.rules!.find((x) => x.id === hit.r.ruleId);
      picked.push({ scenario: hit.s.name, rule, result: hit.r });
    }
    const text = `${JSON.stringify(picked, null, 2)}\n`;
    if (UPDATE || !existsSync(GOLDEN)) {
      mkdirSync(join(ROOT, 'test', 'report', 'golden'), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    assert.equal(text, readFileSync(GOLDEN, 'utf8'), 'SARIF golden changed: review, then UPDATE_GOLDEN=1');
  });
});

describe('-o sarif from the built CLI', () => {
  before(() => ensureBuilt());
  it('exit codes hold (--fail-on applies as in every -o), and a live-only run has no results', async () => {
    const s = scenarios.find((x) => x.name.endsWith('itls304-san-mismatch'))!;
    const fail = await cli(['doctor', '-f', s.dir, '--now', NOW, '-o', 'sarif']);
    assert.equal(fail.code, 1, fail.stderr);
    const none = await cli(['doctor', '-f', s.dir, '--now', NOW, '-o', 'sarif', '--fail-on', 'none']);
    assert.equal(none.code, 0);
    // run from the repository root: the paths are relative to it (../ for a file outside is still relative)
    const log = JSON.parse(fail.stdout) as SarifLog;
    assert.ok(log.runs[0].results.every((r) => !r.locations[0].physicalLocation.artifactLocation.uri.startsWith('/')));
  });
  it('-o sarif goes with doctor only', async () => {
    const r = await cli(['status', '-o', 'sarif', '-f', 'examples/kiali']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /-o sarif goes with doctor/);
  });
});

describe('renderSarif within GitHub limits', () => {
  it('a cause at 1,500 places keeps 999 related locations and says how many more', async () => {
    const { renderSarif, MAX_RELATED } = await import('../../src/report/sarif.js');
    const { originKey } = await import('../../src/snapshot/origins.js');
    const origins = new Map();
    const places = Array.from({ length: 1500 }, (_, i) => ({ resource: { kind: 'Gateway', namespace: 'web', name: `gw-${i}` }, host: `h${i}.example.com`, port: 443 }));
    for (const [i, p] of places.entries()) origins.set(originKey('Gateway', 'web', p.resource.name), { file: 'gw.yaml', line: i * 10 + 1, column: 1, fields: [] });
    const [first, ...rest] = places;
    const finding = { code: 'ITLS404', severity: 'warning' as const, title: 't', message: 'Shared.', resource: first.resource, host: first.host, port: 443, evidence: {}, places: rest };
    const report = { generatedAt: NOW, command: 'doctor' as const, source: { kind: 'offline' as const }, failOn: 'error' as const, summary: { error: 0, warning: 1, info: 0 }, hostsChecked: 1500, findings: [finding], hosts: [] };
    const log = assertValidSarif(renderSarif(report, { origins, cwd: process.cwd(), version: '0.0.0' })) as unknown as { runs: { results: { relatedLocations: unknown[]; message: { text: string } }[] }[] };
    const [r] = log.runs[0].results;
    assert.equal(r.relatedLocations.length, MAX_RELATED);
    assert.match(r.message.text, /at 500 more places than listed here/);
  });
});
