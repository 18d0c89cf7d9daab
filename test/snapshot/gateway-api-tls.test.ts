// The Istio server mode istiod builds for a Gateway-API listener (pilot/pkg/config/kube/gateway/conversion.go:
// resolveGatewayTLS, buildTLS), which the probe, the checks, status and the simulator share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asksClientCertificate, listenerTlsMode } from '../../src/snapshot/gateway-api-tls.js';
import type { FrontendTLSValidation, GatewayListener, KubernetesGateway } from '../../src/snapshot/types.js';

const https = (over: Partial<GatewayListener> = {}, options?: Record<string, string>): GatewayListener => ({
  name: 'https',
  port: 443,
  protocol: 'HTTPS',
  hostname: 'shop.example.com',
  tls: { mode: 'Terminate', certificateRefs: [{ name: 'shop-tls' }], ...(options ? { options } : {}) },
  ...over,
});
const gw = (frontend?: NonNullable<NonNullable<KubernetesGateway['spec']['tls']>['frontend']>): KubernetesGateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'web', namespace: 'istio-ingress' },
  spec: { gatewayClassName: 'istio', ...(frontend ? { tls: { frontend } } : {}) },
});
const ca = (mode?: string): FrontendTLSValidation => ({ caCertificateRefs: [{ kind: 'ConfigMap', name: 'partners-ca' }], ...(mode ? { mode } : {}) });

describe('listenerTlsMode: what istiod builds for a listener', () => {
  it('a Terminate listener without frontend validation or options is SIMPLE; Passthrough is PASSTHROUGH; no tls block is none', () => {
    assert.equal(listenerTlsMode(gw(), https()), 'SIMPLE');
    assert.equal(listenerTlsMode(gw(), https({ protocol: 'TLS', tls: { mode: 'Passthrough' } })), 'PASSTHROUGH');
    assert.equal(listenerTlsMode(gw(), { name: 'http', port: 80, protocol: 'HTTP' }), undefined);
  });

  it('frontend validation naming a CA: MUTUAL, or OPTIONAL_MUTUAL with AllowInsecureFallback', () => {
    assert.equal(listenerTlsMode(gw({ default: { validation: ca() } }), https()), 'MUTUAL');
    assert.equal(listenerTlsMode(gw({ default: { validation: ca('AllowValidOnly') } }), https()), 'MUTUAL');
    assert.equal(listenerTlsMode(gw({ default: { validation: ca('AllowInsecureFallback') } }), https()), 'OPTIONAL_MUTUAL');
    // validation without a CA asks for nothing
    assert.equal(listenerTlsMode(gw({ default: { validation: { caCertificateRefs: [] } } }), https()), 'SIMPLE');
  });

  it('a perPort entry for the listener port replaces the default, even one without validation; other ports keep the default', () => {
    const frontend = { default: { validation: ca() }, perPort: [{ port: 443, tls: {} }, { port: 8443, tls: { validation: ca('AllowInsecureFallback') } }] };
    assert.equal(listenerTlsMode(gw(frontend), https()), 'SIMPLE');
    assert.equal(listenerTlsMode(gw(frontend), https({ port: 8443 })), 'OPTIONAL_MUTUAL');
    assert.equal(listenerTlsMode(gw(frontend), https({ port: 9443 })), 'MUTUAL');
  });

  it('the tls-terminate-mode option: MUTUAL/OPTIONAL_MUTUAL win over frontend validation; ISTIO_SIMPLE/ISTIO_MUTUAL are the built-in certificates', () => {
    const opt = (v: string) => ({ 'gateway.istio.io/tls-terminate-mode': v });
    assert.equal(listenerTlsMode(gw(), https({}, opt('MUTUAL'))), 'MUTUAL');
    assert.equal(listenerTlsMode(gw({ default: { validation: ca() } }), https({}, opt('OPTIONAL_MUTUAL'))), 'OPTIONAL_MUTUAL');
    assert.equal(listenerTlsMode(gw({ default: { validation: ca('AllowInsecureFallback') } }), https({}, opt('MUTUAL'))), 'MUTUAL');
    assert.equal(listenerTlsMode(gw({ default: { validation: ca() } }), https({}, opt('ISTIO_SIMPLE'))), 'ISTIO_SIMPLE');
    assert.equal(listenerTlsMode(gw(), https({}, opt('ISTIO_MUTUAL'))), 'ISTIO_MUTUAL');
    assert.equal(listenerTlsMode(gw(), https({}, opt('SOMETHING_ELSE'))), 'SIMPLE');
  });

  it('asks a client for a certificate only in the mutual modes', () => {
    assert.deepEqual(
      (['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL', 'ISTIO_SIMPLE', 'ISTIO_MUTUAL', 'PASSTHROUGH', undefined] as const).map(asksClientCertificate),
      [false, true, true, false, true, false, false],
    );
  });
});
