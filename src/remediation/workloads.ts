// ITLS101's fix: the selector that matches the gateway pods the finding already names, not a command
// to go and look at labels. Each gateway deployment (its pods' label set) yields one candidate
// selector — the Gateway's own keys with the pods' values when the pods carry those keys, else their
// `istio`/`app` label — and the candidates are ranked by what ties a deployment to this Gateway: the
// credential secrets are in its namespace, it runs in the Gateway's namespace, its label values are
// the ones the selector misspells. A tie is not guessed: the fix then lists the candidates.
import type { Labels, Pod } from '../snapshot/types.js';
import { isGatewayProxyPod, type GatewayModel, type Model } from '../model/model.js';

const FALLBACK_KEYS = ['istio', 'app', 'istio.io/gateway-name', 'gateway.networking.k8s.io/gateway-name', 'app.kubernetes.io/name'];

export interface SelectorProposal {
  selector: Labels;
  /** the pods it selects */
  pods: Pod[];
  /** why this deployment */
  reasons: string[];
  /** other candidate selectors, for the note */
  others: Labels[];
}

function candidateSelector(selector: Labels, pod: Pod): Labels | undefined {
  const labels = pod.metadata.labels ?? {};
  const keys = Object.keys(selector);
  if (keys.length && keys.every((k) => labels[k] !== undefined)) return Object.fromEntries(keys.map((k) => [k, labels[k]]));
  const key = FALLBACK_KEYS.find((k) => labels[k] !== undefined);
  return key ? { [key]: labels[key] } : undefined;
}

/** 0..1: how much of `a` and `b` agree from the start (ingress vs ingressgateway), or one contains the other. */
function likeness(a: string, b: string): number {
  if (!a || !b) return 0;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 1;
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  const prefix = n / Math.max(x.length, y.length);
  const contains = x.includes(y) || y.includes(x) ? Math.min(x.length, y.length) / Math.max(x.length, y.length) : 0;
  return Math.max(prefix, contains);
}

export function proposeSelector(model: Model, gm: GatewayModel, gatewayPods: Pod[]): SelectorProposal | undefined {
  const selector = gm.gateway.spec?.selector ?? {};
  const groups = new Map<string, { selector: Labels; pods: Pod[] }>();
  for (const p of gatewayPods) {
    const s = candidateSelector(selector, p);
    if (!s) continue;
    const key = JSON.stringify(Object.entries(s).sort());
    if (!groups.has(key)) groups.set(key, { selector: s, pods: model.podsFor(s) });
  }
  const credentialNames = [...new Set(gm.servers.flatMap((s) => s.credentialNames))].filter((n) => !n.includes('://') && !n.includes('/'));
  const scored: { selector: Labels; pods: Pod[]; score: number; reasons: string[] }[] = [];
  for (const g of groups.values()) {
    // a selector that would also pick application pods is no fix
    if (!g.pods.length || !g.pods.every(isGatewayProxyPod)) continue;
    const namespaces = [...new Set(g.pods.map((p) => p.metadata.namespace ?? 'default'))];
    const reasons: string[] = [];
    let score = 0;
    const held = credentialNames.filter((n) => namespaces.every((ns) => model.secret(ns, n)));
    if (credentialNames.length && held.length === credentialNames.length) {
      score += 2;
      reasons.push(`the credential secret${held.length > 1 ? 's' : ''} ${held.join(', ')} ${held.length > 1 ? 'are' : 'is'} in ${namespaces.join(', ')}`);
    }
    if (namespaces.length === 1 && namespaces[0] === (gm.ref.namespace ?? 'default')) {
      score += 1;
      reasons.push(`they run in the Gateway's namespace ${namespaces[0]}`);
    }
    let like = 0;
    for (const [k, v] of Object.entries(selector)) like = Math.max(like, likeness(v, g.selector[k] ?? ''));
    if (like >= 0.5) reasons.push('their labels are the ones the selector nearly names');
    score += like;
    scored.push({ ...g, score, reasons });
  }
  if (!scored.length) return undefined;
  scored.sort((a, b) => b.score - a.score);
  if (scored.length > 1 && scored[0].score - scored[1].score < 0.25) return undefined;
  const best = scored[0];
  return { selector: best.selector, pods: best.pods, reasons: best.reasons, others: scored.slice(1).map((s) => s.selector) };
}

export function selectorText(s: Labels): string {
  return Object.entries(s).map(([k, v]) => `${k}: ${v}`).join(', ');
}
