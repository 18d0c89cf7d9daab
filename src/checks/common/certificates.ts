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

export const DAY = 24 * 60 * 60 * 1000;

export function certEvidence(leaf: CertFacts, report: ChainReport, now: number): Record<string, EvidenceValue> {
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
export function expiryIssue(leaf: CertFacts, options: CheckOptions): CertIssue | undefined {
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
            remediation: certificateFix(t.credential, issue, host, t.decoded.caSource === 'main-secret' ? t.decoded.caKey : undefined),
          }),
        );
      }
    }
  }
  return findings;
}
