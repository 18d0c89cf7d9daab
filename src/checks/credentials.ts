// ITLS201-205: credential secrets as Istio reads them (S1): the secret named by credentialName in the
// namespace of the gateway pods, `cert`/`key` before `tls.crt`/`tls.key`, the client CA from
// `<name>-cacert` else `cacert`/`ca.crt`.
import type { Snapshot } from '../snapshot/types.js';
import { createMissingSecret } from '../remediation/certificates.js';
import { findingFor } from '../findings/types.js';
import { listWords } from '../findings/voice.js';
import { type Model } from '../model/model.js';
import { sentence } from '../findings/voice.js';
import type { CheckModule } from './types.js';
import type { Finding } from '../findings/types.js';
import { visible } from '../model/visibility.js';
import { staleCertKeyFix } from '../remediation/credentials.js';
import { credentialCodes } from '../findings/codes/credentials.js';
import { credentialUses } from '../model/credentials.js';
import { envoyRefusal } from '../model/envoy.js';
import { targetOf } from '../remediation/credentials.js';
import { useEvidence, ignoredPairSentence, perHost } from './common/credentials.js';
import { credentialGroupFix, goodCopyFix } from '../remediation/credentials.js';
import { sameCredentialProblem, withCause } from '../findings/causes.js';
import type { CertIssue } from '../tls/index.js';

const MUTUAL = new Set(['MUTUAL', 'OPTIONAL_MUTUAL']);

/** A secret not in the snapshot is missing only where secrets could be read (live: that namespace's LIST succeeded). */
function secretsUnreadable(snapshot: Snapshot, model: Model, namespace: string): boolean {
  if (!model.wasRead('secrets')) return true;
  return !visible(snapshot, 'secrets', namespace);
}

/**
 * The words of one code's issues in one secret. Several keys with the same typed cause (tls.crt and
 * tls.key both encoded twice) are said once, naming the keys; anything else is listed.
 */
function groupMessage(group: CertIssue[]): string {
  const fields = group.map((i) => i.field).filter((f): f is string => typeof f === 'string');
  if (group.length > 1 && fields.length === group.length && group.every((i) => i.cause === 'encoded-twice')) {
    return `${fields.join(' and ')} are base64-encoded twice: after Kubernetes decodes them, they are still base64 text. Envoy cannot read them. Put the PEM under stringData, or base64-encode them only once under data`;
  }
  return group.map((i) => i.message).join('; ');
}

export const credentialsCheck: CheckModule = {
  id: 'credentials',
  codes: credentialCodes,
  reads: ['gateways', 'pods', 'secrets'],
  run(snapshot, options, model) {
    const findings: Finding[] = [];
    for (const use of credentialUses(snapshot, model)) {
      const { resolution, server, gm } = use;
      const base = { resource: gm.ref, port: server.port };
      if (!resolution.secret) {
        if (secretsUnreadable(snapshot, model, resolution.namespace)) continue;
        const elsewhere = snapshot.secrets
          .filter((s) => s.metadata.name === resolution.name && s.metadata.namespace !== resolution.namespace)
          .map((s) => s.metadata.namespace ?? '');
        const where = elsewhere.length ? ` A secret of that name exists in ${listWords(elsewhere)}, the wrong namespace.` : ' No secret of that name exists in any namespace read.';
        findings.push(
          ...perHost(use, (host) =>
            withCause(
              sameCredentialProblem(findingFor(credentialCodes, 'ITLS201', {
                ...base,
                host,
                message: `Secret ${resolution.namespace}/${resolution.name}, which credentialName "${use.credentialName}" names in the gateway pods' namespace, does not exist: the gateway has no certificate for ${host || 'this server'}.${where}`,
                evidence: { ...useEvidence(use), existsIn: elsewhere },
                remediation: createMissingSecret(targetOf(use), elsewhere),
              }), ['missing', host.toLowerCase()]),
              { asConsequence: `${host || 'The server'} on Gateway ${gm.ref.namespace ? `${gm.ref.namespace}/` : ''}${gm.ref.name} port ${server.port} gets no certificate: ${resolution.namespace}/${resolution.name} does not exist.` },
            ),
          ),
        );
        continue;
      }
      const decoded = resolution.decoded;
      if (!decoded) continue;
      const mutual = MUTUAL.has(server.mode ?? '') && use.slot === 0;
      const issues = decoded.issues.filter((i) => i.code !== 'ITLS205' || mutual);
      if (mutual && !decoded.caKey && !decoded.caSource && !server.server.tls?.caCertCredentialName) {
        issues.push({
          code: 'ITLS205',
          severity: 'error',
          message: `tls.mode ${server.mode} needs a client CA bundle, but there is no secret ${resolution.name}-cacert and the secret ${resolution.name} has no "cacert" or "ca.crt" key (it has: ${Object.keys(resolution.secret.data ?? {}).sort().join(', ') || 'nothing'})`,
        });
      }
      const refusal = envoyRefusal(gm, decoded.certificates[0]);
      if (refusal && !issues.some((i) => i.code === 'ITLS204')) issues.push(refusal);
      // one finding per problem code of one secret: two keys encoded twice are one cause with one fix
      const byCode = new Map<string, CertIssue[]>();
      for (const issue of issues) byCode.set(issue.code, [...(byCode.get(issue.code) ?? []), issue]);
      for (const group of byCode.values()) {
        const issue = group[0];
        const severity = group.some((i) => i.severity === 'error') ? 'error' : issue.severity;
        findings.push(
          ...perHost(use, (host) => {
            const stale = staleCertKeyFix(model, use, issue.code, host, options);
            // the proof first (both key hashes of a mismatch), then where
            const finding = findingFor(credentialCodes, issue.code, {
              ...base,
              host,
              severity,
              message: `${sentence(`Secret ${resolution.namespace}/${resolution.name}: ${groupMessage(group)}`)}${stale ? ignoredPairSentence(use, host) : ''}`,
              evidence: {
                ...(issue.evidence ?? {}),
                ...(group.length > 1 ? { fields: group.map((i) => String(i.field ?? i.evidence?.field ?? '')).filter(Boolean) } : {}),
                ...useEvidence(use),
              },
              remediation: stale ?? goodCopyFix(model, use, issue.code, host, options) ?? credentialGroupFix(use, group),
            });
            // one problem of this secret, whichever server reads it: the issues' typed facts, and what depends on the
            // server (the TLS mode ITLS205 is about, the Envoy release of ITLS204, a stale cert/key pair per host)
            return sameCredentialProblem(finding, [
              group.map((i) => [i.field ?? null, i.cause ?? null, i.evidence ?? null]),
              issue.code === 'ITLS205' ? server.mode ?? null : null,
              stale ? `stale-pair:${host}` : null,
            ]);
          }),
        );
      }
    }
    return findings;
  },
};
