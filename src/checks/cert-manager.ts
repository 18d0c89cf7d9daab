// ITLS801-806: cert-manager behind the Secrets gateway hosts depend on. For each such Secret (Istio
// Gateway credentialName in the workload namespace, Gateway-API certificateRefs): the Certificate that
// writes it (spec.secretName, or the gateway-shim annotations on a Gateway-API Gateway), whether it is
// Ready and if not the deepest cause we can see (ACME Challenge, Issuer), whether its dnsNames cover the
// hosts served with it, and whether renewal is overdue. Pure: snapshot in, findings out.
import type { Certificate, Challenge, Condition, Issuer, KubeObject } from '../snapshot/types.js';
import { cleanObject } from '../remediation/objects.js';
import { toYaml } from '../remediation/common.js';
import { gatewayApiModel, inScope, isTlsListener, k8sHostMatches, listenerHosts, type K8sGatewayModel } from '../model/gateway-api.js';
import { findingFor } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { parseCredentialName, terminatesTls, type Model } from '../model/model.js';
import { matchHost } from '../tls/index.js';
import type { CheckModule } from './types.js';
import type { EvidenceValue, Finding, ResourceRef } from '../findings/types.js';
import { certManagerCodes } from '../findings/codes/cert-manager.js';

const DAY = 86_400_000;

/** Who serves a Secret, and for which hosts. */
interface SecretUse {
  namespace: string;
  name: string;
  hosts: Set<string>;
  users: { ref: ResourceRef; port: number }[];
  /** gateway-shim annotation on a Gateway-API Gateway using it, if any */
  shim?: { gm: K8sGatewayModel; issuer: string; kind: 'Issuer' | 'ClusterIssuer' };
}

function condition(obj: { status?: { conditions?: Condition[] } } | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

function condText(c: Condition | undefined): string {
  if (!c) return 'no Ready condition yet';
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
}

function secretUses(model: Model, namespace: string | undefined): Map<string, SecretUse> {
  const uses = new Map<string, SecretUse>();
  const use = (ns: string, name: string): SecretUse => {
    const k = `${ns}/${name}`;
    let u = uses.get(k);
    if (!u) uses.set(k, (u = { namespace: ns, name, hosts: new Set(), users: [] }));
    return u;
  };
  for (const gm of model.gateways) {
    const ns = gm.workloadNamespaces[0];
    if (!ns) continue;
    for (const s of gm.servers) {
      if (!terminatesTls(s.server)) continue;
      for (const cn of s.credentialNames) {
        const parsed = parseCredentialName(cn);
        if (parsed.builtin) continue;
        const u = use(parsed.namespace ?? ns, parsed.name);
        for (const h of s.hosts) if (h.host !== '*') u.hosts.add(h.host);
        u.users.push({ ref: gm.ref, port: s.port });
      }
    }
  }
  for (const gm of inScope(gatewayApiModel(model), namespace)) {
    const ann = gm.gateway.metadata.annotations ?? {};
    const shimIssuer = ann['cert-manager.io/cluster-issuer'] ?? ann['cert-manager.io/issuer'];
    for (const l of gm.listeners) {
      if (!isTlsListener(l)) continue;
      for (const c of l.certRefs) {
        if (!c.supported || !c.permitted) continue;
        const u = use(c.namespace, c.name);
        for (const h of listenerHosts(l)) if (h !== '*') u.hosts.add(h);
        u.users.push({ ref: gm.ref, port: l.port });
        if (shimIssuer && !c.crossNamespace) u.shim = { gm, issuer: shimIssuer, kind: ann['cert-manager.io/cluster-issuer'] ? 'ClusterIssuer' : 'Issuer' };
      }
    }
  }
  return uses;
}

function ownedBy(obj: KubeObject, kind: string, name: string): boolean {
  return (obj.metadata.ownerReferences ?? []).some((o) => o.kind === kind && o.name === name);
}

/** CertificateRequests → Orders → Challenges of one Certificate, by owner references (names). */
function issuanceChain(model: Model, cert: Certificate) {
  const ns = cert.metadata.namespace;
  const s = model.snapshot;
  const requests = s.certificateRequests.filter(
    (r) => r.metadata.namespace === ns && (ownedBy(r, 'Certificate', cert.metadata.name) || r.metadata.annotations?.['cert-manager.io/certificate-name'] === cert.metadata.name),
  );
  const orders = s.orders.filter((o) => o.metadata.namespace === ns && requests.some((r) => ownedBy(o, 'CertificateRequest', r.metadata.name)));
  const challenges = s.challenges.filter((c) => c.metadata.namespace === ns && orders.some((o) => ownedBy(c, 'Order', o.metadata.name)));
  return { requests, orders, challenges };
}

function issuerOf(model: Model, cert: Certificate): { issuer?: Issuer; kind: string; name: string; known: boolean } {
  const kind = cert.spec?.issuerRef?.kind ?? 'Issuer';
  const name = cert.spec?.issuerRef?.name ?? '';
  if ((cert.spec?.issuerRef?.group ?? 'cert-manager.io') !== 'cert-manager.io') return { kind, name, known: false }; // external issuers
  const issuer =
    kind === 'ClusterIssuer'
      ? model.snapshot.clusterIssuers.find((i) => i.metadata.name === name)
      : model.snapshot.issuers.find((i) => i.metadata.name === name && i.metadata.namespace === cert.metadata.namespace);
  const known = kind === 'ClusterIssuer' ? model.wasRead('clusterIssuers') : model.wasRead('issuers');
  return issuer ? { issuer, kind, name, known: true } : { kind, name, known };
}

/** Why an HTTP-01 challenge through a Gateway cannot be reached, from the Gateway-API model. */
function http01Reachability(model: Model, ch: Challenge): string | undefined {
  const parents = ch.spec?.solver?.http01?.gatewayHTTPRoute?.parentRefs ?? [];
  if (!parents.length) return undefined;
  const m = gatewayApiModel(model);
  const chNs = ch.metadata.namespace ?? 'default';
  const host = ch.spec.dnsName;
  for (const p of parents) {
    const gm = m.byKey.get(`${p.namespace ?? chNs}/${p.name}`);
    if (!gm) return `the solver's parent Gateway ${p.namespace ?? chNs}/${p.name} does not exist (or Istio does not run its class)`;
    const http = gm.listeners.filter((l) => l.protocol === 'HTTP' && l.port === 80 && (!l.listener.hostname || k8sHostMatches(l.listener.hostname, host)) && (p.sectionName === undefined || l.name === p.sectionName));
    if (http.length === 0) return `Gateway ${gm.namespace}/${gm.gateway.metadata.name} has no plain-HTTP listener on port 80 for ${host}: the CA fetches http://${host}/.well-known/acme-challenge/… there`;
    const solver = [...model.snapshot.httpRoutes].filter(
      (r) => r.metadata.namespace === chNs && r.metadata.labels?.['acme.cert-manager.io/http01-solver'] === 'true' && (r.spec?.hostnames ?? []).some((h) => h.toLowerCase() === host.toLowerCase()),
    );
    const attached = http.some((l) => l.attached.some((a) => solver.includes(a.route.route)));
    if (attached) continue;
    const problem = m.routeProblems.find((rp) => solver.includes(rp.route.route));
    const redirect = http
      .flatMap((l) => l.attached)
      .find((a) => a.hostnames.some((h) => h === '*' || k8sHostMatches(h, host)) && (a.route.route.spec?.rules ?? []).some((r) => (r.filters ?? []).some((f) => f.type === 'RequestRedirect' && f.requestRedirect?.scheme === 'https')));
    const same = http.find((l) => (l.listener.allowedRoutes?.namespaces?.from ?? 'Same') === 'Same' && chNs !== gm.namespace);
    const why =
      solver.length === 0
        ? `cert-manager's solver HTTPRoute for ${host} is not there (yet)`
        : same
          ? `listener ${same.name} admits routes from ${gm.namespace} only (allowedRoutes.namespaces.from: Same), and cert-manager creates the solver HTTPRoute in ${chNs}, next to the Certificate`
          : problem
            ? problem.message.replace(/^HTTPRoute /, 'the solver HTTPRoute ')
            : `the solver HTTPRoute is not attached to listener ${http.map((l) => l.name).join('/')}`;
    return redirect
      ? `${why}, so http://${host}/.well-known/acme-challenge/… is answered by HTTPRoute ${redirect.route.route.metadata.namespace}/${redirect.route.route.metadata.name}, which redirects to https: the challenge cannot be reached`
      : `${why}: the challenge cannot be reached`;
  }
  return undefined;
}

function describe(kind: string, obj: KubeObject): string {
  return `kubectl describe ${kind} ${obj.metadata.name}${obj.metadata.namespace ? ` -n ${obj.metadata.namespace}` : ''}`;
}

export const certManagerCheck: CheckModule = {
  id: 'cert-manager',
  codes: certManagerCodes,
  reads: ['certificates', 'certificateRequests', 'issuers', 'clusterIssuers', 'orders', 'challenges', 'secrets', 'gateways', 'kubernetesGateways'],
  run(snapshot, options, model) {
    if (snapshot.certificates.length === 0 && !snapshot.kubernetesGateways.some((g) => g.metadata.annotations?.['cert-manager.io/issuer'] || g.metadata.annotations?.['cert-manager.io/cluster-issuer'])) return [];
    const findings: Finding[] = [];
    const now = options.now.getTime();
    const bySecret = new Map<string, Certificate[]>();
    for (const c of snapshot.certificates) {
      const k = `${c.metadata.namespace}/${c.spec?.secretName}`;
      bySecret.set(k, [...(bySecret.get(k) ?? []), c]);
    }
    for (const [k, u] of secretUses(model, options.namespace)) {
      const certs = bySecret.get(k) ?? [];
      const primary = u.users[0];
      const hosts = [...u.hosts].sort();
      const secret = model.secret(u.namespace, u.name);
      const leaf = secret ? model.credential(`kubernetes-gateway://${u.namespace}/${u.name}`, u.namespace).decoded?.certificates[0] : undefined;
      const leafValid = !!leaf && Date.parse(leaf.notAfter) > now && Date.parse(leaf.notBefore) <= now;
      const places = u.users.slice(1).map((x) => ({ resource: x.ref, port: x.port }));
      if (certs.length === 0) {
        if (u.shim && model.wasRead('certificates')) {
          const listenerNoHost = u.shim.gm.listeners.some((l) => l.certRefs.some((c) => c.name === u.name) && !l.listener.hostname);
          findings.push(
            findingFor(certManagerCodes, 'ITLS806', {
              resource: u.shim.gm.ref,
              ...(hosts[0] ? { host: hosts[0] } : {}),
              port: primary.port,
              message: `Gateway ${u.shim.gm.namespace}/${u.shim.gm.gateway.metadata.name} asks cert-manager for certificates (${u.shim.kind} ${u.shim.issuer}), but no Certificate writes Secret ${u.namespace}/${u.name}${listenerNoHost ? ': its listener has no hostname, and gateway-shim only creates Certificates for listeners with one' : ': is Gateway API support (enableGatewayAPI) on in cert-manager?'}`,
              evidence: { secret: k, issuer: `${u.shim.kind}/${u.shim.issuer}`, hosts },
              remediation: {
                summary: listenerNoHost ? 'Give the listener a hostname so gateway-shim creates its Certificate, or create the Certificate yourself.' : 'Enable Gateway API support in cert-manager (config enableGatewayAPI: true, or --enable-gateway-api on older releases), or create the Certificate yourself.',
                yaml: toYaml({
                  apiVersion: 'cert-manager.io/v1',
                  kind: 'Certificate',
                  metadata: { name: u.name, namespace: u.namespace },
                  spec: { secretName: u.name, dnsNames: hosts.length ? hosts : [`${u.name}.example.com`], issuerRef: { kind: u.shim.kind, name: u.shim.issuer, group: 'cert-manager.io' } },
                }),
              },
            }),
          );
        }
        continue;
      }
      for (const cert of certs) {
        const cref: ResourceRef = { kind: 'Certificate', namespace: cert.metadata.namespace, name: cert.metadata.name };
        const ready = condition(cert, 'Ready');
        const evidence: Record<string, EvidenceValue> = {
          certificate: `${cert.metadata.namespace}/${cert.metadata.name}`,
          secret: k,
          dnsNames: cert.spec?.dnsNames ?? [],
          issuerRef: `${cert.spec?.issuerRef?.kind ?? 'Issuer'}/${cert.spec?.issuerRef?.name}`,
          ready: condText(ready),
          usedBy: u.users.map((x) => `${x.ref.kind} ${x.ref.namespace}/${x.ref.name}:${x.port}`),
        };
        if (cert.status?.renewalTime) evidence.renewalTime = cert.status.renewalTime;
        if (cert.status?.notAfter) evidence.notAfter = cert.status.notAfter;
        // ---- 804: dnsNames vs the hosts served with this Secret ----
        const dnsNames = cert.spec?.dnsNames ?? [];
        const missing = hosts.filter((h) => !dnsNames.some((d) => d.toLowerCase() === h.toLowerCase() || (d.startsWith('*.') && !h.startsWith('*.') && matchHostPattern(d, h))));
        if (missing.length) {
          const today = leaf ? missing.filter((h) => !matchHost(h, leaf).covered) : missing;
          const edited = cleanObject(cert, { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' });
          edited.spec.dnsNames = [...dnsNames, ...missing];
          findings.push(
            findingFor(certManagerCodes, 'ITLS804', {
              resource: cref,
              host: missing[0],
              message: `Certificate ${cert.metadata.namespace}/${cert.metadata.name} writes Secret ${k}, which serves ${listWords(missing)}, but its dnsNames (${dnsNames.join(', ') || 'none'}) do not cover ${missing.length > 1 ? 'them' : 'it'}: ${today.length ? 'clients of that host are refused now' : 'the next renewal drops it'}.`,
              evidence: { ...evidence, missingHosts: missing, missingInServedCertificate: today },
              places: [...u.users.map((x) => ({ resource: x.ref, host: missing[0], port: x.port })), ...missing.slice(1).map((h) => ({ resource: cref, host: h }))],
              remediation: { summary: `Add ${listWords(missing)} to the dnsNames of Certificate ${cert.metadata.name}; cert-manager re-issues the Secret.`, yaml: toYaml(edited) },
            }),
          );
        }
        // ---- 801/802/803: not Ready, at the deepest cause we can see ----
        if (ready?.status !== 'True') {
          const severity = leafValid ? 'warning' : 'error';
          const { requests, orders, challenges } = issuanceChain(model, cert);
          const pending = challenges.filter((c) => c.status?.state !== 'valid');
          const iss = issuerOf(model, cert);
          const issuerReady = iss.issuer ? condition(iss.issuer, 'Ready') : undefined;
          const latest = [...requests].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
          if (latest) evidence.certificateRequest = `${latest.metadata.name}: ${condText(condition(latest, 'Ready'))}`;
          if (orders.length) evidence.orders = orders.map((o) => `${o.metadata.name}: ${o.status?.state ?? 'pending'}${o.status?.reason ? ` (${o.status.reason})` : ''}`);
          const impact = leafValid ? `the Secret still holds a certificate valid until ${leaf?.notAfter}` : secret ? 'the Secret holds no valid certificate' : `Secret ${k} does not exist`;
          if (pending.length) {
            for (const ch of pending) {
              const reach = ch.spec?.type === 'HTTP-01' ? http01Reachability(model, ch) : undefined;
              findings.push(
                findingFor(certManagerCodes, 'ITLS802', {
                  resource: { kind: 'Challenge', namespace: ch.metadata.namespace, name: ch.metadata.name },
                  host: ch.spec.dnsName,
                  severity,
                  // the challenge's reason and reachability are evidence lines
                  // the symptom in the message (what answers the CA), the why in evidence (reachability)
                  message: `The ${ch.spec.type} challenge for ${ch.spec.dnsName} is ${ch.status?.state || 'pending'}${reach ? `: ${(reach.includes(', so ') ? reach.slice(reach.indexOf(', so ') + 5) : reach).replace(/\.$/, '')}` : ''}.`,
                  evidence: { ...evidence, impact, challenge: ch.metadata.name, type: ch.spec.type, state: ch.status?.state ?? null, presented: ch.status?.presented ?? null, reason: ch.status?.reason ?? null, ...(reach ? { reachability: reach } : {}) },
                  places: [{ resource: cref }, ...u.users.map((x) => ({ resource: x.ref, host: ch.spec.dnsName, port: x.port }))],
                  remediation: {
                    summary: reach
                      ? `Let http://${ch.spec.dnsName}/.well-known/acme-challenge/ reach the solver: admit cert-manager's solver HTTPRoute (namespace ${ch.metadata.namespace}) on the Gateway's port-80 listener; the redirect to HTTPS may stay for everything else.`
                      : `Find why the ${ch.spec.type} challenge does not validate (its reason above), fix it, and cert-manager retries.`,
                    commands: [describe('challenge', ch), describe('certificate', cert)],
                  },
                }),
              );
            }
            continue;
          }
          if (iss.known && (!iss.issuer || issuerReady?.status !== 'True')) {
            findings.push(
              findingFor(certManagerCodes, 'ITLS803', {
                resource: iss.kind === 'ClusterIssuer' ? { kind: 'ClusterIssuer', name: iss.name } : { kind: 'Issuer', namespace: cert.metadata.namespace, name: iss.name },
                severity,
                message: iss.issuer
                  ? `${iss.kind} ${iss.name} is not Ready (${condText(issuerReady)}): Certificate ${cert.metadata.namespace}/${cert.metadata.name} cannot be issued; ${impact}`
                  : `Certificate ${cert.metadata.namespace}/${cert.metadata.name} names ${iss.kind} ${iss.name}, which does not exist; ${impact}`,
                evidence,
                places: [{ resource: cref }, ...u.users.map((x) => ({ resource: x.ref, port: x.port }))],
                remediation: { summary: iss.issuer ? `Fix the ${iss.kind}'s condition; the Certificate retries on its own.` : `Create ${iss.kind} ${iss.name}, or point the Certificate's issuerRef at one that exists.`, commands: [iss.issuer ? describe(iss.kind.toLowerCase(), iss.issuer) : `kubectl get issuers,clusterissuers -A`, describe('certificate', cert)] },
              }),
            );
            continue;
          }
          findings.push(
            findingFor(certManagerCodes, 'ITLS801', {
              resource: cref,
              ...(hosts[0] ? { host: hosts[0] } : {}),
              severity,
              message: `Certificate ${cert.metadata.namespace}/${cert.metadata.name} is not Ready (${condText(ready)}${latest ? `; CertificateRequest ${latest.metadata.name}: ${condText(condition(latest, 'Ready'))}` : ''}); ${impact}`,
              evidence,
              places: u.users.map((x) => ({ resource: x.ref, port: x.port })),
              remediation: { summary: 'Fix the cause the failing condition names; cert-manager retries on its own.', commands: [describe('certificate', cert), ...(latest ? [describe('certificaterequest', latest)] : [])] },
            }),
          );
          continue;
        }
        // ---- 805: Ready, but renewal time passed without a renewal ----
        const renewal = cert.status?.renewalTime ? Date.parse(cert.status.renewalTime) : NaN;
        if (!Number.isNaN(renewal) && renewal + 3_600_000 < now) {
          const expires = leaf ? Date.parse(leaf.notAfter) : cert.status?.notAfter ? Date.parse(cert.status.notAfter) : NaN;
          const days = Number.isNaN(expires) ? undefined : Math.floor((expires - now) / DAY);
          findings.push(
            findingFor(certManagerCodes, 'ITLS805', {
              resource: cref,
              ...(hosts[0] ? { host: hosts[0] } : {}),
              severity: days !== undefined && days < 7 ? 'error' : 'warning',
              message: `Certificate ${cert.metadata.namespace}/${cert.metadata.name} was due for renewal at ${cert.status?.renewalTime} and has not been renewed${days !== undefined ? `; the certificate expires in ${days} day${days === 1 ? '' : 's'}` : ''}: is the cert-manager controller running?`,
              evidence,
              places: u.users.map((x) => ({ resource: x.ref, port: x.port })),
              remediation: { summary: 'Check the cert-manager controller (pods, logs) and the Certificate events.', commands: [describe('certificate', cert), 'kubectl get pods -A -l app.kubernetes.io/name=cert-manager'] },
            }),
          );
        }
      }
    }
    return findings;
  },
};

/** cert-manager dnsNames wildcard `*.a.com` covers exactly one label (what the issued certificate will cover). */
function matchHostPattern(pattern: string, host: string): boolean {
  const suffix = pattern.slice(1).toLowerCase();
  const h = host.toLowerCase();
  return h.endsWith(suffix) && !h.slice(0, -suffix.length).includes('.') && h.length > suffix.length;
}


