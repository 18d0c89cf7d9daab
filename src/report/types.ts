// The report object: what `-o json` / `-o yaml` print and what the table view renders.
// Scripts depend on this shape (design.md "Output contract"): `findings` and `summary` are stable;
// other top-level fields may grow.
import type { Finding, ResourceRef, Severity } from '../findings/types.js';
import type { HostRow } from '../status/types.js';
import type { FindingChange } from './change.js';

/** A finding as reported: with --use-kube, whether the change introduces it or it was live already. */
export type ReportFinding = Finding & { change?: FindingChange };

/** --use-kube: the files over the live cluster, compared with the live cluster alone. */
export interface ReportChange {
  /** the -f files laid over the cluster */
  files: string[];
  /** objects of the files that replace a live object / that the cluster does not hold */
  replaced: number;
  added: number;
  introduced: number;
  existing: number;
  /** live findings the change makes go away */
  fixed: Finding[];
  /** --fail-on-existing: --fail-on counts every finding, not only the introduced ones */
  failOnExisting: boolean;
}

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
  findings: ReportFinding[];
  hosts: HostRow[];
  /** --use-kube: what the change in the files does to the live cluster's findings */
  change?: ReportChange;
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
