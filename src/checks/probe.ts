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
import { findingFor, type Finding } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { ALERT_MEANING, MUTUAL_ALERTS, probeCodes as codes } from '../findings/codes/probe.js';
import { podKey, terminatesTls } from '../model/model.js';
import type { CheckOptions } from '../model/options.js';
import { certEvidence, describeSerial } from '../model/envoy.js';
import { credentialBlocks, credentialOwners, probeIndex, probedPod, type Served } from '../model/probe.js';
import { reloadCredential, resyncListener } from '../remediation/probe.js';
import type { CheckModule } from './types.js';

const DAY = 86_400_000;

function validity(leaf: CertFacts, now: Date): string {
  const days = Math.floor((Date.parse(leaf.notAfter) - now.getTime()) / DAY);
  return days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : `expires in ${days} day${days === 1 ? '' : 's'}`;
}

/** The served chain judged by the same engine as the Secret: one short clause, and the evidence. */
function servedVerdict(served: Served, host: string, options: CheckOptions): { clause: string; trusted: boolean; issues: string[] } {
  const report = validateChain(served.bundle, { host, trustStore: options.trustStore, now: options.now });
  const errors = report.issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return { clause: '', trusted: report.trusted, issues: [] };
  const first = errors[0];
  return { clause: ` A client validating it fails: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}.`, trusted: false, issues: errors.map((e) => `${e.code}: ${e.message}`) };
}

export const probeCheck: CheckModule = {
  id: 'probe',
  codes,
  reads: ['probe', 'gateways', 'pods', 'services', 'secrets'],
  run(snapshot, options, model) {
    const index = probeIndex(snapshot);
    if (!index) return [];
    let owners: Map<string, { secret: string; hosts: string[] }> | undefined;
    const grouped = new Map<string, Finding>();
    const add = (key: string, f: Finding, host: string) => {
      const into = grouped.get(key);
      if (!into) return void grouped.set(key, f);
      (into.places ??= []).push({ resource: f.resource, host, ...(f.port !== undefined ? { port: f.port } : {}) });
      const hosts = into.evidence.hosts;
      if (Array.isArray(hosts)) hosts.push(host);
    };
    for (const gm of model.gateways) {
      for (const server of gm.servers) {
        if (!terminatesTls(server.server)) continue;
        const listenPort = model.listenPort(gm, server.port);
        const pod = probedPod(gm, listenPort, index);
        if (!pod) continue;
        const where = `${podKey(pod)}:${listenPort}`;
        const mutual = ['MUTUAL', 'OPTIONAL_MUTUAL'].includes(String(server.mode ?? '').toUpperCase());
        const expected = server.credentialNames
          .map((c) => ({ cred: c, r: model.credential(c, pod.metadata.namespace ?? '') }))
          .map((x) => ({ ...x, leaf: x.r.decoded?.certificates[0] }));
        const fallback = index.bySni.get(`${podKey(pod)}|${listenPort}|`);
        for (const gh of server.hosts) {
          const host = gh.host;
          if (host.includes('*')) continue;
          const served = index.bySni.get(`${podKey(pod)}|${listenPort}|${host}`);
          if (!served) continue;
          const h = served.handshake;
          const base = { resource: gm.ref, host, port: server.port };
          const evidenceBase = { pod: podKey(pod), containerPort: listenPort, sni: host, hosts: [host] as string[] };
          if (h.outcome === 'reset' || h.outcome === 'refused' || h.outcome === 'alert') {
            if (credentialBlocks(model, server, pod)) continue; // the credential's own finding (ITLS201-205)
            if (h.outcome === 'alert' && mutual && MUTUAL_ALERTS.has(h.alert?.name ?? '')) continue; // it asked for a client certificate: expected
            let message: string;
            const evidence: Finding['evidence'] = { ...evidenceBase, outcome: h.outcome };
            if (h.outcome === 'reset') {
              message = `A TLS handshake with SNI ${host} on ${where} is reset before any TLS answer: the running Envoy has no filter chain for ${host} on port ${server.port} (its access log says filter_chain_not_found), although Gateway ${gm.ref.namespace}/${gm.ref.name} lists it. Every client of ${host} gets "connection reset".`;
              evidence.kind = 'no-filter-chain';
            } else if (h.outcome === 'refused') {
              message = `Nothing listens on ${where}, the container port that port ${server.port} of Gateway ${gm.ref.namespace}/${gm.ref.name} maps to: Envoy has no listener there, so ${host} is unreachable.`;
              evidence.kind = 'no-listener';
            } else {
              const name = h.alert?.name ?? 'unknown';
              message = `The gateway answers a TLS handshake with SNI ${host} on ${where} with the alert ${name} (${h.alert?.code ?? '?'}): ${ALERT_MEANING[name] ?? 'the handshake was refused'}.`;
              evidence.kind = 'alert';
              evidence.alert = name;
            }
            if (h.detail) evidence.detail = h.detail;
            const f = findingFor(codes, 'ITLS601', {
              ...base,
              message,
              evidence,
              remediation: resyncListener(pod, gm, host, listenPort),
            });
            add(`601|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${evidence.kind}|${String(evidence.alert ?? '')}`, f, host);
            continue;
          }
          if (h.outcome !== 'handshake' || !served.leaf) continue;
          const known = expected.filter((e) => e.leaf);
          if (known.length === 0) continue; // no usable Secret: the credential checks report it
          if (known.some((e) => e.leaf?.fingerprint256 === served.leaf?.fingerprint256)) continue; // served as the Secret holds
          const want = known[0];
          const wantLeaf = want.leaf as CertFacts;
          const secret = `${want.r.namespace}/${want.r.name}`;
          const leaf = served.leaf;
          const verdict = servedVerdict(served, host, options);
          const evidence: Finding['evidence'] = { ...evidenceBase, secret, secretCertificate: certEvidence(wantLeaf), servedCertificate: certEvidence(leaf), servedChainTrusted: verdict.trusted };
          if (verdict.issues.length) evidence.servedChainIssues = verdict.issues;
          if (h.alpn) evidence.alpn = h.alpn;
          const sameNames = matchHost(host, leaf).covered && leaf.subject === wantLeaf.subject && Date.parse(leaf.notBefore) < Date.parse(wantLeaf.notBefore);
          if (sameNames) {
            const soon = Date.parse(leaf.notAfter) - options.now.getTime() < 7 * DAY;
            evidence.kind = 'stale';
            const f = findingFor(codes, 'ITLS604', {
              ...base,
              severity: soon ? 'error' : 'warning',
              message: `${host} on ${where} is served ${describeSerial(leaf, options.now)}, an older certificate than the one Secret ${secret} holds, ${describeSerial(wantLeaf, options.now)}: the Secret was renewed and Envoy did not load it.${verdict.clause}`,
              evidence,
              remediation: reloadCredential(pod, gm, snapshot.istioNamespace, secret, 'stale', host),
            });
            add(`604|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${leaf.fingerprint256}`, f, host);
            continue;
          }
          owners ??= credentialOwners(model);
          const owner = owners.get(leaf.fingerprint256);
          const isDefault = fallback?.leaf?.fingerprint256 === leaf.fingerprint256;
          let whose: string;
          if (owner && owner.secret !== secret) {
            whose = `the certificate of Secret ${owner.secret} (${listWords(owner.hosts, 3)})`;
            evidence.kind = 'other-host';
            evidence.servedFrom = owner.secret;
          } else if (isDefault) {
            whose = 'the default certificate (what clients without SNI get)';
            evidence.kind = 'default';
          } else {
            whose = 'a certificate the doctor found in no Secret';
            evidence.kind = 'unknown';
          }
          const names = leaf.dnsNames.length ? leaf.dnsNames.join(', ') : leaf.subject;
          const f = findingFor(codes, 'ITLS602', {
            ...base,
            message: `${host} on ${where} is served ${whose}: ${names}, ${validity(leaf, options.now)} — not Secret ${secret} (${wantLeaf.dnsNames.join(', ') || wantLeaf.subject}).${verdict.clause}`,
            evidence,
            remediation: reloadCredential(pod, gm, snapshot.istioNamespace, secret, 'other', host),
          });
          add(`602|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${leaf.fingerprint256}`, f, host);
        }
      }
    }
    return [...grouped.values()];
  },
};

