// Real TLS on a simulated gateway pod's container ports, with Envoy's filter-chain rules, reached by
// port-forward. Each Gateway server (SIMPLE/MUTUAL/OPTIONAL_MUTUAL) selecting the pod, and each
// terminating listener of a Gateway-API Gateway the pod runs, is one filter chain on the container port its Service port maps to, with server_names = its hosts (namespace part
// stripped, as Istio's GetSNIHostsForServer does); a `*` host makes the chain match any name. The
// chain is picked before TLS, from the ClientHello's SNI, as Envoy's tls_inspector + filter chain match
// do: exact name, then the longest wildcard suffix (`*.b.example.com`, then `*.example.com`: Envoy's
// rule, which covers several labels), then the chain without server names; no match closes the
// connection without a TLS answer (Envoy's "filter_chain_not_found"), and so does a ClientHello
// without SNI when every chain names hosts.
// Certificates come from the Secrets the chain's credentialName names in the pod's namespace (as the
// Envoy admin model derives SDS: envoy.ts), or from the pod's files for file paths. A certificate
// the pod's Envoy refuses to load (its release from the proxy image tag: src/tls/envoy.ts) leaves the
// chain without a certificate, as the rejected SDS update does: the chain is not served.
// scenario.json `served` overrides what one pod serves for one credential (a stale or wrong certificate):
//   "served": [{"pod": "ns/name", "credential": "shop-tls", "chain": "{{chain:shop-old}}", "key": "{{key:shop-old}}"}]
import { X509Certificate, createPublicKey } from 'node:crypto';
import { Duplex } from 'node:stream';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { envoyOfProxyImage, envoyRefusesForVersion, parseCertificates } from '../tls/index.js';
import type { KubeJson, ScenarioState, StoredObject } from './scenario.js';
import type { KubernetesGateway } from '../snapshot/types.js';
import { listenerTlsMode } from '../snapshot/gateway-api-tls.js';

export interface SimChain {
  /** server_names; empty = any name, and no SNI */
  serverNames: string[];
  /** the Gateway server this chain comes from, for logs */
  from: string;
  chainPem?: string;
  keyPem?: string;
  alpn: string[];
  /** MUTUAL/OPTIONAL_MUTUAL: asks the client for a certificate */
  mutual: boolean;
  /** MUTUAL: a client without a valid certificate gets an alert */
  requireClient: boolean;
  caPem?: string;
  /** why there is no certificate to serve */
  missing?: string;
}

/** scenario.json `served`: a credential served with another chain, or a host Envoy has no filter chain for. */
export interface ServedOverride {
  pod: string;
  credential?: string;
  chain?: string;
  key?: string;
  host?: string;
  filterChain?: false;
}

/** The `served` entries of scenario.json for one pod. */
export function servedOverrides(state: ScenarioState, namespace: string, podName: string): ServedOverride[] {
  return ((state.config.served ?? []) as ServedOverride[]).filter((o) => o.pod === `${namespace}/${podName}`);
}

type Json = Record<string, unknown>;

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function decoded(data: Record<string, string> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = data?.[k];
    if (!v) continue;
    const t = Buffer.from(v, 'base64').toString('utf8');
    if (t.includes('-----BEGIN')) return t;
  }
  return undefined;
}

interface GatewayServer {
  port: { number: number; protocol?: string };
  hosts?: string[];
  tls?: { mode?: string; credentialName?: string; credentialNames?: string[]; serverCertificate?: string; privateKey?: string; caCertificates?: string };
}

/** Container port → filter chains, for one pod. Empty when the pod runs no gateway Envoy. */
export function tlsListeners(state: ScenarioState, namespace: string, podName: string): Map<number, SimChain[]> {
  const out = new Map<number, SimChain[]>();
  const pod = state.objects.find((o) => o.type.kind === 'Pod' && o.namespace === namespace && o.name === podName);
  if (!pod) return out;
  const spec = pod.body.spec as { containers?: { name: string; image?: string; ports?: { name?: string; containerPort: number }[] }[] };
  const proxy = (spec.containers ?? []).find((c) => c.name === 'istio-proxy');
  if (!proxy) return out;
  const build = envoyOfProxyImage(proxy.image);
  const labels = pod.body.metadata?.labels;
  const services = state.objects.filter((o) => o.type.kind === 'Service' && o.namespace === namespace && selects((o.body.spec as Json)?.selector as Record<string, string>, labels));
  const targetPort = (port: number): number => {
    for (const s of services) {
      for (const p of ((s.body.spec as { ports?: { port: number; targetPort?: number | string }[] }).ports ?? [])) {
        if (p.port !== port) continue;
        if (typeof p.targetPort === 'number') return p.targetPort;
        if (typeof p.targetPort === 'string') return (spec.containers ?? []).flatMap((c) => c.ports ?? []).find((cp) => cp.name === p.targetPort)?.containerPort ?? port;
        return port;
      }
    }
    return port;
  };
  const secret = (ns: string, name: string): KubeJson | undefined =>
    state.objects.find((o: StoredObject) => o.type.kind === 'Secret' && o.namespace === ns && o.name === name)?.body;
  const overrides = servedOverrides(state, namespace, podName);
  const noChain = new Set(overrides.filter((o) => o.filterChain === false && o.host).map((o) => (o.host as string).toLowerCase()));
  const files = state.files.get(`${namespace}/${podName}`);
  /** One terminating server (an Istio Gateway server or a Gateway-API listener) as a filter chain on its container port. */
  const addChain = (from: string, rawHosts: string[], gatewayPort: number, protocol: string, mode: string, tls: GatewayServer['tls'] & { secretNamespace?: string }) => {
    const hosts = rawHosts.map((h) => h.slice(h.indexOf('/') + 1).toLowerCase()).filter((h) => !noChain.has(h));
    if (hosts.length === 0) return;
    const chain: SimChain = {
      serverNames: hosts.includes('*') ? [] : hosts,
      from,
      alpn: protocol.toUpperCase() === 'HTTPS' ? ['h2', 'http/1.1'] : [],
      mutual: mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL',
      requireClient: mode === 'MUTUAL',
    };
    const cred = tls?.credentialNames?.[0] ?? tls?.credentialName;
    if (cred) {
      const bare = cred.replace(/^(kubernetes|kubernetes-gateway|sds):\/\//, '');
      const name = bare.slice(bare.indexOf('/') + 1);
      const ns = tls?.secretNamespace ?? namespace;
      const override = overrides.find((o) => o.chain && o.key && (o.credential === name || o.credential === cred));
      const data = secret(ns, name)?.data as Record<string, string> | undefined;
      chain.chainPem = override?.chain ?? decoded(data, 'cert', 'tls.crt');
      chain.keyPem = override?.key ?? decoded(data, 'key', 'tls.key');
      if (override?.chain && override.key && !keyMatchesChain(override.chain, override.key)) throw new Error(`scenario.json served: the key for ${override.pod} ${override.credential} does not belong to its chain`);
      if (chain.mutual) chain.caPem = decoded(data, 'cacert', 'ca.crt') ?? decoded(secret(ns, `${name}-cacert`)?.data as Record<string, string> | undefined, 'cacert');
      if (!chain.chainPem || !chain.keyPem) chain.missing = `secret ${ns}/${name} has no certificate and key`;
    } else if (tls?.serverCertificate && tls.privateKey) {
      chain.chainPem = files?.get(tls.serverCertificate)?.toString('utf8');
      chain.keyPem = files?.get(tls.privateKey)?.toString('utf8');
      if (tls.caCertificates) chain.caPem = files?.get(tls.caCertificates)?.toString('utf8');
      if (!chain.chainPem || !chain.keyPem) chain.missing = `files ${tls.serverCertificate} / ${tls.privateKey} are not in the pod`;
    } else chain.missing = 'no credential';
    const leaf = chain.chainPem ? parseCertificates(chain.chainPem).certificates[0] : undefined;
    const refused = leaf && build ? envoyRefusesForVersion(leaf, build) : undefined;
    if (refused) chain.missing = refused;
    if (chain.missing) {
      delete chain.chainPem;
      delete chain.keyPem;
    }
    const port = targetPort(gatewayPort);
    const list = out.get(port) ?? [];
    // Istio builds one chain per server; a host already claimed on this port keeps its first chain.
    const claimed = new Set(list.flatMap((c) => c.serverNames));
    if (chain.serverNames.length > 0) chain.serverNames = chain.serverNames.filter((n) => !claimed.has(n));
    if (chain.serverNames.length === 0 && hosts.length > 0 && !hosts.includes('*')) return;
    if (chain.serverNames.length === 0 && list.some((c) => c.serverNames.length === 0)) return;
    list.push(chain);
    out.set(port, list);
  };
  // Every server the pod runs, in istiod's merge order (pilot/pkg/model/config.go configCompareByCreationTime:
  // creation second, then config name, then namespace, as bytes; a Gateway-API listener is the config
  // `<gateway>~istio-autogenerated-k8s-gateway~<listener>`), so the first to claim a host keeps it.
  type Entry = { created: number; name: string; namespace: string; index: number; add: () => void };
  const entries: Entry[] = [];
  const createdOf = (o: StoredObject) => {
    const ms = Date.parse(String((o.body.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp ?? ''));
    return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
  };
  const gateways = state.objects.filter(
    (o) => o.type.kind === 'Gateway' && o.type.group === 'networking.istio.io' && selects((o.body.spec as Json)?.selector as Record<string, string>, labels),
  );
  for (const gw of gateways) {
    for (const [i, server] of (((gw.body.spec as Json).servers as GatewayServer[] | undefined) ?? []).entries()) {
      const mode = String(server.tls?.mode ?? '').toUpperCase();
      const tls = server.tls;
      if (!tls || !['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL'].includes(mode)) continue;
      entries.push({ created: createdOf(gw), name: gw.name, namespace: gw.namespace ?? '', index: i, add: () => addChain(`${gw.namespace}/${gw.name} servers[${i}]`, server.hosts ?? [], server.port.number, String(server.port.protocol ?? ''), mode, tls) });
    }
  }
  // Gateway-API Gateways this pod runs: Istio labels the pods it deploys with the Gateway's name, and a
  // Gateway whose Hostname address names a Service runs on that Service's pods. Istio names the
  // credential kubernetes-gateway://<ns>/<name>, read from the certificateRef's namespace; a listener
  // without a hostname is a chain without server names.
  const gatewayNames = new Set(['gateway.networking.k8s.io/gateway-name', 'istio.io/gateway-name'].map((l) => labels?.[l]).filter(Boolean));
  const k8sGateways = state.objects.filter((o) => {
    if (o.type.kind !== 'Gateway' || o.type.group !== 'gateway.networking.k8s.io') return false;
    if (o.namespace === namespace && gatewayNames.has(o.name)) return true;
    const address = (((o.body.spec as Json).addresses as { type?: string; value: string }[] | undefined) ?? []).find((a) => a.type === 'Hostname');
    if (!address) return false;
    const [name, ns = o.namespace] = address.value.split('.');
    return ns === namespace && services.some((svc) => svc.name === name);
  });
  for (const gw of k8sGateways) {
    const k8sGateway = gw.body as unknown as KubernetesGateway;
    for (const l of k8sGateway.spec?.listeners ?? []) {
      const protocol = String(l.protocol ?? '').toUpperCase();
      if (!(protocol === 'HTTPS' || (protocol === 'TLS' && (l.tls?.mode ?? 'Terminate') === 'Terminate'))) continue;
      // what istiod builds for it (frontend validation, the tls-terminate-mode option); the built-in certificates are not simulated
      const mode = listenerTlsMode(k8sGateway, l) ?? 'SIMPLE';
      if (mode === 'ISTIO_SIMPLE' || mode === 'ISTIO_MUTUAL') continue;
      const ref = l.tls?.certificateRefs?.[0];
      const tls = ref ? { credentialName: ref.name, secretNamespace: ref.namespace ?? gw.namespace } : {};
      entries.push({
        created: createdOf(gw),
        name: `${gw.name}~istio-autogenerated-k8s-gateway~${l.name}`,
        namespace: gw.namespace ?? '',
        index: 0,
        add: () => addChain(`${gw.namespace}/${gw.name} listener ${l.name}`, [l.hostname ?? '*'], l.port, protocol, mode, tls),
      });
    }
  }
  const bytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  entries.sort((a, b) => a.created - b.created || bytes(a.name, b.name) || bytes(a.namespace, b.namespace) || a.index - b.index);
  for (const e of entries) e.add();
  return out;
}

/** Envoy's filter-chain match on SNI: exact, then wildcard suffixes longest first, then the chain without names. */
export function selectChain(chains: SimChain[], sni: string | undefined): SimChain | undefined {
  if (sni) {
    const name = sni.toLowerCase();
    const exact = chains.find((c) => c.serverNames.includes(name));
    if (exact) return exact;
    const labels = name.split('.');
    for (let i = 1; i < labels.length; i++) {
      const wildcard = `*.${labels.slice(i).join('.')}`;
      const c = chains.find((x) => x.serverNames.includes(wildcard));
      if (c) return c;
    }
  }
  return chains.find((c) => c.serverNames.length === 0);
}

export type ClientHello = { state: 'partial' } | { state: 'not-tls' } | { state: 'ok'; sni?: string };

/** Read the SNI from a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3), as Envoy's tls_inspector does. */
export function readClientHello(buf: Buffer): ClientHello {
  if (buf.length < 5) return { state: 'partial' };
  if (buf[0] !== 22 || buf[1] !== 3) return { state: 'not-tls' };
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return { state: 'partial' };
  const hs = buf.subarray(5, 5 + recordLen);
  if (hs[0] !== 1 || hs.length < 4) return { state: 'not-tls' };
  let p = 4 + 2 + 32; // handshake header, legacy_version, random
  if (p >= hs.length) return { state: 'not-tls' };
  p += 1 + hs[p]; // session id
  if (p + 2 > hs.length) return { state: 'not-tls' };
  p += 2 + hs.readUInt16BE(p); // cipher suites
  if (p >= hs.length) return { state: 'not-tls' };
  p += 1 + hs[p]; // compression methods
  if (p + 2 > hs.length) return { state: 'ok' };
  const end = Math.min(hs.length, p + 2 + hs.readUInt16BE(p));
  p += 2;
  while (p + 4 <= end) {
    const type = hs.readUInt16BE(p);
    const len = hs.readUInt16BE(p + 2);
    const body = hs.subarray(p + 4, p + 4 + len);
    if (type === 0 && body.length >= 5 && body[2] === 0) {
      const nameLen = body.readUInt16BE(3);
      return { state: 'ok', sni: body.subarray(5, 5 + nameLen).toString('latin1') };
    }
    p += 4 + len;
  }
  return { state: 'ok' };
}

/** What the port-forward gives a TLS session: send bytes to the client, report a kubelet error, close. */
export interface PortIo {
  send(data: Buffer): void;
  error(text: string): void;
  close(): void;
}

const contexts = new WeakMap<SimChain, SecureContext>();

function contextOf(chain: SimChain): SecureContext {
  let ctx = contexts.get(chain);
  if (!ctx) {
    ctx = createSecureContext({ cert: chain.chainPem, key: chain.keyPem, ...(chain.caPem ? { ca: chain.caPem } : {}) });
    contexts.set(chain, ctx);
  }
  return ctx;
}

/** A public-key check that the override's key belongs to its chain (a broken scenario says so instead of serving nonsense). */
export function keyMatchesChain(chainPem: string, keyPem: string): boolean {
  try {
    const leaf = new X509Certificate(chainPem);
    return createPublicKey(keyPem).export({ type: 'spki', format: 'der' }).equals(leaf.publicKey.export({ type: 'spki', format: 'der' }));
  } catch {
    return false;
  }
}

/**
 * One TCP connection to a TLS container port, carried by a port-forward. Returns the function that
 * takes the client's bytes, and the one that ends the session when the port-forward closes.
 */
export function tlsSession(chains: SimChain[], uid: string, port: number, io: PortIo): { write(data: Buffer): void; end(): void } {
  let pending = Buffer.alloc(0);
  let socket: TLSSocket | undefined;
  let wire: Duplex | undefined;
  let closed = false;
  const reset = () => {
    if (closed) return;
    closed = true;
    io.error(`error forwarding port ${port} to pod ${uid}, uid : read tcp4 127.0.0.1:41022->127.0.0.1:${port}: read: connection reset by peer`);
    io.close();
  };
  return {
    write(data: Buffer) {
      if (closed) return;
      if (wire) {
        wire.push(data);
        return;
      }
      pending = Buffer.concat([pending, data]);
      const hello = readClientHello(pending);
      if (hello.state === 'partial') return;
      if (hello.state === 'not-tls') return reset();
      const chain = selectChain(chains, hello.sni);
      if (!chain || !chain.chainPem || !chain.keyPem) return reset();
      const duplex = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          if (!closed) io.send(chunk);
          cb();
        },
        final(cb) {
          cb();
        },
      });
      wire = duplex;
      socket = new TLSSocket(duplex, {
        isServer: true,
        secureContext: contextOf(chain),
        ALPNProtocols: chain.alpn.length ? chain.alpn : undefined,
        requestCert: chain.mutual,
        rejectUnauthorized: chain.requireClient,
      });
      socket.on('error', () => {
        // the client went away, or (MUTUAL) sent no certificate: TLS already sent the alert
      });
      socket.on('close', () => {
        if (!closed) {
          closed = true;
          io.close();
        }
      });
      duplex.push(pending);
      pending = Buffer.alloc(0);
    },
    end() {
      closed = true;
      socket?.destroy();
      wire?.destroy();
    },
  };
}
