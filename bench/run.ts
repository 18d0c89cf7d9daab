// `npm run bench`: speed and memory of the doctor, each reported as a RATIO against a baseline
// measured in the same run on the same data (never as absolute thresholds):
//   1. parse 10,000 distinct certificates: our parseCertificates vs bare node:crypto X509Certificate
//   2. evaluate 1,000 gateway hosts (every check): runChecks vs a naive checkHost+verify loop
//   3. the doctor at scale against the simulated cluster: `doctor -o json` vs the by-hand
//      `kubectl get ... -A -o json` of the same objects; request counts for 10 vs 200 Gateways; peak RSS
//   4. scale (issue 10): the doctor at 250 … 4,000 Gateways of the shared-ingress shape (bench/gen-cluster.ts),
//      offline beside parsing the same files with the yaml package, live against the simulated cluster beside
//      `kubectl get ... -A -o json`; wall time, peak RSS, growth per doubling; `version` vs `node -e 0`
//   5. the live probe's comparison (probe check + status SERVED) vs every other check; growth when Gateways double
// Options: --quick (smaller sizes, for a smoke run), --only=certs|hosts|cluster|scale|probe, --max <gateways> (scale
// sizes up to this, default 4000), --runs <n> (runs per measurement, median; default 3, 1 from 2,000 up),
// --no-live (scale: offline only)
import { X509Certificate } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { issueCert, nextKeyPem, chainPem, type IssuedCert } from '../src/testing/certgen.js';
import { parseCertificates, loadTrustStore } from '../src/tls/index.js';
import { runChecks } from '../src/checks/run.js';
import { CHECKS } from '../src/checks/index.js';
import { probeCheck } from '../src/checks/probe.js';
import { Model } from '../src/model/model.js';
import { buildInventory } from '../src/status/rows.js';
import type { TlsHandshake } from '../src/snapshot/types.js';
import { emptySnapshot } from '../src/snapshot/types.js';
import { addDocuments } from '../src/manifests/documents.js';
import { generateCluster } from './gen-cluster.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const flagValue = (flag: string): string | undefined => {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(flag.length + 1) : args[i + 1];
};
const maxGateways = Number(flagValue('--max') ?? 4000);
const runsFlag = flagValue('--runs');
const live = !args.includes('--no-live');
const CACHE = '.cache/bench';
mkdirSync(CACHE, { recursive: true });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, runs = 5): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

function row(name: string, ours: number, base: number, unit = 'ms'): void {
  console.log(`${name.padEnd(52)} ours ${ours.toFixed(1).padStart(9)} ${unit}  baseline ${base.toFixed(1).padStart(9)} ${unit}  ratio ${(ours / base).toFixed(2)}×`);
}

/** 10,000 distinct leaf certificates signed by one CA (cached: generation takes a while). */
async function benchCertificates(count: number): Promise<string[]> {
  const file = join(CACHE, `leaves-${count}.pem`);
  let pems: string[];
  if (existsSync(file)) {
    pems = readFileSync(file, 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/).filter((p) => p.includes('BEGIN'));
  } else {
    const ca = await issueCert({ cn: 'bench root', ca: true, keyType: 'p256' });
    const keyPem = nextKeyPem('p256');
    pems = [];
    for (let i = 0; i < count; i++) {
      const leaf = await issueCert({ cn: `host-${i}.bench.test`, dns: [`host-${i}.bench.test`], issuer: ca, keyPem });
      pems.push(leaf.certPem);
    }
    writeFileSync(file, pems.join(''));
  }
  return pems;
}

async function certsPart(): Promise<void> {
  const count = quick ? 1000 : 10000;
  const pems = await benchCertificates(count);
  console.log(`\n1. parse ${pems.length} distinct certificates`);
  const base = time(() => {
    for (const p of pems) new X509Certificate(p);
  });
  const ours = time(() => {
    for (const p of pems) parseCertificates(p);
  });
  row('parseCertificates vs new X509Certificate', ours, base);

  const gcAvailable = typeof globalThis.gc === 'function';
  const heap = (fn: () => unknown[]): number => {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const kept = fn();
    globalThis.gc?.();
    const used = process.memoryUsage().heapUsed - before;
    if (kept.length === 0) throw new Error('unreachable');
    return used / 1024 / 1024;
  };
  const baseMem = heap(() => pems.map((p) => new X509Certificate(p)));
  const oursMem = heap(() => pems.map((p) => parseCertificates(p)));
  row(`heap held for ${pems.length} parsed certificates${gcAvailable ? '' : ' (no --expose-gc)'}`, oursMem, baseMem, 'MB');
}

async function hostsPart(): Promise<void> {
  const gateways = quick ? 20 : 100;
  const hostsPerGateway = 10;
  console.log(`\n2. evaluate ${gateways * hostsPerGateway} gateway hosts (${gateways} Gateways × ${hostsPerGateway} hosts, every check)`);
  const ca = await issueCert({ cn: 'bench private CA', ca: true, keyType: 'p256' });
  const keyPem = nextKeyPem('p256');
  const docs: object[] = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istio-ingressgateway-0', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0', args: ['proxy', 'router'] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'istio-proxy', ready: true, restartCount: 0 }] },
    },
  ];
  const leaves: { leaf: IssuedCert; hosts: string[] }[] = [];
  for (let g = 0; g < gateways; g++) {
    const hosts = Array.from({ length: hostsPerGateway }, (_, h) => `h${h}.gw${g}.bench.test`);
    const leaf = await issueCert({ cn: hosts[0], dns: hosts, issuer: ca, keyPem });
    leaves.push({ leaf, hosts });
    docs.push(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: `cred-${g}`, namespace: 'istio-system' },
        data: { 'tls.crt': Buffer.from(chainPem(leaf)).toString('base64'), 'tls.key': Buffer.from(leaf.keyPem).toString('base64') },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: `gw-${g}`, namespace: 'default' },
        spec: {
          selector: { istio: 'ingressgateway' },
          servers: [{ port: { number: 443, name: `https-${g}`, protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: `cred-${g}` } }],
        },
      },
    );
  }
  const snapshot = emptySnapshot({ kind: 'offline' });
  addDocuments(snapshot, docs);
  const trustStore = loadTrustStore(ca.certPem);
  const now = new Date();
  const ours = time(() => {
    runChecks(snapshot, { now, expiryWarningMs: 30 * 86400e3, trustStore });
  }, 3);
  const caCert = new X509Certificate(ca.certPem);
  const base = time(() => {
    for (const { leaf, hosts } of leaves) {
      const cert = new X509Certificate(leaf.certPem);
      cert.verify(caCert.publicKey);
      for (const h of hosts) cert.checkHost(h);
    }
  }, 3);
  row('runChecks (all checks) vs naive checkHost+verify', ours, base);
}

/**
 * 5. the live probe's comparison at scale: N Gateways (one host each, a Secret each from 20 wildcard
 * certificates), 6 gateway replicas, and the handshakes the probe makes (every host on the first pod,
 * one per distinct certificate on each other pod). The probe check plus status' SERVED column, as a
 * ratio to every other check on the same snapshot, and its growth when N doubles (linear: about 2×).
 */
async function probePart(): Promise<void> {
  const sizes = quick ? [250, 500] : [1000, 2000];
  console.log(`\n5. the live probe's comparison: N Gateways × 1 host, 6 replicas, the probe's handshakes (all hosts on one pod, one per certificate on the others)`);
  const ca = await issueCert({ cn: 'bench probe CA', ca: true, keyType: 'p256' });
  const keyPem = nextKeyPem('p256');
  const certs = await Promise.all(Array.from({ length: 20 }, (_, i) => issueCert({ cn: `*.d${i}.bench.test`, dns: [`*.d${i}.bench.test`], issuer: ca, keyPem })));
  const trustStore = loadTrustStore(ca.certPem);
  const now = new Date();
  const options = { now, expiryWarningMs: 30 * 86400e3, trustStore };
  let prev: number | undefined;
  for (const n of sizes) {
    const pods = Array.from({ length: 6 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `istio-ingressgateway-${i}`, namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0', args: ['proxy', 'router'] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'istio-proxy', ready: true, restartCount: 0 }] },
    }));
    const docs: object[] = [...pods, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, ports: [{ name: 'https', port: 443, targetPort: 8443 }] } }];
    const handshakes: TlsHandshake[] = [];
    const hs = (pod: number, sni: string | undefined, cert: IssuedCert): TlsHandshake => ({
      namespace: 'istio-system', pod: `istio-ingressgateway-${pod}`, port: 8443, gatewayPort: 443, alpnOffered: ['h2', 'http/1.1'], outcome: 'handshake', alpn: 'h2',
      chainPem: chainPem(cert), leafSha256: new X509Certificate(cert.certPem).fingerprint256, ...(sni ? { sni } : {}),
    });
    for (let g = 0; g < n; g++) {
      const cert = certs[g % certs.length];
      const host = `app${g}.d${g % certs.length}.bench.test`;
      docs.push(
        { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: `cred-${g}`, namespace: 'istio-system' }, data: { 'tls.crt': Buffer.from(chainPem(cert)).toString('base64'), 'tls.key': Buffer.from(keyPem).toString('base64') } },
        { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: `gw-${g}`, namespace: 'default' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: `https-${g}`, protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE', credentialName: `cred-${g}` } }] } },
      );
      handshakes.push(hs(0, host, cert));
      for (let p = 1; p < 6; p++) handshakes.push(hs(p, host, cert));
    }
    handshakes.push(hs(0, undefined, certs[0]));
    const snapshot = emptySnapshot({ kind: 'offline' });
    addDocuments(snapshot, docs);
    snapshot.probe = { state: 'done', handshakes };
    const withProbe = time(() => {
      const model = new Model(snapshot);
      const findings = runChecks(snapshot, options, [probeCheck]).findings;
      buildInventory(model, findings, options);
    }, 3);
    const others = time(() => {
      runChecks(snapshot, options, CHECKS.filter((c) => c !== probeCheck));
    }, 3);
    row(`probe check + SERVED column vs every other check (${n} Gateways, ${handshakes.length} handshakes)`, withProbe, others);
    if (prev !== undefined) console.log(`   growth from ${sizes[0]} to ${n} Gateways: ${(withProbe / prev).toFixed(2)}× (linear ≈ 2×)`);
    prev = withProbe;
  }
}

function scaleScenario(dir: string, gateways: number): void {
  mkdirSync(dir, { recursive: true });
  const docs: object[] = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istio-ingressgateway-0', namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } },
      spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0', args: ['proxy', 'router'] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'istio-proxy', ready: true, restartCount: 0 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istiod-0', namespace: 'istio-system', labels: { app: 'istiod', istio: 'pilot' } },
      spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.27.0' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'discovery', ready: true, restartCount: 0 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
      spec: { selector: { istio: 'ingressgateway' }, type: 'LoadBalancer', ports: [{ name: 'https', port: 443, targetPort: 8443 }, { name: 'http2', port: 80, targetPort: 8080 }] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    },
  ];
  for (let g = 0; g < gateways; g++) {
    const host = `app${g}.bench.test`;
    docs.push(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: `cred-${g}`, namespace: 'istio-system' },
        data: { 'tls.crt': '{{b64:chain:leaf}}', 'tls.key': '{{b64:key:leaf}}' },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: `gw-${g}`, namespace: 'apps' },
        spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: `https-${g}`, protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE', credentialName: `cred-${g}` } }] },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `vs-${g}`, namespace: 'apps' },
        spec: { hosts: [host], gateways: [`gw-${g}`], http: [{ route: [{ destination: { host: 'backend', port: { number: 8080 } } }] }] },
      },
    );
  }
  docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'apps' }, spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 8080 }] } });
  writeFileSync(join(dir, 'objects.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  writeFileSync(
    join(dir, 'certs.yaml'),
    stringify([
      { name: 'ca', cn: 'bench CA', ca: true, keyType: 'p256' },
      { name: 'leaf', cn: 'app0.bench.test', dns: ['*.bench.test'], issuer: 'ca', keyType: 'p256' },
    ]),
  );
}

/** wall time (ms) and peak RSS (MB) of a command, median of runs */
function measureCommand(cmd: string, argv: string[], runs = 3): { ms: number; rssMb: number; stdout: string } {
  const times: number[] = [];
  const rss: number[] = [];
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...argv], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    times.push(performance.now() - t0);
    const lines = r.stderr.trim().split('\n');
    rss.push(Number(lines[lines.length - 1]) / 1024);
    stdout = r.stdout;
  }
  return { ms: median(times), rssMb: median(rss), stdout };
}

/** The simulated cluster in a process of its own: timed commands below block this one. */
async function startSimProcess(scenarioDir: string, kubeconfig: string, log: string): Promise<{ stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/main.ts', '--scenario', scenarioDir, '--kubeconfig', kubeconfig, '--log', log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('ready ')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`simulated cluster exited (${code}) before it was ready`)));
  });
  return { stop: () => child.kill('SIGTERM') };
}

function requestsIn(log: string): { count: number; verbs: string } {
  const entries = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { verb: string }) : [];
  return { count: entries.length, verbs: [...new Set(entries.map((e) => e.verb))].join(',') };
}

async function clusterPart(): Promise<void> {
  console.log('\n3. the doctor at scale against the simulated cluster');
  if (!existsSync('dist/cli.js')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const root = mkdtempSync(join(tmpdir(), 'itls-bench-'));
  const requests: Record<number, number> = {};
  const sizes = quick ? [10, 50] : [10, 200];
  try {
    for (const gateways of sizes) {
      const dir = join(root, `gw${gateways}`);
      scaleScenario(dir, gateways);
      const kubeconfig = join(root, `kc${gateways}`);
      const log = join(root, `log${gateways}.jsonl`);
      const sim = await startSimProcess(dir, kubeconfig, log);
      try {
        const doctorArgs = ['bin/kubectl-istio_tls', 'doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--no-exec'];
        measureCommand(process.execPath, doctorArgs, 1);
        const { count, verbs } = requestsIn(log);
        requests[gateways] = count;
        console.log(`   ${gateways} Gateways: one doctor run made ${count} requests (${verbs})`);
        if (gateways === sizes[sizes.length - 1]) {
          const ours = measureCommand(process.execPath, doctorArgs);
          const base = measureCommand('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods,services,secrets,gateways.networking.istio.io,virtualservices.networking.istio.io,destinationrules.networking.istio.io', '-A', '-o', 'json']);
          const idle = measureCommand(process.execPath, ['-e', '0']);
          row(`doctor vs kubectl get -A -o json (${gateways} Gateways)`, ours.ms, base.ms);
          row('doctor peak RSS vs kubectl get peak RSS', ours.rssMb, base.rssMb, 'MB');
          row('doctor peak RSS vs bare node', ours.rssMb, idle.rssMb, 'MB');
        }
      } finally {
        sim.stop();
      }
    }
    const [small, large] = sizes;
    console.log(`   requests: ${requests[small]} for ${small} Gateways, ${requests[large]} for ${large} (ratio ${(requests[large] / requests[small]).toFixed(2)}×; flat means no per-object GETs)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const KUBECTL_LIST = 'pods,services,secrets,gateways.networking.istio.io,virtualservices.networking.istio.io,destinationrules.networking.istio.io';

function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
}

async function scalePart(): Promise<void> {
  const sizes = (quick ? [250, 500] : [250, 500, 1000, 2000, 4000]).filter((n) => n <= maxGateways);
  console.log(`\n4. scale: N Gateways × 2 hosts in 20 namespaces, a Secret per Gateway from 50 wildcard certificates, a VirtualService and Service per Gateway, 6 gateway replicas, 3,000 other pods`);
  if (!existsSync('dist/cli.js')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const root = mkdtempSync(join(tmpdir(), 'itls-scale-'));
  const kubectl = live && hasKubectl();
  const cols = ['Gateways', 'objects', 'offline s', 'parse s', '×', 'RSS MB', 'growth', ...(live ? ['live s', 'kubectl s', '×', 'RSS MB', 'growth'] : [])];
  const rows: string[][] = [];
  let prev: { offline: number; live?: number } | undefined;
  const fmt = (ms: number) => (ms / 1000).toFixed(2);
  try {
    for (const gateways of sizes) {
      const runs = runsFlag ? Number(runsFlag) : gateways >= 2000 ? 1 : 3;
      const dir = join(root, `gw${gateways}`);
      const gen = await generateCluster(dir, { gateways });
      const doctorOffline = ['bin/kubectl-istio_tls', 'doctor', '-f', dir, '--ca-file', gen.caFile, '-o', 'json'];
      const ours = measureCommand(process.execPath, doctorOffline, runs);
      const findings = (JSON.parse(ours.stdout) as { findings: { code: string }[] }).findings;
      const base = measureCommand(process.execPath, ['bench/parse-only.mjs', dir], runs);
      const row = [String(gateways), String(gen.objects), fmt(ours.ms), fmt(base.ms), (ours.ms / base.ms).toFixed(2), ours.rssMb.toFixed(0), prev ? `${(ours.ms / prev.offline).toFixed(2)}×` : '-'];
      const cur: { offline: number; live?: number } = { offline: ours.ms };
      if (live) {
        const kubeconfig = join(root, `kc${gateways}`);
        const sim = await startSimProcess(dir, kubeconfig, join(root, `log${gateways}.jsonl`));
        try {
          const doctorLive = ['bin/kubectl-istio_tls', 'doctor', '--kubeconfig', kubeconfig, '--ca-file', gen.caFile, '-o', 'json', '--no-exec'];
          const oursLive = measureCommand(process.execPath, doctorLive, runs);
          const liveFindings = (JSON.parse(oursLive.stdout) as { findings: { code: string }[] }).findings;
          if (liveFindings.length !== findings.length) console.log(`   note: ${gateways} Gateways: ${liveFindings.length} findings live, ${findings.length} offline`);
          const baseLive = kubectl ? measureCommand('kubectl', ['--kubeconfig', kubeconfig, 'get', KUBECTL_LIST, '-A', '-o', 'json'], runs) : undefined;
          cur.live = oursLive.ms;
          row.push(fmt(oursLive.ms), baseLive ? fmt(baseLive.ms) : 'n/a', baseLive ? (oursLive.ms / baseLive.ms).toFixed(2) : '-', oursLive.rssMb.toFixed(0), prev?.live ? `${(oursLive.ms / prev.live).toFixed(2)}×` : '-');
        } finally {
          sim.stop();
        }
      }
      const codes = new Map<string, number>();
      for (const f of findings) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
      console.log(`   ${gateways} Gateways: ${findings.length} findings (${[...codes].map(([c, n]) => `${c}×${n}`).join(', ') || 'none'})`);
      rows.push(row);
      prev = cur;
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `   | ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  console.log(line(cols));
  console.log(`   |${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('   offline × = doctor ÷ parsing the same files with the yaml package; live × = doctor ÷ kubectl get -A -o json of the same kinds; growth = time ÷ time at half the Gateways');
  const version = measureCommand(process.execPath, ['bin/kubectl-istio_tls', 'version'], 5);
  const idle = measureCommand(process.execPath, ['-e', '0'], 5);
  row('`version` start-up vs node -e 0', version.ms, idle.ms);
}

console.log(`kubectl-istio-tls bench on node ${process.version}${quick ? ' (quick)' : ''}; ratios are ours ÷ baseline, lower is better`);
if (!only || only === 'certs') await certsPart();
if (!only || only === 'hosts') await hostsPart();
if (!only || only === 'cluster') await clusterPart();
if (!only || only === 'probe') await probePart();
if (!only || only === 'scale') await scalePart();
if (!only || only === 'startup') await (await import('./startup.js')).startupPart(); // release executable start-up (bench/startup.ts)
