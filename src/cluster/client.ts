// The one place that makes HTTP requests to a cluster. Authentication (client certificates,
// tokens, exec plugins, OIDC, proxies) comes from @kubernetes/client-node's KubeConfig, loaded
// lazily; the requests themselves are raw GETs so the snapshot holds the API's JSON exactly
// (client-node's typed models turn timestamps into Dates and rename fields), and every request
// has its own timeout (client-node has none).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiStatusError, ClusterAuthError, ClusterUnreachableError } from './errors.js';
import type { ResolvedKubeconfig } from './kubeconfig.js';

export interface ApiClientOptions {
  requestTimeoutMs: number;
}

/** What the client-node KubeConfig gives us, reduced to what we use (keeps client-node types out of our API). */
export interface ConnectionOptions {
  /** https.request options: agent, ca, cert, key, headers, servername, rejectUnauthorized */
  https: RequestOptions & Record<string, unknown>;
}

const TRANSPORT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is the API server running and the address right?',
  ENOTFOUND: 'the host name does not resolve',
  EHOSTUNREACH: 'the host is unreachable',
  ECONNRESET: 'the connection was reset',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted by the kubeconfig',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain ends in a CA the kubeconfig does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by the kubeconfig certificate-authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not cover the server address',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
};

export class ApiClient {
  readonly server: string;
  private constructor(
    private readonly config: ResolvedKubeconfig,
    private readonly conn: ConnectionOptions,
    private readonly opts: ApiClientOptions,
  ) {
    this.server = config.server.replace(/\/+$/, '');
  }

  /** Build the client; loads @kubernetes/client-node on first use only. */
  static async create(config: ResolvedKubeconfig, opts: ApiClientOptions): Promise<ApiClient> {
    // by name, through a module of ours: a namespace import() of the package would bundle all of it
    const { KubeConfig } = await import('./kubeconfig-class.js');
    const kc = new KubeConfig();
    try {
      kc.loadFromString(JSON.stringify(config.minified));
    } catch (e) {
      throw new ClusterAuthError(`cannot use context "${config.contextName}": ${(e as Error).message}`, { cause: e });
    }
    const https: RequestOptions & Record<string, unknown> = {};
    try {
      // Runs exec credential plugins / OIDC refresh; the result is a bearer header or client certificate.
      await kc.applyToHTTPSOptions(https);
    } catch (e) {
      throw new ClusterAuthError(`could not get credentials for context "${config.contextName}": ${(e as Error).message}`, { cause: e });
    }
    if (!/^https?:\/\//.test(config.server)) {
      throw new ClusterUnreachableError(`server "${config.server}" of context "${config.contextName}" is not an http(s) URL`);
    }
    return new ApiClient(config, { https }, opts);
  }

  get contextName(): string {
    return this.config.contextName;
  }

  /**
   * The Kubernetes user name this kubeconfig authenticates as, when it can be known without asking the
   * server: an impersonated user (`as`), else the CN of the client certificate. Tokens and exec plugins
   * do not say locally: undefined.
   */
  userName(): string | undefined {
    const user = (this.config.minified.users?.[0]?.user ?? {}) as Record<string, unknown>;
    if (typeof user.as === 'string' && user.as) return user.as;
    let pem: string | undefined;
    try {
      if (typeof user['client-certificate-data'] === 'string') pem = Buffer.from(user['client-certificate-data'], 'base64').toString('utf8');
      else if (typeof user['client-certificate'] === 'string') pem = readFileSync(user['client-certificate'], 'utf8');
      if (!pem) return undefined;
      const subject = new X509Certificate(pem).subject ?? '';
      const cn = subject.split('\n').find((l) => l.startsWith('CN='));
      return cn ? cn.slice(3) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Connection options for WebSocket upgrades (exec, port-forward): same TLS identity and headers. */
  connectionOptions(): ConnectionOptions {
    return { https: { ...this.conn.https, headers: { ...(this.conn.https.headers as Record<string, string> | undefined) } } };
  }

  /** GET a path (with query) and parse JSON. Non-2xx → ApiStatusError; transport failure/timeout → ClusterUnreachableError; 401 → ClusterAuthError. */
  async getJson<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const timeoutMs = this.opts.requestTimeoutMs;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      let req: ClientRequest | undefined;
      const timer = setTimeout(() => {
        req?.destroy();
        reject(new ClusterUnreachableError(`the API server ${this.server} did not answer GET ${path} within ${timeoutMs} ms (--request-timeout)`));
      }, timeoutMs);
      timer.unref?.();
      const headers = { Accept: 'application/json', 'User-Agent': 'kubectl-istio-tls', ...(this.conn.https.headers as Record<string, string> | undefined) };
      req = httpsRequest(url, { ...this.conn.https, method: 'GET', headers }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(this.transportError(e, path));
        });
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(this.transportError(e, path));
      });
      req.end();
    });
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(body) as T;
      } catch {
        throw new ApiStatusError(status, 'InvalidResponse', `GET ${path}: the server answered ${status} with a body that is not JSON`, path);
      }
    }
    let reason = '';
    let message = body.slice(0, 300);
    try {
      const s = JSON.parse(body) as { reason?: string; message?: string };
      reason = s.reason ?? '';
      message = s.message ?? message;
    } catch {
      // not a Status object (a proxy or load balancer answered)
    }
    if (status === 401) {
      throw new ClusterAuthError(
        `the API server ${this.server} rejected the credentials of context "${this.config.contextName}" (401 Unauthorized). ` +
          'Log in again or check the user in your kubeconfig.',
      );
    }
    throw new ApiStatusError(status, reason || String(status), message, path);
  }

  private transportError(e: Error & { code?: string }, path: string): ClusterUnreachableError {
    const hint = (e.code && TRANSPORT_HINTS[e.code]) || e.message;
    return new ClusterUnreachableError(`cannot reach the API server ${this.server} (context "${this.config.contextName}", GET ${path}): ${hint}`, {
      cause: e,
    });
  }
}
