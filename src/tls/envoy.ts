// Which server certificates a given Envoy release loads, from Envoy's source (docs/envoy-key-limits.md
// has the table with its citations). Envoy checks the leaf's public key when it builds a server TLS
// context (ContextImpl::ContextImpl, source/common/tls/context_impl.cc; before 1.30
// source/extensions/transport_sockets/tls/context_impl.cc):
//   - ECDSA: P-256 only from 1.9 (envoy PR #5224) to 1.32; P-256, P-384 and P-521 from 1.33.0
//     (PR #36369, changelogs/1.33.0.yaml "Added support for P-384 and P-521 curves for TLS server
//     certificates");
//   - RSA: 2048 bits or more; FIPS builds (BORINGSSL_FIPS) exactly 2048, 3072 or 4096, and no key type
//     other than RSA and ECDSA.
// A refused certificate fails the whole TLS context: the SDS update is rejected and the listener keeps
// what it had (or never warms).
import type { CertFacts } from './types.js';

/** The Envoy a gateway runs, as far as its proxy image says. */
export interface EnvoyBuild {
  /** Envoy minor release (1.<minor>) */
  minor: number;
  /** "1.32" */
  envoy: string;
  /** the Istio version the image tag names ("1.24.2"), when it came from an Istio proxy image */
  istio?: string;
  /** a FIPS build (the tag says fips) */
  fips: boolean;
  image?: string;
}

/** Envoy minor that first loads P-384 and P-521 server certificates. */
export const ENVOY_EC_P384_MINOR = 33;

/**
 * Istio minor → Envoy minor: each Istio minor release is built on Envoy's release branch eight minors
 * higher (istio.io "Supported Releases", section "Supported Envoy Versions": 1.19 → release/v1.27,
 * 1.20 → v1.28, 1.21 → v1.29; 1.24 → v1.32, 1.25 → v1.33, 1.26 → v1.34).
 */
export function envoyMinorForIstio(istioMinor: number): number {
  return istioMinor + 8;
}

/** Version from an image reference: `docker.io/istio/proxyv2:1.22.1-distroless` → `1.22.1`; a digest-only reference has none. */
export function imageTagVersion(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.slice(colon).includes('/')) return undefined;
  const m = /^v?(\d+\.\d+(?:\.\d+)?)/.exec(ref.slice(colon + 1));
  return m?.[1];
}

/** The Envoy of an Istio proxy image (proxyv2), from its tag; undefined when the tag names no version. */
export function envoyOfProxyImage(image: string | undefined): EnvoyBuild | undefined {
  const istio = imageTagVersion(image);
  if (!istio || !image) return undefined;
  const [major, minor] = istio.split('.').map(Number);
  if (major !== 1 || !Number.isInteger(minor)) return undefined;
  const envoyMinor = envoyMinorForIstio(minor);
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return { minor: envoyMinor, envoy: `1.${envoyMinor}`, istio, fips: /fips/i.test(tag), image };
}

/** RSA sizes a FIPS build loads: 4096 from Envoy 1.17 (PR #13851). */
function fipsRsaBits(build: EnvoyBuild): number[] {
  return build.minor >= 17 ? [2048, 3072, 4096] : [2048, 3072];
}

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** What this Envoy loads, in words ("RSA keys of 2048 bits or more and ECDSA keys on P-256"). */
export function envoyAccepts(build: EnvoyBuild): string {
  const rsa = build.fips ? `RSA keys of exactly ${fipsRsaBits(build).join(', ').replace(/, (\d+)$/, ' or $1')} bits` : 'RSA keys of 2048 bits or more';
  const ec = build.minor >= ENVOY_EC_P384_MINOR ? 'ECDSA keys on P-256, P-384 or P-521' : 'ECDSA keys on P-256 only';
  return `${rsa} and ${ec}${build.fips ? ' (FIPS build: no other key type)' : ''}`;
}

/**
 * Why this Envoy release refuses to load the leaf, or undefined when it loads it. Only what depends on
 * the release (or a FIPS build) is judged here: what every Envoy refuses is ITLS204 already
 * (credential.ts envoyKeyProblem).
 */
export function envoyRefusesForVersion(leaf: CertFacts, build: EnvoyBuild): string | undefined {
  const k = leaf.publicKey;
  const who = `Envoy ${build.envoy}${build.istio ? ` (Istio ${build.istio})` : ''}`;
  if (k.type === 'ec' && (k.curve === 'secp384r1' || k.curve === 'secp521r1') && build.minor < ENVOY_EC_P384_MINOR) {
    return `${who} loads ECDSA keys on P-256 only; this key is on ${CURVE_NAMES[k.curve]}, loaded from Envoy 1.33 (Istio 1.25)`;
  }
  if (build.fips) {
    if (k.type === 'rsa' && k.bits !== undefined && k.bits >= 2048 && !fipsRsaBits(build).includes(k.bits)) {
      return `${who} is a FIPS build and loads only ${envoyAccepts(build)}; this certificate has a ${k.bits}-bit RSA key`;
    }
  }
  return undefined;
}
