

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export interface ResourceRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** Facts that justify a finding. Plain JSON values only; never key material. */
export type EvidenceValue = string | number | boolean | null | EvidenceValue[] | { [key: string]: EvidenceValue };

export interface Remediation {
  /** one or two sentences: what to do and why */
  summary: string;
  /** Kubernetes YAML documents ready for `kubectl apply -f -` (after review); keys are placeholders */
  yaml?: string;
  /** shell commands, one per entry; placeholders like <fullchain.pem> for files the user has */
  commands?: string[];
  /** consequences / caveats the user must know before running it */
  notes?: string[];
  /**
   * Alternatives that must never run one after the other (restore from a backup, or re-root the mesh):
   * each is its own block ([2a], [2b]) that can be pasted whole; a destructive one has its commands
   * commented out. `commands` then holds what is common to all (often nothing).
   */
  alternatives?: { label: string; summary: string; commands: string[]; destructive?: boolean }[];
}

/** One place a finding is about: a resource, and the host/port on it when there is one. */
export interface Place {
  resource: ResourceRef;
  host?: string;
  port?: number;
}

/**
 * One finding per cause. `resource`/`host`/`port` name the primary place; when one cause shows up in
 * many places (a certificate shared by 2,000 Gateways, a missing Gateway named by five VirtualServices)
 * the finding lists the others in `places` instead of being repeated, and the consequences that would
 * otherwise be findings of their own (a host that gets 404 because of it) become `also` lines.
 * The table folds long `places` lists; -o json/yaml carry all of them.
 */
export interface Finding {
  code: string;
  severity: Severity;
  title: string;
  message: string;
  resource: ResourceRef;
  /** the Gateway host (as written in the Gateway, namespace part stripped) this finding is about */
  host?: string;
  port?: number;
  evidence: Record<string, EvidenceValue>;
  remediation?: Remediation;
  /** every other place this same cause affects (grouped findings); the primary place is not repeated here */
  places?: Place[];
  /** consequences of this cause, one plain sentence each (merged from findings that share the cause) */
  also?: string[];
  /** the code's docs entry: `docs/checks.md#itls306` in the package and the published page (set by runChecks) */
  docs?: { file: string; url: string };
}

/** Documentation and defaults of one finding code; the catalog's one source of truth. */
export interface CodeSpec {
  code: string;
  severity: Severity;
  title: string;
  /** what it means, in one or two sentences */
  meaning: string;
  /** why traffic breaks */
  why: string;
  /** a short example of configuration that triggers it */
  example?: string;
  /** the fix in words */
  fix?: string;
}

/** A finding for a declared code: severity and title come from the CodeSpec unless the check lowers them. */
export function findingFor(
  codes: CodeSpec[],
  code: string,
  fields: Omit<Finding, 'code' | 'severity' | 'title'> & { severity?: Severity },
): Finding {
  const spec = codes.find((c) => c.code === code);
  if (!spec) throw new Error(`undeclared code ${code}`);
  const { severity, ...rest } = fields;
  return { code, severity: severity ?? spec.severity, title: spec.title, ...rest };
}
