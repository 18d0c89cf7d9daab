// ITLS901 / ITLS902 (src/checks/doctor.ts): what the doctor could not see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blindness, doctorCheck } from '../../src/checks/doctor.js';
import { Model } from '../../src/model/model.js';
import type { CheckOptions } from '../../src/model/options.js';
import { emptySnapshot, type Snapshot } from '../../src/snapshot/types.js';
import { loadTrustStore } from '../../src/tls/index.js';

const options: CheckOptions = { now: new Date('2026-01-31T00:00:00Z'), expiryWarningMs: 30 * 86_400_000, trustStore: loadTrustStore() };

function run(edit: (s: Snapshot) => void) {
  const s = emptySnapshot({ kind: 'live', context: 'prod' });
  edit(s);
  return doctorCheck.run(s, options, new Model(s));
}

describe('ITLS901 / ITLS902', () => {
  const mustReport: [string, (s: Snapshot) => void, string, RegExp][] = [
    [
      'a forbidden secrets LIST, naming verb, resource, namespace and what was skipped',
      (s) => s.unreadable.push({ resource: 'secrets', verb: 'list', namespace: 'istio-system', status: 403, reason: 'secrets is forbidden', impact: 'certificate checks' }),
      'ITLS901',
      /refused \(RBAC 403\): list secrets in istio-system\. Skipped: certificate checks/,
    ],
    [
      'a cluster-wide LIST that timed out',
      (s) => s.unreadable.push({ resource: 'pods', verb: 'list', status: 0, reason: 'no answer within 30s' }),
      'ITLS901',
      /list pods cluster-wide failed \(timeout or connection error\)/,
    ],
    ['missing Istio CRDs', (s) => (s.istioCrds = 'missing'), 'ITLS902', /does not serve networking\.istio\.io/],
  ];
  for (const [name, edit, code, message] of mustReport) {
    it(`reports ${code} for ${name}`, () => {
      const findings = run(edit);
      assert.equal(findings.length, 1);
      assert.equal(findings[0].code, code);
      assert.match(findings[0].message, message);
    });
  }

  const mustStaySilent: [string, (s: Snapshot) => void][] = [
    ['a fully readable cluster with Istio', () => {}],
    ['offline, where CRD presence is unknown', (s) => (s.istioCrds = 'unknown')],
  ];
  for (const [name, edit] of mustStaySilent) it(`stays silent for ${name}`, () => assert.deepEqual(run(edit), []));

  it('offers the RBAC to grant for a 403, and none for a timeout', () => {
    const [forbidden] = run((s) => s.unreadable.push({ resource: 'gateways.networking.istio.io', verb: 'list', status: 403, reason: 'forbidden' }));
    assert.match(forbidden.remediation?.yaml ?? '', /kind: ClusterRole\n[\s\S]*apiGroups: \["networking\.istio\.io"\]\n  resources: \[gateways\]\n  verbs: \[list\]/);
    assert.deepEqual(forbidden.resource, { kind: 'ClusterRole', name: 'istio-tls-doctor-read' });
    const [timeout] = run((s) => s.unreadable.push({ resource: 'pods', verb: 'list', status: 0, reason: 'timeout' }));
    assert.equal(timeout.remediation, undefined);
  });

  it('one finding for every RBAC refusal: one ClusterRole with every missing rule, one converging binding', () => {
    const findings = run((s) => {
      s.source.user = 'oncall';
      s.unreadable.push(
        { resource: 'secrets', verb: 'list', status: 403, reason: 'forbidden', impact: 'TLS credentials cannot be read' },
        { resource: 'secrets', verb: 'list', namespace: 'istio-system', status: 403, reason: 'forbidden' },
        { resource: 'virtualservices.networking.istio.io', verb: 'list', status: 403, reason: 'forbidden' },
        { resource: 'gateways.networking.istio.io', verb: 'list', status: 403, reason: 'forbidden' },
        { resource: 'pods/exec', verb: 'create', namespace: 'istio-system', status: 403, reason: 'forbidden' },
      );
    });
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f.code, 'ITLS901');
    assert.equal((f.evidence.denied as unknown[]).length, 5);
    const yaml = f.remediation!.yaml!;
    assert.match(yaml, /- apiGroups: \[""\]\n  resources: \[pods\/exec\]\n  verbs: \[create\]/);
    assert.match(yaml, /- apiGroups: \[""\]\n  resources: \[secrets\]\n  verbs: \[list\]/);
    assert.match(yaml, /- apiGroups: \["networking\.istio\.io"\]\n  resources: \[gateways, virtualservices\]\n  verbs: \[list\]/);
    const commands = f.remediation!.commands!;
    assert.equal(commands.filter((c) => c.includes('clusterrolebinding')).length, 1);
    assert.ok(commands.includes('kubectl create clusterrolebinding istio-tls-doctor-read --clusterrole=istio-tls-doctor-read --user=oncall --dry-run=client -o yaml | kubectl apply -f -'));
    assert.ok(commands.includes('kubectl auth can-i list secrets -A'), commands.join('\n'));
    assert.ok(commands.includes('kubectl auth can-i create pods/exec -n istio-system'));
    for (const c of commands) assert.doesNotMatch(c, /<[a-z]/i, 'no <placeholder> the shell reads as a redirection');
  });

  it('denials in one namespace only: a Role there; the user unknown: a shell variable, never a <placeholder>', () => {
    const [f] = run((s) => s.unreadable.push({ resource: 'configmaps', verb: 'list', namespace: 'istio-system', status: 403, reason: 'forbidden' }));
    assert.deepEqual(f.resource, { kind: 'Role', namespace: 'istio-system', name: 'istio-tls-doctor-read' });
    assert.match(f.remediation!.yaml!, /kind: Role\n[\s\S]*namespace: istio-system/);
    const binding = f.remediation!.commands![0];
    assert.match(binding, /^kubectl create rolebinding istio-tls-doctor-read -n istio-system --role=istio-tls-doctor-read --user="\$\{KUBE_USER:\?[^"]*\}" --dry-run=client -o yaml \| kubectl apply -f -$/);
  });

  it('blindness: Gateways or pods listable nowhere is a blind run; an empty readable list is not', () => {
    const blind = emptySnapshot({ kind: 'live', context: 'prod' });
    blind.read = { pods: true };
    blind.unreadable.push({ resource: 'gateways.networking.istio.io', verb: 'list', status: 403, reason: 'forbidden' });
    blind.unreadable.push({ resource: 'gateways.networking.istio.io', verb: 'list', namespace: 'istio-system', status: 403, reason: 'forbidden' });
    assert.match(blindness(blind) ?? '', /list gateways\.networking\.istio\.io was forbidden \(RBAC 403\) cluster-wide and in istio-system.*kubectl auth can-i list gateways\.networking\.istio\.io -A --context prod/);
    const noPods = emptySnapshot({ kind: 'live', context: 'prod' });
    noPods.read = { gateways: true };
    noPods.unreadable.push({ resource: 'pods', verb: 'list', status: 0, reason: 'timeout' });
    assert.match(blindness(noPods) ?? '', /list pods was not answered/);
    const empty = emptySnapshot({ kind: 'live', context: 'prod' });
    empty.read = { gateways: true, pods: true };
    assert.equal(blindness(empty), undefined, 'a cluster with no Gateways is not blind');
    const partial = emptySnapshot({ kind: 'live', context: 'prod' });
    partial.read = { gateways: true, pods: true };
    partial.readNamespaces = { gateways: ['istio-system'] };
    partial.unreadable.push({ resource: 'gateways.networking.istio.io', verb: 'list', status: 403, reason: 'forbidden' });
    assert.equal(blindness(partial), undefined, 'read in one namespace is partial, not blind');
    const noCrds = emptySnapshot({ kind: 'live', context: 'prod' });
    noCrds.read = { pods: true };
    noCrds.istioCrds = 'missing';
    assert.equal(blindness(noCrds), undefined, 'missing CRDs are ITLS902, not blindness');
    const offline = emptySnapshot({ kind: 'offline' });
    assert.equal(blindness(offline), undefined);
  });

  it('declares its codes', () => assert.deepEqual(doctorCheck.codes.map((c) => c.code), ['ITLS901', 'ITLS902', 'ITLS903']));
});

describe('ITLS903: no Istio in this context', () => {
  const pod = (name: string, ns: string, labels: Record<string, string>, args?: string[]) =>
    ({ metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: args ? 'istio-proxy' : 'app', ...(args ? { args } : {}) }] }, status: { phase: 'Running' } }) as Snapshot['pods'][number];
  /** A live cluster whose pods were listed everywhere: one app pod, nothing of Istio. */
  function noIstio(edit: (s: Snapshot) => void = () => {}) {
    return run((s) => {
      s.source.server = 'https://10.0.0.1:6443';
      s.read = { pods: true, gateways: true };
      s.pods = [pod('shop-1', 'shop', { app: 'shop' })];
      edit(s);
    });
  }

  it('names the context and what is missing, CRDs installed', () => {
    const findings = noIstio();
    assert.deepEqual(findings.map((f) => f.code), ['ITLS903']);
    assert.equal(findings[0].severity, 'error');
    assert.match(findings[0].message, /^Context prod \(https:\/\/10\.0\.0\.1:6443\) runs no Istio: no istiod pod in any namespace, no gateway pod, no Gateway; Istio's CRDs are installed but nothing uses them/);
    assert.deepEqual(findings[0].resource, { kind: 'Cluster', name: 'prod' });
    assert.ok(!(findings[0].remediation?.commands ?? []).some((c) => /istioctl install|kubectl (apply|create)/.test(c)), 'the pasted commands only read');
  });

  it('CRDs not served either: one finding (ITLS903 says it), not ITLS902 beside it', () => {
    const findings = noIstio((s) => (s.istioCrds = 'missing'));
    assert.deepEqual(findings.map((f) => f.code), ['ITLS903']);
    assert.match(findings[0].message, /the API server does not serve networking\.istio\.io/);
    assert.deepEqual(findings[0].evidence?.missing, ['istiod pod', 'gateway pod', 'Gateway', 'networking.istio.io CRDs']);
  });

  const silent: [string, (s: Snapshot) => void][] = [
    ['an istiod pod runs', (s) => s.pods.push(pod('istiod-1', 'istio-system', { app: 'istiod' }))],
    ['a gateway pod runs (router proxy)', (s) => s.pods.push(pod('gw-1', 'edge', { app: 'edge' }, ['proxy', 'router']))],
    ['a Gateway API gateway pod runs', (s) => s.pods.push(pod('web-istio-1', 'edge', { 'gateway.networking.k8s.io/gateway-name': 'web' }))],
    ['a Gateway exists (ITLS101/103 say what is down)', (s) => s.gateways.push({ metadata: { name: 'g', namespace: 'x' }, spec: { selector: { istio: 'ingressgateway' }, servers: [] } } as unknown as Snapshot['gateways'][number])],
    ['pods were not listed everywhere', (s) => (s.read = { gateways: true })],
    ['offline: manifests say nothing about what runs', (s) => (s.source = { kind: 'offline' })],
  ];
  for (const [name, edit] of silent) {
    it(`stays silent when ${name}`, () => assert.ok(!noIstio(edit).some((f) => f.code === 'ITLS903')));
  }
  it('CRDs missing while istiod runs: ITLS902 alone', () => {
    const findings = noIstio((s) => {
      s.istioCrds = 'missing';
      s.pods.push(pod('istiod-1', 'istio-system', { app: 'istiod' }));
    });
    assert.deepEqual(findings.map((f) => f.code), ['ITLS902']);
  });
});
