import { z } from 'zod';

/** Milliseconds per duration unit accepted in the policy file. */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's'];

export const DURATION_MESSAGE = 'expected a duration like "30s", "5m", "4h" or "1d"';

const PART = /(\d+)\s*([dhms])/gy;

/**
 * Parses "30s", "5m", "4h", "1d" and compounds such as "1h30m" or "1d 2h" (units from largest to smallest,
 * each at most once) into milliseconds. Returns null when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const input = text.trim().toLowerCase();
  if (input === '') return null;
  let total = 0;
  let lastUnit = -1;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < input.length) {
    PART.lastIndex = pos;
    const match = PART.exec(input);
    if (!match) return null;
    const [, amount, unit] = match;
    if (amount === undefined || unit === undefined) return null;
    const unitIndex = UNIT_ORDER.indexOf(unit as Unit);
    if (unitIndex <= lastUnit) return null; // "1m1h" or "1h1h"
    lastUnit = unitIndex;
    total += Number(amount) * UNIT_MS[unit as Unit];
    pos = PART.lastIndex;
    while (input[pos] === ' ') pos += 1;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/** A policy duration: a string such as "4h" becomes a positive number of milliseconds. */
export const durationSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : DURATION_MESSAGE) })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.issues.push({ code: 'custom', message: `${DURATION_MESSAGE}, got ${JSON.stringify(text)}`, input: text });
      return z.NEVER;
    }
    if (ms <= 0) {
      ctx.issues.push({ code: 'custom', message: 'must be longer than 0', input: text });
      return z.NEVER;
    }
    return ms;
  });

/** Human form of a duration: "45m", "4h", "1d 2h", "1h 30m", "30s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest === 0) return '0s';
  if (rest < 1_000) return `${sign}${rest}ms`;
  rest = Math.round(rest / 1_000) * 1_000;
  const parts: string[] = [];
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return sign + parts.join(' ');
}
