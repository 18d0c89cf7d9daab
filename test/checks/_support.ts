// Table-test support for the check modules, in the spirit of ESLint's RuleTester: each case is plain
// Kubernetes YAML that must report a code (optionally on a given resource/host) or must stay silent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks } from '../../src/checks/run.js';
import type { CheckModule } from '../../src/checks/types.js';
import type { CheckOptions } from '../../src/model/options.js';
import type { Finding } from '../../src/findings/types.js';
import type { SnapshotKind } from '../../src/snapshot/types.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';

export const OPTIONS: CheckOptions = {
  now: new Date('2026-06-01T00:00:00Z'),
  expiryWarningMs: 30 * 86_400_000,
  trustStore: { anchors: [], description: 'test (no anchors)', extraCount: 0 },
};

export interface CheckCase {
  /** reads as the behaviour: "reports ITLS101 when the selector matches no pod" */
  name: string;
  yaml: string;
  /** codes that must be reported */
  report?: string[];
  /** codes that must not be reported */
  silent?: string[];
  /** extra assertions on the module's findings */
  assert?: (findings: Finding[]) => void;
  read?: SnapshotKind[];
  namespace?: string;
}

export function findingsFor(module: CheckModule | undefined, c: Pick<CheckCase, 'yaml' | 'read' | 'namespace'>): Finding[] {
  const snapshot = snapshotFromYaml(c.yaml, { read: c.read });
  return runChecks(snapshot, { ...OPTIONS, namespace: c.namespace }, module ? [module] : undefined).findings;
}

/** The assertions every table case gets: reported and silent codes, readable messages, no key material. */
export function assertTableCase(c: Pick<CheckCase, 'report' | 'silent' | 'assert'>, findings: Finding[], keyFragments: string[] = []): void {
  const codes = findings.map((f) => f.code);
  for (const code of c.report ?? []) assert.ok(codes.includes(code), `expected ${code}, got [${codes.join(', ')}]`);
  for (const code of c.silent ?? []) {
    const hit = findings.find((f) => f.code === code);
    assert.equal(hit, undefined, `expected no ${code}, got: ${hit?.message}`);
  }
  for (const f of findings) {
    assert.ok(f.message.length > 20, `${f.code} message too short`);
    assert.ok(f.resource.name, `${f.code} without resource`);
    const json = JSON.stringify(f);
    assert.doesNotMatch(json, /PRIVATE KEY/);
    for (const fragment of keyFragments) assert.ok(!json.includes(fragment), 'key material leaked');
  }
  c.assert?.(findings);
}

export function runTable(module: CheckModule, cases: CheckCase[]): void {
  for (const c of cases) test(c.name, () => assertTableCase(c, findingsFor(module, c)));
}

export const one = (findings: Finding[], code: string): Finding => {
  const f = findings.filter((x) => x.code === code);
  assert.equal(f.length, 1, `expected one ${code}, got ${f.length}`);
  return f[0];
};

// ---- fixtures: a small, healthy cluster the cases change one thing in ----

export const ISTIOD = `
apiVersion: v1
kind: Pod
metadata:
  name: istiod-6d8f9c7b5-abcde
  namespace: istio-system
  labels: {app: istiod, istio: pilot}
spec:
  serviceAccountName: istiod
  containers:
  - name: discovery
    image: docker.io/istio/pilot:1.22.1
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
  containerStatuses: [{name: discovery, ready: true, restartCount: 0}]
`;

export function ingressPod(opts: { name?: string; namespace?: string; labels?: string; image?: string; mounts?: string; volumes?: string; status?: string; sa?: string } = {}): string {
  return `
apiVersion: v1
kind: Pod
metadata:
  name: ${opts.name ?? 'istio-ingressgateway-7f9d8c6b4-q7wzt'}
  namespace: ${opts.namespace ?? 'istio-system'}
  labels: ${opts.labels ?? '{app: istio-ingressgateway, istio: ingressgateway}'}
spec:
  serviceAccountName: ${opts.sa ?? 'istio-ingressgateway-service-account'}
  containers:
  - name: istio-proxy
    image: ${opts.image ?? 'docker.io/istio/proxyv2:1.22.1'}
    args: [proxy, router, --domain, $(POD_NAMESPACE).svc.cluster.local]
    ports:
    - {containerPort: 8080, name: http2, protocol: TCP}
    - {containerPort: 8443, name: https, protocol: TCP}
    volumeMounts: ${opts.mounts ?? '[{name: istio-envoy, mountPath: /etc/istio/proxy}]'}
  volumes: ${opts.volumes ?? '[{name: istio-envoy, emptyDir: {}}]'}
status: ${opts.status ?? '{phase: Running, conditions: [{type: Ready, status: "True"}], containerStatuses: [{name: istio-proxy, ready: true, restartCount: 0}]}'}
`;
}

export function ingressService(opts: { namespace?: string; ports?: string; selector?: string; status?: string } = {}): string {
  return `
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: ${opts.namespace ?? 'istio-system'}
spec:
  type: LoadBalancer
  selector: ${opts.selector ?? '{istio: ingressgateway}'}
  ports: ${opts.ports ?? '[{name: http2, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}]'}
status: ${opts.status ?? '{loadBalancer: {ingress: [{ip: 203.0.113.10}]}}'}
`;
}

export const CLUSTER = [ISTIOD, ingressPod(), ingressService()].join('\n---\n');

export function gateway(opts: { name?: string; namespace?: string; selector?: string; servers: string; created?: string }): string {
  return `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${opts.name ?? 'web'}
  namespace: ${opts.namespace ?? 'istio-system'}${opts.created ? `\n  creationTimestamp: "${opts.created}"` : ''}
spec:
  selector: ${opts.selector ?? '{istio: ingressgateway}'}
  servers:
${opts.servers}
`;
}

export const HTTPS_SERVER = (host = 'shop.example.com', credential = 'shop-tls', port = 443) => `
  - port: {number: ${port}, name: https-${port}, protocol: HTTPS}
    hosts: ["${host}"]
    tls: {mode: SIMPLE, credentialName: ${credential}}`;

export const HTTP_REDIRECT_SERVER = (host = 'shop.example.com') => `
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["${host}"]
    tls: {httpsRedirect: true}`;

export function virtualService(opts: { name?: string; namespace?: string; hosts?: string; gateways?: string; routes?: string }): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${opts.name ?? 'shop'}
  namespace: ${opts.namespace ?? 'shop'}
spec:
  hosts: ${opts.hosts ?? '[shop.example.com]'}
${opts.gateways === '' ? '' : `  gateways: ${opts.gateways ?? '[istio-system/web]'}`}
${opts.routes ?? `  http:
  - route:
    - destination: {host: shop.shop.svc.cluster.local, port: {number: 80}}`}
`;
}

export const SHOP_BACKEND = `
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: shop}
spec:
  selector: {app: shop}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: shop-5f6d7-abcde, namespace: shop, labels: {app: shop}}
spec:
  containers:
  - {name: shop, image: shop:1.0}
  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.22.1}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
`;

export const SHOP_SECRET = (namespace = 'istio-system', name = 'shop-tls') => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${namespace}}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
`;

/** A healthy cluster serving shop.example.com on 443 with a redirect on 80. */
export const HEALTHY = [
  CLUSTER,
  gateway({ servers: HTTP_REDIRECT_SERVER() + HTTPS_SERVER() }),
  virtualService({}),
  SHOP_BACKEND,
  SHOP_SECRET(),
].join('\n---\n');

export const docs = (...parts: string[]) => parts.join('\n---\n');
