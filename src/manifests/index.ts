// The offline source: `-f` files and directories → the same Snapshot the live source produces.
import { emptySnapshot, type KubeObject, type Snapshot, type SnapshotKind } from '../snapshot/types.js';
import { SNAPSHOT_KINDS } from '../snapshot/overlay.js';
import { addDocuments } from './documents.js';
import { forEachManifestDocument } from './files.js';
import type { OriginIndex } from './positions.js';

export { originKey, type FieldPosition, type ObjectOrigin, type OriginIndex } from './positions.js';
export { ManifestError, forEachManifestDocument, listManifestFiles, manifestDocuments, parseManifestText, readManifestFiles } from './files.js';

const ALL_KINDS: SnapshotKind[] = SNAPSHOT_KINDS;
const NEVER_CREDENTIALS = new Set(['kubernetes.io/service-account-token', 'helm.sh/release.v1']);
const CLUSTER_SCOPED: SnapshotKind[] = ['clusterRoles', 'clusterRoleBindings', 'namespaces', 'gatewayClasses', 'clusterIssuers'];

export interface OfflineOptions {
  istioNamespace?: string;
  /** record where each object is written (file, line, field lines) for -o sarif; off by default */
  positions?: boolean;
}

export interface OfflineResult {
  snapshot: Snapshot;
  /** objects skipped and why, in plain words (stderr) */
  warnings: string[];
  /** where each object is written, when `positions` was asked for */
  origins?: OriginIndex;
}

export function loadOfflineSnapshot(paths: string[], options: OfflineOptions = {}): OfflineResult {
  const snapshot = emptySnapshot({ kind: 'offline', files: [] }, options.istioNamespace);
  const warnings: string[] = [];
  // document by document into the snapshot: no file's documents are all held at once (peak RSS at scale)
  const origins: OriginIndex | undefined = options.positions ? new Map() : undefined;
  snapshot.source.files = forEachManifestDocument(
    paths,
    (doc, file) => {
      for (const w of addDocuments(snapshot, [doc], file, { owned: true })) warnings.push(w);
    },
    origins,
  );
  normalizeAsApplied(snapshot);
  // The live source never lists these (a field selector drops them: they are numerous and never TLS
  // credentials); drop them here too so both sources see the same cluster.
  snapshot.secrets = snapshot.secrets.filter((s) => !NEVER_CREDENTIALS.has(s.type ?? ''));
  // The files are the whole cluster as far as the doctor knows: every kind counts as read, so
  // "no pod matches" means what it says (the live source marks the kinds its LISTs returned).
  for (const kind of ALL_KINDS) snapshot.read[kind] = true;
  return origins ? { snapshot, warnings, origins } : { snapshot, warnings };
}

/**
 * What the API server would have done on `kubectl apply`: a namespaced object without a namespace
 * lands in `default`, and a Secret without a type is Opaque. Keeps offline findings equal to live ones.
 */
function normalizeAsApplied(snapshot: Snapshot): void {
  for (const kind of ALL_KINDS) {
    if (CLUSTER_SCOPED.includes(kind)) continue;
    for (const obj of snapshot[kind] as KubeObject[]) {
      if (!obj.metadata.namespace) obj.metadata.namespace = 'default';
    }
  }
  for (const secret of snapshot.secrets) secret.type ??= 'Opaque';
  for (const kind of ALL_KINDS) {
    for (const obj of snapshot[kind] as KubeObject[]) {
      // Istio ≥ 1.22 serves these groups as v1, and the live source reads that version: a v1beta1 or
      // v1alpha3 manifest is the same object, and fixes built from it should say what kubectl prints.
      const m = /^(networking|security)\.istio\.io\/v1(alpha3|beta1)$/.exec(obj.apiVersion ?? '');
      if (m) obj.apiVersion = `${m[1]}.istio.io/v1`;
      // Dropped as the live source drops them: bookkeeping, and on a Secret the last-applied
      // annotation is the whole Secret, keys included.
      const meta = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
      delete meta.managedFields;
      if (meta.annotations) {
        delete meta.annotations['kubectl.kubernetes.io/last-applied-configuration'];
        if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
      }
    }
  }
  // Duplicates (the same object in two files): the first wins, as `kubectl create` would refuse the second.
  for (const kind of ALL_KINDS) {
    const seen = new Set<string>();
    const list = snapshot[kind] as KubeObject[];
    const unique = list.filter((o) => {
      const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // A LIST returns items in key order (namespace, then name); files come in any order. Sorting
    // here keeps evidence that lists several objects identical between the two sources.
    unique.sort((a, b) => byteCompare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || byteCompare(a.metadata.name, b.metadata.name));
    (snapshot[kind] as KubeObject[]) = unique;
  }
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
