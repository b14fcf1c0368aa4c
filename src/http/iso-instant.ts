/** ISO 8601 instants as the HTTP API reads them (the audit trail's since/until, commit_time, the stats' since/until). */
import { DateTime } from 'luxon';
import { z } from 'zod';

export const ISO_MESSAGE = 'expected an ISO 8601 date or date-time, e.g. 2026-01-01, 2026-01-01T10:00Z or 2026-01-01T10:00:00+02:00';

/**
 * Everything before the `T` must be a date, from a four-digit year on: luxon also reads a bare time (`10:00`,
 * `1000Z`) as that time today, and a filter or a commit time has to name its day. No `[Europe/Berlin]` suffix
 * either: that is RFC 9557, not ISO 8601, and luxon lets it override the offset written before it. The pattern
 * also shows up in the OpenAPI document, so a client's own validation rejects what plainly isn't a date.
 */
export const ISO_DATE_FIRST = /^[+-]?\d{4}[\dW-]*(?:[Tt][^[\]]*)?$/;

/**
 * `2026-01-01T10:00:00 02:00` → `2026-01-01T10:00:00+02:00`: a `+` sent in a query string without URL-encoding
 * arrives as a space (form decoding), so one space before a trailing `HH:MM` or `HHMM` offset, after a time, is read
 * as the `+` it was. Nothing else changes: a space between the date and the time is still refused.
 */
export function restoreOffsetPlus(text: string): string {
  return text.replace(/^([^\s]*[Tt][^\s]*\d) (\d\d:?\d\d)$/, '$1+$2');
}

/**
 * An ISO 8601 date or date-time as luxon's `DateTime.fromISO` reads it: `2026-01-01`, `2026-01-01T10:00Z`,
 * `…+0200`, `…+02:00`. Text without an offset is UTC (a date alone is its UTC midnight), never the server's zone.
 * A space before the offset (`…T10:00:00 02:00`, an unencoded `+` in a query string) is read as `+`.
 * It comes out as the full ISO form in UTC (`2026-01-01T08:00:00.000Z`), because `Date.parse`, which the callers
 * use, reads `2026-01-01T10:00` in the server's local time and some of the other forms not at all.
 */
export const isoInstant = z
  .string()
  .regex(ISO_DATE_FIRST, ISO_MESSAGE)
  .transform((text, ctx) => {
    const at = DateTime.fromISO(restoreOffsetPlus(text), { zone: 'utc' });
    if (!at.isValid) {
      ctx.addIssue({ code: 'custom', message: ISO_MESSAGE });
      return z.NEVER;
    }
    return at.toUTC().toISO();
  })
  .describe('ISO 8601 date or date-time; without an offset it is read as UTC');

