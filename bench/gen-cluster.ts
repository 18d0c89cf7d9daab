// The cluster shape of issue 10, generated at run time (no key is committed):
//   N Gateways (two hosts each) in 20 namespaces, one credential Secret per Gateway filled from 50 wildcard
//   certificates of one private CA, one VirtualService and one Service per Gateway, 6 ingress gateway
//   replicas behind one Service, istiod, 3,000 unrelated pods, the gateway's SDS Role.
// It writes plain YAML (real base64 data, no placeholders) that `doctor -f <dir>` reads and the simulated
// cluster serves as it is (`startSim({scenarioDir, materialized: true})` or `npm run sim -- --scenario <dir>`).
//
//   node --import tsx bench/gen-cluster.ts --gateways 2000 --out /tmp/cluster-2000
//
// The CA certificate is written to <out>/../ca-<N>.pem (outside the scenario, so it is no manifest): pass it
// as --ca-file to the doctor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chainPem, issueCert, nextKeyPem, type IssuedCert } from '../src/testing/certgen.js';

export interface ClusterShape {
  gateways: number;
  namespaces?: number;
  certificates?: number;
  replicas?: number;
  unrelatedPods?: number;
}

export interface GeneratedCluster {
  dir: string;
  caFile: string;
  objects: number;
  bytes: number;
}

const ISTIO_VERSION = '1.27.0';

/** The 50 wildcard certificates (and their CA), shared by every size generated in one process. */
let certsPromise: Promise<{ ca: IssuedCert; wildcards: { domain: string; crtB64: string; keyB64: string }[] }> | undefined;
function certificates(count: number) {
  certsPromise ??= (async () => {
    const now = Date.now();
    const ca = await issueCert({ cn: 'Bench Platform Root CA', o: 'bench', ca: true, keyType: 'p256', notBefore: new Date(now - 86400e3), notAfter: new Date(now + 3650 * 86400e3) });
    const wildcards = [];
    for (let c = 0; c < count; c++) {
      const domain = `zone${c}.bench.example`;
      const leaf = await issueCert({
        cn: `*.${domain}`,
        dns: [`*.${domain}`],
        issuer: ca,
        keyPem: nextKeyPem('rsa2048'),
        notBefore: new Date(now - 10 * 86400e3),
        notAfter: new Date(now + 80 * 86400e3),
      });
      wildcards.push({ domain, crtB64: Buffer.from(chainPem(leaf)).toString('base64'), keyB64: Buffer.from(leaf.keyPem).toString('base64') });
    }
    return { ca, wildcards };
  })();
  return certsPromise;
}

function running(containers: { name: string }[]) {
  return {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: containers.map((c) => ({ name: c.name, ready: true, restartCount: 0 })),
  };
}

/** Block-style YAML, as `kubectl get -o yaml` writes it. */
function stream(docs: object[]): string {
  return docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('');
}

export async function generateCluster(out: string, shape: ClusterShape): Promise<GeneratedCluster> {
  const G = shape.gateways;
  const nsCount = shape.namespaces ?? 20;
  const replicas = shape.replicas ?? 6;
  const unrelated = shape.unrelatedPods ?? 3000;
  const { ca, wildcards } = await certificates(shape.certificates ?? 50);
  mkdirSync(out, { recursive: true });
  const tenants = Array.from({ length: nsCount }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
  const files: Record<string, object[]> = { 'istio.yaml': [], 'secrets.yaml': [], 'gateways.yaml': [], 'routes.yaml': [], 'pods.yaml': [] };

  const istio = files['istio.yaml'];
  for (const ns of ['istio-system', ...tenants]) istio.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const proxy = { name: 'istio-proxy', image: `docker.io/istio/proxyv2:${ISTIO_VERSION}`, args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'], ports: [{ containerPort: 8080, name: 'http2', protocol: 'TCP' }, { containerPort: 8443, name: 'https', protocol: 'TCP' }] };
  for (let r = 0; r < replicas; r++) {
    istio.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `istio-ingressgateway-5d7c9f8b6-r${r}`, namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
      spec: { serviceAccountName: 'istio-ingressgateway-service-account', containers: [proxy] },
      status: running([proxy]),
    });
  }
  const discovery = { name: 'discovery', image: `docker.io/istio/pilot:${ISTIO_VERSION}` };
  istio.push(
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'istiod-7b9c6d5f4-x2k8p', namespace: 'istio-system', labels: { app: 'istiod', istio: 'pilot' } }, spec: { serviceAccountName: 'istiod', containers: [discovery] }, status: running([discovery]) },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istiod', namespace: 'istio-system' }, spec: { selector: { app: 'istiod' }, ports: [{ name: 'grpc-xds', port: 15012 }, { name: 'https-webhook', port: 443, targetPort: 15017 }] } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
      spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' }, ports: [{ name: 'http2', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'istio-ingressgateway-sds', namespace: 'istio-system' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'istio-ingressgateway-sds', namespace: 'istio-system' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'istio-ingressgateway-sds' },
      subjects: [{ kind: 'ServiceAccount', name: 'istio-ingressgateway-service-account' }],
    },
  );

  for (let g = 0; g < G; g++) {
    const ns = tenants[g % nsCount];
    const cert = wildcards[g % wildcards.length];
    const hosts = [`app-${g}.${cert.domain}`, `api-${g}.${cert.domain}`];
    const name = `tenant-${g}`;
    files['secrets.yaml'].push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: `${name}-tls`, namespace: 'istio-system' },
      data: { 'tls.crt': cert.crtB64, 'tls.key': cert.keyB64 },
    });
    files['gateways.yaml'].push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: ns },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: `${name}-tls` } }] },
    });
    files['routes.yaml'].push(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, namespace: ns },
        spec: { hosts, gateways: [name], http: [{ route: [{ destination: { host: `${name}-web`, port: { number: 8080 } } }] }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: `${name}-web`, namespace: ns }, spec: { selector: { app: `${name}-web` }, ports: [{ name: 'http-web', port: 8080, targetPort: 8080 }] } },
    );
  }
  const app = { name: 'app', image: 'registry.example/app:1.0' };
  for (let p = 0; p < unrelated; p++) {
    files['pods.yaml'].push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `worker-${p}`, namespace: tenants[p % nsCount], labels: { app: `worker-${p % 300}`, 'pod-template-hash': 'abc123' } },
      spec: { containers: [app] },
      status: running([app]),
    });
  }
  let objects = 0;
  let bytes = 0;
  for (const [file, docs] of Object.entries(files)) {
    const text = stream(docs);
    writeFileSync(join(out, file), text);
    objects += docs.length;
    bytes += text.length;
  }
  const caFile = `${out.replace(/\/+$/, '')}-ca.pem`;
  writeFileSync(caFile, ca.certPem);
  return { dir: out, caFile, objects, bytes };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const argv = process.argv.slice(2);
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const gateways = Number(get('--gateways') ?? 2000);
  const out = get('--out');
  if (!out || !Number.isInteger(gateways) || gateways < 1) {
    process.stderr.write('usage: node --import tsx bench/gen-cluster.ts --gateways <n> --out <dir>\n');
    process.exit(2);
  }
  const r = await generateCluster(out, { gateways });
  process.stdout.write(`${r.objects} objects (${(r.bytes / 1e6).toFixed(1)} MB) in ${r.dir}; CA: ${r.caFile}\n`);
}
