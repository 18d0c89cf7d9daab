// The credential-access area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const credentialAccessCodes: CodeSpec[] = [
  {
    code: 'ITLS211',
    severity: 'error',
    title: 'Credential readable by only some of the gateways that use it',
    meaning: 'The same credentialName is used by Gateways whose pods run in different namespaces, and the Secret exists in only some of those namespaces.',
    why: 'Each gateway pod reads the Secret from its own namespace. Where the copy is missing, that gateway has no certificate for the host: the same hostname works through one gateway and resets through the other.',
    example: 'credentialName shop-tls used by a Gateway on istio-system pods and one on istio-ingress pods; the Secret exists only in istio-system.',
    fix: 'Create the Secret in every namespace listed (same certificate and key), or keep one gateway deployment per credential.',
  },
  {
    code: 'ITLS212',
    severity: 'error',
    title: 'Gateway service account may not read secrets',
    meaning: "The gateway pods' service account is not allowed to list secrets in its own namespace (judged from the Roles, RoleBindings, ClusterRoles and ClusterRoleBindings read).",
    why: 'istiod checks, with a SubjectAccessReview, that the gateway may list secrets in its namespace before serving a credentialName over SDS. Refused, it serves nothing: handshakes fail while the Secret itself looks perfect.',
    example: 'Helm gateway chart installed with rbac.enabled=false, or pods running as the default service account.',
    fix: 'Bind a Role allowing get/watch/list on secrets in the gateway namespace to the gateway service account (YAML in the finding).',
  },
];
