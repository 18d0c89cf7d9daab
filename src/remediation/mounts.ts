// Fix builders for file-mounted certificates (ITLS206-207): the migration to credentialName.
import { caRef, createTlsSecretCommand, credentialNameFor, fileVar, fullchainRef, gatewayWithCredentialName, privkeyRef, secretFromKeysCommand, toYaml } from './index.js';
import { listWords } from '../findings/voice.js';
import { decodeCredential } from '../tls/index.js';
import { mountedSecretFor, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import type { Remediation } from '../findings/types.js';

/**
 * The certificate and key the cluster already holds for a file server: two keys of the Secret mounted at
 * its certificate path whose certificate and key belong together (the seed's fullchain.pem/privkey.pem,
 * or tls.crt/tls.key). The migration copies them through the cluster instead of asking for files.
 */
function mountedMaterial(model: Model, gm: GatewayModel, s: ServerModel, namespace: string): { secret: string; cert: string; key: string } | undefined {
  const certPath = s.server.tls?.serverCertificate ?? s.server.tls?.tlsCertificates?.[0]?.serverCertificate;
  if (!certPath) return undefined;
  for (const pod of gm.pods) {
    if ((pod.metadata.namespace ?? '') !== namespace) continue;
    const mounted = mountedSecretFor(pod, certPath);
    const data = mounted && model.secret(namespace, mounted.secretName)?.data;
    if (!mounted || !data) continue;
    const text = (k: string) => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
    const names = Object.keys(data).sort((a, b) => Number(b === mounted.key) - Number(a === mounted.key));
    const certs = names.filter((k) => text(k).includes('-----BEGIN CERTIFICATE-----'));
    const keys = names.filter((k) => /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text(k)));
    for (const c of certs) {
      for (const k of keys) {
        const d = decodeCredential({ 'tls.crt': data[c], 'tls.key': data[k] });
        if (d.certificates[0] && d.keyMatchesLeaf === true && d.issues.every((i) => i.severity !== 'error')) return { secret: mounted.secretName, cert: c, key: k };
      }
    }
  }
  return undefined;
}

/**
 * The migration every file-path finding carries: one Secret per distinct certificate file, created in the
 * workload namespace, and the Gateway (one object, every file server switched) pointing at them.
 */
export function migrateToCredentialName(model: Model, gm: GatewayModel, servers: ServerModel[]): Remediation {
  const namespaces = gm.workloadNamespaces.length ? gm.workloadNamespaces : ['<gateway-pod-namespace>'];
  const groups = new Map<string, ServerModel[]>();
  for (const s of servers) {
    const key = `${s.server.tls?.serverCertificate ?? s.server.tls?.tlsCertificates?.[0]?.serverCertificate ?? ''}|${s.server.tls?.caCertificates ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const commands: string[] = [];
  const names: string[] = [];
  const copied: string[] = [];
  const asked: string[] = [];
  let gateway = gm.gateway;
  for (const group of groups.values()) {
    const hosts = group.flatMap((s) => s.hosts.map((h) => h.host));
    let name = credentialNameFor(hosts, gm.ref.name);
    while (names.includes(name)) name = `${name.replace(/-tls$/, '')}-2-tls`;
    names.push(name);
    const mutual = group.some((s) => s.server.tls?.caCertificates);
    for (const ns of namespaces) {
      // what the mounted Secret already holds is copied through the cluster: no file asked for
      const held = mutual ? undefined : mountedMaterial(model, gm, group[0], ns);
      if (held) {
        commands.push(secretFromKeysCommand({ name: held.secret, namespace: ns }, { name, namespace: ns, type: 'kubernetes.io/tls' }, { 'tls.crt': held.cert, 'tls.key': held.key }));
        copied.push(`${name} in ${ns} is made from ${held.cert} and ${held.key} of Secret ${ns}/${held.secret} (mounted at the file path today), read from the cluster and applied through a pipe: nothing is written to disk.`);
        continue;
      }
      asked.push(name);
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
      `from ${asked.length ? 'your certificate chain and key' : 'the certificate and key the mounted Secret holds'}, then point the Gateway at ${names.length > 1 ? 'them' : 'it'} with credentialName. SDS reloads renewed certificates without restarting the gateway.`,
    commands,
    yaml: toYaml(gateway),
    notes: [
      ...copied,
      ...(asked.length
        ? [`Set ${[...new Set(asked)].map((n) => fileVar(n, 'FULLCHAIN')).join(', ')} to the full chain (leaf first, then intermediates)` + (names.length > 1 ? ', a different one per Secret (each replaces one certificate file).' : '.')]
        : []),
      'Once no Gateway uses the file paths any more, the istio-ingressgateway-certs mount and Secret can go.',
    ],
  };
}
