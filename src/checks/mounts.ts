import type { CheckModule } from './types.js';

// ITLS206-207: legacy file-mounted certificates (from the pod spec)
export const mountsCheck: CheckModule = {
  id: 'mounts',
  codes: [],
  reads: [],
  run: () => [],
};
