// Kubeconfig loading with kubectl's rules, not client-node's (research/packaging.md §3):
// KUBECONFIG is a list; missing files are skipped; clusters/users/contexts merge by name with the
// FIRST file winning; current-context comes from the first file that sets one; relative file paths
// resolve against the file that names them. No config at all is an error, never localhost:8080.
// Pure apart from reading the files; no client-node here (offline mode must not load it).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NoCredentialsError } from './errors.js';

type Named<T> = { name: string } & T;
export type KubeconfigCluster = Named<{ cluster: Record<string, unknown> & { server?: string } }>;
export type KubeconfigUser = Named<{ user: Record<string, unknown> }>;
export type KubeconfigContext = Named<{ context: { cluster?: string; user?: string; namespace?: string } }>;

export interface KubeconfigFile {
  apiVersion?: string;
  kind?: string;
  clusters?: KubeconfigCluster[];
  users?: KubeconfigUser[];
  contexts?: KubeconfigContext[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
}

/** One resolved context, flattened the way `kubectl config view --minify --flatten` would print it. */
export interface ResolvedKubeconfig {
  contextName: string;
  namespace?: string;
  server: string;
  /** a complete single-context kubeconfig (kubectl's field names), file paths absolute */
  minified: KubeconfigFile;
  /** files the configuration came from, in order */
  files: string[];
}

const CLUSTER_PATH_FIELDS = ['certificate-authority'];
const USER_PATH_FIELDS = ['client-certificate', 'client-key', 'tokenFile'];

function absolutize(obj: Record<string, unknown>, fields: string[], base: string): Record<string, unknown> {
  const out = { ...obj };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) out[f] = resolve(base, v);
  }
  return out;
}

/** The files kubectl would read, in precedence order. */
export function kubeconfigFiles(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): { files: string[]; explicit: boolean } {
  if (explicit) return { files: [explicit], explicit: true };
  const list = env.KUBECONFIG;
  if (list !== undefined && list !== '') {
    const seen = new Set<string>();
    const files: string[] = [];
    for (const f of list.split(delimiter)) {
      if (f === '' || seen.has(f)) continue;
      seen.add(f);
      files.push(f);
    }
    return { files, explicit: false };
  }
  return { files: [join(env.HOME ?? homedir(), '.kube', 'config')], explicit: false };
}

/** Merge kubeconfig files first-wins (client-go's loader semantics). */
export function mergeKubeconfigs(docs: { path: string; config: KubeconfigFile }[]): KubeconfigFile {
  const clusters = new Map<string, KubeconfigCluster>();
  const users = new Map<string, KubeconfigUser>();
  const contexts = new Map<string, KubeconfigContext>();
  let current: string | undefined;
  for (const { path, config } of docs) {
    const base = dirname(resolve(path));
    for (const c of config.clusters ?? []) {
      if (c?.name && !clusters.has(c.name)) clusters.set(c.name, { name: c.name, cluster: absolutize(c.cluster ?? {}, CLUSTER_PATH_FIELDS, base) });
    }
    for (const u of config.users ?? []) {
      if (u?.name && !users.has(u.name)) users.set(u.name, { name: u.name, user: absolutize(u.user ?? {}, USER_PATH_FIELDS, base) });
    }
    for (const x of config.contexts ?? []) {
      if (x?.name && !contexts.has(x.name)) contexts.set(x.name, { name: x.name, context: { ...(x.context ?? {}) } });
    }
    if (!current && config['current-context']) current = config['current-context'];
  }
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    ...(current ? { 'current-context': current } : {}),
  };
}

export interface LoadKubeconfigOptions {
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadKubeconfig(opts: LoadKubeconfigOptions = {}): ResolvedKubeconfig {
  const env = opts.env ?? process.env;
  const { files, explicit } = kubeconfigFiles(opts.kubeconfig, env);
  const docs: { path: string; config: KubeconfigFile }[] = [];
  for (const f of files) {
    if (!existsSync(f)) {
      if (explicit) throw new NoCredentialsError(`kubeconfig ${f} does not exist (from --kubeconfig)`);
      continue; // kubectl skips missing files in KUBECONFIG
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new NoCredentialsError(`kubeconfig ${f} is not valid YAML: ${(e as Error).message}`);
    }
    if (parsed && typeof parsed === 'object') docs.push({ path: f, config: parsed as KubeconfigFile });
  }
  const merged = mergeKubeconfigs(docs);
  const where = opts.kubeconfig ? `--kubeconfig ${opts.kubeconfig}` : env.KUBECONFIG ? `KUBECONFIG=${env.KUBECONFIG}` : files[0];
  if (docs.length === 0 || (merged.contexts ?? []).length === 0) {
    throw new NoCredentialsError(
      `no Kubernetes configuration found (looked at ${where}). Point to a cluster with --kubeconfig <file>, ` +
        `set KUBECONFIG, or run offline with -f <manifests dir>.`,
    );
  }
  const contextName = opts.context ?? merged['current-context'];
  if (!contextName) {
    throw new NoCredentialsError(`no current context in ${where}; pass --context (one of: ${(merged.contexts ?? []).map((c) => c.name).join(', ')})`);
  }
  const ctx = (merged.contexts ?? []).find((c) => c.name === contextName);
  if (!ctx) {
    throw new NoCredentialsError(`context "${contextName}" not found in ${where} (have: ${(merged.contexts ?? []).map((c) => c.name).join(', ')})`);
  }
  const cluster = (merged.clusters ?? []).find((c) => c.name === ctx.context.cluster);
  if (!cluster || typeof cluster.cluster.server !== 'string' || cluster.cluster.server === '') {
    throw new NoCredentialsError(`context "${contextName}" refers to cluster "${ctx.context.cluster ?? ''}", which is missing or has no server in ${where}`);
  }
  const user = (merged.users ?? []).find((u) => u.name === ctx.context.user) ?? { name: ctx.context.user ?? '', user: {} };
  const minified: KubeconfigFile = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [user.name ? user : { name: 'anonymous', user: {} }],
    contexts: [{ name: contextName, context: { ...ctx.context, user: user.name || 'anonymous' } }],
    'current-context': contextName,
  };
  return {
    contextName,
    namespace: ctx.context.namespace,
    server: cluster.cluster.server,
    minified,
    files: docs.map((d) => d.path),
  };
}
