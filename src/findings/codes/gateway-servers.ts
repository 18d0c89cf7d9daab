// The gateway-servers area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const gatewayServersCodes: CodeSpec[] = [
  {
    code: 'ITLS409',
    severity: 'error',
    title: 'Gateway has no servers',
    meaning: 'The Gateway lists no servers (spec.servers is missing or empty); Istio reports it as IST0106 and the webhook refuses it.',
    why: 'A Gateway without servers opens no port and serves no host: the VirtualServices bound to it reach nothing through it.',
    example: 'spec: {selector: {istio: ingressgateway}, servers: []}',
    fix: 'Delete the Gateway (its hosts are served elsewhere), or give it the server it was meant to have.',
  },
];
