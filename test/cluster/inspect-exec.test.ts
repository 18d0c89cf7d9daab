// Exec results inside gateway pods are read by what came back, never as "file missing" by default:
// the three runtime forms of a missing binary (containerd refuses to start it; CRI-O/crun exits 127
// with "…: No such file or directory"; cri-dockerd exits 126 with Docker's OCI line on stdout),
// permission errors, other exit codes. Then end to end through the simulated cluster.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { classifyExec, gatewayPods } from '../../src/cluster/inspect.js';
import { loadLiveSnapshot } from '../../src/cluster/index.js';
import { startSim } from '../../src/sim/server.js';
import { emptySnapshot, type KubernetesGateway, type Pod } from '../../src/snapshot/types.js';
import { scenarioWith } from '../sim/helpers.js';

const out = (exitCode: number, stderr = '', stdout = '') => ({ exitCode, stderr: Buffer.from(stderr), stdout: Buffer.from(stdout) });
const DIR = '/etc/istio/ingressgateway-certs';

describe('classifyExec', () => {
  const table: [string, ReturnType<typeof out>, string, string][] = [
    ['success', out(0, '', 'tls.crt\n'), DIR, 'ok'],
    ['GNU ls on a missing directory', out(2, `ls: cannot access '${DIR}': No such file or directory\n`), DIR, 'missing'],
    ['busybox ls on a missing directory', out(1, `ls: ${DIR}: No such file or directory\n`), DIR, 'missing'],
    ['cat on a missing file', out(1, `cat: ${DIR}/tls.crt: No such file or directory\n`), `${DIR}/tls.crt`, 'missing'],
    ['CRI-O (crun): no ls in the image, exit 127', out(127, 'crun: executable file `ls` not found in $PATH: No such file or directory\n'), DIR, 'no-tool'],
    [
      'cri-dockerd: no ls in the image, exit 126, on stdout',
      out(126, '', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "ls": executable file not found in $PATH: unknown\r\n'),
      DIR,
      'no-tool',
    ],
    ['runc: an absolute binary path that is not there', out(126, 'exec: "/bin/ls": stat /bin/ls: no such file or directory: unable to start container process\n'), DIR, 'no-tool'],
    ['a shell without the command', out(127, 'sh: ls: not found\n'), DIR, 'no-tool'],
    ['exit 127 and nothing said', out(127), DIR, 'no-tool'],
    ['permission denied', out(1, `cat: ${DIR}/tls.crt: Permission denied\n`), `${DIR}/tls.crt`, 'permission-denied'],
    ['"No such file" about another path', out(1, 'ls: cannot access \'/proc/self/fd/3\': No such file or directory\n'), DIR, 'exec-failed'],
    ['another exit code', out(3, 'ls: I/O error\n'), DIR, 'exec-failed'],
  ];
  for (const [what, result, path, kind] of table) {
    it(`${what} → ${kind}`, () => {
      const v = classifyExec(result, path);
      assert.equal(v.kind, kind);
      if ('detail' in v) assert.match(v.detail, new RegExp(`exit code ${result.exitCode}`));
    });
  }
});

describe('a distroless gateway on each container runtime', () => {
  for (const runtime of ['containerd', 'cri-o', 'cri-dockerd'] as const) {
    it(`${runtime}: the files are unreadable (no-tool), not missing; Envoy is still read`, async () => {
      const dir = scenarioWith(join('test', 'scenarios', 'inpod-distroless'), {
        'scenario.json': { distroless: ['istio-system/istio-ingressgateway-7f9d8c6b4-q7wzt'], runtime },
      });
      const sim = await startSim({ scenarioDir: dir });
      try {
        const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000 });
        const insp = snap.inspections[0];
        assert.equal(insp.fileAccess.state, 'no-tool', JSON.stringify(insp.fileAccess));
        assert.match(insp.fileAccess.detail ?? '', /executable file/);
        assert.deepEqual(insp.directories, [], 'nothing is called a missing directory');
        assert.ok(insp.files.every((f) => f.exists || f.error?.startsWith('invalid path')), 'nothing is called a missing file');
        assert.equal(insp.envoy.state, 'ok');
        assert.ok(sim.requestLog.some((e) => e.action === 'exec' && e.command?.[0] === 'ls'), 'the runtime was really asked');
      } finally {
        await sim.stop();
      }
    });
  }

  it('cri-o, port-forward denied: pilot-agent still reads Envoy by exec', async () => {
    const dir = scenarioWith(join('test', 'scenarios', 'inpod-distroless'), {
      'scenario.json': { distroless: ['istio-system/istio-ingressgateway-7f9d8c6b4-q7wzt'], runtime: 'cri-o', deny: [{ verb: 'create', resource: 'pods/portforward' }] },
    });
    const sim = await startSim({ scenarioDir: dir });
    try {
      const snap = await loadLiveSnapshot({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 5000 });
      assert.equal(snap.inspections[0].envoy.via, 'exec');
      assert.equal(snap.inspections[0].envoy.state, 'ok');
      assert.equal(snap.inspections[0].fileAccess.state, 'no-tool');
    } finally {
      await sim.stop();
    }
  });
});

describe('gatewayPods: Gateway API gateway pods', () => {
  const pod = (name: string, ns: string, labels: Record<string, string>): Pod =>
    ({ metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'istio-proxy' }] }, status: { phase: 'Running' } }) as Pod;
  const gw = (name: string, ns: string, protocol: string, mode?: string): KubernetesGateway =>
    ({
      metadata: { name, namespace: ns },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'l', port: 443, protocol, ...(mode ? { tls: { mode } } : {}) }] },
    }) as KubernetesGateway;

  it('takes the pods labelled with a TLS-terminating Gateway name, in its namespace, once', () => {
    const snap = emptySnapshot({ kind: 'live' });
    snap.pods = [
      pod('web-istio-1', 'shop', { 'gateway.networking.k8s.io/gateway-name': 'web', 'istio.io/gateway-name': 'web' }),
      pod('old-istio-1', 'shop', { 'istio.io/gateway-name': 'old' }),
      pod('web-elsewhere', 'other', { 'gateway.networking.k8s.io/gateway-name': 'web' }),
      pod('plain-1', 'shop', { 'gateway.networking.k8s.io/gateway-name': 'plain' }),
      pod('pass-1', 'shop', { 'gateway.networking.k8s.io/gateway-name': 'pass' }),
    ];
    snap.kubernetesGateways = [gw('web', 'shop', 'HTTPS'), gw('old', 'shop', 'TLS'), gw('plain', 'shop', 'HTTP'), gw('pass', 'shop', 'TLS', 'Passthrough')];
    assert.deepEqual(gatewayPods(snap).map((t) => t.pod.metadata.name).sort(), ['old-istio-1', 'web-istio-1']);
    assert.deepEqual(gatewayPods(snap, 'other'), []);
  });
});
