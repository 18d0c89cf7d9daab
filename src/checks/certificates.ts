import type { CheckModule } from './types.js';

// ITLS301-314: the served certificates themselves
export const certificatesCheck: CheckModule = {
  id: 'certificates',
  codes: [],
  reads: [],
  run: () => [],
};
