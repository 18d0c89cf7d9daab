// The live TLS probe against the simulated cluster's real TLS listeners (src/sim/tls.ts), and the
// simulator's filter-chain rules on their own.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { connect, createServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { loadLiveSnapshot } from '../../src/cluster/index.js';
import { alertOf, probeTargets } from '../../src/cluster/probe.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { readClientHello, selectChain, type SimChain } from '../../src/sim/tls.js';
import type { Snapshot, TlsHandshake } from '../../src/snapshot/types.js';
import { issueCert, chainPem } from '../../src/testing/certgen.js';
import { BASIC, scenarioWith } from '../sim/helpers.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';

const TIMEOUT = 5000;

const CERTS = `- name: root
  cn: Example Root CA
  ca: true
- name: web
  cn: web.example.com
  dns: [web.example.com]
  issuer: root
  notAfter: "+60d"
- name: web-old
  cn: web.example.com
  dns: [web.example.com]
  issuer: root
  notBefore: "-80d"
  notAfter: "+5d"
- name: wild
  cn: "*.example.com"
  dns: ["*.example.com"]
  issuer: root
- name: shop-p384
  cn: shop.example.com
  dns: [shop.example.com]
  keyType: p384
  issuer: root
`;

const EXTRA = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: wild-gateway, namespace: web}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*.example.com"]
    tls: {mode: SIMPLE, credentialName: wild-cert}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-gateway, namespace: web}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-cert}
---
apiVersion: v1
kind: Secret
metadata: {name: wild-cert, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.crt: {{b64:chain:wild}}
  tls.key: {{b64:key:wild}}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.crt: {{b64:chain:shop-p384}}
  tls.key: {{b64:key:shop-p384}}
`;

function find(snap: Snapshot, sni: string | undefined): TlsHandshake {
  const h = snap.probe?.handshakes.find((x) => x.sni === sni);
  assert.ok(h, `a handshake for ${sni ?? 'no SNI'}: ${JSON.stringify(snap.probe)}`);
  return h;
}

function leafCn(h: TlsHandshake): string {
  const pem = h.chainPem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  assert.ok(pem, 'a served chain');
  return new X509Certificate(pem).subject;
}

describe('live TLS probe over the simulated gateway', () => {
  let sim: Sim;
  let snap: Snapshot;
  before(async () => {
    sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'certs.yaml': CERTS, 'probe.yaml': EXTRA }) });
    snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
  });
  after(async () => sim?.stop());

  it('gets the exact host its own certificate with ALPN h2, even beside a wildcard server', () => {
    const h = find(snap, 'web.example.com');
    assert.equal(h.outcome, 'handshake');
    assert.equal(h.alpn, 'h2');
    assert.equal(h.port, 8443, 'the Service targetPort, not the Gateway port');
    assert.equal(h.gatewayPort, 443);
    assert.match(leafCn(h), /CN=web\.example\.com/);
    assert.match(h.leafSha256 ?? '', /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  });

  it('gets a reset without SNI when every filter chain names hosts', () => {
    assert.equal(find(snap, undefined).outcome, 'reset');
  });

  it('gets a reset for a P-384 certificate on Envoy 1.32 (Istio 1.24), which refuses to load it', () => {
    assert.equal(find(snap, 'shop.example.com').outcome, 'reset');
  });

  it('probes the wildcard host through a name under it, which Envoy matches to the wildcard chain', () => {
    const h = find(snap, 'istio-tls-doctor-probe.example.com');
    assert.equal(h.outcome, 'handshake');
    assert.match(leafCn(h), /CN=\*\.example\.com/);
  });

  it('makes one handshake per host and port', () => {
    assert.deepEqual(snap.probe?.handshakes.map((h) => h.sni ?? '').sort(), ['', 'istio-tls-doctor-probe.example.com', 'shop.example.com', 'web.example.com']);
    const forwards = sim.requestLog.filter((e) => e.action === 'portforward' && e.ports?.[0] === 8443);
    assert.equal(forwards.length, 4, 'one port-forward per handshake');
  });

});

describe('what the pod serves differs from the Secret (scenario.json served)', () => {
  let sim: Sim;
  let snap: Snapshot;
  before(async () => {
    const served = [{ pod: 'istio-system/istio-ingressgateway-7d4f9c-abcde', credential: 'web-cert', chain: '{{chain:web-old}}', key: '{{key:web-old}}' }];
    sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'certs.yaml': CERTS, 'scenario.json': { served } }) });
    snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
  });
  after(async () => sim?.stop());

  it('serves the overriding chain, not the Secret', () => {
    const h = find(snap, 'web.example.com');
    const secret = snap.secrets.find((s) => s.metadata.name === 'web-cert')!;
    const secretLeaf = new X509Certificate(Buffer.from(secret.data!['tls.crt'], 'base64').toString()).fingerprint256;
    assert.equal(h.outcome, 'handshake');
    assert.notEqual(h.leafSha256, secretLeaf);
  });
});

describe('port-forward refused, and --no-probe', () => {
  it('records the refusal as unreadable pods/portforward, and no handshake', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { deny: [{ verb: 'create', resource: 'pods/portforward' }] } }) });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
      assert.equal(snap.probe?.state, 'forbidden');
      assert.deepEqual(snap.probe?.handshakes, []);
      const u = snap.unreadable.find((x) => x.resource === 'pods/portforward');
      assert.ok(u, JSON.stringify(snap.unreadable));
      assert.equal(u.status, 403);
      assert.equal(u.namespace, 'istio-system');
      assert.match(u.impact ?? '', /live probe/);
    } finally {
      await sim.stop();
    }
  });

  it('makes no port-forward to a TLS port with probe: false', async () => {
    const sim = await startSim({ scenarioDir: BASIC });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, probe: false });
      assert.equal(snap.probe, undefined);
      assert.ok(!sim.requestLog.some((e) => e.action === 'portforward' && e.ports?.[0] === 8443));
    } finally {
      await sim.stop();
    }
  });
});

describe('a gateway pod that never answers', () => {
  it('records the timeouts as unknown (unreadable, status 0), and skips the pod when its admin port-forward already timed out', async () => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'scenario.json': { hang: ['istio-system/istio-ingressgateway-7d4f9c-abcde'] } }) });
    try {
      const probed = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, inspect: false, probe: true, inspectTimeoutMs: 300 });
      assert.deepEqual(probed.probe?.handshakes.map((h) => h.outcome), ['timeout', 'timeout']);
      const u = probed.unreadable.filter((x) => x.resource === 'pods/portforward');
      assert.equal(u.length, 1, 'one entry per pod');
      assert.equal(u[0].status, 0);
      assert.match(u[0].impact ?? '', /web\.example\.com/);
      const both = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, inspectTimeoutMs: 300 });
      assert.equal(both.inspections[0].envoy.state, 'timeout');
      assert.equal(both.probe?.state, 'skipped');
    } finally {
      await sim.stop();
    }
  });
});

describe('probe targets', () => {
  it('skips pods that are not Ready and servers that do not terminate TLS', async () => {
    const sim = await startSim({ scenarioDir: BASIC });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT, probe: false, inspect: false });
      assert.equal(probeTargets(snap).length, 2, 'web.example.com and no SNI');
      const gw = snap.gateways[0];
      const passthrough = { ...gw, spec: { ...gw.spec, servers: gw.spec.servers!.map((s) => ({ ...s, tls: { mode: 'PASSTHROUGH' } })) } };
      assert.equal(probeTargets({ ...snap, gateways: [passthrough] }).length, 0);
      const notReady = snap.pods.map((p) => ({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } }));
      assert.equal(probeTargets({ ...snap, pods: notReady }).length, 0);
    } finally {
      await sim.stop();
    }
  });
});

describe("the simulator keeps a host's first server in istiod's order, not the documents' order", () => {
  const gw = (name: string, created: string, cred: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: web, creationTimestamp: "${created}"}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [dup.example.com]
    tls: {mode: SIMPLE, credentialName: ${cred}}`;
  const secret = (name: string, cert: string) => `apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: "{{b64:chain:${cert}}}", tls.key: "{{b64:key:${cert}}}"}`;
  const served = async (docs: string[]) => {
    const sim = await startSim({ scenarioDir: scenarioWith(BASIC, { 'certs.yaml': CERTS, 'dup.yaml': [...docs, secret('web-cert', 'web'), secret('wild-cert', 'wild')].join('\n---\n') }) });
    try {
      return leafCn(find(await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT }), 'dup.example.com'));
    } finally {
      await sim.stop();
    }
  };
  it('the older Gateway wins although its document comes second', async () => {
    assert.match(await served([gw('gw-a', '2024-06-01T00:00:00Z', 'web-cert'), gw('gw-b', '2024-01-01T00:00:00Z', 'wild-cert')]), /CN=\*\.example\.com/);
  });
  it('created in the same second: the name that sorts first wins', async () => {
    assert.match(await served([gw('gw-b', '2024-01-01T00:00:00Z', 'web-cert'), gw('gw-a', '2024-01-01T00:00:00Z', 'wild-cert')]), /CN=\*\.example\.com/);
  });
});

describe('probe targets: every Ready pod, and Gateway-API listeners', () => {
  const pod = (name: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.1}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`;
  const server = (host: string, cred: string) => `
  - port: {number: 443, name: https-${host.split('.')[0]}, protocol: HTTPS}
    hosts: ["${host}"]
    tls: {mode: SIMPLE, credentialName: ${cred}}`;
  const yaml = [
    pod('gw-b'),
    pod('gw-a'),
    `apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, ports: [{name: https, port: 443, targetPort: 8443}]}`,
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:${server('a.example.com', 'wild-tls')}${server('b.example.com', 'wild-tls')}${server('c.example.com', 'c-tls')}`,
  ].join('\n---\n');
  const key = (t: { pod: { metadata: { name: string } }; port: number; sni?: string }) => `${t.pod.metadata.name}|${t.port}|${t.sni ?? ''}`;

  it('probes every host on the first Ready pod by name, and one host per distinct certificate on every other pod', () => {
    const targets = probeTargets(snapshotFromYaml(yaml)).map(key).sort();
    assert.deepEqual(targets, [
      'gw-a|8443|', 'gw-a|8443|a.example.com', 'gw-a|8443|b.example.com', 'gw-a|8443|c.example.com',
      'gw-b|8443|a.example.com', 'gw-b|8443|c.example.com',
    ]);
  });

  it('leaves out a Gateway-API listener serving the built-in certificate (tls-terminate-mode ISTIO_SIMPLE): no Secret to compare with', () => {
    const k8s = [
      `apiVersion: v1
kind: Pod
metadata: {name: web-istio-1, namespace: istio-ingress, labels: {gateway.networking.k8s.io/gateway-name: web}}
spec: {containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.1}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}`,
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - {name: https, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {mode: Terminate, certificateRefs: [{name: a-tls}]}}
  - {name: mesh, port: 8443, protocol: HTTPS, hostname: b.example.com, tls: {mode: Terminate, options: {gateway.istio.io/tls-terminate-mode: ISTIO_SIMPLE}}}
  - {name: partners, port: 9443, protocol: HTTPS, hostname: c.example.com, tls: {mode: Terminate, certificateRefs: [{name: c-tls}], options: {gateway.istio.io/tls-terminate-mode: MUTUAL}}}`,
    ].join('\n---\n');
    const targets = probeTargets(snapshotFromYaml(k8s)).map(key).sort();
    assert.deepEqual(targets, ['web-istio-1|443|', 'web-istio-1|443|a.example.com', 'web-istio-1|9443|', 'web-istio-1|9443|c.example.com']);
  });

  it('probes a Gateway-API listener on the pods Istio labels with its name, through its hostname', async () => {
    const sim = await startSim({ scenarioDir: 'test/scenarios/gateway-api-healthy' });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: TIMEOUT });
      const h = snap.probe?.handshakes.find((x) => x.pod.startsWith('web-istio-') && x.sni === 'shop.example.com');
      assert.ok(h, JSON.stringify(snap.probe?.handshakes.map((x) => [x.pod, x.port, x.sni])));
      assert.equal(h.outcome, 'handshake');
      assert.equal(h.namespace, 'istio-ingress');
      assert.equal(h.port, 443);
      assert.match(leafCn(h), /CN=shop\.example\.com/);
    } finally {
      await sim.stop();
    }
  });
});

describe('TLS alerts by name', () => {
  it('reads the alert a real server sends (no_application_protocol)', async () => {
    const leaf = await issueCert({ cn: 'a.example.com', dns: ['a.example.com'] });
    const server = createServer({ cert: chainPem(leaf), key: leaf.keyPem, ALPNProtocols: ['x-none'] });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername: 'a.example.com', ALPNProtocols: ['h2'], rejectUnauthorized: false });
      const [err] = (await once(socket, 'error').catch((e: unknown) => [e])) as [Error];
      assert.deepEqual(alertOf(err), { code: 120, name: 'no_application_protocol' });
    } finally {
      server.close();
    }
  });

  it('names no alert for a plain socket error', () => {
    assert.equal(alertOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), undefined);
  });
});

describe("the simulator's filter-chain match (Envoy's rules)", () => {
  const chain = (from: string, serverNames: string[]): SimChain => ({ from, serverNames, alpn: [], mutual: false, requireClient: false });
  const chains = [chain('exact', ['a.example.com']), chain('wild', ['*.example.com']), chain('deep', ['*.b.example.com'])];

  it('exact name first, then the longest wildcard suffix, which covers several labels', () => {
    assert.equal(selectChain(chains, 'a.example.com')?.from, 'exact');
    assert.equal(selectChain(chains, 'x.example.com')?.from, 'wild');
    assert.equal(selectChain(chains, 'x.b.example.com')?.from, 'deep');
    assert.equal(selectChain(chains, 'x.y.example.com')?.from, 'wild');
  });

  it('no match and no SNI find nothing unless a chain names no host', () => {
    assert.equal(selectChain(chains, 'example.org'), undefined);
    assert.equal(selectChain(chains, undefined), undefined);
    const withDefault = [...chains, chain('default', [])];
    assert.equal(selectChain(withDefault, 'example.org')?.from, 'default');
    assert.equal(selectChain(withDefault, undefined)?.from, 'default');
  });

  it('reads the SNI from a real ClientHello, and its absence', async () => {
    const hello = async (servername?: string): Promise<Buffer> => {
      let first: (b: Buffer) => void = () => {};
      const written = new Promise<Buffer>((r) => (first = r));
      const wire = new Duplex({
        read() {},
        write(c: Buffer, _e, cb) {
          first(c);
          cb();
        },
      });
      const s = connect({ socket: wire, ...(servername ? { servername } : {}), rejectUnauthorized: false });
      s.on('error', () => {});
      const bytes = await written;
      s.destroy();
      return bytes;
    };
    assert.deepEqual(readClientHello(await hello('shop.example.com')), { state: 'ok', sni: 'shop.example.com' });
    assert.deepEqual(readClientHello(await hello()), { state: 'ok' });
    assert.deepEqual(readClientHello((await hello('a.b'))!.subarray(0, 20)), { state: 'partial' });
    assert.deepEqual(readClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { state: 'not-tls' });
  });
});
