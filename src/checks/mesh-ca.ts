import type { CheckModule } from './types.js';

// ITLS209: the mesh CA overwritten with a server certificate
export const meshCaCheck: CheckModule = {
  id: 'mesh-ca',
  codes: [],
  reads: [],
  run: () => [],
};
