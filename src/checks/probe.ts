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
import type { Pod, Snapshot, TlsHandshake } from '../snapshot/types.js';
import { envoyOfProxyImage, envoyRefusesForVersion, matchHost, parseCertificates, validateChain, type CertFacts } from '../tls/index.js';
import { certEvidence, describe as describeServed, restartCommand } from './inpod.js';
import { findingFor, listWords, podKey, proxyContainer, terminatesTls, type GatewayModel, type Model, type ServerModel } from './model.js';
import type { CheckModule, CheckOptions, CodeSpec, Finding } from './types.js';

const codes: CodeSpec[] = [
  {
    code: 'ITLS601',
    severity: 'error',
    title: 'TLS handshake fails at the gateway',
    meaning:
      'A TLS handshake with the gateway pod for this host (SNI = host) did not complete: the connection was reset before any TLS answer (Envoy has no filter chain for that name), a TLS alert came back, or nothing listens on the port.',
    why: 'Every client of the host fails the same way (curl: "Connection reset by peer" / SSL_ERROR_SYSCALL, or the alert), whatever the Secret holds: Envoy never got a listener for this name.',
    example: 'Gateway shop-gateway lists new.example.com on port 443; a handshake with SNI new.example.com on pod istio-ingressgateway-7f9d8:8443 is reset (filter_chain_not_found), while shop.example.com on the same port works.',
    fix: 'Check that istiod pushed the Gateway to the pod (istioctl proxy-status; istiod logs), that no listener update was rejected (ITLS213), then restart the gateway pods so Envoy gets the current listeners.',
  },
  {
    code: 'ITLS602',
    severity: 'error',
    title: "Another certificate is served for this host",
    meaning:
      "The certificate the gateway pod serves for this host (SNI = host) is not the one in the host's credential Secret: it is another host's certificate, or the default one that clients without SNI get.",
    why: "Clients of the host see a certificate that does not name it (or not the one you renewed): browsers and curl refuse it as a name mismatch, though the Secret looks right in kubectl.",
    example: 'Secret shop-tls holds CN shop.example.com; a handshake with SNI shop.example.com gets CN bar.example.com, the certificate of Secret bar-tls.',
    fix: "Find why Envoy holds that chain for the host (istioctl proxy-config secret <pod>; istiod logs), correct the Gateway or credential, then restart the gateway pods so Envoy loads the Secret's certificate.",
  },
  {
    code: 'ITLS604',
    severity: 'warning',
    title: 'The gateway still serves an older certificate',
    meaning:
      "The gateway pod serves an older certificate for the host's names than the one its credential Secret now holds: the Secret was renewed, and Envoy did not load the new one.",
    why: 'Clients get the old certificate until Envoy reloads; when it expires every client fails although the renewal "worked". Error when the served one is expired or expires within 7 days.',
    example: 'Secret shop-tls holds serial 4f…e1 (expires in 80 days); shop.example.com is served serial 1a…07 (expires in 5 days).',
    fix: "Check why istiod did not push the renewed Secret (its logs; can the gateway read it?), then restart the gateway pods so Envoy fetches the current certificate over SDS.",
  },
];

/** What each alert tells about the gateway (RFC 8446 §6.2 meanings, as an Envoy gateway sends them). */
const ALERT_MEANING: Record<string, string> = {
  handshake_failure: 'no protocol version, cipher suite or signature algorithm in common with the client (minProtocolVersion/cipherSuites, or a certificate key type the client does not offer)',
  protocol_version: 'the gateway does not speak the TLS version offered (tls.minProtocolVersion/maxProtocolVersion)',
  insufficient_security: 'the gateway requires stronger ciphers than the client offers',
  internal_error: 'Envoy failed while answering (often no usable certificate for the chain)',
  no_application_protocol: 'none of the ALPN protocols offered (h2, http/1.1) is accepted',
  unrecognized_name: 'the gateway has no certificate for this name',
  certificate_required: 'the gateway requires a client certificate (mutual TLS)',
  access_denied: 'the gateway refused the client',
  decode_error: 'the gateway could not read the handshake',
  illegal_parameter: 'the gateway rejected a handshake parameter',
};
const MUTUAL_ALERTS = new Set(['certificate_required', 'handshake_failure', 'bad_certificate', 'certificate_unknown', 'unknown_ca', 'access_denied']);

const DAY = 86_400_000;

function leafOf(pem: string | undefined): CertFacts | undefined {
  if (!pem) return undefined;
  try {
    return parseCertificates(pem).certificates[0];
  } catch {
    return undefined;
  }
}

interface Served {
  handshake: TlsHandshake;
  bundle: CertFacts[];
  leaf?: CertFacts;
}

/** Handshakes by pod, container port and SNI ('' = without SNI). */
function indexHandshakes(snapshot: Snapshot): Map<string, Served> {
  const out = new Map<string, Served>();
  for (const h of snapshot.probe?.handshakes ?? []) {
    const bundle = h.chainPem ? parseCertificates(h.chainPem).certificates : [];
    out.set(`${h.namespace}/${h.pod}|${h.port}|${h.sni ?? ''}`, { handshake: h, bundle, leaf: bundle[0] });
  }
  return out;
}

/** Does the credential itself keep Envoy from serving (missing, unusable, or refused by this Envoy)? Its own finding says so. */
function credentialBlocks(model: Model, server: ServerModel, pod: Pod): boolean {
  const build = envoyOfProxyImage(proxyContainer(pod)?.image);
  if (server.credentialNames.length === 0) return server.filePaths.length === 0;
  return server.credentialNames.every((cred) => {
    const r = model.credential(cred, pod.metadata.namespace ?? '');
    const d = r.decoded;
    if (!d || d.issues.some((i) => i.severity === 'error')) return true;
    const leaf = d.certificates[0];
    return !leaf || (build !== undefined && envoyRefusesForVersion(leaf, build) !== undefined);
  });
}

/** Which Secret (and hosts) a served leaf belongs to, across every credential of every Gateway in the snapshot. */
function credentialIndex(model: Model): Map<string, { secret: string; hosts: string[] }> {
  const out = new Map<string, { secret: string; hosts: string[] }>();
  for (const gm of model.allGateways) {
    const ns = gm.workloadNamespaces[0];
    if (ns === undefined) continue;
    for (const s of gm.servers) {
      for (const cred of s.credentialNames) {
        const r = model.credential(cred, ns);
        const leaf = r.decoded?.certificates[0];
        if (!leaf) continue;
        const e = out.get(leaf.fingerprint256) ?? { secret: `${r.namespace}/${r.name}`, hosts: [] };
        for (const h of s.hosts) if (!e.hosts.includes(h.host)) e.hosts.push(h.host);
        out.set(leaf.fingerprint256, e);
      }
    }
  }
  return out;
}

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

/** The pod (of a Gateway's pods) the probe used for a port. */
function probedPod(gm: GatewayModel, port: number, probed: Set<string>): Pod | undefined {
  return gm.pods.find((p) => probed.has(`${podKey(p)}|${port}`));
}

export const probeCheck: CheckModule = {
  id: 'probe',
  codes,
  reads: ['probe', 'gateways', 'pods', 'services', 'secrets'],
  run(snapshot, options, model) {
    if (snapshot.probe?.state !== 'done' || snapshot.probe.handshakes.length === 0) return [];
    const index = indexHandshakes(snapshot);
    const probed = new Set(snapshot.probe.handshakes.map((h) => `${h.namespace}/${h.pod}|${h.port}`));
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
        const pod = probedPod(gm, listenPort, probed);
        if (!pod) continue;
        const where = `${podKey(pod)}:${listenPort}`;
        const mutual = ['MUTUAL', 'OPTIONAL_MUTUAL'].includes(String(server.mode ?? '').toUpperCase());
        const expected = server.credentialNames
          .map((c) => ({ cred: c, r: model.credential(c, pod.metadata.namespace ?? '') }))
          .map((x) => ({ ...x, leaf: x.r.decoded?.certificates[0] }));
        const fallback = index.get(`${podKey(pod)}|${listenPort}|`);
        for (const gh of server.hosts) {
          const host = gh.host;
          if (host.includes('*')) continue;
          const served = index.get(`${podKey(pod)}|${listenPort}|${host}`);
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
              remediation: {
                summary: `See whether the gateway's Envoy is in sync with istiod and why the listener lacks ${host}, then restart the gateway pods so Envoy gets the current listeners.`,
                commands: [`istioctl proxy-status ${pod.metadata.name}.${pod.metadata.namespace}`, `istioctl proxy-config listener ${pod.metadata.name}.${pod.metadata.namespace} --port ${listenPort}`, restartCommand([pod], gm)],
              },
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
          const restart = restartCommand([pod], gm);
          if (sameNames) {
            const soon = Date.parse(leaf.notAfter) - options.now.getTime() < 7 * DAY;
            evidence.kind = 'stale';
            const f = findingFor(codes, 'ITLS604', {
              ...base,
              severity: soon ? 'error' : 'warning',
              message: `${host} on ${where} is served ${describeServed(leaf, options.now)}, an older certificate than the one Secret ${secret} holds, ${describeServed(wantLeaf, options.now)}: the Secret was renewed and Envoy did not load it.${verdict.clause}`,
              evidence,
              remediation: {
                summary: `istiod did not push the renewed Secret ${secret} to the gateway. Check istiod's log for it, then restart the gateway pods so Envoy fetches the current certificate over SDS.`,
                commands: [`kubectl logs deploy/istiod -n ${snapshot.istioNamespace} --since=1h | grep -i '${want.r.name}'`, restart],
                notes: ['A rolling restart keeps the gateway serving while pods are replaced (with more than one replica).'],
              },
            });
            add(`604|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${leaf.fingerprint256}`, f, host);
            continue;
          }
          owners ??= credentialIndex(model);
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
            remediation: {
              summary: `See which secret the gateway's Envoy holds for ${host} and why; once istiod pushes Secret ${secret} for it, restart the gateway pods so Envoy loads it.`,
              commands: [`istioctl proxy-config secret ${pod.metadata.name}.${pod.metadata.namespace}`, `kubectl logs deploy/istiod -n ${snapshot.istioNamespace} --since=1h | grep -i '${want.r.name}'`, restart],
            },
          });
          add(`602|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${leaf.fingerprint256}`, f, host);
        }
      }
    }
    return [...grouped.values()];
  },
};

/** For `status`' SERVED column: 'yes' when the probe got the Secret's leaf for every probed host of the server, 'no' when not, 'unknown' when not probed. */
export function servedOnWire(snapshot: Snapshot, model: Model, gm: GatewayModel, server: ServerModel): 'yes' | 'no' | 'unknown' {
  if (snapshot.probe?.state !== 'done') return 'unknown';
  const listenPort = model.listenPort(gm, server.port);
  let seen = false;
  for (const pod of gm.pods) {
    const expected = server.credentialNames.map((c) => leafOf(model.credential(c, pod.metadata.namespace ?? '').decoded?.certificates[0]?.pem)?.fingerprint256);
    for (const h of snapshot.probe.handshakes) {
      if (h.namespace !== pod.metadata.namespace || h.pod !== pod.metadata.name || h.port !== listenPort || !h.sni) continue;
      if (!server.hosts.some((gh) => gh.host === h.sni)) continue;
      if (h.outcome === 'timeout' || h.outcome === 'error') continue;
      seen = true;
      if (h.outcome !== 'handshake' || !h.leafSha256 || (expected.length > 0 && !expected.includes(h.leafSha256))) return 'no';
    }
  }
  return seen ? 'yes' : 'unknown';
}
