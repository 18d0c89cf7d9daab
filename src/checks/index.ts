// The registry: every check module, in the order a request travels (workload → credential →
// certificate → gateway config → routing). Adding a check is one module and one line here.
import type { CheckModule } from './types.js';
import { workloadsCheck } from './workloads.js';
import { credentialsCheck } from './credentials.js';
import { credentialAccessCheck } from './credential-access.js';
import { mountsCheck } from './mounts.js';
import { meshCaCheck } from './mesh-ca.js';
import { inPodCheck } from './inpod.js';
import { probeCheck } from './probe.js';
import { certificatesCheck } from './certificates.js';
import { gatewayConfigCheck } from './gateway-config.js';
import { gatewayServersCheck } from './gateway-servers.js';
import { routingCheck } from './routing.js';
import { gatewayApiCheck } from './gateway-api.js';
import { certManagerCheck } from './cert-manager.js';
import { doctorCheck } from './doctor.js';

export const CHECKS: CheckModule[] = [
  workloadsCheck,
  credentialsCheck,
  credentialAccessCheck,
  mountsCheck,
  meshCaCheck,
  inPodCheck,
  probeCheck,
  certificatesCheck,
  gatewayConfigCheck,
  gatewayServersCheck,
  routingCheck,
  gatewayApiCheck,
  certManagerCheck,
  doctorCheck,
];
