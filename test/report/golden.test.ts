// The shape of the table view, held by golden files and by rules. Goldens: the doctor's table view at
// 80 and 120 columns for a set of scenarios, in test/report/golden/<scenario>.<width>.txt; changed on
// purpose with UPDATE_GOLDEN=1 and reviewed in the diff. Rules, for every scenario: no prose row wider
// than the terminal, the verdict names a host, no two findings with one cause; over every scenario in
// test/scenarios and the demo, the first command to paste within 40 lines at 80 columns when the
// doctor's JSON names one host. And the README's excerpts are
// these same real runs (UPDATE_GOLDEN=1 rewrites them too).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { cliInProcess, ensureBuilt, ROOT } from '../scenario/harness.js';

const NOW = '2026-06-01T00:00:00Z';
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = join(ROOT, 'test', 'report', 'golden');
const GOLDEN_SCENARIOS = [
  'examples/kiali',
  'test/scenarios/healthy',
  'test/scenarios/itls309-private-ca-healthy',
  'test/scenarios/itls202-tls-crt-base64-twice',
  'test/scenarios/itls304-san-mismatch',
  'test/scenarios/itls403-two-gateways-one-host',
  'test/scenarios/itls501-gateway-ref-without-namespace',
  'test/scenarios/itls502-vs-host-not-on-gateway',
];
const SHAPE_SCENARIOS = [...GOLDEN_SCENARIOS, 'test/scenarios/itls503-no-virtualservice', 'test/scenarios/itls209-mesh-ca-overwritten'];
/** The first-screen rule holds over every scenario (and the demo): the single-host ones are asserted. */
const ALL_SCENARIOS = [
  'examples/kiali',
  ...readdirSync(join(ROOT, 'test/scenarios'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `test/scenarios/${d.name}`),
];
/** `status` goldens: the doctor's set, a redirect-only host, both Gateway APIs on one host */
const STATUS_SCENARIOS = [...GOLDEN_SCENARIOS, 'test/scenarios/itls402-redirect-to-nowhere', 'test/scenarios/itls707-gateway-api-and-istio-same-host'];

/** Where the run differs from machine to machine: the materialized directory and the node version. */
function normalize(text: string, dir: string, scenario: string): string {
  return text.split(dir).join(scenario).replace(/node \d+\.\d+\.\d+/g, 'node <version>');
}

interface Run {
  table: Record<80 | 120, string>;
  /** `status` at 80 and 120 columns, normalized */
  status: Record<80 | 120, string>;
  statusRaw: Record<80 | 120, string>;
  /** as printed, before normalization (widths are measured on it) */
  raw: Record<80 | 120, string>;
  findings: Finding[];
}

/** What the first-screen rule needs of a scenario: the table at 80 columns as printed, every host the doctor's JSON names. */
interface FirstScreen {
  table80: string;
  hosts: string[];
}

const runs = new Map<string, Run>();
const firstScreens = new Map<string, FirstScreen>();

interface DoctorJson {
  findings: Finding[];
  hosts?: { host: string }[];
}

/** Every host the doctor's JSON names: its host rows, and the hosts of its findings and of their places. */
function hostsNamed(json: DoctorJson): string[] {
  const hosts = new Set<string>();
  for (const row of json.hosts ?? []) hosts.add(row.host);
  for (const f of json.findings) {
    if (f.host !== undefined) hosts.add(f.host);
    for (const pl of f.places ?? []) if (pl.host !== undefined) hosts.add(pl.host);
  }
  return [...hosts].sort();
}

before(async () => {
  ensureBuilt();
  for (const scenario of [...new Set([...SHAPE_SCENARIOS, ...STATUS_SCENARIOS])]) {
    const dir = (await materializeScenario(join(ROOT, scenario), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-golden-')) })).dir;
    const print = async (columns: number, command = 'doctor') => (await cliInProcess([command, '-f', dir, '--now', NOW], { COLUMNS: String(columns) })).stdout;
    const json = JSON.parse((await cliInProcess(['doctor', '-f', dir, '--now', NOW, '-o', 'json'])).stdout) as DoctorJson;
    const raw = { 80: await print(80), 120: await print(120) };
    const statusRaw = { 80: await print(80, 'status'), 120: await print(120, 'status') };
    firstScreens.set(scenario, { table80: raw[80], hosts: hostsNamed(json) });
    runs.set(scenario, {
      raw,
      table: { 80: normalize(raw[80], dir, scenario), 120: normalize(raw[120], dir, scenario) },
      statusRaw,
      status: { 80: normalize(statusRaw[80], dir, scenario), 120: normalize(statusRaw[120], dir, scenario) },
      findings: json.findings,
    });
  }
  // the other scenarios: only what the first-screen rule reads
  for (const scenario of ALL_SCENARIOS.filter((x) => !firstScreens.has(x))) {
    const dir = (await materializeScenario(join(ROOT, scenario), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-golden-')) })).dir;
    const json = JSON.parse((await cliInProcess(['doctor', '-f', dir, '--now', NOW, '-o', 'json'])).stdout) as DoctorJson;
    const table80 = (await cliInProcess(['doctor', '-f', dir, '--now', NOW], { COLUMNS: '80' })).stdout;
    firstScreens.set(scenario, { table80, hosts: hostsNamed(json) });
  }
});

/** Lines of prose: everything before the fixes, and the fixes' comment lines; commands and YAML are pasted, not read. */
function proseLines(text: string): string[] {
  const lines = text.split('\n');
  const fixes = lines.findIndex((l) => l.startsWith('Fixes (review'));
  const findings = fixes < 0 ? lines : lines.slice(0, fixes);
  return findings.filter((l) => !/^\(?https?:\/\//.test(l));
}

function firstPasteLine(text: string): number | undefined {
  const lines = text.split('\n');
  const fixes = lines.findIndex((l) => l.startsWith('Fixes (review'));
  if (fixes < 0) return undefined;
  const i = lines.findIndex((l, j) => j > fixes && l.trim() !== '' && !l.startsWith('#'));
  return i < 0 ? undefined : i + 1;
}

/** The output equals its golden file; UPDATE_GOLDEN=1 (or a missing file) writes it first. */
function matchGolden(file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'));
}

describe('table view goldens (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const scenario of GOLDEN_SCENARIOS) {
    for (const width of [80, 120] as const) {
      it(`${scenario} at ${width} columns`, () => {
        const file = join(GOLDEN, `${scenario.split('/').pop()}.${width}.txt`);
        const actual = runs.get(scenario)!.table[width];
        matchGolden(file, actual);
      });
    }
  }
});

describe('status goldens (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const scenario of STATUS_SCENARIOS) {
    for (const width of [80, 120] as const) {
      it(`status ${scenario} at ${width} columns`, () => {
        const file = join(GOLDEN, `status-${scenario.split('/').pop()}.${width}.txt`);
        const actual = runs.get(scenario)!.status[width];
        matchGolden(file, actual);
      });
    }
  }
});

describe('status rules', () => {
  for (const scenario of STATUS_SCENARIOS) {
    it(`status ${scenario}: no line wider than the terminal, one line per host row`, () => {
      const { statusRaw } = runs.get(scenario)!;
      for (const width of [80, 120] as const) {
        const lines = statusRaw[width].split('\n');
        assert.deepEqual(lines.filter((l) => l.length > width), [], `at ${width} columns`);
        const head = lines.findIndex((l) => /^(API|GATEWAY|HOST)\s/.test(l));
        const rows = lines.slice(head + 1, lines.findIndex((l, i) => i > head && (l === '' || l.startsWith('Left out'))));
        // every row starts with its own Gateway-or-host cell: a wrapped row would start with spaces
        assert.ok(rows.every((l) => /^\S/.test(l)), `a row wrapped at ${width}:\n${rows.join('\n')}`);
      }
    });
  }
  it('a redirect-only host is in the table and in JSON hosts, with its error', async () => {
    const dir = (await materializeScenario(join(ROOT, 'test/scenarios/itls402-redirect-to-nowhere'), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-golden-')) })).dir;
    const report = JSON.parse((await cliInProcess(['status', '-f', dir, '--now', NOW, '-o', 'json'])).stdout) as { hosts: { host: string; plainHttp?: string; overall: string; codes: string[] }[]; hostsChecked: number };
    const blog = report.hosts.find((h) => h.host === 'blog.example.com');
    assert.deepEqual([blog?.plainHttp, blog?.overall, blog?.codes], ['redirect-only', 'error', ['ITLS402']]);
    assert.equal(report.hostsChecked, 1, 'a redirect-only host is not a TLS host checked');
    assert.match(runs.get('test/scenarios/itls402-redirect-to-nowhere')!.status[120], /blog\.example\.com .*redirect only.*error ITLS402/);
  });
  it('-n istio-system with the Gateway in another namespace on istio-system pods: says so, never healthy', async () => {
    const dir = (await materializeScenario(join(ROOT, 'test/scenarios/itls304-san-mismatch'), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-golden-')) })).dir;
    // the same cluster with the Gateway (and the route's reference to it) in namespace shop
    const file = join(dir, 'shop.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: shop-gateway\n  namespace: istio-system', 'name: shop-gateway\n  namespace: shop').replaceAll('istio-system/shop-gateway', 'shop/shop-gateway'));
    const all = JSON.parse((await cliInProcess(['status', '-f', dir, '--now', NOW, '-o', 'json'])).stdout) as { summary: { error: number } };
    assert.ok(all.summary.error > 0, 'the Gateway in shop is down');
    const scoped = await cliInProcess(['status', '-f', dir, '--now', NOW, '-n', 'istio-system'], { COLUMNS: '80' });
    assert.doesNotMatch(scoped.stdout, /healthy/);
    assert.match(scoped.stdout, /nothing checked in namespace istio-system/);
    assert.match(scoped.stdout, /Not checked: Gateway shop\/shop-gateway[\s\S]*run with -A/);
    const json = JSON.parse((await cliInProcess(['status', '-f', dir, '--now', NOW, '-n', 'istio-system', '-o', 'json'])).stdout) as { leftOut: { namespace: string; name: string }[] };
    assert.deepEqual(json.leftOut.map((g) => `${g.namespace}/${g.name}`), ['shop/shop-gateway']);
    const doctor = await cliInProcess(['doctor', '-f', dir, '--now', NOW, '-n', 'istio-system'], { COLUMNS: '80' });
    assert.match(doctor.stdout, /Not checked: Gateway shop\/shop-gateway/);
  });
});

describe('table view rules', () => {
  for (const scenario of SHAPE_SCENARIOS) {
    it(`${scenario}: no prose row wider than the terminal`, () => {
      for (const width of [80, 120] as const) {
        const wide = proseLines(runs.get(scenario)!.raw[width]).filter((l) => l.length > width);
        assert.deepEqual(wide, [], `at ${width} columns`);
      }
    });
    it(`${scenario}: the verdict names a host`, () => {
      const { findings, table } = runs.get(scenario)!;
      const worst = findings[0];
      if (!worst || worst.severity === 'info') return;
      // the worst cause's own hosts when it has any (a mesh CA secret has none: then its resource)
      const worstSeverity = findings.filter((f) => f.severity === worst.severity);
      const hosts = new Set(worstSeverity.flatMap((f) => [f.host, ...(f.places ?? []).map((p) => p.host)]).filter((h): h is string => !!h));
      const verdict = table[120].split('\n')[0];
      if (hosts.size > 0) assert.ok([...hosts].some((h) => verdict.includes(h)), verdict);
      else assert.ok(verdict.includes(worst.resource.name), verdict);
    });
    it(`${scenario}: no two findings with one cause`, () => {
      const { findings } = runs.get(scenario)!;
      const same = new Set<string>();
      for (const f of findings) {
        const key = JSON.stringify([f.code, f.message]);
        assert.ok(!same.has(key), `${f.code} twice: ${f.message}`);
        same.add(key);
      }
      // a 404 repeats a routing cause when a VirtualService that lists its host is that cause (its fix binds
      // the host); a VirtualService bound to the Gateway for other hosts is not the cause of this one (issue 17)
      const routingCauses = new Set(findings.filter((f) => f.code === 'ITLS501' || f.code === 'ITLS502').map((f) => `${f.resource.namespace}/${f.resource.name}`));
      for (const f of findings.filter((x) => x.code === 'ITLS503')) {
        const vs = [f.evidence.virtualServicesWithHost].flat().filter((v): v is string => typeof v === 'string');
        assert.ok(!vs.some((v) => routingCauses.has(v)), `ITLS503 for ${f.host} repeats a routing cause`);
      }
      const conflicts = findings.filter((f) => f.code === 'ITLS403');
      assert.equal(new Set(conflicts.map((f) => `${f.host}:${f.port}`)).size, conflicts.length, 'one ITLS403 per host and port');
    });
  }
});

describe('the first screen over every scenario (issue 13)', () => {
  it('the rule reads the first command to paste: comment lines and blank lines are not one', () => {
    const text = ['✖ a.example.com: x', '', 'Fixes (review, then paste)', '# [1] fixes ITLS304 — a.example.com', '# summary', '', 'kubectl apply -f -'].join('\n');
    assert.equal(firstPasteLine(text), 7);
    assert.equal(firstPasteLine('✔ healthy: 1 host checked\n'), undefined);
  });
  it('the scenarios read are every scenario directory and the demo', () => {
    assert.ok(ALL_SCENARIOS.length > GOLDEN_SCENARIOS.length + 30, `${ALL_SCENARIOS.length} scenarios`);
  });
  for (const scenario of ALL_SCENARIOS) {
    it(`${scenario}: single-host → the first command to paste is within 40 lines at 80 columns`, () => {
      const { table80, hosts } = firstScreens.get(scenario)!;
      // a scenario is single-host when the doctor's JSON names one host (or none)
      if (hosts.length > 1) return;
      const first = firstPasteLine(table80);
      if (first !== undefined) assert.ok(first <= 40, `first command at line ${first} of ${table80.split('\n').length - 1}:\n${table80.split('\n').slice(0, 45).join('\n')}`);
    });
  }
});

describe('README excerpts are real runs', () => {
  const readmePath = join(ROOT, 'README.md');
  it('the status excerpt is the kiali example at 100 columns', async () => {
    const dir = (await materializeScenario(join(ROOT, 'examples/kiali'), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-readme-')) })).dir;
    const out = normalize((await cliInProcess(['status', '-f', dir, '--now', NOW], { COLUMNS: '100' })).stdout, dir, 'examples/kiali');
    const readme = readFileSync(readmePath, 'utf8');
    const begin = '<!-- excerpt: status -f examples/kiali -->\n```text\n';
    const start = readme.indexOf(begin);
    assert.ok(start >= 0, 'README marks the excerpt');
    const end = readme.indexOf('```\n', start + begin.length);
    if (UPDATE) writeFileSync(readmePath, readme.slice(0, start + begin.length) + out + readme.slice(end));
    const now = readFileSync(readmePath, 'utf8');
    assert.equal(now.slice(start + begin.length, now.indexOf('```\n', start + begin.length)), out);
  });
  it('the doctor excerpt is the kiali example at 100 columns', async () => {
    const dir = (await materializeScenario(join(ROOT, 'examples/kiali'), { now: new Date(NOW), outDir: mkdtempSync(join(tmpdir(), 'istio-tls-readme-')) })).dir;
    const out = normalize((await cliInProcess(['doctor', '-f', dir, '--now', NOW], { COLUMNS: '100' })).stdout, dir, 'examples/kiali');
    const readme = readFileSync(readmePath, 'utf8');
    const begin = '<!-- excerpt: doctor -f examples/kiali -->\n```text\n';
    const start = readme.indexOf(begin);
    assert.ok(start >= 0, 'README marks the excerpt');
    const end = readme.indexOf('```\n', start + begin.length);
    if (UPDATE) writeFileSync(readmePath, readme.slice(0, start + begin.length) + out + readme.slice(end));
    const now = readFileSync(readmePath, 'utf8');
    assert.equal(now.slice(start + begin.length, now.indexOf('```\n', start + begin.length)), out);
  });
});
