import type { CheckModule } from './types.js';

// ITLS101-106: gateway workloads and the control plane
export const workloadsCheck: CheckModule = {
  id: 'workloads',
  codes: [],
  reads: [],
  run: () => [],
};
