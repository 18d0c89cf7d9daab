// WebSocket exec and port-forward clients for the Kubernetes API (channel.k8s.io framing), with
// what client-node's Exec/PortForward lack: a timeout on the whole operation, a close handler (a
// socket that closes without a status frame never calls client-node back), and the refusal's
// HTTP status and Status body (client-node surfaces only "Unexpected server response: 403").
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { ConnectionOptions } from './client.js';
import { Http1ResponseReader, type HttpAnswer } from './http1.js';

export type StreamOutcome<T> =
  | ({ kind: 'ok' } & T)
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'not-started'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'failed'; message: string };

export interface ExecOutput {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export function wsUrl(server: string, path: string, query: [string, string][]): string {
  const u = new URL(server.replace(/^http/, 'ws') + path);
  for (const [k, v] of query) u.searchParams.append(k, v);
  return u.toString();
}

export function open(conn: ConnectionOptions, url: string, protocols: string[]): WebSocket {
  const { agent, ca, cert, key, headers, servername, rejectUnauthorized } = conn.https as Record<string, unknown>;
  const opts: WebSocket.ClientOptions = { headers: headers as Record<string, string> | undefined, perMessageDeflate: false };
  if (agent) opts.agent = agent as WebSocket.ClientOptions['agent'];
  if (ca) opts.ca = ca as string;
  if (cert) opts.cert = cert as string;
  if (key) opts.key = key as string;
  if (servername) (opts as Record<string, unknown>).servername = servername;
  if (rejectUnauthorized !== undefined) opts.rejectUnauthorized = rejectUnauthorized as boolean;
  return new WebSocket(url, protocols, opts);
}

/** Reads a refused upgrade's Status message (403 from RBAC, 400 container not found, 404 pod gone). */
export function onRefused(ws: WebSocket, done: (o: { kind: 'refused'; status: number; message: string }) => void): void {
  ws.on('unexpected-response', (_req, res: IncomingMessage) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let message = body.slice(0, 300) || `HTTP ${res.statusCode}`;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
      } catch {
        // not a Status object
      }
      done({ kind: 'refused', status: res.statusCode ?? 0, message });
    });
    res.on('error', () => done({ kind: 'refused', status: res.statusCode ?? 0, message: `HTTP ${res.statusCode}` }));
  });
}

type Finish<T> = (o: StreamOutcome<T>) => void;

/**
 * One WebSocket session that settles exactly once: on the handler's verdict, a refused upgrade, a socket
 * error, the close (which client-node would never report) or the timeout.
 */
function channelSession<T>(
  conn: ConnectionOptions,
  url: string,
  protocols: string[],
  timeoutMs: number,
  words: { timeout: string; closed: () => string },
  onFrame: (channel: number, payload: Buffer, ws: WebSocket, finish: Finish<T>) => void,
): Promise<StreamOutcome<T>> {
  return new Promise((resolve) => {
    let settled = false;
    let ws: WebSocket | undefined;
    const finish: Finish<T> = (o) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        ws?.terminate();
      } catch {
        // already closed
      }
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', message: words.timeout }), timeoutMs);
    try {
      ws = open(conn, url, protocols);
    } catch (e) {
      finish({ kind: 'failed', message: (e as Error).message });
      return;
    }
    const socket = ws;
    onRefused(socket, finish);
    socket.on('error', (e) => finish({ kind: 'failed', message: e.message }));
    socket.on('message', (data: Buffer) => {
      if (data.length > 0) onFrame(data[0], data.subarray(1), socket, finish);
    });
    socket.on('close', () => finish({ kind: 'failed', message: words.closed() }));
  });
}

/** Run one argv vector in a container. Never a shell string: each element is its own `command=` parameter. */
export function execArgv(
  conn: ConnectionOptions,
  server: string,
  ns: string,
  pod: string,
  container: string,
  argv: string[],
  timeoutMs: number,
): Promise<StreamOutcome<ExecOutput>> {
  const query: [string, string][] = [...argv.map((a): [string, string] => ['command', a]), ['container', container], ['stdout', 'true'], ['stderr', 'true']];
  const url = wsUrl(server, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/exec`, query);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  return channelSession<ExecOutput>(
    conn,
    url,
    ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
    timeoutMs,
    {
      timeout: `exec ${argv[0]} in ${ns}/${pod} did not finish within ${timeoutMs} ms`,
      closed: () => `the exec stream to ${ns}/${pod} closed without an exit status`,
    },
    (ch, payload, _ws, finish) => {
      if (ch === 1) stdout.push(payload);
      else if (ch === 2) stderr.push(payload);
      else if (ch === 3) {
        let st: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } } = {};
        try {
          st = JSON.parse(payload.toString('utf8')) as typeof st;
        } catch {
          finish({ kind: 'failed', message: payload.toString('utf8').slice(0, 300) });
          return;
        }
        if (st.status === 'Success') return finish({ kind: 'ok', stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode: 0 });
        if (st.reason === 'NonZeroExitCode') {
          const code = Number(st.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? '1');
          return finish({ kind: 'ok', stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode: Number.isFinite(code) ? code : 1 });
        }
        finish({ kind: 'not-started', message: st.message ?? 'the command could not be started' });
      }
    },
  );
}

export type { HttpAnswer } from './http1.js';

/**
 * One port-forward to `port` and a sequence of HTTP GETs over it (keep-alive; the last one
 * closes). Returns the answers in order.
 */
export function portForwardGets(
  conn: ConnectionOptions,
  server: string,
  ns: string,
  pod: string,
  port: number,
  paths: string[],
  timeoutMs: number,
): Promise<StreamOutcome<{ answers: HttpAnswer[] }>> {
  const url = wsUrl(server, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/portforward`, [['ports', String(port)]]);
  const answers: HttpAnswer[] = [];
  // Envoy's admin answers with a chunked body (no content-length); other servers may send one.
  const reader = new Http1ResponseReader();
  const seenPrefix = [false, false];
  let errorText = '';
  const sendNext = (ws: WebSocket) => {
    const i = answers.length;
    const last = i === paths.length - 1;
    const req = `GET ${paths[i]} HTTP/1.1\r\nHost: localhost:${port}\r\nUser-Agent: kubectl-istio-tls\r\nAccept: */*\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(req, 'latin1')]));
  };
  const parse = (data: Buffer, ws: WebSocket, finish: Finish<{ answers: HttpAnswer[] }>) => {
    for (const answer of reader.push(data)) {
      answers.push(answer);
      if (answers.length === paths.length) return finish({ kind: 'ok', answers });
      sendNext(ws);
    }
    if (reader.error) finish({ kind: 'failed', message: `unexpected HTTP answer from ${ns}/${pod}:${port} (${reader.error})` });
  };
  return channelSession<{ answers: HttpAnswer[] }>(
    conn,
    url,
    ['v4.channel.k8s.io'],
    timeoutMs,
    {
      timeout: `port-forward to ${ns}/${pod}:${port} did not answer within ${timeoutMs} ms`,
      closed: () => errorText.trim() || `the port-forward to ${ns}/${pod}:${port} closed before all answers arrived`,
    },
    (ch, frame, ws, finish) => {
      if (ch > 1) return;
      let payload = frame;
      // The first frame on each channel carries the port number (2 bytes, little-endian).
      if (!seenPrefix[ch]) {
        seenPrefix[ch] = true;
        payload = payload.subarray(2);
        if (ch === 0) sendNext(ws);
      }
      if (payload.length === 0) return;
      if (ch === 1) {
        errorText += payload.toString('utf8');
        finish({ kind: 'failed', message: errorText.trim() });
        return;
      }
      parse(payload, ws, finish);
    },
  );
}
