// ITLS101-106: the gateway pods a Gateway configures, the Services in front of them, and istiod.
import type { ContainerStatus, Pod, Service, ServicePort } from '../snapshot/types.js';
import { targetContainerPort } from '../snapshot/types.js';
import { gatewayWithSelector, toYaml } from '../remediation/index.js';
import { findingFor } from '../findings/types.js';
import { refName, gatewayHosts, isGatewayProxyPod, podKey, proxyContainer, type GatewayModel, type Model } from '../model/model.js';
import { listWords } from '../findings/voice.js';
import type { CheckModule } from './types.js';
import type { Finding } from '../findings/types.js';
import { visible } from '../model/visibility.js';
import { proposeSelector, selectorText as labelsText } from '../remediation/workloads.js';
import { workloadsCodes } from '../findings/codes/workloads.js';
import { imageTagVersion } from '../tls/index.js';

function podReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Version from an image reference (`docker.io/istio/proxyv2:1.22.1-distroless` → `1.22.1`): src/tls/envoy.ts. */
export const imageVersion = imageTagVersion;

function check101(model: Model, gm: GatewayModel): Finding[] {
  if (gm.pods.length > 0) return [];
  const selector = gm.gateway.spec?.selector ?? {};
  const candidates = model.snapshot.pods.filter(isGatewayProxyPod);
  const candidateLabels = candidates.map((p) => {
    const l = p.metadata.labels ?? {};
    const shown = Object.entries(l)
      .filter(([k]) => k === 'istio' || k === 'app' || k.startsWith('istio.io/') || k === 'gateway.networking.k8s.io/gateway-name')
      .map(([k, v]) => `${k}=${v}`);
    return `${podKey(p)} (${shown.join(', ') || 'no istio/app labels'})`;
  });
  const selectorText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') || '(empty)';
  // Suggest the closest label set: gateway pods that share the selector's keys.
  const keys = Object.keys(selector);
  const suggestions = new Map<string, Record<string, string>>();
  for (const p of candidates) {
    const l = p.metadata.labels ?? {};
    if (keys.length && keys.every((k) => l[k] !== undefined)) {
      const proposed = Object.fromEntries(keys.map((k) => [k, l[k]]));
      suggestions.set(JSON.stringify(proposed), proposed);
    }
  }
  const hosts = gatewayHosts(gm);
  const evidence: Finding['evidence'] = {
    selector: selectorText,
    gatewayPods: candidateLabels.length ? candidateLabels : 'no pod that looks like a gateway proxy',
    hosts,
  };
  const finding = findingFor(workloadsCodes, 'ITLS101', {
    resource: gm.ref,
    message:
      `Gateway ${refName(gm.ref)} selects pods with ${selectorText}, and no pod in any namespace has these labels: ` +
      `nothing serves ${listWords(hosts) || 'its servers'}.` +
      (candidates.length ? ` Gateway pods here are labelled: ${listWords(candidateLabels, 3)}.` : ''),
    evidence,
  });
  // the selector of the gateway pods named above (remediation/workloads.ts ranks the deployments; a tie is not guessed)
  const pick = proposeSelector(model, gm, candidates);
  if (pick) {
    finding.remediation = {
      summary: `Select the gateway pods by the labels they carry (${labelsText(pick.selector)}): ${listWords(pick.pods.map(podKey), 3)}.`,
      yaml: toYaml(gatewayWithSelector(gm.gateway, pick.selector)),
      notes: [
        ...(pick.reasons.length ? [`These pods, because ${pick.reasons.join('; ')}.`] : []),
        ...(pick.others.length ? [`Other gateway pods carry ${pick.others.map(labelsText).join(' / ')}: if those should serve these hosts, use that selector instead.`] : []),
      ],
    };
  } else if (suggestions.size > 1) {
    finding.remediation = {
      summary: `Set spec.selector to the labels of the gateway pods that should serve these hosts: ${[...suggestions.values()].map((s) => `{${labelsText(s)}}`).join(' or ')} — nothing here tells which.`,
      commands: ["kubectl get pods -A -l 'istio' --show-labels"],
    };
  } else {
    finding.remediation = {
      summary: 'Set spec.selector to the labels of the gateway pods that should serve these hosts.',
      commands: ["kubectl get pods -A -l 'istio' --show-labels"],
    };
  }
  return [finding];
}

function check102(model: Model, gm: GatewayModel): Finding[] {
  const out: Finding[] = [];
  for (const pod of gm.pods) {
    const proxy = proxyContainer(pod);
    const status = proxy ? (pod.status?.containerStatuses ?? []).find((c) => c.name === proxy.name) : undefined;
    const ready = podReady(pod);
    const crashLooping = !!status && (status.restartCount >= 3 || status.state?.waiting?.reason === 'CrashLoopBackOff');
    if (ready && !crashLooping) continue;
    if (!pod.status) continue; // manifests without status say nothing about readiness
    const evidence: Finding['evidence'] = { phase: pod.status.phase ?? 'unknown' };
    const readyCond = (pod.status.conditions ?? []).find((c) => c.type === 'Ready');
    if (readyCond) evidence.ready = readyCond.status + (readyCond.reason ? ` (${readyCond.reason})` : '');
    if (status) {
      evidence.container = status.name;
      evidence.restarts = status.restartCount;
      if (status.state?.waiting?.reason) evidence.waiting = status.state.waiting.reason;
      const last = status.lastState?.terminated;
      if (last) evidence.lastTermination = `${last.reason ?? 'terminated'} (exit code ${last.exitCode ?? '?'})${last.message ? `: ${last.message}` : ''}`;
    }
    const what = !ready
      ? `is not ready (phase ${pod.status.phase ?? 'unknown'}${readyCond ? `, Ready=${readyCond.status}` : ''})`
      : `keeps restarting its proxy (${status?.restartCount} restarts${status?.lastState?.terminated?.reason ? `, last: ${status.lastState.terminated.reason}` : ''})`;
    // every Gateway on this pod goes down with it, not only the one being walked
    const hosts = [...new Set(model.gatewaysOnWorkload(gm).filter((o) => o.pods.includes(pod)).flatMap(gatewayHosts))].sort();
    out.push(
      findingFor(workloadsCodes, 'ITLS102', {
        resource: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name },
        message: `Gateway pod ${podKey(pod)} ${what}; it serves ${listWords(hosts) || 'nothing'} for Gateway ${gm.ref.name}.`,
        evidence: { ...evidence, gateway: `${refName(gm.ref)}`, hosts },
        remediation: notReadyAdvice(pod, proxy?.name ?? 'istio-proxy', status),
      }),
    );
  }
  return out;
}

function check103(model: Model): Finding[] {
  if (!model.wasRead('pods') || model.gateways.length === 0) return [];
  const ns = model.snapshot.istioNamespace;
  const pods = model.istiodPods();
  if (pods.some(podReady)) return [];
  // istiod absent from pods that were read only in some namespaces proves nothing; not-ready pods seen are facts
  if (pods.length === 0 && !visible(model.snapshot, 'pods')) return [];
  if (pods.some((p) => !p.status)) return []; // manifests without status say nothing about readiness
  // name what was read: the istiod pods seen (not a Deployment the doctor never listed)
  const [first, ...rest] = pods;
  const finding = findingFor(workloadsCodes, 'ITLS103', {
    resource: first ? { kind: 'Pod', namespace: first.metadata.namespace, name: first.metadata.name } : { kind: 'Namespace', name: ns },
    message: pods.length
      ? `No istiod pod is ready (${pods.map((p) => `${podKey(p)}: ${p.status?.phase ?? 'unknown'}`).join(', ')}): gateways get no new configuration or certificates.`
      : `No istiod pod was found in any namespace (labels app=istiod or istio=pilot): gateways get no new configuration or certificates.`,
    evidence: { istiodPods: pods.map((p) => `${podKey(p)} ${p.status?.phase ?? 'unknown'}`) },
    remediation: first
      ? { ...notReadyAdvice(first, 'discovery', (first.status?.containerStatuses ?? []).find((c) => c.name === 'discovery')), summary: 'Bring istiod back before anything else: every gateway depends on it.' }
      : {
          summary: 'Bring istiod back before anything else: every gateway depends on it (is it installed, or in another namespace than --istio-namespace?).',
          commands: [`kubectl get pods -A -l app=istiod`, `kubectl -n ${ns} get deployments,replicasets`],
        },
  });
  if (rest.length) finding.places = rest.map((p) => ({ resource: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name } }));
  return [finding];
}

/** A pod that never started has no logs: its events say why (unschedulable, image pull). One that ran: its logs. */
function notReadyAdvice(pod: Pod, container: string, status: ContainerStatus | undefined): { summary: string; commands: string[] } {
  const name = pod.metadata.name;
  const ns = pod.metadata.namespace ?? 'default';
  const describe = `kubectl describe pod ${name} -n ${ns}`;
  const events = `kubectl get events -n ${ns} --field-selector involvedObject.name=${name}`;
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  const started = !!status && (status.restartCount > 0 || !!status.state?.running || !!status.state?.terminated || !!status.lastState?.terminated);
  if (!started || (pod.status?.phase === 'Pending' && scheduled?.status === 'False')) {
    return {
      summary:
        scheduled?.status === 'False'
          ? `The pod is not scheduled (${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''}): its events say what the scheduler is missing (nodes, resources, taints).`
          : 'The pod has not started its containers: its events say why (scheduling, image pull, volumes); it has no logs yet.',
      commands: [describe, events],
    };
  }
  const previous = status.restartCount > 0 || !!status.lastState?.terminated;
  return {
    summary: 'Read why the container is not ready; the other findings for this Gateway usually name the cause.',
    commands: [describe, `kubectl logs ${name} -n ${ns} -c ${container}${previous ? ' --previous' : ''}`],
  };
}

function isTcp(p: ServicePort): boolean {
  return !p.protocol || p.protocol.toUpperCase() === 'TCP';
}

function check104(model: Model, gm: GatewayModel): Finding[] {
  if (!model.wasRead('services') || gm.pods.length === 0) return [];
  if (!gm.workloadNamespaces.every((ns) => visible(model.snapshot, 'services', ns))) return [];
  const out: Finding[] = [];
  const services = new Map<string, Service>();
  const servicePorts = new Set<number>();
  const targetPorts = new Set<number>();
  const mapping: string[] = [];
  for (const pod of gm.pods) {
    for (const svc of model.servicesFor(pod)) {
      services.set(`${svc.metadata.namespace}/${svc.metadata.name}`, svc);
      for (const p of svc.spec?.ports ?? []) {
        if (!isTcp(p)) continue;
        const target = targetContainerPort(p, pod);
        servicePorts.add(p.port);
        targetPorts.add(target);
        mapping.push(`${svc.metadata.name} ${p.port}→${target}`);
      }
    }
  }
  const seenPorts = new Set<number>();
  for (const server of gm.servers) {
    if (server.port === undefined || seenPorts.has(server.port)) continue;
    seenPorts.add(server.port);
    if (servicePorts.has(server.port) || targetPorts.has(server.port)) continue;
    const hosts = [...new Set(gm.servers.filter((s) => s.port === server.port).flatMap((s) => s.hosts.map((h) => h.host)))];
    const svcNames = [...services.keys()];
    out.push(
      findingFor(workloadsCodes, 'ITLS104', {
        resource: gm.ref,
        port: server.port,
        host: hosts.length === 1 ? hosts[0] : undefined,
        message: svcNames.length
          ? `Gateway ${gm.ref.name} listens on port ${server.port}, which no Service in front of its pods exposes (${listWords([...new Set(mapping)])}): ${listWords(hosts)} cannot be reached on it.`
          : `Gateway ${gm.ref.name} listens on port ${server.port}, but no Service selects its pods: ${listWords(hosts)} cannot be reached.`,
        evidence: { serverPort: server.port, services: svcNames, servicePorts: [...new Set(mapping)], hosts },
        remediation: {
          summary: svcNames.length
            ? `Use a port the Service exposes (Service ports: ${[...servicePorts].sort((a, b) => a - b).join(', ')}), or add ${server.port} to the Service.`
            : 'Create a Service (usually type LoadBalancer) selecting the gateway pods, or fix the Gateway selector.',
          commands: svcNames.length ? [`kubectl get svc -n ${svcNames[0].split('/')[0]} ${svcNames[0].split('/')[1]} -o yaml`] : undefined,
        },
      }),
    );
  }
  // LoadBalancer Services still waiting for an address: everything is right in the cluster, but no client reaches it.
  for (const svc of services.values()) {
    if (svc.spec?.type !== 'LoadBalancer' || !svc.status) continue;
    const ingress = svc.status.loadBalancer?.ingress ?? [];
    if (ingress.some((i) => i.ip || i.hostname)) continue;
    out.push(
      findingFor(workloadsCodes, 'ITLS104', {
        severity: 'info',
        resource: { kind: 'Service', namespace: svc.metadata.namespace, name: svc.metadata.name },
        message: `LoadBalancer Service ${svc.metadata.namespace}/${svc.metadata.name} has no external address yet (pending): clients outside the cluster cannot reach ${listWords(gatewayHosts(gm))}.`,
        evidence: { type: 'LoadBalancer', externalAddress: 'pending', gateway: `${refName(gm.ref)}` },
        remediation: {
          summary: 'Check why the cloud load balancer is not provisioned (events on the Service), or use a NodePort/port-forward to test.',
          commands: [`kubectl describe svc ${svc.metadata.name} -n ${svc.metadata.namespace}`],
        },
      }),
    );
  }
  return out;
}

function check105(gm: GatewayModel): Finding[] {
  if (gm.workloadNamespaces.length < 2) return [];
  const credentials = [...new Set(gm.servers.flatMap((s) => s.credentialNames))];
  return [
    findingFor(workloadsCodes, 'ITLS105', {
      resource: gm.ref,
      message:
        `Gateway ${gm.ref.name} selects pods in ${gm.workloadNamespaces.length} namespaces (${gm.workloadNamespaces.join(', ')}); each reads its credentials from its own namespace` +
        (credentials.length ? `, so ${listWords(credentials)} must exist in all of them.` : '.'),
      evidence: {
        namespaces: gm.workloadNamespaces,
        pods: gm.pods.map(podKey),
        credentials,
      },
      remediation: {
        summary: 'Narrow spec.selector to the gateway deployment that should serve these hosts (add a label only its pods carry).',
        commands: gm.workloadNamespaces.map((ns) => `kubectl get pods -n ${ns} --show-labels`),
      },
    }),
  ];
}

function check106(model: Model, gm: GatewayModel, reported: Set<string>): Finding[] {
  const istiod = model.istiodPods();
  const istiodVersions = [...new Set(istiod.map((p) => imageVersion((p.spec?.containers ?? []).find((c) => c.name === 'discovery')?.image ?? p.spec?.containers?.[0]?.image)).filter((v): v is string => !!v))];
  if (istiodVersions.length === 0) return [];
  const out: Finding[] = [];
  for (const pod of gm.pods) {
    if (reported.has(podKey(pod))) continue;
    const version = imageVersion(proxyContainer(pod)?.image);
    if (!version || istiodVersions.includes(version)) continue;
    reported.add(podKey(pod));
    const minor = (v: string) => v.split('.').slice(0, 2).join('.');
    const sameMinor = istiodVersions.some((v) => minor(v) === minor(version));
    out.push(
      findingFor(workloadsCodes, 'ITLS106', {
        resource: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name },
        message: `Gateway pod ${podKey(pod)} runs proxy ${version} while istiod runs ${istiodVersions.join(', ')}${sameMinor ? ' (patch skew only)' : ''}.`,
        evidence: { proxyVersion: version, istiodVersions, image: proxyContainer(pod)?.image ?? '' },
        remediation: {
          summary: 'Restart the gateway deployment so it picks up the current proxy version (after an upgrade), or upgrade it.',
          commands: [`kubectl rollout restart deployment -n ${pod.metadata.namespace} -l ${Object.entries(gm.gateway.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`],
        },
      }),
    );
  }
  return out;
}

export const workloadsCheck: CheckModule = {
  id: 'workloads',
  codes: workloadsCodes,
  reads: ['gateways', 'pods', 'services'],
  run(_snapshot, _options, model) {
    const out: Finding[] = [];
    const podsRead = model.wasRead('pods');
    const reported106 = new Set<string>();
    const reported102 = new Set<string>();
    for (const gm of model.gateways) {
      // a selector matches pods in any namespace: only pods read everywhere prove that none matches
      if (podsRead && visible(model.snapshot, 'pods')) out.push(...check101(model, gm));
      for (const f of check102(model, gm)) {
        // one pod can be selected by many Gateways: report it once, naming the first
        const key = `${f.resource.namespace}/${f.resource.name}`;
        if (reported102.has(key)) continue;
        reported102.add(key);
        out.push(f);
      }
      out.push(...check104(model, gm));
      out.push(...check105(gm));
      out.push(...check106(model, gm, reported106));
    }
    out.push(...check103(model));
    return out;
  },
};
