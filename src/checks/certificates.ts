// ITLS301-315: the served certificates themselves, per Gateway host, judged the way strict clients
// (browsers, rustls, Go, curl, Java) judge them: path to a trust anchor, validity at --now, CA
// constraints, key usage, names, algorithm strength.
import type { CertFacts } from '../tls/types.js';
import { parseCertificates } from '../tls/index.js';
import type { Finding } from '../findings/types.js';
import { findingFor } from '../findings/types.js';
import { sentence } from '../findings/voice.js';
import { certificateCodes } from '../findings/codes/certificates.js';
import { mountedSecretFor, terminatesTls, type GatewayModel, type Model, type ServerModel } from '../model/model.js';
import { credentialUses } from '../model/credentials.js';
import { certificateFix, type CredentialTarget } from '../remediation/certificates.js';
import { goodCopyFix, intermediateFromClusterFix, staleCertKeyFix, targetOf } from '../remediation/credentials.js';
import type { CheckModule } from './types.js';
import { ignoredPairSentence, useEvidence } from './common/credentials.js';
import { CertificateJudge } from './common/certificates.js';
import { sameCredentialProblem } from '../findings/causes.js';

/** A server that loads its certificate from a file in the pod (serverCertificate / tlsCertificates). */
interface FileBundle {
  gm: GatewayModel;
  server: ServerModel;
  path: string;
  /** where the bytes were read: the file inside the pod (live exec) or the secret mounted at that path */
  source: string;
  secret?: { name: string; namespace: string; key: string };
  certificates: CertFacts[];
}

/** File-mounted certificates (the legacy ingressgateway-certs layout): what the file holds, when we can see it. */
function fileBundles(model: Model): FileBundle[] {
  const out: FileBundle[] = [];
  for (const gm of model.gateways) {
    for (const server of gm.servers) {
      if (!terminatesTls(server.server) || server.credentialNames.length) continue;
      for (const fp of server.filePaths.filter((p) => p.field === 'serverCertificate' || p.field.endsWith('.serverCertificate'))) {
        // The mounted secret first: the same in live and offline runs (a stale file in the pod is ITLS208's
        // business); the file read inside the pod only when no secret is mounted there.
        let found: FileBundle | undefined;
        for (const pod of gm.pods) {
          const mounted = mountedSecretFor(pod, fp.path);
          const secret = mounted && model.secret(pod.metadata.namespace ?? '', mounted.secretName);
          const b64 = mounted && secret?.data?.[mounted.key];
          if (!mounted || !b64) continue;
          found = {
            gm,
            server,
            path: fp.path,
            source: `file ${fp.path}, mounted from secret ${pod.metadata.namespace}/${mounted.secretName} key ${mounted.key}`,
            secret: { name: mounted.secretName, namespace: pod.metadata.namespace ?? '', key: mounted.key },
            certificates: parseCertificates(Buffer.from(b64, 'base64')).certificates,
          };
          break;
        }
        if (!found) {
          for (const pod of gm.pods) {
            const inspection = model.snapshot.inspections.find((i) => i.namespace === pod.metadata.namespace && i.pod === pod.metadata.name);
            const read = inspection?.files.find((f) => f.path === fp.path && f.exists && f.content);
            if (!read?.content) continue;
            found = { gm, server, path: fp.path, source: `file ${fp.path} read in pod ${pod.metadata.namespace}/${pod.metadata.name}`, certificates: parseCertificates(read.content).certificates };
            break;
          }
        }
        if (found && found.certificates.length) out.push(found);
      }
    }
  }
  return out;
}

const FILE_NOTE =
  'This server loads its certificate from a file: after updating the mounted secret the kubelet refreshes the file within a minute or two; if the gateway keeps serving the old certificate, restart the gateway pods. Moving to credentialName avoids both.';

export const certificatesCheck: CheckModule = {
  id: 'certificates',
  codes: certificateCodes,
  reads: ['gateways', 'pods', 'secrets'],
  run(snapshot, options, model) {
    const findings: Finding[] = [];
    const judge = new CertificateJudge(options);
    for (const use of credentialUses(snapshot, model)) {
      const decoded = use.resolution.decoded;
      if (!decoded) continue;
      for (const { host, issue, evidence, problem } of judge.judge(decoded, use.server.hosts.map((h) => h.host))) {
        // stale cert/key in front of a right tls.crt/tls.key: one patch removes them (remediation/credentials.ts), and the message says so
        const stale = staleCertKeyFix(model, use, issue.code, host, options);
        findings.push(
          sameCredentialProblem(findingFor(certificateCodes, issue.code, {
            resource: use.gm.ref,
            host,
            port: use.server.port,
            severity: issue.severity,
            // the secret is evidence (`secret`); the message is the problem, in one voice
            message: `${sentence(issue.message)}${stale ? ignoredPairSentence(use, host) : ''}`,
            evidence: { ...evidence, ...useEvidence(use), ...(issue.evidence ?? {}) },
            // what the cluster holds first: a good copy of the Secret elsewhere, the missing intermediate in another Secret
            remediation:
              stale ??
              (issue.severity !== 'info' ? goodCopyFix(model, use, issue.code, host, options) : undefined) ??
              (issue.code === 'ITLS306' ? intermediateFromClusterFix(model, use, options) : undefined) ??
              certificateFix(targetOf(use), issue, host, decoded.caSource === 'main-secret' ? decoded.caKey : undefined),
          }), stale ? [...problem, `stale-pair:${host}`] : problem),
        );
      }
    }
    for (const fb of fileBundles(model)) {
      const target: CredentialTarget = {
        name: fb.secret?.name ?? '<secret-mounted-at-the-path>',
        namespace: fb.secret?.namespace ?? fb.gm.workloadNamespaces[0] ?? '<gateway-namespace>',
        hosts: fb.server.hosts.map((h) => h.host).filter((h) => h !== '*'),
      };
      if (fb.secret) target.certKey = fb.secret.key;
      for (const { host, issue, evidence, problem } of judge.judge(fb, fb.server.hosts.map((h) => h.host))) {
        const remediation = certificateFix(target, issue, host);
        remediation.notes = [...(remediation.notes ?? []), FILE_NOTE];
        findings.push(
          sameCredentialProblem(findingFor(certificateCodes, issue.code, {
            resource: fb.gm.ref,
            host,
            port: fb.server.port,
            severity: issue.severity,
            message: sentence(issue.message),
            evidence: { ...evidence, certificateFile: fb.path, source: fb.source, ...(issue.evidence ?? {}) },
            remediation,
          }), problem),
        );
      }
    }
    return findings;
  },
};
