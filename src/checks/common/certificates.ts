// The certificate judgement: validate the chain, then expiry, then the host — one path for Istio Gateway servers and Gateway API listeners alike.
import type { CertFacts, CertIssue, ChainReport, DecodedCredential } from '../../tls/types.js';
import { hostIssues, validateChain } from '../../tls/index.js';
import { type CredentialTarget } from '../../remediation/certificates.js';
import { findingFor } from '../../findings/types.js';
import { sentence } from '../../findings/voice.js';
import type { CheckOptions } from '../../model/options.js';
import type { EvidenceValue, Finding } from '../../findings/types.js';
import { certificateCodes } from '../../findings/codes/certificates.js';
import { certificateFix } from '../../remediation/certificates.js';
import { sameCredentialProblem } from '../../findings/causes.js';

const DAY = 24 * 60 * 60 * 1000;

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

/**
 * A certificate bundle served for some hosts by something other than an Istio Gateway server (a Gateway-API
 * listener): the caller resolves the credential, CertificateJudge judges it as it judges an Istio server's.
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

/**
 * The one host rule: the host "*" accepts any SNI, so the certificate names cannot be checked against it
 * (ITLS304 as info); any other host is checked against the leaf's names.
 */
export function hostIssuesFor(leaf: CertFacts, host: string): CertIssue[] {
  if (host.trim() !== '*') return hostIssues(leaf, host);
  const covers = [...leaf.dnsNames, ...leaf.ipAddresses].join(', ') || 'no DNS name';
  return [
    {
      code: 'ITLS304',
      severity: 'info',
      message: `the Gateway host "*" accepts any SNI, so the certificate names cannot be checked against it (the certificate covers ${covers}); clients connecting by other names will be refused`,
    },
  ];
}

/** One judged issue: the host it is about, and the certificate facts every finding about it carries. */
export interface Judged {
  host: string;
  issue: CertIssue;
  evidence: Record<string, EvidenceValue>;
  /**
   * What identifies this problem in the bundle, as typed data: a problem of the bundle (the chain, the
   * expiry) is the same for every host and every server that serves the bundle; a problem of a host (a
   * name the leaf lacks) is that host's. The merge pass keys on it (sameCredentialProblem).
   */
  problem: (string | number | null)[];
}

/**
 * The certificate judgement, one path for every caller (Istio credential uses, file-mounted certificates,
 * Gateway API listeners): the chain validated once per bundle, the leaf's expiry at --now, then each host
 * (hostIssuesFor). Per host, the host's issues first, then the bundle's.
 */
export class CertificateJudge {
  private readonly reports = new Map<object, ChainReport>();

  constructor(private readonly options: CheckOptions) {}

  judge(bundle: { certificates: CertFacts[]; caCertificates?: CertFacts[] }, hosts: string[]): Judged[] {
    const leaf = bundle.certificates[0];
    if (!leaf) return [];
    const { trustStore, now } = this.options;
    let report = this.reports.get(bundle);
    if (!report) {
      report = validateChain(bundle.certificates, { trustStore, now, caHints: bundle.caCertificates });
      this.reports.set(bundle, report);
    }
    const shared = [...report.issues];
    const expiry = expiryIssue(leaf, this.options);
    if (expiry) shared.push(expiry);
    const evidence = certEvidence(leaf, report, now.getTime());
    const problem = (issue: CertIssue, of: string | null, i: number) => [of === null ? 'bundle' : 'host', of, i, issue.field ?? null, issue.cause ?? null];
    return hosts.flatMap((host) => [
      ...hostIssuesFor(leaf, host).map((issue, i) => ({ host, issue, evidence, problem: problem(issue, host.toLowerCase(), i) })),
      ...shared.map((issue, i) => ({ host, issue, evidence, problem: problem(issue, null, i) })),
    ]);
  }
}

/** ITLS301-315 for targets resolved elsewhere (entry point for the Gateway-API check). */
export function certificateFindingsFor(targets: CertificateTarget[], options: CheckOptions): Finding[] {
  const judge = new CertificateJudge(options);
  return targets.flatMap((t) =>
    judge.judge(t.decoded, t.hosts).map(({ host, issue, evidence, problem }) =>
      sameCredentialProblem(findingFor(certificateCodes, issue.code, {
        resource: t.resource,
        host,
        port: t.port,
        severity: issue.severity,
        message: sentence(issue.message),
        evidence: { ...evidence, source: t.source, ...(t.evidence ?? {}), ...(issue.evidence ?? {}) },
        remediation: certificateFix(t.credential, issue, host, t.decoded.caSource === 'main-secret' ? t.decoded.caKey : undefined),
      }), problem),
    ),
  );
}
