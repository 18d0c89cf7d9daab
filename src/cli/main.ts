// Entry point: flags → options → source → checks → report → exit code.
// bin/kubectl-istio_tls imports the bundle of this file and sets the exit code main() returns.
import { readFileSync } from 'node:fs';
import { blindness } from '../checks/doctor.js';
import { runChecks } from '../checks/run.js';
import { buildInventory, countTlsHosts, gatewaysLeftOut } from '../status/rows.js';
import { SEVERITY_RANK, type Finding } from '../findings/types.js';
import { type CheckOptions } from '../model/options.js';
import { ManifestError, loadOfflineSnapshot, type OriginIndex } from '../manifests/index.js';
import { renderReport, type Report } from '../report/index.js';
import { compareFindings } from '../report/change.js';
import { overlaySnapshot } from '../snapshot/overlay.js';
import { planFixes, renderFixOnly, renderFixScript, type BaseLookup } from '../remediation/combine.js';
import { cleanObject } from '../remediation/objects.js';
import type { Snapshot } from '../snapshot/types.js';
import { loadTrustStore, parseCertificates } from '../tls/index.js';
import type { TrustStore } from '../tls/types.js';
import { UsageError, parseCommandLine, type CliRequest, type FailOn } from './args.js';
import { installCompletion, runComplete } from './completion.js';
import { UnknownCode, renderExplain } from './explain.js';
import { helpText, programName } from './help.js';
import { printVersion, version } from './version.js';

export { version };

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** A failure that stops the run with exit code 2 and one clear line (no stack trace). */
export class DoctorCannotRun extends Error {}

/** Colour only on a terminal, never with NO_COLOR or --no-color; FORCE_COLOR can force it (tests). */
export function wantsColor(req: Pick<CliRequest, 'noColor'>, io: CliIO): boolean {
  if (req.noColor) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return io.stdout.isTTY === true;
}

/** 0 = nothing at or above --fail-on, 1 = something is. */
export function exitCodeFor(findings: Finding[], failOn: FailOn): 0 | 1 {
  if (failOn === 'none') return 0;
  const threshold = SEVERITY_RANK[failOn];
  return findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? 1 : 0;
}

/** A blind run: one line on stderr saying what was refused and how to check, and exit 2. */
function blindExit(blind: string | undefined, io: CliIO): 2 | undefined {
  if (!blind) return undefined;
  io.stderr.write(`error: ${oneLine(blind)}\n`);
  return 2;
}

function readTrustStore(caFiles: string[], io: CliIO): TrustStore {
  if (caFiles.length === 0) return loadTrustStore();
  const pems: string[] = [];
  for (const file of caFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DoctorCannotRun(`--ca-file ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`}`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----') && parseCertificates(text).certificates.length === 0) {
      throw new DoctorCannotRun(`--ca-file ${file}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
    }
    pems.push(text);
  }
  const store: TrustStore & { problems?: { message: string }[] } = loadTrustStore(pems.join('\n'));
  // a certificate that cannot be parsed is skipped, not fatal: say so where diagnostics go
  for (const problem of store.problems ?? []) io.stderr.write(`warning: ${problem.message}\n`);
  return store;
}

interface Loaded {
  snapshot: Snapshot;
  /** where the -f objects are written (-o sarif only) */
  origins?: OriginIndex;
  /** --use-kube: the live cluster alone, and what the files replaced or added */
  live?: Snapshot;
  replaced?: number;
  added?: number;
}

async function loadSnapshot(req: CliRequest, io: CliIO): Promise<Loaded> {
  if (req.useKube) {
    // the files first: a mistake in them costs no API round trip
    const files = loadFiles(req, io);
    const { snapshot: live } = await loadLive(req);
    const { snapshot, replaced, added } = overlaySnapshot(live, files.snapshot);
    return { snapshot, origins: files.origins, live, replaced, added };
  }
  if (req.filenames.length > 0) return loadFiles(req, io);
  return loadLive(req);
}

function loadFiles(req: CliRequest, io: CliIO): Loaded {
  const { snapshot, warnings, origins } = loadOfflineSnapshot(req.filenames, { istioNamespace: req.istioNamespace, positions: req.output === 'sarif' });
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  return { snapshot, origins };
}

async function loadLive(req: CliRequest): Promise<Loaded> {
  // client-node costs ~100 ms to load and offline runs never need it
  const cluster = await import('../cluster/index.js');
  try {
    const snapshot = await cluster.loadLiveSnapshot({
      kubeconfig: req.kubeconfig,
      context: req.context,
      namespace: req.namespace,
      requestTimeoutMs: req.requestTimeoutMs,
      istioNamespace: req.istioNamespace,
      inspect: !req.noExec,
      probe: !req.noExec && !req.noProbe,
    });
    return { snapshot };
  } catch (e) {
    if (e instanceof cluster.ClusterError) throw new DoctorCannotRun(e.message);
    throw e;
  }
}

export function buildReport(req: CliRequest, snapshot: Snapshot, now: Date, trustStore: TrustStore): Report {
  const options: CheckOptions = { now, expiryWarningMs: req.expiryWarningMs, trustStore };
  if (req.namespace) options.namespace = req.namespace;
  const { findings, model } = runChecks(snapshot, options);
  const hosts = buildInventory(model, findings, { now, trustStore });
  const summary = { error: 0, warning: 0, info: 0 };
  for (const f of findings) summary[f.severity]++;
  const source: Report['source'] = { kind: snapshot.source.kind };
  if (snapshot.source.context) source.context = snapshot.source.context;
  if (snapshot.source.server) source.server = snapshot.source.server;
  if (snapshot.source.files) source.files = snapshot.source.files;
  const report: Report = {
    generatedAt: now.toISOString(),
    command: req.command === 'status' ? 'status' : 'doctor',
    source,
    failOn: req.failOn,
    summary,
    hostsChecked: countTlsHosts(hosts),
    findings,
    hosts,
  };
  if (req.namespace) report.namespace = req.namespace;
  const leftOut = gatewaysLeftOut(model, req.namespace);
  if (leftOut.length > 0) report.leftOut = leftOut;
  return report;
}

/** The object as the snapshot holds it, cleaned for apply: the base several fixes of one object merge onto. */
export function snapshotLookup(snapshot: Snapshot): BaseLookup {
  const lists: Record<string, { kind: string; apiVersion: string; items: { metadata: { name: string; namespace?: string } }[] }> = {
    gateway: { kind: 'Gateway', apiVersion: 'networking.istio.io/v1', items: snapshot.gateways },
    virtualservice: { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', items: snapshot.virtualServices },
    destinationrule: { kind: 'DestinationRule', apiVersion: 'networking.istio.io/v1', items: snapshot.destinationRules },
    service: { kind: 'Service', apiVersion: 'v1', items: snapshot.services },
  };
  return (kind, namespace, name) => {
    const list = lists[kind.toLowerCase()];
    const obj = list?.items.find((o) => o.metadata.name === name && (o.metadata.namespace ?? 'default') === (namespace ?? 'default'));
    return obj ? (cleanObject(obj as never, list) as never) : undefined;
  };
}

async function diagnose(req: CliRequest, io: CliIO): Promise<number> {
  const now = req.now ?? new Date();
  const trustStore = readTrustStore(req.caFiles, io);
  const { snapshot, origins, live, replaced, added } = await loadSnapshot(req, io);
  const report = buildReport(req, snapshot, now, trustStore);
  if (live) {
    // the same checks on the cluster as it is: what the change introduces, keeps and fixes
    const { change, fixed } = compareFindings(buildReport(req, live, now, trustStore).findings, report.findings);
    for (const f of report.findings) f.change = change.get(f);
    report.change = {
      files: snapshot.source.files ?? [],
      replaced: replaced ?? 0,
      added: added ?? 0,
      introduced: report.findings.filter((f) => f.change === 'introduced').length,
      existing: report.findings.filter((f) => f.change === 'existing').length,
      fixed,
      failOnExisting: req.failOnExisting,
    };
  }
  // --use-kube: --fail-on counts what the change introduces, unless --fail-on-existing
  const counted = report.change && !req.failOnExisting ? report.findings.filter((f) => f.change === 'introduced') : report.findings;
  // A blind run (Gateways or pods not listable anywhere) still prints what it has, the RBAC fix
  // included, but never passes: exit 2 whatever --fail-on and -o say.
  const blind = blindness(snapshot);
  if (req.fixOnly || req.fixScript) {
    const plan = planFixes(report.findings, snapshotLookup(snapshot));
    if (req.fixScript) {
      io.stdout.write(renderFixScript(plan));
    } else {
      const stream = renderFixOnly(plan);
      // never hand `kubectl apply` an empty stream: say why there is nothing to apply
      if (stream) io.stdout.write(stream);
      else if (plan.steps.length) io.stderr.write(`no fix of this run is a YAML document (${plan.steps.length} need commands): use --fix-script\n`);
      else io.stderr.write('nothing to fix\n');
    }
    return blindExit(blind, io) ?? exitCodeFor(counted, req.failOn);
  }
  const width = terminalWidth(io);
  const sarif = { origins, cwd: process.cwd(), version: version() };
  io.stdout.write(renderReport(report, req.output, { color: wantsColor(req, io), width, verbose: req.verbose }, sarif));
  return blindExit(blind, io) ?? exitCodeFor(counted, req.failOn);
}

/** A terminal's width; in a pipe, COLUMNS when set (as `COLUMNS=80 kubectl istio-tls doctor | less`). */
function terminalWidth(io: CliIO): number | undefined {
  return io.stdout.columns ?? (Number(io.env.COLUMNS) > 0 ? Number(io.env.COLUMNS) : undefined);
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const name = programName();
  // kubectl_complete-istio_tls (shell completion through kubectl) calls `kubectl-istio_tls __complete …`
  if (argv[0] === '__complete') return runComplete(argv.slice(1), io);
  let req: CliRequest;
  try {
    req = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      const more = e.command ? `${name} ${e.command} --help` : `${name} --help`;
      io.stderr.write(`error: ${e.message}\nSee '${more}'.\n`);
      return 2;
    }
    throw e;
  }
  try {
    switch (req.command) {
      case 'help':
        io.stdout.write(helpText(req.helpFor, name));
        return 0;
      case 'version':
        return printVersion(req, io);
      case 'completion':
        // the npm launcher runs under node (argv[1] is the script); a release executable is itself
        return installCompletion(req.completionArgs ?? [], io, { execPath: process.execPath, script: process.versions.bun ? undefined : process.argv[1], platform: process.platform });
      case 'explain':
        io.stdout.write(renderExplain(req.explainCode, { output: req.output, width: terminalWidth(io) ?? 100, program: name }));
        return 0;
      case 'doctor':
      case 'status':
        return await diagnose(req, io);
    }
  } catch (e) {
    if (e instanceof DoctorCannotRun || e instanceof ManifestError || e instanceof UnknownCode) {
      io.stderr.write(`error: ${oneLine(e.message)}\n`);
      return 2;
    }
    // a bug: still no stack trace unless asked for, and still exit 2 (the doctor could not do its job)
    io.stderr.write(`error: internal error: ${oneLine((e as Error)?.message ?? String(e))}\n`);
    if (io.env.ISTIO_TLS_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    else io.stderr.write('Set ISTIO_TLS_DEBUG=1 to see the stack trace, and please report it.\n');
    return 2;
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

export async function main(argv: string[]): Promise<number> {
  return runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
