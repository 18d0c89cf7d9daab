// The engine's contract with a check module.
import type { Snapshot } from '../snapshot/types.js';
import type { Model } from '../model/model.js';
import type { CheckOptions } from '../model/options.js';
import type { CodeSpec, Finding } from '../findings/types.js';

/** One module per concern. It declares its codes and what it reads, and is a pure function. */
export interface CheckModule {
  id: string;
  codes: CodeSpec[];
  /** snapshot fields this check reads (documentation; the Istio analyzer `Inputs` idea) */
  reads: string[];
  run(snapshot: Snapshot, options: CheckOptions, model: Model): Finding[];
}
