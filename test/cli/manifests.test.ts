import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManifestError, listManifestFiles, loadOfflineSnapshot } from '../../src/manifests/index.js';

function dir(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'istio-tls-manifests-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [web.example.com]
    tls: {mode: SIMPLE, credentialName: web-tls}
`;

describe('offline source (-f)', () => {
  it('reads multi-document YAML, JSON and kind: List, recursively through directories', () => {
    const root = dir({
      'a.yaml': `${gateway}---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: web}\nspec: {ports: [{port: 80}]}\n`,
      'nested/deeper/list.yml': `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p1, namespace: web}\n  spec: {containers: [{name: c}]}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p2, namespace: web}\n  spec: {containers: [{name: c}]}\n`,
      'c.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: {} }),
      'notes.txt': 'not a manifest',
    });
    const { snapshot } = loadOfflineSnapshot([root]);
    assert.equal(snapshot.source.kind, 'offline');
    assert.equal(snapshot.gateways.length, 1);
    assert.equal(snapshot.services.length, 1);
    assert.deepEqual(snapshot.pods.map((p) => p.metadata.name), ['p1', 'p2']);
    assert.equal(snapshot.configMaps.length, 1);
    assert.equal(snapshot.source.files?.length, 3);
  });

  it('folds stringData into base64 data, as the API server stores it', () => {
    const root = dir({ 's.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: istio-system}\nstringData: {tls.crt: hello}\ndata: {other: eA==}\n' });
    const { snapshot } = loadOfflineSnapshot([root]);
    assert.deepEqual(snapshot.secrets[0].data, { other: 'eA==', 'tls.crt': Buffer.from('hello').toString('base64') });
    assert.equal(snapshot.secrets[0].type, 'Opaque');
  });

  it('puts objects without a namespace in default, as kubectl apply would', () => {
    const root = dir({ 'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {}\n' });
    assert.equal(loadOfflineSnapshot([root]).snapshot.services[0].metadata.namespace, 'default');
  });

  it('marks every kind read: the files are the whole cluster', () => {
    const { snapshot } = loadOfflineSnapshot([dir({ 'g.yaml': gateway })]);
    assert.equal(snapshot.read.pods, true);
    assert.equal(snapshot.read.secrets, true);
  });

  it('skips what a scenario directory holds besides cluster objects', () => {
    const root = dir({
      'g.yaml': gateway,
      'certs.yaml': '- name: root\n  ca: true\n',
      'expect.json': '{"codes": []}',
      'scenario.json': '{}',
      'files/istio-system/pod/etc/x.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: nope}\n',
      'envoy/istio-system/pod/certs.json': '{}',
    });
    const files = listManifestFiles([root]).map((f) => f.slice(root.length + 1));
    assert.deepEqual(files, ['g.yaml']);
  });

  it('a file named explicitly is read even if it is called certs.yaml elsewhere', () => {
    const root = dir({ 'sub/certs.yaml': gateway });
    assert.equal(loadOfflineSnapshot([join(root, 'sub')]).snapshot.gateways.length, 0, 'skipped at a directory top');
    assert.equal(loadOfflineSnapshot([join(root, 'sub', 'certs.yaml')]).snapshot.gateways.length, 1, 'read when named');
  });

  it('reads kinds by API group: a Gateway API Gateway is not an Istio Gateway', () => {
    const root = dir({ 'g.yaml': 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: x}\nspec: {}\n' });
    assert.equal(loadOfflineSnapshot([root]).snapshot.gateways.length, 0);
  });

  const errors: [string, Record<string, string>, string, RegExp][] = [
    ['a missing file', {}, 'nope.yaml', /nope\.yaml: no such file or directory/],
    ['invalid YAML, with the line', { 'bad.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n' }, 'bad.yaml', /bad\.yaml:\d+: invalid YAML/],
    ['invalid JSON, with the line', { 'bad.json': '{\n"a": 1,\n}' }, 'bad.json', /bad\.json: invalid JSON at line 3/],
  ];
  for (const [name, files, target, message] of errors) {
    it(`says which file is wrong for ${name}`, () => {
      const root = dir(files);
      assert.throws(() => loadOfflineSnapshot([join(root, target)]), (e: unknown) => e instanceof ManifestError && message.test(e.message));
    });
  }

  it('reports the line of a YAML error in the second document', () => {
    const root = dir({ 'two.yaml': `${gateway}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: "unterminated\n` });
    assert.throws(
      () => loadOfflineSnapshot([join(root, 'two.yaml')]),
      (e: unknown) => e instanceof ManifestError && /two\.yaml:(1[2-9]|2\d): invalid YAML/.test(e.message),
    );
  });
});
