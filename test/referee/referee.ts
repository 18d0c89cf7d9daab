// The referee tier's harness: Istio's own control plane (tools/referee, built by
// scripts/build-referee.sh into the cache) judges the doctor. Per host, the doctor's verdict (the
// built CLI's JSON, run as the scenario tier runs it) is compared with what istiod would send to the
// gateway pods; then the doctor's --fix-script is applied offline with the convergence tier's applier
// and the referee judges again: no host the fixes do not name may change.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, run } from '../scenario/harness.js';
import type { Obj } from '../convergence/fixrun.js';

// ---------------------------------------------------------------------------------------------
// the referee's JSON (tools/referee/main.go)

export interface RefSecret {
  resource: string;
  namespace?: string;
  name?: string;
  delivered: boolean;
  reason?: string;
  keys?: string;
  loads?: boolean;
  loadError?: string;
  certSha256?: string;
  dnsNames?: string[];
  authz?: string;
}

export interface RefHost {
  host: string;
  /** the Gateway server's port (the Service port) */
  port: number;
  /** the port Envoy listens on (the targetPort istiod resolved) */
  listenerPort: number;
  gateway: string;
  protocol: string;
  kept: boolean;
  keptBy?: string;
  listener: boolean;
  tlsMode?: string;
  sds?: string[];
  served: boolean;
  outcome: 'route' | 'redirect' | 'direct' | '404' | 'tcp' | 'none';
  clusters?: string[];
  missingClusters?: string[];
  redirect?: string;
  status?: number;
  virtualService?: string;
  virtualServices?: string[];
  shadowed?: string[];
  routeName?: string;
}

export interface RefServer {
  gateway: string;
  port: number;
  listenerPort?: number;
  protocol: string;
  name?: string;
  hosts: string[];
  tlsMode?: string;
  credential?: string;
  httpsRedirect?: boolean;
  routeName?: string;
  kept: boolean;
}

export interface RefProxy {
  pod: string;
  serviceAccount: string;
  gateways: string[];
  servers: RefServer[];
  listeners: unknown[];
  routes: unknown[];
  secrets: RefSecret[];
  hosts: RefHost[];
}

export interface RefReport {
  istio: string;
  elapsed: string;
  rbac: string;
  proxies: RefProxy[] | null;
  invalid?: string[];
  skipped?: string[];
  istiodLog?: string[];
}

// ---------------------------------------------------------------------------------------------
// building and running it

/** Why this machine cannot run the referee tier, or false when it can. */
export function refereeSkip(): string | false {
  if (process.env.ISTIO_TLS_NO_REFEREE) return 'referee tier skipped: ISTIO_TLS_NO_REFEREE is set';
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).error) return 'referee tier skipped: no Go toolchain on PATH to build the referee (scripts/build-referee.sh)';
  return false;
}

let built: Promise<string> | undefined;

/** Build (or reuse from the cache) the referee; progress goes to stderr. Resolves to the binary. */
export function buildReferee(): Promise<string> {
  built ??= new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'build-referee.sh')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const bin = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !bin) reject(new Error(`scripts/build-referee.sh failed (exit ${code})`));
      else resolve(bin);
    });
  });
  return built;
}

export async function runReferee(bin: string, dir: string): Promise<RefReport> {
  const r = await run(bin, [dir], {}, 120_000);
  if (r.code !== 0) throw new Error(`referee ${dir} exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as RefReport;
}

/** The objects as one manifest file in a new directory: what the referee (and the doctor) read. */
export function writeObjects(objects: Obj[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'istio-tls-referee-'));
  writeFileSync(join(dir, 'cluster.yaml'), objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// reading the referee's verdicts

export const hostsOf = (r: RefReport): RefHost[] => (r.proxies ?? []).flatMap((p) => p.hosts.map((h) => ({ ...h, pod: p.pod })));

/** served and routed: the state the no-harm rule protects */
export function works(h: RefHost): boolean {
  if (!h.kept || !h.served) return false;
  if (h.outcome === 'route') return (h.missingClusters ?? []).length === 0;
  return h.outcome === 'tcp' || (h.outcome === 'redirect' && !h.tlsMode);
}

/** RFC 6125 as clients apply it: exact, or one left-most wildcard label. */
export function covers(names: string[], host: string): boolean {
  return names.some((n) => n === host || (n.startsWith('*.') && host.slice(host.indexOf('.')) === n.slice(1) && host.indexOf('.') > 0));
}

/**
 * What a host looks like to a client: the fields the no-harm rule says must not change. The secret
 * is the same Secret, delivered, loading, and covering the host (a shared certificate re-issued for
 * a named host changes its bytes, not what this host serves).
 */
export function face(h: RefHost, secrets: Map<string, RefSecret>): string {
  return JSON.stringify({
    gateway: h.gateway,
    kept: h.kept,
    served: h.served,
    tlsMode: h.tlsMode ?? '',
    secrets: (h.sds ?? []).map((n) => {
      const s = secrets.get(n);
      return `${n} ${s?.namespace}/${s?.name} delivered=${s?.delivered} loads=${s?.loads ?? '-'} covers=${s?.dnsNames ? covers(s.dnsNames, h.host) : '-'}`;
    }),
    outcome: h.outcome,
    clusters: h.clusters ?? [],
    redirect: h.redirect ?? '',
  });
}

export function secretsOf(r: RefReport, pod: string): Map<string, RefSecret> {
  const p = (r.proxies ?? []).find((x) => x.pod === pod);
  return new Map((p?.secrets ?? []).map((s) => [s.resource, s]));
}

/** A short excerpt of the referee's view of one host, for messages and the report. */
export function excerpt(h: RefHost | undefined): string {
  if (!h) return '(the referee has no such host)';
  const { host, port, gateway, kept, keptBy, served, tlsMode, sds, outcome, clusters, missingClusters, virtualService, virtualServices, shadowed } = h;
  return JSON.stringify({ host, port, gateway, kept, keptBy, served, tlsMode, sds, outcome, clusters, missingClusters, virtualService, virtualServices, shadowed });
}
