// A minimal DER reader for the few structures @peculiar/x509 does not expose the way validation
// needs them (GeneralNames with their raw bytes, NameConstraints, EC parameters). Throws on malformed input.

export interface Tlv {
  tag: number;
  /** start of the header (tag byte) */
  offset: number;
  /** start of the value */
  start: number;
  /** end of the value (exclusive) */
  end: number;
}

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not supported');
  let len = buf[offset + 1];
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error('truncated DER value');
  return { tag, offset, start, end };
}

/** The TLVs directly inside a constructed value. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let off = parent.start;
  while (off < parent.end) {
    const t = readTlv(buf, off, parent.end);
    out.push(t);
    off = t.end;
  }
  return out;
}

export function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = value * 128 + (bytes[i] & 0x7f);
    if (!(bytes[i] & 0x80)) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

export type GeneralNameKind = 'otherName' | 'email' | 'dns' | 'x400' | 'directoryName' | 'ediParty' | 'uri' | 'ip' | 'registeredID';

const KINDS: GeneralNameKind[] = ['otherName', 'email', 'dns', 'x400', 'directoryName', 'ediParty', 'uri', 'ip', 'registeredID'];

export interface GeneralName {
  kind: GeneralNameKind;
  bytes: Uint8Array;
}

export function readGeneralName(buf: Uint8Array, t: Tlv): GeneralName {
  if ((t.tag & 0xc0) !== 0x80) throw new Error('GeneralName is not context-tagged');
  const kind = KINDS[t.tag & 0x1f];
  if (!kind) throw new Error(`unknown GeneralName tag ${t.tag}`);
  return { kind, bytes: buf.subarray(t.start, t.end) };
}

/** GeneralNames ::= SEQUENCE OF GeneralName */
export function readGeneralNames(der: Uint8Array): GeneralName[] {
  const seq = readTlv(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) throw new Error('GeneralNames is not one SEQUENCE');
  return children(der, seq).map((t) => readGeneralName(der, t));
}

export function ipToString(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    return compressIpv6(groups);
  }
  return Buffer.from(bytes).toString('hex');
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

export interface RawNameConstraints {
  permitted: GeneralName[];
  excluded: GeneralName[];
  permittedPresent: boolean;
  excludedPresent: boolean;
}

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] GeneralSubtrees OPTIONAL } */
export function readNameConstraints(der: Uint8Array): RawNameConstraints {
  const seq = readTlv(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) throw new Error('NameConstraints is not one SEQUENCE');
  const out: RawNameConstraints = { permitted: [], excluded: [], permittedPresent: false, excludedPresent: false };
  for (const part of children(der, seq)) {
    const which = part.tag === 0xa0 ? 'permitted' : part.tag === 0xa1 ? 'excluded' : undefined;
    if (!which) throw new Error(`unexpected tag ${part.tag} in NameConstraints`);
    if (which === 'permitted') out.permittedPresent = true;
    else out.excludedPresent = true;
    for (const subtree of children(der, part)) {
      if (subtree.tag !== 0x30) throw new Error('GeneralSubtree is not a SEQUENCE');
      const fields = children(der, subtree);
      if (fields.length === 0) throw new Error('empty GeneralSubtree');
      out[which].push(readGeneralName(der, fields[0]));
    }
  }
  return out;
}
