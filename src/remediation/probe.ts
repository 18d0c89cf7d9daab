// Fix builders for what the live probe found on the wire (ITLS601/602/604). `restart` is the command that
// restarts the gateway's pods (an Istio gateway's Deployment, or the one Istio made for a Gateway-API Gateway).
import type { Pod } from '../snapshot/types.js';
import type { Remediation } from '../findings/types.js';

/** ITLS601: the running Envoy lacks the host's listener: is it in sync, what does its listener hold, then restart. */
export function resyncListener(pod: Pod, restart: string, host: string, listenPort: number): Remediation {
  const name = `${pod.metadata.name}.${pod.metadata.namespace}`;
  return {
    summary: `See whether the gateway's Envoy is in sync with istiod and why the listener lacks ${host}, then restart the gateway pods so Envoy gets the current listeners.`,
    commands: [`istioctl proxy-status ${name}`, `istioctl proxy-config listener ${name} --port ${listenPort}`, restart],
  };
}

/** ITLS602/604: Envoy holds another chain than the Secret: find why istiod did not push it, then restart. */
export function reloadCredential(pod: Pod, restart: string, istioNamespace: string, secret: string, kind: 'other' | 'stale', host: string): Remediation {
  const secretName = secret.slice(secret.indexOf('/') + 1);
  const logs = `kubectl logs deploy/istiod -n ${istioNamespace} --since=1h | grep -i '${secretName}'`;
  if (kind === 'stale') {
    return {
      summary: `istiod did not push the renewed Secret ${secret} to the gateway. Check istiod's log for it, then restart the gateway pods so Envoy fetches the current certificate over SDS.`,
      commands: [logs, restart],
      notes: ['A rolling restart keeps the gateway serving while pods are replaced (with more than one replica).'],
    };
  }
  return {
    summary: `See which secret the gateway's Envoy holds for ${host} and why; once istiod pushes Secret ${secret} for it, restart the gateway pods so Envoy loads it.`,
    commands: [`istioctl proxy-config secret ${pod.metadata.name}.${pod.metadata.namespace}`, logs, restart],
  };
}
