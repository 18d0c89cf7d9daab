// Fix builders for file-mounted certificates (ITLS206-207): the migration to credentialName.
import { caRef, createTlsSecretCommand, credentialNameFor, fileVar, fullchainRef, gatewayWithCredentialName, privkeyRef, toYaml } from './index.js';
import { listWords } from '../findings/voice.js';
import { type GatewayModel, type ServerModel } from '../model/model.js';
import type { Remediation } from '../findings/types.js';

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
