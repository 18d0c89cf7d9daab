import type { CheckModule } from './types.js';

// ITLS206/208/210/213 from inside the gateway pod: mounted files and what Envoy loaded
export const inPodCheck: CheckModule = {
  id: 'inpod',
  codes: [],
  reads: [],
  run: () => [],
};
