// Inside the gateway pods: what Envoy really loaded, and the legacy mounted files — read-only,
// distroless-safe. Per pod: one port-forward to Envoy's admin port 15000 carrying the whole read
// sequence (what istioctl does); if that is refused, `pilot-agent request GET <path>` by exec in
// istio-proxy (present in every proxyv2 image, distroless included). Legacy file paths from
// Gateways are validated, then read with argv vectors (`ls -1A <dir>`, `cat <cert>`), never a
// shell string; key files are never read. Pods run in parallel with a bound, each with timeouts.
import { posix } from 'node:path';
import type {
  DirectoryListing,
  EnvoyCertDetail,
  EnvoyInspection,
  EnvoySecret,
  Gateway,
  InspectionState,
  Pod,
  PodFileRead,
  PodInspection,
  Snapshot,
  Unreadable,
} from '../snapshot/types.js';
import type { ConnectionOptions } from './client.js';
import { execArgv, portForwardGets, type ExecOutput, type StreamOutcome } from './stream.js';

/** Labels Istio puts on the pods of a Gateway-API Gateway it deploys (as model/gateway-api.ts reads them). */
export const GATEWAY_NAME_LABELS = ['gateway.networking.k8s.io/gateway-name', 'istio.io/gateway-name'];

export const ENVOY_ADMIN_PORT = 15000;
export const PROXY_CONTAINER = 'istio-proxy';

/** The admin reads, in order. mask/resource keep answers small (no listener filter chains). */
export const ENVOY_READS = {
  certs: '/certs',
  secrets: '/config_dump?mask=dynamic_active_secrets,dynamic_warming_secrets',
  listeners: '/config_dump?resource=dynamic_listeners&mask=name,error_state',
  stats: `/stats?format=json&filter=${encodeURIComponent('listener_manager\\.lds\\.update_rejected|no_filter_chain_match')}`,
} as const;

export interface InspectOptions {
  server: string;
  connection: ConnectionOptions;
  requestTimeoutMs: number;
  /** -n: only Gateways of this namespace choose the pods */
  namespace?: string;
  /** pods inspected at once (default 4) */
  concurrency?: number;
}

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/**
 * A Gateway file path is used as one argv element only after this check: absolute, already
 * normalised (no `.`/`..` segments, no `//`), and only characters certificate paths have. Anything
 * else — `;`, spaces, quotes, `$`, backticks, control characters — is refused, not escaped.
 */
export function validateContainerPath(raw: unknown): PathCheck {
  if (typeof raw !== 'string' || raw === '') return { ok: false, reason: 'empty path' };
  if (raw.length > 1024) return { ok: false, reason: 'path longer than 1024 characters' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { ok: false, reason: 'path contains control characters' };
  if (!raw.startsWith('/')) return { ok: false, reason: 'path is not absolute' };
  if (raw.split('/').some((seg) => seg === '..' || seg === '.')) return { ok: false, reason: 'path contains "." or ".." segments' };
  if (posix.normalize(raw) !== raw || (raw.length > 1 && raw.endsWith('/'))) return { ok: false, reason: 'path is not normalised' };
  const bad = raw.match(/[^A-Za-z0-9._\-/+@=:,~]/g);
  if (bad) return { ok: false, reason: `path contains characters a certificate path should not have: ${[...new Set(bad)].map((c) => JSON.stringify(c)).join(' ')}` };
  return { ok: true, path: raw };
}

export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** A pod running a gateway Envoy (router mode) rather than a sidecar — same rule as model/model.ts. */
export function isGatewayProxy(pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  if (labels['istio.io/gateway-name'] || /gateway/.test(labels['istio'] ?? '') || labels['gateway.istio.io/managed']) return true;
  return (pod.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER && (c.args ?? []).includes('router'));
}

/** Gateway pods (selector matches, any namespace) with the legacy file paths their servers name. */
export function gatewayPods(snapshot: Snapshot, namespace?: string): { pod: Pod; certPaths: string[] }[] {
  const out = new Map<string, { pod: Pod; certPaths: Set<string> }>();
  const gateways: Gateway[] = snapshot.gateways.filter((g) => !namespace || g.metadata.namespace === namespace);
  for (const pod of snapshot.pods) {
    for (const gw of gateways) {
      const selector = gw.spec?.selector;
      const empty = !selector || Object.keys(selector).length === 0;
      // istiod applies a Gateway without selector to every gateway proxy.
      if (empty ? !isGatewayProxy(pod) : !labelsMatch(selector, pod.metadata.labels)) continue;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const entry = out.get(key) ?? { pod, certPaths: new Set<string>() };
      out.set(key, entry);
      for (const s of gw.spec?.servers ?? []) {
        const tls = s.tls;
        if (!tls) continue;
        // Certificates only: privateKey paths are never read.
        for (const p of [tls.serverCertificate, tls.caCertificates, ...(tls.tlsCertificates ?? []).flatMap((t) => [t.serverCertificate, t.caCertificates])]) {
          if (typeof p === 'string' && p !== '') entry.certPaths.add(p);
        }
      }
    }
  }
  // Gateway API Gateways that terminate TLS: Istio deploys their pods labelled with the Gateway's name
  // (gateway.networking.k8s.io/gateway-name since 1.24, istio.io/gateway-name before; as
  // checks/gateway-api-model.ts reads them). Their Envoy holds kubernetes-gateway://<ns>/<name> secrets.
  const byGatewayName = new Map<string, Pod[]>();
  for (const pod of snapshot.pods) {
    for (const label of GATEWAY_NAME_LABELS) {
      const v = pod.metadata.labels?.[label];
      if (!v) continue;
      const k = `${pod.metadata.namespace ?? 'default'}/${v}`;
      const list = byGatewayName.get(k) ?? [];
      if (!list.includes(pod)) list.push(pod);
      byGatewayName.set(k, list);
    }
  }
  for (const gw of snapshot.kubernetesGateways ?? []) {
    const gwNs = gw.metadata.namespace ?? 'default';
    if (namespace && gwNs !== namespace) continue;
    const terminates = (gw.spec?.listeners ?? []).some((l) => {
      const protocol = (l.protocol ?? '').toUpperCase();
      return protocol === 'HTTPS' || (protocol === 'TLS' && (l.tls?.mode ?? 'Terminate') === 'Terminate');
    });
    if (!terminates) continue;
    for (const pod of byGatewayName.get(`${gwNs}/${gw.metadata.name}`) ?? []) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (!out.has(key)) out.set(key, { pod, certPaths: new Set<string>() });
    }
  }
  return [...out.values()].map((e) => ({ pod: e.pod, certPaths: [...e.certPaths] }));
}

type Json = Record<string, unknown>;

function parseCerts(body: string): EnvoyInspection['certificates'] {
  const doc = JSON.parse(body) as { certificates?: { ca_cert?: Json[]; cert_chain?: Json[] }[] };
  const detail = (d: Json): EnvoyCertDetail => {
    const out: EnvoyCertDetail = {};
    if (typeof d.path === 'string') out.path = d.path;
    if (typeof d.serial_number === 'string') out.serialNumber = d.serial_number;
    if (Array.isArray(d.subject_alt_names)) {
      out.subjectAltNames = (d.subject_alt_names as Record<string, string>[]).map((s) => s.dns ?? s.uri ?? s.ip_address ?? '').filter(Boolean);
    }
    if (d.days_until_expiration !== undefined) out.daysUntilExpiration = Number(d.days_until_expiration);
    if (typeof d.valid_from === 'string') out.validFrom = d.valid_from;
    if (typeof d.expiration_time === 'string') out.expirationTime = d.expiration_time;
    return out;
  };
  return (doc.certificates ?? []).map((c) => ({ caCert: (c.ca_cert ?? []).map(detail), certChain: (c.cert_chain ?? []).map(detail) }));
}

function bytesField(f: unknown): string | undefined {
  if (!f || typeof f !== 'object') return undefined;
  const o = f as { inline_bytes?: string; inline_string?: string; filename?: string };
  if (typeof o.inline_bytes === 'string') return Buffer.from(o.inline_bytes, 'base64').toString('utf8');
  if (typeof o.inline_string === 'string') return o.inline_string;
  return undefined;
}

/** SecretsConfigDump → secrets, certificate material only (private_key is never copied, redacted or not). */
export function parseSecrets(body: string): EnvoySecret[] {
  const doc = JSON.parse(body) as { configs?: Json[] };
  const out: EnvoySecret[] = [];
  const add = (s: Json, state: 'ACTIVE' | 'WARMING') => {
    const secret = (s.secret ?? {}) as {
      name?: string;
      tls_certificate?: { certificate_chain?: unknown };
      validation_context?: { trusted_ca?: unknown; custom_validator_config?: { typed_config?: { trust_domains?: { trust_bundle?: unknown }[] } } };
    };
    const name = typeof s.name === 'string' ? s.name : secret.name;
    if (!name) return;
    const e: EnvoySecret = { name, state };
    // SPIFFE validator (SPIRE, multi-trust-domain): trusted_ca is empty, the roots are per trust domain.
    const bundles = (secret.validation_context?.custom_validator_config?.typed_config?.trust_domains ?? []).map((d) => bytesField(d.trust_bundle)).filter((b): b is string => !!b);
    const pem =
      bytesField(secret.tls_certificate?.certificate_chain) ??
      bytesField(secret.validation_context?.trusted_ca) ??
      (bundles.length ? bundles.map((b) => (b.endsWith('\n') ? b : `${b}\n`)).join('') : undefined);
    if (pem && pem.includes('-----BEGIN CERTIFICATE-----') && !pem.includes('PRIVATE KEY')) e.certificateChainPem = pem;
    if (typeof s.version_info === 'string') e.versionInfo = s.version_info;
    if (typeof s.last_updated === 'string') e.lastUpdated = s.last_updated;
    out.push(e);
  };
  for (const c of doc.configs ?? []) {
    const type = String(c['@type'] ?? '');
    if (type.endsWith('SecretsConfigDump')) {
      for (const s of (c.dynamic_active_secrets as Json[] | undefined) ?? []) add(s, 'ACTIVE');
      for (const s of (c.dynamic_warming_secrets as Json[] | undefined) ?? []) add(s, 'WARMING');
    } else if (type.endsWith('SecretsConfigDump.DynamicSecret')) add(c, 'ACTIVE');
  }
  return out;
}

export function parseListeners(body: string): { name: string; error: string }[] {
  const doc = JSON.parse(body) as { configs?: Json[] };
  const out: { name: string; error: string }[] = [];
  for (const c of doc.configs ?? []) {
    const err = c.error_state as { details?: string; failed_configuration?: { name?: string } } | undefined;
    if (!err) continue;
    out.push({ name: String(c.name ?? err.failed_configuration?.name ?? ''), error: err.details ?? 'listener update rejected' });
  }
  return out;
}

function parseStats(body: string): Record<string, number> {
  const doc = JSON.parse(body) as { stats?: { name?: string; value?: number | string }[] };
  const out: Record<string, number> = {};
  for (const s of doc.stats ?? []) if (s.name !== undefined && s.value !== undefined) out[s.name] = Number(s.value);
  return out;
}

type ReadKey = keyof typeof ENVOY_READS;
const READ_KEYS = Object.keys(ENVOY_READS) as ReadKey[];

function fillEnvoy(envoy: EnvoyInspection, answers: Partial<Record<ReadKey, { status: number; body: string }>>): void {
  const problems: string[] = [];
  const use = <T>(k: ReadKey, parse: (b: string) => T, set: (v: T) => void) => {
    const a = answers[k];
    if (!a) return;
    if (a.status !== 200) {
      problems.push(`${ENVOY_READS[k]} answered ${a.status}`);
      return;
    }
    try {
      set(parse(a.body));
    } catch {
      problems.push(`${ENVOY_READS[k]} was not valid JSON`);
    }
  };
  use('certs', parseCerts, (v) => (envoy.certificates = v));
  use('secrets', parseSecrets, (v) => (envoy.secrets = v));
  use('listeners', parseListeners, (v) => (envoy.rejectedListeners = v));
  use('stats', parseStats, (v) => (envoy.listenerStats = v));
  if (problems.length) envoy.detail = problems.join('; ');
}

export type ExecVerdict = { kind: 'ok' } | { kind: 'missing' } | { kind: 'no-tool' | 'permission-denied' | 'exec-failed'; detail: string };

/** The runtime could not start the binary, in the forms containerd/runc, crun (CRI-O) and Docker (cri-dockerd) print. */
const NO_BINARY = /executable file (?:`[^`]*` )?not found|OCI runtime exec failed|unable to start container process|exec format error|: not found$|command not found/im;

/**
 * What a command that ran in a container really says, from its exit code and output: only a file
 * tool's own "No such file or directory" about the path asked for means missing. A binary the image
 * lacks comes back differently per runtime — containerd refuses to start it (not-started), CRI-O/crun
 * exits 127 with "executable file `ls` not found in $PATH: No such file or directory", cri-dockerd
 * exits 126 with "OCI runtime exec failed" on stdout — and is never read as a missing file.
 */
export function classifyExec(out: ExecOutput, path: string): ExecVerdict {
  if (out.exitCode === 0) return { kind: 'ok' };
  const text = `${out.stderr.toString('utf8')}\n${out.stdout.toString('utf8')}`.trim();
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
  const said = first ? `: ${first}` : ' and printed nothing';
  if (NO_BINARY.test(text) || out.exitCode === 126 || out.exitCode === 127) {
    return { kind: 'no-tool', detail: `the command could not run in the container (exit code ${out.exitCode})${said}` };
  }
  if (/permission denied|operation not permitted/i.test(text)) return { kind: 'permission-denied', detail: `exit code ${out.exitCode}${said}` };
  if ((out.exitCode === 1 || out.exitCode === 2) && /no such file or directory/i.test(text) && text.includes(path)) return { kind: 'missing' };
  return { kind: 'exec-failed', detail: `exit code ${out.exitCode}${said}` };
}

function stateOf(o: StreamOutcome<unknown>): InspectionState {
  if (o.kind === 'refused') return o.status === 403 ? 'forbidden' : o.status === 400 ? 'not-running' : 'unreachable';
  if (o.kind === 'timeout') return 'timeout';
  if (o.kind === 'not-started') return 'no-tool';
  return 'unreachable';
}

function messageOf(o: StreamOutcome<unknown>): string {
  return o.kind === 'ok' ? '' : o.message;
}

interface PodResult {
  inspection: PodInspection;
  /** set when Envoy could not be read by any means */
  failure?: { resource: 'pods/exec' | 'pods/portforward'; status: number; reason: string };
}

async function inspectPod(pod: Pod, certPaths: string[], opts: InspectOptions): Promise<PodResult> {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  const t = opts.requestTimeoutMs;
  const inspection: PodInspection = {
    namespace: ns,
    pod: name,
    container: PROXY_CONTAINER,
    files: [],
    directories: [],
    fileAccess: { state: 'skipped' },
    envoy: { via: 'none', state: 'skipped' },
  };
  const hasProxy = (pod.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER);
  if (!hasProxy) {
    inspection.envoy = { via: 'none', state: 'no-container', detail: `pod has no ${PROXY_CONTAINER} container` };
    inspection.fileAccess = { state: 'no-container', detail: inspection.envoy.detail };
    return { inspection };
  }
  const phase = pod.status?.phase;
  if (phase !== 'Running') {
    const detail = `pod is ${phase ?? 'in an unknown phase'}, not Running`;
    inspection.envoy = { via: 'none', state: 'not-running', detail };
    inspection.fileAccess = { state: 'not-running', detail };
    return { inspection };
  }

  let failure: PodResult['failure'];
  let execRefused: StreamOutcome<unknown> | undefined;
  let podHung = false;

  // 1. Envoy through a port-forward: one connection, the whole read sequence.
  const pf = await portForwardGets(opts.connection, opts.server, ns, name, ENVOY_ADMIN_PORT, READ_KEYS.map((k) => ENVOY_READS[k]), t);
  if (pf.kind === 'ok') {
    inspection.envoy = { via: 'port-forward', state: 'ok' };
    const answers: Partial<Record<ReadKey, { status: number; body: string }>> = {};
    READ_KEYS.forEach((k, i) => (answers[k] = pf.answers[i]));
    fillEnvoy(inspection.envoy, answers);
  } else if (pf.kind === 'timeout') {
    // A pod that does not answer a port-forward will not answer an exec either: do not wait twice.
    podHung = true;
    inspection.envoy = { via: 'port-forward', state: 'timeout', detail: pf.message };
    failure = { resource: 'pods/portforward', status: 0, reason: pf.message };
  } else {
    // 2. Fallback: pilot-agent request GET <path> in istio-proxy, one exec per read.
    const answers: Partial<Record<ReadKey, { status: number; body: string }>> = {};
    let execFailure: StreamOutcome<unknown> | undefined;
    for (const k of READ_KEYS) {
      const r = await execArgv(opts.connection, opts.server, ns, name, PROXY_CONTAINER, ['pilot-agent', 'request', 'GET', ENVOY_READS[k].slice(1)], t);
      if (r.kind !== 'ok') {
        execFailure = r;
        break;
      }
      const verdict = classifyExec(r, 'pilot-agent');
      if (verdict.kind === 'no-tool') {
        // CRI-O and cri-dockerd start the exec and report the missing binary as exit 127/126
        execFailure = { kind: 'not-started', message: `pilot-agent: ${verdict.detail}` };
        break;
      }
      answers[k] = r.exitCode === 0 ? { status: 200, body: r.stdout.toString('utf8') } : { status: 500, body: r.stderr.toString('utf8') };
    }
    if (!execFailure) {
      inspection.envoy = { via: 'exec', state: 'ok', detail: `port-forward failed (${messageOf(pf)}); read through pilot-agent` };
      fillEnvoy(inspection.envoy, answers);
      inspection.envoy.detail = inspection.envoy.detail ?? `port-forward failed (${messageOf(pf)}); read through pilot-agent`;
    } else {
      const state = stateOf(execFailure);
      if (execFailure.kind === 'refused') execRefused = execFailure;
      if (execFailure.kind === 'timeout') podHung = true;
      const detail = `port-forward: ${messageOf(pf)}; exec pilot-agent: ${messageOf(execFailure)}`;
      inspection.envoy = { via: 'none', state, detail };
      failure = {
        resource: 'pods/exec',
        status: execFailure.kind === 'refused' ? execFailure.status : 0,
        reason: detail,
      };
    }
  }

  // 3. Legacy mounted files, only when a Gateway names file paths.
  if (certPaths.length === 0) {
    inspection.fileAccess = { state: 'skipped', detail: 'no Gateway selecting this pod uses file paths' };
  } else {
    const valid: string[] = [];
    for (const p of certPaths) {
      const v = validateContainerPath(p);
      if (v.ok) valid.push(v.path);
      else inspection.files.push({ path: p, exists: false, error: `invalid path: ${v.reason}` });
    }
    if (valid.length === 0) {
      inspection.fileAccess = { state: 'skipped', detail: 'no valid file path to read' };
    } else if (podHung) {
      inspection.fileAccess = { state: 'timeout', detail: 'the pod did not answer; files not read' };
    } else if (execRefused) {
      inspection.fileAccess = { state: stateOf(execRefused), detail: messageOf(execRefused) };
    } else {
      inspection.fileAccess = await readFiles(valid, inspection.files, inspection.directories, opts, ns, name);
    }
  }
  return failure ? { inspection, failure } : { inspection };
}

async function readFiles(
  paths: string[],
  files: PodFileRead[],
  directories: DirectoryListing[],
  opts: InspectOptions,
  ns: string,
  pod: string,
): Promise<PodInspection['fileAccess']> {
  const t = opts.requestTimeoutMs;
  const dirs = [...new Set(paths.map((p) => posix.dirname(p)))];
  const listed = new Map<string, Set<string>>();
  for (const dir of dirs) {
    const r = await execArgv(opts.connection, opts.server, ns, pod, PROXY_CONTAINER, ['ls', '-1A', dir], t);
    if (r.kind !== 'ok') {
      const state = stateOf(r);
      return { state, detail: state === 'no-tool' ? `no ls/cat in the image (distroless): ${r.message}` : messageOf(r) };
    }
    const verdict = classifyExec(r, dir);
    if (verdict.kind !== 'ok' && verdict.kind !== 'missing') {
      return { state: verdict.kind, detail: verdict.kind === 'no-tool' ? `no ls/cat in the image (distroless): ls ${dir}: ${verdict.detail}` : `ls ${dir}: ${verdict.detail}` };
    }
    const exists = verdict.kind === 'ok';
    // Secret volumes hold ..data and ..<timestamp> links; they are not files the Gateway names.
    const entries = exists ? r.stdout.toString('utf8').split('\n').filter((e) => e && !e.startsWith('..')) : [];
    directories.push({ path: dir, exists, entries });
    listed.set(dir, new Set(entries));
  }
  for (const p of paths) {
    if (!listed.get(posix.dirname(p))?.has(posix.basename(p))) {
      files.push({ path: p, exists: false });
      continue;
    }
    const r = await execArgv(opts.connection, opts.server, ns, pod, PROXY_CONTAINER, ['cat', p], t);
    if (r.kind !== 'ok') return { state: stateOf(r), detail: messageOf(r) };
    const verdict = classifyExec(r, p);
    if (verdict.kind === 'missing') {
      files.push({ path: p, exists: false, error: r.stderr.toString('utf8').trim() });
      continue;
    }
    if (verdict.kind === 'permission-denied') {
      // listed, so it is there; its content is unknown, not absent
      files.push({ path: p, exists: true, error: `not readable: ${verdict.detail}` });
      continue;
    }
    if (verdict.kind !== 'ok') return { state: verdict.kind, detail: `cat ${p}: ${verdict.detail}` };
    const text = r.stdout.toString('utf8');
    const read: PodFileRead = { path: p, exists: true, size: r.stdout.length };
    // Certificates only. A "certificate" path that holds a key is noted, and its bytes dropped.
    if (/PRIVATE KEY-----/.test(text)) read.error = 'the file holds a private key; its content was not kept';
    else read.content = text;
    files.push(read);
  }
  return { state: 'ok' };
}

export async function mapBounded<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

const IMPACT = 'what Envoy loaded there is unknown: ITLS206, ITLS208, ITLS210 and ITLS213 were not checked from inside the pod';

/** Inspect every running gateway pod; fills snapshot.inspections and adds snapshot.unreadable entries. */
export async function inspectGatewayPods(snapshot: Snapshot, opts: InspectOptions): Promise<void> {
  const targets = gatewayPods(snapshot, opts.namespace);
  const results = await mapBounded(targets, Math.max(1, opts.concurrency ?? 4), (t) => inspectPod(t.pod, t.certPaths, opts));
  snapshot.inspections.push(...results.map((r) => r.inspection));
  // One unreadable entry per cause and namespace, naming the pods: ten replicas refused alike are one problem.
  const grouped = new Map<string, { u: Unreadable; pods: string[] }>();
  for (const r of results) {
    if (!r.failure) continue;
    const key = `${r.failure.resource}|${r.inspection.namespace}|${r.failure.status}`;
    const g = grouped.get(key) ?? {
      u: { resource: r.failure.resource, verb: 'create', namespace: r.inspection.namespace, status: r.failure.status, reason: '', impact: '' },
      pods: [],
    };
    g.pods.push(r.inspection.pod);
    if (!g.u.reason) g.u.reason = r.failure.reason;
    grouped.set(key, g);
  }
  for (const { u, pods } of grouped.values()) {
    u.reason = `${pods.length === 1 ? `pod ${pods[0]}` : `pods ${pods.join(', ')}`}: ${u.reason}`;
    u.impact = `in-pod inspection of ${pods.join(', ')} failed, so ${IMPACT}`;
    snapshot.unreadable.push(u);
  }
}
