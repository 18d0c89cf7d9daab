// ITLS601/602/604: what a client is served on the wire (snapshot.probe, filled by src/cluster/probe.ts
// live; absent offline and with --no-probe, and then these checks stay silent). Each TLS host's
// handshake is compared with the Secret the credential checks judged:
//   - a reset before any TLS answer: Envoy has no filter chain for this SNI (ITLS601);
//   - a TLS alert: what the alert means (ITLS601), except the client-certificate alerts of MUTUAL;
//   - another certificate: another host's (a Secret the doctor read) or the default one (what a client
//     without SNI gets) → ITLS602; an older certificate for the same names (the Secret was renewed,
//     Envoy did not load it) → ITLS604.
// A handshake that fails because the credential itself is missing, unusable or refused by this Envoy
// is that credential's finding (ITLS201-205), not a second one. The served chain is validated with the
// same engine as the Secret (src/tls) and the verdict goes into the finding.
import { matchHost, validateChain, type CertFacts } from '../tls/index.js';
import { findingFor, type Finding, type Remediation } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { ALERT_MEANING, MUTUAL_ALERTS, probeCodes as codes } from '../findings/codes/probe.js';
import { podKey, type GatewayModel } from '../model/model.js';
import type { Pod } from '../snapshot/types.js';
import { probeSni } from '../snapshot/probe.js';
import type { CheckOptions } from '../model/options.js';
import { certEvidence, describeSerial } from '../model/envoy.js';
import { credentialOwners, probeIndex, probeSubjects, type ExpectedCredential, type ProbeSubject, type Served } from '../model/probe.js';
import { reloadCredential, resyncListener } from '../remediation/probe.js';
import { restartCommand, restartK8sGatewayCommand } from '../remediation/inpod.js';
import type { CheckModule } from './types.js';

const DAY = 86_400_000;

function validity(leaf: CertFacts, now: Date): string {
  const days = Math.floor((Date.parse(leaf.notAfter) - now.getTime()) / DAY);
  return days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : `expires in ${days} day${days === 1 ? '' : 's'}`;
}

/** The served chain judged by the same engine as the Secret: one short clause, and the evidence. */
function servedVerdict(served: Served, host: string | undefined, options: CheckOptions): { clause: string; trusted: boolean; issues: string[] } {
  const report = validateChain(served.bundle, { ...(host !== undefined ? { host } : {}), trustStore: options.trustStore, now: options.now });
  const errors = report.issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return { clause: '', trusted: report.trusted, issues: [] };
  const first = errors[0];
  return { clause: ` A client validating it fails: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}.`, trusted: false, issues: errors.map((e) => `${e.code}: ${e.message}`) };
}

/** Where the handshakes were made: one pod, or several of the workload's. */
function whereOf(pods: string[], port: number, total: number): string {
  if (pods.length === 1) return `${pods[0]}:${port}`;
  return `${pods.length === total ? `all ${total}` : `${pods.length} of ${total}`} gateway pods (${listWords(pods, 3)}), port ${port}`;
}

/** How a host is named in a message: a wildcard says which name stood for it. */
function hostWords(host: string, sni: string): string {
  return host === sni ? host : `${host} (probed as ${sni})`;
}

/**
 * When other pods of the workload were seen serving the Secret's certificate: replacing just the pods
 * that serve another is enough (their Deployment starts new ones). Pods the probe did not see are not
 * counted either way.
 */
function onlySome(r: Remediation, g: Group, good: Set<Pod> | undefined): Remediation {
  if (!good || good.size === 0) return r;
  const names = g.pods.map((p) => p.metadata.name);
  const note = `${listWords(names, 3)} ${names.length === 1 ? 'serves' : 'serve'} it while ${listWords([...good].map((p) => p.metadata.name), 3)} ${good.size === 1 ? 'serves' : 'serve'} the Secret's: \`kubectl delete pod ${names.join(' ')} -n ${g.pods[0].metadata.namespace}\` replaces just ${names.length === 1 ? 'that one' : 'those'} (the Deployment starts new pods).`;
  return { ...r, notes: [...(r.notes ?? []), note] };
}

/** One finding being gathered: the pods and hosts it holds, built into a message once all are in. */
interface Group {
  code: 'ITLS601' | 'ITLS602' | 'ITLS604';
  subject: ProbeSubject;
  pods: Pod[];
  hosts: string[];
  snis: string[];
  build(g: Group): Finding;
}

export const probeCheck: CheckModule = {
  id: 'probe',
  codes,
  reads: ['probe', 'gateways', 'pods', 'services', 'secrets', 'kubernetesGateways'],
  run(snapshot, options, model) {
    const index = probeIndex(model);
    if (!index) return [];
    let owners: Map<string, { secret: string; hosts: string[] }> | undefined;
    const groups = new Map<string, Group>();
    /** per subject, the pods seen serving the Secret's certificate */
    const goodPods = new Map<string, Set<Pod>>();
    const gather = (key: string, fresh: Omit<Group, 'pods' | 'hosts' | 'snis'>, pod: Pod, host: string, sni: string) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ...fresh, pods: [], hosts: [], snis: [] }));
      if (!g.pods.includes(pod)) g.pods.push(pod);
      if (!g.hosts.includes(host)) {
        g.hosts.push(host);
        g.snis.push(sni);
      }
    };
    for (const subject of probeSubjects(model)) {
      const label = subject.k8s ? `Gateway-API Gateway ${subject.ref.namespace}/${subject.ref.name} (listener ${subject.k8s.listener.name})` : `Gateway ${subject.ref.namespace}/${subject.ref.name}`;
      const restart = (pods: Pod[]) => (subject.k8s ? restartK8sGatewayCommand(pods, subject.k8s.gm) : restartCommand(pods, (subject.istio as { gm: GatewayModel }).gm));
      for (const pod of subject.pods) {
        const listenPort = subject.listenPort(pod);
        if (!index.probed.has(`${podKey(pod)}|${listenPort}`)) continue;
        const expected = subject.expected(pod);
        const fallback = index.bySni.get(`${podKey(pod)}|${listenPort}|`);
        for (const host of subject.hosts) {
          const sni = probeSni(host);
          if (sni === undefined) continue;
          const served = index.bySni.get(`${podKey(pod)}|${listenPort}|${sni}`);
          if (!served) continue;
          const h = served.handshake;
          const evidenceOf = (g: Group): Finding['evidence'] => ({
            pod: podKey(g.pods[0]),
            pods: g.pods.map(podKey),
            containerPort: listenPort,
            sni: g.snis[0],
            hosts: g.hosts,
          });
          const base = (g: Group) => ({ resource: subject.ref, host: g.hosts[0], port: subject.port, places: g.hosts.slice(1).map((x) => ({ resource: subject.ref, host: x, port: subject.port })) });
          const where = (g: Group) => whereOf(g.pods.map(podKey), listenPort, subject.pods.length);
          if (h.outcome === 'reset' || h.outcome === 'refused' || h.outcome === 'alert') {
            if (subject.blocks(pod)) continue; // the credential's own finding (ITLS201-205)
            if (h.outcome === 'alert' && subject.mutual && MUTUAL_ALERTS.has(h.alert?.name ?? '')) continue; // it asked for a client certificate: expected
            const kind = h.outcome === 'reset' ? 'no-filter-chain' : h.outcome === 'refused' ? 'no-listener' : 'alert';
            const alert = h.alert;
            gather(`601|${subject.key}|${kind}|${alert?.name ?? ''}`, {
              code: 'ITLS601',
              subject,
              build: (g) => {
                const names = g.hosts.map((x, i) => hostWords(x, g.snis[i]));
                let message: string;
                if (kind === 'no-filter-chain') message = `A TLS handshake with SNI ${listWords(names)} on ${where(g)} is reset before any TLS answer: the running Envoy has no filter chain for ${listWords(g.hosts)} on port ${subject.port} (its access log says filter_chain_not_found), although ${label} lists it. Every client of ${listWords(g.hosts)} gets "connection reset".`;
                else if (kind === 'no-listener') message = `Nothing listens on ${where(g)}, the container port that port ${subject.port} of ${label} maps to: Envoy has no listener there, so ${listWords(g.hosts)} ${g.hosts.length === 1 ? 'is' : 'are'} unreachable.`;
                else message = `The gateway answers a TLS handshake with SNI ${listWords(names)} on ${where(g)} with the alert ${alert?.name ?? 'unknown'} (${alert?.code ?? '?'}): ${ALERT_MEANING[alert?.name ?? ''] ?? 'the handshake was refused'}.`;
                const evidence: Finding['evidence'] = { ...evidenceOf(g), outcome: h.outcome, kind };
                if (alert) evidence.alert = alert.name;
                if (h.detail) evidence.detail = h.detail;
                return findingFor(codes, 'ITLS601', { ...base(g), message, evidence, remediation: resyncListener(g.pods[0], restart(g.pods), g.hosts[0], listenPort) });
              },
            }, pod, host, sni);
            continue;
          }
          if (h.outcome !== 'handshake' || !served.leaf) continue;
          const known = expected.filter((e): e is ExpectedCredential & { leaf: CertFacts } => e.leaf !== undefined);
          if (known.length === 0) continue; // no usable Secret: the credential checks report it
          if (known.some((e) => e.leaf.fingerprint256 === served.leaf?.fingerprint256)) {
            // served as the Secret holds: a pod that shows a fix can replace just the others
            goodPods.set(subject.key, (goodPods.get(subject.key) ?? new Set()).add(pod));
            continue;
          }
          const want = known[0];
          const leaf = served.leaf;
          const verdict = servedVerdict(served, host === '*' ? undefined : sni, options);
          const common = (g: Group): Finding['evidence'] => {
            const e: Finding['evidence'] = { ...evidenceOf(g), secret: want.secret, secretCertificate: certEvidence(want.leaf), servedCertificate: certEvidence(leaf), servedChainTrusted: verdict.trusted };
            if (verdict.issues.length) e.servedChainIssues = verdict.issues;
            if (h.alpn) e.alpn = h.alpn;
            return e;
          };
          const sameNames = (host === '*' || matchHost(sni, leaf).covered) && leaf.subject === want.leaf.subject && Date.parse(leaf.notBefore) < Date.parse(want.leaf.notBefore);
          if (sameNames) {
            gather(`604|${subject.key}|${leaf.fingerprint256}`, {
              code: 'ITLS604',
              subject,
              build: (g) => {
                const soon = Date.parse(leaf.notAfter) - options.now.getTime() < 7 * DAY;
                return findingFor(codes, 'ITLS604', {
                  ...base(g),
                  severity: soon ? 'error' : 'warning',
                  message: `${listWords(g.hosts.map((x, i) => hostWords(x, g.snis[i])))} on ${where(g)} ${g.hosts.length === 1 ? 'is' : 'are'} served ${describeSerial(leaf, options.now)}, an older certificate than the one Secret ${want.secret} holds, ${describeSerial(want.leaf, options.now)}: the Secret was renewed and Envoy did not load it.${verdict.clause}`,
                  evidence: { ...common(g), kind: 'stale' },
                  remediation: onlySome(reloadCredential(g.pods[0], restart(g.pods), snapshot.istioNamespace, want.secret, 'stale', g.hosts[0]), g, goodPods.get(subject.key)),
                });
              },
            }, pod, host, sni);
            continue;
          }
          owners ??= credentialOwners(model);
          const owner = owners.get(leaf.fingerprint256);
          const isDefault = fallback?.leaf?.fingerprint256 === leaf.fingerprint256;
          const kind = owner && owner.secret !== want.secret ? 'other-host' : isDefault ? 'default' : 'unknown';
          gather(`602|${subject.key}|${leaf.fingerprint256}`, {
            code: 'ITLS602',
            subject,
            build: (g) => {
              const whose =
                kind === 'other-host' && owner
                  ? `the certificate of Secret ${owner.secret} (${listWords(owner.hosts, 3)})`
                  : kind === 'default'
                    ? 'the default certificate (what clients without SNI get)'
                    : 'a certificate the doctor found in no Secret';
              const evidence: Finding['evidence'] = { ...common(g), kind };
              if (kind === 'other-host' && owner) evidence.servedFrom = owner.secret;
              const names = leaf.dnsNames.length ? leaf.dnsNames.join(', ') : leaf.subject;
              return findingFor(codes, 'ITLS602', {
                ...base(g),
                message: `${listWords(g.hosts.map((x, i) => hostWords(x, g.snis[i])))} on ${where(g)} ${g.hosts.length === 1 ? 'is' : 'are'} served ${whose}: ${names}, ${validity(leaf, options.now)} — not Secret ${want.secret} (${want.leaf.dnsNames.join(', ') || want.leaf.subject}).${verdict.clause}`,
                evidence,
                remediation: onlySome(reloadCredential(g.pods[0], restart(g.pods), snapshot.istioNamespace, want.secret, 'other', g.hosts[0]), g, goodPods.get(subject.key)),
              });
            },
          }, pod, host, sni);
        }
      }
    }
    return [...groups.values()].map((g) => g.build(g));
  },
};
