// The report object: what `-o json` / `-o yaml` print and what the table view renders.
// Scripts depend on this shape (design.md "Output contract"): `findings` and `summary` are stable;
// other top-level fields may grow.
import type { Finding, ResourceRef, Severity } from '../findings/types.js';
import type { HostRow } from '../status/types.js';

export interface ReportSource {
  kind: 'live' | 'offline';
  context?: string;
  server?: string;
  files?: string[];
}

export interface Report {
  /** the clock the checks used (--now, or the time of the run), RFC3339 */
  generatedAt: string;
  command: 'doctor' | 'status';
  source: ReportSource;
  /** -n, when the run was limited to Gateways in one namespace */
  namespace?: string;
  failOn: Severity | 'none';
  summary: { error: number; warning: number; info: number };
  /** distinct TLS hosts the Gateways in scope serve */
  hostsChecked: number;
  findings: Finding[];
  hosts: HostRow[];
  /** -n: Gateways of other namespaces served by the gateway pods in scope, which the run did not check (-A includes them) */
  leftOut?: ResourceRef[];
}

export interface RenderStyle {
  color: boolean;
  /** terminal width for wrapping; undefined = unknown (a pipe without COLUMNS): the doctor wraps at 100, `status` prints every column whole, like `kubectl get` */
  width?: number;
  /** -v: show everything the table folds (all evidence, serials and fingerprints, every place) */
  verbose?: boolean;
}
