// Host names as browsers match them (RFC 6125 + CA/B Forum): DNS SANs only, no CN fallback; a
// wildcard only as the whole left-most label, one label deep, never over a public suffix;
// case-insensitive; trailing dot ignored; IDNs compared in A-label form; IP hosts against IP SANs.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { getPublicSuffix } from 'tldts';
import type { CertFacts, NameMatch } from './types.js';
import { dnsSanDefect } from './certificate.js';

/** Lower-case A-label form without trailing dot; '' when the name is not a valid host. */
export function normalizeHost(host: string): string {
  let h = host.trim();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('*.')) {
    const rest = domainToASCII(h.slice(2));
    return rest ? `*.${rest}` : '';
  }
  if (/^[\x00-\x7f]*$/.test(h)) return h.toLowerCase();
  return domainToASCII(h);
}

function normalizeIp(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, '');
  if (isIP(v) === 6) {
    // canonical text through the URL parser
    try {
      return new URL(`http://[${v}]/`).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return v.toLowerCase();
    }
  }
  return v;
}

/** Is `suffix` (a.k.a. the part after "*.") a public suffix, like com, co.uk or s3.amazonaws.com? */
export function isPublicSuffix(suffix: string): boolean {
  if (!suffix.includes('.')) return true;
  const ps = getPublicSuffix(suffix, { allowPrivateDomains: true });
  return ps === suffix;
}

/** Why a wildcard SAN cannot match anything, or undefined when it is a usable wildcard. */
export function wildcardDefect(san: string): string | undefined {
  if (san === '*') return 'a bare "*" SAN matches nothing';
  const defect = dnsSanDefect(san);
  if (defect) return defect;
  const suffix = san.slice(2);
  if (isPublicSuffix(suffix)) return `"${san}" is a wildcard over the public suffix "${suffix}", which clients refuse`;
  return undefined;
}

/** Does one DNS SAN cover a concrete (non-wildcard) host? Both already normalized. */
export function sanCoversHost(san: string, host: string): boolean {
  if (!san.includes('*')) return !dnsSanDefect(san) && san === host;
  if (!san.startsWith('*.') || wildcardDefect(san)) return false;
  const suffix = san.slice(1); // ".example.com"
  if (!host.endsWith(suffix)) return false;
  const first = host.slice(0, host.length - suffix.length);
  return first.length > 0 && !first.includes('.');
}

/** Does the leaf's DNS/IP SANs cover a Gateway host (namespace part already stripped)? */
export function matchHost(rawHost: string, leaf: CertFacts): NameMatch {
  const sans = leaf.dnsNames.map((s) => s.trim());
  const listed = [...sans, ...leaf.ipAddresses].join(', ') || '(none)';
  if (rawHost.trim() === '*') {
    return { covered: false, reason: 'the Gateway host "*" accepts any name, so no certificate name can be checked against it' };
  }
  if (isIP(rawHost.trim().replace(/^\[|\]$/g, ''))) {
    const ip = normalizeIp(rawHost);
    const hit = leaf.ipAddresses.find((a) => normalizeIp(a) === ip);
    if (hit) return { covered: true, matchedBy: `IP:${hit}` };
    return { covered: false, reason: `the host is an IP address and the certificate has no IP SAN ${ip} (IP SANs: ${leaf.ipAddresses.join(', ') || 'none'})` };
  }
  const host = normalizeHost(rawHost);
  if (!host) return { covered: false, reason: `"${rawHost}" is not a valid host name` };
  if (sans.length === 0) {
    const cn = leaf.commonName ? ` (only the subject CN "${leaf.commonName}", which modern clients ignore)` : '';
    return { covered: false, reason: `the certificate has no DNS SAN at all${cn}` };
  }
  const normalized = sans.map((s) => ({ raw: s, norm: s.toLowerCase().replace(/\.$/, '') }));
  if (host.startsWith('*.')) {
    // A Gateway wildcard accepts every name one label under it: only the same wildcard SAN covers them all.
    const hit = normalized.find((s) => s.norm === host && !wildcardDefect(s.norm));
    if (hit) return { covered: true, matchedBy: hit.raw };
    const bad = normalized.find((s) => s.norm === host);
    if (bad) return { covered: false, reason: wildcardDefect(bad.norm) };
    return {
      covered: false,
      reason: `the Gateway host ${rawHost} accepts any name under ${host.slice(2)}, so the certificate needs the SAN ${host}; it covers ${listed}`,
    };
  }
  const hit = normalized.find((s) => sanCoversHost(s.norm, host));
  if (hit) return { covered: true, matchedBy: hit.raw };
  // Say why the nearest candidate fails, in the words of the rule it breaks.
  for (const s of normalized) {
    if (s.norm.includes('*')) {
      const defect = wildcardDefect(s.norm);
      const suffix = s.norm.slice(1);
      if (defect && (host.endsWith(s.norm.replace(/^[^.]*/, '')) || s.norm === '*')) return { covered: false, reason: `${defect}; the certificate covers ${listed}` };
      if (s.norm.startsWith('*.') && host.endsWith(suffix) && host.slice(0, -suffix.length).includes('.')) {
        return { covered: false, reason: `${s.raw} covers exactly one label in place of "*", not ${rawHost}; the certificate covers ${listed}` };
      }
      if (s.norm.startsWith('*.') && host === s.norm.slice(2)) {
        return { covered: false, reason: `${s.raw} does not cover the bare domain ${rawHost}; the certificate covers ${listed}` };
      }
    } else {
      const defect = dnsSanDefect(s.norm);
      if (defect && s.norm === host) return { covered: false, reason: `the SAN "${s.raw}" ${defect}` };
    }
  }
  return { covered: false, reason: `the certificate covers ${listed}; the Gateway asks for ${rawHost}` };
}

/** Is a DNS name within a name-constraint subtree (RFC 5280 4.2.1.10: the domain and its subdomains)? */
function withinDnsSubtree(name: string, constraint: string): boolean {
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  return name === c || name.endsWith(`.${c}`);
}

/**
 * Could a (possibly wildcard) DNS SAN fall inside an excluded subtree, or fall outside a permitted one?
 * A wildcard stands for every name one label deep, so `*.example.com` is outside `foo.example.com`
 * and collides with an exclusion of `bar.example.com` (CVE-2025-61727).
 */
export function dnsNameViolates(san: string, permitted: string[], excluded: string[]): string | undefined {
  const name = san.toLowerCase().replace(/\.$/, '');
  // a name that is not a DNS name cannot be shown to lie inside a subtree: Go ("cannot parse dnsName")
  // and rustls refuse the path rather than skip the name
  if ((permitted.length || excluded.length) && !isWellFormedDnsSan(name)) {
    return `${san} is not a well-formed DNS name, so it cannot be checked against the name constraints`;
  }
  const wildcardBase = name.startsWith('*.') ? name.slice(2) : undefined;
  for (const ex of excluded) {
    const c = ex.toLowerCase().replace(/\.$/, '');
    if (withinDnsSubtree(name, c)) return `${san} is inside the excluded subtree ${ex}`;
    if (wildcardBase !== undefined && (withinDnsSubtree(wildcardBase, c) || (c.endsWith(`.${wildcardBase}`) && !c.slice(0, -wildcardBase.length - 1).includes('.')))) {
      return `${san} can stand for names in the excluded subtree ${ex}`;
    }
  }
  if (permitted.length) {
    const ok = permitted.some((p) => {
      const c = p.toLowerCase().replace(/\.$/, '');
      if (wildcardBase !== undefined) return withinDnsSubtree(wildcardBase, c);
      return withinDnsSubtree(name, c);
    });
    if (!ok) return `${san} is outside the permitted subtrees ${permitted.join(', ')}`;
  }
  return undefined;
}

/** LDH labels (underscore tolerated), no empty label, `*` only as the whole left-most label. */
function isWellFormedDnsSan(name: string): boolean {
  const labels = name.split('.');
  return labels.every((l, i) => (l === '*' ? i === 0 && labels.length > 1 : /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)));
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [net, mask] = cidr.split('/');
  const toBytes = (a: string): number[] | undefined => {
    if (isIP(a) === 4) return a.split('.').map(Number);
    if (isIP(a) === 6) {
      const [head, tail] = a.split('::');
      const h = head ? head.split(':') : [];
      const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
      const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
      return groups.flatMap((g) => {
        const v = parseInt(g, 16);
        return [v >> 8, v & 0xff];
      });
    }
    return undefined;
  };
  const a = toBytes(ip);
  const n = toBytes(net);
  const m = toBytes(mask);
  if (!a || !n || !m || a.length !== n.length || n.length !== m.length) return false;
  return a.every((b, i) => (b & m[i]) === (n[i] & m[i]));
}

export function ipViolates(ip: string, permitted: string[], excluded: string[]): string | undefined {
  for (const ex of excluded) if (ipInCidr(ip, ex)) return `${ip} is inside the excluded range ${ex}`;
  if (permitted.length && !permitted.some((p) => ipInCidr(ip, p))) return `${ip} is outside the permitted ranges ${permitted.join(', ')}`;
  return undefined;
}
