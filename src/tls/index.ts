// Facade of src/tls. Placeholder until the certificate engine lands (issue 3).
import type { DecodedCredential } from './types.js';
export type * from './types.js';

export function decodeCredential(_data: Record<string, string>, _caData?: Record<string, string>): DecodedCredential {
  return { certificates: [], caCertificates: [], issues: [] };
}
