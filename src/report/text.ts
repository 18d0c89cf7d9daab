// Small text helpers for the table view: wrapping, plain-words evidence, key-material guard.
import type { EvidenceValue } from '../findings/types.js';

/**
 * Word-wrap `text` to `width` columns, every line prefixed by `indent`. Long words are not split,
 * unless `breakWords` (paths in prose): then a word wider than the line is cut across lines.
 */
export function wrap(text: string, width: number, indent: string, breakWords = false): string[] {
  const out: string[] = [];
  const room = Math.max(10, width - indent.length);
  for (const paragraph of text.split('\n')) {
    let line = '';
    const words = paragraph.split(/\s+/).filter((w) => w !== '');
    const pieces = breakWords ? words.flatMap((w) => (w.length > room ? (w.match(new RegExp(`.{1,${room}}`, 'g')) ?? [w]) : [w])) : words;
    for (const word of pieces) {
      if (line !== '' && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    out.push(indent + line);
  }
  return out;
}

/** camelCase / snake_case evidence keys in plain words: "coveredHosts" → "covered hosts". */
export function humanizeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

const MAX_VALUE_CHARS = 240;

/** One evidence value as a short line of text. */
export function formatEvidenceValue(value: EvidenceValue): string {
  let text: string;
  if (value === null) text = 'none';
  else if (Array.isArray(value)) text = value.length === 0 ? 'none' : value.map(formatEvidenceValue).join(', ');
  else if (typeof value === 'object')
    text = Object.entries(value)
      .map(([k, v]) => `${humanizeKey(k)} ${formatEvidenceValue(v)}`)
      .join('; ');
  else if (typeof value === 'boolean') text = value ? 'yes' : 'no';
  else text = String(value);
  text = text.replace(/\s*\n\s*/g, ' ');
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;

/**
 * Last line of defence: no private key block ever leaves the process, whatever a check put in a
 * finding. Checks must not do this; this guard keeps a bug from becoming a leak.
 */
export function redactKeyMaterial(text: string): string {
  return text.replace(PRIVATE_KEY_BLOCK, '<private key redacted>');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
