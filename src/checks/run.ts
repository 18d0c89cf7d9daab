import type { Snapshot } from '../snapshot/types.js';
import { finalizeRemediation } from '../remediation/common.js';
import { mergeCauses } from '../findings/causes.js';
import { docsLink } from '../findings/voice.js';
import { CHECKS } from './index.js';
import { Model } from '../model/model.js';
import { SEVERITY_RANK, type CodeSpec, type Finding } from '../findings/types.js';
import { type CheckModule } from './types.js';
import { type CheckOptions } from '../model/options.js';

export interface CheckRun {
  findings: Finding[];
  model: Model;
}

/** Run every check (or the given ones) over a snapshot; one finding per cause (causes.ts), sorted by severity, code, resource, host. */
export function runChecks(snapshot: Snapshot, options: CheckOptions, checks: CheckModule[] = CHECKS): CheckRun {
  const model = new Model(snapshot, options.namespace);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const check of checks) {
    for (const f of check.run(snapshot, options, model)) {
      const key = JSON.stringify([f.code, f.resource, f.host ?? null, f.port ?? null, f.message]);
      if (seen.has(key)) continue;
      seen.add(key);
      // every variable a fix's commands use is checked before them; no `<placeholder>` survives
      if (f.remediation) f.remediation = finalizeRemediation(f.remediation);
      findings.push(f);
    }
  }
  const causes = mergeCauses(findings);
  // every finding links its docs entry (issue 13)
  for (const f of causes) f.docs = docsLink(f.code);
  causes.sort(compareFindings);
  return { findings: causes, model };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    a.code.localeCompare(b.code) ||
    (a.resource.namespace ?? '').localeCompare(b.resource.namespace ?? '') ||
    a.resource.name.localeCompare(b.resource.name) ||
    (a.host ?? '').localeCompare(b.host ?? '') ||
    (a.port ?? 0) - (b.port ?? 0)
  );
}

/** The catalog: every declared code, sorted. Docs and the CLI's `codes` listing read this. */
export function allCodes(checks: CheckModule[] = CHECKS): CodeSpec[] {
  return checks.flatMap((c) => c.codes).sort((a, b) => a.code.localeCompare(b.code));
}
