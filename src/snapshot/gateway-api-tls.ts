// The Istio server TLS mode istiod builds for a Gateway-API listener, as pilot/pkg/config/kube/gateway/
// conversion.go does it (istio.io/istio at the referee's pin, eed52ebb66ad): resolveGatewayTLS picks the
// Gateway's `spec.tls.frontend.perPort` entry for the listener's port, else `spec.tls.frontend.default`;
// buildTLS then, for a Terminate listener:
//   - SIMPLE, or what the listener option `gateway.istio.io/tls-terminate-mode` says: MUTUAL,
//     OPTIONAL_MUTUAL, ISTIO_SIMPLE (the workload's built-in certificate) or ISTIO_MUTUAL (the mesh's);
//   - with frontend validation naming a CA (caCertificateRefs): MUTUAL, or OPTIONAL_MUTUAL for
//     `mode: AllowInsecureFallback`; the option MUTUAL/OPTIONAL_MUTUAL still wins.
// A Passthrough listener is PASSTHROUGH. Shared by the live probe (which handshakes), the checks (which
// judge what it was served) and the simulator (which serves it).
import type { FrontendTLSValidation, GatewayListener, KubernetesGateway } from './types.js';

export type ListenerTlsMode = 'SIMPLE' | 'MUTUAL' | 'OPTIONAL_MUTUAL' | 'ISTIO_SIMPLE' | 'ISTIO_MUTUAL' | 'PASSTHROUGH';

/** The listener option Istio reads for the terminate mode (gatewaycommon.GatewayTLSTerminateModeKey). */
export const TLS_TERMINATE_MODE_OPTION = 'gateway.istio.io/tls-terminate-mode';

/** The frontend validation (spec.tls.frontend) that applies to a listener port, when it names a CA. */
export function frontendValidation(gw: KubernetesGateway, port: number): FrontendTLSValidation | undefined {
  const frontend = gw.spec?.tls?.frontend;
  if (!frontend) return undefined;
  const perPort = (frontend.perPort ?? []).find((p) => p.port === port);
  const validation = perPort ? perPort.tls?.validation : frontend.default?.validation;
  return (validation?.caCertificateRefs?.length ?? 0) > 0 ? validation : undefined;
}

/**
 * Where a mutual listener's client CA comes from: the frontend validation's caCertificateRefs, or (the
 * tls-terminate-mode option alone) the credential Secret itself, as for an Istio Gateway: `<name>-cacert`,
 * else its `cacert`/`ca.crt` key. undefined: the listener asks for no client certificate.
 */
export function clientCaSource(gw: KubernetesGateway, l: GatewayListener): 'frontend' | 'secret' | undefined {
  const mode = listenerTlsMode(gw, l);
  if (mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') return undefined;
  return frontendValidation(gw, l.port) ? 'frontend' : 'secret';
}

/** undefined: the listener has no TLS (HTTP, TCP, or HTTPS without a tls block). */
export function listenerTlsMode(gw: KubernetesGateway, l: GatewayListener): ListenerTlsMode | undefined {
  if (!l.tls) return undefined;
  if ((l.tls.mode ?? 'Terminate') !== 'Terminate') return 'PASSTHROUGH';
  const option = l.tls.options?.[TLS_TERMINATE_MODE_OPTION];
  if (option === 'ISTIO_SIMPLE' || option === 'ISTIO_MUTUAL') return option;
  let mode: ListenerTlsMode = option === 'MUTUAL' || option === 'OPTIONAL_MUTUAL' ? option : 'SIMPLE';
  const validation = frontendValidation(gw, l.port);
  if (validation) {
    mode = validation.mode === 'AllowInsecureFallback' ? 'OPTIONAL_MUTUAL' : 'MUTUAL';
    if (option === 'MUTUAL' || option === 'OPTIONAL_MUTUAL') mode = option;
  }
  return mode;
}

/** Does a client without a certificate get an alert about it (the listener asks for one)? */
export function asksClientCertificate(mode: ListenerTlsMode | undefined): boolean {
  return mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL' || mode === 'ISTIO_MUTUAL';
}
