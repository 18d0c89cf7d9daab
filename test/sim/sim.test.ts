import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { materializeScenario, parseWhen, substitute } from '../../src/sim/materialize.js';
import { startSim, type Sim } from '../../src/sim/server.js';
import { BASIC, hasKubectl, kubectl, kubectlMinor, rawRequest, scenarioWith } from './helpers.js';

const KUBECTL = hasKubectl();
const KUBECTL_WS_EXEC = KUBECTL && kubectlMinor() >= 29;
const GATEWAY_YAML = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: new-gateway
  namespace: web
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [new.example.com]
    tls: {mode: SIMPLE, credentialName: new-cert}
`;

describe('materializeScenario', () => {
  it('generates certificates and substitutes every placeholder form', async () => {
    const now = new Date('2026-11-24T00:00:00Z');
    const { dir } = await materializeScenario(BASIC, { now });
    const text = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    assert.ok(!text.includes('{{'), 'no placeholder left');
    const docs = text.split(/^---$/m).map((d) => parseYaml(d) as { kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string> });
    const tlsSecret = docs.find((d) => d.metadata.name === 'web-cert')!;
    const chain = Buffer.from(tlsSecret.data!['tls.crt'], 'base64').toString('utf8');
    assert.equal(chain.match(/BEGIN CERTIFICATE/g)?.length, 1, '{{chain:}} leaves out the self-signed root');
    const leaf = new X509Certificate(chain);
    assert.match(leaf.subjectAltName ?? '', /DNS:web\.example\.com/);
    assert.equal(new Date(leaf.validTo).toISOString().slice(0, 10), '2027-01-23', 'notAfter "+60d" is relative to materialization time');
    const key = Buffer.from(tlsSecret.data!['tls.key'], 'base64').toString('utf8');
    assert.match(key, /BEGIN PRIVATE\x20KEY/);
    const plain = docs.find((d) => d.metadata.name === 'plain')!;
    assert.match(plain.stringData!['ca.crt'], /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/, 'block scalar keeps its indentation');
    assert.ok(new X509Certificate(plain.stringData!['ca.crt']).ca);
  });

  it('unknown certificate names fail with the file named', () => {
    assert.throws(() => substitute('x: {{cert:nope}}', new Map(), 'a.yaml'), /a\.yaml.*"nope"/);
  });

  it('reads relative and absolute dates', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(parseWhen('-30d', now).toISOString(), '2025-12-02T00:00:00.000Z');
    assert.equal(parseWhen('+1y', now).toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(parseWhen('+2h30m', now).toISOString(), '2026-01-01T02:30:00.000Z');
    assert.equal(parseWhen('2030-05-01T00:00:00Z', now).toISOString(), '2030-05-01T00:00:00.000Z');
    assert.throws(() => parseWhen('soon', now), /cannot read date/);
  });
});

describe('simulated API server', () => {
  let sim: Sim;
  let denySim: Sim;
  before(async () => {
    const extra: Record<string, string> = {};
    const cms: string[] = [];
    for (let i = 0; i < 5; i++) cms.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: paged\ndata:\n  k: "${i}"`);
    extra['paged.yaml'] = cms.join('\n---\n');
    sim = await startSim({ scenarioDir: scenarioWith(BASIC, extra), logPath: join(mkdtempSync(join(tmpdir(), 'simlog-')), 'log.jsonl') });
    denySim = await startSim({
      scenarioDir: scenarioWith(BASIC, {
        'scenario.json': { deny: [{ verb: 'list', resource: 'secrets' }, { verb: 'get', resource: 'secrets', namespace: 'web' }], missingGroups: ['security.istio.io'] },
      }),
    });
  });
  after(async () => {
    await sim?.stop();
    await denySim?.stop();
  });

  it('real kubectl lists pods, services, secrets and Istio kinds across namespaces', { skip: !KUBECTL && 'kubectl not on PATH' }, async () => {
    const r = await kubectl(sim.kubeconfigPath, ['get', 'pods,svc,secrets,gateways.networking.istio.io,virtualservices,destinationrules', '-A']);
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['pod/istio-ingressgateway-7d4f9c-abcde', 'service/web', 'secret/web-cert', 'gateway.networking.istio.io/web-gateway', 'virtualservice.networking.istio.io/web', 'destinationrule.networking.istio.io/web']) {
      assert.ok(r.stdout.includes(name), `${name} in:\n${r.stdout}`);
    }
    // Server-side Table rows, as a real API server computes them for kubectl's default output.
    assert.match(r.stdout, /NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    assert.match(r.stdout, /pod\/web-1\s+0\/1\s+Pending/);
    assert.match(r.stdout, /secret\/web-cert\s+kubernetes\.io\/tls\s+2/);
  });

  it('real kubectl gets one object as JSON', { skip: !KUBECTL && 'kubectl not on PATH' }, async () => {
    const r = await kubectl(sim.kubeconfigPath, ['get', 'gateway', 'web-gateway', '-n', 'web', '-o', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const gw = JSON.parse(r.stdout) as { kind: string; spec: { servers: { tls: { credentialName: string } }[] } };
    assert.equal(gw.kind, 'Gateway');
    assert.equal(gw.spec.servers[0].tls.credentialName, 'web-cert');
    const missing = await kubectl(sim.kubeconfigPath, ['get', 'gateway', 'nope', '-n', 'web']);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /NotFound|not found/);
  });

  it('real kubectl apply --dry-run=client works, with and without validation', { skip: !KUBECTL && 'kubectl not on PATH' }, async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'gw-')), 'gw.yaml');
    writeFileSync(f, GATEWAY_YAML);
    for (const extra of [[], ['--validate=false']]) {
      const r = await kubectl(sim.kubeconfigPath, ['apply', '--dry-run=client', ...extra, '-f', f]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /gateway\.networking\.istio\.io\/new-gateway created \(dry run\)/);
    }
    assert.ok(sim.requestLog.every((e) => e.verb === 'GET'), 'client dry-run only reads');
  });

  it('real kubectl shows a 403 as Forbidden', { skip: !KUBECTL && 'kubectl not on PATH' }, async () => {
    const r = await kubectl(denySim.kubeconfigPath, ['get', 'secrets', '-A']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Forbidden|forbidden/);
    assert.match(r.stderr, /cannot list resource "secrets"/);
  });

  it('paginates with limit and continue in key order', async () => {
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const r = await rawRequest(sim.kubeconfigPath, 'GET', `/api/v1/namespaces/paged/configmaps?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      assert.equal(r.status, 200);
      const body = r.json() as { kind: string; metadata: { continue?: string; remainingItemCount?: number; resourceVersion: string }; items: { kind?: string; metadata: { name: string } }[] };
      assert.equal(body.kind, 'ConfigMapList');
      assert.ok(body.metadata.resourceVersion);
      assert.ok(body.items.length <= 2);
      assert.equal(body.items[0].kind, undefined, 'built-in list items carry no kind, like the real API');
      names.push(...body.items.map((i) => i.metadata.name));
      cont = body.metadata.continue ?? '';
      pages++;
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
  });

  it('rejects resourceVersion together with continue, and garbage continue tokens', async () => {
    const first = (await rawRequest(sim.kubeconfigPath, 'GET', '/api/v1/namespaces/paged/configmaps?limit=2')).json() as { metadata: { continue: string } };
    const both = await rawRequest(sim.kubeconfigPath, 'GET', `/api/v1/namespaces/paged/configmaps?limit=2&resourceVersion=5&continue=${encodeURIComponent(first.metadata.continue)}`);
    assert.equal(both.status, 400);
    const bad = await rawRequest(sim.kubeconfigPath, 'GET', '/api/v1/namespaces/paged/configmaps?limit=2&continue=%%%');
    assert.equal(bad.status, 400);
  });

  it('filters by label and field selectors, and rejects unsupported field labels', async () => {
    const list = async (q: string) => {
      const r = await rawRequest(sim.kubeconfigPath, 'GET', q);
      return { status: r.status, names: r.status === 200 ? (r.json().items as { metadata: { name: string } }[]).map((i) => i.metadata.name) : [] };
    };
    assert.deepEqual((await list('/api/v1/pods?labelSelector=istio%3Dingressgateway')).names, ['istio-ingressgateway-7d4f9c-abcde']);
    assert.deepEqual((await list('/api/v1/pods?labelSelector=app%20in%20(istiod,web)')).names, ['istiod-5c8d-xyz12', 'web-1']);
    assert.deepEqual((await list('/api/v1/pods?labelSelector=!istio')).names, ['istiod-5c8d-xyz12', 'web-1']);
    assert.deepEqual((await list('/api/v1/pods?fieldSelector=status.phase%3DPending')).names, ['web-1']);
    assert.deepEqual(
      (await list('/api/v1/secrets?fieldSelector=type!%3Dkubernetes.io%2Fservice-account-token,type!%3Dhelm.sh%2Frelease.v1')).names,
      ['web-cert', 'plain'],
    );
    assert.deepEqual((await list('/api/v1/secrets?fieldSelector=metadata.namespace%3Dweb,metadata.name%3Dplain')).names, ['plain']);
    assert.equal((await list('/api/v1/secrets?fieldSelector=data.x%3D1')).status, 400);
  });

  it('serves stringData folded into base64 data, and every version of an Istio kind', async () => {
    const s = (await rawRequest(sim.kubeconfigPath, 'GET', '/api/v1/namespaces/web/secrets/plain')).json() as { data: Record<string, string>; stringData?: unknown; type: string };
    assert.equal(s.stringData, undefined);
    assert.equal(s.type, 'Opaque');
    assert.match(Buffer.from(s.data['ca.crt'], 'base64').toString(), /BEGIN CERTIFICATE/);
    for (const v of ['v1', 'v1beta1', 'v1alpha3']) {
      const r = (await rawRequest(sim.kubeconfigPath, 'GET', `/apis/networking.istio.io/${v}/virtualservices`)).json() as { items: { apiVersion: string; kind: string }[] };
      assert.equal(r.items.length, 1);
      assert.equal(r.items[0].apiVersion, `networking.istio.io/${v}`, 'custom resources keep apiVersion in lists');
      assert.equal(r.items[0].kind, 'VirtualService');
    }
  });

  it('answers 401 without the client certificate', async () => {
    const r = await rawRequest(sim.kubeconfigPath, 'GET', '/api/v1/pods', { auth: false });
    assert.equal(r.status, 401);
    assert.equal(r.json().reason, 'Unauthorized');
    assert.equal(r.json().kind, 'Status');
  });

  it('answers 403 Status objects from deny rules, by verb and namespace', async () => {
    const list = await rawRequest(denySim.kubeconfigPath, 'GET', '/api/v1/secrets');
    assert.equal(list.status, 403);
    assert.deepEqual({ kind: list.json().kind, reason: list.json().reason, code: list.json().code }, { kind: 'Status', reason: 'Forbidden', code: 403 });
    assert.equal((await rawRequest(denySim.kubeconfigPath, 'GET', '/api/v1/namespaces/web/secrets/plain')).status, 403);
    assert.equal((await rawRequest(denySim.kubeconfigPath, 'GET', '/api/v1/namespaces/istio-system/secrets/web-cert')).status, 200);
    assert.equal((await rawRequest(denySim.kubeconfigPath, 'GET', '/api/v1/pods')).status, 200);
  });

  it('leaves missing CRD groups out of discovery and answers 404 on their paths', async () => {
    const groups = ((await rawRequest(denySim.kubeconfigPath, 'GET', '/apis')).json().groups as { name: string }[]).map((g) => g.name);
    assert.ok(groups.includes('networking.istio.io'));
    assert.ok(!groups.includes('security.istio.io'));
    const r = await rawRequest(denySim.kubeconfigPath, 'GET', '/apis/security.istio.io/v1/peerauthentications');
    assert.equal(r.status, 404);
    assert.equal(r.json().reason, 'NotFound');
  });

  it('answers access reviews from the deny rules and refuses writes with 405', async () => {
    const ssar = (attrs: Record<string, string>) =>
      rawRequest(denySim.kubeconfigPath, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } }),
      });
    const no = await ssar({ verb: 'list', resource: 'secrets', namespace: 'web' });
    assert.equal(no.status, 201);
    assert.equal((no.json().status as { allowed: boolean }).allowed, false);
    const yes = await ssar({ verb: 'list', resource: 'pods' });
    assert.equal((yes.json().status as { allowed: boolean }).allowed, true);
    const write = await rawRequest(denySim.kubeconfigPath, 'POST', '/api/v1/namespaces/web/secrets', { body: '{}' });
    assert.equal(write.status, 405);
    const del = await rawRequest(denySim.kubeconfigPath, 'DELETE', '/api/v1/namespaces/web/secrets/plain');
    assert.equal(del.status, 405);
    const logged = denySim.requestLog.filter((e) => e.status === 405).map((e) => `${e.verb} ${e.path} ${e.action}`);
    assert.deepEqual(logged, ['POST /api/v1/namespaces/web/secrets create', 'DELETE /api/v1/namespaces/web/secrets/plain delete']);
  });

  it('writes every request as a JSON line to the log file', async () => {
    await rawRequest(sim.kubeconfigPath, 'GET', '/version');
    const lines = readFileSync(sim.logPath ?? '', 'utf8').trim().split('\n');
    assert.equal(lines.length, sim.requestLog.length);
    const last = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    assert.deepEqual(Object.keys(last).slice(0, 4), ['verb', 'path', 'query', 'status']);
    assert.equal(last.path, '/version');
  });
});

describe('bearer token auth', () => {
  it('accepts the token it wrote and rejects requests without it', async () => {
    const sim = await startSim({ scenarioDir: BASIC, auth: 'token' });
    try {
      const kc = readFileSync(sim.kubeconfigPath, 'utf8');
      assert.match(kc, /token:/);
      assert.doesNotMatch(kc, /client-key-data/);
      assert.equal((await rawRequest(sim.kubeconfigPath, 'GET', '/api/v1/pods')).status, 200);
      assert.equal((await rawRequest(sim.kubeconfigPath, 'GET', '/api/v1/pods', { auth: false })).status, 401);
    } finally {
      await sim.stop();
    }
  });
});

describe('npm run sim', () => {
  it('prints exactly one ready line, serves, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-main-'));
    const kubeconfig = join(dir, 'kc');
    const log = join(dir, 'log.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/main.ts', '--scenario', BASIC, '--kubeconfig', kubeconfig, '--log', log], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ready = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out);
      });
      child.on('exit', (code) => reject(new Error(`sim exited ${code}`)));
    });
    assert.match(ready, /^ready https:\/\/127\.0\.0\.1:\d+\n$/);
    const r = await rawRequest(kubeconfig, 'GET', '/api/v1/namespaces/web/pods');
    assert.equal(r.status, 200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
    assert.equal(out, ready, 'nothing else on stdout');
    const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string });
    assert.deepEqual(entries.map((e) => e.path), ['/api/v1/namespaces/web/pods']);
  });
});

describe('exec and port-forward over WebSocket', () => {
  const POD = 'istio-ingressgateway-7d4f9c-abcde';
  let sim: Sim;
  before(async () => {
    sim = await startSim({
      scenarioDir: scenarioWith(BASIC, {
        'scenario.json': { deny: [{ verb: 'create', resource: 'pods/exec', namespace: 'web' }], distroless: ['istio-system/istiod-5c8d-xyz12'] },
      }),
    });
  });
  after(async () => sim?.stop());

  it('real kubectl exec runs argv in the pod file tree, with exit codes', { skip: !KUBECTL_WS_EXEC && 'needs kubectl >= 1.29 (exec over WebSocket; the sim does not speak SPDY)' }, async () => {
    const ls = await kubectl(sim.kubeconfigPath, ['exec', '-n', 'istio-system', POD, '-c', 'istio-proxy', '--', 'ls', '/etc/istio/ingressgateway-certs']);
    assert.equal(ls.status, 0, ls.stderr);
    assert.equal(ls.stdout, 'readme.txt\n');
    const missing = await kubectl(sim.kubeconfigPath, ['exec', '-n', 'istio-system', POD, '--', 'cat', '/nope']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No such file or directory/);
    const certs = await kubectl(sim.kubeconfigPath, ['exec', '-n', 'istio-system', POD, '--', 'pilot-agent', 'request', 'GET', 'certs']);
    assert.equal(certs.status, 0, certs.stderr);
    const doc = JSON.parse(certs.stdout) as { certificates: { cert_chain: { serial_number: string; subject_alt_names: { dns: string }[]; days_until_expiration: string }[] }[] };
    assert.equal(doc.certificates[0].cert_chain[0].subject_alt_names[0].dns, 'web.example.com');
    assert.match(doc.certificates[0].cert_chain[0].days_until_expiration, /^\d+$/);
  });

  it('client-node Exec gets stdout and a V1Status (Success / NonZeroExitCode)', async () => {
    const k8s = await import('@kubernetes/client-node');
    const { Writable } = await import('node:stream');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const run = (cmd: string[]) =>
      new Promise<{ out: string; status: { status?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } } }>((resolve, reject) => {
        let out = '';
        const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
        new k8s.Exec(kc)
          .exec('istio-system', POD, 'istio-proxy', cmd, sink, null, null, false, (status) => resolve({ out, status: status as never }))
          .catch(reject);
      });
    const ok = await run(['cat', '/etc/istio/ingressgateway-certs/readme.txt']);
    assert.equal(ok.out, 'hello\n');
    assert.equal(ok.status.status, 'Success');
    const bad = await run(['ls', '/nowhere']);
    assert.equal(bad.status.status, 'Failure');
    assert.equal(bad.status.reason, 'NonZeroExitCode');
    assert.deepEqual(bad.status.details?.causes, [{ reason: 'ExitCode', message: '2' }]);
  });

  it('refuses exec by RBAC (403 Status before the upgrade), distroless commands fail to start', async () => {
    const { execArgv } = await import('../../src/cluster/stream.js');
    const { ApiClient } = await import('../../src/cluster/client.js');
    const { loadKubeconfig } = await import('../../src/cluster/kubeconfig.js');
    const client = await ApiClient.create(loadKubeconfig({ kubeconfig: sim.kubeconfigPath }), { requestTimeoutMs: 5000 });
    const denied = await execArgv(client.connectionOptions(), client.server, 'web', 'web-1', 'web', ['ls', '/'], 5000);
    assert.equal(denied.kind, 'refused');
    assert.equal((denied as { status: number }).status, 403);
    assert.match((denied as { message: string }).message, /cannot create resource "pods\/exec"/);
    const distroless = await execArgv(client.connectionOptions(), client.server, 'istio-system', 'istiod-5c8d-xyz12', 'discovery', ['ls', '/'], 5000);
    assert.equal(distroless.kind, 'not-started');
    assert.match((distroless as { message: string }).message, /executable file not found in \$PATH/);
    const wrongContainer = await execArgv(client.connectionOptions(), client.server, 'istio-system', POD, 'nope', ['ls'], 5000);
    assert.equal(wrongContainer.kind, 'refused');
    assert.equal((wrongContainer as { status: number }).status, 400);
    const logged = sim.requestLog.filter((e) => e.action === 'exec').map((e) => [e.status, e.command?.[0]]);
    assert.ok(logged.some(([s]) => s === 403));
  });

  it('port-forward speaks channel pairs with the port prefix and carries several HTTP requests', async () => {
    const { portForwardGets } = await import('../../src/cluster/stream.js');
    const { ApiClient } = await import('../../src/cluster/client.js');
    const { loadKubeconfig } = await import('../../src/cluster/kubeconfig.js');
    const client = await ApiClient.create(loadKubeconfig({ kubeconfig: sim.kubeconfigPath }), { requestTimeoutMs: 5000 });
    const r = await portForwardGets(client.connectionOptions(), client.server, 'istio-system', POD, 15000, ['/certs', '/config_dump?resource=dynamic_active_secrets', '/nope'], 5000);
    assert.equal(r.kind, 'ok');
    const answers = (r as { answers: { status: number; body: string }[] }).answers;
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 404]);
    const secrets = JSON.parse(answers[1].body) as { configs: { '@type': string; name: string; secret: { tls_certificate: { private_key: { inline_bytes: string } } } }[] };
    assert.equal(secrets.configs[0]['@type'], 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump.DynamicSecret');
    assert.equal(secrets.configs[0].name, 'kubernetes://web-cert');
    assert.equal(Buffer.from(secrets.configs[0].secret.tls_certificate.private_key.inline_bytes, 'base64').toString(), '[redacted]');
    const closed = await portForwardGets(client.connectionOptions(), client.server, 'istio-system', POD, 8080, ['/'], 5000);
    assert.equal(closed.kind, 'failed');
    assert.match((closed as { message: string }).message, /connection refused/);
  });

  it('frames Envoy admin answers as Envoy does: the head alone, then a chunked body, no content-length', async () => {
    const { default: WebSocket } = await import('ws');
    const kc = parseYaml(readFileSync(sim.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }[];
    };
    const b = (s?: string) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
    const { server, 'certificate-authority-data': ca } = kc.clusters[0].cluster;
    const user = kc.users[0].user;
    const url = `${server.replace(/^http/, 'ws')}/api/v1/namespaces/istio-system/pods/${POD}/portforward?ports=15000`;
    const frames: Buffer[] = await new Promise((resolve, reject) => {
      const got: Buffer[] = [];
      const ws = new WebSocket(url, ['v4.channel.k8s.io'], {
        ca: b(ca),
        cert: b(user['client-certificate-data']),
        key: b(user['client-key-data']),
        headers: user.token ? { Authorization: `Bearer ${user.token}` } : {},
      });
      let prefixes = 0;
      ws.on('message', (d: Buffer) => {
        if (d[0] !== 0) return;
        if (prefixes++ === 0) {
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /certs HTTP/1.1\r\nHost: localhost:15000\r\nConnection: close\r\n\r\n', 'latin1')]));
          return;
        }
        got.push(d.subarray(1));
      });
      ws.on('close', () => resolve(got));
      ws.on('error', reject);
    });
    const head = frames[0].toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(head.endsWith('\r\n\r\n'), 'the head is flushed on its own, before any body byte');
    assert.match(head, /\r\ntransfer-encoding: chunked\r\n/);
    assert.match(head, /\r\ncontent-type: application\/json\r\n/);
    assert.match(head, /\r\nserver: envoy\r\n/);
    assert.doesNotMatch(head, /content-length/i);
    const body = Buffer.concat(frames.slice(1)).toString('utf8');
    const size = /^([0-9a-f]+)\r\n/.exec(body);
    assert.ok(size, 'the body starts with a hex chunk size');
    assert.ok(body.endsWith('\r\n0\r\n\r\n'), 'the body ends with the zero chunk');
    const json = body.slice(size[0].length, size[0].length + parseInt(size[1], 16));
    assert.ok(Array.isArray((JSON.parse(json) as { certificates: unknown[] }).certificates));
  });
});
