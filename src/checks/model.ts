// The topology every check shares, derived once per run from the Snapshot:
// Gateway → selected pods (any namespace) → workload namespace → servers → hosts → credentials.
// Pure: no I/O, no clock.
import type {
  Gateway,
  GatewayServer,
  Labels,
  Pod,
  Secret,
  Service,
  Snapshot,
  VirtualService,
} from '../snapshot/types.js';
import type { DecodedCredential } from '../tls/types.js';
import { decodeCredential } from '../tls/index.js';
import type { ResourceRef } from './types.js';

export function labelsMatch(selector: Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels?.[k] === v);
}

export function ref(obj: { kind?: string; metadata: { name: string; namespace?: string } }, kind?: string): ResourceRef {
  const r: ResourceRef = { kind: kind ?? obj.kind ?? 'Unknown', name: obj.metadata.name };
  if (obj.metadata.namespace) r.namespace = obj.metadata.namespace;
  return r;
}

export function nsName(obj: { metadata: { name: string; namespace?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** A Gateway host `[ns/]dnsName` split (S4): ns '*' when omitted, '.' rewritten to the Gateway namespace. */
export interface GatewayHost {
  raw: string;
  namespace: string;
  host: string;
}

export function parseGatewayHost(raw: string, gatewayNamespace: string | undefined): GatewayHost {
  const slash = raw.indexOf('/');
  if (slash < 0) return { raw, namespace: '*', host: raw };
  let ns = raw.slice(0, slash);
  if (ns === '.') ns = gatewayNamespace ?? '';
  return { raw, namespace: ns, host: raw.slice(slash + 1) };
}

const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);

export function isTlsServer(server: GatewayServer): boolean {
  return TLS_PROTOCOLS.has((server.port?.protocol ?? '').toUpperCase());
}

export function tlsMode(server: GatewayServer): string | undefined {
  if (!server.tls) return undefined;
  return (server.tls.mode ?? 'PASSTHROUGH').toUpperCase();
}

/** Modes in which the gateway terminates TLS with its own certificate. */
export function terminatesTls(server: GatewayServer): boolean {
  const mode = tlsMode(server);
  return mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
}

/** `kubernetes://name`, `sds://name`, `kubernetes-gateway://ns/name` → name (and namespace when given). */
export function parseCredentialName(credentialName: string): { name: string; namespace?: string; builtin: boolean } {
  if (credentialName === 'builtin://' || credentialName.startsWith('builtin://')) return { name: credentialName, builtin: true };
  let rest = credentialName;
  for (const prefix of ['kubernetes-gateway://', 'kubernetes://', 'sds://']) {
    if (rest.startsWith(prefix)) {
      rest = rest.slice(prefix.length);
      break;
    }
  }
  const slash = rest.indexOf('/');
  if (slash >= 0) return { namespace: rest.slice(0, slash), name: rest.slice(slash + 1), builtin: false };
  return { name: rest, builtin: false };
}

export interface CredentialResolution {
  /** as written in the Gateway */
  credentialName: string;
  name: string;
  /** namespace the secret is read from (the workload namespace) */
  namespace: string;
  secret?: Secret;
  /** `<name>-cacert` secret, when one exists (wins over ca.crt in the main secret) */
  caSecret?: Secret;
  decoded?: DecodedCredential;
}

export interface ServerModel {
  gateway: Gateway;
  gatewayRef: ResourceRef;
  index: number;
  server: GatewayServer;
  port: number;
  protocol: string;
  mode?: string;
  hosts: GatewayHost[];
  /** credential names in use (credentialName or credentialNames) */
  credentialNames: string[];
  /** file paths (serverCertificate, privateKey, caCertificates, tlsCertificates[*]) */
  filePaths: { field: string; path: string }[];
}

export interface GatewayModel {
  gateway: Gateway;
  ref: ResourceRef;
  pods: Pod[];
  /** namespaces of the selected pods, sorted */
  workloadNamespaces: string[];
  servers: ServerModel[];
}

export class Model {
  readonly gateways: GatewayModel[];
  private readonly credentialCache = new Map<string, CredentialResolution>();
  private readonly secretIndex = new Map<string, Secret>();

  constructor(readonly snapshot: Snapshot, namespace?: string) {
    for (const s of snapshot.secrets) this.secretIndex.set(nsName(s), s);
    this.gateways = snapshot.gateways
      .filter((g) => !namespace || g.metadata.namespace === namespace)
      .map((g) => this.buildGateway(g));
  }

  private buildGateway(gateway: Gateway): GatewayModel {
    const pods = this.podsFor(gateway.spec?.selector);
    const workloadNamespaces = [...new Set(pods.map((p) => p.metadata.namespace ?? ''))].sort();
    const gref = ref(gateway, 'Gateway');
    const servers = (gateway.spec?.servers ?? []).map((server, index): ServerModel => {
      const tls = server.tls;
      const credentialNames = tls?.credentialNames?.length ? [...tls.credentialNames] : tls?.credentialName ? [tls.credentialName] : [];
      const filePaths: { field: string; path: string }[] = [];
      if (tls?.serverCertificate) filePaths.push({ field: 'serverCertificate', path: tls.serverCertificate });
      if (tls?.privateKey) filePaths.push({ field: 'privateKey', path: tls.privateKey });
      if (tls?.caCertificates) filePaths.push({ field: 'caCertificates', path: tls.caCertificates });
      (tls?.tlsCertificates ?? []).forEach((c, i) => {
        if (c.serverCertificate) filePaths.push({ field: `tlsCertificates[${i}].serverCertificate`, path: c.serverCertificate });
        if (c.privateKey) filePaths.push({ field: `tlsCertificates[${i}].privateKey`, path: c.privateKey });
        if (c.caCertificates) filePaths.push({ field: `tlsCertificates[${i}].caCertificates`, path: c.caCertificates });
      });
      return {
        gateway,
        gatewayRef: gref,
        index,
        server,
        port: server.port?.number,
        protocol: (server.port?.protocol ?? '').toUpperCase(),
        mode: tlsMode(server),
        hosts: (server.hosts ?? []).map((h) => parseGatewayHost(h, gateway.metadata.namespace)),
        credentialNames,
        filePaths,
      };
    });
    return { gateway, ref: gref, pods, workloadNamespaces, servers };
  }

  /** Pods a Gateway selector matches, in any namespace (Istio's default). */
  podsFor(selector: Labels | undefined): Pod[] {
    return this.snapshot.pods.filter((p) => labelsMatch(selector, p.metadata.labels));
  }

  /** Services in a namespace whose selector selects the pod. */
  servicesFor(pod: Pod): Service[] {
    return this.snapshot.services.filter(
      (s) => s.metadata.namespace === pod.metadata.namespace && labelsMatch(s.spec?.selector, pod.metadata.labels),
    );
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.secretIndex.get(`${namespace}/${name}`);
  }

  /** Resolve a credentialName the way istiod does for a proxy in `workloadNamespace` (S1). */
  credential(credentialName: string, workloadNamespace: string): CredentialResolution {
    const key = `${workloadNamespace}\u0000${credentialName}`;
    const cached = this.credentialCache.get(key);
    if (cached) return cached;
    const parsed = parseCredentialName(credentialName);
    const namespace = parsed.namespace ?? workloadNamespace;
    const secret = this.secret(namespace, parsed.name);
    const caSecret = this.secret(namespace, `${parsed.name}-cacert`);
    const resolution: CredentialResolution = { credentialName, name: parsed.name, namespace, secret, caSecret };
    if (secret) resolution.decoded = decodeCredential(secret.data ?? {}, caSecret?.data);
    this.credentialCache.set(key, resolution);
    return resolution;
  }

  /** VirtualService `gateways` entry → Gateway, resolved relative to the VS namespace; `mesh` → undefined. */
  resolveGatewayRef(vs: VirtualService, entry: string): { namespace: string; name: string; gateway?: Gateway } | 'mesh' {
    if (entry === 'mesh') return 'mesh';
    const slash = entry.indexOf('/');
    const namespace = slash >= 0 ? entry.slice(0, slash) : vs.metadata.namespace ?? '';
    const name = slash >= 0 ? entry.slice(slash + 1) : entry;
    const gateway = this.snapshot.gateways.find((g) => g.metadata.name === name && (g.metadata.namespace ?? '') === namespace);
    return { namespace, name, gateway };
  }

  /** VirtualServices that bind to a Gateway (by their `gateways` list). */
  virtualServicesFor(gateway: Gateway): VirtualService[] {
    return this.snapshot.virtualServices.filter((vs) =>
      (vs.spec?.gateways ?? []).some((entry) => {
        const r = this.resolveGatewayRef(vs, entry);
        return r !== 'mesh' && r.gateway === gateway;
      }),
    );
  }
}

/** RFC 6125-ish host match used for VS host ↔ Gateway host (not for certificates: see tls/names). */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '*' || p === h) return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return false;
}

/** Two host patterns overlap when some concrete host matches both (wildcard-aware). */
export function hostsOverlap(a: string, b: string): boolean {
  if (hostMatches(a, b) || hostMatches(b, a)) return true;
  // *.x.com and *.y.x.com share y.z.x.com
  if (a.startsWith('*.') && b.startsWith('*.')) {
    const sa = a.slice(1).toLowerCase();
    const sb = b.slice(1).toLowerCase();
    return sa.endsWith(sb) || sb.endsWith(sa);
  }
  return false;
}
