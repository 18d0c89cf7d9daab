import type { CheckModule } from './types.js';

// ITLS401-408: Gateway configuration
export const gatewayConfigCheck: CheckModule = {
  id: 'gateway-config',
  codes: [],
  reads: [],
  run: () => [],
};
