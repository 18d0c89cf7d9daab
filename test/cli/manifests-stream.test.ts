// The offline reader streams (issue 10, peak RSS at scale): documents come out of a file one at a time,
// each converted to plain JS before the next is parsed, and go straight into the snapshot (no copy
// of objects the reader parsed for it). Same documents as before; List items never share objects.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManifestError, loadOfflineSnapshot, manifestDocuments, parseManifestText } from '../../src/manifests/index.js';

const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: apps}\nspec: {ports: [{port: 80}]}\n`;

describe('offline reader, document by document', () => {
  it('yields each document before the next one is parsed: a broken third document fails only when reached', () => {
    const text = `${svc('a')}---\n${svc('b')}---\napiVersion: v1\nkind: Service\nmetadata: {name: c\n  x: [\n`;
    const docs = manifestDocuments(text, 'x.yaml');
    assert.equal((docs.next().value as { metadata: { name: string } }).metadata.name, 'a');
    assert.equal((docs.next().value as { metadata: { name: string } }).metadata.name, 'b');
    assert.throws(() => docs.next(), (e: Error) => e instanceof ManifestError && /^x\.yaml:13: invalid YAML: /.test(e.message));
  });

  it('gives the same documents as parsing the whole text (YAML with empty documents, JSON arrays)', () => {
    const yaml = `---\n${svc('a')}---\n# only a comment\n---\n${svc('b')}`;
    assert.deepEqual(parseManifestText(yaml, 'y.yaml'), [...manifestDocuments(yaml, 'y.yaml')]);
    assert.equal(parseManifestText(yaml, 'y.yaml').length, 2);
    const json = JSON.stringify([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'j' } }, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'k' } }]);
    assert.deepEqual([...manifestDocuments(json, 'l.json')].map((d) => (d as { metadata: { name: string } }).metadata.name), ['j', 'k']);
  });

  it('List items that share an object through a YAML alias are separate objects in the snapshot', () => {
    const root = mkdtempSync(join(tmpdir(), 'istio-tls-stream-'));
    writeFileSync(
      join(root, 'list.yaml'),
      'kind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: Service, metadata: &m {name: s1}, spec: {ports: &p [{port: 80}]}}\n- {apiVersion: v1, kind: Service, metadata: {name: s2}, spec: {ports: *p}}\n',
    );
    const { snapshot } = loadOfflineSnapshot([root]);
    const [s1, s2] = snapshot.services;
    assert.deepEqual([s1.metadata.name, s2.metadata.name], ['s1', 's2']);
    assert.notEqual(s1.spec.ports, s2.spec.ports);
    assert.deepEqual(s1.spec.ports, s2.spec.ports);
  });

  it('the snapshot names every file read, in order', () => {
    const root = mkdtempSync(join(tmpdir(), 'istio-tls-stream-'));
    writeFileSync(join(root, 'b.yaml'), svc('b'));
    writeFileSync(join(root, 'a.yaml'), svc('a'));
    const { snapshot } = loadOfflineSnapshot([root]);
    assert.deepEqual(snapshot.source.files, [join(root, 'a.yaml'), join(root, 'b.yaml')]);
    assert.deepEqual(snapshot.services.map((s) => s.metadata.name), ['a', 'b']);
  });
});
