// The gateway-api area's codes: what each means, why traffic breaks, an example, the fix in words.
// docs/checks.md is generated from this catalog (scripts/gen-docs.ts).
import type { CodeSpec } from '../types.js';

export const gatewayApiCodes: CodeSpec[] = [
  {
    code: 'ITLS701',
    severity: 'error',
    title: 'Listener certificateRef cannot be resolved',
    meaning: 'A Gateway-API listener that terminates TLS references a certificate that Istio cannot load: the Secret does not exist in the namespace the reference names (the Gateway\'s own by default), or the reference is not to a core Secret.',
    why: 'Istio sets ResolvedRefs=False (InvalidCertificateRef) on the listener and serves no certificate for it: every TLS handshake for its hosts fails.',
    example: 'certificateRefs: [{name: shop-tls}] on a Gateway in istio-ingress, secret shop-tls only in shop.',
    fix: 'Create the Secret in the namespace the reference names, or point the reference (name, namespace) at the Secret that exists — across namespaces together with a ReferenceGrant.',
  },
  {
    code: 'ITLS702',
    severity: 'error',
    title: 'Cross-namespace certificateRef without a ReferenceGrant',
    meaning: 'A listener references a Secret in another namespace and no ReferenceGrant in that namespace allows Gateways of the listener\'s namespace to reference it.',
    why: 'The Gateway API forbids cross-namespace references without a grant: Istio refuses the reference (ResolvedRefs=False, RefNotPermitted) and the listener serves no certificate.',
    example: 'Gateway in istio-ingress, certificateRefs: [{name: shop-tls, namespace: shop}], no ReferenceGrant in shop.',
    fix: 'Create a ReferenceGrant in the Secret\'s namespace from Gateways of the Gateway\'s namespace to that Secret (or move the Secret next to the Gateway).',
  },
  {
    code: 'ITLS703',
    severity: 'error',
    title: 'TLS listener without a certificate',
    meaning: 'An HTTPS listener, or a TLS listener in Terminate mode, has no tls block or no certificateRefs.',
    why: 'A listener that terminates TLS needs a certificate: the Gateway API marks it invalid and Istio does not program it, so its port serves no TLS for these hosts.',
    example: 'protocol: HTTPS, port: 443, no tls.certificateRefs.',
    fix: 'Add tls.mode Terminate with certificateRefs naming the Secret that holds the certificate (or use protocol TLS with mode Passthrough and a TLSRoute).',
  },
  {
    code: 'ITLS704',
    severity: 'error',
    title: 'No gateway pods run the Gateway',
    meaning: 'No pod serves the Gateway: for a Gateway Istio deploys, no pod in its namespace carries gateway.networking.k8s.io/gateway-name=<name> (or istio.io/gateway-name, which Istio set before 1.24) — the Deployment <name>-<class> (or the gateway.istio.io/name-override name) is missing or not running; for a manual deployment, the Service its Hostname address names does not exist or selects no pod.',
    why: 'Without pods, nothing listens: the Gateway\'s hosts do not resolve to a working proxy however correct the configuration is.',
    example: 'Gateway web (class istio) in istio-ingress, no pod labelled gateway.networking.k8s.io/gateway-name=web.',
    fix: 'Check that istiod runs its Gateway deployment controller and why the Deployment has no ready pods (kubectl describe deployment <name>-<class>); for a manual deployment fix spec.addresses to the gateway Service.',
  },
  {
    code: 'ITLS705',
    severity: 'error',
    title: 'Route does not attach to the Gateway',
    meaning: 'A route\'s parentRef names a Gateway that does not exist, a sectionName/port no listener has, or listeners that refuse it: allowedRoutes (namespaces From Same/Selector, kinds) or no hostname shared between the route and the listener.',
    why: 'A route that is not attached serves nothing: requests for its hosts get 404 (HTTP) or are reset (TLS), while the route looks fine on its own.',
    example: 'HTTPRoute in shop with parentRefs [{name: web, namespace: istio-ingress}] and a listener whose allowedRoutes.namespaces.from is Same.',
    fix: 'Fix the parentRef (name, namespace, sectionName, port), allow the route\'s namespace and kind on the listener, or align the hostnames.',
  },
  {
    code: 'ITLS706',
    severity: 'warning',
    title: 'TLS listener with no attached route',
    meaning: 'An HTTPS listener (or a TLS Passthrough listener) has no route of a kind it accepts attached to it.',
    why: 'The handshake may succeed but every request gets 404 (HTTPS) or the connection is closed (Passthrough): the listener has nowhere to send traffic.',
    example: 'listener https on 443 for shop.example.com; the only HTTPRoute attaches to sectionName http.',
    fix: 'Attach an HTTPRoute (HTTPS) or TLSRoute (Passthrough) to the listener, or remove the listener.',
  },
  {
    code: 'ITLS707',
    severity: 'error',
    title: 'Gateway-API and Istio Gateways claim the same host and port',
    meaning: 'A Gateway-API Gateway and another Gateway (Istio or Gateway-API) serve the same host on the same port on the same gateway pods.',
    why: 'The pods merge every Gateway into one configuration in istiod\'s order: oldest creationTimestamp first, then name (a Gateway-API listener is named <gateway>~istio-autogenerated-k8s-gateway~<listener>), then namespace. For TLS the first server that names the host keeps it and every later server naming it is skipped whole: clients get the first one\'s certificate and routes, the other is dead config. Hosts that differ only by a namespace prefix are not duplicates to istiod: it keeps both servers and Envoy rejects the listener. Plain HTTP servers are merged, the first Gateway\'s routes tried first.',
    example: 'Istio Gateway shop-gateway (created 2023) and Gateway-API Gateway shop (created 2026, spec.addresses → istio-ingressgateway) both serve shop.example.com on 443: istiod keeps shop-gateway\'s server and ignores the listener.',
    fix: 'Remove the host from the Gateway istiod ignores (dead config: clients see no change). To move the host to that Gateway instead, remove it from the kept one once the other\'s certificate and routes are checked.',
  },
];
