// ITLS701-707: Kubernetes Gateway API (gateway.networking.k8s.io) Gateways that Istio runs, judged with
// Istio's semantics: the pods it deploys (or the Service a Hostname address names), certificateRefs to
// Secrets (ReferenceGrant across namespaces), routes attached by parentRefs/allowedRoutes/hostnames, and
// the same certificate engine as Istio Gateways for every Secret a listener serves. The status conditions
// Istio writes are shown as evidence; the verdict is computed from the objects.
import type { Condition, GatewayListener, KubernetesGateway, ReferenceGrant } from '../snapshot/types.js';
import { cleanObject } from '../remediation/objects.js';
import { copySecretCommand, createTlsSecretCommand, toYaml } from '../remediation/common.js';
import { certificateFindingsFor, type CertificateTarget } from './common/certificates.js';
import { credentialCodes } from '../findings/codes/credentials.js';
import { sameCredentialProblem } from '../findings/causes.js';
import { clientCaSource, listenerTlsMode, TLS_TERMINATE_MODE_OPTION } from '../snapshot/gateway-api-tls.js';
import { clientCaBundle } from '../remediation/certificates.js';
import {
  GATEWAY_GROUP,
  describeGateway,
  gatewayApiModel,
  inScope,
  isTlsListener,
  listenerHosts,
  type CertRefModel,
  type K8sGatewayModel,
  type ListenerModel,
} from '../model/gateway-api.js';
import { findingFor } from '../findings/types.js';
import { withCause, type FindingKey } from '../findings/causes.js';
import { describeServer, gatewayApiConflicts, orderReason, type HostConflict, type MergeServer } from '../model/gateway-merge.js';
import { listWords } from '../findings/voice.js';
import type { Model } from '../model/model.js';
import type { CheckModule } from './types.js';
import type { EvidenceValue, Finding, Remediation } from '../findings/types.js';
import { gatewayApiCodes } from '../findings/codes/gateway-api.js';

const GRANT_API = 'gateway.networking.k8s.io/v1beta1';

function conditionsText(conditions: Condition[] | undefined): string[] {
  return (conditions ?? []).filter((c) => c.status !== 'True' || c.type === 'Programmed').map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`);
}

function listenerStatus(gm: K8sGatewayModel, name: string): string[] {
  return conditionsText(gm.gateway.status?.listeners?.find((l) => l.name === name)?.conditions).filter((t) => !t.startsWith('Programmed=True'));
}

function baseEvidence(l: ListenerModel): Record<string, EvidenceValue> {
  const e: Record<string, EvidenceValue> = {
    gatewayClass: l.gm.className,
    listener: l.name,
    port: l.port,
    protocol: l.protocol,
  };
  if (l.listener.hostname) e.hostname = l.listener.hostname;
  if (l.mode) e.tlsMode = l.mode;
  const status = listenerStatus(l.gm, l.name);
  if (status.length) e.istioStatus = status;
  return e;
}

function gatewayWithListener(gateway: KubernetesGateway, name: string, edit: (l: GatewayListener) => void): KubernetesGateway {
  const g = cleanObject(gateway, { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway' });
  const l = g.spec.listeners?.find((x) => x.name === name);
  if (l) edit(l);
  return g;
}

function referenceGrant(gm: K8sGatewayModel, c: CertRefModel): ReferenceGrant {
  return {
    apiVersion: GRANT_API,
    kind: 'ReferenceGrant',
    metadata: { name: `allow-gateways-from-${gm.namespace}`.slice(0, 63).replace(/-+$/, ''), namespace: c.namespace },
    spec: {
      from: [{ group: GATEWAY_GROUP, kind: 'Gateway', namespace: gm.namespace }],
      to: [{ group: '', kind: 'Secret', name: c.name }],
    },
  } as ReferenceGrant;
}

function certRefFindings(model: Model, l: ListenerModel, hosts: string[]): Finding[] {
  const out: Finding[] = [];
  const gm = l.gm;
  const primaryHost = hosts[0];
  for (const c of l.certRefs) {
    const evidence = { ...baseEvidence(l), certificateRef: `${c.ref.group ?? ''}/${c.ref.kind ?? 'Secret'} ${c.namespace}/${c.name}`, hosts };
    if (!c.supported) {
      out.push(
        findingFor(gatewayApiCodes, 'ITLS701', {
          resource: gm.ref,
          host: primaryHost,
          port: l.port,
          message: `listener ${l.name} references ${c.ref.kind ?? 'Secret'} ${c.name} in group "${c.ref.group ?? ''}": Istio loads certificates from core Secrets only, so the listener serves none`,
          evidence,
          remediation: {
            summary: `Reference the Secret that holds the certificate (group "", kind Secret) in listener ${l.name}.`,
            yaml: toYaml(gatewayWithListener(gm.gateway, l.name, (x) => {
              const r = x.tls?.certificateRefs?.[c.index];
              if (r) {
                delete r.group;
                r.kind = 'Secret';
              }
            })),
          },
        }),
      );
      continue;
    }
    if (!c.permitted) {
      out.push(
        findingFor(gatewayApiCodes, 'ITLS702', {
          resource: gm.ref,
          host: primaryHost,
          port: l.port,
          message: `Listener ${l.name} references Secret ${c.namespace}/${c.name} in another namespace, and no ReferenceGrant in ${c.namespace} allows Gateways from ${gm.namespace} to use it: Istio refuses the reference (RefNotPermitted) and serves no certificate.`,
          evidence: { ...evidence, referenceGrants: model.snapshot.referenceGrants.filter((g) => g.metadata.namespace === c.namespace).map((g) => g.metadata.name) },
          remediation: {
            summary: `Allow Gateways in ${gm.namespace} to reference Secret ${c.name} with a ReferenceGrant in ${c.namespace} (or copy the Secret into ${gm.namespace} and drop the namespace from the reference).`,
            yaml: toYaml(referenceGrant(gm, c)),
          },
        }),
      );
      continue;
    }
    if (!c.resolution?.secret) {
      if (!model.wasRead('secrets')) continue;
      const elsewhere = model.snapshot.secrets.filter((s) => s.metadata.name === c.name && s.metadata.namespace !== c.namespace).map((s) => s.metadata.namespace ?? '');
      const remediation: Remediation = elsewhere.length
        ? {
            summary: `Copy Secret ${c.name} from ${elsewhere[0]} into ${c.namespace}, where the listener reads it (or reference it in ${elsewhere[0]} with a ReferenceGrant there).`,
            commands: [copySecretCommand(c.name, elsewhere[0], c.namespace)],
          }
        : {
            summary: `Create Secret ${c.name} in ${c.namespace} with the certificate chain and key for ${listWords(hosts)}.`,
            commands: [createTlsSecretCommand(c.name, c.namespace)],
          };
      out.push(
        findingFor(gatewayApiCodes, 'ITLS701', {
          resource: gm.ref,
          host: primaryHost,
          port: l.port,
          message: `listener ${l.name} references Secret ${c.namespace}/${c.name}, which does not exist${elsewhere.length ? ` (a Secret of that name exists in ${elsewhere.join(', ')})` : ''}: the listener serves no certificate`,
          evidence: { ...evidence, ...(elsewhere.length ? { foundIn: elsewhere } : {}) },
          remediation,
        }),
      );
      continue;
    }
    // decoding problems: the same ITLS202-205 an Istio Gateway's credential gets. ITLS205 (the client CA)
    // only where the listener is mutual through the tls-terminate-mode option alone: then istiod reads the
    // CA from this Secret (or <name>-cacert), as for an Istio Gateway; frontend validation names its own.
    const decoded = c.resolution.decoded;
    const caFromSecret = c.index === 0 && clientCaSource(gm.gateway, l.listener) === 'secret';
    if (caFromSecret && decoded && !decoded.caKey && !decoded.caSource && !decoded.issues.some((i) => i.code === 'ITLS205')) {
      const mode = listenerTlsMode(gm.gateway, l.listener);
      out.push(
        sameCredentialProblem(findingFor(credentialCodes, 'ITLS205', {
          resource: gm.ref,
          host: primaryHost,
          port: l.port,
          message: `Listener ${l.name} asks clients for a certificate (${TLS_TERMINATE_MODE_OPTION}: ${mode}), but Secret ${c.namespace}/${c.name} has no "cacert" or "ca.crt" key and no Secret ${c.name}-cacert exists: the gateway has no CA to verify client certificates with.`,
          evidence: { ...evidence, mode: mode ?? null, keys: Object.keys(c.resolution.secret?.data ?? {}).sort() },
          remediation: clientCaBundle({ name: c.name, namespace: c.namespace, hosts: hosts.filter((h) => h !== '*') }),
        }), ['no-client-ca', mode ?? null]),
      );
    }
    for (const issue of decoded?.issues ?? []) {
      if (issue.code === 'ITLS205' && !caFromSecret) continue; // the listener asks for no client certificate, or names its CA in frontend validation
      // one problem of the Secret, whichever listener reads it: one finding, the other listeners as places
      out.push(
        sameCredentialProblem(findingFor(credentialCodes, issue.code, {
          resource: gm.ref,
          host: primaryHost,
          port: l.port,
          severity: issue.severity,
          message: `${issue.message} (Secret ${c.namespace}/${c.name}, listener ${l.name})`,
          evidence: { ...evidence, ...(issue.evidence ?? {}) },
          remediation: {
            summary: `Recreate Secret ${c.name} in ${c.namespace} from the PEM files: the full chain under tls.crt and the matching unencrypted key under tls.key.`,
            commands: [createTlsSecretCommand(c.name, c.namespace)],
          },
        }), [issue.field ?? null, issue.cause ?? null, issue.evidence ?? null]),
      );
    }
  }
  return out;
}

/** Certificate targets for the shared engine: one per usable Secret of a Terminate listener. */
export function listenerCertificateTargets(l: ListenerModel, hosts: string[]): CertificateTarget[] {
  const out: CertificateTarget[] = [];
  for (const c of l.certRefs) {
    const decoded = c.resolution?.decoded;
    if (!c.supported || !c.permitted || !decoded?.certificates.length) continue;
    out.push({
      resource: l.gm.ref,
      port: l.port,
      hosts,
      decoded,
      source: `Secret ${c.namespace}/${c.name}, listener ${l.name}`,
      credential: { name: c.name, namespace: c.namespace, hosts: hosts.filter((h) => h !== '*'), ...(decoded.certKey ? { certKey: decoded.certKey } : {}) },
      evidence: { ...baseEvidence(l), secret: `${c.namespace}/${c.name}` },
    });
  }
  return out;
}

function podFindings(model: Model, gm: K8sGatewayModel): Finding[] {
  if (gm.pods.length > 0 || !model.wasRead('pods')) return [];
  const status = conditionsText(gm.gateway.status?.conditions);
  if (gm.addressHostname) {
    const what = gm.service
      ? `Service ${gm.service.metadata.namespace}/${gm.service.metadata.name} selects no pod`
      : `no Service ${gm.addressHostname} exists`;
    if (!gm.service && !model.wasRead('services')) return [];
    return [
      findingFor(gatewayApiCodes, 'ITLS704', {
        resource: gm.ref,
        message: `Gateway ${gm.namespace}/${gm.gateway.metadata.name} is deployed manually (spec.addresses names ${gm.addressHostname}), but ${what}: nothing serves its listeners`,
        evidence: { gatewayClass: gm.className, address: gm.addressHostname, ...(status.length ? { istioStatus: status } : {}) },
        remediation: {
          summary: `Point spec.addresses at the Service of the gateway pods that should serve this Gateway (value: <service>.<namespace>.svc.cluster.local, type Hostname).`,
          commands: [describeGateway(gm), `kubectl get services -A -l istio=ingressgateway`],
        },
      }),
    ];
  }
  return [
    findingFor(gatewayApiCodes, 'ITLS704', {
      resource: gm.ref,
      message: `no pod in ${gm.namespace} is labelled gateway.networking.k8s.io/gateway-name=${gm.gateway.metadata.name}: the Deployment ${gm.deploymentName} Istio creates for this Gateway is missing or runs no pod, so nothing serves its listeners`,
      evidence: { gatewayClass: gm.className, deployment: `${gm.namespace}/${gm.deploymentName}`, service: gm.service ? `${gm.namespace}/${gm.service.metadata.name}` : null, ...(status.length ? { istioStatus: status } : {}) },
      remediation: {
        summary: `Find out why Deployment ${gm.deploymentName} has no running pod (istiod creates it for class ${gm.className}; its events and istiod's logs say why).`,
        commands: [describeGateway(gm), `kubectl describe deployment ${gm.deploymentName} -n ${gm.namespace}`, `kubectl get pods -n ${gm.namespace} -l gateway.networking.k8s.io/gateway-name=${gm.gateway.metadata.name}`],
      },
    }),
  ];
}

function routeFindings(model: Model, namespace: string | undefined): Finding[] {
  const m = gatewayApiModel(model);
  const out: Finding[] = [];
  for (const p of m.routeProblems) {
    if (namespace && p.route.route.metadata.namespace !== namespace && p.gateway?.namespace !== namespace) continue;
    // cert-manager's ACME solver routes are judged by ITLS802 (their failure is the challenge's)
    if (p.route.route.metadata.labels?.['acme.cert-manager.io/http01-solver'] === 'true') continue;
    const hosts = p.route.route.spec?.hostnames ?? [];
    let remediation: Remediation | undefined;
    if (p.reason === 'NotAllowedByListeners' && p.gateway && p.refusals?.includes('same-namespace')) {
      const gw = p.gateway;
      const routeNs = p.route.route.metadata.namespace ?? 'default';
      const names = gw.listeners.filter((l) => (p.parentRef.sectionName === undefined || l.name === p.parentRef.sectionName) && (p.parentRef.port === undefined || l.port === p.parentRef.port)).map((l) => l.name);
      let g = cleanObject(gw.gateway, { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway' });
      for (const n of names) {
        g = gatewayWithListener(g, n, (l) => {
          l.allowedRoutes = {
            ...(l.allowedRoutes ?? {}),
            namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...new Set([gw.namespace, routeNs])].sort() }] } },
          };
        });
      }
      remediation = {
        summary: `Admit routes from ${routeNs} on listener${names.length > 1 ? 's' : ''} ${names.join(', ')} of Gateway ${gw.namespace}/${gw.gateway.metadata.name} (a namespace selector naming ${gw.namespace} and ${routeNs}).`,
        yaml: toYaml(g),
      };
    } else if (p.gateway) {
      remediation = {
        summary: `Make the parentRef of ${p.route.kind} ${p.route.route.metadata.namespace}/${p.route.route.metadata.name} name a listener that admits it (sectionName/port, kinds, hostnames), then check its status.`,
        commands: [`kubectl describe ${p.route.kind.toLowerCase()}s.gateway.networking.k8s.io ${p.route.route.metadata.name} -n ${p.route.route.metadata.namespace}`, describeGateway(p.gateway)],
      };
    }
    const parentStatus = conditionsText(
      p.route.route.status?.parents?.find((s) => s.parentRef.name === p.parentRef.name && (s.parentRef.sectionName ?? '') === (p.parentRef.sectionName ?? ''))?.conditions,
    );
    out.push(
      findingFor(gatewayApiCodes, 'ITLS705', {
        resource: p.route.ref,
        ...(hosts[0] ? { host: hosts[0] } : {}),
        message: `${p.message}: requests for ${hosts.length ? listWords(hosts) : 'its hosts'} are not routed by it`,
        evidence: {
          reason: p.reason,
          parentRef: `${p.parentRef.namespace ?? p.route.route.metadata.namespace}/${p.parentRef.name}${p.parentRef.sectionName ? `#${p.parentRef.sectionName}` : ''}${p.parentRef.port ? `:${p.parentRef.port}` : ''}`,
          hostnames: hosts,
          ...(parentStatus.length ? { istioStatus: parentStatus } : {}),
        },
        ...(remediation ? { remediation } : {}),
      }),
    );
  }
  return out;
}

function unroutedListener(model: Model, l: ListenerModel, hosts: string[]): Finding[] {
  if (l.attached.length > 0) return [];
  const kind = l.mode === 'Passthrough' ? 'tlsRoutes' : 'httpRoutes';
  if (!model.wasRead(kind) && model.snapshot.source.kind !== 'offline') return [];
  if (model.snapshot.source.kind === 'live' && model.snapshot.read[kind] !== true) return [];
  const routeKind = l.mode === 'Passthrough' ? 'TLSRoute' : 'HTTPRoute';
  return [
    findingFor(gatewayApiCodes, 'ITLS706', {
      resource: l.gm.ref,
      host: hosts[0],
      port: l.port,
      message: `listener ${l.name} (${l.protocol}${l.mode === 'Passthrough' ? ' Passthrough' : ''}, port ${l.port}) has no ${routeKind} attached: ${l.mode === 'Passthrough' ? 'connections are closed' : 'every request gets 404'} for ${listWords(hosts)}`,
      evidence: { ...baseEvidence(l), hosts, attachedRoutes: l.gm.gateway.status?.listeners?.find((s) => s.name === l.name)?.attachedRoutes ?? null },
      remediation: {
        summary: `Attach a ${routeKind} to listener ${l.name}: parentRefs [{name: ${l.gm.gateway.metadata.name}, namespace: ${l.gm.namespace}, sectionName: ${l.name}}] with hostnames ${listWords(hosts)}.`,
        commands: [describeGateway(l.gm)],
      },
    }),
  ];
}

const ISTIO_GATEWAYS = 'gateways.networking.istio.io';
const K8S_GATEWAYS = 'gateways.gateway.networking.k8s.io';

/** A merged server's Gateway as typed evidence: kind, namespace, name (and the listener of a Gateway-API one). */
function serverRef(s: MergeServer): EvidenceValue {
  return { kind: s.ref.kind, namespace: s.namespace, name: s.ref.name, ...(s.listener ? { listener: s.listener } : {}) };
}

const gatewayName = (s: MergeServer) => `${s.namespace}/${s.ref.name}`;
const serverWords = (s: MergeServer) => `${describeServer(s)}'s ${s.listener ? `listener ${s.listener}` : `server on port ${s.port}`}`;

function readCommand(s: MergeServer, what: 'yaml' | 'created'): string {
  const out = what === 'yaml' ? '-o yaml' : "-o jsonpath='{.metadata.creationTimestamp}'";
  return `kubectl get ${s.k8s ? K8S_GATEWAYS : ISTIO_GATEWAYS} ${s.ref.name} -n ${s.namespace} ${out}`;
}

/** The words of one conflict: what istiod does with the host, and the fix that touches only dead config. */
function conflictWords(c: HostConflict, at: MergeServer, port: number): { message: string; summary: string; notes?: string[]; severity?: 'warning' } {
  const others = [...new Set(c.servers.filter((s) => gatewayName(s) !== gatewayName(at) || s.ref.kind !== at.ref.kind).map(describeServer))];
  const head = `Host ${c.host} on port ${port} is served by ${describeServer(at)} and by ${listWords(others)} on the same gateway pods.`;
  const missing = listWords([...new Set(c.untimed.map(describeServer))]);
  if (c.outcome === 'merges') {
    const order = c.unknown ? undefined : c.servers;
    return {
      severity: 'warning',
      message:
        `${head} They are plain HTTP servers, which istiod does not drop: it merges them into one route table for the port, ` +
        (order
          ? `${describeServer(order[0])}'s routes first (${orderReason(order[0], order[1]).long}); a request takes the first route that matches, so where both match, ${gatewayName(order[0])}'s routes win.`
          : `in the order the Gateways were created (first created, first tried), and the snapshot has no creation time for ${missing}: which routes win where both match cannot be told from here.`),
      summary: `If one Gateway should answer ${c.host} on port ${port}, remove the host from the other; otherwise make sure the routes tried first do not shadow the others'.`,
    };
  }
  if (c.outcome === 'keeps-both') {
    return {
      message:
        `${head} istiod compares their hosts as written (${listWords(c.hostStrings)}), finds no duplicate and keeps both servers, so the listener on port ${c.listenPort} gets two filter chains for the SNI name ${c.host}: ` +
        'Envoy rejects that listener — a gateway pod started now serves nothing on the port, a running one keeps its last accepted listener.',
      summary: `Serve ${c.host} on port ${port} from one Gateway: remove it from ${[...new Set(c.servers.map(describeServer))].join(' or from ')}. Until then Envoy rejects the listener on port ${c.listenPort}.`,
    };
  }
  if (c.unknown) {
    const why =
      c.unknown === 'namespaces'
        ? `whether istiod sees the same host string depends on the namespaces that ${missing}'s namespace selector admits, which the doctor did not read`
        : `istiod keeps the server of the Gateway created first (then by name) and skips every later server that repeats a host, but the snapshot has no creation time for ${missing}`;
    return {
      message: `${head} Which server istiod keeps for it cannot be told from here: ${why}. So which certificate and routes clients get is not known either.`,
      summary: `Serve ${c.host} on port ${port} from one Gateway: find the one istiod ignores (it keeps the Gateway created first; the commands below print the creation times) and remove the host from it — it is dead config.`,
    };
  }
  if (!c.kept) {
    return {
      message: `${head} istiod skips every one of these servers: each repeats a host that a server earlier in its order took, so none of them serves ${c.host} on these pods.`,
      summary: `Serve ${c.host} on port ${port} from one of these Gateways: remove from its server the other hosts that an earlier Gateway already serves.`,
    };
  }
  const kept = c.kept;
  const dropped = [...new Set(c.ignored.flatMap((s) => s.bare.filter((h) => h !== c.host)))].sort();
  const ignoredWords = listWords(c.ignored.map(serverWords));
  const one = c.ignored.length === 1;
  // a listener has one hostname: taking the host out of it is taking the listener out
  const removal = (s: MergeServer) => (s.listener ? `listener ${s.listener} (${c.host}) from ${describeServer(s)}` : `${c.host} from ${serverWords(s)}`);
  return {
    message:
      // the verdict first: the table view shows whole sentences while they fit (why that order: the `order` evidence line)
      `Clients of ${c.host} on port ${port} get the certificate and routes of ${gatewayName(kept)}: on these gateway pods istiod keeps ${describeServer(kept)} (${orderReason(kept, c.ignored[0]).short}) and ignores ${ignoredWords}.` +
      (dropped.length ? ` The whole server is skipped, so ${listWords(dropped)} ${dropped.length > 1 ? 'are' : 'is'} not served by ${one ? 'it' : 'them'} either.` : ''),
    summary:
      `Remove ${listWords(c.ignored.map(removal))}: istiod already ignores ${one ? 'it' : 'them'} for the host, so clients keep getting the certificate and routes of ${gatewayName(kept)}; leave ${describeServer(kept)} as it is.` +
      (dropped.length ? ` ${listWords(dropped)}, dropped with ${one ? 'that server' : 'those servers'} today, ${dropped.length > 1 ? 'are' : 'is'} served by ${one ? 'it' : 'them'} again.` : ''),
    notes: [
      `To serve ${c.host} from ${listWords([...new Set(c.ignored.map(gatewayName))])} instead (finishing a migration), remove it from ${describeServer(kept)}: clients then get the other certificate and routes, so check them first.`,
    ],
  };
}

/**
 * ITLS707: one host and port on the same pods from a Gateway-API Gateway and another Gateway, decided the way
 * istiod merges them (model/gateway-merge.ts, with Istio's file:line): the first in its order keeps a TLS host,
 * the others' servers are ignored; plain HTTP servers are merged; hosts that differ only by namespace keep both
 * servers and Envoy rejects the listener.
 */
function conflictFindings(gateways: K8sGatewayModel[], conflicts: ReturnType<typeof gatewayApiConflicts>): Finding[] {
  const out: Finding[] = [];
  const inScope = new Set(gateways);
  const seen = new Set<string>();
  for (const { conflict: c, pods } of conflicts) {
    const mine = c.servers.filter((s) => s.k8s && inScope.has(s.k8s.gm));
    if (mine.length === 0) continue;
    const key = JSON.stringify([c.host, c.listenPort, c.servers.map((s) => s.id).sort()]);
    if (seen.has(key)) continue;
    seen.add(key);
    // on the Gateway-API Gateway the fix goes to (the ignored one), else the first in scope
    const at = mine.find((s) => c.ignored.includes(s)) ?? mine[0];
    const l = at.k8s!.listener;
    const w = conflictWords(c, at, l.port);
    const others = c.servers.filter((s) => s !== at);
    const names = [...new Set(others.map((s) => `${s.ref.kind} ${gatewayName(s)}`))].sort();
    const timed = c.servers.filter((s) => s.createdText);
    const evidence: Record<string, EvidenceValue> = {
      ...baseEvidence(l),
      alsoServedBy: names,
      istiod: c.outcome,
      ...(c.kept && !c.unknown ? { kept: serverRef(c.kept), ...(c.ignored[0] ? { order: `istiod keeps the first server in its order: ${orderReason(c.kept, c.ignored[0]).long}` } : {}) } : {}),
      ignored: c.unknown ? [] : c.ignored.map(serverRef),
      ...(c.unknown ? { unknown: c.unknown, unknownFor: c.untimed.map(serverRef) } : {}),
      ...(c.outcome === 'keeps-both' ? { hostStrings: c.hostStrings, listenPort: c.listenPort } : {}),
      ...(timed.length ? { created: Object.fromEntries(timed.map((s) => [`${s.ref.kind} ${gatewayName(s)}`, s.createdText!])) } : {}),
      pods: pods.slice(0, 5),
    };
    // istiod never sends Envoy the credential of a server it ignores: the in-pod ITLS210 "absent" about it is
    // this conflict seen from inside the pod, and goes away with the ignored server (the fix)
    const resolves: FindingKey[] = c.kept && !c.unknown ? c.ignored.map((s) => ({ code: 'ITLS210', resource: s.ref, host: c.host, port: s.port })) : [];
    out.push(
      withCause(findingFor(gatewayApiCodes, 'ITLS707', {
        ...(w.severity ? { severity: w.severity } : {}),
        resource: at.ref,
        host: c.host,
        port: l.port,
        message: w.message,
        evidence,
        places: [...new Map(others.map((s) => [`${s.ref.kind} ${gatewayName(s)}`, { resource: s.ref, host: c.host, port: s.port }])).values()],
        remediation: {
          summary: w.summary,
          ...(w.notes ? { notes: w.notes } : {}),
          commands: [...new Set(c.servers.map((s) => readCommand(s, c.unknown === 'creation-time' ? 'created' : 'yaml')))],
        },
      }), { resolves }),
    );
  }
  return out;
}

export const gatewayApiCheck: CheckModule = {
  id: 'gateway-api',
  codes: gatewayApiCodes,
  reads: ['kubernetesGateways', 'gatewayClasses', 'httpRoutes', 'grpcRoutes', 'tlsRoutes', 'referenceGrants', 'namespaces', 'secrets', 'pods', 'services', 'gateways'],
  run(snapshot, options, model) {
    if (snapshot.kubernetesGateways.length === 0) return [];
    const m = gatewayApiModel(model);
    const gateways = inScope(m, options.namespace);
    const findings: Finding[] = [];
    const targets: CertificateTarget[] = [];
    for (const gm of gateways) {
      findings.push(...podFindings(model, gm));
      for (const l of gm.listeners) {
        if (!isTlsListener(l)) continue;
        const hosts = listenerHosts(l);
        if (l.mode === 'Terminate' && l.certRefs.length === 0) {
          findings.push(
            findingFor(gatewayApiCodes, 'ITLS703', {
              resource: gm.ref,
              host: hosts[0],
              port: l.port,
              message: `listener ${l.name} (${l.protocol}, port ${l.port}) terminates TLS but names no certificate (tls.certificateRefs is empty): it is not programmed and ${listWords(hosts)} get no TLS`,
              evidence: { ...baseEvidence(l), hosts },
              remediation: {
                summary: `Give listener ${l.name} the Secret that holds the certificate for ${listWords(hosts)} (the name below is a suggestion: use the Secret you have).`,
                yaml: toYaml(gatewayWithListener(gm.gateway, l.name, (x) => {
                  x.tls = { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: `${(hosts.find((h) => h !== '*') ?? gm.gateway.metadata.name).replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}-tls` }] };
                })),
              },
            }),
          );
        }
        findings.push(...certRefFindings(model, l, hosts));
        targets.push(...listenerCertificateTargets(l, hosts));
        findings.push(...unroutedListener(model, l, hosts));
      }
    }
    findings.push(...certificateFindingsFor(targets, options));
    findings.push(...routeFindings(model, options.namespace));
    findings.push(...conflictFindings(gateways, gatewayApiConflicts(model, m.gateways)));
    return findings;
  },
};
