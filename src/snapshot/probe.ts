// What the live probe sends as SNI for a Gateway host. Shared by the probe (src/cluster/probe.ts),
// which makes the handshakes, and the checks and status, which look them up by host.

/** The label the probe puts under a wildcard host: a name no real host is expected to use. */
export const PROBE_LABEL = 'istio-tls-doctor-probe';

/**
 * The SNI that reaches a Gateway host's filter chain. An exact host is sent as itself. A wildcard
 * `*.example.com` has no name of its own, so the probe sends `istio-tls-doctor-probe.example.com`:
 * Envoy matches it against `*.example.com` (its longest wildcard suffix), the chain a real client of
 * any name under example.com gets unless a more specific server lists that name. `*` (any host) gets
 * `istio-tls-doctor-probe.invalid` (RFC 2606: never a real name), which only a chain without server
 * names matches. A host with `*` anywhere else is not a name Envoy matches: undefined, not probed.
 */
export function probeSni(host: string): string | undefined {
  const h = host.slice(host.indexOf('/') + 1).toLowerCase();
  if (h === '') return undefined;
  if (h === '*') return `${PROBE_LABEL}.invalid`;
  if (h.startsWith('*.') && !h.slice(2).includes('*')) return `${PROBE_LABEL}${h.slice(1)}`;
  if (h.includes('*')) return undefined;
  return h;
}

/** Was this SNI made up by the probe for a wildcard host (not a name a client would send)? */
export function isProbeName(sni: string): boolean {
  return sni.startsWith(`${PROBE_LABEL}.`);
}
