// A model of one gateway pod's Envoy admin API (port 15000 / `pilot-agent request GET <path>`),
// derived from the scenario: the Gateways selecting the pod, the Secrets they reference in the
// pod's namespace, and the files mounted in the pod. Formats follow Envoy's admin protos:
// /certs → admin.v3.Certificates; /config_dump → admin.v3.ConfigDump with SecretsConfigDump and
// ListenersConfigDump (resource= and mask= filters); /stats → {"stats":[{name,value}]}.
// envoy/<ns>/<pod>/<endpoint>.json overrides an endpoint (certs, config_dump, stats), so a stale or
// WARMING state is a one-file scenario.
import { X509Certificate } from 'node:crypto';
import type { KubeJson, ScenarioState, StoredObject } from './scenario.js';
import { servedOverrides } from './tls.js';

const T_SECRETS_DUMP = 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump';
const T_DYNAMIC_SECRET = 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump.DynamicSecret';
const T_SECRET = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const T_LISTENERS_DUMP = 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump';
const T_DYNAMIC_LISTENER = 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener';
const T_LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const T_BOOTSTRAP_DUMP = 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump';
/** Envoy prints sensitive bytes fields as base64("[redacted]"). */
const REDACTED_B64 = Buffer.from('[redacted]').toString('base64');

type Json = Record<string, unknown>;

interface ModelSecret {
  name: string;
  state: 'ACTIVE' | 'WARMING';
  /** PEM chain for tls_certificate secrets */
  chainPem?: string;
  /** PEM bundle for validation_context secrets */
  caPem?: string;
  /** file path when the secret comes from files (file-cert:/file-root:) */
  path?: string;
}

interface ModelListener {
  name: string;
  port: number;
  serverNames: string[];
  secretNames: string[];
}

export interface PodModel {
  podKey: string;
  secrets: ModelSecret[];
  listeners: ModelListener[];
}

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function b64(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = Buffer.from(s, 'base64').toString('utf8');
  return t.includes('-----BEGIN') ? t : undefined;
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

interface TlsServer {
  port: { number: number };
  hosts?: string[];
  tls?: { mode?: string; credentialName?: string; credentialNames?: string[]; serverCertificate?: string; privateKey?: string; caCertificates?: string };
}

/**
 * The SDS resource name istiod gives a credentialName (pilot/pkg/model/credentials/resource.go
 * ToResourceName): `kubernetes://` and `kubernetes-gateway://` names are kept, anything else gets
 * `kubernetes://` in front (so `ns/name` becomes `kubernetes://ns/name`). `sds://<name>` without an SDS
 * socket or provider falls back to that (security/model/authentication.go); `builtin://` is the
 * workload certificate (`default`), not a Secret.
 */
export function sdsResourceName(credentialName: string): string | undefined {
  if (credentialName.startsWith('builtin://')) return undefined;
  const c = credentialName.startsWith('sds://') ? credentialName.slice('sds://'.length) : credentialName;
  if (c.startsWith('kubernetes://') || c.startsWith('kubernetes-gateway://')) return c;
  return `kubernetes://${c}`;
}

/** The Secret a resource name reads (ParseResourceName): `kubernetes://[ns/]name` from the proxy's namespace by default. */
export function secretOfResource(resourceName: string, proxyNamespace: string): { namespace: string; name: string } | undefined {
  const m = /^(kubernetes|kubernetes-gateway):\/\/(.*)$/.exec(resourceName);
  if (!m) return undefined;
  const parts = m[2].split('/');
  if (parts.length > 1) return parts[0] && parts[1] ? { namespace: parts[0], name: parts[1] } : undefined;
  return m[1] === 'kubernetes' && parts[0] ? { namespace: proxyNamespace, name: parts[0] } : undefined;
}

export function buildPodModel(state: ScenarioState, namespace: string, podName: string): PodModel | undefined {
  const pod = state.objects.find((o) => o.type.kind === 'Pod' && o.namespace === namespace && o.name === podName);
  if (!pod) return undefined;
  const podKey = `${namespace}/${podName}`;
  const labels = pod.body.metadata?.labels;
  const gateways = state.objects.filter(
    (o) => o.type.kind === 'Gateway' && o.type.group === 'networking.istio.io' && labelsMatch((o.body.spec as { selector?: Record<string, string> })?.selector, labels),
  );
  const secretsByName = new Map<string, ModelSecret>();
  const files = state.files.get(podKey);
  const readFile = (p: string) => files?.get(p)?.toString('utf8');
  const services = state.objects.filter(
    (o) => o.type.kind === 'Service' && o.namespace === namespace && labelsMatch((o.body.spec as { selector?: Record<string, string> })?.selector, labels),
  );
  const targetPort = (port: number): number => {
    for (const s of services) {
      for (const p of ((s.body.spec as { ports?: { port: number; targetPort?: number | string }[] }).ports ?? [])) {
        if (p.port === port && typeof p.targetPort === 'number') return p.targetPort;
      }
    }
    return port;
  };
  const listeners = new Map<number, ModelListener>();
  const secretFor = (ns: string, name: string): KubeJson | undefined =>
    state.objects.find((o: StoredObject) => o.type.kind === 'Secret' && o.namespace === ns && o.name === name)?.body;

  // Gateway API Gateways served by this pod (Istio labels their pods with the Gateway's name); their
  // listeners become servers whose credentials are kubernetes-gateway://<ns>/<name> (conversion.go).
  const gwName = labels?.['gateway.networking.k8s.io/gateway-name'] ?? labels?.['istio.io/gateway-name'];
  const k8sServers: TlsServer[] = [];
  for (const o of state.objects) {
    if (!gwName || o.type.kind !== 'Gateway' || o.type.group !== 'gateway.networking.k8s.io' || o.namespace !== namespace || o.name !== gwName) continue;
    type Listener = { port: number; hostname?: string; protocol?: string; tls?: { mode?: string; certificateRefs?: { name: string; namespace?: string }[] } };
    for (const l of ((o.body.spec as { listeners?: Listener[] }).listeners ?? [])) {
      const protocol = (l.protocol ?? '').toUpperCase();
      if (!(protocol === 'HTTPS' || protocol === 'TLS') || (l.tls?.mode ?? 'Terminate') !== 'Terminate') continue;
      const refs = (l.tls?.certificateRefs ?? []).map((r) => `kubernetes-gateway://${r.namespace ?? namespace}/${r.name}`);
      k8sServers.push({ port: { number: l.port }, hosts: [l.hostname ?? '*'], tls: { mode: 'SIMPLE', credentialNames: refs } });
    }
  }
  const servers = [...gateways.flatMap((gw) => (gw.body.spec as { servers?: TlsServer[] }).servers ?? []), ...k8sServers];

  for (const server of servers) {
    const tls = server.tls;
    const mode = (tls?.mode ?? '').toUpperCase();
    if (!tls || !['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL'].includes(mode)) continue;
    const port = targetPort(server.port.number);
    const listener = listeners.get(port) ?? { name: `0.0.0.0_${port}`, port, serverNames: [], secretNames: [] };
    listeners.set(port, listener);
    listener.serverNames.push(...(server.hosts ?? []).map((h) => h.slice(h.indexOf('/') + 1)));
    const creds = tls.credentialNames?.length ? tls.credentialNames : tls.credentialName ? [tls.credentialName] : [];
    for (const cred of creds) {
      const name = sdsResourceName(cred);
      const ref = name ? secretOfResource(name, namespace) : undefined;
      if (!name || !ref) continue; // builtin:// is the workload's own certificate, not a Secret
      const data = (secretFor(ref.namespace, ref.name)?.data ?? {}) as Record<string, string>;
      // scenario.json `served`: what this pod's Envoy really holds for the credential (src/sim/tls.ts)
      const served = servedOverrides(state, namespace, podName).find((o) => o.chain && o.credential === cred.replace(/^(kubernetes|sds):\/\//, ''));
      const chainPem = served?.chain ?? b64(data.cert) ?? b64(data['tls.crt']);
      secretsByName.set(name, { name, state: chainPem ? 'ACTIVE' : 'WARMING', chainPem });
      listener.secretNames.push(name);
      if (mode !== 'SIMPLE') {
        const caName = `${name}-cacert`;
        const caPem = b64(data.cacert) ?? b64(data['ca.crt']) ?? b64((secretFor(ref.namespace, `${ref.name}-cacert`)?.data as Record<string, string> | undefined)?.cacert);
        secretsByName.set(caName, { name: caName, state: caPem ? 'ACTIVE' : 'WARMING', caPem });
        listener.secretNames.push(caName);
      }
    }
    if (creds.length === 0 && tls.serverCertificate) {
      // Istio serves file-mounted gateway certificates through pilot-agent's SDS under this name.
      const name = `file-cert:${tls.serverCertificate}~${tls.privateKey ?? ''}`;
      const content = readFile(tls.serverCertificate);
      const chainPem = content && content.includes('-----BEGIN CERTIFICATE-----') ? content : undefined;
      secretsByName.set(name, { name, state: chainPem ? 'ACTIVE' : 'WARMING', chainPem, path: tls.serverCertificate });
      listener.secretNames.push(name);
      if (tls.caCertificates) {
        const rootName = `file-root:${tls.caCertificates}`;
        const ca = readFile(tls.caCertificates);
        const caPem = ca && ca.includes('-----BEGIN CERTIFICATE-----') ? ca : undefined;
        secretsByName.set(rootName, { name: rootName, state: caPem ? 'ACTIVE' : 'WARMING', caPem, path: tls.caCertificates });
        listener.secretNames.push(rootName);
      }
    }
  }
  return { podKey, secrets: [...secretsByName.values()], listeners: [...listeners.values()] };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function certDetails(pem: string, path: string, now: Date): Json {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => {
      const i = s.indexOf(':');
      const kind = s.slice(0, i);
      const value = s.slice(i + 1);
      return kind === 'DNS' ? { dns: value } : kind === 'URI' ? { uri: value } : kind === 'IP Address' ? { ip_address: value } : { dns: value };
    });
  const notAfter = new Date(x.validTo);
  const days = Math.max(0, Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000));
  return {
    path,
    serial_number: x.serialNumber.toLowerCase(),
    subject_alt_names: sans,
    days_until_expiration: String(days),
    valid_from: rfc3339(new Date(x.validFrom)),
    expiration_time: rfc3339(notAfter),
  };
}

export function certsDocument(model: PodModel, now: Date): Json {
  const certificates: Json[] = [];
  for (const s of model.secrets) {
    if (s.state !== 'ACTIVE') continue;
    const path = s.path ?? '<inline>';
    if (s.chainPem) certificates.push({ ca_cert: [], cert_chain: pemBlocks(s.chainPem).map((p) => certDetails(p, path, now)) });
    if (s.caPem) certificates.push({ ca_cert: pemBlocks(s.caPem).map((p) => certDetails(p, path, now)), cert_chain: [] });
  }
  return { certificates };
}

function dynamicSecret(s: ModelSecret, lastUpdated: string): Json {
  const secret: Json = { '@type': T_SECRET, name: s.name };
  if (s.chainPem) {
    secret.tls_certificate = { certificate_chain: { inline_bytes: Buffer.from(s.chainPem).toString('base64') }, private_key: { inline_bytes: REDACTED_B64 } };
  } else if (s.caPem) {
    secret.validation_context = { trusted_ca: { inline_bytes: Buffer.from(s.caPem).toString('base64') } };
  }
  if (s.state === 'WARMING') return { name: s.name, version_info: 'uninitialized', last_updated: lastUpdated, secret: { '@type': T_SECRET, name: s.name } };
  return { name: s.name, version_info: lastUpdated, last_updated: lastUpdated, secret };
}

export function configDumpDocument(model: PodModel, now: Date): Json {
  const ts = rfc3339(now);
  return {
    configs: [
      { '@type': T_BOOTSTRAP_DUMP, bootstrap: { node: { id: `router~10.0.0.1~${model.podKey.replace('/', '.')}~cluster.local` } }, last_updated: ts },
      {
        '@type': T_LISTENERS_DUMP,
        version_info: ts,
        dynamic_listeners: model.listeners.map((l) => ({
          name: l.name,
          active_state: {
            version_info: ts,
            listener: {
              '@type': T_LISTENER,
              name: l.name,
              address: { socket_address: { address: '0.0.0.0', port_value: l.port } },
              filter_chains: [
                {
                  filter_chain_match: { server_names: l.serverNames },
                  transport_socket: {
                    name: 'envoy.transport_sockets.tls',
                    typed_config: {
                      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
                      common_tls_context: { tls_certificate_sds_secret_configs: l.secretNames.filter((n) => !/-cacert$|^file-root:/.test(n)).map((name) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } })) },
                    },
                  },
                },
              ],
            },
            last_updated: ts,
          },
        })),
      },
      {
        '@type': T_SECRETS_DUMP,
        dynamic_active_secrets: model.secrets.filter((s) => s.state === 'ACTIVE').map((s) => dynamicSecret(s, ts)),
        dynamic_warming_secrets: model.secrets.filter((s) => s.state === 'WARMING').map((s) => dynamicSecret(s, ts)),
      },
    ],
  };
}

const ELEMENT_TYPES: Record<string, string> = {
  dynamic_active_secrets: T_DYNAMIC_SECRET,
  dynamic_warming_secrets: T_DYNAMIC_SECRET,
  static_secrets: 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump.StaticSecret',
  dynamic_listeners: T_DYNAMIC_LISTENER,
  static_listeners: 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.StaticListener',
};

function applyMask(obj: Json, mask: string[] | undefined): Json {
  if (!mask) return obj;
  const out: Json = {};
  if (obj['@type']) out['@type'] = obj['@type'];
  for (const f of mask) if (obj[f] !== undefined) out[f] = obj[f];
  return out;
}

/** Envoy's config_dump filters: resource= picks the repeated field's elements, mask= keeps listed fields. */
export function filterConfigDump(dump: Json, resource: string | undefined, mask: string[] | undefined): { status: number; body: Json | string } {
  const configs = (dump.configs as Json[] | undefined) ?? [];
  if (resource) {
    const elements: Json[] = [];
    let found = false;
    for (const c of configs) {
      const v = c[resource];
      if (Array.isArray(v)) {
        found = true;
        for (const e of v as Json[]) elements.push(applyMask({ '@type': ELEMENT_TYPES[resource] ?? 'type.googleapis.com/google.protobuf.Struct', ...e }, mask));
      }
    }
    if (!found && !configs.some((c) => c['@type'] === T_SECRETS_DUMP || c['@type'] === T_LISTENERS_DUMP)) {
      return { status: 404, body: `${resource} not found in config dump` };
    }
    return { status: 200, body: { configs: elements } };
  }
  return { status: 200, body: { configs: configs.map((c) => applyMask(c, mask)) } };
}

export function statsDocument(model: PodModel): { name: string; value: number }[] {
  const stats: { name: string; value: number }[] = [
    { name: 'listener_manager.lds.update_attempt', value: 3 },
    { name: 'listener_manager.lds.update_rejected', value: 0 },
    { name: 'listener_manager.lds.update_success', value: 3 },
    { name: 'listener_manager.total_listeners_active', value: model.listeners.length },
    { name: 'listener_manager.total_listeners_warming', value: model.secrets.some((s) => s.state === 'WARMING') ? 1 : 0 },
  ];
  for (const l of model.listeners) {
    stats.push({ name: `listener.${l.name}.no_filter_chain_match`, value: 0 });
    stats.push({ name: `listener.${l.name}.downstream_cx_total`, value: 0 });
  }
  return stats.sort((a, b) => a.name.localeCompare(b.name));
}

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Answer one admin request path (with query) for a pod. */
export function envoyAdmin(state: ScenarioState, namespace: string, pod: string, pathAndQuery: string, now: Date): AdminResponse {
  const url = new URL(pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`, 'http://localhost:15000');
  const endpoint = url.pathname.replace(/^\/+/, '');
  const overrides = state.envoy.get(`${namespace}/${pod}`);
  const model = buildPodModel(state, namespace, pod) ?? { podKey: `${namespace}/${pod}`, secrets: [], listeners: [] };
  const json = (status: number, body: unknown): AdminResponse => ({
    status,
    contentType: typeof body === 'string' ? 'text/plain; charset=UTF-8' : 'application/json',
    body: typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`,
  });
  switch (endpoint) {
    case 'certs': {
      const o = overrides?.get('certs');
      return json(200, o !== undefined ? (JSON.parse(o) as Json) : certsDocument(model, now));
    }
    case 'config_dump': {
      const o = overrides?.get('config_dump');
      const dump = o !== undefined ? (JSON.parse(o) as Json) : configDumpDocument(model, now);
      const mask = url.searchParams.get('mask')?.split(',').filter(Boolean);
      const r = filterConfigDump(dump, url.searchParams.get('resource') ?? undefined, mask);
      return json(r.status, r.body);
    }
    case 'stats': {
      const o = overrides?.get('stats');
      let stats: { name: string; value: number }[];
      if (o !== undefined) {
        const parsed = JSON.parse(o) as { stats?: { name: string; value: number }[] } | Record<string, number>;
        stats = Array.isArray((parsed as { stats?: unknown }).stats)
          ? ((parsed as { stats: { name: string; value: number }[] }).stats)
          : Object.entries(parsed as Record<string, number>).map(([name, value]) => ({ name, value }));
        // An override lists what differs; the model fills the rest.
        const have = new Set(stats.map((s) => s.name));
        stats = [...stats, ...statsDocument(model).filter((s) => !have.has(s.name))];
      } else stats = statsDocument(model);
      const filter = url.searchParams.get('filter');
      if (filter) {
        let re: RegExp;
        try {
          re = new RegExp(filter);
        } catch {
          return json(400, `Invalid re2 regex: ${filter}`);
        }
        stats = stats.filter((s) => re.test(s.name));
      }
      if (url.searchParams.get('format') === 'json') return json(200, { stats });
      return json(200, stats.map((s) => `${s.name}: ${s.value}`).join('\n') + '\n');
    }
    case 'server_info':
      return json(200, { version: 'sim/1.32.0/Clean/RELEASE/BoringSSL', state: 'LIVE', command_line_options: {} });
    case 'ready':
      return json(200, 'LIVE\n');
    default:
      return json(404, 'invalid path. admin commands are:\n  /certs\n  /config_dump\n  /ready\n  /server_info\n  /stats\n');
  }
}
