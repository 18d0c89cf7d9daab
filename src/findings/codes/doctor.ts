// The doctor area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const doctorCodes: CodeSpec[] = [
  {
    code: 'ITLS901',
    severity: 'warning',
    title: 'Something could not be read',
    meaning:
      'The doctor was refused or timed out while reading part of the cluster (RBAC 403, exec refused, API timeout). The finding says what, where, which checks were skipped, and which hosts are therefore unknown. Every RBAC refusal of a run is one finding with one fix.',
    why: 'Checks that need the missing data stay silent, and hosts whose verdict depends on it are shown as unknown (?), never as healthy. When Gateways or pods could not be listed at all, nothing was checked and the doctor exits 2.',
    example: 'secrets is forbidden: User "oncall" cannot list resource "secrets" in API group "" in the namespace "istio-system"',
    fix: 'Apply the Role or ClusterRole the finding proposes (every rule that was refused, no more) and bind it to your user with the command it gives; or grant the ClusterRole listed in the README; or run with a kubeconfig that has these rights.',
  },
  {
    code: 'ITLS902',
    severity: 'error',
    title: 'Istio networking CRDs are not installed',
    meaning: 'The API server does not serve networking.istio.io (Gateway, VirtualService, DestinationRule).',
    why: 'Without the CRDs there are no Istio Gateways: the ingress gateway has no TLS configuration to serve, or this is not the cluster you meant.',
    example: 'kubectl get gateways.networking.istio.io -A → error: the server doesn\'t have a resource type "gateways"',
    fix: 'Check the kubeconfig context (--context); install Istio (istioctl install, or the istio/base Helm chart for the CRDs).',
  },
  {
    code: 'ITLS903',
    severity: 'error',
    title: 'No Istio in this context',
    meaning:
      'Nothing of Istio runs in the cluster the kubeconfig context points at: no istiod pod in any namespace, no gateway pod, no Gateway — and its networking CRDs are either not served or served with nothing using them. It names the context and each missing piece. Read live only (pods listed cluster-wide); offline manifests say nothing about what runs.',
    why: 'With no Gateway in scope the report would otherwise say "healthy" and exit 0. At 3 a.m. that is almost always the wrong context (a staging cluster, a fresh kind cluster), or an Istio that was uninstalled and left its CRDs behind: nothing here terminates TLS for anyone.',
    example: 'Context kind-staging (https://127.0.0.1:43121): no istiod pod in any namespace, no gateway pod, no Gateway; the API server does not serve networking.istio.io.',
    fix: 'Switch to the mesh cluster (kubectl config get-contexts, then --context); if this is the cluster, install Istio (istioctl install) and its ingress gateway.',
  },
];
