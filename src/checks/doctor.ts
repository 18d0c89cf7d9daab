// ITLS901-903: what the doctor itself could not do, and a context with no Istio to diagnose. Nothing here judges the cluster's TLS; these
// findings say where the report is blind, so "no findings" is never mistaken for "healthy".
import type { Pod, Snapshot, SnapshotKind, Unreadable } from '../snapshot/types.js';
import { listWords } from '../findings/voice.js';
import { isGatewayProxyPod, refName, type Model } from '../model/model.js';
import { GATEWAY_NAME_LABELS, gatewayApiModel } from '../model/gateway-api.js';
import type { CheckModule } from './types.js';
import { findingFor, type Finding } from '../findings/types.js';
import { blindText, unknownHosts, visible } from '../model/visibility.js';
import { doctorCodes } from '../findings/codes/doctor.js';
import { shellWord, scopeText, rbacFix, canICommands, noIstioFix } from '../remediation/doctor.js';

/** A code's title, looked up by the code (never by its position in the list). */
function titleOf(code: string): string {
  const spec = doctorCodes.find((c) => c.code === code);
  if (!spec) throw new Error(`undeclared code ${code}`);
  return spec.title;
}

function describeUnreadable(u: Unreadable): string {
  const where = u.namespace ? ` in namespace ${u.namespace}` : ' cluster-wide';
  const what = `${u.verb} ${u.resource}${where}`;
  const why =
    u.status === 403
      ? 'was forbidden (RBAC 403)'
      : u.status === 404
        ? 'was not found (404)'
        : u.status === 0
          ? 'failed (timeout or connection error)'
          : `failed with HTTP ${u.status}`;
  return `${what} ${why}: ${u.reason}${u.impact ? `. Skipped: ${u.impact}` : ''}`;
}

/** Every RBAC refusal is one cause — rules missing from the user's roles — and one finding with one fix. */
function forbiddenFinding(snapshot: Snapshot, model: Model | undefined, denied: Unreadable[]): Finding {
  // one entry per (verb, resource, scope)
  const unique: Unreadable[] = [];
  for (const u of denied) if (!unique.some((x) => x.verb === u.verb && x.resource === u.resource && x.namespace === u.namespace)) unique.push(u);
  const fix = rbacFix(snapshot, unique);
  const skipped = [...new Set(unique.map((u) => u.impact).filter((i): i is string => !!i))];
  const unknown = model ? unknownHosts(model) : [];
  const hostList = [...new Set(unknown.map((u) => u.host))];
  const deniedText = unique.map((u) => `${u.verb} ${u.resource} ${scopeText(u)}`);
  const evidence: Finding['evidence'] = {
    denied: unique.map((u) => {
      const d: Record<string, string | number> = { verb: u.verb, resource: u.resource, scope: u.namespace ?? 'cluster-wide', status: u.status, reason: u.reason };
      if (u.impact) d.skipped = u.impact;
      return d;
    }),
    unknownHosts: unknown.map((u) => ({ gateway: refName(u.gm.ref), host: u.host, port: u.port, unreadable: u.blind.map(blindText) })),
  };
  if (snapshot.source.user) evidence.user = snapshot.source.user;
  const finding: Finding = {
    code: 'ITLS901',
    severity: 'warning',
    title: titleOf('ITLS901'),
    message:
      `The doctor was refused (RBAC 403): ${listWords(deniedText, 8)}.` +
      (skipped.length ? ` Skipped: ${listWords(skipped, 4)}.` : '') +
      (hostList.length ? ` ${hostList.length === 1 ? 'Host' : `${hostList.length} hosts`} ${listWords(hostList)} ${hostList.length === 1 ? 'is' : 'are'} unknown, not healthy.` : ''),
    resource: fix.resource,
    evidence,
    remediation: {
      summary: fix.summary,
      yaml: fix.yaml,
      commands: [...fix.commands, ...canICommands(unique)],
      notes: [
        'The binding is for the user the doctor ran as; an administrator applies it (or adds the rules to a role you already have).',
        'The README lists the full read-only ClusterRole the doctor uses.',
      ],
    },
  };
  if (unknown.length) finding.places = unknown.map((u) => ({ resource: u.gm.ref, host: u.host, port: u.port }));
  return finding;
}

function unreadableFindings(snapshot: Snapshot, model?: Model): Finding[] {
  const denied = snapshot.unreadable.filter((u) => u.status === 403);
  const out: Finding[] = denied.length ? [forbiddenFinding(snapshot, model, denied)] : [];
  for (const u of snapshot.unreadable) {
    if (u.status === 403) continue;
    const evidence: Finding['evidence'] = { verb: u.verb, resource: u.resource, status: u.status, reason: u.reason };
    if (u.namespace) evidence.namespace = u.namespace;
    if (u.impact) evidence.skipped = u.impact;
    out.push({
      code: 'ITLS901',
      severity: 'warning',
      title: titleOf('ITLS901'),
      message: describeUnreadable(u),
      resource: u.namespace ? { kind: 'Namespace', name: u.namespace } : { kind: 'Cluster', name: snapshot.source.context ?? 'cluster' },
      evidence,
    });
  }
  return out;
}

/**
 * A blind run: Gateways or pods could not be listed anywhere the doctor looked. Nothing it reports can be
 * trusted to be complete, so the CLI exits 2 with this line (what was refused, and how to check).
 * A cluster that truly has no Gateways is not blind: that is a readable, empty list.
 */
export function blindness(snapshot: Snapshot): string | undefined {
  if (snapshot.source.kind !== 'live') return undefined;
  const kinds: [SnapshotKind, string][] = [
    ['gateways', 'gateways.networking.istio.io'],
    ['pods', 'pods'],
  ];
  for (const [kind, resource] of kinds) {
    if (snapshot.read[kind] === true) continue;
    if (kind === 'gateways' && snapshot.istioCrds !== 'present') continue; // ITLS902 says it
    const entries = snapshot.unreadable.filter((u) => u.resource === resource);
    if (entries.length === 0) continue;
    const where = entries.map(scopeText).join(' and ');
    const how = entries.every((u) => u.status === 403) ? 'forbidden (RBAC 403)' : entries.some((u) => u.status === 0) ? 'not answered (timeout or connection error)' : `refused (HTTP ${entries[0].status})`;
    const check = `kubectl auth can-i list ${resource} -A${snapshot.source.context ? ` --context ${shellWord(snapshot.source.context)}` : ''}`;
    return `nothing was checked: list ${resource} was ${how} ${where}. Check your rights with: ${check}`;
  }
  return undefined;
}

/** A pod of an Istio gateway: router-mode proxy, or labelled with a Gateway API Gateway's name by Istio. */
function isIstioGatewayPod(pod: Pod): boolean {
  return isGatewayProxyPod(pod) || GATEWAY_NAME_LABELS.some((l) => !!pod.metadata.labels?.[l]);
}

/**
 * ITLS903: nothing of Istio runs in this context — no istiod pod anywhere, no gateway pod, no Gateway
 * (Istio's or an Istio-class Gateway API one). Live only, and only when pods were listed everywhere:
 * unseen pods are unknown, not absent. Gateways with nothing running are ITLS101/103's (a control
 * plane or workload down), not "no Istio".
 */
function noIstioFinding(snapshot: Snapshot, model: Model | undefined): Finding[] {
  if (snapshot.source.kind !== 'live' || !model || !model.wasRead('pods') || !visible(snapshot, 'pods')) return [];
  if (model.istiodPods().length > 0 || snapshot.pods.some(isIstioGatewayPod)) return [];
  if (snapshot.gateways.length > 0 || gatewayApiModel(model).gateways.length > 0) return [];
  const context = snapshot.source.context;
  const where = `${context ? `Context ${context}` : 'The current context'}${snapshot.source.server ? ` (${snapshot.source.server})` : ''}`;
  const crds = snapshot.istioCrds === 'missing' ? 'the API server does not serve networking.istio.io' : 'Istio\'s CRDs are installed but nothing uses them';
  return [
    findingFor(doctorCodes, 'ITLS903', {
      resource: { kind: 'Cluster', name: context ?? snapshot.source.server ?? 'cluster' },
      message: `${where} runs no Istio: no istiod pod in any namespace, no gateway pod, no Gateway; ${crds}. Nothing here serves TLS through Istio — is this the cluster you meant?`,
      evidence: {
        context: context ?? '(none)',
        missing: ['istiod pod', 'gateway pod', 'Gateway', ...(snapshot.istioCrds === 'missing' ? ['networking.istio.io CRDs'] : [])],
        podsRead: snapshot.pods.length,
        istioCrds: snapshot.istioCrds,
      },
      remediation: noIstioFix(context),
    }),
  ];
}

function crdFinding(snapshot: Snapshot): Finding[] {
  if (snapshot.istioCrds !== 'missing') return [];
  return [
    {
      code: 'ITLS902',
      severity: 'error',
      title: titleOf('ITLS902'),
      message:
        'The API server does not serve networking.istio.io: there are no Istio Gateways, VirtualServices or DestinationRules to check. Is this the right cluster/context, and is Istio installed?',
      resource: { kind: 'Cluster', name: snapshot.source.context ?? snapshot.source.server ?? 'cluster' },
      evidence: { apiGroup: 'networking.istio.io', served: false },
      remediation: {
        summary: 'Confirm the context points at the mesh cluster, then install Istio (the CRDs come with istioctl install or the istio/base chart).',
        commands: ['kubectl config current-context', 'kubectl api-resources --api-group=networking.istio.io', 'istioctl install --set profile=default'],
      },
    },
  ];
}

export const doctorCheck: CheckModule = {
  id: 'doctor',
  codes: doctorCodes,
  reads: ['unreadable', 'istioCrds', 'pods', 'gateways', 'kubernetesGateways', 'read'],
  run: (snapshot, _options, model) => {
    // no Istio at all is one cause: its finding says the CRDs are missing too (ITLS902 is part of it)
    const noIstio = noIstioFinding(snapshot, model);
    return [...(noIstio.length ? noIstio : crdFinding(snapshot)), ...unreadableFindings(snapshot, model)];
  },
};
