import type { CheckModule } from './types.js';

// ITLS211-212: who may read a credential
export const credentialAccessCheck: CheckModule = {
  id: 'credential-access',
  codes: [],
  reads: [],
  run: () => [],
};
