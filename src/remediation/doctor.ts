// Fix builders for the doctor's blind spots (ITLS901): the missing RBAC rules and the can-i commands.
import type { Snapshot, Unreadable } from '../snapshot/types.js';
import type { Finding } from '../findings/types.js';

/** Role the RBAC fix proposes; the README's ClusterRole has every rule, this one only the missing ones. */
export const FIX_ROLE_NAME = 'istio-tls-doctor-read';

/** A string the shell reads as one word, as is: [A-Za-z0-9@%+=:,./_-]+ bare, anything else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The user the binding is for: the one the kubeconfig authenticates as, else a shell variable the user must set. */
export function userArg(snapshot: Snapshot): string {
  const user = snapshot.source.user;
  return user ? shellWord(user) : '"${KUBE_USER:?set KUBE_USER to your Kubernetes user name}"';
}

/** "secrets" → core group; "gateways.networking.istio.io" → networking.istio.io; "pods/exec" → core group. */
export function splitResource(resource: string): { group: string; resource: string } {
  const [head, ...rest] = resource.split('/');
  const [plural, ...groupParts] = head.split('.');
  return { group: groupParts.join('.'), resource: [plural, ...rest].join('/') };
}

export function scopeText(u: Unreadable): string {
  return u.namespace ? `in ${u.namespace}` : 'cluster-wide';
}

export interface RbacFix {
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
export function rbacFix(snapshot: Snapshot, denied: Unreadable[]): RbacFix {
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
export const CAN_I_ORDER = ['gateways.networking.istio.io', 'pods', 'secrets', 'virtualservices.networking.istio.io', 'services', 'pods/exec', 'pods/portforward'];

export const CAN_I_MAX = 4;
/** `kubectl auth can-i` for the most important denied (verb, resource) pairs, in the broadest scope each was denied in. */
export function canICommands(denied: Unreadable[]): string[] {
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

/** ITLS903: find the right context first; install Istio only if this is the cluster. */
export function noIstioFix(context: string | undefined): NonNullable<Finding['remediation']> {
  return {
    summary: `Check that ${context ? `context ${context}` : 'the current context'} is the mesh cluster; if it is not, rerun with --context <mesh-context>. If it is, install Istio and an ingress gateway.`,
    // read-only: pasted in the wrong context, an install would put a mesh where none belongs
    commands: ['kubectl config get-contexts', 'kubectl get pods -A -l app=istiod', 'kubectl api-resources --api-group=networking.istio.io'],
    notes: ['Only once you are sure this is where the mesh belongs: istioctl install --set profile=default (it changes the cluster, so it is not among the commands).'],
  };
}
