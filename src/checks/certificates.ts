// ITLS301-315: the served certificates themselves, per Gateway host, judged the way strict clients
// (browsers, rustls, Go, curl, Java) judge them: path to a trust anchor, validity at --now, CA
// constraints, key usage, names, algorithm strength.
import type { CertFacts, CertIssue, ChainReport, DecodedCredential } from '../tls/types.js';
import { hostIssues, parseCertificates, validateChain } from '../tls/index.js';
import type { Model, GatewayModel, ServerModel } from '../model/model.js';
import { mountedSecretFor } from '../model/model.js';
import {
  completeChain,
  dropRoot,
  reissueAsServerCertificate,
  reissueWithNames,
  reorderChain,
  replaceCredential,
  untrustedRoot,
  type CredentialTarget,
} from '../remediation/certificates.js';
import { credentialUses, ignoredPairSentence, targetOf, useEvidence } from './credentials.js';
import { staleCertKeyFix } from '../remediation/credentials.js';
import { findingFor, terminatesTls } from '../model/model.js';
import { sentence } from '../findings/voice.js';
import type { CheckModule, CheckOptions, CodeSpec, EvidenceValue, Finding, Remediation } from '../findings/types.js';

const DAY = 24 * 60 * 60 * 1000;

export const certificateCodes: CodeSpec[] = [
  {
    code: 'ITLS301',
    severity: 'error',
    title: 'Certificate expired',
    meaning: 'The leaf or a certificate on its path to the trust anchor is past its notAfter date (at --now).',
    why: 'Every client refuses an expired certificate anywhere in the path (certificate has expired / CERT_HAS_EXPIRED).',
    example: 'leaf notAfter 2026-01-03, intermediate "R3" expired 2025-09-29.',
    fix: 'Renew the certificate (or get the current intermediate from the CA) and replace the secret; istiod pushes it without a restart.',
  },
  {
    code: 'ITLS302',
    severity: 'warning',
    title: 'Certificate expires soon',
    meaning: 'The leaf expires within --expiry-warning (default 30 days); an error within 7 days.',
    why: 'When it expires, every client refuses the connection. Renewal automation that has not renewed by now is probably broken.',
    example: 'notAfter in 12 days; cert-manager Certificate not Ready.',
    fix: 'Renew now and find out why automation did not (kubectl describe certificate / challenge).',
  },
  {
    code: 'ITLS303',
    severity: 'error',
    title: 'Certificate not yet valid',
    meaning: 'The leaf or a path certificate has a notBefore in the future (at --now).',
    why: 'Clients refuse a certificate before its validity starts; usually a clock problem at issuance or a certificate installed too early.',
    example: 'notBefore 2026-12-01 while --now is 2026-11-24.',
    fix: 'Serve the currently valid certificate until then; check the clocks of the issuing system.',
  },
  {
    code: 'ITLS304',
    severity: 'error',
    title: 'Certificate does not cover the Gateway host',
    meaning: 'The Gateway host is not covered by the leaf\'s DNS SANs under RFC 6125 rules (a wildcard covers exactly one left-most label; a Gateway host *.a.com needs the SAN *.a.com). Info for the Gateway host "*", which cannot be checked.',
    why: 'Clients compare the name they connect to with the SANs and refuse a mismatch (ERR_CERT_COMMON_NAME_INVALID, x509: certificate is valid for …, not …).',
    example: 'SANs a.example.com, *.example.com; Gateway host example.com.',
    fix: 'Re-issue the certificate with a SAN for every Gateway host (or change the Gateway hosts to what the certificate covers).',
  },
  {
    code: 'ITLS305',
    severity: 'error',
    title: 'Certificate has no DNS SAN',
    meaning: 'The leaf has no subjectAltName DNS entries, only a subject CN.',
    why: 'Browsers, Go (since 1.15), curl and Java ignore the CN; a certificate without DNS SANs matches no host name.',
    example: 'subject CN=kiali.example.com, no subjectAltName extension.',
    fix: 'Re-issue with subjectAltName DNS entries (openssl -addext "subjectAltName=DNS:kiali.example.com").',
  },
  {
    code: 'ITLS306',
    severity: 'error',
    title: 'Incomplete chain',
    meaning: 'An intermediate is missing: the top of the bundle names an issuer that is neither in the bundle nor in the trust store, and everything says it is an intermediate (the leaf carries an Authority Information Access extension, as public CAs issue them, or the credential\'s ca.crt holds it as an intermediate). The finding names the missing issuer and the authority key id it needs.',
    why: 'Browsers may fetch the missing intermediate (AIA) and hide the problem; curl, Go, Java, Python and mobile clients fail with "unable to get local issuer certificate".',
    example: 'tls.crt holds only the leaf issued by "R11".',
    fix: 'Append the intermediate(s) after the leaf in tls.crt (fullchain.pem, not cert.pem).',
  },
  {
    code: 'ITLS307',
    severity: 'warning',
    title: 'Chain out of order, duplicated or with strays',
    meaning: 'The bundle is not leaf-then-issuers: out of order, a certificate repeated, or certificates that are not on the path. Raised to an error when the bundle starts with a CA certificate and the leaf comes later (Envoy serves the first certificate).',
    why: 'Modern clients re-sort, but older Java, embedded clients and some proxies fail; extra certificates also cost bytes in every handshake.',
    example: 'tls.crt = intermediate, leaf; or the old intermediate left beside the new one.',
    fix: 'Rewrite the bundle as leaf, then its issuer, then the next, without the root.',
  },
  {
    code: 'ITLS308',
    severity: 'error',
    title: 'Signature does not verify',
    meaning: 'A certificate names an issuer present in the bundle or trust store, but the signature does not verify with that issuer\'s key (or its signature algorithm fields disagree).',
    why: 'Clients refuse a path with a bad signature: a wrong intermediate (same name, different key, e.g. after a CA re-key) or a damaged certificate.',
    example: 'leaf issued by the new "Example CA G2" key, bundle holds the old "Example CA G2" certificate.',
    fix: 'Get the intermediate that actually issued the leaf from the CA and rebuild the bundle.',
  },
  {
    code: 'ITLS309',
    severity: 'error',
    title: 'Chain ends at a private root',
    meaning: 'The chain ends at a root the trust store in use (Mozilla roots + --ca-file) does not hold: a private CA. A warning when the chain is otherwise complete and no --ca-file was given (public clients reject it, clients that trust the root are fine); an error for a self-signed leaf, and when --ca-file names the roots the clients trust and this one is not among them. A bundle that ends at a CA certificate, or a leaf without an Authority Information Access extension, is read as issued by a private root (public CAs always include that extension).',
    why: 'Clients that do not trust that root refuse the connection (self-signed certificate in certificate chain). Internal clients configured with the private CA are fine — pass --ca-file to check against it.',
    example: 'leaf issued by "Corp Internal Root" without --ca-file.',
    fix: 'Nothing, when only clients that trust the root connect: run the doctor with --ca-file naming that root. Public hosts need a certificate from a public CA.',
  },
  {
    code: 'ITLS310',
    severity: 'error',
    title: 'Weak or unsupported crypto in the path',
    meaning: 'A certificate on the path has an RSA key under 2048 bits or not a multiple of 8, an EC key on a curve other than P-256/P-384/P-521 or with explicit parameters, a DSA key, or a SHA-1/MD5 signature.',
    why: 'Browsers and the CA/Browser Forum rules reject these; TLS libraries refuse SHA-1 signatures and small keys by default.',
    example: 'intermediate signed with sha1WithRSAEncryption; leaf RSA 1024.',
    fix: 'Re-issue with ECDSA P-256 or RSA 2048+ and SHA-256.',
  },
  {
    code: 'ITLS311',
    severity: 'error',
    title: 'Leaf not usable for a TLS server',
    meaning: 'The leaf\'s extendedKeyUsage lacks serverAuth (or is empty, or adds anyExtendedKeyUsage), or its keyUsage lacks digitalSignature (keyEncipherment alone: warning, TLS 1.2 RSA only).',
    why: 'Clients check the certificate purpose: a client-only or code-signing certificate is refused for a server ("unsuitable certificate purpose").',
    example: 'extendedKeyUsage: clientAuth — a mesh workload certificate used as a server certificate.',
    fix: 'Re-issue with extendedKeyUsage serverAuth and keyUsage digitalSignature.',
  },
  {
    code: 'ITLS312',
    severity: 'error',
    title: 'CA constraints broken',
    meaning: 'The leaf is a CA certificate (or asserts keyCertSign), or a certificate above it is not a CA (no basicConstraints CA:true, non-critical basicConstraints), lacks keyCertSign, violates pathLen, restricts extendedKeyUsage without serverAuth, or is a root carrying extendedKeyUsage.',
    why: 'Path validation refuses issuers that are not CAs or exceed their constraints; Firefox and rustls refuse a CA certificate as the server certificate.',
    example: 'the "intermediate" is another server certificate (CA:false); or openssl req -x509 output (CA:true) served as the leaf.',
    fix: 'Serve a real leaf (CA:false) issued by a real CA certificate; re-issue intermediates that violate their constraints.',
  },
  {
    code: 'ITLS313',
    severity: 'info',
    title: 'Bundle includes the root',
    meaning: 'The bundle contains the self-signed root certificate.',
    why: 'Harmless: clients ignore it and use their own copy; it only adds bytes to every handshake.',
    example: 'tls.crt = leaf, intermediate, root.',
    fix: 'Optionally drop the root from tls.crt.',
  },
  {
    code: 'ITLS314',
    severity: 'error',
    title: 'Name constraint or critical extension forbids the path',
    meaning: 'A CA on the path has name constraints the leaf (or an intermediate) breaks, or malformed name constraints; or a certificate has a critical extension validators do not process; or the leaf carries name constraints.',
    why: 'Validators must refuse a certificate with an unknown critical extension and a name outside a CA\'s permitted subtrees.',
    example: 'intermediate permits only .corp.example; leaf SAN app.example.com.',
    fix: 'Issue the certificate from a CA allowed to issue for the name; drop unknown critical extensions.',
  },
  {
    code: 'ITLS315',
    severity: 'error',
    title: 'Certificate malformed for strict validators',
    meaning: 'A certificate breaks the X.509 / CA/Browser Forum profile in a way strict validators refuse: not version 3, malformed subjectAltName, duplicate extensions, outer and inner signature algorithms differ, zero serial number, critical extendedKeyUsage, subjectAltName criticality wrong for the subject; or (a warning only) a host-name CN that is not one of the SANs.',
    why: 'Public CAs must not issue such certificates (they are revoked when found) and strict validators (rustls-webpki, the CA/Browser Forum profile) refuse them; lenient clients may still connect, so the failure appears only for some users. A CN missing from the SANs is reported as a warning: clients ignore the CN when SANs exist, so nothing fails today, but the certificate breaks the profile a public CA must follow.',
    example: 'subject CN=www.example.com while the SANs are example.com and api.example.com.',
    fix: 'Re-issue the certificate from a CA that follows the profile.',
  },
];

function certEvidence(leaf: CertFacts, report: ChainReport, now: number): Record<string, EvidenceValue> {
  return {
    subject: leaf.subject,
    dnsNames: leaf.dnsNames,
    ...(leaf.ipAddresses.length ? { ipAddresses: leaf.ipAddresses } : {}),
    notAfter: leaf.notAfter,
    daysLeft: Math.floor((Date.parse(leaf.notAfter) - now) / DAY),
    serial: leaf.serialNumber,
    fingerprint256: leaf.fingerprint256,
    issuer: leaf.issuer,
    path: report.path.map((c) => c.subject || c.fingerprint256),
  };
}

/** The file the secret stores its server certificate under (Istio reads cert before tls.crt). */
function certField(t: CredentialTarget): string {
  return t.certKey ?? 'tls.crt';
}

/** ITLS306: name the certificate to add, so the engineer knows which file to fetch from the CA. */
function missingIntermediate(t: CredentialTarget, issue: CertIssue): Remediation {
  const fix = completeChain(t);
  const missing = String(issue.evidence?.missingIssuer ?? 'the issuing CA');
  const aki = issue.evidence?.missingAuthorityKeyId;
  return {
    ...fix,
    summary: `Append the intermediate ${missing}${aki ? ` (subject key id ${String(aki)})` : ''} after the leaf in ${certField(t)}, so the secret holds the leaf first, then each intermediate up to (not including) the root.`,
  };
}

/** ITLS309 as a warning: the chain is fine for clients that trust the private root; nothing to re-issue. */
function privateRoot(t: CredentialTarget, issue: CertIssue, caKey: string | undefined): Remediation {
  const root = String(issue.evidence?.root ?? 'the private root');
  const save = caKey
    ? `kubectl get secret ${t.name} -n ${t.namespace} -o jsonpath='{.data.${caKey.replace(/\./g, '\\.')}}' | base64 -d > private-root.pem`
    : undefined;
  return {
    summary: `Nothing to change if only clients that trust ${root} connect: check the chain against that root with --ca-file. Public clients need a certificate from a public CA instead.`,
    commands: [...(save ? [save] : []), 'kubectl istio-tls doctor --ca-file private-root.pem'],
    notes: save ? [] : [`Save the certificate of ${root} as private-root.pem first (your CA publishes it).`],
  };
}

function remediationFor(t: CredentialTarget, issue: CertIssue, host: string, caKey?: string): Remediation {
  switch (issue.code) {
    case 'ITLS301':
    case 'ITLS302':
      return replaceCredential(t, 'Renew the certificate and replace the secret with the new full chain and key.', [
        'With cert-manager: kubectl describe certificate -n ' + t.namespace + ' shows why renewal did not happen.',
      ]);
    case 'ITLS303':
      return replaceCredential(t, 'Serve the currently valid certificate until the new one becomes valid.');
    case 'ITLS304':
    case 'ITLS305':
      return reissueWithNames(t, host && host !== '*' ? [host] : t.hosts ?? []);
    case 'ITLS306':
      return missingIntermediate(t, issue);
    case 'ITLS307':
      return reorderChain(t);
    case 'ITLS308':
      return completeChain(t);
    case 'ITLS309':
      return issue.severity === 'warning' ? privateRoot(t, issue, caKey) : untrustedRoot(t);
    case 'ITLS313':
      return dropRoot(t);
    case 'ITLS310':
      return reissueAsServerCertificate(t, 'ECDSA P-256 or RSA 2048+ key, SHA-256 signatures');
    default:
      return reissueAsServerCertificate(t, 'CA:false, extendedKeyUsage serverAuth, keyUsage digitalSignature');
  }
}

/** ITLS302 from the leaf's notAfter: warning inside the window, error within 7 days. */
function expiryIssue(leaf: CertFacts, options: CheckOptions): CertIssue | undefined {
  if (options.expiryWarningMs <= 0) return undefined; // a zero window switches the warning off
  const now = options.now.getTime();
  const left = Date.parse(leaf.notAfter) - now;
  if (left < 0 || left > options.expiryWarningMs) return undefined;
  const days = Math.floor(left / DAY);
  const severity = left <= 7 * DAY ? 'error' : 'warning';
  return {
    code: 'ITLS302',
    severity,
    message: `the leaf expires on ${leaf.notAfter}, in ${days} day${days === 1 ? '' : 's'}${severity === 'error' ? ' — renew it now' : ''}`,
    evidence: { daysLeft: days, notAfter: leaf.notAfter },
  };
}

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
    const reports = new Map<DecodedCredential, ChainReport>();
    const now = options.now.getTime();
    for (const use of credentialUses(snapshot, model)) {
      const decoded = use.resolution.decoded;
      const leaf = decoded?.certificates[0];
      if (!decoded || !leaf) continue;
      let report = reports.get(decoded);
      if (!report) {
        report = validateChain(decoded.certificates, { trustStore: options.trustStore, now: options.now, caHints: decoded.caCertificates });
        reports.set(decoded, report);
      }
      const shared = [...report.issues];
      const expiry = expiryIssue(leaf, options);
      if (expiry) shared.push(expiry);
      const hosts = use.server.hosts.length ? use.server.hosts.map((h) => h.host) : [];
      for (const host of hosts) {
        const hostSpecific: CertIssue[] =
          host.trim() === '*'
            ? [
                {
                  code: 'ITLS304',
                  severity: 'info',
                  message: `the Gateway host "*" accepts any SNI, so the certificate names cannot be checked against it (the certificate covers ${[...leaf.dnsNames, ...leaf.ipAddresses].join(', ') || 'no DNS name'}); clients connecting by other names will be refused`,
                },
              ]
            : hostIssues(leaf, host);
        for (const issue of [...hostSpecific, ...shared]) {
          // stale cert/key in front of a right tls.crt/tls.key: one patch removes them (credential-fixes.ts), and the message says so
          const stale = staleCertKeyFix(use, issue.code, host, options);
          findings.push(
            findingFor(certificateCodes, issue.code, {
              resource: use.gm.ref,
              host,
              port: use.server.port,
              severity: issue.severity,
              // the secret is evidence (`secret`); the message is the problem, in one voice
              message: `${sentence(issue.message)}${stale ? ignoredPairSentence(use, host) : ''}`,
              evidence: { ...certEvidence(leaf, report, now), ...useEvidence(use), ...(issue.evidence ?? {}) },
              remediation: stale ?? remediationFor(targetOf(use), issue, host, decoded.caSource === 'main-secret' ? decoded.caKey : undefined),
            }),
          );
        }
      }
    }
    for (const fb of fileBundles(model)) {
      const leaf = fb.certificates[0];
      const report = validateChain(fb.certificates, { trustStore: options.trustStore, now: options.now });
      const shared = [...report.issues];
      const expiry = expiryIssue(leaf, options);
      if (expiry) shared.push(expiry);
      const target: CredentialTarget = {
        name: fb.secret?.name ?? '<secret-mounted-at-the-path>',
        namespace: fb.secret?.namespace ?? fb.gm.workloadNamespaces[0] ?? '<gateway-namespace>',
        hosts: fb.server.hosts.map((h) => h.host).filter((h) => h !== '*'),
      };
      if (fb.secret) target.certKey = fb.secret.key;
      for (const host of fb.server.hosts.map((h) => h.host)) {
        const hostSpecific = host.trim() === '*' ? [] : hostIssues(leaf, host);
        for (const issue of [...hostSpecific, ...shared]) {
          const remediation = remediationFor(target, issue, host);
          remediation.notes = [...(remediation.notes ?? []), FILE_NOTE];
          findings.push(
            findingFor(certificateCodes, issue.code, {
              resource: fb.gm.ref,
              host,
              port: fb.server.port,
              severity: issue.severity,
              message: sentence(issue.message),
              evidence: { ...certEvidence(leaf, report, now), certificateFile: fb.path, source: fb.source, ...(issue.evidence ?? {}) },
              remediation,
            }),
          );
        }
      }
    }
    return findings;
  },
};

/**
 * A certificate bundle served for some hosts by something other than an Istio Gateway server (a Gateway-API
 * listener): the caller resolves the credential, this judges it exactly as the check above does.
 */
export interface CertificateTarget {
  resource: Finding['resource'];
  port: number;
  /** the hosts clients connect with; '*' accepts any SNI */
  hosts: string[];
  decoded: DecodedCredential;
  /** where the bundle comes from, e.g. "secret shop/shop-tls" */
  source: string;
  credential: CredentialTarget;
  evidence?: Record<string, EvidenceValue>;
}

/** ITLS301-315 for targets resolved elsewhere (entry point for the Gateway-API check). */
export function certificateFindingsFor(targets: CertificateTarget[], options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  const reports = new Map<DecodedCredential, ChainReport>();
  const now = options.now.getTime();
  for (const t of targets) {
    const leaf = t.decoded.certificates[0];
    if (!leaf) continue;
    let report = reports.get(t.decoded);
    if (!report) {
      report = validateChain(t.decoded.certificates, { trustStore: options.trustStore, now: options.now, caHints: t.decoded.caCertificates });
      reports.set(t.decoded, report);
    }
    const shared = [...report.issues];
    const expiry = expiryIssue(leaf, options);
    if (expiry) shared.push(expiry);
    for (const host of t.hosts) {
      const hostSpecific: CertIssue[] =
        host.trim() === '*'
          ? [{ code: 'ITLS304', severity: 'info', message: `the host "*" accepts any SNI, so the certificate names cannot be checked against it (the certificate covers ${[...leaf.dnsNames, ...leaf.ipAddresses].join(', ') || 'no DNS name'})` }]
          : hostIssues(leaf, host);
      for (const issue of [...hostSpecific, ...shared]) {
        findings.push(
          findingFor(certificateCodes, issue.code, {
            resource: t.resource,
            host,
            port: t.port,
            severity: issue.severity,
            message: sentence(issue.message),
            evidence: { ...certEvidence(leaf, report, now), source: t.source, ...(t.evidence ?? {}), ...(issue.evidence ?? {}) },
            remediation: remediationFor(t.credential, issue, host, t.decoded.caSource === 'main-secret' ? t.decoded.caKey : undefined),
          }),
        );
      }
    }
  }
  return findings;
}
