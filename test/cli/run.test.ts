// runCli in-process: exit codes in every format, streams, colour rules, error handling.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { exitCodeFor, runCli, wantsColor, type CliIO } from '../../src/cli/main.js';
import type { Finding } from '../../src/findings/types.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { keyFingerprints } from '../scenario/harness.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

const outputs: string[] = [];

async function cli(argv: string[], env: Record<string, string> = {}, isTTY = false): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (t: string) => (stdout += t), isTTY, columns: 100 },
    stderr: { write: (t: string) => (stderr += t) },
    env,
  };
  const code = await runCli(argv, io);
  outputs.push(stdout, stderr);
  return { code, stdout, stderr };
}

const f = (severity: Finding['severity']): Finding => ({ code: 'ITLS000', severity, title: 't', message: 'm', resource: { kind: 'Gateway', name: 'g' }, evidence: {} });

describe('exitCodeFor', () => {
  const table: [Finding['severity'][], 'error' | 'warning' | 'info' | 'none', number][] = [
    [[], 'error', 0],
    [['warning', 'info'], 'error', 0],
    [['error'], 'error', 1],
    [['warning'], 'warning', 1],
    [['info'], 'warning', 0],
    [['info'], 'info', 1],
    [['error', 'warning'], 'none', 0],
  ];
  for (const [severities, failOn, expected] of table) {
    it(`${JSON.stringify(severities)} with --fail-on ${failOn} → ${expected}`, () => assert.equal(exitCodeFor(severities.map(f), failOn), expected));
  }
});

describe('colour', () => {
  const io = (isTTY: boolean, env: Record<string, string> = {}): CliIO => ({ stdout: { write: () => true, isTTY }, stderr: { write: () => true }, env });
  it('on a terminal', () => assert.equal(wantsColor({ noColor: false }, io(true)), true));
  it('never in a pipe', () => assert.equal(wantsColor({ noColor: false }, io(false)), false));
  it('never with NO_COLOR, even on a terminal', () => assert.equal(wantsColor({ noColor: false }, io(true, { NO_COLOR: '1' })), false));
  it('an empty NO_COLOR does not count (no-color.org)', () => assert.equal(wantsColor({ noColor: false }, io(true, { NO_COLOR: '' })), true));
  it('never with --no-color', () => assert.equal(wantsColor({ noColor: true }, io(true)), false));
  it('FORCE_COLOR forces it into a pipe', () => assert.equal(wantsColor({ noColor: false }, io(false, { FORCE_COLOR: '1' })), true));
});

describe('runCli on the kiali example (offline)', () => {
  let dir = '';
  const now = '2026-11-24T12:00:00Z';
  before(async () => {
    dir = (await materializeScenario('examples/kiali', { now: new Date(now) })).dir;
  });
  after(() => {
    const keys = keyFingerprints(dir);
    assert.ok(keys.length > 0, 'the scenario holds keys to look for');
    for (const out of outputs) {
      assert.doesNotMatch(out, /PRIVATE KEY/);
      for (const k of keys) assert.ok(!out.includes(k), 'a private key of the scenario appears in an output');
    }
  });

  it('prints the same findings and exit code in table, json and yaml', async () => {
    const json = await cli(['doctor', '-f', dir, '--now', now, '-o', 'json']);
    const report = JSON.parse(json.stdout) as { findings: Finding[]; summary: Record<string, number> };
    const expected = exitCodeFor(report.findings, 'error');
    assert.equal(json.code, expected);
    const yaml = await cli(['doctor', '-f', dir, '--now', now, '-o', 'yaml']);
    assert.equal(yaml.code, expected);
    assert.deepEqual(parseYaml(yaml.stdout), report);
    const table = await cli(['doctor', '-f', dir, '--now', now]);
    assert.equal(table.code, expected);
    for (const finding of report.findings) assert.ok(table.stdout.includes(finding.code), `${finding.code} in the table`);
  });

  it('reports the legacy file mount (ITLS207) and exits 1 with --fail-on warning, 0 with none', async () => {
    const warn = await cli(['doctor', '-f', dir, '--now', now, '-o', 'json', '--fail-on', 'warning']);
    const report = JSON.parse(warn.stdout) as { findings: Finding[] };
    assert.ok(report.findings.some((x) => x.code === 'ITLS207'));
    assert.equal(warn.code, 1);
    assert.equal((await cli(['doctor', '-f', dir, '--now', now, '--fail-on', 'none'])).code, 0);
  });

  it('status lists the kiali host', async () => {
    const out = await cli(['status', '-f', dir, '--now', now, '-o', 'json']);
    const report = JSON.parse(out.stdout) as { hosts: { host: string; port: number; credential: string }[] };
    assert.deepEqual(report.hosts.map((h) => [h.host, h.port]), [['kiali.hskimdemo.test.com', 443]]);
    assert.match(report.hosts[0].credential, /file \/etc\/istio\/ingressgateway-certs\/tls\.crt/);
  });

  it('writes nothing to stderr on success and no colour into a pipe', async () => {
    const out = await cli(['doctor', '-f', dir, '--now', now]);
    assert.equal(out.stderr, '');
    assert.doesNotMatch(out.stdout, /\x1b\[/);
  });

  it('colours a terminal unless NO_COLOR is set', async () => {
    assert.match((await cli(['doctor', '-f', dir, '--now', now], {}, true)).stdout, /\x1b\[/);
    assert.doesNotMatch((await cli(['doctor', '-f', dir, '--now', now], { NO_COLOR: '1' }, true)).stdout, /\x1b\[/);
  });

  it('--ca-file adds trust anchors: a private root makes its chain ok', async () => {
    // a small scenario of its own: a Secret whose fullchain ends in a private root
    const src = mkdtempSync(join(tmpdir(), 'istio-tls-cafile-src-'));
    writeFileSync(
      join(src, 'certs.yaml'),
      '- {name: root, cn: Corp Root CA, ca: true}\n- {name: web, cn: web.corp.test, dns: [web.corp.test], issuer: root, notBefore: -1d, notAfter: +60d}\n',
    );
    writeFileSync(
      join(src, 'cluster.yaml'),
      [
        'apiVersion: v1\nkind: Pod\nmetadata: {name: gw-0, namespace: istio-system, labels: {istio: ingressgateway}}\nspec: {containers: [{name: istio-proxy, args: [proxy, router]}]}\nstatus: {phase: Running}',
        'apiVersion: v1\nkind: Secret\nmetadata: {name: web-tls, namespace: istio-system}\ntype: kubernetes.io/tls\ndata: {tls.crt: "{{b64:chain:web}}", tls.key: "{{b64:key:web}}", ca.crt: "{{b64:cert:root}}"}',
        'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: web, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [web.corp.test], tls: {mode: SIMPLE, credentialName: web-tls}}]',
      ].join('\n---\n'),
    );
    const corp = (await materializeScenario(src)).dir;
    const chainOf = async (extra: string[]) =>
      (JSON.parse((await cli(['status', '-f', corp, '-o', 'json', ...extra])).stdout) as { hosts: { chain: string }[] }).hosts[0].chain;
    assert.equal(await chainOf([]), 'private-root', 'private CA: complete, but not trusted by the Mozilla roots');
    const secret = parseYaml(readFileSync(join(corp, 'cluster.yaml'), 'utf8').split('\n---\n')[1]) as { data: Record<string, string> };
    const caFile = join(mkdtempSync(join(tmpdir(), 'istio-tls-ca-')), 'root.pem');
    writeFileSync(caFile, Buffer.from(secret.data['ca.crt'], 'base64'));
    const out = await cli(['status', '-f', corp, '-o', 'json', '--ca-file', caFile]);
    assert.equal(out.stderr, '');
    assert.equal(await chainOf(['--ca-file', caFile]), 'ok');
  });

  it('-n limits the report to Gateways in that namespace', async () => {
    const out = await cli(['status', '-f', dir, '--now', now, '-o', 'json', '-n', 'web']);
    assert.deepEqual(JSON.parse(out.stdout).hosts, []);
  });
});

describe('runCli errors: one clear line, exit 2, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown flag', ['doctor', '--bogus'], /^error: unknown flag --bogus\nSee 'kubectl istio-tls doctor --help'\.\n$/],
    ['a bad --now', ['doctor', '--now', 'tomorrow'], /^error: --now must be an RFC3339 time/],
    ['a missing -f file', ['doctor', '-f', '/nonexistent/cluster.yaml'], /^error: \/nonexistent\/cluster\.yaml: no such file or directory\n$/],
    ['a missing --ca-file', ['doctor', '-f', '.', '--ca-file', '/nonexistent.pem'], /^error: --ca-file \/nonexistent\.pem: no such file\n$/],
  ];
  for (const [name, argv, message] of cases) {
    it(`for ${name}`, async () => {
      const out = await cli(argv);
      assert.equal(out.code, 2);
      assert.match(out.stderr, message);
      assert.doesNotMatch(out.stderr, /\n\s+at /);
      assert.equal(out.stdout, '');
    });
  }

  it('for invalid YAML, naming the file and line', async () => {
    const d = mkdtempSync(join(tmpdir(), 'istio-tls-bad-'));
    writeFileSync(join(d, 'bad.yaml'), 'kind: Pod\nmetadata:\n  name: [x\n');
    const out = await cli(['doctor', '-f', d]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /bad\.yaml:\d+: invalid YAML/);
  });

  it('for a --ca-file that holds no certificate', async () => {
    const d = mkdtempSync(join(tmpdir(), 'istio-tls-ca-'));
    writeFileSync(join(d, 'ca.pem'), 'hello');
    const out = await cli(['doctor', '-f', d, '--ca-file', join(d, 'ca.pem')]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /no PEM certificate/);
  });
});

describe('help and version', () => {
  it('help lists the commands and exit codes', async () => {
    const out = await cli(['--help']);
    assert.equal(out.code, 0);
    for (const word of ['doctor', 'status', 'version', 'Exit codes']) assert.ok(out.stdout.includes(word));
  });
  for (const command of ['doctor', 'status', 'version']) {
    it(`${command} --help shows usage and examples`, async () => {
      const out = await cli([command, '--help']);
      assert.equal(out.code, 0);
      assert.match(out.stdout, new RegExp(`kubectl istio-tls ${command}`));
      assert.match(out.stdout, /Examples:/);
    });
  }
  it('doctor --help documents every flag', async () => {
    const out = (await cli(['doctor', '--help'])).stdout;
    for (const flag of ['--kubeconfig', '--context', '--namespace', '--all-namespaces', '--output', '--fail-on', '--now', '--ca-file', '--expiry-warning', '--filename', '--request-timeout', '--no-color']) {
      assert.ok(out.includes(flag), flag);
    }
  });
  it('version prints the package version, also as json', async () => {
    const text = await cli(['version']);
    assert.match(text.stdout, /^kubectl-istio-tls \d+\.\d+\.\d+/);
    const json = JSON.parse((await cli(['version', '-o', 'json'])).stdout);
    assert.match(json.version, /^\d+\.\d+\.\d+/);
  });
});
