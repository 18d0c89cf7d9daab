// What one run is asked: the clock, the expiry window, the trust store and the -n scope.
import type { TrustStore } from '../tls/types.js';

export interface CheckOptions {
  now: Date;
  /** warn when the leaf expires within this many milliseconds (ITLS302) */
  expiryWarningMs: number;
  /** trust anchors: Node's bundled Mozilla roots plus --ca-file */
  trustStore: TrustStore;
  /** -n: limit to Gateways in this namespace (undefined = all) */
  namespace?: string;
}
