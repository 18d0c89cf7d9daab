// Build a Snapshot from inline YAML: the check tests' fixture format (plain Kubernetes YAML).
import { parseAllDocuments } from 'yaml';
import { addDocuments } from '../../src/manifests/documents.js';
import { emptySnapshot, type Snapshot, type SnapshotKind } from '../../src/snapshot/types.js';

export interface SnapshotFromYamlOptions {
  /** kinds to mark as read even when no object of that kind is in the YAML (a cluster where there are none) */
  read?: SnapshotKind[];
  istioNamespace?: string;
}

export function parseYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`YAML error: ${d.errors[0].message}`);
    return d.toJS();
  });
}

export function snapshotFromYaml(text: string, options: SnapshotFromYamlOptions = {}): Snapshot {
  const snapshot = emptySnapshot({ kind: 'offline', files: ['<inline>'] }, options.istioNamespace);
  const warnings = addDocuments(snapshot, parseYamlDocuments(text), '<inline>');
  if (warnings.length) throw new Error(warnings.join('\n'));
  for (const kind of options.read ?? []) snapshot.read[kind] = true;
  return snapshot;
}
