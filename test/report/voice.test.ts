// One voice (issue 13): every finding message of every scenario is a full sentence — capital first,
// final period, under 40 words (details are evidence lines) — and links its docs entry.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { runCli } from '../../src/cli/main.js';
import { ROOT } from '../scenario/harness.js';

const NOW = '2026-06-01T00:00:00Z';
const SCENARIOS = [
  'examples/kiali',
  ...readdirSync(join(ROOT, 'test/scenarios'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `test/scenarios/${d.name}`),
];
const findings = new Map<string, Finding[]>();

// The doctor's own entry point in this process (runCli: what the CLI runs after reading argv), not a process per
// scenario: these rules are about the messages, and the scenario tier runs the built CLI as a subprocess.
before(async () => {
  for (const scenario of SCENARIOS) {
    const dir = (await materializeScenario(join(ROOT, scenario), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-voice-')) })).dir;
    let stdout = '';
    let stderr = '';
    const code = await runCli(['doctor', '-f', dir, '--now', NOW, '-o', 'json'], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} });
    assert.notEqual(code, 2, `${scenario}: ${stderr}`);
    findings.set(scenario, (JSON.parse(stdout) as { findings: Finding[] }).findings);
  }
});

/** The rules, one string per broken one. */
export function voiceProblems(message: string): string[] {
  const problems: string[] = [];
  if (!/^[A-Z0-9"`(*]/.test(message)) problems.push('does not start with a capital');
  if (!/[.!?]$/.test(message)) problems.push('has no final period');
  const words = message.split(/\s+/).filter(Boolean).length;
  if (words >= 40) problems.push(`has ${words} words`);
  return problems;
}

describe('one voice over every scenario', () => {
  it('the rules themselves', () => {
    assert.deepEqual(voiceProblems('The certificate expired 16 days ago.'), []);
    assert.deepEqual(voiceProblems('the leaf expires soon'), ['does not start with a capital', 'has no final period']);
    assert.deepEqual(voiceProblems(`The ${"word ".repeat(40)}end.`), ["has 42 words"]);
  });
  it('every message is a sentence under 40 words', () => {
    assert.ok([...findings.values()].flat().length > 100, 'the scenarios gave findings to judge');
    const bad: string[] = [];
    for (const [scenario, fs] of findings) {
      for (const f of fs) for (const p of voiceProblems(f.message)) bad.push(`${scenario.split('/').pop()} ${f.code} ${p}: ${f.message.slice(0, 80)}`);
    }
    assert.deepEqual(bad, []);
  });
  it('every finding links its docs entry, which exists in docs/checks.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/checks.md'), 'utf8');
    for (const fs of findings.values()) {
      for (const f of fs) {
        const anchor = f.code.toLowerCase();
        assert.equal(f.docs?.file, `docs/checks.md#${anchor}`);
        assert.ok(f.docs?.url.endsWith(`/docs/checks.md#${anchor}`), f.docs?.url);
        assert.ok(doc.includes(`<a id="${anchor}"></a>`), `docs/checks.md has no anchor ${anchor}`);
      }
    }
  });
  it('one day count: an expired certificate says N days ago where daysLeft is -N', () => {
    for (const fs of findings.values()) {
      for (const f of fs.filter((x) => x.code === 'ITLS301')) {
        const m = /(\d+) days? ago/.exec(f.message);
        if (m && typeof f.evidence.daysLeft === 'number') assert.equal(-Number(m[1]), f.evidence.daysLeft, f.message);
      }
    }
  });
});
