import type { CheckModule } from './types.js';

// ITLS901-902: what the doctor itself could not do
export const doctorCheck: CheckModule = {
  id: 'doctor',
  codes: [],
  reads: [],
  run: () => [],
};
