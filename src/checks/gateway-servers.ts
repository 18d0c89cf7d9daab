// ITLS409: a Gateway with no servers (Istio's IST0106, "gateway must have at least one server").
// istiod rejects it, so it serves nothing; a fix that empties a Gateway must delete it instead.
import { findingFor, ref } from '../model/model.js';
import type { CheckModule, CodeSpec, Finding } from '../findings/types.js';

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

export const gatewayServersCheck: CheckModule = {
  id: 'gateway-servers',
  codes: gatewayServersCodes,
  reads: ['gateways'],
  run(snapshot, options): Finding[] {
    const out: Finding[] = [];
    for (const g of snapshot.gateways) {
      const ns = g.metadata.namespace ?? 'default';
      if (options.namespace && ns !== options.namespace) continue;
      const servers = g.spec?.servers;
      if (Array.isArray(servers) && servers.length > 0) continue;
      out.push(
        findingFor(gatewayServersCodes, 'ITLS409', {
          resource: ref(g, 'Gateway'),
          message: `Gateway ${ns}/${g.metadata.name} has no servers (spec.servers ${servers === undefined ? 'is missing' : 'is empty'}): Istio rejects it (IST0106) and it serves nothing.`,
          evidence: { servers: Array.isArray(servers) ? servers.length : null },
          remediation: {
            summary: `Delete Gateway ${ns}/${g.metadata.name}, or give it the server it was meant to have.`,
            commands: [`kubectl delete gateways.networking.istio.io ${g.metadata.name} -n ${ns} --ignore-not-found`],
            notes: ['VirtualServices that list only this Gateway stop applying anywhere once it is deleted; bind them to the Gateway that serves their hosts.'],
          },
        }),
      );
    }
    return out;
  },
};
