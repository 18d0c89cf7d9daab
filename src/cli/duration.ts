// Durations as kubectl users write them: Go-style "30s", "1h30m", "720h", plus "d" and "w" for
// certificate windows ("30d"). A bare number means seconds where kubectl does (--request-timeout).

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export class DurationError extends Error {}

/**
 * Parse a duration into milliseconds. `bareUnit` says what a plain number means ("s" for
 * --request-timeout as in kubectl); without it a plain number is refused, because "30" is ambiguous.
 */
export function parseDuration(text: string, bareUnit?: 's' | 'd'): number {
  const v = text.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    if (!bareUnit) throw new DurationError(`"${text}" has no unit; write it like 30d, 720h or 90m`);
    return Math.round(Number(v) * UNIT_MS[bareUnit]);
  }
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(v)) {
    throw new DurationError(`"${text}" is not a duration; write it like 30d, 720h, 1h30m or 45s`);
  }
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(ms);
}

/** 2592000000 → "30d", 5400000 → "1h30m": for help texts and evidence. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('');
}
