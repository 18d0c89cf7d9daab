// Istio's captured Envoy admin output (test/fixtures/envoy) through the doctor's real readers: the
// port-forward HTTP/1.1 reader (served as Envoy frames it) and the config_dump parsers of
// src/cluster/inspect.ts. Gateway-shaped variants are derived from the captures (derive.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Http1ResponseReader } from '../../src/cluster/http1.js';
import { parseListeners, parseSecrets } from '../../src/cluster/inspect.js';
import { envoyAdminWrites, forwardSlices } from '../../src/sim/envoy-http.js';
import { configDumpDocument, filterConfigDump } from '../../src/sim/envoy.js';
import { parseCertificates } from '../../src/tls/index.js';
import { captured, capturedText, gatewayVariant } from '../fixtures/envoy/derive.js';

const NAMES = ['secret-istio', 'secret-spire', 'proxyconfig'] as const;

/** The body as the doctor receives it over a port-forward from Envoy: head, chunked body, 32 KiB frames. */
function overTheWire(body: string): string {
  const reader = new Http1ResponseReader();
  const answers = envoyAdminWrites(200, 'application/json', body, { close: true, date: new Date() })
    .flatMap((w) => forwardSlices(w))
    .flatMap((frame) => reader.push(frame));
  assert.equal(reader.error, undefined);
  assert.equal(answers.length, 1);
  return answers[0].body;
}

function keyPaths(v: unknown, prefix = ''): string[] {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [prefix];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => keyPaths(x, prefix ? `${prefix}.${k}` : k));
}

describe("Istio's captured config dumps", () => {
  it('arrive whole through the chunked port-forward reader (the 56 KB dump spans two frames)', () => {
    for (const name of NAMES) assert.equal(overTheWire(capturedText(name)), capturedText(name));
  });

  it('parse into Envoy secrets with their states and certificates, never a key', () => {
    const istio = parseSecrets(overTheWire(capturedText('secret-istio')));
    assert.deepEqual(
      istio.map((s) => [s.name, s.state]),
      [
        ['default', 'ACTIVE'],
        ['ROOTCA', 'ACTIVE'],
        ['configmap://some/thing', 'WARMING'],
      ],
    );
    assert.equal(istio[2].versionInfo, 'uninitialized');
    assert.equal(istio[0].lastUpdated, '2023-05-15T01:32:52.262Z');
    // istioctl's own expected output for this dump: serials 6fbee254… (leaf) and 0193a543… (root)
    assert.equal(parseCertificates(istio[0].certificateChainPem ?? '').certificates[0].serialNumber.toLowerCase(), '6fbee254c22900615cb1f74e3d2f1713');
    assert.equal(parseCertificates(istio[1].certificateChainPem ?? '').certificates[0].serialNumber.toLowerCase(), '0193a543fe2b0d9cd4847675394dfc54');
    const spire = parseSecrets(capturedText('secret-spire'));
    assert.deepEqual(spire.map((s) => s.name), ['default', 'ROOTCA']);
    // the SPIRE root is a SPIFFE validator: empty trusted_ca, one bundle per trust domain (east.local, west.local)
    assert.equal(parseCertificates(spire[1].certificateChainPem ?? '').certificates.length, 2);
    const whole = parseSecrets(capturedText('proxyconfig'));
    assert.deepEqual(whole.map((s) => [s.name, s.state]), [
      ['default', 'ACTIVE'],
      ['ROOTCA', 'ACTIVE'],
    ]);
    for (const s of [...istio, ...spire, ...whole]) assert.doesNotMatch(JSON.stringify(s), /PRIVATE KEY|redacted/);
  });

  it("read the same through Envoy's mask= and resource= filters, as the doctor asks for them", () => {
    for (const name of NAMES) {
      const masked = filterConfigDump(captured(name) as never, undefined, ['dynamic_active_secrets', 'dynamic_warming_secrets']);
      assert.equal(masked.status, 200);
      assert.deepEqual(parseSecrets(JSON.stringify(masked.body)), parseSecrets(capturedText(name)));
    }
    const listeners = filterConfigDump(captured('proxyconfig') as never, 'dynamic_listeners', ['name', 'error_state']);
    assert.deepEqual(listeners.body, { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener', name: 'main_internal' }] });
    assert.deepEqual(parseListeners(JSON.stringify(listeners.body)), [], 'an accepted listener is no rejection');
  });

  it('gateway-shaped variants keep the names Istio gives gateway resources', () => {
    const cases: [Record<string, string>, string[], [string, string][]][] = [
      [{ default: 'kubernetes://istio-system/shop-tls', ROOTCA: 'kubernetes://istio-system/shop-tls-cacert' }, [], [['kubernetes://istio-system/shop-tls', 'ACTIVE'], ['kubernetes://istio-system/shop-tls-cacert', 'ACTIVE'], ['configmap://some/thing', 'WARMING']]],
      [{ default: 'kubernetes-gateway://shop/shop-tls' }, [], [['kubernetes-gateway://shop/shop-tls', 'ACTIVE'], ['ROOTCA', 'ACTIVE'], ['configmap://some/thing', 'WARMING']]],
      [
        { default: 'file-cert:/etc/istio/ingressgateway-certs/tls.crt~/etc/istio/ingressgateway-certs/tls.key', ROOTCA: 'file-root:/etc/istio/ingressgateway-ca-certs/ca.crt' },
        [],
        [['file-cert:/etc/istio/ingressgateway-certs/tls.crt~/etc/istio/ingressgateway-certs/tls.key', 'ACTIVE'], ['file-root:/etc/istio/ingressgateway-ca-certs/ca.crt', 'ACTIVE'], ['configmap://some/thing', 'WARMING']],
      ],
      [{ default: 'kubernetes://shop-tls' }, ['kubernetes://shop-tls'], [['ROOTCA', 'ACTIVE'], ['configmap://some/thing', 'WARMING'], ['kubernetes://shop-tls', 'WARMING']]],
    ];
    for (const [renames, warming, want] of cases) {
      const v = gatewayVariant(captured('secret-istio'), renames, warming);
      assert.deepEqual(parseSecrets(overTheWire(JSON.stringify(v, null, 2))).map((s) => [s.name, s.state]), want);
    }
  });

  it("the simulator's secrets have the captured entries' shape", () => {
    const capturedSds = captured('secret-istio').configs[0] as { dynamic_active_secrets: unknown[]; dynamic_warming_secrets: unknown[] };
    const pem = parseCertificates(parseSecrets(capturedText('secret-istio'))[0].certificateChainPem ?? '').certificates[0].pem;
    const sim = configDumpDocument(
      {
        podKey: 'istio-system/gw',
        listeners: [],
        secrets: [
          { name: 'kubernetes://shop-tls', state: 'ACTIVE', chainPem: pem },
          { name: 'kubernetes://web-tls', state: 'WARMING' },
        ],
      },
      new Date('2026-12-03T07:00:00Z'),
    );
    const sds = (sim.configs as Record<string, unknown>[]).find((c) => String(c['@type']).endsWith('SecretsConfigDump')) as { dynamic_active_secrets: unknown[]; dynamic_warming_secrets: unknown[] };
    // the simulated gateway is fed by istiod over ADS, which versions its pushes: version_info aside
    assert.deepEqual(keyPaths(sds.dynamic_active_secrets[0]).filter((p) => p !== 'version_info').sort(), keyPaths(capturedSds.dynamic_active_secrets[0]).sort());
    assert.deepEqual(keyPaths(sds.dynamic_warming_secrets[0]).sort(), keyPaths(capturedSds.dynamic_warming_secrets[0]).sort());
  });
});
