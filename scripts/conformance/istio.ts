// Conformance on Istio's own analyzer test data (test/corpora/istio-analyzers, see
// test/corpora/PROVENANCE.md; a missing corpus is an error, never a skip): each case's files plus the harness's default ingress Pod/Service go through the same
// path as `doctor -f`, and every expected Istio message that maps onto our catalog must be matched by
// our finding on the same resource. Prints agreement and every disagreement.
import { nextKeyPem, repoRoot } from '../../src/testing/certgen.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { addDocuments } from '../../src/manifests/documents.js';
import { emptySnapshot } from '../../src/snapshot/types.js';
import { runChecks } from '../../src/checks/run.js';
import type { Finding } from '../../src/findings/types.js';
import { loadTrustStore } from '../../src/tls/index.js';

const REPO = repoRoot();
export const CORPUS = resolve(REPO, 'test', 'corpora', 'istio-analyzers');
/** The corpus commit date: "now" for the time-dependent secrets (expired 2023, valid until 2122). */
export const CORPUS_NOW = new Date('2026-08-22T00:00:00Z');

interface Expected {
  code: string;
  message: string;
  level: string;
  kind: string;
  namespace: string | null;
  name: string;
  reftype?: string;
}

interface Case {
  case: string;
  analyzer: string;
  files: string[];
  harness: { implicitResources?: string };
  expected: Expected[];
}

/** Which of our codes answer an Istio message (undefined: not in our catalog's scope). */
export function ourCodesFor(e: Expected): string[] | undefined {
  switch (e.code) {
    case 'IST0101':
      if (e.reftype === 'selector') return ['ITLS101'];
      if (e.reftype === 'credentialName') return ['ITLS201'];
      if (e.reftype === 'gateway') return ['ITLS501'];
      if (e.reftype === 'host' || e.reftype === 'host:port' || e.reftype === 'mirror host') return ['ITLS504'];
      return undefined; // subset references: DestinationRule subsets are outside the catalog
    case 'IST0132':
      return ['ITLS502'];
    case 'IST0145':
      return ['ITLS403'];
    case 'IST0138':
      return ['ITLS404'];
    case 'IST0161':
      return ['ITLS202', 'ITLS203', 'ITLS204', 'ITLS301', 'ITLS303'];
    case 'IST0162':
      return ['ITLS104'];
    default:
      return undefined;
  }
}

const nsOf = (v: string | null | undefined) => v ?? '';

/** Our finding is "on the same resource" when it names it, or (for credential findings on the Secret) names the Gateway in its evidence. */
function onResource(f: Finding, e: Expected): boolean {
  if (f.resource.kind === e.kind && f.resource.name === e.name && nsOf(f.resource.namespace) === nsOf(e.namespace)) return true;
  // credential findings may sit on the Secret; they count for the Gateway whose name they carry
  if (e.kind === 'Gateway' && f.resource.kind !== 'Gateway') {
    const evidence = JSON.stringify(f.evidence);
    return evidence.includes(`"${nsOf(e.namespace)}/${e.name}"`) || evidence.includes(`"${e.name}"`) || new RegExp(`Gateway ${e.name}\\b`).test(f.message);
  }
  return false;
}

/** Known, deliberate differences, explained once (see docs/conformance-istio.md). */
const EXPLANATIONS: { case: RegExp; resource?: RegExp; why: string }[] = [
  {
    case: /^gatewaySecret$/,
    resource: /defaultgateway-noerrors|httpbin-credential/,
    why: 'Istio calls this secret valid, but its tls.crt does not match its tls.key (different RSA moduli) and has no SAN for httpbin.example.com: Envoy would reject it. We keep our verdict.',
  },
  {
    case: /virtualServiceDestinationHosts/,
    resource: /reviews-bookinfo-other/,
    why: 'other.bookinfo.com is a ServiceEntry host; the doctor does not read ServiceEntries (not on the ingress TLS path) and never judges non-Kubernetes hosts, so it stays silent rather than guess.',
  },
  {
    case: /^virtualServiceGateways$/,
    resource: /httpbin-bogus/,
    why: 'The Gateway this VirtualService names does not exist. Istio reports both IST0101 and IST0132 (hosts not found in a Gateway that is not there); we report the cause once, as ITLS501.',
  },
  {
    case: /host defined in virtualservice not found/,
    resource: /testing-service-01-test-03/,
    why: 'Istio reports IST0132 only when no VirtualService host matches; we also name each host a bound Gateway does not serve, at info level when the others are served.',
  },
  {
    case: /virtualServiceInternalGatewayRef/,
    why: 'Istio reports IST0165 (reference to an internal generated Gateway); we report the same reference as an ITLS501 warning with the same advice.',
  },
  {
    case: /certificate duplication/,
    why: 'Istio compares only Gateways whose selector is a superset (asymmetric); we compare Gateways whose pods overlap, so both sides of a shared certificate are reported.',
  },
];

function explain(caseName: string, resource: string): string | undefined {
  return EXPLANATIONS.find((x) => x.case.test(caseName) && (!x.resource || x.resource.test(resource)))?.why;
}

export interface IstioCaseResult {
  case: string;
  analyzer: string;
  files: string[];
  mapped: number;
  found: number;
  missed: { code: string; reftype?: string; resource: string; expectedOurs: string[]; explanation?: string }[];
  extra: { code: string; resource: string; message: string; explanation?: string }[];
  findings: { code: string; severity: string; resource: string; host?: string; message: string }[];
  warnings: string[];
  error?: string;
}

export interface IstioResult {
  corpus: string;
  cases: IstioCaseResult[];
  mapped: number;
  found: number;
  agreement: number;
}

/**
 * Where upstream's files held a private key, the committed copy holds this marker instead (see
 * test/corpora/PROVENANCE.md); the harness puts a key generated at test time in its place. Upstream's
 * key did not belong to its certificate, and a generated one does not either.
 */
export const GENERATED_KEY_MARKER = 'GENERATED-AT-TEST-TIME-RSA-2048';
let generatedKey: string | undefined;

function withGeneratedKeys(doc: unknown): unknown {
  const secret = doc as { kind?: unknown; data?: Record<string, unknown> | null };
  if (secret.kind !== 'Secret' || !secret.data || typeof secret.data !== 'object') return doc;
  for (const [key, value] of Object.entries(secret.data)) {
    if (value === GENERATED_KEY_MARKER) secret.data[key] = generatedKey ??= Buffer.from(nextKeyPem('rsa2048'), 'utf8').toString('base64');
  }
  return doc;
}

function loadDocs(file: string): unknown[] {
  const text = readFileSync(join(CORPUS, file), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null && d !== undefined)
    .map(withGeneratedKeys);
}

const resourceName = (r: { kind: string; namespace?: string | null; name: string }) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

export function runIstio(options: { now?: Date } = {}): IstioResult {
  if (!existsSync(join(CORPUS, 'expected.json'))) throw new Error(`Istio analyzer corpus not found: ${join(CORPUS, 'expected.json')} is missing (see test/corpora/PROVENANCE.md)`);
  const cases = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Case[];
  const trustStore = loadTrustStore();
  const results: IstioCaseResult[] = [];
  for (const c of cases) {
    const result: IstioCaseResult = { case: c.case, analyzer: c.analyzer, files: c.files, mapped: 0, found: 0, missed: [], extra: [], findings: [], warnings: [] };
    try {
      const snapshot = emptySnapshot({ kind: 'offline', files: c.files });
      for (const f of [...c.files, c.harness.implicitResources ?? '_harness-default-ingress.yaml']) {
        result.warnings.push(...addDocuments(snapshot, loadDocs(f), f));
      }
      const { findings } = runChecks(snapshot, { now: options.now ?? CORPUS_NOW, expiryWarningMs: 30 * 86_400_000, trustStore });
      result.findings = findings.map((f) => ({ code: f.code, severity: f.severity, resource: resourceName(f.resource), host: f.host, message: f.message }));
      // Istio de-duplicates identical messages; compare per (codes, resource) as multisets.
      const groups = new Map<string, { e: Expected; ours: string[]; count: number }>();
      for (const e of c.expected) {
        const ours = ourCodesFor(e);
        if (!ours) continue;
        const key = `${ours.join(',')}|${e.kind}|${nsOf(e.namespace)}|${e.name}`;
        const g = groups.get(key) ?? { e, ours, count: 0 };
        g.count++;
        groups.set(key, g);
      }
      // One finding per cause: a grouped finding names every resource it affects (primary + places),
      // and counts once for each of them, as Istio's one message per resource does.
      const views = findings.flatMap((f) => [
        { f, view: f },
        ...(f.places ?? []).map((p) => ({ f, view: { ...f, resource: p.resource, host: p.host, port: p.port } })),
      ]);
      const used = new Set<Finding>();
      for (const { e, ours, count } of groups.values()) {
        const matching = views.filter(({ view }) => ours.includes(view.code) && onResource(view, e));
        matching.forEach(({ f }) => used.add(f));
        const found = Math.min(count, matching.length);
        result.mapped += count;
        result.found += found;
        const resource = resourceName({ kind: e.kind, namespace: e.namespace, name: e.name });
        for (let i = found; i < count; i++) {
          result.missed.push({ code: e.code, reftype: e.reftype, resource, expectedOurs: ours, explanation: explain(c.case, resource) });
        }
      }
      // Our findings of mapped codes on resources Istio does not flag in this case.
      const mappedCodes = new Set(c.expected.flatMap((e) => ourCodesFor(e) ?? []));
      const analyzerCodes: Record<string, string[]> = {
        'gateway.IngressGatewayPortAnalyzer': ['ITLS101', 'ITLS104'],
        'gateway.SecretAnalyzer': ['ITLS101', 'ITLS201', 'ITLS202', 'ITLS203', 'ITLS204', 'ITLS301', 'ITLS303'],
        'gateway.ConflictingGatewayAnalyzer': ['ITLS403'],
        'gateway.CertificateAnalyzer': ['ITLS404'],
        'virtualservice.GatewayAnalyzer': ['ITLS501', 'ITLS502'],
        'virtualservice.DestinationHostAnalyzer': ['ITLS504'],
      };
      for (const code of analyzerCodes[c.analyzer] ?? []) mappedCodes.add(code);
      for (const f of findings) {
        if (!mappedCodes.has(f.code) || used.has(f)) continue;
        const resource = resourceName(f.resource);
        result.extra.push({ code: f.code, resource, message: f.message, explanation: explain(c.case, resource) });
      }
    } catch (err) {
      result.error = err instanceof Error ? err.stack ?? err.message : String(err);
    }
    results.push(result);
  }
  const mapped = results.reduce((n, r) => n + r.mapped, 0);
  const found = results.reduce((n, r) => n + r.found, 0);
  return { corpus: CORPUS, cases: results, mapped, found, agreement: mapped ? found / mapped : 1 };
}

export const ISTIO_FLOOR = 0.95;

export async function runIstioMain(): Promise<number> {
  if (!existsSync(join(CORPUS, 'expected.json'))) {
    console.error(`istio: corpus not found at ${CORPUS}`);
    return 1;
  }
  const r = runIstio();
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(`istio analyzers: ${r.cases.length} cases, ${r.found}/${r.mapped} mapped Istio messages found on the same resource (${pct(r.agreement)}; floor ${pct(ISTIO_FLOOR)})`);
  for (const c of r.cases) {
    if (c.error) console.log(`  ERROR ${c.case}: ${c.error.split('\n')[0]}`);
    for (const m of c.missed) {
      console.log(`  missed  [${c.case}] ${m.code}${m.reftype ? `/${m.reftype}` : ''} on ${m.resource} (expected ${m.expectedOurs.join('|')})${m.explanation ? `\n          why: ${m.explanation}` : ''}`);
    }
  }
  for (const c of r.cases) {
    for (const x of c.extra) {
      console.log(`  we also report [${c.case}] ${x.code} on ${x.resource}: ${x.message}${x.explanation ? `\n          why: ${x.explanation}` : ''}`);
    }
  }
  const out = join(REPO, '.cache', 'conformance-istio.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(r, null, 2));
  console.log(`  per-case JSON: ${out}`);
  return r.agreement >= ISTIO_FLOOR && r.cases.every((c) => !c.error) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runIstioMain();
}
