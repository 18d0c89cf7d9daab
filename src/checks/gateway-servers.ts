// ITLS409: a Gateway with no servers (Istio's IST0106, "gateway must have at least one server").
// istiod rejects it, so it serves nothing; a fix that empties a Gateway must delete it instead.
import { findingFor } from '../findings/types.js';
import { ref } from '../model/model.js';
import type { CheckModule } from './types.js';
import type { Finding } from '../findings/types.js';
import { gatewayServersCodes } from '../findings/codes/gateway-servers.js';

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
