// ITLS206/208/210/213 from inside the gateway pod: what Envoy reports it loaded (port-forward to
// the admin API or `pilot-agent request GET`) and the mounted files read by exec — filled by
// src/cluster/inspect.ts into snapshot.inspections, empty offline (these checks stay silent then).
// What could not be inspected is in snapshot.unreadable (pods/exec, pods/portforward) and becomes
// ITLS901 in doctor.ts, so a pod we could not see is never reported healthy.
import type { Pod, PodInspection, Snapshot } from '../snapshot/types.js';
import type { CertFacts } from '../tls/types.js';
import { findingFor } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { mountedSecretFor, podKey, type CredentialResolution, type Model, type ServerModel } from '../model/model.js';
import { gatewayApiModel, listenerHosts } from '../model/gateway-api.js';
import { migrateToCredentialName } from '../remediation/mounts.js';
import { mountsCodes } from '../findings/codes/mounts.js';
import type { CheckModule } from './types.js';
import type { CodeSpec, Finding, Remediation, ResourceRef } from '../findings/types.js';
import { inpodCodes } from '../findings/codes/inpod.js';
import { leafOf, envoySecretFor, inspectionFor, describeSerial as describe, certEvidence } from '../model/envoy.js';
import { restartCommand, restartK8sGatewayCommand } from '../remediation/inpod.js';

// ITLS206 (mounts area) is also reported from inside the pod: a file Envoy could not load
const code206 = mountsCodes.find((c) => c.code === 'ITLS206') as CodeSpec;
const allCodes = [...inpodCodes, code206];

interface Group {
  key: string;
  pods: string[];
  podObjs: Pod[];
  build: (pods: string[], podObjs: Pod[]) => Finding;
}

function add(groups: Map<string, Group>, key: string, pod: Pod, build: Group['build']): void {
  const g = groups.get(key) ?? { key, pods: [], podObjs: [], build };
  g.pods.push(podKey(pod));
  g.podObjs.push(pod);
  groups.set(key, g);
}

/** The Secret key a file path reads through the pod's volume mounts (for ITLS208). */
function secretBehind(model: Model, pod: Pod, path: string): { secret: string; key: string; pem?: string } | undefined {
  const mounted = mountedSecretFor(pod, path);
  if (!mounted) return undefined;
  const b64 = model.secret(pod.metadata.namespace ?? '', mounted.secretName)?.data?.[mounted.key];
  return { secret: `${pod.metadata.namespace}/${mounted.secretName}`, key: mounted.key, pem: b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined };
}

export const inPodCheck: CheckModule = {
  id: 'inpod',
  codes: inpodCodes,
  reads: ['inspections', 'gateways', 'pods', 'secrets'],
  run(snapshot, options, model) {
    if (snapshot.inspections.length === 0) return [];
    const groups = new Map<string, Group>();
    const now = options.now;
    for (const gm of model.gateways) {
      const terminating = gm.servers.filter((s) => s.mode === 'SIMPLE' || s.mode === 'MUTUAL' || s.mode === 'OPTIONAL_MUTUAL');
      for (const pod of gm.pods) {
        const insp = inspectionFor(snapshot, pod);
        if (!insp) continue;
        const envoyOk = insp.envoy.state === 'ok' && insp.envoy.secrets !== undefined;
        for (const server of terminating) {
          const hosts = server.hosts.map((h) => h.host);
          const where = `server ${server.port} of Gateway ${gm.ref.name} (${listWords(hosts)})`;
          const base = { resource: gm.ref, host: hosts[0], port: server.port };

          // ---- SDS credentials (ITLS210) ----
          for (const cred of server.credentialNames) {
            if (!envoyOk) continue;
            sdsCheck(groups, snapshot, now, {
              key: `${gm.ref.namespace}/${gm.ref.name}|${server.index}|${cred}`,
              pod,
              insp,
              base,
              where,
              credentialName: cred,
              resolution: model.credential(cred, pod.metadata.namespace ?? ''),
              restart: (podObjs) => restartCommand(podObjs, gm),
            });
          }

          // ---- legacy file paths (ITLS206 from inside, ITLS208, ITLS210 for file-cert secrets) ----
          const certPath = server.server.tls?.serverCertificate;
          if (server.credentialNames.length > 0 || !certPath) continue;
          const invalid = insp.files.find((f) => f.path === certPath && f.error?.startsWith('invalid path'));
          if (invalid) {
            add(groups, `206inv|${gm.ref.namespace}/${gm.ref.name}|${server.index}`, pod, (pods) =>
              findingFor(allCodes, 'ITLS206', {
                ...base,
                message: `${where}: serverCertificate ${JSON.stringify(certPath)} is not a usable file path (${invalid.error?.replace(/^invalid path: /, '')}); the doctor did not read it and Envoy cannot load it.`,
                evidence: { path: certPath, problem: invalid.error ?? 'invalid path', pods },
                remediation: migrateToCredentialName(model, gm, [server]),
              }),
            );
            continue;
          }
          const fileSecret = envoyOk ? (insp.envoy.secrets ?? []).find((s) => s.name.startsWith(`file-cert:${certPath}~`)) : undefined;
          const dir = insp.directories.find((d) => certPath.startsWith(`${d.path}/`));
          const file = insp.files.find((f) => f.path === certPath);
          const dirEmpty = dir && (!dir.exists || dir.entries.length === 0);
          const notLoaded = envoyOk && (!fileSecret || fileSecret.state !== 'ACTIVE');
          if (dirEmpty || notLoaded || (file && !file.exists)) {
            add(groups, `206in|${gm.ref.namespace}/${gm.ref.name}|${server.index}`, pod, (pods) => {
              const seen: string[] = [];
              if (dir && !dir.exists) seen.push(`${dir.path} does not exist in the pod`);
              else if (dir && dir.entries.length === 0) seen.push(`the mounted directory ${dir.path} is empty`);
              else if (file && !file.exists) seen.push(`${certPath} is not in the pod${dir ? ` (${dir.path} holds ${listWords(dir.entries)})` : ''}`);
              if (envoyOk) seen.push(fileSecret ? `Envoy has ${fileSecret.name.split('~')[0]} in ${fileSecret.state}` : `Envoy has not loaded ${certPath}`);
              const evidence: Finding['evidence'] = { path: certPath, seenInside: seen, pods };
              if (dir) evidence.directory = { path: dir.path, exists: dir.exists, entries: dir.entries };
              return findingFor(allCodes, 'ITLS206', {
                ...base,
                message: `Inside ${listWords(pods)}: ${seen.join('; ')} — ${where} has no certificate to serve.`,
                evidence,
                remediation: migrateToCredentialName(model, gm, [server]),
              });
            });
            continue;
          }
          const behind = secretBehind(model, pod, certPath);
          const secretLeaf = leafOf(behind?.pem);
          const fileLeaf = leafOf(file?.content);
          if (behind && secretLeaf && fileLeaf && fileLeaf.fingerprint256 !== secretLeaf.fingerprint256) {
            add(groups, `208|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${fileLeaf.fingerprint256}`, pod, (pods, podObjs) =>
              findingFor(allCodes, 'ITLS208', {
                ...base,
                message:
                  `${certPath} in ${listWords(pods)} has ${describe(fileLeaf, now)}, but Secret ${behind.secret} (key ${behind.key}) mounted there holds ${describe(secretLeaf, now)}: the mount is stale.`,
                evidence: { path: certPath, secret: behind.secret, key: behind.key, mountedCertificate: certEvidence(fileLeaf), secretCertificate: certEvidence(secretLeaf), pods },
                remediation: {
                  ...migrateToCredentialName(model, gm, [server]),
                  summary: `Restart the gateway pods to remount Secret ${behind.secret} now (${restartCommand(podObjs, gm)}), then move ${listWords(hosts)} to credentialName so renewals reach Envoy without restarts.`,
                  commands: [restartCommand(podObjs, gm), ...(migrateToCredentialName(model, gm, [server]).commands ?? [])],
                },
              }),
            );
          }
          const loadedLeaf = leafOf(fileSecret?.certificateChainPem);
          const reference = fileLeaf ?? secretLeaf;
          if (loadedLeaf && reference && loadedLeaf.fingerprint256 !== reference.fingerprint256) {
            add(groups, `210f|${gm.ref.namespace}/${gm.ref.name}|${server.index}|${loadedLeaf.fingerprint256}`, pod, (pods, podObjs) =>
              findingFor(allCodes, 'ITLS210', {
                ...base,
                message: `Envoy in ${listWords(pods)} serves ${describe(loadedLeaf, now)} for ${certPath}, but the ${fileLeaf ? 'file' : `Secret ${behind?.secret}`} holds ${describe(reference, now)}.`,
                evidence: { path: certPath, envoyState: 'ACTIVE', servedCertificate: certEvidence(loadedLeaf), expectedCertificate: certEvidence(reference), pods },
                remediation: { summary: 'Envoy did not reload the renewed file. Restart the gateway pods, then move to credentialName.', commands: [restartCommand(podObjs, gm)] },
              }),
            );
          }
        }
      }

      // ---- rejected listeners (ITLS213) ----
      for (const pod of gm.pods) {
        const insp = inspectionFor(snapshot, pod);
        if (!insp || insp.envoy.state !== 'ok') continue;
        const rejected = insp.envoy.rejectedListeners ?? [];
        const counter = insp.envoy.listenerStats?.['listener_manager.lds.update_rejected'] ?? 0;
        if (rejected.length === 0 && counter === 0) continue;
        const ports = new Set(rejected.map((r) => Number(r.name.split('_').pop())).filter((n) => Number.isFinite(n)));
        const servers = gm.servers.filter((s) => terminatingOrTls(s) && (ports.size === 0 || ports.has(s.port) || ports.has(model.listenPortOn(pod, s.port))));
        if (servers.length === 0 && ports.size > 0) continue; // another Gateway's listener
        const key = `213|${gm.ref.namespace}/${gm.ref.name}|${JSON.stringify(rejected)}|${counter}`;
        add(groups, key, pod, (pods) => {
          const hosts = [...new Set(servers.flatMap((s) => s.hosts.map((h) => h.host)))];
          const details = rejected.map((r) => `${r.name}: ${r.error}`);
          return findingFor(allCodes, 'ITLS213', {
            resource: gm.ref,
            host: hosts[0],
            port: servers[0]?.port,
            message:
              `Envoy in ${listWords(pods)} rejected ${rejected.length ? `listener ${listWords(rejected.map((r) => r.name))}` : 'a listener update'}` +
              `${details.length ? `: ${details[0]}` : ` (listener_manager.lds.update_rejected = ${counter})`}. Hosts on that port are down or stuck on old config: ${listWords(hosts) || 'unknown'}.`,
            evidence: { rejected: details, updateRejected: counter, pods, hosts },
            remediation: {
              summary: 'Fix or remove the server the rejection names (a missing certificate file or an invalid certificate/key is the usual cause); Envoy applies the listener on the next push.',
              commands: [`istioctl analyze -n ${gm.ref.namespace ?? 'default'}`, `kubectl logs ${pods[0].split('/')[1]} -n ${pods[0].split('/')[0]} -c istio-proxy | grep -iE 'rejected|lds'`],
            },
          });
        });
      }
    }
    // ---- Gateway API gateways (ITLS210): the same comparison, under the names Istio gives them ----
    for (const gm of gatewayApiModel(model).gateways) {
      for (const pod of gm.pods) {
        const insp = inspectionFor(snapshot, pod);
        if (!insp || insp.envoy.state !== 'ok' || insp.envoy.secrets === undefined) continue;
        for (const l of gm.listeners) {
          if (l.mode !== 'Terminate') continue;
          const hosts = listenerHosts(l);
          for (const ref of l.certRefs) {
            // refused refs and missing Secrets are the Gateway API checks' findings; nothing to compare here
            if (!ref.supported || !ref.permitted || !ref.resolution) continue;
            sdsCheck(groups, snapshot, now, {
              key: `${gm.namespace}/${gm.gateway.metadata.name}|${l.name}|${ref.index}`,
              pod,
              insp,
              base: { resource: gm.ref, host: hosts[0], port: l.port },
              where: `listener ${l.name} (port ${l.port}) of Gateway ${gm.gateway.metadata.name} (${listWords(hosts)})`,
              credentialName: `kubernetes-gateway://${ref.namespace}/${ref.name}`,
              resolution: ref.resolution,
              restart: (podObjs) => restartK8sGatewayCommand(podObjs, gm),
            });
          }
        }
      }
    }
    return [...groups.values()].map((g) => g.build(g.pods, g.podObjs));
  },
};

interface SdsSubject {
  /** groups findings: same Gateway, server/listener and credential */
  key: string;
  pod: Pod;
  insp: PodInspection;
  base: { resource: ResourceRef; host?: string; port?: number };
  /** "server 443 of Gateway x (hosts)" */
  where: string;
  credentialName: string;
  resolution: CredentialResolution;
  restart: (pods: Pod[]) => string;
}

/** ITLS210 for one SDS credential on one pod: Envoy holds it missing, WARMING, or with another leaf than the Secret's. */
function sdsCheck(groups: Map<string, Group>, snapshot: Snapshot, now: Date, x: SdsSubject): void {
  const { resolution, where, base } = x;
  const expected = leafOf(resolution.decoded?.certificates[0]?.pem);
  if (!expected) return; // no usable Secret: the credential checks report that
  const found = envoySecretFor(x.insp, x.credentialName);
  // builtin:// is the workload certificate; an external SDS server's is not the Secret's
  if (!found || found.external) return;
  const { name, served } = found;
  const servedLeaf = leafOf(served?.certificateChainPem);
  const secretRef = `${resolution.namespace}/${resolution.name}`;
  let kind: string;
  if (!served) kind = 'missing';
  else if (served.state === 'WARMING') kind = 'warming';
  else if (servedLeaf && servedLeaf.fingerprint256 !== expected.fingerprint256) kind = 'stale';
  else return;
  add(groups, `210|${x.key}|${kind}|${servedLeaf?.fingerprint256 ?? ''}`, x.pod, (pods, podObjs) => {
    const evidence: Finding['evidence'] = { credential: name, secret: secretRef, envoyState: served ? served.state : 'absent', pods, secretCertificate: certEvidence(expected) };
    if (servedLeaf) evidence.servedCertificate = certEvidence(servedLeaf);
    const restart = x.restart(podObjs);
    const istiodLogs = `kubectl logs deploy/istiod -n ${snapshot.istioNamespace} --since=1h | grep -i '${resolution.name}'`;
    let message: string;
    let remediation: Remediation;
    if (kind === 'stale') {
      message =
        `Envoy in ${listWords(pods)} serves ${name} with ${describe(servedLeaf as CertFacts, now)}, but Secret ${secretRef} holds ${describe(expected, now)} — ` +
        `${where} still presents the old certificate.`;
      remediation = {
        summary: `istiod did not push the renewed Secret ${secretRef} to the gateway. Check istiod's log for it, then restart the gateway pods so Envoy fetches the current certificate over SDS.`,
        commands: [istiodLogs, restart],
        notes: ['A rolling restart keeps the gateway serving while pods are replaced (with more than one replica).'],
      };
    } else if (kind === 'warming') {
      message = `Envoy in ${listWords(pods)} has ${name} in WARMING: istiod has not delivered Secret ${secretRef}, so ${where} has no certificate to serve.`;
      remediation = {
        summary: `Envoy is still waiting for ${name}. istiod serves it only when the gateway's service account may read Secret ${secretRef} and its data has tls.crt/tls.key (or cert/key) it can parse. Check istiod's log, fix the cause, then restart the gateway pods.`,
        commands: [`kubectl describe secret ${resolution.name} -n ${resolution.namespace}`, istiodLogs, restart],
      };
    } else {
      message = `Envoy in ${listWords(pods)} has no secret ${name} at all: ${where} is not configured with Secret ${secretRef} in the running proxy.`;
      remediation = {
        summary: `The running Envoy never received this server's credential. Check that istiod pushed the Gateway (istioctl proxy-status) and its log, then restart the gateway pods.`,
        commands: [`istioctl proxy-status`, istiodLogs, restart],
      };
    }
    return findingFor(allCodes, 'ITLS210', { ...base, message, evidence, remediation });
  });
}

function terminatingOrTls(s: ServerModel): boolean {
  return s.protocol === 'HTTPS' || s.protocol === 'TLS' || s.mode !== undefined;
}

