// ITLS209: the mesh CA (istio-ca-secret, or the plug-in CA `cacerts`) overwritten or broken — usually
// by someone trying to fix ingress TLS in the wrong secret (S3). istiod signs every workload
// certificate with it, so the damage is mesh-wide and appears only as certificates rotate.
import type { Secret } from '../snapshot/types.js';
import type { CertFacts } from '../tls/types.js';
import { matchHost, parseCertificates, parseKeyValue } from '../tls/index.js';
import { meshCaRecovery } from '../remediation/mesh-ca.js';
import { findingFor } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { ref, type Model } from '../model/model.js';
import type { CheckModule } from './types.js';
import type { EvidenceValue, Finding, Remediation } from '../findings/types.js';
import { meshCaCodes } from '../findings/codes/mesh-ca.js';

const DAY = 24 * 60 * 60 * 1000;

interface CaSecretLayout {
  certKey: string;
  keyKey: string;
}

function layoutOf(secret: Secret): CaSecretLayout | undefined {
  const data = secret.data ?? {};
  const has = (k: string) => (data[k] ?? '').length > 0;
  if (has('ca-cert.pem') && has('ca-key.pem')) return { certKey: 'ca-cert.pem', keyKey: 'ca-key.pem' };
  // cacerts may also use the kubernetes.io/tls layout (istio-csr / cert-manager style)
  if (secret.metadata.name === 'cacerts' && has('tls.crt') && has('tls.key')) return { certKey: 'tls.crt', keyKey: 'tls.key' };
  return undefined;
}

function recovery(secret: Secret, istioNamespace: string, selfSigned: boolean): Remediation {
  // the alternatives (restore / re-root) are built in the remediation layer, commented out
  return meshCaRecovery(secret.metadata.name, istioNamespace, selfSigned);
}

export const meshCaCheck: CheckModule = {
  id: 'mesh-ca',
  codes: meshCaCodes,
  reads: ['secrets', 'gateways'],
  run(snapshot, options, model: Model) {
    const findings: Finding[] = [];
    const ns = snapshot.istioNamespace;
    const gatewayHosts = [...new Set(model.gateways.flatMap((g) => g.servers.flatMap((s) => s.hosts.map((h) => h.host))))].filter((h) => h !== '*');
    for (const name of ['istio-ca-secret', 'cacerts']) {
      const secret = model.secret(ns, name);
      if (!secret) continue;
      const selfSigned = name === 'istio-ca-secret';
      const resource = ref(secret, 'Secret');
      const problems: string[] = [];
      const evidence: Record<string, EvidenceValue> = { secret: `${ns}/${name}`, type: secret.type ?? null, keys: Object.keys(secret.data ?? {}).sort() };
      const layout = layoutOf(secret);
      if (!layout) {
        const tlsShape = (secret.data?.['tls.crt'] ?? '') !== '' ? ' — it looks like a kubernetes.io/tls secret was written over it' : '';
        problems.push(`it has no ca-cert.pem/ca-key.pem pair (keys: ${Object.keys(secret.data ?? {}).sort().join(', ') || 'none'})${tlsShape}: istiod cannot load the CA ("failed to create CA KeyCertBundle") and cannot sign or rotate workload certificates`);
      } else {
        const certText = Buffer.from(secret.data?.[layout.certKey] ?? '', 'base64');
        const parsed = parseCertificates(certText);
        const cert: CertFacts | undefined = parsed.certificates[0];
        if (!cert) problems.push(`${layout.certKey} holds no readable certificate`);
        else {
          evidence.subject = cert.subject;
          evidence.notAfter = cert.notAfter;
          evidence.dnsNames = cert.dnsNames;
          evidence.fingerprint256 = cert.fingerprint256;
          if (cert.isCA !== true) problems.push(`${layout.certKey} is not a CA certificate (basicConstraints ${cert.isCA === false ? 'CA:false' : 'absent'}): the mesh is now rooted in a server certificate, and new workload certificates chain to a certificate clients refuse as an issuer`);
          const covered = gatewayHosts.filter((h) => matchHost(h, cert).covered);
          if (covered.length) problems.push(`${layout.certKey} is a certificate for the gateway host(s) ${listWords(covered)} — a server certificate, not a mesh CA (ingress TLS is configured with credentialName, not here)`);
          else if (cert.dnsNames.length && cert.extKeyUsage?.includes('1.3.6.1.5.5.7.3.1') && !cert.extKeyUsage.includes('1.3.6.1.5.5.7.3.2')) {
            problems.push(`${layout.certKey} looks like a server certificate (DNS SANs ${listWords(cert.dnsNames)}, serverAuth only)`);
          }
          const left = Date.parse(cert.notAfter) - options.now.getTime();
          if (left < 0) problems.push(`the CA certificate expired on ${cert.notAfter}: workload certificates it signs are refused`);
          else if (left < options.expiryWarningMs) evidence.daysLeft = Math.floor(left / DAY);
          const key = parseKeyValue(Buffer.from(secret.data?.[layout.keyKey] ?? '', 'base64'), layout.keyKey);
          if (!key.key?.spkiSha256) problems.push(`${layout.keyKey} holds no readable private key`);
          else if (key.key.spkiSha256 !== cert.publicKey.spkiSha256) problems.push(`${layout.keyKey} does not match ${layout.certKey}: istiod refuses the CA bundle`);
        }
      }
      let severity: 'error' | 'warning' = 'error';
      if (selfSigned && secret.type !== 'istio.io/ca-root') {
        if (problems.length === 0) severity = 'warning';
        problems.push(`its type is ${secret.type ?? '(none)'}, not istio.io/ca-root — it was recreated by hand, not by istiod`);
      }
      if (problems.length === 0) continue;
      findings.push(
        findingFor(meshCaCodes, 'ITLS209', {
          resource,
          severity,
          // one sentence; the problems and the consequence are evidence lines
          message: `Secret ${ns}/${name}, the mesh ${selfSigned ? 'root CA istiod generated' : 'plug-in CA'}, is damaged: ${firstClause(problems[0])}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}.`,
          evidence: { problems, ...evidence, impact: "as workload certificates rotate, sidecar mTLS and the gateways' connection to istiod fail; ingress HTTPS is not affected" },
          remediation: recovery(secret, ns, selfSigned),
        }),
      );
    }
    return findings;
  },
};

/** "cause (detail: x): consequence" → "cause (detail: x)": the consequence is an evidence line. */
function firstClause(text: string): string {
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && text[i] === ':' && text[i + 1] === ' ') return text.slice(0, i);
  }
  return text;
}
