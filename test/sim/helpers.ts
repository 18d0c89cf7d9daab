// Shared by the sim and live-source tests: scenario copies with extra files, raw API requests
// with the kubeconfig the sim wrote, and kubectl runs against it.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const BASIC = join(FIXTURES, 'basic');

/** A copy of a scenario directory with files added or replaced. */
export function scenarioWith(base: string, extra: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-scenario-'));
  cpSync(base, dir, { recursive: true });
  for (const [rel, content] of Object.entries(extra)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

interface KubeconfigYaml {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }[];
}

export interface RawResponse {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

/** One HTTPS request to the sim; `auth: false` sends neither the client certificate nor the token. */
export function rawRequest(kubeconfigPath: string, method: string, path: string, opts: { auth?: boolean; body?: string } = {}): Promise<RawResponse> {
  const kc = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigYaml;
  const cluster = kc.clusters[0].cluster;
  const user = kc.users[0].user;
  const b = (s?: string) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const withAuth = opts.auth !== false;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(cluster.server + path),
      {
        method,
        ca: b(cluster['certificate-authority-data']),
        cert: withAuth ? b(user['client-certificate-data']) : undefined,
        key: withAuth ? b(user['client-key-data']) : undefined,
        headers: { Accept: 'application/json', ...(withAuth && user.token ? { Authorization: `Bearer ${user.token}` } : {}), ...(opts.body ? { 'Content-Type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

export function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
}

/** kubectl's client minor version (exec over WebSocket needs >= 1.29 with the env gate, default from 1.31); 0 when unknown. */
export function kubectlMinor(): number {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  try {
    return Number.parseInt((JSON.parse(r.stdout) as { clientVersion: { minor: string } }).clientVersion.minor, 10) || 0;
  } catch {
    return 0;
  }
}

/** Runs kubectl asynchronously: the sim serves from this same process, so a sync spawn would deadlock. */
export function kubectl(kubeconfigPath: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The sim speaks exec over WebSocket only (no SPDY); kubectl 1.29-1.30 need this gate for it.
    const child = spawn('kubectl', ['--kubeconfig', kubeconfigPath, ...args], { env: { ...process.env, KUBECONFIG: '', KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

/** n Gateways (plus a VirtualService each) for request-count tests. */
export function manyGateways(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw-${i}
  namespace: web
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 443, name: https-${i}, protocol: HTTPS}
    hosts: [h${i}.example.com]
    tls: {mode: SIMPLE, credentialName: web-cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs-${i}
  namespace: web
spec:
  hosts: [h${i}.example.com]
  gateways: [gw-${i}]
  http:
  - route:
    - destination: {host: web}`);
  }
  return docs.join('\n---\n');
}
