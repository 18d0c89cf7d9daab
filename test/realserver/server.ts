// A real Kubernetes API server for tests: kube-apiserver v1.34.4 with embedded etcd (tools/apiserver,
// built by scripts/build-apiserver.sh into the cache directory, outside the work tree), RBAC on,
// Istio's CRDs installed (and the Gateway API's and cert-manager's unless extraCrds: false), users
// with different rights, and the real `kubectl` to load scenarios.
//
// How to use it (one server per test file; several files run in parallel on their own ports):
//
//   import { realServerSkip, startRealServer, type RealServer } from '../realserver/server.js';
//   describe('my tier', { skip: realServerSkip() }, () => {   // a reason string when Go or kubectl is missing
//     let server: RealServer;
//     before(async () => (server = await startRealServer({ audit: true })));   // builds the binary if missing
//     after(() => server?.stop());
//     it('...', async () => {
//       const applied = await server.applyScenario(materializedDir);  // namespaces, objects, then statuses
//       await cli(['doctor', '--kubeconfig', server.kubeconfig('readme'), '--no-exec', '-o', 'json']);
//       await server.kubectl(['auth', 'can-i', 'list', 'secrets', '-A'], { user: 'no-secrets' });
//       await server.clearScenario(applied);   // deletes what applyScenario created (namespaces too)
//     });
//   });
//
// Users (USERS below; each has a client certificate and a static token, kubeconfig(user, 'token')):
//   admin       group system:masters
//   none        no rights at all
//   readme      the README's ClusterRole istio-tls-doctor (read from README.md), bound cluster-wide
//   namespace   the same ClusterRole bound by a RoleBinding in one namespace only (opts.scopedNamespace,
//               default istio-system)
//   no-secrets  the README's rules without secrets, bound cluster-wide
//   no-exec     the README's rules without pods/exec and pods/portforward, bound cluster-wide
// server.audit() returns the audit log's events (with { audit: true }): e.g. every 403 a user got.
// Without controller-manager nothing reconciles: no ServiceAccount admission, no namespace
// controller (clearScenario finalizes namespaces itself), no scheduler; statuses are set through the
// status subresource. clearScenario deletes only what applyScenario created: namespaces that existed
// before (istio-system, made at start for the `namespace` user) stay, with the labels last applied.
// The server is one process (etcd embedded) that dies with the test process; stop() ends it cleanly.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { issueCert, type IssuedCert } from '../../src/testing/certgen.js';
import { loadScenario, type KubeJson } from '../../src/sim/scenario.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
const BUILD_SCRIPT = join(ROOT, 'scripts', 'build-apiserver.sh');

export const USERS = ['admin', 'none', 'readme', 'namespace', 'no-secrets', 'no-exec'] as const;
export type UserName = (typeof USERS)[number];

/** What the doctor reads, as `kubectl get` names: what dump() writes. */
export const DUMP_KINDS = [
  'namespaces',
  'pods',
  'services',
  'secrets',
  'configmaps',
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'gateways.networking.istio.io',
  'virtualservices.networking.istio.io',
  'destinationrules.networking.istio.io',
  'peerauthentications.security.istio.io',
];

/** The Gateway API and cert-manager kinds, dumped too when their CRDs are installed (the default). */
export const EXTRA_DUMP_KINDS = [
  'gatewayclasses.gateway.networking.k8s.io',
  'gateways.gateway.networking.k8s.io',
  'httproutes.gateway.networking.k8s.io',
  'grpcroutes.gateway.networking.k8s.io',
  'tlsroutes.gateway.networking.k8s.io',
  'referencegrants.gateway.networking.k8s.io',
  'certificates.cert-manager.io',
  'certificaterequests.cert-manager.io',
  'issuers.cert-manager.io',
  'clusterissuers.cert-manager.io',
  'orders.acme.cert-manager.io',
  'challenges.acme.cert-manager.io',
];

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  user?: UserName;
  /** standard input */
  input?: string;
  timeoutMs?: number;
  /** resolve with a non-zero exit instead of throwing */
  allowFail?: boolean;
}

export interface AppliedScenario {
  /** namespaces applyScenario created (not ones that existed before) */
  namespaces: string[];
  /** every other object, as applied (no status) */
  objects: KubeJson[];
}

export interface RealServer {
  url: string;
  port: number;
  /** temp directory: kubeconfigs, certificates, etcd data, apiserver.log, audit.log */
  dir: string;
  /** ms from spawn to /readyz ok, and to the whole setup (users, CRDs) done */
  readyMs: number;
  setupMs: number;
  scopedNamespace: string;
  kubeconfig(user?: UserName, auth?: 'cert' | 'token'): string;
  token(user: UserName): string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<RunResult>;
  /** `kubectl apply -f -` of YAML text, as admin unless opts.user */
  apply(yaml: string, opts?: KubectlOptions): Promise<RunResult>;
  /** a (materialized) scenario directory: namespaces first, then the objects, then their statuses */
  applyScenario(dir: string): Promise<AppliedScenario>;
  clearScenario(applied: AppliedScenario): Promise<void>;
  /** `kubectl get <DUMP_KINDS> -A -o yaml` into a file; returns its path */
  dump(file?: string): Promise<string>;
  /** parsed audit events (needs { audit: true }) */
  audit(): AuditEvent[];
  /** resident memory of the server process, kB (Linux) */
  rssKb(): number | undefined;
  stop(): Promise<void>;
}

export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  responseStatus?: { code: number };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string; apiGroup?: string };
  stage: string;
}

export interface StartOptions {
  /** write an audit log (level Metadata) readable with audit() */
  audit?: boolean;
  /** namespace of the `namespace` user's RoleBinding (created at start) */
  scopedNamespace?: string;
  /** install Istio's CRDs (default true) */
  istioCrds?: boolean;
  /** install the Gateway API (standard + TLSRoute) and cert-manager CRDs (default true) */
  extraCrds?: boolean;
}

/** Why this machine cannot run the real-server tier, or false when it can. */
export function realServerSkip(): string | false {
  if (process.env.ISTIO_TLS_NO_REALSERVER) return 'real-server tier skipped: ISTIO_TLS_NO_REALSERVER is set';
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).error) return 'real-server tier skipped: no Go toolchain on PATH to build kube-apiserver (scripts/build-apiserver.sh)';
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).error) return 'real-server tier skipped: no kubectl on PATH';
  return false;
}

let built: Promise<{ binary: string; crds: string; gatewayApiCrds: string; certManagerCrds: string }> | undefined;

/** Build (or reuse from the cache) the server binary and Istio's CRDs; progress goes to stderr. */
export function buildRealServer(): Promise<{ binary: string; crds: string; gatewayApiCrds: string; certManagerCrds: string }> {
  built ??= new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const dir = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !dir) reject(new Error(`scripts/build-apiserver.sh failed (exit ${code})`));
      else resolve({ binary: join(dir, 'apiserver'), crds: join(dir, 'istio-crds.yaml'), gatewayApiCrds: join(dir, 'gateway-api-crds.yaml'), certManagerCrds: join(dir, 'cert-manager-crds.yaml') });
    });
  });
  return built;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function runProcess(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The README's ClusterRole istio-tls-doctor, as its rules. */
export function readmeClusterRole(): KubeJson & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    for (const doc of parseAllDocuments(m[1])) {
      const v = doc.toJS() as KubeJson & { rules?: unknown };
      if (v?.kind === 'ClusterRole' && v.metadata?.name === 'istio-tls-doctor') return v as ReturnType<typeof readmeClusterRole>;
    }
  }
  throw new Error('README.md has no ClusterRole istio-tls-doctor in a yaml block');
}

function rbacYaml(scopedNamespace: string): string {
  const readme = readmeClusterRole();
  const without = (name: string, drop: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name },
    rules: readme.rules
      .map((r) => ({ ...r, resources: r.resources.filter((x) => !drop.includes(x)) }))
      .filter((r) => r.resources.length > 0),
  });
  const crb = (name: string, role: string, user: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: scopedNamespace } },
    readme,
    without('istio-tls-doctor-no-secrets', ['secrets']),
    without('istio-tls-doctor-no-exec', ['pods/exec', 'pods/portforward']),
    crb('istio-tls-doctor-readme', 'istio-tls-doctor', 'readme'),
    crb('istio-tls-doctor-no-secrets', 'istio-tls-doctor-no-secrets', 'no-secrets'),
    crb('istio-tls-doctor-no-exec', 'istio-tls-doctor-no-exec', 'no-exec'),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'istio-tls-doctor-namespace', namespace: scopedNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'istio-tls-doctor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'namespace' }],
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Metadata the server owns: never applied. */
function forApply(body: KubeJson): KubeJson {
  const out = structuredClone(body);
  delete out.status;
  const meta = (out.metadata ?? {}) as Record<string, unknown>;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp']) delete meta[k];
  return out;
}

const BUILTIN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export async function startRealServer(opts: StartOptions = {}): Promise<RealServer> {
  const { binary, crds, gatewayApiCrds, certManagerCrds } = await buildRealServer();
  const extraCrds = opts.extraCrds ?? true;
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'istio-tls-realserver-'));
  const scopedNamespace = opts.scopedNamespace ?? 'istio-system';

  // certificates: one CA signs the serving certificate and every user's client certificate
  const ca = await issueCert({ cn: 'istio-tls realserver CA', ca: true, keyType: 'p256' });
  const serving = await issueCert({
    cn: 'kube-apiserver',
    dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ips: ['127.0.0.1'],
    issuer: ca,
    keyType: 'p256',
    extKeyUsage: ['serverAuth'],
  });
  const groups: Record<UserName, string[]> = { admin: ['system:masters'], none: [], readme: [], namespace: [], 'no-secrets': [], 'no-exec': [] };
  const clients = {} as Record<UserName, IssuedCert>;
  const tokens = {} as Record<UserName, string>;
  for (const user of USERS) {
    clients[user] = await issueCert({ cn: user, o: groups[user][0], issuer: ca, keyType: 'p256', extKeyUsage: ['clientAuth'] });
    tokens[user] = randomBytes(16).toString('hex');
  }
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  file('ca.crt', ca.certPem);
  file('serving.crt', serving.certPem);
  file('serving.key', serving.keyPem);
  file('sa.key', sa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  file('sa.pub', sa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  file('tokens.csv', USERS.map((u) => `${tokens[u]},${u},uid-${u}${groups[u].length ? `,"${groups[u].join(',')}"` : ''}`).join('\n') + '\n');
  if (opts.audit) file('audit-policy.yaml', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n');

  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfigs = new Map<string, string>();
  for (const user of USERS) {
    for (const auth of ['cert', 'token'] as const) {
      const cred = auth === 'cert' ? { 'client-certificate-data': b64(clients[user].certPem), 'client-key-data': b64(clients[user].keyPem) } : { token: tokens[user] };
      const name = `realserver-${user}`;
      kubeconfigs.set(
        `${user}/${auth}`,
        file(
          `kubeconfig-${user}${auth === 'token' ? '-token' : ''}`,
          stringify({
            apiVersion: 'v1',
            kind: 'Config',
            clusters: [{ name: 'realserver', cluster: { server: url, 'certificate-authority-data': b64(ca.certPem) } }],
            users: [{ name, user: cred }],
            contexts: [{ name, context: { cluster: 'realserver', user: name } }],
            'current-context': name,
          }),
        ),
      );
    }
  }

  const args = [
    `--etcd-dir=${join(dir, 'etcd')}`,
    '--',
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--tls-cert-file=${join(dir, 'serving.crt')}`,
    `--tls-private-key-file=${join(dir, 'serving.key')}`,
    `--client-ca-file=${join(dir, 'ca.crt')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.96.0.0/16',
    // no controller-manager creates the default ServiceAccount a Pod would need
    '--disable-admission-plugins=ServiceAccount',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--endpoint-reconciler-type=none',
    `--cert-dir=${join(dir, 'certs')}`,
    ...(opts.audit ? [`--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${join(dir, 'audit.log')}`, '--audit-log-mode=blocking'] : []),
  ];
  const logPath = join(dir, 'apiserver.log');
  const log = openSync(logPath, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  running.add(child);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      running.delete(child);
      resolve();
    }),
  );
  const logTail = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-15).join('\n') : '');

  // ready: /readyz answers 200 to the admin
  const readyz = () =>
    new Promise<number>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/readyz', ca: ca.certPem, cert: clients.admin.certPem, key: clients.admin.keyPem, timeout: 2000 },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  for (;;) {
    if (exited !== undefined) throw new Error(`kube-apiserver exited (${exited}) before it was ready; ${logPath}:\n${logTail()}`);
    if ((await readyz()) === 200) break;
    if (Date.now() - t0 > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`kube-apiserver not ready after 120 s; ${logPath}:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const readyMs = Date.now() - t0;

  const env = { ...process.env, KUBECONFIG: '', KUBECACHEDIR: join(dir, 'kube-cache'), NO_COLOR: '1' };
  const kubeconfig = (user: UserName = 'admin', auth: 'cert' | 'token' = 'cert') => kubeconfigs.get(`${user}/${auth}`)!;
  const kubectl = async (a: string[], o: KubectlOptions = {}): Promise<RunResult> => {
    const r = await runProcess('kubectl', ['--kubeconfig', kubeconfig(o.user), ...a], { env, input: o.input, timeoutMs: o.timeoutMs });
    if (r.code !== 0 && !o.allowFail) throw new Error(`kubectl ${a.join(' ')} (as ${o.user ?? 'admin'}) exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r;
  };
  const apply = (yaml: string, o: KubectlOptions = {}) => kubectl(['apply', '-f', '-'], { ...o, input: yaml });
  /** A raw request as the admin, without a kubectl process (for the housekeeping that is not under test). */
  const api = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          ca: ca.certPem,
          cert: clients.admin.certPem,
          key: clients.admin.keyPem,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
          timeout: 30_000,
        },
        (res) => {
          let text = '';
          res.on('data', (b: Buffer) => (text += b));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.end(payload);
    });

  const server: RealServer = {
    url,
    port,
    dir,
    readyMs,
    setupMs: 0,
    scopedNamespace,
    kubeconfig,
    token: (user) => tokens[user],
    kubectl,
    apply,
    async applyScenario(scenarioDir) {
      const state = loadScenario(scenarioDir);
      const existing = new Set((await kubectl(['get', 'namespaces', '-o', 'name'])).stdout.split('\n').map((l) => l.replace(/^namespace\//, '')));
      const isNs = (b: KubeJson) => b.kind === 'Namespace' && b.apiVersion === 'v1';
      const namespaces = state.objects.filter((o) => isNs(o.body) && !BUILTIN_NAMESPACES.has(o.name)).map((o) => {
        const body = forApply(o.body);
        delete body.spec; // the sim's spec.finalizers default
        return body;
      });
      const objects = state.objects.filter((o) => !isNs(o.body)).map((o) => forApply(o.body));
      const statuses = state.objects
        .filter((o) => !isNs(o.body) && o.body.status !== undefined)
        .map((o) => ({ apiVersion: o.body.apiVersion, kind: o.body.kind, metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) }, status: o.body.status }));
      const stream = (docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');
      const applied = { namespaces: namespaces.map((n) => n.metadata!.name as string).filter((n) => !existing.has(n)), objects };
      try {
        // one stream, namespaces first: kubectl applies the documents in order
        if (namespaces.length + objects.length) await apply(stream([...namespaces, ...objects]));
        if (statuses.length) await kubectl(['apply', '--server-side', '--force-conflicts', '--subresource=status', '-f', '-'], { input: stream(statuses) });
      } catch (e) {
        // what was created before the refusal must not leak into the next scenario on this server
        await server.clearScenario(applied).catch(() => undefined);
        throw e;
      }
      return applied;
    },
    async clearScenario(applied) {
      if (applied.objects.length) {
        await kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false', '--grace-period=0', '--force'], {
          input: applied.objects.map((d) => stringify(d)).join('---\n'),
        });
      }
      // no namespace controller: delete (Terminating), empty spec.finalizers through /finalize (what
      // the controller does once the namespace is empty), and the namespace is gone
      for (const ns of applied.namespaces) {
        const path = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
        const del = await api('DELETE', path);
        if (del.status === 404) continue;
        if (del.status >= 300) throw new Error(`DELETE ${path}: ${del.status} ${del.body}`);
        const fin = await api('PUT', `${path}/finalize`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, spec: { finalizers: [] } });
        if (fin.status >= 300 && fin.status !== 404) throw new Error(`PUT ${path}/finalize: ${fin.status} ${fin.body}`);
      }
    },
    async dump(path = join(mkdtempSync(join(tmpdir(), 'istio-tls-realserver-dump-')), 'cluster.yaml')) {
      const r = await kubectl(['get', [...DUMP_KINDS, ...(extraCrds ? EXTRA_DUMP_KINDS : [])].join(','), '-A', '-o', 'yaml']);
      writeFileSync(path, r.stdout);
      return path;
    },
    audit() {
      const p = join(dir, 'audit.log');
      if (!existsSync(p)) return [];
      return readFileSync(p, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditEvent);
    },
    rssKb() {
      try {
        const m = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await apply(rbacYaml(scopedNamespace));
    // create, not apply: Istio's CRDs are too large for the last-applied annotation; cert-manager's
    // Helm labels are made plain by the build script. One kubectl for all of them.
    const crdFiles = [...(opts.istioCrds ?? true ? [crds] : []), ...(extraCrds ? [gatewayApiCrds, certManagerCrds] : [])];
    if (crdFiles.length) {
      await kubectl(['create', ...crdFiles.flatMap((f) => ['-f', f])]);
      await kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    }
  } catch (e) {
    await server.stop();
    throw e;
  }
  server.setupMs = Date.now() - t0;
  return server;
}
