// ITLS601/602/604: what a client is served on the wire (the live probe; checks/probe.ts).
import type { CodeSpec } from '../types.js';

export const probeCodes: CodeSpec[] = [
  {
    code: 'ITLS601',
    severity: 'error',
    title: 'TLS handshake fails at the gateway',
    meaning:
      'A TLS handshake with the gateway pod for this host (SNI = host; for a wildcard host, a name under it) did not complete: the connection was reset before any TLS answer (Envoy has no filter chain for that name), a TLS alert came back, or nothing listens on the port.',
    why: 'Every client of the host fails the same way (curl: "Connection reset by peer" / SSL_ERROR_SYSCALL, or the alert), whatever the Secret holds: Envoy never got a listener for this name.',
    example: 'Gateway shop-gateway lists new.example.com on port 443; a handshake with SNI new.example.com on pod istio-ingressgateway-7f9d8:8443 is reset (filter_chain_not_found), while shop.example.com on the same port works.',
    fix: 'Check that istiod pushed the Gateway to the pod (istioctl proxy-status; istiod logs), that no listener update was rejected (ITLS213), then restart the gateway pods so Envoy gets the current listeners.',
  },
  {
    code: 'ITLS602',
    severity: 'error',
    title: "Another certificate is served for this host",
    meaning:
      "The certificate a gateway pod serves for this host (SNI = host; for a wildcard host, a name under it) is not the one in the host's credential Secret (or Gateway-API certificateRef): it is another host's certificate, or the default one that clients without SNI get.",
    why: "Clients of the host see a certificate that does not name it (or not the one you renewed): browsers and curl refuse it as a name mismatch, though the Secret looks right in kubectl.",
    example: 'Secret shop-tls holds CN shop.example.com; a handshake with SNI shop.example.com gets CN bar.example.com, the certificate of Secret bar-tls.',
    fix: "Find why Envoy holds that chain for the host (istioctl proxy-config secret <pod>; istiod logs), correct the Gateway or credential, then restart the gateway pods so Envoy loads the Secret's certificate.",
  },
  {
    code: 'ITLS604',
    severity: 'warning',
    title: 'The gateway still serves an older certificate',
    meaning:
      "A gateway pod serves an older certificate for the host's names than the one its credential Secret now holds (every Ready pod is probed, so one replica that missed the renewal shows): the Secret was renewed, and Envoy did not load the new one.",
    why: 'Clients get the old certificate until Envoy reloads; when it expires every client fails although the renewal "worked". Error when the served one is expired or expires within 7 days.',
    example: 'Secret shop-tls holds serial 4f…e1 (expires in 80 days); shop.example.com is served serial 1a…07 (expires in 5 days).',
    fix: "Check why istiod did not push the renewed Secret (its logs; can the gateway read it?), then restart the gateway pods so Envoy fetches the current certificate over SDS.",
  },
];

/** What each alert tells about the gateway (RFC 8446 §6.2 meanings, as an Envoy gateway sends them). */
export const ALERT_MEANING: Record<string, string> = {
  handshake_failure: 'no protocol version, cipher suite or signature algorithm in common with the client (minProtocolVersion/cipherSuites, or a certificate key type the client does not offer)',
  protocol_version: 'the gateway does not speak the TLS version offered (tls.minProtocolVersion/maxProtocolVersion)',
  insufficient_security: 'the gateway requires stronger ciphers than the client offers',
  internal_error: 'Envoy failed while answering (often no usable certificate for the chain)',
  no_application_protocol: 'none of the ALPN protocols offered (h2, http/1.1) is accepted',
  unrecognized_name: 'the gateway has no certificate for this name',
  certificate_required: 'the gateway requires a client certificate (mutual TLS)',
  access_denied: 'the gateway refused the client',
  decode_error: 'the gateway could not read the handshake',
  illegal_parameter: 'the gateway rejected a handshake parameter',
};
export const MUTUAL_ALERTS = new Set(['certificate_required', 'handshake_failure', 'bad_certificate', 'certificate_unknown', 'unknown_ca', 'access_denied']);
