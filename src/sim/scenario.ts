// Reads a (materialized) scenario directory into the state the simulated API server serves:
// objects from the YAML, files inside pod containers, Envoy admin overrides and scenario.json.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ResourceRegistry, splitApiVersion, type ResourceType } from './resources.js';

export interface DenyRule {
  /** RBAC verb: get, list, watch, create ('*' = any) */
  verb: string;
  /** plural, optionally with group ("gateways.networking.istio.io") or subresource ("pods/exec") */
  resource: string;
  namespace?: string;
  name?: string;
}

export interface ScenarioConfig {
  deny?: DenyRule[];
  /** "ns/pod": containers without a shell or coreutils; only pilot-agent runs */
  distroless?: string[];
  /** delay before every API response */
  latencyMs?: number;
  /** "ns/pod": exec and port-forward to these pods never answer; "/path/prefix": API requests that never answer */
  hang?: string[];
  /** API groups whose CRDs are not installed */
  missingGroups?: string[];
  /** optional CRD groups installed even when no object of theirs is in the YAML (gateway.networking.k8s.io, cert-manager.io) */
  crds?: string[];
  /** version string for /version */
  kubernetesVersion?: string;
  /**
   * The nodes' container runtime, which decides how a missing binary in `kubectl exec` comes back:
   * containerd (default) refuses to start it (Status Failure, InternalError); CRI-O with crun starts it
   * and reports exit 127 with "executable file `ls` not found in $PATH: No such file or directory" on
   * stderr; cri-dockerd reports exit 126 with Docker's "OCI runtime exec failed" line on stdout.
   */
  runtime?: 'containerd' | 'cri-o' | 'cri-dockerd';
  /** "ns/pod:/path": files that exist but the container user may not read (cat: Permission denied) */
  unreadable?: string[];
  [key: string]: unknown;
}

export type KubeJson = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & { name?: string; namespace?: string; labels?: Record<string, string> };
};

export interface StoredObject {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
  body: KubeJson;
}

export interface ScenarioState {
  dir: string;
  config: ScenarioConfig;
  registry: ResourceRegistry;
  objects: StoredObject[];
  /** "ns/pod" → absolute path in container → bytes */
  files: Map<string, Map<string, Buffer>>;
  /** "ns/pod" → endpoint name (e.g. "certs", "config_dump", "stats") → parsed JSON or text */
  envoy: Map<string, Map<string, string>>;
  resourceVersion: number;
}

const SPECIAL = new Set(['scenario.json', 'expect.json', 'certs.yaml', 'certs.yml']);
const SKIP_DIRS = new Set(['files', 'envoy', 'node_modules', '.git']);

function walkManifests(dir: string, root: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (dir === root && SKIP_DIRS.has(name)) continue;
      walkManifests(p, root, out);
    } else if (/\.(ya?ml|json)$/i.test(name) && !(dir === root && SPECIAL.has(name))) {
      out.push(p);
    }
  }
}

function walkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const rec = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) rec(p);
      else out.push(p);
    }
  };
  rec(dir);
  return out;
}

export function parseManifestText(text: string, file: string): KubeJson[] {
  const docs: KubeJson[] = [];
  if (file.toLowerCase().endsWith('.json')) {
    const v = JSON.parse(text) as unknown;
    (Array.isArray(v) ? v : [v]).forEach((d) => docs.push(d as KubeJson));
  } else {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const v = doc.toJSON() as unknown;
      if (v && typeof v === 'object') docs.push(v as KubeJson);
    }
  }
  const flat: KubeJson[] = [];
  for (const d of docs) {
    if (typeof d.kind === 'string' && d.kind.endsWith('List') && Array.isArray(d.items)) flat.push(...(d.items as KubeJson[]));
    else flat.push(d);
  }
  return flat.filter((d) => typeof d.kind === 'string' && typeof d.apiVersion === 'string');
}

function uidFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function loadScenario(dir: string): ScenarioState {
  const cfgPath = join(dir, 'scenario.json');
  const config: ScenarioConfig = existsSync(cfgPath) ? (JSON.parse(readFileSync(cfgPath, 'utf8')) as ScenarioConfig) : {};
  const registry = new ResourceRegistry(config.missingGroups ?? [], config.crds ?? []);
  const manifests: string[] = [];
  walkManifests(dir, dir, manifests);
  let rv = 1000;
  const objects: StoredObject[] = [];
  const seen = new Set<string>();
  for (const file of manifests) {
    for (const raw of parseManifestText(readFileSync(file, 'utf8'), file)) {
      const type = registry.ensure(raw.apiVersion as string, raw.kind as string);
      if (!type) continue; // its CRD is "not installed"
      const body = structuredClone(raw);
      const meta = (body.metadata ??= {}) as NonNullable<KubeJson['metadata']>;
      if (typeof meta.name !== 'string' || meta.name === '') continue;
      if (type.namespaced) meta.namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default';
      else delete meta.namespace;
      // The API server stores stringData folded into data (base64) and never returns stringData.
      if (type.kind === 'Secret' && body.stringData && typeof body.stringData === 'object') {
        const data = (body.data ?? {}) as Record<string, string>;
        for (const [k, v] of Object.entries(body.stringData as Record<string, string>)) data[k] = Buffer.from(String(v)).toString('base64');
        body.data = data;
        delete body.stringData;
      }
      if (type.kind === 'Secret' && !body.type) body.type = 'Opaque';
      const key = `${type.group}/${type.plural}/${meta.namespace ?? ''}/${meta.name}`;
      if (seen.has(key)) continue; // first definition wins, like `kubectl create` would refuse the second
      seen.add(key);
      meta.uid ??= uidFor(key);
      meta.resourceVersion = String(++rv);
      objects.push({ type, namespace: meta.namespace, name: meta.name, body });
    }
  }
  // A real cluster has a Namespace object for every namespace in use.
  const nsType = registry.byPlural('', 'namespaces')!;
  const namespaces = new Set(objects.filter((o) => o.namespace).map((o) => o.namespace as string));
  for (const ns of ['default', 'kube-system', 'kube-public', ...namespaces]) {
    if (objects.some((o) => o.type === nsType && o.name === ns)) continue;
    objects.push({
      type: nsType,
      namespace: undefined,
      name: ns,
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, uid: uidFor(`ns/${ns}`), resourceVersion: String(++rv), labels: { 'kubernetes.io/metadata.name': ns } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      },
    });
  }
  for (const o of objects) {
    if (o.type === nsType) o.body.status ??= { phase: 'Active' };
  }
  objects.sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));

  const files = new Map<string, Map<string, Buffer>>();
  const filesRoot = join(dir, 'files');
  for (const p of walkFiles(filesRoot)) {
    const parts = relative(filesRoot, p).split(sep);
    if (parts.length < 3) continue;
    const podKey = `${parts[0]}/${parts[1]}`;
    const m = files.get(podKey) ?? new Map<string, Buffer>();
    m.set(`/${parts.slice(2).join('/')}`, readFileSync(p));
    files.set(podKey, m);
  }
  const envoy = new Map<string, Map<string, string>>();
  const envoyRoot = join(dir, 'envoy');
  for (const p of walkFiles(envoyRoot)) {
    const parts = relative(envoyRoot, p).split(sep);
    if (parts.length !== 3) continue;
    const podKey = `${parts[0]}/${parts[1]}`;
    const m = envoy.get(podKey) ?? new Map<string, string>();
    m.set(parts[2].replace(/\.(json|txt)$/, ''), readFileSync(p, 'utf8'));
    envoy.set(podKey, m);
  }
  return { dir, config, registry, objects, files, envoy, resourceVersion: rv };
}

/** Does a deny rule cover this request? Cluster-wide requests are denied by a rule for any namespace (RBAC needs a ClusterRole for them). */
export function denied(
  config: ScenarioConfig,
  req: { verb: string; group: string; plural: string; subresource?: string; namespace?: string; name?: string },
): DenyRule | undefined {
  const resource = req.subresource ? `${req.plural}/${req.subresource}` : req.plural;
  for (const rule of config.deny ?? []) {
    if (rule.verb !== '*' && rule.verb !== req.verb) continue;
    const [ruleRes, ...groupParts] = rule.resource.split('.');
    const ruleGroup = groupParts.join('.');
    if (ruleRes !== '*' && ruleRes !== resource) continue;
    if (groupParts.length > 0 && ruleGroup !== req.group) continue;
    if (rule.namespace && req.namespace && rule.namespace !== req.namespace) continue;
    if (rule.name && req.name && rule.name !== req.name) continue;
    return rule;
  }
  return undefined;
}

export { splitApiVersion };
