import type { CheckModule } from './types.js';

// ITLS201-205: credential secrets as Istio reads them
export const credentialsCheck: CheckModule = {
  id: 'credentials',
  codes: [],
  reads: [],
  run: () => [],
};
