// Where each -f object is written (src/manifests/positions.ts), recorded only when asked for.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOfflineSnapshot, originKey } from '../../src/manifests/index.js';

const GW = (name: string, ns?: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
${ns ? `  namespace: ${ns}\n` : ''}spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com, "ns1/b.example.com"]
    tls: {mode: SIMPLE, credentialName: a-tls}
`;

describe('object positions for -o sarif', () => {
  const dir = mkdtempSync(join(tmpdir(), 'istio-tls-pos-'));
  writeFileSync(join(dir, 'a.yaml'), `# leading comment\n${GW('one', 'istio-system')}---\n${GW('two')}`);
  writeFileSync(join(dir, 'list.yaml'), `apiVersion: v1\nkind: List\nitems:\n- apiVersion: gateway.networking.k8s.io/v1\n  kind: Gateway\n  metadata: {name: k8s, namespace: web}\n  spec: {gatewayClassName: istio, listeners: [{name: h, hostname: c.example.com, port: 443, protocol: HTTPS}]}\n`);
  writeFileSync(join(dir, 'b.json'), JSON.stringify([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'web' }, spec: {} }], null, 2));

  it('records file, line and field lines of every object: multi-doc YAML, a List, a JSON array', () => {
    const { origins, snapshot } = loadOfflineSnapshot([dir], { positions: true });
    assert.ok(origins);
    const one = origins.get(originKey('Gateway', 'istio-system', 'one'))!;
    assert.equal(one.file, join(dir, 'a.yaml'));
    assert.equal(one.line, 2);
    const field = (o: typeof one, path: string) => o.fields.find((f) => f.path === path);
    assert.deepEqual([field(one, 'spec.servers.0.hosts.1')?.value, field(one, 'spec.servers.0.hosts.1')?.line], ['ns1/b.example.com', 10]);
    assert.equal(field(one, 'spec.servers.0.tls.credentialName')?.line, 11);
    // no namespace: found under default too, as the snapshot holds it
    const two = origins.get(originKey('Gateway', 'default', 'two'))!;
    assert.equal(two.line, 13);
    assert.equal(snapshot.gateways.find((g) => g.metadata.name === 'two')?.metadata.namespace, 'default');
    // a Gateway-API Gateway in a List, keyed as findings name it
    const k8s = origins.get(originKey('Gateway.gateway.networking.k8s.io', 'web', 'k8s'))!;
    assert.equal(k8s.line, 4);
    assert.equal(field(k8s, 'spec.listeners.0.hostname')?.line, 7);
    // JSON goes through the YAML parser for its positions, with the same objects
    assert.equal(origins.get(originKey('Service', 'web', 'svc'))?.line, 2);
    assert.equal(snapshot.services.length, 1);
  });

  it('records nothing unless asked (the parse is unchanged)', () => {
    assert.equal(loadOfflineSnapshot([dir]).origins, undefined);
  });
});
