import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mountsCheck } from '../../src/checks/mounts.js';
import { runChecks } from '../../src/checks/run.js';
import type { InspectionState, PodInspection } from '../../src/snapshot/types.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';
import { CLUSTER, OPTIONS, docs, gateway, runTable } from './_support.js';
import { FILE_SERVER, mountCases } from './cases/mounts.js';

runTable(mountsCheck, mountCases);

function with206FromSpec(fileAccess: InspectionState): string[] {
  const snapshot = snapshotFromYaml(docs(CLUSTER, gateway({ servers: FILE_SERVER })));
  const pod = snapshot.pods.find((p) => p.metadata.labels?.istio === 'ingressgateway');
  assert.ok(pod, 'the fixture has an ingress gateway pod');
  const inspection: PodInspection = {
    namespace: pod.metadata.namespace ?? '',
    pod: pod.metadata.name,
    container: 'istio-proxy',
    files: [],
    directories: [],
    fileAccess: { state: fileAccess },
    envoy: { via: 'none', state: 'forbidden' },
  };
  snapshot.inspections.push(inspection);
  return runChecks(snapshot, OPTIONS, [mountsCheck]).findings.map((f) => f.code);
}

test('leaves ITLS206 to the in-pod check when the pod files were read from inside (no duplicate finding)', () => {
  assert.ok(!with206FromSpec('ok').includes('ITLS206'));
});

test('still reports ITLS206 from the pod spec when nobody could look inside (exec refused, distroless)', () => {
  assert.ok(with206FromSpec('forbidden').includes('ITLS206'));
  assert.ok(with206FromSpec('no-tool').includes('ITLS206'));
});
