// Remediation documents built from the objects the cluster returned: the same object, cleaned of
// server-managed fields, with only the fields that fix the problem changed. Keys never appear here.
import type {
  DestinationRule,
  Gateway,
  GatewayServer,
  KubeObject,
  Labels,
  ServerTLSSettings,
  VirtualService,
} from '../snapshot/types.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A copy fit for `kubectl apply`: apiVersion, kind, name/namespace/labels/annotations and spec; no status, uid, resourceVersion. */
export function cleanObject<T extends KubeObject>(obj: T, fallback: { apiVersion: string; kind: string }): T {
  const src = obj as unknown as Record<string, unknown>;
  const meta = obj.metadata;
  const metadata: Record<string, unknown> = { name: meta.name };
  if (meta.namespace) metadata.namespace = meta.namespace;
  if (meta.labels && Object.keys(meta.labels).length) metadata.labels = { ...meta.labels };
  const annotations = Object.fromEntries(Object.entries(meta.annotations ?? {}).filter(([k]) => k !== LAST_APPLIED));
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  const out: Record<string, unknown> = {
    apiVersion: obj.apiVersion ?? fallback.apiVersion,
    kind: obj.kind ?? fallback.kind,
    metadata,
  };
  for (const [k, v] of Object.entries(src)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || k === 'status') continue;
    out[k] = structuredClone(v);
  }
  return out as unknown as T;
}

const GATEWAY_TYPE = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' };
const VS_TYPE = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' };
const DR_TYPE = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' };

/** The Gateway as it is, ready to be edited by a fix. */
export function editableGateway(gateway: Gateway): Gateway {
  const g = cleanObject(gateway, GATEWAY_TYPE);
  g.spec = g.spec ?? {};
  g.spec.servers = g.spec.servers ?? [];
  return g;
}

export function editableVirtualService(vs: VirtualService): VirtualService {
  const v = cleanObject(vs, VS_TYPE);
  v.spec = v.spec ?? {};
  return v;
}

export function editableDestinationRule(dr: DestinationRule): DestinationRule {
  return cleanObject(dr, DR_TYPE);
}

const FILE_FIELDS: (keyof ServerTLSSettings)[] = ['serverCertificate', 'privateKey', 'caCertificates', 'tlsCertificates', 'credentialNames'];

/**
 * The Gateway with the tls block of the given servers (all TLS servers using file paths when omitted)
 * switched from file paths to `credentialName`; mode and every other tls option stay as they were.
 */
export function gatewayWithCredentialName(gateway: Gateway, credentialName: string, serverIndexes?: number[]): Gateway {
  const g = editableGateway(gateway);
  g.spec.servers!.forEach((server, i) => {
    const usesFiles = !!(server.tls && (server.tls.serverCertificate || server.tls.privateKey || server.tls.tlsCertificates?.length));
    const chosen = serverIndexes ? serverIndexes.includes(i) : usesFiles;
    if (!chosen) return;
    const tls: ServerTLSSettings = { ...(server.tls ?? {}) };
    for (const f of FILE_FIELDS) delete tls[f];
    if (!tls.mode || tls.mode === 'PASSTHROUGH') tls.mode = 'SIMPLE';
    tls.credentialName = credentialName;
    server.tls = orderTls(tls);
  });
  return g;
}

/** mode first, credentialName second: the order people read a tls block in. */
function orderTls(tls: ServerTLSSettings): ServerTLSSettings {
  const { mode, credentialName, ...rest } = tls;
  const out: ServerTLSSettings = {};
  if (mode !== undefined) out.mode = mode;
  if (credentialName !== undefined) out.credentialName = credentialName;
  return { ...out, ...rest };
}

/** The Gateway with another selector (the labels its gateway pods really carry). */
export function gatewayWithSelector(gateway: Gateway, selector: Labels): Gateway {
  const g = editableGateway(gateway);
  g.spec.selector = { ...selector };
  return g;
}

/** The Gateway with `edit` applied to a copy of one server. */
export function gatewayWithServerEdit(gateway: Gateway, serverIndex: number, edit: (server: GatewayServer) => void): Gateway {
  const g = editableGateway(gateway);
  const server = g.spec.servers![serverIndex];
  if (server) edit(server);
  return g;
}

/** The Gateway with an HTTPS server added for `hosts`, terminating with `credentialName`. */
export function gatewayWithHttpsServer(gateway: Gateway, hosts: string[], credentialName: string, port = 443): Gateway {
  const g = editableGateway(gateway);
  const names = new Set(g.spec.servers!.map((s) => s.port?.name));
  let name = 'https';
  for (let i = 2; names.has(name); i++) name = `https-${i}`;
  g.spec.servers!.push({
    port: { number: port, name, protocol: 'HTTPS' },
    hosts: [...hosts],
    tls: { mode: 'SIMPLE', credentialName },
  });
  return g;
}

/** The Gateway without some hosts on one server; servers left without hosts are dropped. */
export function gatewayWithoutHosts(gateway: Gateway, serverIndex: number, hosts: string[]): Gateway {
  const g = editableGateway(gateway);
  const server = g.spec.servers![serverIndex];
  if (server) {
    server.hosts = server.hosts.filter((h) => !hosts.includes(h));
    if (server.hosts.length === 0) g.spec.servers!.splice(serverIndex, 1);
  }
  return g;
}

/** A VirtualService routing `host` through a Gateway to `destination` (a placeholder when none is known). */
export function virtualServiceSkeleton(args: {
  name: string;
  namespace: string;
  host: string;
  gatewayRef: string;
  kind: 'http' | 'tls' | 'tcp';
  port?: number;
  /**
   * a real Service the user confirms, or a checked shell variable (`${X_BACKEND}`, no port: Istio takes the
   * Service's only port); without one the document keeps a placeholder and is printed as a comment
   */
  destination?: { host: string; port?: number };
}): VirtualService {
  const destination = args.destination
    ? { host: args.destination.host, ...(args.destination.port !== undefined ? { port: { number: args.destination.port } } : {}) }
    : { host: '<backend-service>.<namespace>.svc.cluster.local', port: { number: args.kind === 'http' ? 80 : 443 } };
  const spec: VirtualService['spec'] = { hosts: [args.host], gateways: [args.gatewayRef] };
  if (args.kind === 'tls') {
    const match: { sniHosts: string[]; port?: number } = { sniHosts: [args.host] };
    if (args.port) match.port = args.port;
    spec.tls = [{ match: [match], route: [{ destination }] }];
  } else if (args.kind === 'tcp') {
    spec.tcp = [{ route: [{ destination }] }];
  } else {
    spec.http = [{ route: [{ destination }] }];
  }
  return { apiVersion: VS_TYPE.apiVersion, kind: VS_TYPE.kind, metadata: { name: args.name, namespace: args.namespace }, spec };
}

/** Role + RoleBinding letting a gateway's service account read secrets in its namespace (what istiod's SDS check asks). */
export function secretReaderRbac(namespace: string, serviceAccount: string): object[] {
  const name = `${serviceAccount}-sds`;
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  ];
}

/** A name for a new credential Secret: from the first host (`kiali.example.com` → `kiali-example-com-tls`). */
export function credentialNameFor(hosts: string[], fallback: string): string {
  const host = hosts.map((h) => h.slice(h.indexOf('/') + 1)).find((h) => h !== '*' && h !== '');
  const base = (host ?? fallback).replace(/^\*\./, 'wildcard.').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\./g, '-');
  return `${base.replace(/^-+|-+$/g, '').slice(0, 240)}-tls`;
}
