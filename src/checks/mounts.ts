// ITLS206-207 from the pod spec: Gateway servers that load certificates from files in the gateway pod
// (the legacy /etc/istio/ingressgateway-certs mount) instead of credentialName/SDS.
import type { Pod, Volume } from '../snapshot/types.js';
import { findingFor } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { podKey, proxyContainer, type Model } from '../model/model.js';
import type { CheckModule } from './types.js';
import type { Finding } from '../findings/types.js';
import { visible } from '../model/visibility.js';
import { mountsCodes } from '../findings/codes/mounts.js';
import { migrateToCredentialName } from '../remediation/mounts.js';

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

export const mountsCheck: CheckModule = {
  id: 'mounts',
  codes: mountsCodes,
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
      const fix = migrateToCredentialName(model, gm, fileServers);
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
            findingFor(mountsCodes, 'ITLS206', {
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
          findingFor(mountsCodes, 'ITLS207', {
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
