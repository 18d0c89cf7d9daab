// `status` rows for Gateway-API listeners: one per (Gateway, listener, hostname) that terminates or
// passes through TLS — built by the same row path as an Istio Gateway host (row.ts), so one table covers
// both APIs: the same certificate columns and chain verdict, SERVED from the live probe, and "unknown"
// when a read the row needs failed.
import { gatewayApiModel, inScope, isTlsListener, listenerHosts } from '../model/gateway-api.js';
import { blindText, listenerBlindness, visible } from '../model/visibility.js';
import { k8sSubject, servedOnWire } from '../model/probe.js';
import { listenerTlsMode } from '../snapshot/gateway-api-tls.js';
import type { Model } from '../model/model.js';
import type { HostRow, InventoryOptions } from './types.js';
import { certificateColumns, findingsAbout, gatewayWide, sameRef, verdict, type ChainVerdicts, type FindingIndex } from './row.js';

export function kubernetesHostRows(model: Model, index: FindingIndex, options: InventoryOptions, chains: ChainVerdicts): HostRow[] {
  const rows: HostRow[] = [];
  for (const gm of inScope(gatewayApiModel(model), model.namespace)) {
    const wide = gatewayWide(index, gm.ref);
    for (const l of gm.listeners) {
      if (!isTlsListener(l)) continue;
      const ref = l.certRefs.find((c) => c.supported && c.permitted && c.resolution?.secret) ?? l.certRefs[0];
      const certificates = ref?.permitted ? ref.resolution?.decoded?.certificates ?? [] : [];
      const state = !ref || ref.resolution?.secret ? '' : !ref.permitted ? ' (not permitted)' : visible(model.snapshot, 'secrets', ref.namespace) ? ' (missing)' : ' (unreadable)';
      const credential = l.mode === 'Passthrough' ? '-' : ref ? `secret ${ref.namespace}/${ref.name}${state}` : '-';
      const blind = listenerBlindness(model, l).map(blindText);
      // what a client got on the wire (the live probe), for a listener that terminates TLS
      // the mode istiod builds (frontend validation, the tls-terminate-mode option); ISTIO_SIMPLE/ISTIO_MUTUAL serve a built-in certificate the probe does not compare
      const tlsMode = listenerTlsMode(gm.gateway, l.listener) ?? (l.mode === 'Passthrough' ? 'PASSTHROUGH' : 'SIMPLE');
      const subject = l.mode === 'Terminate' && tlsMode !== 'ISTIO_SIMPLE' && tlsMode !== 'ISTIO_MUTUAL' ? k8sSubject(model, gm, l) : undefined;
      for (const host of listenerHosts(l)) {
        // this Gateway's findings about the host (its own, or a cause it is one of the places of), and those about it as a whole
        const about = findingsAbout(index, gm.ref, host, l.port).filter(
          (f) => sameRef(f.resource, gm.ref) || (f.places ?? []).some((p) => p.host === host && sameRef(p.resource, gm.ref)),
        );
        const decisive = [...about, ...wide.filter((f) => f.port === undefined || f.port === l.port)].filter((f) => f.severity !== 'info');
        const row: HostRow = {
          gateway: gm.ref,
          kind: 'Gateway (k8s)',
          host,
          port: l.port,
          protocol: l.protocol,
          mode: tlsMode,
          credential,
          ...certificateColumns(certificates, host, options, chains),
          served: subject ? servedOnWire(model, subject, host) : 'unknown',
          overall: verdict(decisive, blind),
          codes: [...new Set(decisive.map((f) => f.code))].sort(),
        };
        if (blind.length) row.unknown = blind;
        rows.push(row);
      }
    }
  }
  return rows;
}
