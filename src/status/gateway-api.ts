// `status` rows for Gateway-API listeners: one per (Gateway, listener, hostname) that terminates or
// passes through TLS — the same row shape as an Istio Gateway host, so one table covers both APIs.
import { matchHost, privateRootOf, validateChain } from '../tls/index.js';
import { gatewayApiModel, inScope, isTlsListener, listenerHosts } from '../model/gateway-api.js';
import type { HostRow, InventoryOptions } from './types.js';
import type { Model } from '../model/model.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../findings/types.js';

const DAY_MS = 86_400_000;

export function kubernetesHostRows(model: Model, findings: Finding[], options: InventoryOptions, namespace = model.namespace): HostRow[] {
  const rows: HostRow[] = [];
  for (const gm of inScope(gatewayApiModel(model), namespace)) {
    const mine = findings.filter((f) => f.resource.kind === gm.ref.kind && f.resource.name === gm.ref.name && (f.resource.namespace ?? '') === gm.namespace);
    for (const l of gm.listeners) {
      if (!isTlsListener(l)) continue;
      const ref = l.certRefs.find((c) => c.supported && c.permitted && c.resolution?.secret) ?? l.certRefs[0];
      const certificates = ref?.permitted ? ref.resolution?.decoded?.certificates ?? [] : [];
      const leaf = certificates[0];
      const credential = l.mode === 'Passthrough' ? '-' : ref ? `secret ${ref.namespace}/${ref.name}${ref.resolution?.secret ? '' : ref.permitted ? ' (missing)' : ' (not permitted)'}` : '-';
      for (const host of listenerHosts(l)) {
        const decisive = mine.filter((f) => f.severity !== 'info' && (f.host === undefined || f.host === host) && (f.port === undefined || f.port === l.port));
        let w: Severity | undefined;
        for (const f of decisive) if (!w || SEVERITY_RANK[f.severity] > SEVERITY_RANK[w]) w = f.severity;
        // the certificate's facts as for an Istio row (rows.ts), keys in the same order: -o json/yaml consumers diff these rows
        let certificate: Pick<HostRow, 'subject' | 'notAfter' | 'expiresInDays' | 'coveredBy' | 'names'> = {};
        let san: HostRow['san'] = 'unknown';
        let chain: HostRow['chain'] = 'unknown';
        if (leaf) {
          certificate = { subject: leaf.commonName ?? leaf.subject, notAfter: leaf.notAfter };
          const t = Date.parse(leaf.notAfter);
          if (!Number.isNaN(t)) certificate.expiresInDays = Math.floor((t - options.now.getTime()) / DAY_MS);
          if (host !== '*') {
            const match = matchHost(host, leaf);
            san = match.covered ? 'ok' : 'fail';
            // the SAN entry that covers the hostname (the status SAN column shows it when it is not the hostname itself)
            if (match.covered && match.matchedBy) certificate.coveredBy = match.matchedBy;
          }
          certificate.names = leaf.dnsNames;
          const report = validateChain(certificates, { host: host === '*' ? undefined : host, trustStore: options.trustStore, now: options.now });
          chain = report.trusted ? 'ok' : privateRootOf(report) !== undefined ? 'private-root' : report.path.length === 0 && report.issues.length === 0 ? 'unknown' : 'fail';
        }
        const row: HostRow = {
          gateway: gm.ref,
          kind: 'Gateway (k8s)',
          host,
          port: l.port,
          protocol: l.protocol,
          mode: l.mode === 'Passthrough' ? 'PASSTHROUGH' : 'SIMPLE',
          credential,
          ...certificate,
          san,
          chain,
          served: 'unknown',
          overall: w === 'error' ? 'error' : w === 'warning' ? 'warn' : 'ok',
          codes: [...new Set(decisive.map((f) => f.code))].sort(),
        };
        rows.push(row);
      }
    }
  }
  return rows;
}
