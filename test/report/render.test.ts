import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import type { HostRow } from '../../src/status/types.js';
import { groupFindings, renderReport, verdictLine, type Report } from '../../src/report/index.js';
import { redactKeyMaterial } from '../../src/report/text.js';

const ANSI = /\x1b\[/;

function finding(over: Partial<Finding> & Pick<Finding, 'code' | 'severity'>): Finding {
  return {
    title: `title of ${over.code}`,
    message: `message of ${over.code}`,
    resource: { kind: 'Gateway', namespace: 'istio-system', name: 'gw' },
    evidence: {},
    ...over,
  };
}

function row(host: string, over: Partial<HostRow> = {}): HostRow {
  return {
    gateway: { kind: 'Gateway', namespace: 'istio-system', name: 'gw' },
    host,
    port: 443,
    protocol: 'HTTPS',
    mode: 'SIMPLE',
    credential: 'secret istio-system/web-tls',
    san: 'ok',
    chain: 'ok',
    served: 'unknown',
    overall: 'ok',
    codes: [],
    ...over,
  };
}

function report(findings: Finding[], hosts: HostRow[], command: Report['command'] = 'doctor'): Report {
  const summary = { error: 0, warning: 0, info: 0 };
  for (const f of findings) summary[f.severity]++;
  return {
    generatedAt: '2026-01-31T12:00:00.000Z',
    command,
    source: { kind: 'offline', files: ['cluster.yaml'] },
    failOn: 'error',
    summary,
    hostsChecked: new Set(hosts.map((h) => h.host)).size,
    findings,
    hosts,
  };
}

const broken = report(
  [
    finding({
      code: 'ITLS304',
      severity: 'error',
      host: 'example.com',
      port: 443,
      message: 'certificate covers a.example.com, *.example.com; Gateway asks for example.com',
      evidence: { coveredHosts: ['a.example.com', '*.example.com'], gatewayHost: 'example.com', issuerCommonName: 'Example Issuing CA' },
      remediation: { summary: 'Reissue the certificate with example.com in its SANs.', commands: ['kubectl create secret tls web-tls -n istio-system --cert=<fullchain.pem> --key=<privkey.pem>'] },
    }),
    finding({ code: 'ITLS302', severity: 'warning', host: 'api.example.com', port: 443 }),
    finding({ code: 'ITLS101', severity: 'error', resource: { kind: 'Gateway', namespace: 'web', name: 'orphan' } }),
    finding({ code: 'ITLS209', severity: 'error', resource: { kind: 'Secret', namespace: 'istio-system', name: 'istio-ca-secret' } }),
    finding({ code: 'ITLS901', severity: 'warning', resource: { kind: 'Cluster', name: 'sim' } }),
    finding({ code: 'ITLS503', severity: 'warning', host: 'example.com', port: 443 }),
  ],
  [row('example.com', { overall: 'error', san: 'fail', codes: ['ITLS304'] }), row('api.example.com', { overall: 'warn', expiresInDays: 5 })],
);

describe('verdict line', () => {
  it('names the worst problem and its host, and counts the other problems (causes)', () => {
    assert.equal(verdictLine(broken), '✖ example.com: title of ITLS304 (+5 more problems)');
  });
  it('names every host of a grouped cause, folded after two', () => {
    const places = ['b.com', 'c.com', 'd.com'].map((host) => ({ resource: { kind: 'Gateway', namespace: 'istio-system', name: 'gw' }, host, port: 443 }));
    const r = report([finding({ code: 'ITLS301', severity: 'error', host: 'a.com', places })], [row('a.com')]);
    assert.equal(verdictLine(r), '✖ a.com, b.com and 2 more: title of ITLS301');
  });
  it('names a private root only when nothing else is wrong', () => {
    const r = report([finding({ code: 'ITLS309', severity: 'warning', host: 'a.com' }), finding({ code: 'ITLS503', severity: 'warning', host: 'b.com' })], [row('a.com'), row('b.com')]);
    assert.match(verdictLine(r), /^⚠ b\.com: title of ITLS503 \(\+1 more problem\)$/);
  });
  it('says healthy and how many hosts were checked when nothing is wrong', () => {
    assert.equal(verdictLine(report([], [row('a.com'), row('b.com'), row('c.com'), row('d.com')])), '✔ healthy: 4 hosts checked');
  });
  it('says healthy with notes when only info findings exist', () => {
    assert.match(verdictLine(report([finding({ code: 'ITLS313', severity: 'info', host: 'a.com' })], [row('a.com')])), /^✔ healthy: 1 host checked \(1 note\)/);
  });
  it('uses the warning sign when there are warnings only', () => {
    assert.match(verdictLine(report([finding({ code: 'ITLS302', severity: 'warning', host: 'a.com' })], [row('a.com')])), /^⚠ a\.com: title of ITLS302$/);
  });
  it('does not claim health when nothing serves TLS', () => {
    assert.match(verdictLine(report([], [])), /no Gateway in scope serves TLS/);
  });
});

describe('grouping', () => {
  it('groups by host (worst first), then resources without a host, then the cluster', () => {
    const titles = groupFindings(broken.findings).map((g) => g.title);
    assert.deepEqual(titles, ['example.com', 'api.example.com', 'Gateway web/orphan', 'Secret istio-system/istio-ca-secret', 'Cluster']);
  });
  it('keeps every finding of a host together', () => {
    const g = groupFindings(broken.findings).find((x) => x.title === 'example.com');
    assert.deepEqual(g?.findings.map((f) => f.code), ['ITLS304', 'ITLS503']);
  });
});

describe('table view (doctor)', () => {
  const text = renderReport(broken, 'table', { color: false });
  it('opens with the verdict line', () => assert.equal(text.split('\n')[0], verdictLine(broken)));
  it('shows the message and the evidence in plain words', () => {
    assert.match(text, /certificate covers a\.example\.com, \*\.example\.com; Gateway asks for example\.com/);
    assert.match(text, /issuer common name: Example Issuing CA/);
    assert.doesNotMatch(text, /covered hosts:/, 'the message names them word for word');
    assert.doesNotMatch(text, /gateway host: example\.com/, 'the host is the heading already');
  });
  it('ends with the fixes, each saying which finding it fixes', () => {
    const fixes = text.indexOf('Fixes');
    assert.ok(fixes > text.indexOf('ITLS901'), 'fixes come after every finding');
    assert.match(text.slice(fixes), /# \[1\] fixes ITLS304 — example\.com/);
    assert.match(text.slice(fixes), /^kubectl create secret tls web-tls -n istio-system/m);
  });
  it('has no escape codes without colour', () => assert.doesNotMatch(text, ANSI));
  it('folds a fix too long for the screen whole (no command of it printed, so a paste never runs half of it); a short fix stays; -v prints it', () => {
    const docs = Array.from({ length: 40 }, (_, i) => `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: g${i}\n  namespace: shop`).join('\n---\n');
    const long = finding({
      code: 'ITLS404',
      severity: 'warning',
      host: 'a.example.com',
      remediation: { summary: 'Merge the servers that share the certificate.', commands: ['kubectl delete gateways.networking.istio.io g1 -n shop --ignore-not-found'], yaml: docs },
    });
    const short = finding({ code: 'ITLS304', severity: 'error', host: 'b.example.com', remediation: { summary: 'Re-issue.', commands: ['kubectl get secret web-tls -n istio-system'] } });
    const r = report([short, long], [row('a.example.com'), row('b.example.com')]);
    const out = renderReport(r, 'table', { color: false });
    assert.doesNotMatch(out, /kubectl delete gateways/, 'no command of the folded fix');
    assert.doesNotMatch(out, /name: g1\b/, 'none of its YAML');
    assert.match(out, /This fix is 1 command and 40 YAML documents \(240 lines\), folded whole/);
    assert.match(out, /^kubectl get secret web-tls -n istio-system$/m, 'a short fix is printed');
    assert.match(out, /Folded:[\s\S]*1 long\s+fix/);
    const verbose = renderReport(r, 'table', { color: false, verbose: true });
    assert.match(verbose, /^kubectl delete gateways\.networking\.istio\.io g1 -n shop --ignore-not-found$/m);
    assert.match(verbose, /name: g39$/m);
  });
  it('keeps a finding to a screen: no repeated values, at most three facts for an error, the rest folded (-v shows them)', () => {
    const evidence: Record<string, string> = { subject: 'CN=*.example.com', certSubject: 'CN=*.example.com', hosts: 'example.com' };
    for (let i = 0; i < 10; i++) evidence[`fact${i}`] = `value ${i}`;
    const r = report([finding({ code: 'ITLS306', severity: 'error', host: 'example.com', evidence })], [row('example.com')]);
    const out = renderReport(r, 'table', { color: false });
    assert.equal(out.match(/CN=\*\.example\.com/g)?.length, 1, 'same value once');
    assert.doesNotMatch(out, /· hosts: example\.com/, 'the heading already names the host');
    assert.equal(out.match(/^    · /gm)?.length, 3, 'three facts');
    assert.match(out, /Folded: \d+\s+evidence lines \(-v or -o json shows them\)/);
    const verbose = renderReport(r, 'table', { color: false, verbose: true });
    assert.match(verbose, /· fact9: value 9/, '-v shows every fact');
    assert.match(verbose, /docs\/checks\.md#itls306/, '-v links the docs entry');
    assert.equal(JSON.parse(renderReport(r, 'json', { color: false })).findings[0].evidence.fact9, 'value 9', 'json keeps everything');
  });
  it('counts evidence in lines: a fact that does not fit what is left of three lines is folded, a shorter one after it still shows; -v has all', () => {
    const long = (word: string) => Array.from({ length: 14 }, (_, i) => `${word}${i}`).join(' ');
    const evidence = { first: long('alpha'), second: long('beta'), third: 'short' };
    const r = report([finding({ code: 'ITLS206', severity: 'error', host: 'example.com', evidence })], [row('example.com')]);
    const out = renderReport(r, 'table', { color: false, width: 80 });
    assert.match(out, /· first: alpha0/);
    assert.doesNotMatch(out, /· second:/, 'two lines after two lines: over three');
    assert.match(out, /· third: short/);
    assert.match(out, /Folded: 1 evidence line/);
    assert.match(renderReport(r, 'table', { color: false, width: 80, verbose: true }), /· second: beta0/);
  });
  it('a fact the message says word for word is not repeated, whatever punctuation follows it in the message', () => {
    const r = report([finding({ code: 'ITLS202', severity: 'error', host: 'a.com', message: 'Secret istio-system/shop-tls: tls.crt is base64 twice; see shop-tls.', evidence: { secret: 'istio-system/shop-tls', found: 'base64 text' } })], [row('a.com')]);
    const out = renderReport(r, 'table', { color: false });
    assert.doesNotMatch(out, /· secret:/);
    assert.match(out, /· found: base64 text/);
  });
  it('among findings of one severity, one whose fix is only a template to fill in comes after one with a command: fix [1] can be pasted', () => {
    const template = { summary: 'Route it by SNI.', commands: ['# fill in every <placeholder> below', '#   kind: VirtualService'] };
    const paste = { summary: 'Rewrite the routes.', yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' };
    const r = report(
      [finding({ code: 'ITLS405', severity: 'error', host: 'db.com', remediation: template }), finding({ code: 'ITLS507', severity: 'error', host: 'db.com', remediation: paste })],
      [row('db.com')],
    );
    const out = renderReport(r, 'table', { color: false });
    assert.ok(out.indexOf('✖ ITLS507') < out.indexOf('✖ ITLS405'), 'the pasteable fix first');
    assert.match(out, /# \[1\] fixes ITLS507/);
    assert.match(out, /# \[2\] fixes ITLS405/);
    assert.match(out, /ITLS507[^\n]*\n(?:.*\n)*?    → fix \[1\]/, 'fix numbers in reading order');
    // a worse finding stays first whatever its fix
    const worse = report([finding({ code: 'ITLS405', severity: 'error', host: 'db.com', remediation: template }), finding({ code: 'ITLS507', severity: 'warning', host: 'db.com', remediation: paste })], [row('db.com')]);
    assert.match(renderReport(worse, 'table', { color: false }), /# \[1\] fixes ITLS405/);
  });
  it('does not repeat the same certificate facts for a second finding of the host; fingerprints only with -v', () => {
    const facts = { subject: 'CN=shop.example.com', fingerprint256: 'AA:BB' };
    const r = report(
      [
        finding({ code: 'ITLS309', severity: 'error', host: 'shop.example.com', evidence: { ...facts, root: 'CN=Private Root' } }),
        finding({ code: 'ITLS313', severity: 'info', host: 'shop.example.com', evidence: { ...facts } }),
        finding({ code: 'ITLS313', severity: 'info', host: 'other.example.com', evidence: { ...facts } }),
      ],
      [row('shop.example.com'), row('other.example.com')],
    );
    const out = renderReport(r, 'table', { color: false, verbose: true });
    assert.equal(out.match(/· fingerprint256: AA:BB/g)?.length, 2, 'once per host group');
    assert.doesNotMatch(renderReport(r, 'table', { color: false }), /fingerprint256/, 'identification, not proof: -v only');
  });
  it('skips long evidence sentences the message already says, keeps short facts', () => {
    const sentence = 'ca-cert.pem is not a CA certificate (basicConstraints CA:false): the mesh is rooted in a server certificate';
    const r = report([finding({ code: 'ITLS209', severity: 'error', message: `damaged: ${sentence}.`, evidence: { problems: [sentence], type: 'istio.io/ca-root' } })], []);
    const out = renderReport(r, 'table', { color: false });
    assert.equal(out.replace(/\s+/g, ' ').split(sentence).length - 1, 1, 'the sentence appears once');
    assert.match(out, /· type: istio\.io\/ca-root/);
  });
  it('has escape codes with colour', () => assert.match(renderReport(broken, 'table', { color: true }), ANSI));
  it('wraps whole objects in a kubectl apply heredoc, and labels fragments as such', () => {
    const whole = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\n  namespace: istio-system\ntype: kubernetes.io/tls\n';
    const fragment = 'spec:\n  servers:\n  - tls:\n      credentialName: web-tls\n';
    const r = report(
      [
        finding({ code: 'ITLS201', severity: 'error', host: 'a.com', remediation: { summary: 'Create it.', yaml: whole } }),
        finding({ code: 'ITLS401', severity: 'error', host: 'b.com', remediation: { summary: 'Patch it.', yaml: fragment } }),
      ],
      [row('a.com'), row('b.com')],
    );
    const out = renderReport(r, 'table', { color: false });
    assert.match(out, /kubectl apply -f - <<'YAML'\napiVersion: v1\nkind: Secret\n[\s\S]*?\nYAML\n/);
    assert.match(out, /# YAML \(merge into the object named above; not a whole object\):\nspec:/);
  });
  it('shares one fix between findings with the same remediation', () => {
    const r = { summary: 'Same fix.', commands: ['kubectl rollout restart deploy/istio-ingressgateway -n istio-system'] };
    const two = report(
      [finding({ code: 'ITLS207', severity: 'warning', host: 'a.com', remediation: r }), finding({ code: 'ITLS207', severity: 'warning', host: 'b.com', remediation: r })],
      [row('a.com'), row('b.com')],
    );
    const out = renderReport(two, 'table', { color: false });
    assert.equal(out.match(/kubectl rollout restart/g)?.length, 1);
    assert.match(out, /# \[1\] fixes ITLS207 — a\.com, b\.com/);
  });
});

describe('table view (status)', () => {
  const text = renderReport({ ...broken, command: 'status' }, 'table', { color: false });
  const tableOf = (out: string) => {
    const lines = out.split('\n');
    const head = lines.findIndex((l) => /^(API|GATEWAY|HOST)\s/.test(l));
    const end = lines.findIndex((l, i) => i > head && (l === '' || l.startsWith('Left out')));
    return lines.slice(head, end < 0 ? undefined : end);
  };
  it('has the columns that carry information: MODE only when a row is not SIMPLE, SERVED only with in-pod data', () => {
    const header = tableOf(text)[0];
    assert.deepEqual(header.split(/\s{2,}/), ['GATEWAY', 'HOST', 'PORT', 'CREDENTIAL', 'SAN', 'EXPIRES', 'CHAIN', 'STATUS']);
    const mixed = renderReport(report([], [row('a.com', { mode: 'PASSTHROUGH', served: 'yes' }), row('b.com')], 'status'), 'table', { color: false });
    assert.deepEqual(tableOf(mixed)[0].split(/\s{2,}/), ['GATEWAY', 'HOST', 'PORT', 'MODE', 'CREDENTIAL', 'SAN', 'CHAIN', 'SERVED', 'STATUS']);
  });
  it('prints one row per host with expiry in days, the verdicts and the problem in words beside its code', () => {
    const rows = tableOf(text);
    assert.match(rows.find((l) => l.includes('api.example.com')) ?? '', /5d.*warn/);
    assert.match(rows.find((l) => l.includes(' example.com')) ?? '', /✗.*error ITLS304 title of ITLS304/);
  });
  it('names Gateways without their namespace when all share one, with it otherwise', () => {
    assert.match(text, /all Gateways in istio-system/);
    assert.match(tableOf(text)[1], /^gw\s/);
    const two = renderReport(report([], [row('a.com'), row('b.com', { gateway: { kind: 'Gateway', namespace: 'web', name: 'gw2' } })], 'status'), 'table', { color: false });
    assert.deepEqual(tableOf(two).slice(1).map((l) => l.split(/\s+/)[0]), ['istio-system/gw', 'web/gw2']);
  });
  it('shows the host as written and the SAN that covers it, never the subject CN', () => {
    const out = renderReport(
      report([], [row('admin.acme.test', { hostAsWritten: 'payments/admin.acme.test', subject: 'app.acme.test', coveredBy: '*.acme.test', names: ['app.acme.test', '*.acme.test'] }), row('x.com', { subject: 'x.com', coveredBy: 'x.com' }), row('y.com', { san: 'fail', subject: 'z.com', names: ['z.com', 'w.com'] })], 'status'),
      'table',
      { color: false },
    );
    const rows = tableOf(out);
    assert.match(rows.find((l) => l.includes('admin.acme.test')) ?? '', /payments\/admin\.acme\.test\s.*\*\.acme\.test/);
    assert.doesNotMatch(out, /app\.acme\.test/);
    assert.match(rows.find((l) => l.includes('x.com')) ?? '', /\sok\s/);
    assert.match(rows.find((l) => l.includes('y.com')) ?? '', /✗ z\.com \+1/);
  });
  it('marks redirect-only and HTTP-only hosts', () => {
    const out = renderReport(report([], [row('blog.com', { port: 80, protocol: 'HTTP', mode: 'none', credential: '-', plainHttp: 'redirect-only' }), row('plain.com', { port: 80, protocol: 'HTTP', mode: 'none', credential: '-', plainHttp: 'http-only' }), row('a.com')], 'status'), 'table', { color: false });
    const rows = tableOf(out);
    assert.match(rows.find((l) => l.includes('blog.com')) ?? '', /redirect only/);
    assert.match(rows.find((l) => l.includes('plain.com')) ?? '', /HTTP only/);
  });
  it('has an API column only when Istio and Gateway-API Gateways are both listed', () => {
    const both = renderReport(report([], [row('a.com'), row('b.com', { kind: 'Gateway (k8s)' })], 'status'), 'table', { color: false });
    assert.deepEqual(tableOf(both).map((l) => l.split(/\s+/)[0]), ['API', 'istio', 'k8s']);
    assert.doesNotMatch(tableOf(renderReport(report([], [row('b.com', { kind: 'Gateway (k8s)' })], 'status'), 'table', { color: false }))[0], /API/);
  });
  it('fits the terminal by dropping columns, never by wrapping a row, and says which it dropped', () => {
    const many = report(broken.findings, [...broken.hosts, row('a-very-long-host-name.payments.example.com', { credential: 'file /etc/istio/ingressgateway-certs/a-rather-long-name/tls.crt (not mounted)', overall: 'error', codes: ['ITLS304', 'ITLS302'] })]);
    for (const width of [80, 120]) {
      const out = renderReport({ ...many, command: 'status' }, 'table', { color: false, width });
      const rows = tableOf(out);
      assert.equal(rows.length, 1 + many.hosts.length, 'one line per row');
      for (const line of out.split('\n')) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
      if (width === 80) assert.match(out, /Left out at 80 columns: CREDENTIAL/);
      assert.match(rows[rows.length - 1], /error ITLS304/);
    }
    // a pipe without COLUMNS: every column, whole, as kubectl get prints
    const piped = renderReport({ ...many, command: 'status' }, 'table', { color: false });
    assert.match(piped, /a-rather-long-name\/tls\.crt \(not mounted\)/);
    assert.doesNotMatch(piped, /Left out at/);
  });
  it('has no escape codes and no box borders in a pipe', () => {
    assert.doesNotMatch(text, ANSI);
    assert.doesNotMatch(text, /[┌│└─]/);
  });
  it('says so when no Gateway serves TLS', () => {
    assert.match(renderReport(report([], [], 'status'), 'table', { color: false }), /No Gateway in scope serves HTTPS or TLS/);
  });
  it('a scoped run that left out Gateways on its gateway pods says so and how to include them, and never claims health', () => {
    const left = { ...report([], [], 'status'), namespace: 'istio-system', leftOut: [{ kind: 'Gateway', namespace: 'shop', name: 'shop-gateway' }] };
    const out = renderReport(left, 'table', { color: false });
    assert.doesNotMatch(out, /healthy/);
    assert.match(verdictLine(left), /^\? nothing checked in namespace istio-system: 1 Gateway of other namespaces uses its gateway pods \(run with -A\)/);
    assert.match(out, /Not checked: Gateway shop\/shop-gateway .*-A/s);
    const some = { ...report([], [row('a.com')], 'status'), namespace: 'istio-system', leftOut: left.leftOut };
    assert.match(verdictLine(some), /✔ healthy: 1 host checked in namespace istio-system \(1 Gateway of other namespaces on its gateway pods not checked: run with -A\)/);
  });
});

describe('json and yaml', () => {
  it('json has the stable top-level shape', () => {
    const obj = JSON.parse(renderReport(broken, 'json', { color: true }));
    assert.deepEqual(Object.keys(obj).sort(), ['command', 'failOn', 'findings', 'generatedAt', 'hosts', 'hostsChecked', 'source', 'summary']);
    assert.deepEqual(obj.summary, { error: 3, warning: 3, info: 0 });
    assert.equal(obj.findings.length, 6);
    assert.equal(obj.findings[0].code, 'ITLS304');
  });
  it('json never carries colour, even when colour is on', () => assert.doesNotMatch(renderReport(broken, 'json', { color: true }), ANSI));
  it('yaml is the same object as json', () => {
    assert.deepEqual(parseYaml(renderReport(broken, 'yaml', { color: false })), JSON.parse(renderReport(broken, 'json', { color: false })));
  });
});

describe('key material guard', () => {
  it('redacts a private key block whatever put it there', () => {
    const leaked = report([finding({ code: 'ITLS202', severity: 'error', message: `x -----BEGIN ${'PRIVATE'} KEY-----\nMIIEvQIBADANBg\n-----END ${'PRIVATE'} KEY----- y` })], []);
    for (const format of ['table', 'json', 'yaml'] as const) {
      const out = renderReport(leaked, format, { color: false });
      assert.doesNotMatch(out, /PRIVATE KEY-----/);
      assert.doesNotMatch(out, /MIIEvQIBADANBg/);
    }
  });
  it('redacts RSA and EC key blocks too, and leaves certificates alone', () => {
    const text = `-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n-----BEGIN EC ${'PRIVATE'} KEY-----\nBBB\n-----END EC ${'PRIVATE'} KEY-----`;
    const out = redactKeyMaterial(text);
    assert.match(out, /BEGIN CERTIFICATE/);
    assert.doesNotMatch(out, /BBB/);
  });
});
