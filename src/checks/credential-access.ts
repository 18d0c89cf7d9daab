// ITLS211-212: who can read a credential. istiod serves a credentialName secret only to gateway pods
// in the secret's namespace, and only when the pod's service account may list secrets there (S1.3).
import type { PolicyRule, Role, RoleBinding } from '../snapshot/types.js';
import { copySecretCommand, secretReaderRbac, toYaml } from '../remediation/index.js';
import { findingFor } from '../findings/types.js';
import { withCause, type FindingKey } from '../findings/causes.js';
import { listWords } from '../findings/voice.js';
import { parseCredentialName, type Model } from '../model/model.js';
import type { CheckModule } from './types.js';
import type { Finding } from '../findings/types.js';
import { visible } from '../model/visibility.js';
import { credentialAccessCodes } from '../findings/codes/credential-access.js';

function matches(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === '*' || v === value);
}

function allowsListSecrets(rule: PolicyRule): boolean {
  // resourceNames cannot restrict list: a rule with names never grants a list of the collection
  return matches(rule.apiGroups, '') && matches(rule.resources, 'secrets') && matches(rule.verbs, 'list') && !(rule.resourceNames ?? []).length;
}

function bindsSubject(b: RoleBinding, namespace: string, serviceAccount: string): boolean {
  return (b.subjects ?? []).some(
    (s) =>
      (s.kind === 'ServiceAccount' && s.name === serviceAccount && (s.namespace ?? b.metadata.namespace) === namespace) ||
      (s.kind === 'User' && s.name === `system:serviceaccount:${namespace}:${serviceAccount}`) ||
      (s.kind === 'Group' && ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'].includes(s.name)),
  );
}

type Verdict = { allowed: true; by: string } | { allowed: false; unknown?: string };

/** RBAC evaluation of `list secrets` in `namespace` for a service account, from the objects in the snapshot. */
export function canListSecrets(model: Model, namespace: string, serviceAccount: string): Verdict {
  const s = model.snapshot;
  const role = (kind: string, name: string, ns: string): Role | undefined =>
    kind === 'ClusterRole' ? s.clusterRoles.find((r) => r.metadata.name === name) : s.roles.find((r) => r.metadata.name === name && r.metadata.namespace === ns);
  let unknown: string | undefined;
  const consider = (b: RoleBinding, scope: string): Verdict | undefined => {
    if (!bindsSubject(b, namespace, serviceAccount)) return undefined;
    const r = role(b.roleRef.kind, b.roleRef.name, b.metadata.namespace ?? '');
    if (!r) {
      unknown ??= `${scope} ${b.metadata.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, which was not found`;
      return undefined;
    }
    const aggregated = (r as Role & { aggregationRule?: unknown }).aggregationRule !== undefined && !(r.rules ?? []).length;
    if (aggregated) unknown ??= `${b.roleRef.kind} ${b.roleRef.name} is aggregated and its rules were not read`;
    if ((r.rules ?? []).some(allowsListSecrets)) return { allowed: true, by: `${scope} ${b.metadata.namespace ? `${b.metadata.namespace}/` : ''}${b.metadata.name} → ${b.roleRef.kind} ${b.roleRef.name}` };
    return undefined;
  };
  for (const b of s.roleBindings.filter((rb) => rb.metadata.namespace === namespace)) {
    const v = consider(b, 'RoleBinding');
    if (v) return v;
  }
  for (const b of s.clusterRoleBindings) {
    const v = consider(b, 'ClusterRoleBinding');
    if (v) return v;
  }
  return unknown ? { allowed: false, unknown } : { allowed: false };
}

/**
 * RBAC objects are judged only when they were read. A cluster always has ClusterRoles, so a snapshot with
 * no RBAC object at all did not really see RBAC (offline files without it, or a source that skipped it):
 * silence rather than a false "denied". Offline, files that hold some RBAC are taken as the picture.
 */
function rbacState(model: Model): 'complete' | 'partial' | 'unread' {
  const s = model.snapshot;
  const kinds = ['roles', 'roleBindings', 'clusterRoles', 'clusterRoleBindings'] as const;
  if (kinds.every((k) => s[k].length === 0)) return 'unread';
  if (s.source.kind === 'offline') return 'complete';
  return kinds.every((k) => visible(s, k)) ? 'complete' : 'partial';
}

function check211(model: Model): Finding[] {
  if (!model.wasRead('secrets')) return [];
  const out: Finding[] = [];
  // credential name → workload namespaces → gateways using it there
  const uses = new Map<string, Map<string, Set<string>>>();
  for (const gm of model.allGateways) {
    for (const s of gm.servers) {
      for (const c of s.credentialNames) {
        const parsed = parseCredentialName(c);
        if (parsed.builtin || parsed.namespace) continue;
        for (const ns of gm.workloadNamespaces) {
          const byNs = uses.get(parsed.name) ?? new Map<string, Set<string>>();
          const set = byNs.get(ns) ?? new Set<string>();
          set.add(`${gm.ref.namespace ?? ''}/${gm.ref.name}`);
          byNs.set(ns, set);
          uses.set(parsed.name, byNs);
        }
      }
    }
  }
  const inScope = new Set(model.gateways.map((g) => `${g.ref.namespace ?? ''}/${g.ref.name}`));
  for (const [name, byNs] of uses) {
    if (byNs.size < 2) continue;
    const present = [...byNs.keys()].filter((ns) => model.secret(ns, name));
    // a namespace whose secrets could not be read is not one where the secret is missing
    const missing = [...byNs.keys()].filter((ns) => !model.secret(ns, name) && visible(model.snapshot, 'secrets', ns));
    if (!present.length || !missing.length) continue;
    for (const ns of missing) {
      const gateways = [...byNs.get(ns)!].sort();
      const target = gateways.find((g) => inScope.has(g));
      if (!target) continue;
      const [gwNs, gwName] = target.split('/');
      // the copy makes every ITLS201 of this credential in this namespace go away (one cause, one finding)
      const resolves: FindingKey[] = [];
      for (const gm of model.gateways) {
        if (!gm.workloadNamespaces.includes(ns)) continue;
        for (const s of gm.servers) {
          if (!s.credentialNames.some((c) => { const p = parseCredentialName(c); return !p.builtin && !p.namespace && p.name === name; })) continue;
          const hosts = s.hosts.length ? s.hosts.map((h) => h.host) : [undefined];
          for (const host of hosts) resolves.push({ code: 'ITLS201', resource: gm.ref, ...(host !== undefined ? { host } : {}), port: s.port });
        }
      }
      out.push(
        withCause(findingFor(credentialAccessCodes, 'ITLS211', {
          resource: { kind: 'Gateway', namespace: gwNs || undefined, name: gwName },
          message:
            `Credential ${name} is used by gateways on pods in ${listWords([...byNs.keys()].sort())}, but the Secret exists only in ${listWords(present)}: ` +
            `${listWords(gateways)} (pods in ${ns}) cannot load it.`,
          evidence: { credential: name, presentIn: present, missingIn: [ns], gateways },
          remediation: {
            // what the cluster holds is copied through the cluster: no file asked for, and the same command as
            // ITLS201's copy (one command in the plan; two writers of one secret would never settle)
            summary: `Copy ${name} from ${present[0]} to ${ns} too (type and keys kept), read from the cluster.`,
            commands: [copySecretCommand(name, present[0], ns)],
          },
        }), { resolves }),
      );
    }
  }
  return out;
}

function check212(model: Model): Finding[] {
  const state = rbacState(model);
  if (state === 'unread' || !model.wasRead('pods')) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const gm of model.gateways) {
    const usesSds = gm.servers.some((s) => s.credentialNames.some((c) => !parseCredentialName(c).builtin));
    if (!usesSds) continue;
    for (const pod of gm.pods) {
      const ns = pod.metadata.namespace ?? '';
      const sa = pod.spec?.serviceAccountName || 'default';
      const key = `${ns}/${sa}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const verdict = canListSecrets(model, ns, sa);
      if (verdict.allowed) continue;
      const method = 'RBAC objects read from the cluster (Roles, RoleBindings, ClusterRoles, ClusterRoleBindings); no SubjectAccessReview was made';
      const uncertain = state === 'partial' || !!verdict.unknown;
      const credentials = [...new Set(gm.servers.flatMap((s) => s.credentialNames))];
      out.push(
        findingFor(credentialAccessCodes, 'ITLS212', {
          severity: uncertain ? 'info' : undefined,
          resource: { kind: 'ServiceAccount', namespace: ns, name: sa },
          message:
            `Service account ${ns}/${sa} of gateway pod ${pod.metadata.name} is not allowed to list secrets in ${ns}` +
            (uncertain ? ` as far as the RBAC objects read show (${verdict.allowed === false && verdict.unknown ? verdict.unknown : 'some RBAC kinds could not be read'}; lowered to info)` : '') +
            `: istiod refuses to serve ${listWords(credentials)} to it, so TLS handshakes for ${gm.ref.name} fail.`,
          evidence: {
            serviceAccount: key,
            verb: 'list',
            resource: 'secrets',
            namespace: ns,
            method,
            ...(verdict.allowed === false && verdict.unknown ? { unresolved: verdict.unknown } : {}),
          },
          remediation: {
            summary: `Allow ${sa} to get/watch/list secrets in ${ns} (what the Istio gateway charts create).`,
            yaml: toYaml(...secretReaderRbac(ns, sa)),
            commands: [`kubectl auth can-i list secrets -n ${ns} --as=system:serviceaccount:${ns}:${sa}`],
          },
        }),
      );
    }
  }
  return out;
}

export const credentialAccessCheck: CheckModule = {
  id: 'credential-access',
  codes: credentialAccessCodes,
  reads: ['gateways', 'pods', 'secrets', 'roles', 'roleBindings', 'clusterRoles', 'clusterRoleBindings'],
  run(_snapshot, _options, model) {
    return [...check211(model), ...check212(model)];
  },
};
