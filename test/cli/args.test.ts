import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, UsageError, DEFAULT_EXPIRY_WARNING_MS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/cli/args.js';
import { formatDuration, parseDuration } from '../../src/cli/duration.js';

describe('parseCommandLine', () => {
  it('defaults: doctor, table, fail-on error, 30d expiry window, 30s request timeout, all namespaces', () => {
    const r = parseCommandLine(['doctor']);
    assert.equal(r.command, 'doctor');
    assert.equal(r.output, 'table');
    assert.equal(r.failOn, 'error');
    assert.equal(r.expiryWarningMs, DEFAULT_EXPIRY_WARNING_MS);
    assert.equal(r.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
    assert.equal(r.namespace, undefined);
    assert.deepEqual(r.filenames, []);
    assert.equal(r.now, undefined);
  });

  const accepted: [string, string[], (r: ReturnType<typeof parseCommandLine>) => unknown, unknown][] = [
    ['-n ns', ['doctor', '-n', 'istio-system'], (r) => r.namespace, 'istio-system'],
    ['-nns (glued)', ['doctor', '-nistio-system'], (r) => r.namespace, 'istio-system'],
    ['-n=ns', ['doctor', '-n=istio-system'], (r) => r.namespace, 'istio-system'],
    ['--namespace=ns', ['doctor', '--namespace=web'], (r) => r.namespace, 'web'],
    ['-ojson (glued)', ['status', '-ojson'], (r) => r.output, 'json'],
    ['-o yaml', ['status', '-o', 'yaml'], (r) => r.output, 'yaml'],
    ['--output=table', ['status', '--output=table'], (r) => r.output, 'table'],
    ['flags before the command', ['-o', 'json', 'doctor'], (r) => [r.command, r.output], ['doctor', 'json']],
    ['-A', ['doctor', '-A'], (r) => r.allNamespaces, true],
    ['--fail-on warning', ['doctor', '--fail-on', 'warning'], (r) => r.failOn, 'warning'],
    ['--fail-on none', ['doctor', '--fail-on=none'], (r) => r.failOn, 'none'],
    ['--now RFC3339', ['doctor', '--now', '2026-01-31T12:00:00Z'], (r) => r.now?.toISOString(), '2026-01-31T12:00:00.000Z'],
    ['--now with offset', ['doctor', '--now=2026-01-31T12:00:00+02:00'], (r) => r.now?.toISOString(), '2026-01-31T10:00:00.000Z'],
    ['--expiry-warning 720h', ['doctor', '--expiry-warning', '720h'], (r) => r.expiryWarningMs, 30 * 86_400_000],
    ['--expiry-warning 14d', ['doctor', '--expiry-warning=14d'], (r) => r.expiryWarningMs, 14 * 86_400_000],
    ['--request-timeout 5 (bare seconds, as kubectl)', ['doctor', '--request-timeout', '5'], (r) => r.requestTimeoutMs, 5000],
    ['--request-timeout 1m30s', ['doctor', '--request-timeout=1m30s'], (r) => r.requestTimeoutMs, 90_000],
    ['-f repeatable', ['doctor', '-f', 'a.yaml', '--filename', 'dir/', '-fb.json'], (r) => r.filenames, ['a.yaml', 'dir/', 'b.json']],
    ['--ca-file repeatable', ['doctor', '--ca-file', 'a.pem', '--ca-file=b.pem'], (r) => r.caFiles, ['a.pem', 'b.pem']],
    ['--kubeconfig and --context', ['doctor', '--kubeconfig', '/k', '--context', 'prod'], (r) => [r.kubeconfig, r.context], ['/k', 'prod']],
    ['--no-color', ['doctor', '--no-color'], (r) => r.noColor, true],
    ['--no-exec', ['doctor', '--no-exec'], (r) => r.noExec, true],
    ['--no-probe', ['status', '--no-probe'], (r) => r.noProbe, true],
    ['--istio-namespace', ['doctor', '--istio-namespace', 'istio-cp'], (r) => r.istioNamespace, 'istio-cp'],
    ['no command → help', [], (r) => r.command, 'help'],
    ['doctor --help → help for doctor', ['doctor', '--help'], (r) => [r.command, r.helpFor], ['help', 'doctor']],
    ['status -h → help for status', ['status', '-h'], (r) => [r.command, r.helpFor], ['help', 'status']],
    ['help version', ['help', 'version'], (r) => [r.command, r.helpFor], ['help', 'version']],
    ['--help alone', ['--help'], (r) => [r.command, r.helpFor], ['help', undefined]],
  ];
  for (const [name, argv, pick, expected] of accepted) {
    it(`accepts ${name}`, () => assert.deepEqual(pick(parseCommandLine(argv)), expected));
  }

  const refused: [string, string[], RegExp][] = [
    ['an unknown flag, with a suggestion', ['doctor', '--namespce', 'x'], /unknown flag --namespce \(did you mean --namespace\?\)/],
    ['an unknown short flag', ['doctor', '-z'], /unknown flag -z/],
    ['an unknown command', ['doctr'], /unknown command "doctr"/],
    ['a bad -o', ['doctor', '-o', 'wide'], /-o must be one of table, json, yaml, sarif \(got "wide"\)/],
    ['a bad --fail-on', ['doctor', '--fail-on', 'critical'], /--fail-on must be one of error, warning, info, none/],
    ['a date that is not RFC3339', ['doctor', '--now', '2026-01-31'], /--now must be an RFC3339 time/],
    ['a nonsense --now', ['doctor', '--now', 'yesterday'], /--now must be an RFC3339 time/],
    ['an impossible --now', ['doctor', '--now', '2026-13-45T99:00:00Z'], /--now must be an RFC3339 time/],
    ['--expiry-warning without a unit', ['doctor', '--expiry-warning', '30'], /--expiry-warning: "30" has no unit/],
    ['--expiry-warning garbage', ['doctor', '--expiry-warning', 'soon'], /is not a duration/],
    ['--request-timeout 0', ['doctor', '--request-timeout', '0s'], /must be longer than 0/],
    ['a flag without its value', ['doctor', '-n'], /-n needs a value/],
    ['a flag followed by another flag', ['doctor', '--context', '-o', 'json'], /--context needs a value/],
    ['a value on a boolean flag', ['doctor', '--no-color=yes'], /--no-color takes no value/],
    ['-n with -A', ['doctor', '-n', 'x', '-A'], /cannot be used together/],
    ['-f with --kubeconfig', ['doctor', '-f', 'a.yaml', '--kubeconfig', 'k'], /cannot be combined/],
    ['a stray argument', ['doctor', 'extra'], /unexpected argument "extra"/],
    ['help for an unknown topic', ['help', 'nope'], /no help for "nope"/],
  ];
  for (const [name, argv, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }

  it('remembers the command a usage error belongs to (for the "see --help" hint)', () => {
    try {
      parseCommandLine(['status', '--bogus']);
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof UsageError);
      assert.equal(e.command, 'status');
    }
  });
});

describe('durations', () => {
  const cases: [string, number][] = [
    ['30d', 30 * 86_400_000],
    ['720h', 720 * 3_600_000],
    ['1h30m', 90 * 60_000],
    ['45s', 45_000],
    ['2w', 14 * 86_400_000],
    ['250ms', 250],
  ];
  for (const [text, ms] of cases) it(`parses ${text}`, () => assert.equal(parseDuration(text), ms));
  it('formats back', () => {
    assert.equal(formatDuration(30 * 86_400_000), '30d');
    assert.equal(formatDuration(90 * 60_000), '1h30m');
  });
  it('refuses a bare number unless told what it means', () => {
    assert.throws(() => parseDuration('30'));
    assert.equal(parseDuration('30', 's'), 30_000);
  });
});
