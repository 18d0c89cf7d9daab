// The live TLS probe: what a client is really served. Read-only and handshake only — for each TLS host
// of each gateway workload (Istio Gateway servers and Gateway-API listeners that terminate TLS), one
// port-forward to a Ready gateway pod's container port (the Service's targetPort for the server's
// port), one TLS handshake with SNI = host (a wildcard host: a name under it, src/snapshot/probe.ts)
// and ALPN h2,http/1.1, then the connection is closed: no HTTP request is ever sent. One more
// handshake per port without SNI shows what a client that sends none (requests by IP) gets. Every
// other Ready pod of the workload gets one handshake per distinct certificate, so a replica that did
// not reload a renewal shows. Each handshake records what was served (the chain's PEM, the leaf's
// fingerprint, the negotiated ALPN and version) or how it ended (reset before any TLS answer, a TLS
// alert, nothing listening, timeout). Checks compare that with the Secret they judged; this module
// draws no conclusion.
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type WebSocket from 'ws';
import { listenerTlsMode } from '../snapshot/gateway-api-tls.js';
import { probeSni } from '../snapshot/probe.js';
import { targetContainerPort, type KubernetesGateway, type Pod, type ProbeRun, type Service, type Snapshot, type TlsHandshake, type Unreadable } from '../snapshot/types.js';
import type { ConnectionOptions } from './client.js';
import { GATEWAY_NAME_LABELS, isGatewayProxy, labelsMatch, mapBounded, type InspectOptions } from './inspect.js';
import { onRefused, open, wsUrl } from './stream.js';

export const PROBE_ALPN = ['h2', 'http/1.1'];

/** The same access as the in-pod inspection: `requestTimeoutMs` bounds one handshake, port-forward included. */
export type ProbeOptions = InspectOptions;

/** One planned handshake. */
export interface ProbeTarget {
  pod: Pod;
  port: number;
  gatewayPort: number;
  sni?: string;
}

// ISTIO_MUTUAL serves the mesh certificate to mesh clients: nothing a Secret holds to compare with
const TERMINATING = new Set(['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL']);

/** Running, and not reported un-Ready (a pod that is not Ready gets no Service traffic; ITLS102 says why). */
function ready(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && !(pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status !== 'True');
}

/** Gateway server port → the container port Envoy listens on (the Service's targetPort; a named one through the pod's ports). */
export function containerPort(services: Service[], pod: Pod, port: number): number {
  for (const svc of services) {
    if (svc.metadata.namespace !== pod.metadata.namespace || !labelsMatch(svc.spec?.selector, pod.metadata.labels)) continue;
    const p = (svc.spec?.ports ?? []).find((x) => x.port === port);
    if (p) return targetContainerPort(p, pod);
  }
  return port;
}

/** One TLS server of a gateway workload, as the probe plans it. */
interface PlannedServer {
  pods: Pod[];
  gatewayPort: number;
  /** which certificate the server is configured with (credentialName(s), a certificateRef, or file paths): one handshake per distinct one on every other pod */
  credential: string;
  snis: string[];
}

/** A Gateway-API Gateway's pods: those Istio labels with its name, else those of the Service its Hostname address names. */
function k8sGatewayPods(snapshot: Snapshot, gw: KubernetesGateway, byGatewayName: Map<string, Pod[]>): Pod[] {
  const ns = gw.metadata.namespace ?? 'default';
  const labelled = byGatewayName.get(`${ns}/${gw.metadata.name}`);
  if (labelled?.length) return labelled;
  const address = (gw.spec?.addresses ?? []).find((a) => a.type === 'Hostname');
  if (!address) return [];
  const [name, svcNs = ns] = address.value.split('.');
  const svc = snapshot.services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? 'default') === svcNs);
  const sel = svc?.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return [];
  return snapshot.pods.filter((p) => p.metadata.namespace === svcNs && labelsMatch(sel, p.metadata.labels));
}

/**
 * The handshakes to make. Per terminating TLS server (an Istio Gateway server in SIMPLE/MUTUAL/
 * OPTIONAL_MUTUAL, or a Gateway-API listener that terminates: HTTPS, or TLS in Terminate mode), on
 * the first Ready pod of its workload by name: one handshake per host (a wildcard through the name
 * `probeSni` makes up under it; a listener without a hostname through the hostnames of the routes
 * attached to it, and `*`), and one per port without SNI. On every other Ready pod: one handshake per
 * distinct certificate per port (a pod that did not reload a renewal shows on the first name of each),
 * so a fleet costs pods × certificates, not pods × hosts. Deduplicated: a host on five Gateways of one
 * workload is one handshake. Linear in servers × hosts + pods × certificates.
 */
export function probeTargets(snapshot: Snapshot, namespace?: string): ProbeTarget[] {
  const planned: PlannedServer[] = [];
  const readySorted = (pods: Pod[]) =>
    pods.filter(ready).sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  const podsByKey = new Map<string, Pod[]>();
  for (const gw of snapshot.gateways) {
    if (namespace && gw.metadata.namespace !== namespace) continue;
    const selector = gw.spec?.selector;
    const empty = !selector || Object.keys(selector).length === 0;
    const key = empty ? '*' : JSON.stringify(Object.entries(selector).sort());
    let pods = podsByKey.get(key);
    if (!pods) {
      pods = readySorted(snapshot.pods.filter((p) => (empty ? isGatewayProxy(p) : labelsMatch(selector, p.metadata.labels))));
      podsByKey.set(key, pods);
    }
    if (pods.length === 0) continue;
    for (const s of gw.spec?.servers ?? []) {
      const mode = String(s.tls?.mode ?? '').toUpperCase();
      if (!s.tls || !TERMINATING.has(mode) || !s.port?.number) continue;
      const credential = [...(s.tls.credentialNames ?? []), s.tls.credentialName ?? '', s.tls.serverCertificate ?? ''].filter(Boolean).join(',');
      const snis = (s.hosts ?? []).map(probeSni).filter((x): x is string => x !== undefined);
      planned.push({ pods, gatewayPort: s.port.number, credential: `${gw.metadata.namespace}|${credential}`, snis });
    }
  }
  const k8s = snapshot.kubernetesGateways ?? [];
  if (k8s.length > 0) {
    const byGatewayName = new Map<string, Pod[]>();
    for (const pod of snapshot.pods) {
      for (const v of new Set(GATEWAY_NAME_LABELS.map((l) => pod.metadata.labels?.[l]).filter((x): x is string => !!x))) {
        const k = `${pod.metadata.namespace ?? 'default'}/${v}`;
        byGatewayName.set(k, [...(byGatewayName.get(k) ?? []), pod]);
      }
    }
    // route hostnames by parent Gateway (and section): what a listener without a hostname serves
    const routeHosts = new Map<string, string[]>();
    for (const r of [...snapshot.httpRoutes, ...snapshot.grpcRoutes, ...snapshot.tlsRoutes]) {
      for (const p of r.spec?.parentRefs ?? []) {
        if ((p.kind ?? 'Gateway') !== 'Gateway') continue;
        const k = `${p.namespace ?? r.metadata.namespace ?? 'default'}/${p.name}|${p.sectionName ?? ''}`;
        routeHosts.set(k, [...(routeHosts.get(k) ?? []), ...(r.spec?.hostnames ?? [])]);
      }
    }
    for (const gw of k8s) {
      const ns = gw.metadata.namespace ?? 'default';
      if (namespace && ns !== namespace) continue;
      const pods = readySorted(k8sGatewayPods(snapshot, gw, byGatewayName));
      if (pods.length === 0) continue;
      for (const l of gw.spec?.listeners ?? []) {
        const protocol = (l.protocol ?? '').toUpperCase();
        if (!(protocol === 'HTTPS' || (protocol === 'TLS' && (l.tls?.mode ?? 'Terminate') === 'Terminate'))) continue;
        // the workload's or the mesh's own certificate: nothing a Secret holds to compare with
        const tlsMode = listenerTlsMode(gw, l);
        if (tlsMode === 'ISTIO_SIMPLE' || tlsMode === 'ISTIO_MUTUAL') continue;
        const ref = l.tls?.certificateRefs?.[0];
        const hosts = l.hostname
          ? [l.hostname]
          : ['*', ...(routeHosts.get(`${ns}/${gw.metadata.name}|`) ?? []), ...(routeHosts.get(`${ns}/${gw.metadata.name}|${l.name}`) ?? [])];
        const snis = hosts.map(probeSni).filter((x): x is string => x !== undefined);
        planned.push({ pods, gatewayPort: l.port, credential: `k8s|${ref ? `${ref.namespace ?? ns}/${ref.name}` : ''}`, snis });
      }
    }
  }
  const out = new Map<string, ProbeTarget>();
  const add = (pod: Pod, gatewayPort: number, sni: string | undefined) => {
    const port = containerPort(snapshot.services, pod, gatewayPort);
    const k = `${pod.metadata.namespace}/${pod.metadata.name}|${port}|${sni ?? ''}`;
    if (!out.has(k)) out.set(k, sni === undefined ? { pod, port, gatewayPort } : { pod, port, gatewayPort, sni });
  };
  // the first pod of each workload: every name
  for (const s of planned) {
    add(s.pods[0], s.gatewayPort, undefined);
    for (const sni of new Set(s.snis)) add(s.pods[0], s.gatewayPort, sni);
  }
  // every other Ready pod: one name per distinct certificate per port
  const perCertificate = new Set<string>();
  for (const s of planned) {
    const sni = s.snis[0];
    if (sni === undefined) continue;
    for (const pod of s.pods.slice(1)) {
      const k = `${pod.metadata.namespace}/${pod.metadata.name}|${s.gatewayPort}|${s.credential}`;
      if (perCertificate.has(k)) continue;
      perCertificate.add(k);
      add(pod, s.gatewayPort, sni);
    }
  }
  return [...out.values()];
}

/** TLS alert description codes (RFC 8446 §6, RFC 5246 §7.2). */
const ALERTS: Record<string, number> = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
};

/** An alert the server sent, from OpenSSL's reason ("sslv3 alert handshake failure", "tlsv13 alert certificate required"). */
export function alertOf(err: Error & { code?: string; reason?: string }): { code: number; name: string } | undefined {
  const text = `${err.reason ?? ''} ${err.message}`.toLowerCase();
  const m = text.match(/(?:sslv3|tlsv1|tlsv13) (?:alert )?([a-z ]+?)(?:\s*[:(]|$|\s+ssl alert number)/) ?? text.match(/alert ([a-z ]+)/);
  if (!m) return undefined;
  const name = m[1].trim().replace(/ +/g, '_');
  const code = ALERTS[name];
  return code === undefined ? undefined : { code, name };
}

type Tunnel =
  | { kind: 'ok'; stream: Duplex; errorText: () => string; ws: WebSocket }
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'failed'; message: string };

/**
 * A port-forward to one port as a byte stream: channel 0 carries the connection's bytes, channel 1 what
 * the kubelet says went wrong (then it closes). Resolves once the data channel's port prefix arrived.
 */
function tunnel(conn: ConnectionOptions, server: string, ns: string, pod: string, port: number, opened: (ws: WebSocket) => void): Promise<Tunnel> {
  const url = wsUrl(server, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/portforward`, [['ports', String(port)]]);
  return new Promise((resolve) => {
    let settled = false;
    let errorText = '';
    const seenPrefix = [false, false];
    const settle = (t: Tunnel) => {
      if (!settled) {
        settled = true;
        resolve(t);
      }
    };
    let ws: WebSocket;
    try {
      ws = open(conn, url, ['v4.channel.k8s.io']);
      opened(ws);
    } catch (e) {
      settle({ kind: 'failed', message: (e as Error).message });
      return;
    }
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        if (ws.readyState !== ws.OPEN) return cb(new Error('the port-forward closed'));
        ws.send(Buffer.concat([Buffer.from([0]), chunk]), cb);
      },
      final(cb) {
        cb();
      },
      destroy(err, cb) {
        try {
          ws.terminate();
        } catch {
          // already closed
        }
        cb(err);
      },
    });
    onRefused(ws, (r) => settle(r));
    ws.on('error', (e) => {
      settle({ kind: 'failed', message: e.message });
      // the TLS socket on top sees the end; an error event here would have no listener before it exists
      stream.destroy();
    });
    ws.on('close', () => {
      settle({ kind: 'failed', message: errorText.trim() || 'the port-forward closed before it was ready' });
      stream.push(null);
    });
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const ch = data[0];
      if (ch > 1) return;
      let payload = data.subarray(1);
      if (!seenPrefix[ch]) {
        seenPrefix[ch] = true;
        payload = payload.subarray(2);
        if (ch === 0) settle({ kind: 'ok', stream, errorText: () => errorText, ws });
      }
      if (payload.length === 0) return;
      if (ch === 1) errorText += payload.toString('utf8');
      else stream.push(payload);
    });
  });
}

function pemOf(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** The chain as Node rebuilt it from what the server sent (leaf first), PEM. */
function chainOf(socket: TLSSocket): string | undefined {
  let c = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate; raw?: Buffer };
  if (!c || !c.raw) return undefined;
  const pems: string[] = [];
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    pems.push(pemOf(c.raw));
    c = c.issuerCertificate as typeof c;
  }
  return pems.join('');
}

/** One handshake through its own port-forward, and the port-forward's refusal when there was one. Never sends application data. */
export async function handshake(t: ProbeTarget, opts: ProbeOptions): Promise<{ handshake: TlsHandshake; refused?: { status: number; message: string } }> {
  const ns = t.pod.metadata.namespace ?? 'default';
  const pod = t.pod.metadata.name;
  const base: TlsHandshake = { namespace: ns, pod, port: t.port, gatewayPort: t.gatewayPort, alpnOffered: PROBE_ALPN, outcome: 'error' };
  if (t.sni !== undefined) base.sni = t.sni;
  const started = Date.now();
  const done = (h: Partial<TlsHandshake>): TlsHandshake => ({ ...base, ...h, ms: Date.now() - started });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<TlsHandshake>((resolve) => {
    timer = setTimeout(() => resolve(done({ outcome: 'timeout', detail: `no TLS answer from ${ns}/${pod}:${t.port} within ${opts.requestTimeoutMs} ms` })), opts.requestTimeoutMs);
  });
  let socketOf: WebSocket | undefined;
  let refusal: { status: number; message: string } | undefined;
  const work = (async (): Promise<TlsHandshake> => {
    const tun = await tunnel(opts.connection, opts.server, ns, pod, t.port, (ws) => (socketOf = ws));
    if (tun.kind === 'refused') {
      refusal = { status: tun.status, message: tun.message };
      return done({ outcome: 'error', detail: `port-forward refused (${tun.status}): ${tun.message}` });
    }
    if (tun.kind === 'failed') return done(/connection refused/i.test(tun.message) ? { outcome: 'refused', detail: tun.message } : { outcome: 'error', detail: tun.message });
    const { stream, errorText } = tun;
    return new Promise<TlsHandshake>((resolve) => {
      const socket = tlsConnect({
        socket: stream,
        ...(t.sni !== undefined ? { servername: t.sni } : {}),
        ALPNProtocols: PROBE_ALPN,
        rejectUnauthorized: false,
      });
      let finished = false;
      const finish = (h: Partial<TlsHandshake>) => {
        if (finished) return;
        finished = true;
        socket.destroy();
        resolve(done(h));
      };
      socket.on('secureConnect', () => {
        const chainPem = chainOf(socket);
        const leaf = socket.getPeerX509Certificate();
        const h: Partial<TlsHandshake> = { outcome: 'handshake', alpn: socket.alpnProtocol ?? false };
        const version = socket.getProtocol();
        if (version) h.tlsVersion = version;
        if (chainPem) h.chainPem = chainPem;
        if (leaf) h.leafSha256 = leaf.fingerprint256;
        finish(h);
      });
      socket.on('error', (e: Error & { code?: string; reason?: string }) => {
        const alert = alertOf(e);
        if (alert) return finish({ outcome: 'alert', alert, detail: e.message });
        const said = errorText().trim();
        if (/connection refused/i.test(said)) return finish({ outcome: 'refused', detail: said });
        // Closed before any TLS answer: Envoy found no filter chain for this SNI (or no SNI) and closed it.
        if (e.code === 'ECONNRESET' || /disconnected before secure TLS connection|socket hang up|reset by peer|closed/i.test(`${e.message} ${said}`)) {
          return finish({ outcome: 'reset', detail: said || e.message });
        }
        finish({ outcome: 'error', detail: said || e.message });
      });
      socket.on('close', () => finish({ outcome: 'reset', detail: errorText().trim() || 'the connection closed before the handshake finished' }));
    });
  })();
  const r = await Promise.race([work, timeout]);
  clearTimeout(timer);
  // whatever happened (a timeout included), the port-forward is closed: nothing keeps the process alive
  try {
    socketOf?.terminate();
  } catch {
    // already closed
  }
  return refusal ? { handshake: r, refused: refusal } : { handshake: r };
}

const IMPACT =
  'what the gateway serves on the wire is unknown: the live probe (ITLS601, ITLS602, ITLS604, and the h2 evidence of ITLS404) did not run there; it needs create on pods/portforward';

/** Run the probe; fills snapshot.probe and adds an unreadable entry per namespace that refused the port-forward. */
export async function probeGateways(snapshot: Snapshot, opts: ProbeOptions): Promise<void> {
  // A pod whose admin port-forward already timed out will not answer a handshake either (its ITLS901 says so).
  const hung = new Set(snapshot.inspections.filter((i) => i.envoy.state === 'timeout').map((i) => `${i.namespace}/${i.pod}`));
  const targets = probeTargets(snapshot, opts.namespace).filter((t) => !hung.has(`${t.pod.metadata.namespace}/${t.pod.metadata.name}`));
  const run: ProbeRun = { state: 'done', handshakes: [] };
  snapshot.probe = run;
  if (targets.length === 0) {
    run.state = 'skipped';
    run.detail = 'no Ready gateway pod serves a terminating TLS server';
    return;
  }
  // A refused port-forward (RBAC) is refused for every pod of that namespace: stop asking there.
  const refused = new Map<string, { status: number; message: string; pods: Set<string> }>();
  const results = await mapBounded(targets, Math.max(1, opts.concurrency ?? 4), async (t) => {
    const ns = t.pod.metadata.namespace ?? 'default';
    if (refused.has(ns)) return undefined;
    const { handshake: h, refused: no } = await handshake(t, opts);
    if (no?.status === 403) {
      const r = refused.get(ns) ?? { status: 403, message: no.message, pods: new Set<string>() };
      r.pods.add(h.pod);
      refused.set(ns, r);
      return undefined;
    }
    return h;
  });
  run.handshakes = results.filter((h): h is TlsHandshake => h !== undefined);
  // A handshake that timed out or failed in the transport says nothing about the gateway: unknown, per pod.
  const blind = new Map<string, TlsHandshake[]>();
  for (const h of run.handshakes) {
    if (h.outcome !== 'timeout' && h.outcome !== 'error') continue;
    const k = `${h.namespace}/${h.pod}`;
    blind.set(k, [...(blind.get(k) ?? []), h]);
  }
  for (const hs of blind.values()) {
    const names = hs.map((h) => h.sni ?? '(no SNI)');
    snapshot.unreadable.push({
      resource: 'pods/portforward',
      verb: 'create',
      namespace: hs[0].namespace,
      status: 0,
      reason: `pod ${hs[0].pod}: ${hs[0].detail ?? hs[0].outcome}`,
      impact: `what the gateway serves for ${names.join(', ')} is unknown: the TLS handshake through the port-forward did not finish`,
    });
  }
  for (const [ns, r] of refused) {
    const u: Unreadable = { resource: 'pods/portforward', verb: 'create', namespace: ns, status: r.status, reason: `pod ${[...r.pods].join(', ')}: ${r.message}`, impact: IMPACT };
    snapshot.unreadable.push(u);
  }
  if (refused.size > 0 && run.handshakes.length === 0) {
    run.state = 'forbidden';
    run.detail = 'pods/portforward refused';
  }
}
