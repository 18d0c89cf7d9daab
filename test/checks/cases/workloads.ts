import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  CLUSTER,
  HEALTHY,
  HTTPS_SERVER,
  ISTIOD,
  SHOP_SECRET,
  docs,
  gateway,
  ingressPod,
  ingressService,
  one,
  type CheckCase,
} from '../_support.js';

export const workloadCases: CheckCase[] = [
  {
    name: 'reports ITLS101 when the selector matches no pod, suggesting the labels the gateway pods carry',
    yaml: docs(ISTIOD, ingressPod({ labels: '{app: istio-ingress, istio: ingress}' }), gateway({ servers: HTTPS_SERVER() })),
    report: ['ITLS101'],
    assert: (f) => {
      const x = one(f, 'ITLS101');
      assert.match(x.message, /istio=ingressgateway/);
      assert.match(x.message, /istio=ingress\b/);
      const fixed = parse(x.remediation!.yaml!);
      assert.deepEqual(fixed.spec.selector, { istio: 'ingress' });
      assert.equal(fixed.metadata.name, 'web');
    },
  },
  {
    name: 'reports ITLS101 for a Gateway whose pods are in another namespace only when no pod anywhere matches',
    yaml: docs(ISTIOD, ingressPod({ namespace: 'istio-ingress' }), gateway({ namespace: 'apps', servers: HTTPS_SERVER() })),
    silent: ['ITLS101'],
  },
  {
    name: 'stays silent on ITLS101 for a Gateway outside the -n namespace',
    yaml: docs(ISTIOD, ingressPod({ labels: '{istio: ingress}' }), gateway({ servers: HTTPS_SERVER() })),
    namespace: 'apps',
    silent: ['ITLS101'],
  },
  {
    name: 'stays silent on ITLS101 when pods were not read (manifests without pods)',
    yaml: gateway({ servers: HTTPS_SERVER() }),
    silent: ['ITLS101', 'ITLS103'],
  },
  {
    name: 'reports ITLS102 when the gateway pod is not ready and its proxy is crash-looping',
    yaml: docs(
      ISTIOD,
      ingressPod({
        status: `
  phase: Running
  conditions: [{type: Ready, status: "False", reason: ContainersNotReady}]
  containerStatuses:
  - name: istio-proxy
    ready: false
    restartCount: 14
    state: {waiting: {reason: CrashLoopBackOff}}
    lastState: {terminated: {reason: Error, exitCode: 1}}`,
      }),
      gateway({ servers: HTTPS_SERVER() }),
    ),
    report: ['ITLS102'],
    assert: (f) => {
      const x = one(f, 'ITLS102');
      assert.equal(x.evidence.restarts, 14);
      assert.match(String(x.evidence.lastTermination), /Error \(exit code 1\)/);
      assert.ok(x.remediation?.commands?.some((c) => c.includes('--previous')));
    },
  },
  {
    name: 'stays silent on ITLS102 for a Running, Ready gateway pod',
    yaml: HEALTHY,
    silent: ['ITLS102'],
  },
  {
    name: 'reports ITLS103 when istiod is not ready, naming the istiod pod it read (not a Deployment it never listed)',
    yaml: docs(ISTIOD.replace('phase: Running', 'phase: Pending').replace('status: "True"', 'status: "False"'), ingressPod(), gateway({ servers: HTTPS_SERVER() })),
    report: ['ITLS103'],
    assert: (f) => {
      const x = one(f, 'ITLS103');
      assert.deepEqual(x.resource, { kind: 'Pod', namespace: 'istio-system', name: 'istiod-6d8f9c7b5-abcde' });
      assert.ok(!JSON.stringify(x).includes('deploy/istiod'), 'names no Deployment the doctor did not read');
    },
  },
  {
    name: 'reports ITLS102 for a Pending, unscheduled gateway pod with advice that fits: describe and events, not logs --previous',
    yaml: docs(
      ISTIOD,
      ingressPod({
        status: `
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, message: "0/3 nodes are available: 3 Insufficient cpu."}]`,
      }),
      gateway({ servers: HTTPS_SERVER() }),
    ),
    report: ['ITLS102'],
    assert: (f) => {
      const x = one(f, 'ITLS102');
      const commands = x.remediation!.commands!;
      assert.ok(commands.includes('kubectl describe pod istio-ingressgateway-7f9d8c6b4-q7wzt -n istio-system'));
      assert.ok(commands.includes('kubectl get events -n istio-system --field-selector involvedObject.name=istio-ingressgateway-7f9d8c6b4-q7wzt'));
      assert.ok(!commands.some((c) => c.includes('logs')), 'a pod that never ran has no logs');
      assert.match(x.remediation!.summary, /not scheduled \(Unschedulable: 0\/3 nodes are available/);
    },
  },
  {
    name: 'reports ITLS102 for a running pod that is not ready yet (never restarted): logs without --previous',
    yaml: docs(
      ISTIOD,
      ingressPod({
        status: `{phase: Running, conditions: [{type: Ready, status: "False"}], containerStatuses: [{name: istio-proxy, ready: false, restartCount: 0, state: {running: {}}}]}`,
      }),
      gateway({ servers: HTTPS_SERVER() }),
    ),
    report: ['ITLS102'],
    assert: (f) => {
      const commands = one(f, 'ITLS102').remediation!.commands!;
      assert.ok(commands.includes('kubectl logs istio-ingressgateway-7f9d8c6b4-q7wzt -n istio-system -c istio-proxy'));
    },
  },
  {
    name: 'reports ITLS103 when no istiod pod exists at all',
    yaml: docs(ingressPod(), gateway({ servers: HTTPS_SERVER() })),
    report: ['ITLS103'],
  },
  {
    name: 'stays silent on ITLS103 when istiod is ready',
    yaml: HEALTHY,
    silent: ['ITLS103'],
  },
  {
    name: 'reports ITLS104 when the Gateway port is neither a Service port nor a targetPort',
    yaml: docs(CLUSTER, gateway({ servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 9443) })),
    report: ['ITLS104'],
    assert: (f) => {
      const x = f.find((y) => y.code === 'ITLS104' && y.severity === 'warning')!;
      assert.equal(x.port, 9443);
      assert.match(x.message, /443→8443/);
    },
  },
  {
    name: 'reports ITLS104 when no Service selects the gateway pods',
    yaml: docs(ISTIOD, ingressPod(), ingressService({ selector: '{istio: other}' }), gateway({ servers: HTTPS_SERVER() })),
    report: ['ITLS104'],
  },
  {
    name: 'stays silent on ITLS104 when the Gateway uses the targetPort (8443) instead of the Service port',
    yaml: docs(CLUSTER, gateway({ servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 8443) })),
    silent: ['ITLS104'],
  },
  {
    name: 'stays silent on ITLS104 when a named targetPort resolves to the port the Gateway uses',
    yaml: docs(ISTIOD, ingressPod(), ingressService({ ports: '[{name: https, port: 443, targetPort: https}]' }), gateway({ servers: HTTPS_SERVER('shop.example.com', 'shop-tls', 8443) })),
    silent: ['ITLS104'],
  },
  {
    name: 'reports ITLS104 as info when the LoadBalancer has no external address',
    yaml: docs(ISTIOD, ingressPod(), ingressService({ status: '{loadBalancer: {}}' }), gateway({ servers: HTTPS_SERVER() })),
    report: ['ITLS104'],
    assert: (f) => assert.equal(one(f, 'ITLS104').severity, 'info'),
  },
  {
    name: 'reports ITLS105 when the selector matches pods in two namespaces',
    yaml: docs(CLUSTER, ingressPod({ namespace: 'istio-ingress', name: 'istio-ingressgateway-other' }), gateway({ servers: HTTPS_SERVER() }), SHOP_SECRET()),
    report: ['ITLS105'],
    assert: (f) => assert.deepEqual(one(f, 'ITLS105').evidence.namespaces, ['istio-ingress', 'istio-system']),
  },
  {
    name: 'stays silent on ITLS105 when all selected pods share a namespace',
    yaml: docs(CLUSTER, ingressPod({ name: 'istio-ingressgateway-second' }), gateway({ servers: HTTPS_SERVER() })),
    silent: ['ITLS105'],
  },
  {
    name: 'reports ITLS106 when the gateway proxy version differs from istiod',
    yaml: docs(ISTIOD, ingressPod({ image: 'docker.io/istio/proxyv2:1.19.3' }), ingressService(), gateway({ servers: HTTPS_SERVER() })),
    report: ['ITLS106'],
    assert: (f) => assert.equal(one(f, 'ITLS106').evidence.proxyVersion, '1.19.3'),
  },
  {
    name: 'stays silent on ITLS106 when versions are equal (distroless suffix ignored)',
    yaml: docs(ISTIOD, ingressPod({ image: 'docker.io/istio/proxyv2:1.22.1-distroless' }), ingressService(), gateway({ servers: HTTPS_SERVER() })),
    silent: ['ITLS106'],
  },
];
