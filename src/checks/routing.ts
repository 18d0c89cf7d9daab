import type { CheckModule } from './types.js';

// ITLS501-506: routing behind the gateway
export const routingCheck: CheckModule = {
  id: 'routing',
  codes: [],
  reads: [],
  run: () => [],
};
