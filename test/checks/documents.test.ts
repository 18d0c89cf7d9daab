import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDocuments, fieldFor } from '../../src/manifests/documents.js';
import { emptySnapshot } from '../../src/snapshot/types.js';
import { parseYamlDocuments } from '../helpers/snapshot.js';

const fresh = () => emptySnapshot({ kind: 'offline' });

test('reads an Istio Gateway and ignores a Gateway-API Gateway', () => {
  const s = fresh();
  addDocuments(s, parseYamlDocuments(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-gw, namespace: a}
spec: {selector: {istio: ingressgateway}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: k8s-gw, namespace: a}
spec: {gatewayClassName: istio}
`));
  assert.deepEqual(s.gateways.map((g) => g.metadata.name), ['istio-gw']);
  assert.equal(s.read.gateways, true);
  assert.equal(s.read.pods, undefined);
});

test('expands kind: List recursively and typed lists without item kinds', () => {
  const s = fresh();
  addDocuments(s, [
    { apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { containers: [] } }] },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's1' }, spec: {} },
    ] },
    { apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'p2' }, spec: { containers: [] } }] },
  ]);
  assert.deepEqual(s.pods.map((p) => p.metadata.name), ['p1', 'p2']);
  assert.equal(s.services.length, 1);
});

test('folds Secret stringData into base64 data, stringData winning', () => {
  const s = fresh();
  addDocuments(s, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'n' }, data: { a: 'b2xk', c: 'Yw==' }, stringData: { a: 'new' } }]);
  assert.deepEqual(s.secrets[0].data, { a: Buffer.from('new').toString('base64'), c: 'Yw==' });
  assert.equal((s.secrets[0] as unknown as Record<string, unknown>).stringData, undefined);
});

test('warns about objects without metadata.name and skips them', () => {
  const s = fresh();
  const warnings = addDocuments(s, [{ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} }], 'pods.yaml');
  assert.equal(s.pods.length, 0);
  assert.match(warnings[0], /Pod in pods.yaml: skipped, it has no metadata.name/);
});

test('maps kinds by group: PeerAuthentication from security.istio.io, Roles from rbac', () => {
  assert.equal(fieldFor('PeerAuthentication', 'security.istio.io/v1'), 'peerAuthentications');
  assert.equal(fieldFor('PeerAuthentication', 'networking.istio.io/v1'), undefined);
  assert.equal(fieldFor('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1'), 'clusterRoleBindings');
  assert.equal(fieldFor('Deployment', 'apps/v1'), undefined);
  assert.equal(fieldFor('Secret', 'v1'), 'secrets');
});
