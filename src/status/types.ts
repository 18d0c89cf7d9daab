// The status rows: one per gateway host, for Istio Gateways and Gateway API listeners alike.
import type { TrustStore } from '../tls/types.js';
import { type ResourceRef } from '../findings/types.js';

/** 'unknown': no error was seen, but the verdict depends on something the doctor could not read */
export type Verdict = 'ok' | 'warn' | 'error' | 'unknown';

export type Check = 'ok' | 'fail' | 'unknown';
export interface HostRow {
  gateway: ResourceRef;
  /** which API the Gateway belongs to, for the table: 'Gateway' (networking.istio.io) or 'Gateway (k8s)' (gateway.networking.k8s.io); absent = 'Gateway' */
  kind?: 'Gateway' | 'Gateway (k8s)';
  host: string;
  /** the host as the Gateway lists it, when it differs from `host` (a `namespace/host` restriction) */
  hostAsWritten?: string;
  port: number;
  protocol: string;
  mode: string;
  /** where the certificate comes from, e.g. "secret istio-system/kiali-tls" or "file /etc/istio/.../tls.crt" */
  credential: string;
  /** leaf subject CN (or full subject) when the certificate could be read */
  subject?: string;
  notAfter?: string;
  /** whole days until notAfter at --now (negative = expired) */
  expiresInDays?: number;
  /** leaf SANs cover the host */
  san: Check;
  /** the SAN entry that covers the host (e.g. `*.acme.test`), when one does */
  coveredBy?: string;
  /** the leaf's DNS SANs, when the certificate could be read */
  names?: string[];
  /** a host a Gateway serves on plain HTTP only: redirected to HTTPS that no server of its gateway pods serves ('redirect-only'), or plain HTTP with no HTTPS at all ('http-only') */
  plainHttp?: 'redirect-only' | 'http-only';
  /** a path to a trust anchor was built and verified; 'private-root': complete, but it ends at a root outside the trust store (ITLS309 warning) */
  chain: Check | 'private-root';
  /** what Envoy serves for this server matches the secret/file (from inside the gateway pods; unknown offline or with --no-exec) */
  served: 'yes' | 'no' | 'unknown';
  overall: Verdict;
  /** codes of the findings that decided `overall`, sorted */
  codes: string[];
  /** when `overall` is unknown: what could not be read that the verdict depends on */
  unknown?: string[];
}

export interface InventoryOptions {
  now: Date;
  trustStore: TrustStore;
}
