// ITLS901-902: what the doctor itself could not do. Nothing here judges the cluster's TLS; these
// findings say where the report is blind, so "no findings" is never mistaken for "healthy".
import type { Snapshot, SnapshotKind, Unreadable } from '../snapshot/types.js';
import { listWords, refName, type Model } from '../model/model.js';
import type { CheckModule, CodeSpec, Finding } from '../findings/types.js';
import { blindText, unknownHosts } from '../model/visibility.js';

export const doctorCodes: CodeSpec[] = [
  {
    code: 'ITLS901',
    severity: 'warning',
    title: 'Something could not be read',
    meaning:
      'The doctor was refused or timed out while reading part of the cluster (RBAC 403, exec refused, API timeout). The finding says what, where, which checks were skipped, and which hosts are therefore unknown. Every RBAC refusal of a run is one finding with one fix.',
    why: 'Checks that need the missing data stay silent, and hosts whose verdict depends on it are shown as unknown (?), never as healthy. When Gateways or pods could not be listed at all, nothing was checked and the doctor exits 2.',
    example: 'secrets is forbidden: User "oncall" cannot list resource "secrets" in API group "" in the namespace "istio-system"',
    fix: 'Apply the Role or ClusterRole the finding proposes (every rule that was refused, no more) and bind it to your user with the command it gives; or grant the ClusterRole listed in the README; or run with a kubeconfig that has these rights.',
  },
  {
    code: 'ITLS902',
    severity: 'error',
    title: 'Istio networking CRDs are not installed',
    meaning: 'The API server does not serve networking.istio.io (Gateway, VirtualService, DestinationRule).',
    why: 'Without the CRDs there are no Istio Gateways: the ingress gateway has no TLS configuration to serve, or this is not the cluster you meant.',
    example: 'kubectl get gateways.networking.istio.io -A → error: the server doesn\'t have a resource type "gateways"',
    fix: 'Check the kubeconfig context (--context); install Istio (istioctl install, or the istio/base Helm chart for the CRDs).',
  },
];

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

/** Role the RBAC fix proposes; the README's ClusterRole has every rule, this one only the missing ones. */
export const FIX_ROLE_NAME = 'istio-tls-doctor-read';

/** A string the shell reads as one word, as is: [A-Za-z0-9@%+=:,./_-]+ bare, anything else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The user the binding is for: the one the kubeconfig authenticates as, else a shell variable the user must set. */
function userArg(snapshot: Snapshot): string {
  const user = snapshot.source.user;
  return user ? shellWord(user) : '"${KUBE_USER:?set KUBE_USER to your Kubernetes user name}"';
}

/** "secrets" → core group; "gateways.networking.istio.io" → networking.istio.io; "pods/exec" → core group. */
function splitResource(resource: string): { group: string; resource: string } {
  const [head, ...rest] = resource.split('/');
  const [plural, ...groupParts] = head.split('.');
  return { group: groupParts.join('.'), resource: [plural, ...rest].join('/') };
}

function scopeText(u: Unreadable): string {
  return u.namespace ? `in ${u.namespace}` : 'cluster-wide';
}

interface RbacFix {
  resource: Finding['resource'];
  yaml: string;
  commands: string[];
  summary: string;
}

/**
 * One Role (every denial in one namespace) or ClusterRole with every rule that was missing — the exact
 * verbs, resources and API groups — and the binding that gives it to the user, as commands that
 * converge (`create --dry-run=client -o yaml | kubectl apply -f -` runs twice without AlreadyExists).
 */
function rbacFix(snapshot: Snapshot, denied: Unreadable[]): RbacFix {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const u of denied) {
    const { group, resource } = splitResource(u.resource);
    const key = `${group}|${resource}`;
    const entry = byResource.get(key) ?? { group, resource, verbs: new Set<string>() };
    entry.verbs.add(u.verb);
    byResource.set(key, entry);
  }
  const rules = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const e of [...byResource.values()].sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource))) {
    const verbs = [...e.verbs].sort();
    const key = `${e.group}|${verbs.join(',')}`;
    const rule = rules.get(key) ?? { apiGroups: [e.group], resources: [], verbs };
    rule.resources.push(e.resource);
    rules.set(key, rule);
  }
  const ruleYaml = [...rules.values()]
    .map((r) => `- apiGroups: [${r.apiGroups.map((g) => JSON.stringify(g)).join(', ')}]\n  resources: [${r.resources.join(', ')}]\n  verbs: [${r.verbs.join(', ')}]`)
    .join('\n');
  const namespaces = [...new Set(denied.map((u) => u.namespace))];
  const user = userArg(snapshot);
  const apply = '--dry-run=client -o yaml | kubectl apply -f -';
  // A cluster-wide denial needs a ClusterRole bound cluster-wide; denials in one namespace only, a Role there.
  if (namespaces.length === 1 && namespaces[0] !== undefined) {
    const ns = namespaces[0];
    return {
      resource: { kind: 'Role', namespace: ns, name: FIX_ROLE_NAME },
      yaml: `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ${FIX_ROLE_NAME}\n  namespace: ${ns}\nrules:\n${ruleYaml}\n`,
      commands: [`kubectl create rolebinding ${FIX_ROLE_NAME} -n ${shellWord(ns)} --role=${FIX_ROLE_NAME} --user=${user} ${apply}`],
      summary: `Apply the Role (every rule the doctor was refused in ${ns}) and bind it to your user, or run the doctor as a user who has these rights.`,
    };
  }
  const clusterWide = namespaces.includes(undefined);
  return {
    resource: { kind: 'ClusterRole', name: FIX_ROLE_NAME },
    yaml: `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${FIX_ROLE_NAME}\nrules:\n${ruleYaml}\n`,
    commands: clusterWide
      ? [`kubectl create clusterrolebinding ${FIX_ROLE_NAME} --clusterrole=${FIX_ROLE_NAME} --user=${user} ${apply}`]
      : (namespaces as string[]).sort().map((ns) => `kubectl create rolebinding ${FIX_ROLE_NAME} -n ${shellWord(ns)} --clusterrole=${FIX_ROLE_NAME} --user=${user} ${apply}`),
    summary: 'Apply the ClusterRole (every rule the doctor was refused) and bind it to your user, or run the doctor as a user who has these rights.',
  };
}

/** What the verdicts need most, first: the can-i checks shown are the few that matter. */
const CAN_I_ORDER = ['gateways.networking.istio.io', 'pods', 'secrets', 'virtualservices.networking.istio.io', 'services', 'pods/exec', 'pods/portforward'];
const CAN_I_MAX = 4;

/** `kubectl auth can-i` for the most important denied (verb, resource) pairs, in the broadest scope each was denied in. */
function canICommands(denied: Unreadable[]): string[] {
  const broadest = new Map<string, Unreadable>();
  for (const u of denied) {
    const key = `${u.verb} ${u.resource}`;
    const seen = broadest.get(key);
    if (!seen || (seen.namespace !== undefined && u.namespace === undefined)) broadest.set(key, u);
  }
  const rank = (u: Unreadable) => {
    const i = CAN_I_ORDER.indexOf(u.resource);
    return i < 0 ? CAN_I_ORDER.length : i;
  };
  return [...broadest.values()]
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, CAN_I_MAX)
    .map((u) => `kubectl auth can-i ${u.verb} ${u.resource} ${u.namespace ? `-n ${shellWord(u.namespace)}` : '-A'}`);
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
    title: doctorCodes[0].title,
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
      title: doctorCodes[0].title,
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

function crdFinding(snapshot: Snapshot): Finding[] {
  if (snapshot.istioCrds !== 'missing') return [];
  return [
    {
      code: 'ITLS902',
      severity: 'error',
      title: doctorCodes[1].title,
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
  reads: ['unreadable', 'istioCrds'],
  run: (snapshot, _options, model) => [...crdFinding(snapshot), ...unreadableFindings(snapshot, model)],
};
