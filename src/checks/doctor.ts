// ITLS901-902: what the doctor itself could not do. Nothing here judges the cluster's TLS; these
// findings say where the report is blind, so "no findings" is never mistaken for "healthy".
import type { Snapshot, Unreadable } from '../snapshot/types.js';
import type { CheckModule, CodeSpec, Finding } from './types.js';

export const doctorCodes: CodeSpec[] = [
  {
    code: 'ITLS901',
    severity: 'warning',
    title: 'Something could not be read',
    meaning:
      'The doctor was refused or timed out while reading part of the cluster (RBAC 403, exec refused, API timeout). The finding says what, where, and which checks were skipped because of it.',
    why: 'Checks that need the missing data stay silent, so the report can look healthier than the cluster is.',
    example: 'secrets is forbidden: User "oncall" cannot list resource "secrets" in API group "" in the namespace "istio-system"',
    fix: 'Grant the read access listed in the README (get/list on pods, services, secrets, configmaps, Istio CRDs, rbac; create pods/exec, pods/portforward), or run with a kubeconfig that has it.',
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
];

function describeUnreadable(u: Unreadable): string {
  const where = u.namespace ? ` in namespace ${u.namespace}` : ' cluster-wide';
  const what = `${u.verb} ${u.resource}${where}`;
  const why =
    u.status === 403
      ? 'was forbidden (RBAC 403)'
      : u.status === 404
        ? 'was not found (404)'
        : u.status === 0
          ? 'failed (timeout or connection error)'
          : `failed with HTTP ${u.status}`;
  return `${what} ${why}: ${u.reason}${u.impact ? `. Skipped: ${u.impact}` : ''}`;
}

function unreadableFindings(snapshot: Snapshot): Finding[] {
  return snapshot.unreadable.map((u): Finding => {
    const evidence: Finding['evidence'] = { verb: u.verb, resource: u.resource, status: u.status, reason: u.reason };
    if (u.namespace) evidence.namespace = u.namespace;
    if (u.impact) evidence.skipped = u.impact;
    const resource = u.namespace ? { kind: 'Namespace', name: u.namespace } : { kind: 'Cluster', name: snapshot.source.context ?? 'cluster' };
    const finding: Finding = {
      code: 'ITLS901',
      severity: 'warning',
      title: doctorCodes[0].title,
      message: describeUnreadable(u),
      resource,
      evidence,
    };
    if (u.status === 403) {
      const [plural, ...groupParts] = u.resource.split('.');
      const group = groupParts.join('.');
      finding.remediation = {
        summary: `Allow the doctor to ${u.verb} ${u.resource}${u.namespace ? ` in ${u.namespace}` : ''}, or run it as a user who can.`,
        commands: [
          `kubectl auth can-i ${u.verb} ${u.resource}${u.namespace ? ` -n ${u.namespace}` : ' -A'}`,
          u.namespace
            ? `kubectl create role istio-tls-doctor-read -n ${u.namespace} --verb=get,list --resource=${plural}${group ? `.${group}` : ''}`
            : `kubectl create clusterrole istio-tls-doctor-read --verb=get,list --resource=${plural}${group ? `.${group}` : ''}`,
        ],
      };
    }
    return finding;
  });
}

function crdFinding(snapshot: Snapshot): Finding[] {
  if (snapshot.istioCrds !== 'missing') return [];
  return [
    {
      code: 'ITLS902',
      severity: 'error',
      title: doctorCodes[1].title,
      message:
        'The API server does not serve networking.istio.io: there are no Istio Gateways, VirtualServices or DestinationRules to check. Is this the right cluster/context, and is Istio installed?',
      resource: { kind: 'Cluster', name: snapshot.source.context ?? snapshot.source.server ?? 'cluster' },
      evidence: { apiGroup: 'networking.istio.io', served: false },
      remediation: {
        summary: 'Confirm the context points at the mesh cluster, then install Istio (the CRDs come with istioctl install or the istio/base chart).',
        commands: ['kubectl config current-context', 'kubectl api-resources --api-group=networking.istio.io', 'istioctl install --set profile=default'],
      },
    },
  ];
}

export const doctorCheck: CheckModule = {
  id: 'doctor',
  codes: doctorCodes,
  reads: ['unreadable', 'istioCrds'],
  run: (snapshot) => [...crdFinding(snapshot), ...unreadableFindings(snapshot)],
};
