// The routing area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const routingCodes: CodeSpec[] = [
  {
    code: 'ITLS501',
    severity: 'error',
    title: 'VirtualService names a Gateway that does not exist',
    meaning: 'An entry of a VirtualService\'s gateways list resolves to no Gateway. A bare name means a Gateway in the VirtualService\'s own namespace; other namespaces need <namespace>/<name>.',
    why: 'The routes are bound to nothing: requests for these hosts reach the gateway and get 404 (route_not_found).',
    example: 'VirtualService in namespace app with gateways: [my-gateway], while the Gateway lives in istio-system.',
    fix: 'Write the reference as <gateway namespace>/<gateway name> (e.g. istio-system/my-gateway).',
  },
  {
    code: 'ITLS502',
    severity: 'error',
    title: 'VirtualService host not served by its Gateway',
    meaning: 'A VirtualService bound to a Gateway lists hosts that none of the Gateway\'s servers serve (exact or wildcard match, namespace/host restrictions and exportTo honoured).',
    why: 'The gateway only builds routes for hosts its servers list; requests for the others get 404, and TLS clients get a certificate for some other name or none.',
    example: 'Gateway hosts [shop.example.com]; VirtualService hosts [www.shop.example.com].',
    fix: 'Correct the VirtualService host, or add the host to a Gateway server (with a certificate that covers it).',
  },
  {
    code: 'ITLS503',
    severity: 'warning',
    title: 'Gateway TLS host without a VirtualService',
    meaning: 'A host of a TLS-terminating server has no VirtualService bound to that Gateway. PASSTHROUGH servers are covered by ITLS405.',
    why: 'The handshake succeeds, then every request gets 404 (route_not_found) from istio-envoy.',
    example: 'Gateway serves kiali.example.com on 443; the VirtualService lists gateways: [other-gateway].',
    fix: 'Bind a VirtualService with that host to the Gateway (gateways: [<namespace>/<gateway>]).',
  },
  {
    code: 'ITLS504',
    severity: 'error',
    title: 'Route destination Service or port missing',
    meaning: 'A route of a VirtualService bound to a Gateway sends traffic to a Kubernetes Service that does not exist, or to a port that Service does not have.',
    why: 'Envoy has no endpoints for the destination: requests get 503 (no healthy upstream / cluster not found).',
    example: 'destination: {host: kiali, port: {number: 20002}} while Service kiali exposes 20001.',
    fix: 'Point the destination at an existing Service and one of its ports (the Service port, not the targetPort).',
  },
  {
    code: 'ITLS505',
    severity: 'warning',
    title: 'VirtualService for a gateway host bound only to the mesh',
    meaning: 'A VirtualService lists a host the gateway serves but has no gateways field, so it applies to sidecars (the mesh) only.',
    why: 'Without gateways, a VirtualService never configures the ingress gateway: requests through the gateway for that host get 404.',
    example: 'VirtualService hosts: [shop.example.com], no gateways; Gateway istio-system/public serves shop.example.com.',
    fix: 'Add gateways: [<namespace>/<gateway>, mesh] (keep mesh if sidecars should keep using it).',
  },
  {
    code: 'ITLS506',
    severity: 'warning',
    title: 'DestinationRule TLS does not fit the backend',
    meaning: 'The DestinationRule that applies to a gateway route\'s destination (as Istio picks it: gateway namespace, then Service namespace, then the root namespace) sets a TLS mode the backend cannot speak.',
    why: 'ISTIO_MUTUAL towards a pod without a sidecar, DISABLE towards a sidecar under a STRICT PeerAuthentication, or SIMPLE towards a plain-HTTP port all fail the upstream connection: clients get 503 (UF, upstream connect error) after a good handshake at the gateway.',
    example: 'DestinationRule kiali tls.mode: DISABLE while PeerAuthentication default in istio-system is STRICT and kiali has a sidecar.',
    fix: 'Set the DestinationRule mode to what the backend speaks: ISTIO_MUTUAL to sidecars, DISABLE to plain pods, SIMPLE only to ports that serve TLS themselves.',
  },
  {
    code: 'ITLS507',
    severity: 'error',
    title: 'VirtualService route kind does not fit the server',
    meaning: 'A VirtualService is bound to a Gateway server whose protocol needs another kind of route: HTTP/HTTPS servers use http routes, PASSTHROUGH servers tls routes (sniHosts), TLS servers that terminate and TCP servers use tcp routes.',
    why: 'The gateway ignores routes of the wrong kind: the host has no route at all (404 for HTTP, connection closed for TLS/TCP).',
    example: 'VirtualService with only tls routes bound to an HTTPS server with mode SIMPLE.',
    fix: 'Rewrite the routes in the kind the server needs (YAML in the finding), keeping the destinations.',
  },
];
