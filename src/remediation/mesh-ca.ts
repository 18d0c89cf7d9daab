// ITLS209: the mesh CA secret damaged. Two alternatives that must never run one after the other:
// [a] restore from a backup (best), [b] re-root the mesh (destructive). Both are printed commented
// out, so a pasted block or a --fix-script changes nothing until the user picks one.
import type { Remediation } from '../findings/types.js';
import { declareVar } from './common.js';

export function meshCaRecovery(name: string, istioNamespace: string, selfSigned: boolean): Remediation {
  if (selfSigned) declareVar('ISTIO_CA_BACKUP', `path to your backup of ${istioNamespace}/${name} (a YAML manifest)`);
  const commands = selfSigned
    ? ['# Two alternatives follow, each its own block: paste ONE of them ([a] when you have a backup).']
    : [
        '# Uncomment after setting the variables to your plug-in CA files (nothing below runs as printed):',
        `#   kubectl create secret generic cacerts -n ${istioNamespace} --from-file=ca-cert.pem="$CA_CERT" --from-file=ca-key.pem="$CA_KEY" --from-file=root-cert.pem="$ROOT_CERT" --from-file=cert-chain.pem="$CERT_CHAIN" --dry-run=client -o yaml | kubectl apply -f -`,
        `#   kubectl rollout restart deployment/istiod -n ${istioNamespace}`,
        `#   kubectl rollout restart deployment -n "$NAMESPACE"   # for every namespace with sidecars, so workloads get certificates from the restored CA`,
      ];
  const alternatives = selfSigned
    ? [
        {
          label: 'best: restore from your backup',
          summary: `Put back the original ${name} from your backup (type istio.io/ca-root, ca-cert.pem + ca-key.pem): the mesh keeps its root.`,
          commands: [`kubectl apply -f "$ISTIO_CA_BACKUP"`, `kubectl rollout restart deployment/istiod -n ${istioNamespace}`],
        },
        {
          label: 'DESTRUCTIVE, only without a backup: re-root the mesh',
          summary: 'istiod generates a new self-signed root on restart; every proxied workload must then restart in one window. Uncomment the lines to run them.',
          destructive: true,
          commands: [
            `#   kubectl delete secret ${name} -n ${istioNamespace}`,
            `#   kubectl rollout restart deployment/istiod -n ${istioNamespace}`,
            `#   kubectl rollout status deployment/istiod -n ${istioNamespace}`,
            `#   kubectl rollout restart deployment -n "$NAMESPACE"   # for every namespace with sidecars, gateways included`,
          ],
        },
      ]
    : undefined;
  return {
    ...(alternatives ? { alternatives } : {}),
    summary: selfSigned
      ? `Restore the mesh root CA: [a] put back the original ${name} from a backup, or — only without one — [b] re-root the mesh (delete it, restart istiod, then every proxied workload). Serve the gateway certificate from a credentialName secret instead.`
      : 'Restore the plug-in CA in cacerts (a CA certificate and its key), restart istiod and then the proxied workloads. Serve the gateway certificate from a credentialName secret instead.',
    commands,
    notes: [
      `Keep the evidence first: kubectl get secret ${name} -n ${istioNamespace} -o yaml shows what was written over it (it holds a private key: do not share the output).`,
      'Deleting the secret re-roots the mesh (destructive): workloads keep their current certificates until they restart or rotate (24h by default), and proxies holding certificates from the old root cannot talk mTLS to those with the new one — restart all of them promptly, in one window.',
      'Workloads outside the mesh that pinned the old root (multi-cluster, VMs, external clients using istio-ca-root-cert) must be given the new root from ConfigMap istio-ca-root-cert.',
      'Gateways never read this secret for ingress TLS: the server certificate belongs in the secret named by the Gateway\'s credentialName, in the gateway pods\' namespace (the other findings of this run name it).',
    ],
  };
}
