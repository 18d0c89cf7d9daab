// The inpod area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const inpodCodes: CodeSpec[] = [
  {
    code: 'ITLS208',
    severity: 'warning',
    title: 'Mounted certificate differs from its Secret',
    meaning: 'The certificate file inside the gateway pod is not the certificate in the Secret mounted there: the mount is stale.',
    why: 'The gateway serves the old certificate (often an expired one) although the Secret was renewed; subPath mounts and some volume setups are never refreshed.',
    example: 'Secret istio-ingressgateway-certs renewed yesterday; /etc/istio/ingressgateway-certs/tls.crt in the pod still has last month\'s serial.',
    fix: 'Restart the gateway pods (kubectl rollout restart), then move the server to credentialName so renewals reach Envoy without restarts.',
  },
  {
    code: 'ITLS210',
    severity: 'warning',
    title: 'Envoy does not serve what the Secret holds',
    meaning:
      'What the gateway Envoy reports it loaded (config_dump secrets, /certs) is not the certificate in the Secret or file it should come from: an older certificate, a secret still WARMING, or none at all.',
    why: 'Clients get the certificate Envoy holds, not the one in the cluster: a renewal that never reached Envoy looks fixed in kubectl and still breaks TLS; a WARMING secret means the listener serves no certificate for that host.',
    example: 'Secret web-cert has serial 4f…e1 (expires in 89 days); Envoy in istio-ingressgateway-7d4f9 serves kubernetes://web-cert with serial 1a…07 (expired 2 days ago).',
    fix: 'Find why istiod did not push it (its logs; can the gateway read the Secret?), fix that, then restart the gateway pods to force a fresh SDS push.',
  },
  {
    code: 'ITLS213',
    severity: 'error',
    title: 'Envoy rejected the listener',
    meaning: "The gateway Envoy rejected a listener update (LDS update_rejected): its configuration for a port is invalid, so Envoy keeps the last good listener or none.",
    why: 'One bad server takes down every host on that port: new hosts never appear, and after a restart the port may not listen at all.',
    example: 'listener_manager.lds.update_rejected: 3; 0.0.0.0_8443: "Failed to load certificate chain from /etc/istio/ingressgateway-certs/tls.crt"',
    fix: 'Fix the server named in the rejection (often a missing file or an invalid certificate/key pair), or remove it; `istioctl analyze` and the istio-proxy logs show the detail.',
  },
];
