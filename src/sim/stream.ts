// Exec and port-forward over WebSocket, as the API server speaks them to kubectl/client-node:
// - exec: subprotocol v5.channel.k8s.io or v4.channel.k8s.io; every binary frame starts with the
//   channel byte (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize; v5 adds 255 = close a channel).
//   The command's end is a metav1.Status JSON on channel 3 (Success, or Failure with reason
//   NonZeroExitCode and the exit code in details.causes[reason=ExitCode]); then the server closes.
// - port-forward: subprotocol v4.channel.k8s.io (or portforward.k8s.io); port i uses data channel
//   2i and error channel 2i+1; the first frame on each channel is the port as 2 bytes little-endian.
// RBAC (create pods/exec, pods/portforward), missing pods/containers and non-running pods are
// refused before the upgrade with a Status body, as the real server does.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { envoyAdmin } from './envoy.js';
import { envoyAdminWrites, forwardSlices } from './envoy-http.js';
import { runCommand } from './pod.js';
import { tlsListeners, tlsSession, type SimChain } from './tls.js';
import { denied, type KubeJson, type StoredObject } from './scenario.js';
import { parseResourcePath, statusBody, type LogEntry, type RequestContext } from './http.js';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const PF_PROTOCOLS = ['v4.channel.k8s.io', 'portforward.k8s.io'];

function refuse(socket: Socket, code: number, body: KubeJson): void {
  const text = JSON.stringify(body);
  const reason: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };
  socket.end(`HTTP/1.1 ${code} ${reason[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

function queryOf(u: URL): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return q;
}

function offered(req: IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function frame(channel: number, data: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from([channel]), typeof data === 'string' ? Buffer.from(data) : data]);
}

export function handleUpgrade(ctx: RequestContext, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const u = new URL(req.url ?? '/', 'https://sim.local');
  const path = u.pathname;
  const query = queryOf(u);
  const base: Omit<LogEntry, 'status'> = { verb: (req.method ?? 'GET').toUpperCase(), path, query };
  const fail = (code: number, body: KubeJson, extra: Partial<LogEntry> = {}) => {
    refuse(socket, code, body);
    ctx.log({ ...base, status: code, ...extra });
  };
  const rp = parseResourcePath(ctx.state, path);
  if (!rp || rp === 'unknown' || rp.type.kind !== 'Pod' || !rp.name || !rp.namespace || (rp.subresource !== 'exec' && rp.subresource !== 'portforward')) {
    return fail(404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
  }
  const action = rp.subresource === 'exec' ? 'exec' : 'portforward';
  const argv = ([] as string[]).concat(query.command ?? []);
  const what: Partial<LogEntry> = action === 'exec' ? { action, command: argv } : { action };
  const rule = denied(ctx.state.config, { verb: 'create', group: '', plural: 'pods', subresource: rp.subresource, namespace: rp.namespace, name: rp.name });
  if (rule) {
    return fail(
      403,
      statusBody(403, 'Forbidden', `pods "${rp.name}" is forbidden: User "sim-user" cannot create resource "pods/${rp.subresource}" in API group "" in the namespace "${rp.namespace}"`, {
        name: rp.name,
        kind: 'pods',
      }),
      what,
    );
  }
  const pod: StoredObject | undefined = ctx.state.objects.find((o) => o.type.kind === 'Pod' && o.namespace === rp.namespace && o.name === rp.name);
  if (!pod) return fail(404, statusBody(404, 'NotFound', `pods "${rp.name}" not found`, { name: rp.name, kind: 'pods' }), what);
  const spec = pod.body.spec as { containers?: { name: string }[] };
  const status = (pod.body.status ?? {}) as { phase?: string; containerStatuses?: { name: string; state?: { running?: unknown; waiting?: unknown; terminated?: unknown } }[] };
  const containers = (spec.containers ?? []).map((c) => c.name);
  const phase = status.phase ?? 'Pending';
  if (phase === 'Succeeded' || phase === 'Failed') {
    return fail(400, statusBody(400, 'BadRequest', `cannot ${action === 'exec' ? 'exec into' : 'port-forward to'} a container in a completed pod; current phase is ${phase}`), what);
  }

  if (action === 'exec') {
    const command = argv;
    let container = typeof query.container === 'string' ? query.container : undefined;
    if (!container) {
      if (containers.length !== 1) {
        return fail(400, statusBody(400, 'BadRequest', `a container name must be specified for pod ${rp.name}, choose one of: [${containers.join(' ')}]`), { action, command });
      }
      container = containers[0];
    }
    if (!containers.includes(container)) {
      return fail(400, statusBody(400, 'BadRequest', `container ${container} is not valid for pod ${rp.name}`), { action, command, container });
    }
    const cs = status.containerStatuses?.find((c) => c.name === container);
    if (phase !== 'Running' || (cs && (cs.state?.waiting || cs.state?.terminated))) {
      return fail(400, statusBody(400, 'BadRequest', `unable to upgrade connection: container not found ("${container}")`), { action, command, container });
    }
    const protocol = offered(req).find((p) => EXEC_PROTOCOLS.includes(p));
    if (!protocol) return fail(400, statusBody(400, 'BadRequest', `none of the offered subprotocols is supported; use one of ${EXEC_PROTOCOLS.join(', ')}`), { action, command, container });
    const podName = rp.name;
    const namespace = rp.namespace;
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ctx.track(socket);
      const hung = (ctx.state.config.hang ?? []).includes(`${namespace}/${podName}`);
      if (hung) {
        ctx.log({ ...base, status: 101, action, command, container });
        return; // accepted, then silence: the client's timeout must fire
      }
      const r = runCommand(ctx.state, namespace, podName, container, command, ctx.now);
      const wantOut = query.stdout !== 'false' && query.stdout !== '0';
      const wantErr = query.stderr !== 'false' && query.stderr !== '0';
      if (!r.started) {
        const message = `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: ${r.message}`;
        ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message: r.message }] }, code: 500 })));
        ws.close(1000);
        ctx.log({ ...base, status: 101, action, command, container, exitCode: -1 });
        return;
      }
      if (wantOut && r.stdout.length) ws.send(frame(1, r.stdout));
      if (wantErr && r.stderr.length) ws.send(frame(2, r.stderr));
      const st =
        r.exitCode === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${r.exitCode}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(r.exitCode) }] },
            };
      ws.send(frame(3, JSON.stringify(st)));
      ws.close(1000);
      ctx.log({ ...base, status: 101, action, command, container, exitCode: r.exitCode });
    });
    return;
  }

  // port-forward
  const ports = ([] as string[])
    .concat(query.ports ?? [])
    .flatMap((p) => p.split(','))
    .map((p) => Number(p.trim()));
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    return fail(400, statusBody(400, 'BadRequest', 'query parameter "ports" is required and must hold valid port numbers'), { action });
  }
  if (phase !== 'Running') {
    return fail(400, statusBody(400, 'BadRequest', `unable to upgrade connection: pod ${rp.name} is not running (phase ${phase})`), { action, ports });
  }
  const protocol = offered(req).find((p) => PF_PROTOCOLS.includes(p));
  if (!protocol) return fail(400, statusBody(400, 'BadRequest', `none of the offered subprotocols is supported; use one of ${PF_PROTOCOLS.join(', ')}`), { action, ports });
  const podName = rp.name;
  const namespace = rp.namespace;
  const uid = String(pod.body.metadata?.uid ?? '');
  const envoyListens = containers.includes('istio-proxy');
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    ctx.track(socket);
    ctx.log({ ...base, status: 101, action, ports });
    if ((ctx.state.config.hang ?? []).includes(`${namespace}/${podName}`)) return;
    const buffers = ports.map(() => Buffer.alloc(0) as Buffer);
    // TLS container ports of a gateway pod: one session per port (src/sim/tls.ts)
    const tlsPorts = envoyListens ? tlsListeners(ctx.state, namespace, podName) : new Map<number, SimChain[]>();
    const sessions = ports.map((port, i) => {
      const chains = tlsPorts.get(port);
      if (!chains) return undefined;
      return tlsSession(chains, uid, port, {
        send: (data) => ws.send(frame(2 * i, data)),
        error: (text) => ws.send(frame(2 * i + 1, text)),
        close: () => ws.close(1000),
      });
    });
    ws.on('close', () => sessions.forEach((s) => s?.end()));
    ports.forEach((port, i) => {
      const le = Buffer.from([port & 0xff, port >> 8]);
      ws.send(frame(2 * i, le));
      ws.send(frame(2 * i + 1, le));
      if (!(port === 15000 && envoyListens) && !sessions[i]) {
        ws.send(
          frame(
            2 * i + 1,
            `error forwarding port ${port} to pod ${uid}, uid : failed to connect to localhost:${port} inside namespace "${namespace}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `,
          ),
        );
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data);
      if (buf.length === 0) return;
      const ch = buf[0];
      if (ch === 255 || ch % 2 === 1) return; // close signal or error channel: nothing to do
      const i = ch / 2;
      if (sessions[i]) return sessions[i].write(buf.subarray(1));
      if (i >= ports.length || !(ports[i] === 15000 && envoyListens)) return;
      buffers[i] = Buffer.concat([buffers[i], buf.subarray(1)]);
      // HTTP/1.1 requests, possibly several on one stream (keep-alive).
      for (;;) {
        const end = buffers[i].indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffers[i].subarray(0, end).toString('latin1');
        buffers[i] = buffers[i].subarray(end + 4);
        const [requestLine, ...headerLines] = head.split('\r\n');
        const [method, target, version] = requestLine.split(' ');
        const http10 = version === 'HTTP/1.0';
        const closeAfter = http10 || headerLines.some((h) => /^connection:\s*close/i.test(h));
        let r = envoyAdmin(ctx.state, namespace, podName, target ?? '/', ctx.now);
        if ((method ?? '').toUpperCase() !== 'GET') r = { status: 405, contentType: 'text/plain; charset=UTF-8', body: 'method not allowed: the simulated Envoy admin is read-only\n' };
        // Framed as Envoy frames it: head first, chunked body, no content-length (see envoy-http.ts).
        for (const write of envoyAdminWrites(r.status, r.contentType, r.body, { close: closeAfter, http10, date: new Date() })) {
          for (const slice of forwardSlices(write)) ws.send(frame(2 * i, slice));
        }
        ctx.log({ verb: (method ?? 'GET').toUpperCase(), path, query, status: r.status, action: 'envoy-admin', adminPath: target ?? '/' });
        if (closeAfter) ws.close(1000);
      }
    });
  });
}
