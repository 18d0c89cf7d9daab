// Reading what people actually paste into Secrets: PEM with CRLF, stray whitespace, comments between
// blocks (OpenSSL skips them, so does Envoy), DER instead of PEM, and values base64-encoded twice.

export interface PemBlock {
  /** the BEGIN label, e.g. CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY */
  label: string;
  der: Buffer;
  /** RFC 1421 headers inside the block (Proc-Type, DEK-Info) */
  headers: Record<string, string>;
  /** body that was not valid base64 */
  badBase64: boolean;
}

export interface PemReading {
  blocks: PemBlock[];
  /** the value was base64 of a PEM text (encoded twice) */
  encodedTwice: boolean;
  /** the value was DER bytes (or base64 of DER once the outer layer was removed) */
  der?: Buffer;
  /** non-whitespace text outside PEM blocks (tolerated by OpenSSL) */
  textOutside: boolean;
  /** the value was empty or only whitespace */
  empty: boolean;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

function parseBlocks(text: string): { blocks: PemBlock[]; textOutside: boolean } {
  const blocks: PemBlock[] = [];
  let outside = '';
  let last = 0;
  for (const m of text.matchAll(BLOCK)) {
    outside += text.slice(last, m.index);
    last = (m.index ?? 0) + m[0].length;
    const headers: Record<string, string> = {};
    const lines = m[2].split('\n');
    const body: string[] = [];
    for (const line of lines) {
      const trimmed = line.trim();
      const h = /^([A-Za-z-]+):\s*(.*)$/.exec(trimmed);
      if (h && body.length === 0) headers[h[1]] = h[2];
      else if (trimmed) body.push(trimmed);
    }
    const b64 = body.join('');
    blocks.push({ label: m[1], der: Buffer.from(b64, 'base64'), headers, badBase64: !BASE64_TEXT.test(b64 || '=') });
  }
  outside += text.slice(last);
  return { blocks, textOutside: /\S/.test(outside) };
}

/** True when the bytes look like a DER SEQUENCE spanning the whole buffer. */
export function looksLikeDer(buf: Buffer): boolean {
  if (buf.length < 4 || buf[0] !== 0x30) return false;
  const lenByte = buf[1];
  let length: number;
  let header: number;
  if (lenByte < 0x80) {
    length = lenByte;
    header = 2;
  } else {
    const n = lenByte & 0x7f;
    if (n === 0 || n > 4 || buf.length < 2 + n) return false;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[2 + i];
    header = 2 + n;
  }
  return header + length === buf.length;
}

/** Read one Secret value (already base64-decoded once by the caller) as PEM, tolerantly. */
export function readPem(value: string | Buffer): PemReading {
  const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (looksLikeDer(buf)) return { blocks: [], encodedTwice: false, der: buf, textOutside: false, empty: false };
  const text = buf.toString('utf8').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!/\S/.test(text)) return { blocks: [], encodedTwice: false, textOutside: false, empty: true };
  const { blocks, textOutside } = parseBlocks(text);
  if (blocks.length > 0) return { blocks, encodedTwice: false, textOutside, empty: false };
  // No PEM: perhaps base64 of PEM (encoded twice) or base64 of DER.
  const compact = text.replace(/\s+/g, '');
  if (BASE64_TEXT.test(compact) && compact.length >= 16) {
    const inner = Buffer.from(compact, 'base64');
    if (looksLikeDer(inner)) return { blocks: [], encodedTwice: true, der: inner, textOutside: false, empty: false };
    const innerText = inner.toString('utf8').replace(/\r\n?/g, '\n');
    const again = parseBlocks(innerText);
    if (again.blocks.length > 0) return { blocks: again.blocks, encodedTwice: true, textOutside: again.textOutside, empty: false };
  }
  return { blocks: [], encodedTwice: false, textOutside: true, empty: false };
}

export function isCertificateLabel(label: string): boolean {
  return label === 'CERTIFICATE' || label === 'X509 CERTIFICATE' || label === 'TRUSTED CERTIFICATE';
}

export function isPrivateKeyLabel(label: string): boolean {
  return label.endsWith('PRIVATE KEY');
}

/** DER → PEM text for one certificate. */
export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A short description of what a value holds, for messages ("2 certificates and 1 private key"). */
export function describeBlocks(reading: PemReading): string {
  if (reading.empty) return 'an empty value';
  if (reading.der) return reading.encodedTwice ? 'base64 text of DER bytes' : 'DER (binary) bytes, not PEM text';
  if (reading.blocks.length === 0) return 'text that is neither PEM nor base64';
  const counts = new Map<string, number>();
  for (const b of reading.blocks) {
    const kind = isCertificateLabel(b.label) ? 'certificate' : isPrivateKeyLabel(b.label) ? 'private key' : `${b.label} block`;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const parts = [...counts].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : kind.endsWith('block') ? 's' : 's'}`);
  return (reading.encodedTwice ? 'base64 text that decodes to PEM with ' : '') + parts.join(' and ');
}
