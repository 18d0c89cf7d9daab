// Fix builders for what Envoy loaded inside the gateway pods (ITLS206/208/210/213).
import type { Pod } from '../snapshot/types.js';
import { type GatewayModel } from '../model/model.js';
import type { K8sGatewayModel } from '../model/gateway-api.js';

/** How to restart the gateway: its Deployment from the ReplicaSet owner, else by the Gateway's selector. */
export function restartCommand(pods: Pod[], gm: GatewayModel): string {
  const p = pods[0];
  const ns = p?.metadata.namespace ?? gm.workloadNamespaces[0] ?? '<namespace>';
  const rs = p?.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
  if (rs) return `kubectl rollout restart deployment/${rs.name.replace(/-[a-z0-9]+$/, '')} -n ${ns}`;
  const sel = Object.entries(gm.gateway.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return `kubectl rollout restart deployment -n ${ns} -l ${sel || '<gateway pod labels>'}`;
}

/** How to restart a Gateway API gateway's pods: the ReplicaSet owner's Deployment, else the Deployment Istio made (`<name>-<class>`). */
export function restartK8sGatewayCommand(pods: Pod[], gm: K8sGatewayModel): string {
  const p = pods[0];
  const ns = p?.metadata.namespace ?? gm.namespace;
  const rs = p?.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
  return `kubectl rollout restart deployment/${rs ? rs.name.replace(/-[a-z0-9]+$/, '') : gm.deploymentName} -n ${ns}`;
}
