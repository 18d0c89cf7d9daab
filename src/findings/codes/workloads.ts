// The workloads area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const workloadsCodes: CodeSpec[] = [
  {
    code: 'ITLS101',
    severity: 'error',
    title: 'Gateway selector matches no pod',
    meaning: "The Gateway's spec.selector matches no pod in any namespace, so no Envoy is configured with its servers.",
    why: 'istiod pushes a Gateway only to the pods its selector matches. With none, nothing listens for these hosts: connections are refused or time out, and every other check of this Gateway is moot.',
    example: 'selector: {istio: ingressgateway} while the Helm gateway chart labels its pods istio: ingress.',
    fix: "Copy the labels of the gateway pods into spec.selector (kubectl get pods -A -l 'istio' --show-labels).",
  },
  {
    code: 'ITLS102',
    severity: 'error',
    title: 'Gateway pod not ready',
    meaning: 'A pod the Gateway selects is not Running and Ready, or its proxy container keeps restarting.',
    why: 'A pod that is not Ready is taken out of the Service endpoints; a crash-looping Envoy serves nothing. Often the cause is a configuration Envoy rejects (an invalid certificate path) or a missing credential.',
    example: 'istio-proxy restarted 14 times, last terminated with reason Error (exit code 1).',
    fix: 'A pod that never started (Pending, unscheduled, image not pulled): read its events (kubectl describe pod, kubectl get events --field-selector involvedObject.name=POD). A proxy that ran and failed: read its logs (kubectl logs POD -c istio-proxy --previous). The other findings for this Gateway usually name the cause.',
  },
  {
    code: 'ITLS103',
    severity: 'error',
    title: 'No ready istiod',
    meaning: 'No istiod pod is Running and Ready.',
    why: 'istiod serves the gateway its listeners and, through SDS, its certificates. Without it, new or restarted gateway pods get no configuration and certificates are not rotated.',
    example: 'istiod-7d9c-xyz in istio-system: phase Pending.',
    fix: 'Fix istiod first: for a pod that never started, its events (kubectl -n istio-system describe pod -l app=istiod); for one that runs but is not ready, its logs (kubectl -n istio-system logs -l app=istiod).',
  },
  {
    code: 'ITLS104',
    severity: 'warning',
    title: 'Gateway port unreachable through its Service',
    meaning: 'A Gateway server port is neither a port nor a targetPort of any Service that selects the gateway pods (warning), or the LoadBalancer Service in front of the gateway pods has no external address yet (info): either way clients cannot reach the listener.',
    why: 'Traffic reaches the gateway through a Service. istiod binds a server port that equals a Service port to that port\'s targetPort; a port no Service exposes is a listener no client can reach, and a LoadBalancer without an address has no entry point outside the cluster.',
    example: 'Gateway server port 8443 while the Service exposes 443→8443 and 80→8080 … or port 9443 that no Service knows.',
    fix: 'Use the Service port in the Gateway (443), or add the port to the gateway Service; for a pending LoadBalancer, read the Service events (kubectl describe svc) for why the cloud load balancer is not provisioned.',
  },
  {
    code: 'ITLS105',
    severity: 'warning',
    title: 'Gateway pods in several namespaces',
    meaning: "The Gateway's selector matches pods in more than one namespace.",
    why: 'Each pod reads credentialName secrets from its own namespace, so every namespace needs its own copy of every secret; one missing copy breaks TLS on some pods only (intermittent failures behind one load balancer).',
    example: 'selector istio: ingressgateway matches pods in istio-system and in istio-ingress.',
    fix: 'Make the selector specific to one gateway deployment, or keep the credentials in every namespace listed.',
  },
  {
    code: 'ITLS106',
    severity: 'info',
    title: 'Gateway proxy and istiod versions differ',
    meaning: 'The gateway proxy image version differs from the istiod version.',
    why: 'Istio supports a proxy one minor version behind istiod; larger skew can make istiod send configuration the proxy does not understand.',
    example: 'istiod 1.22.1, gateway proxyv2 1.19.3.',
    fix: 'Upgrade (or restart, after an upgrade) the gateway deployment so it runs the istiod version.',
  },
];
