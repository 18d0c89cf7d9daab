// ITLS206-207 from the pod spec: Gateway servers that load certificates from files in the gateway pod
// (the legacy /etc/istio/ingressgateway-certs mount) instead of credentialName/SDS.
import type { Pod, Volume } from '../snapshot/types.js';
import { caRef, createTlsSecretCommand, credentialNameFor, fileVar, fullchainRef, gatewayWithCredentialName, privkeyRef, toYaml } from '../remediation/index.js';
import { findingFor, listWords, podKey, proxyContainer, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import type { CheckModule, CodeSpec, Finding, Remediation } from '../findings/types.js';
import { visible } from '../model/visibility.js';

const codes: CodeSpec[] = [
  {
    code: 'ITLS206',
    severity: 'error',
    title: 'Certificate file not in the gateway pod',
    meaning:
      'A server loads its certificate, key or CA from a file path (serverCertificate/privateKey/caCertificates), and the gateway container has no volume mounted there, or the Secret behind the mount is absent or lacks that file.',
    why: 'Envoy rejects the whole listener when a file is missing ("Invalid path"), so every host on that port goes down with it, not only this one; a restarted gateway pod may never become ready.',
    example: 'serverCertificate: /etc/istio/ingressgateway-certs/tls.crt on a gateway installed with the Helm gateway chart, which mounts nothing there.',
    fix: 'Move the server to credentialName: create a TLS Secret in the gateway pod namespace and replace the file paths by credentialName (YAML in the finding).',
  },
  {
    code: 'ITLS207',
    severity: 'warning',
    title: 'File-mounted certificates in use',
    meaning: 'A server uses file paths for its certificate (the legacy istio-ingressgateway-certs mount) instead of credentialName.',
    why: 'Mounted files are only as current as the pod: renewals need a restart, the Helm gateway chart and newer profiles do not mount them at all, and a missing file takes the whole listener down. credentialName (SDS) reloads without restarts.',
    example: 'tls: {mode: SIMPLE, serverCertificate: /etc/istio/ingressgateway-certs/tls.crt, privateKey: /etc/istio/ingressgateway-certs/tls.key}',
    fix: 'kubectl create secret tls <name> -n <gateway pod namespace> --cert=fullchain.pem --key=privkey.pem, then set tls.credentialName: <name> and drop the file paths.',
  },
];

interface MountFact {
  path: string;
  field: string;
  pod: string;
  /** undefined: covered and backed; otherwise what is wrong, in plain words */
  problem?: string;
  mountPath?: string;
  secretName?: string;
  /** the pod's files were read from inside: the in-pod check judges this path, not the pod spec */
  readInside?: boolean;
}

/** What a container mount at `path` is backed by, and whether the file there can exist. */
function inspectPath(model: Model, pod: Pod, path: string): Omit<MountFact, 'field' | 'pod' | 'path'> {
  const container = proxyContainer(pod);
  if (!container) return { problem: 'no gateway proxy container found in the pod spec' };
  const mounts = (container.volumeMounts ?? [])
    .filter((m) => path === m.mountPath || path.startsWith(m.mountPath.replace(/\/$/, '') + '/'))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mount = mounts[0];
  if (!mount) {
    const mounted = (container.volumeMounts ?? []).map((m) => m.mountPath);
    return { problem: `no volume of container ${container.name} is mounted at or above ${path} (mounts: ${listWords(mounted) || 'none'})` };
  }
  const volume: Volume | undefined = (pod.spec?.volumes ?? []).find((v) => v.name === mount.name);
  const secretName = volume?.secret?.secretName;
  if (!volume || !secretName || !model.wasRead('secrets') || !visible(model.snapshot, 'secrets', pod.metadata.namespace ?? '')) return { mountPath: mount.mountPath, secretName };
  const secret = model.secret(pod.metadata.namespace ?? '', secretName);
  if (!secret) {
    return {
      mountPath: mount.mountPath,
      secretName,
      problem: `${mount.mountPath} is the Secret ${secretName}${volume.secret?.optional ? ' (optional: true)' : ''}, which does not exist in ${pod.metadata.namespace}: the directory is empty`,
    };
  }
  const relative = path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  const items = volume.secret?.items;
  const keys = items ? items.map((i) => i.path) : Object.keys(secret.data ?? {});
  if (relative && !mount.subPath && !keys.includes(relative)) {
    return {
      mountPath: mount.mountPath,
      secretName,
      problem: `Secret ${pod.metadata.namespace}/${secretName} mounted at ${mount.mountPath} has no ${relative} (files: ${listWords(keys) || 'none'})`,
    };
  }
  return { mountPath: mount.mountPath, secretName };
}

/** The migration every file-path finding carries: a Secret in the workload namespace and credentialName. */
/**
 * The migration every file-path finding carries: one Secret per distinct certificate file, created in the
 * workload namespace, and the Gateway (one object, every file server switched) pointing at them.
 */
export function migrateToCredentialName(gm: GatewayModel, servers: ServerModel[]): Remediation {
  const namespaces = gm.workloadNamespaces.length ? gm.workloadNamespaces : ['<gateway-pod-namespace>'];
  const groups = new Map<string, ServerModel[]>();
  for (const s of servers) {
    const key = `${s.server.tls?.serverCertificate ?? s.server.tls?.tlsCertificates?.[0]?.serverCertificate ?? ''}|${s.server.tls?.caCertificates ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const commands: string[] = [];
  const names: string[] = [];
  let gateway = gm.gateway;
  for (const group of groups.values()) {
    const hosts = group.flatMap((s) => s.hosts.map((h) => h.host));
    let name = credentialNameFor(hosts, gm.ref.name);
    while (names.includes(name)) name = `${name.replace(/-tls$/, '')}-2-tls`;
    names.push(name);
    const mutual = group.some((s) => s.server.tls?.caCertificates);
    for (const ns of namespaces) {
      commands.push(
        mutual
          ? `kubectl create secret generic ${name} -n ${ns} --from-file=tls.crt=${fullchainRef(name, ns)} --from-file=tls.key=${privkeyRef(name, ns)} --from-file=ca.crt=${caRef(name, ns)} --dry-run=client -o yaml | kubectl apply -f -`
          : createTlsSecretCommand(name, ns),
      );
    }
    gateway = gatewayWithCredentialName(gateway, name, group.map((s) => s.index));
  }
  const hosts = servers.flatMap((s) => s.hosts.map((h) => h.host));
  return {
    summary:
      `Serve ${listWords(hosts)} through SDS: create Secret${names.length > 1 ? 's' : ''} ${names.join(', ')} in ${namespaces.join(', ')} (where the gateway pods run, not where the Gateway lives) ` +
      `from your certificate chain and key, then point the Gateway at ${names.length > 1 ? 'them' : 'it'} with credentialName. SDS reloads renewed certificates without restarting the gateway.`,
    commands,
    yaml: toYaml(gateway),
    notes: [
      `Set ${names.map((n) => fileVar(n, 'FULLCHAIN')).join(', ')} to the full chain (leaf first, then intermediates)` + (names.length > 1 ? ', a different one per Secret (each replaces one certificate file).' : '.'),
      'Once no Gateway uses the file paths any more, the istio-ingressgateway-certs mount and Secret can go.',
    ],
  };
}

export const mountsCheck: CheckModule = {
  id: 'mounts',
  codes,
  reads: ['gateways', 'pods', 'secrets'],
  run(snapshot, _options, model) {
    const out: Finding[] = [];
    // a pod whose files were read from inside (exec) is judged by the in-pod check from what is really there;
    // the pod spec is the evidence only where nobody looked (offline, --no-exec, exec refused)
    const readInside = (pod: Pod) =>
      snapshot.inspections.some((i) => i.namespace === (pod.metadata.namespace ?? '') && i.pod === pod.metadata.name && i.fileAccess.state === 'ok');
    for (const gm of model.gateways) {
      // with credentialName set, istiod ignores the file paths (ITLS406 says so): nothing is loaded from files
      const fileServers = gm.servers.filter(
        (s) => s.filePaths.length > 0 && s.credentialNames.length === 0 && s.mode !== 'PASSTHROUGH' && s.mode !== 'AUTO_PASSTHROUGH' && s.mode !== 'ISTIO_MUTUAL',
      );
      if (fileServers.length === 0) continue;
      const fix = migrateToCredentialName(gm, fileServers);
      for (const server of fileServers) {
        const facts: MountFact[] = [];
        for (const pod of gm.pods) {
          const inside = readInside(pod);
          for (const fp of server.filePaths) facts.push({ path: fp.path, field: fp.field, pod: podKey(pod), readInside: inside, ...inspectPath(model, pod, fp.path) });
        }
        const hosts = server.hosts.map((h) => h.host);
        const problems = facts.filter((f) => f.problem && !f.readInside);
        const alsoDown = model.hostsSharingListener(server);
        if (problems.length) {
          const first = problems[0];
          const evidence: Finding['evidence'] = {
            paths: server.filePaths.map((f) => `${f.field}: ${f.path}`),
            problems: [...new Set(problems.map((p) => `${p.pod}: ${p.problem}`))],
          };
          if (alsoDown.length) evidence.alsoDown = alsoDown;
          out.push(
            findingFor(codes, 'ITLS206', {
              resource: gm.ref,
              host: hosts[0],
              port: server.port,
              message:
                `Server ${server.port} of Gateway ${gm.ref.name} (${listWords(hosts)}) loads ${first.path}, but ${first.problem}. ` +
                `Envoy rejects the listener on port ${server.port}` +
                (alsoDown.length ? `; also down: ${listWords(alsoDown)}.` : '.'),
              evidence,
              remediation: fix,
            }),
          );
        }
        const evidence: Finding['evidence'] = {
          paths: server.filePaths.map((f) => `${f.field}: ${f.path}`),
          mountedFrom: [...new Set(facts.filter((f) => f.secretName).map((f) => `${f.pod}: Secret ${f.secretName} at ${f.mountPath}`))],
        };
        out.push(
          findingFor(codes, 'ITLS207', {
            resource: gm.ref,
            host: hosts[0],
            port: server.port,
            message:
              `Gateway ${gm.ref.name} serves ${listWords(hosts)} on port ${server.port} from files in the pod (${server.filePaths.map((f) => f.path).join(', ')}); ` +
              `renewals need a pod restart and a missing file takes down the listener. Use credentialName instead.`,
            evidence,
            remediation: fix,
          }),
        );
      }
    }
    return out;
  },
};
