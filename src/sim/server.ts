// The simulated Kubernetes API server: HTTPS on loopback, serving a scenario directory with the
// wire behaviour real clients depend on (discovery, LIST pagination, selectors, Status errors,
// client-certificate/bearer auth). The real kubectl and @kubernetes/client-node talk to it unchanged.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { stringify as toYaml } from 'yaml';
import { issueCert } from '../testing/certgen.js';
import { materializeScenario } from './materialize.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { denied, loadScenario, type KubeJson, type ScenarioState, type StoredObject } from './scenario.js';
import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { handleUpgrade } from './stream.js';
import { parseResourcePath, statusBody, type LogEntry, type RequestContext, type ResourcePath } from './http.js';

export interface SimOptions {
  scenarioDir: string;
  /** where to write the kubeconfig (default: inside the materialized dir) */
  kubeconfigPath?: string;
  auth?: 'cert' | 'token';
  /** JSON lines, one per request */
  logPath?: string;
  port?: number;
  /** clock for relative certificate dates during materialization */
  now?: Date;
  /** skip materialization: scenarioDir is already materialized */
  materialized?: boolean;
}

export interface Sim {
  url: string;
  kubeconfigPath: string;
  requestLog: LogEntry[];
  /** the materialized scenario directory the sim serves */
  dir: string;
  logPath?: string;
  state: ScenarioState;
  stop(): Promise<void>;
}

const JSON_TYPE = 'application/json';

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function parseQuery(search: URLSearchParams): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = q[k];
    if (prev === undefined) q[k] = v;
    else q[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return q;
}

function one(q: Record<string, string | string[]>, k: string): string | undefined {
  const v = q[k];
  return Array.isArray(v) ? v[0] : v;
}

function forbidden(rp: { type: ResourceType; namespace?: string; name?: string; subresource?: string }, verb: string): KubeJson {
  const res = rp.subresource ? `${rp.type.plural}/${rp.subresource}` : rp.type.plural;
  const scope = rp.namespace ? `in the namespace "${rp.namespace}"` : 'at the cluster scope';
  const named = rp.name ? `${rp.type.plural} "${rp.name}" is forbidden` : `${rp.type.plural} is forbidden`;
  return statusBody(
    403,
    'Forbidden',
    `${named}: User "sim-user" cannot ${verb} resource "${res}" in API group "${rp.type.group}" ${scope}`,
    { ...(rp.name ? { name: rp.name } : {}), ...(rp.type.group ? { group: rp.type.group } : {}), kind: rp.type.plural },
  );
}

/** The object as the API server returns it at one version (custom resources keep apiVersion/kind in lists). */
function present(o: StoredObject, version: string, inList: boolean): KubeJson {
  const body: KubeJson = { ...o.body, apiVersion: apiVersionOf(o.type.group, version), kind: o.type.kind };
  const builtin = o.type.group === '' || o.type.group.endsWith('k8s.io') || o.type.group === 'apps';
  if (inList && builtin) {
    delete body.apiVersion;
    delete body.kind;
  }
  return body;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function objectKey(o: StoredObject): string {
  return `${o.namespace ?? ''}/${o.name}`;
}

function listObjects(state: ScenarioState, rp: ResourcePath, q: Record<string, string | string[]>): { code: number; body: unknown } {
  let items = state.objects.filter((o) => o.type === rp.type && (!rp.namespace || o.namespace === rp.namespace));
  try {
    const ls = one(q, 'labelSelector');
    if (ls) {
      const reqs = parseLabelSelector(ls);
      items = items.filter((o) => labelsMatch(reqs, o.body.metadata?.labels));
    }
    const fs = one(q, 'fieldSelector');
    if (fs) {
      const reqs = parseFieldSelector(fs, rp.type.kind);
      items = items.filter((o) => fieldsMatch(reqs, o.body));
    }
  } catch (e) {
    if (e instanceof SelectorError) return { code: 400, body: statusBody(400, 'BadRequest', e.message) };
    throw e;
  }
  const cont = one(q, 'continue');
  const rvParam = one(q, 'resourceVersion');
  if (cont) {
    if (rvParam) return { code: 400, body: statusBody(400, 'BadRequest', 'specifying resource version is not allowed when using continue') };
    let token: ContinueToken;
    try {
      token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as ContinueToken;
      if (typeof token.start !== 'string') throw new Error('bad token');
    } catch {
      return { code: 400, body: statusBody(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)') };
    }
    items = items.filter((o) => objectKey(o) > token.start);
  }
  const limitRaw = one(q, 'limit');
  const limit = limitRaw ? Number.parseInt(limitRaw, 10) : 0;
  const metadata: Record<string, unknown> = { resourceVersion: String(state.resourceVersion) };
  if (limit > 0 && items.length > limit) {
    const page = items.slice(0, limit);
    const token: ContinueToken = { rv: state.resourceVersion, start: objectKey(page[page.length - 1]) };
    metadata.continue = Buffer.from(JSON.stringify(token)).toString('base64');
    metadata.remainingItemCount = items.length - limit;
    items = page;
  }
  return {
    code: 200,
    body: {
      kind: `${rp.type.kind}List`,
      apiVersion: apiVersionOf(rp.type.group, rp.version),
      metadata,
      items: items.map((o) => present(o, rp.version, true)),
    },
  };
}

function age(meta: Record<string, unknown> | undefined, now: Date): string {
  const ts = meta?.creationTimestamp;
  if (typeof ts !== 'string') return '<unknown>';
  const secs = Math.max(0, Math.floor((now.getTime() - Date.parse(ts)) / 1000));
  if (secs < 120) return `${secs}s`;
  if (secs < 7200) return `${Math.floor(secs / 60)}m`;
  if (secs < 172800) return `${Math.floor(secs / 3600)}h`;
  return `${Math.floor(secs / 86400)}d`;
}

type Column = { name: string; type: string; format?: string; cell: (o: KubeJson) => unknown };

function columnsFor(kind: string, now: Date): Column[] {
  const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata?.name };
  const ageCol: Column = { name: 'Age', type: 'string', cell: (o) => age(o.metadata, now) };
  const spec = (o: KubeJson) => (o.spec ?? {}) as Record<string, unknown>;
  const status = (o: KubeJson) => (o.status ?? {}) as Record<string, unknown>;
  switch (kind) {
    case 'Pod':
      return [
        name,
        {
          name: 'Ready',
          type: 'string',
          cell: (o) => {
            const cs = (status(o).containerStatuses as { ready?: boolean }[] | undefined) ?? [];
            return `${cs.filter((c) => c.ready).length}/${((spec(o).containers as unknown[]) ?? []).length}`;
          },
        },
        {
          name: 'Status',
          type: 'string',
          cell: (o) => {
            const cs = (status(o).containerStatuses as { state?: { waiting?: { reason?: string } } }[] | undefined) ?? [];
            return cs.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason ?? status(o).phase ?? 'Unknown';
          },
        },
        { name: 'Restarts', type: 'integer', cell: (o) => ((status(o).containerStatuses as { restartCount?: number }[] | undefined) ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0) },
        ageCol,
      ];
    case 'Service':
      return [
        name,
        { name: 'Type', type: 'string', cell: (o) => spec(o).type ?? 'ClusterIP' },
        { name: 'Cluster-IP', type: 'string', cell: (o) => spec(o).clusterIP ?? '<none>' },
        {
          name: 'External-IP',
          type: 'string',
          cell: (o) => ((status(o).loadBalancer as { ingress?: { ip?: string; hostname?: string }[] } | undefined)?.ingress ?? []).map((i) => i.ip ?? i.hostname).join(',') || '<none>',
        },
        {
          name: 'Port(s)',
          type: 'string',
          cell: (o) => ((spec(o).ports as { port: number; protocol?: string; nodePort?: number }[] | undefined) ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
        },
        ageCol,
      ];
    case 'Secret':
      return [name, { name: 'Type', type: 'string', cell: (o) => o.type ?? 'Opaque' }, { name: 'Data', type: 'integer', cell: (o) => Object.keys((o.data as object) ?? {}).length }, ageCol];
    default:
      return [name, ageCol];
  }
}

/** What kubectl's default output asks for (Accept: ...;as=Table;g=meta.k8s.io): rows computed here, like the real server. */
function asTable(kind: string, items: KubeJson[], listMeta: Record<string, unknown>, includeObject: string | undefined, now: Date): unknown {
  const cols = columnsFor(kind, now);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: cols.map((c, i) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: i === 0 ? 0 : 0 })),
    rows: items.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      object: includeObject === 'Object' ? o : includeObject === 'None' ? undefined : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

function discoveryResources(state: ScenarioState, group: string, version: string): unknown {
  const resources: unknown[] = [];
  for (const t of state.registry.inGroupVersion(group, version)) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(`${group}/${t.plural}`).toString('base64').slice(0, 11),
    });
    for (const s of t.subresources ?? []) {
      resources.push({ name: `${t.plural}/${s.name}`, singularName: '', namespaced: t.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

function apiGroup(name: string, versions: string[]): unknown {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** Minimal OpenAPI documents: enough for kubectl to download and parse them; validation falls back to "no schema". */
function openapi(path: string, state: ScenarioState): { code: number; body: unknown } | undefined {
  if (path === '/openapi/v2') {
    return { code: 200, body: { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} } };
  }
  if (path === '/openapi/v3') {
    const paths: Record<string, unknown> = { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=0' } };
    for (const g of state.registry.groups()) {
      for (const v of g.versions) paths[`apis/${g.name}/${v}`] = { serverRelativeURL: `/openapi/v3/apis/${g.name}/${v}?hash=0` };
    }
    return { code: 200, body: { paths } };
  }
  if (path.startsWith('/openapi/v3/')) {
    return { code: 200, body: { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, components: { schemas: {} } } };
  }
  return undefined;
}

function accessReview(state: ScenarioState, body: KubeJson, kind: string, version: string): KubeJson {
  const spec = (body.spec ?? {}) as { resourceAttributes?: Record<string, string>; nonResourceAttributes?: unknown };
  const ra = spec.resourceAttributes;
  let allowed = true;
  let reason = 'allowed by the simulated cluster';
  if (ra) {
    const rule = denied(state.config, {
      verb: ra.verb ?? '',
      group: ra.group ?? '',
      plural: ra.resource ?? '',
      subresource: ra.subresource || undefined,
      namespace: ra.namespace || undefined,
      name: ra.name || undefined,
    });
    if (rule) {
      allowed = false;
      reason = `denied by scenario rule ${JSON.stringify(rule)}`;
    }
  }
  return {
    kind,
    apiVersion: `authorization.k8s.io/${version}`,
    metadata: { creationTimestamp: null },
    spec: body.spec ?? {},
    status: allowed ? { allowed: true, reason } : { allowed: false, denied: true, reason },
  };
}

function readBody(req: IncomingMessage, max = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) reject(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function isAuthenticated(req: IncomingMessage, token: string): boolean {
  const sock = req.socket as TLSSocket;
  if (sock.authorized) return true;
  const h = req.headers.authorization;
  return typeof h === 'string' && h === `Bearer ${token}`;
}

async function handle(state: ScenarioState, req: IncomingMessage, res: ServerResponse, log: (e: LogEntry) => void, version: unknown, now: Date): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://sim.local');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const query = parseQuery(url.searchParams);
  const method = (req.method ?? 'GET').toUpperCase();
  const reply = (code: number, body: unknown, action?: string) => {
    send(res, code, body);
    log({ verb: method, path, query, status: code, ...(action ? { action } : {}) });
  };

  if (method === 'GET') {
    if (path === '/version') return reply(200, version);
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      log({ verb: method, path, query, status: 200 });
      return;
    }
    if (path === '/api') {
      return reply(200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '127.0.0.1' }],
      });
    }
    if (path === '/apis') {
      return reply(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: state.registry.groups().map((g) => apiGroup(g.name, g.versions)) });
    }
    if (path === '/api/v1') return reply(200, discoveryResources(state, '', 'v1'));
    const gm = path.match(/^\/apis\/([^/]+)(?:\/([^/]+))?$/);
    if (gm) {
      const g = state.registry.groups().find((x) => x.name === gm[1]);
      if (!g || (gm[2] && !g.versions.includes(gm[2]))) return reply(404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
      return reply(200, gm[2] ? discoveryResources(state, g.name, gm[2]) : { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(g.name, g.versions) as object) });
    }
    if (path === '/openapi/v2' && /protobuf/.test(String(req.headers.accept ?? ''))) {
      // kubectl asks for the gnostic protobuf form. A Document with only `swagger: "2.0"` (field 1)
      // parses, has no definitions, and makes client-side validation skip kinds it has no schema for.
      const pb = Buffer.concat([Buffer.from([0x0a, 0x03]), Buffer.from('2.0')]);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': pb.length });
      res.end(pb);
      log({ verb: method, path, query, status: 200 });
      return;
    }
    const oa = openapi(path, state);
    if (oa) return reply(oa.code, oa.body);
  }

  const rp = parseResourcePath(state, path);
  if (rp === undefined || rp === 'unknown') {
    return reply(404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
  }

  const wantsTable = /as=Table/.test(String(req.headers.accept ?? ''));
  if (method === 'GET' && !rp.subresource) {
    const watching = one(query, 'watch') === 'true' || one(query, 'watch') === '1';
    const action = rp.name ? 'get' : watching ? 'watch' : 'list';
    const rule = denied(state.config, { verb: action, group: rp.type.group, plural: rp.type.plural, namespace: rp.namespace, name: rp.name });
    if (rule) return reply(403, forbidden(rp, action), action);
    if (rp.name) {
      const o = state.objects.find((x) => x.type === rp.type && x.name === rp.name && (!rp.type.namespaced || x.namespace === rp.namespace));
      if (!o || (rp.type.namespaced && !rp.namespace)) {
        return reply(404, statusBody(404, 'NotFound', `${rp.type.plural}${rp.type.group ? `.${rp.type.group}` : ''} "${rp.name}" not found`, {
          name: rp.name,
          ...(rp.type.group ? { group: rp.type.group } : {}),
          kind: rp.type.plural,
        }), action);
      }
      const obj = present(o, rp.version, false);
      if (wantsTable) return reply(200, asTable(rp.type.kind, [obj], { resourceVersion: String(state.resourceVersion) }, one(query, 'includeObject'), now), action);
      return reply(200, obj, action);
    }
    const listed = listObjects(state, rp, query);
    if (wantsTable && !watching && listed.code === 200) {
      const body = listed.body as { metadata: Record<string, unknown>; items: KubeJson[] };
      return reply(200, asTable(rp.type.kind, body.items, body.metadata, one(query, 'includeObject'), now), action);
    }
    if (watching && listed.code === 200) {
      // A watch that replays the current state and ends: enough for clients that list-then-watch.
      res.writeHead(200, { 'Content-Type': JSON_TYPE });
      for (const item of (listed.body as { items: KubeJson[] }).items) {
        res.write(`${JSON.stringify({ type: 'ADDED', object: { ...item, apiVersion: apiVersionOf(rp.type.group, rp.version), kind: rp.type.kind } })}\n`);
      }
      res.end();
      log({ verb: method, path, query, status: 200, action });
      return;
    }
    return reply(listed.code, listed.body, action);
  }

  if (method === 'POST' && !rp.name && rp.type.group === 'authorization.k8s.io') {
    let body: KubeJson;
    try {
      body = JSON.parse(await readBody(req)) as KubeJson;
    } catch {
      return reply(400, statusBody(400, 'BadRequest', 'the request body is not valid JSON'), 'create');
    }
    if (rp.type.plural === 'selfsubjectaccessreviews' || rp.type.plural === 'subjectaccessreviews') {
      return reply(201, accessReview(state, body, rp.type.kind, rp.version), 'create');
    }
    if (rp.type.plural === 'selfsubjectrulesreviews') {
      return reply(201, {
        kind: 'SelfSubjectRulesReview',
        apiVersion: `authorization.k8s.io/${rp.version}`,
        metadata: { creationTimestamp: null },
        spec: body.spec ?? {},
        status: { resourceRules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [], incomplete: true },
      }, 'create');
    }
  }

  if (rp.subresource === 'exec' || rp.subresource === 'portforward' || rp.subresource === 'attach') {
    // Reached without an Upgrade header: the real server answers 400 for a plain request.
    return reply(400, statusBody(400, 'BadRequest', 'Upgrade request required'), 'create');
  }

  if (method === 'GET' && rp.subresource) {
    return reply(404, statusBody(404, 'NotFound', 'the server could not find the requested resource'), 'get');
  }

  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  return reply(
    405,
    statusBody(405, 'MethodNotAllowed', `the simulated cluster is read-only: ${verbs[method] ?? method} is not supported on ${rp.type.plural}`),
    verbs[method] ?? method.toLowerCase(),
  );
}

function hangs(state: ScenarioState, path: string): boolean {
  return (state.config.hang ?? []).some((h) => h.startsWith('/') && path.startsWith(h));
}

export function writeKubeconfig(
  path: string,
  url: string,
  caPem: string,
  user: { clientCertPem?: string; clientKeyPem?: string; token?: string },
): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sim', cluster: { server: url, 'certificate-authority-data': b64(caPem) } }],
    users: [
      {
        name: 'sim-user',
        user: user.token
          ? { token: user.token }
          : { 'client-certificate-data': b64(user.clientCertPem ?? ''), 'client-key-data': b64(user.clientKeyPem ?? '') },
      },
    ],
    contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'sim-user', namespace: 'default' } }],
    'current-context': 'sim',
    preferences: {},
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toYaml(cfg), { mode: 0o600 });
}

export async function startSim(opts: SimOptions): Promise<Sim> {
  const dir = opts.materialized ? opts.scenarioDir : (await materializeScenario(opts.scenarioDir, opts.now ? { now: opts.now } : {})).dir;
  const state = loadScenario(dir);
  const ca = await issueCert({ cn: 'kubectl-istio-tls-sim-ca', o: 'kubectl-istio-tls simulated cluster', ca: true, keyType: 'p256' });
  const serving = await issueCert({
    cn: 'kube-apiserver',
    dns: ['localhost', 'kubernetes', 'kubernetes.default.svc'],
    ips: ['127.0.0.1'],
    issuer: ca,
    keyType: 'p256',
    extKeyUsage: ['serverAuth'],
  });
  const client = await issueCert({ cn: 'sim-user', o: 'system:masters', issuer: ca, keyType: 'p256', extKeyUsage: ['clientAuth'] });
  const token = randomBytes(24).toString('hex');
  const requestLog: LogEntry[] = [];
  const log = (e: LogEntry) => {
    requestLog.push(e);
    if (opts.logPath) appendFileSync(opts.logPath, `${JSON.stringify(e)}\n`);
  };
  if (opts.logPath) {
    mkdirSync(dirname(opts.logPath), { recursive: true });
    writeFileSync(opts.logPath, '');
  }
  const sockets = new Set<Socket>();
  const version = {
    major: '1',
    minor: '32',
    gitVersion: state.config.kubernetesVersion ?? 'v1.32.0-sim',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
  const server: Server = createServer(
    { key: serving.keyPem, cert: serving.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'https://sim.local').pathname;
      if (!isAuthenticated(req, token)) {
        send(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
        log({ verb: (req.method ?? 'GET').toUpperCase(), path, query: parseQuery(new URL(req.url ?? '/', 'https://sim.local').searchParams), status: 401 });
        return;
      }
      if (hangs(state, path)) return; // never answers; the socket is destroyed on stop()
      const go = () =>
        handle(state, req, res, log, version, opts.now ?? new Date()).catch((e: unknown) => {
          if (!res.headersSent) send(res, 500, statusBody(500, 'InternalError', `simulated cluster error: ${(e as Error).message}`));
          log({ verb: (req.method ?? 'GET').toUpperCase(), path, query: {}, status: 500 });
        });
      if (state.config.latencyMs) setTimeout(go, state.config.latencyMs);
      else void go();
    },
  );
  const ctx: RequestContext = { state, now: opts.now ?? new Date(), log, track: (s) => sockets.add(s) };
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: TLSSocket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!isAuthenticated(req, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' + JSON.stringify(statusBody(401, 'Unauthorized', 'Unauthorized')));
      const u = new URL(req.url ?? '/', 'https://sim.local');
      log({ verb: (req.method ?? 'GET').toUpperCase(), path: u.pathname, query: parseQuery(u.searchParams), status: 401 });
      return;
    }
    handleUpgrade(ctx, req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfigPath = opts.kubeconfigPath ?? join(dir, '.kubeconfig');
  writeKubeconfig(
    kubeconfigPath,
    url,
    ca.certPem,
    opts.auth === 'token' ? { token } : { clientCertPem: client.certPem, clientKeyPem: client.keyPem },
  );
  return {
    url,
    kubeconfigPath,
    requestLog,
    dir,
    ...(opts.logPath ? { logPath: opts.logPath } : {}),
    state,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
