// -o sarif: SARIF 2.1.0 for GitHub code scanning. Rules come from the code catalog; a finding about an
// object read from a `-f` file is a result at that file and the line of the field it is about (the host
// entry, the server's credentialName) or else of the object; paths are relative to the working directory.
// A finding with no file to point at (a live object, a Secret from the cluster, a pod) is a notification
// of the run, never a result without a location (GitHub rejects those).
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Place, ResourceRef, Severity } from '../findings/types.js';
import { placeOf } from '../findings/causes.js';
import { DOCS_URL } from '../findings/voice.js';
import { originKey, type FieldPosition, type ObjectOrigin, type OriginIndex } from '../snapshot/origins.js';
import { codeCatalog } from './catalog.js';
import type { Report, ReportFinding } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'kubectl-istio-tls';
const INFORMATION_URI = 'https://github.com/kubectl-istio-tls/kubectl-istio-tls';
/** the partialFingerprints key: code + kind/namespace/name + host, stable across runs and line moves */
export const FINGERPRINT_KEY = 'istioTlsFinding/v1';

export interface SarifContext {
  /** where each object of the -f files is written; undefined for a live run */
  origins?: OriginIndex;
  /** the directory paths are made relative to (the working directory) */
  cwd: string;
  version: string;
}

/** GitHub code scanning's hard limit is 1,000 locations per result: the primary one and 999 related. */
export const MAX_RELATED = 999;

type Level = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', info: 'note' };

interface Region {
  startLine: number;
  startColumn: number;
}

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: Region };
  logicalLocations?: { fullyQualifiedName: string; kind: string }[];
  message?: { text: string };
}

function refName(r: ResourceRef): string {
  return `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** A stable identity: what the finding is and what it is about, never where it is written. */
export function fingerprint(f: Finding): string {
  return createHash('sha256')
    .update(JSON.stringify([f.code, f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.host ?? '']))
    .digest('hex')
    .slice(0, 32);
}

// A Gateway host as written (ns/host, any-namespace/host, ./host) is about `host`.
function hostOf(value: string): string {
  const slash = value.indexOf('/');
  return slash < 0 ? value : value.slice(slash + 1);
}

const HOST_FIELD = /^(spec\.servers\.\d+\.hosts\.\d+|spec\.hosts\.\d+|spec\.listeners\.\d+\.hostname|spec\.hostnames\.\d+|spec\.tls\.\d+\.match\.\d+\.sniHosts\.\d+)$/;

/**
 * The field a finding is about: for a credential or certificate code (2xx/3xx) the credentialName (or
 * certificateRefs) of the server or listener serving its host; else the host entry (on its port when the
 * finding names one); else metadata.name; else the object.
 */
function fieldOf(f: Finding, host: string | undefined, port: number | undefined, origin: ObjectOrigin): FieldPosition | undefined {
  const fields = origin.fields;
  const value = (path: string) => fields.find((x) => x.path === path)?.value;
  if (host !== undefined) {
    const hosts = fields.filter((x) => x.value !== undefined && HOST_FIELD.test(x.path) && hostOf(x.value) === host);
    // the server or listener the host is on: spec.servers.N / spec.listeners.N
    const owner = (x: FieldPosition) => /^spec\.(servers|listeners)\.\d+/.exec(x.path)?.[0];
    const onPort = port === undefined ? hosts : hosts.filter((x) => {
      const o = owner(x);
      return o === undefined || value(`${o}.port.number`) === String(port) || value(`${o}.port`) === String(port);
    });
    const hit = onPort[0] ?? hosts[0];
    // about the credential or its certificate (not ITLS304, which is about the host the cert lacks)
    if (hit && /^ITLS(2\d\d|3\d\d|70[123])$/.test(f.code) && f.code !== 'ITLS304') {
      const o = owner(hit);
      const cred = o && fields.find((x) => x.path === `${o}.tls.credentialName` || x.path.startsWith(`${o}.tls.certificateRefs.`));
      if (cred) return cred;
    }
    if (hit) return hit;
  }
  return fields.find((x) => x.path === 'metadata.name');
}

/** Relative to the working directory (the repository root in CI); a file outside it gets its absolute file: URI. */
function uriOf(file: string, cwd: string): string {
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(abs).href;
  return rel.split(sep).join('/');
}

function locate(place: Place, f: Finding, ctx: SarifContext): SarifLocation | undefined {
  const r = place.resource;
  const origin = ctx.origins?.get(originKey(r.kind, r.namespace, r.name));
  if (!origin) return undefined;
  const field = fieldOf(f, place.host, place.port, origin);
  return {
    physicalLocation: {
      artifactLocation: { uri: uriOf(origin.file, ctx.cwd) },
      region: field ? { startLine: field.line, startColumn: field.column } : { startLine: origin.line, startColumn: origin.column },
    },
    logicalLocations: [{ fullyQualifiedName: refName(r), kind: 'resource' }],
  };
}

function where(p: Place): string {
  return `${refName(p.resource)}${p.host ? ` host ${p.host}` : ''}${p.port ? ` port ${p.port}` : ''}`;
}

function messageOf(f: ReportFinding): string {
  const parts = [f.message, ...(f.also ?? [])];
  if (f.remediation?.summary) parts.push(`Fix: ${f.remediation.summary}`);
  return parts.join(' ');
}

export function renderSarif(report: Report, ctx: SarifContext): string {
  const catalog = codeCatalog();
  const ruleIndex = new Map(catalog.map((e, i) => [e.spec.code, i]));
  const rules = catalog.map(({ spec, related }) => ({
    id: spec.code,
    name: spec.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: spec.title },
    fullDescription: { text: spec.meaning },
    help: {
      text: [`Why: ${spec.why}`, spec.fix ? `Fix: ${spec.fix}` : '', `Offline: kubectl istio-tls explain ${spec.code}`].filter(Boolean).join('\n\n'),
      markdown: [
        `**What it means.** ${spec.meaning}`,
        `**Why traffic breaks.** ${spec.why}`,
        spec.example ? `**Example.** ${spec.example}` : '',
        spec.fix ? `**Fix.** ${spec.fix}` : '',
        related.length ? `**Related.** ${related.join(', ')}` : '',
        `Offline: \`kubectl istio-tls explain ${spec.code}\``,
      ]
        .filter(Boolean)
        .join('\n\n'),
    },
    helpUri: `${DOCS_URL}#${spec.code.toLowerCase()}`,
    defaultConfiguration: { level: LEVEL[spec.severity] },
    properties: { tags: ['istio', 'tls', `itls-${spec.code.slice(4, 5)}xx`] },
  }));
  const results: unknown[] = [];
  const notifications: unknown[] = [];
  for (const f of report.findings) {
    const places = [placeOf(f), ...(f.places ?? [])];
    const located = places.map((p) => ({ p, loc: locate(p, f, ctx) }));
    const primary = located.find((x) => x.loc);
    const rule = ruleIndex.get(f.code);
    const associated = rule === undefined ? { id: f.code } : { id: f.code, index: rule };
    if (!primary) {
      // nothing of it is written in the files: the run's notification, not a result without a location
      notifications.push({ level: LEVEL[f.severity], message: { text: `${f.code} ${where(placeOf(f))}: ${messageOf(f)}` }, associatedRule: associated });
      continue;
    }
    const others = located.filter((x) => x !== primary && x.loc);
    // GitHub rejects a result with more than 1,000 locations: the rest are counted in the message
    const related = others.slice(0, MAX_RELATED).map((x, i) => ({ id: i + 1, ...x.loc!, message: { text: where(x.p) } }));
    const untold = others.length - related.length;
    const result: Record<string, unknown> = {
      ruleId: f.code,
      ...(rule === undefined ? {} : { ruleIndex: rule }),
      level: LEVEL[f.severity],
      message: { text: untold > 0 ? `${messageOf(f)} The same cause at ${untold} more places than listed here (-o json lists every one).` : messageOf(f) },
      locations: [primary.loc],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f) },
      properties: { resource: refName(f.resource), ...(f.host ? { host: f.host } : {}), ...(f.port ? { port: f.port } : {}), severity: f.severity },
    };
    if (related.length) result.relatedLocations = related;
    // --use-kube: SARIF's own words for "introduced by the change" and "there before and still there"
    if (f.change) result.baselineState = f.change === 'introduced' ? 'new' : 'unchanged';
    results.push(result);
  }
  // --use-kube: a live finding the change fixes has no line to point at in the files: a notification
  for (const f of report.change?.fixed ?? []) {
    const rule = ruleIndex.get(f.code);
    notifications.push({ level: 'note', message: { text: `fixed by the change: ${f.code} ${where(placeOf(f))}: ${f.title}` }, associatedRule: rule === undefined ? { id: f.code } : { id: f.code, index: rule } });
  }
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: ctx.version, semanticVersion: ctx.version, informationUri: INFORMATION_URI, rules } },
        invocations: [{ executionSuccessful: true, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
        results,
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
