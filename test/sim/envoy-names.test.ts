// The simulated Envoy names its SDS secrets as istiod does (pilot/pkg/model/credentials/resource.go,
// pilot/pkg/config/kube/gateway/conversion.go), so the doctor meets the names a real gateway holds.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { materializeScenario } from '../../src/sim/materialize.js';
import { buildPodModel, sdsResourceName, secretOfResource } from '../../src/sim/envoy.js';
import { loadScenario } from '../../src/sim/scenario.js';

describe('SDS resource names', () => {
  it('credentialName → resource name, as ToResourceName makes it', () => {
    assert.equal(sdsResourceName('shop-tls'), 'kubernetes://shop-tls');
    assert.equal(sdsResourceName('istio-system/shop-tls'), 'kubernetes://istio-system/shop-tls');
    assert.equal(sdsResourceName('kubernetes://shop-tls'), 'kubernetes://shop-tls');
    assert.equal(sdsResourceName('kubernetes-gateway://shop/shop-tls'), 'kubernetes-gateway://shop/shop-tls');
    assert.equal(sdsResourceName('sds://shop-tls'), 'kubernetes://shop-tls', 'no SDS socket or provider: the ADS fallback');
    assert.equal(sdsResourceName('builtin://'), undefined);
  });

  it('resource name → the Secret it reads (ParseResourceName)', () => {
    assert.deepEqual(secretOfResource('kubernetes://shop-tls', 'istio-system'), { namespace: 'istio-system', name: 'shop-tls' });
    assert.deepEqual(secretOfResource('kubernetes://shop/shop-tls', 'istio-system'), { namespace: 'shop', name: 'shop-tls' });
    assert.deepEqual(secretOfResource('kubernetes-gateway://shop/shop-tls', 'istio-ingress'), { namespace: 'shop', name: 'shop-tls' });
    assert.equal(secretOfResource('kubernetes-gateway://shop-tls', 'istio-ingress'), undefined, 'kubernetes-gateway needs a namespace');
    assert.equal(secretOfResource('file-cert:/a~/b', 'istio-system'), undefined);
  });

  it('an Istio Gateway with credentialName ns/name: Envoy holds kubernetes://ns/name, ACTIVE', async () => {
    const base = join('test', 'scenarios', 'inpod-healthy-sds');
    const { dir } = await materializeScenario(base, { now: new Date() });
    const shop = readFileSync(join(dir, 'shop.yaml'), 'utf8');
    assert.match(shop, /credentialName: shop-tls/);
    writeFileSync(join(dir, 'shop.yaml'), shop.replace('credentialName: shop-tls', 'credentialName: istio-system/shop-tls'));
    const state = loadScenario(dir);
    const model = buildPodModel(state, 'istio-system', 'istio-ingressgateway-7f9d8c6b4-q7wzt');
    assert.deepEqual(model?.secrets.map((s) => [s.name, s.state]), [['kubernetes://istio-system/shop-tls', 'ACTIVE']]);
  });

  it('a Gateway API gateway pod: kubernetes-gateway://<ns>/<name> per certificateRef, on the listener port', async () => {
    const { dir } = await materializeScenario(join('test', 'scenarios', 'gateway-api-healthy'), { now: new Date() });
    const state = loadScenario(dir);
    const pod = state.objects.find((o) => o.type.kind === 'Pod' && o.namespace === 'istio-ingress');
    assert.ok(pod);
    const model = buildPodModel(state, 'istio-ingress', pod.name);
    assert.deepEqual(model?.secrets.map((s) => [s.name, s.state]), [['kubernetes-gateway://istio-ingress/shop-tls', 'ACTIVE']]);
    assert.deepEqual(model?.listeners.map((l) => [l.port, l.serverNames]), [[443, ['shop.example.com']]]);
  });
});
