// The mounts area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const mountsCodes: CodeSpec[] = [
  {
    code: 'ITLS206',
    severity: 'error',
    title: 'Certificate file not in the gateway pod',
    meaning:
      'A server loads its certificate, key or CA from a file path (serverCertificate/privateKey/caCertificates), and the gateway container has no volume mounted there, or the Secret behind the mount is absent or lacks that file.',
    why: 'Envoy rejects the whole listener when a file is missing ("Invalid path"), so every host on that port goes down with it, not only this one; a restarted gateway pod may never become ready.',
    example: 'serverCertificate: /etc/istio/ingressgateway-certs/tls.crt on a gateway installed with the Helm gateway chart, which mounts nothing there.',
    fix: 'Move the server to credentialName: create a TLS Secret in the gateway pod namespace and replace the file paths by credentialName (YAML in the finding).',
  },
  {
    code: 'ITLS207',
    severity: 'warning',
    title: 'File-mounted certificates in use',
    meaning: 'A server uses file paths for its certificate (the legacy istio-ingressgateway-certs mount) instead of credentialName.',
    why: 'Mounted files are only as current as the pod: renewals need a restart, the Helm gateway chart and newer profiles do not mount them at all, and a missing file takes the whole listener down. credentialName (SDS) reloads without restarts.',
    example: 'tls: {mode: SIMPLE, serverCertificate: /etc/istio/ingressgateway-certs/tls.crt, privateKey: /etc/istio/ingressgateway-certs/tls.key}',
    fix: 'kubectl create secret tls <name> -n <gateway pod namespace> --cert=fullchain.pem --key=privkey.pem, then set tls.credentialName: <name> and drop the file paths.',
  },
];
