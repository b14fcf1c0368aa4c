/** Whole-day freezes read as their first and last day, inclusive (src/domain/calendar.ts). */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatFreezeSpan, wholeDays } from '../../../src/domain/calendar';

const ZONE = 'Europe/Berlin';
const midnight = (date: string, zone = ZONE) => DateTime.fromISO(date, { zone }).startOf('day').toMillis();

describe('wholeDays and formatFreezeSpan', () => {
  it('a freeze from 28 Dec to the end of 4 Jan reads as those days, not "→ 5 Jan 00:00"', () => {
    const start = midnight('2026-12-28');
    const end = midnight('2027-01-05');
    expect(wholeDays(start, end, ZONE)).toEqual({ first: '2026-12-28', last: '2027-01-04' });
    expect(formatFreezeSpan(start, end, ZONE)).toBe('Mon 28 Dec 2026 – Mon 4 Jan 2027 (whole days)');
    expect(formatFreezeSpan(midnight('2027-01-04'), end, ZONE)).toBe('Mon 4 Jan 2027 (whole day)');
  });

  it('whole days across a daylight-saving change (a 23-hour day) are still whole days', () => {
    expect(wholeDays(midnight('2027-03-28'), midnight('2027-03-29'), ZONE)).toEqual({ first: '2027-03-28', last: '2027-03-28' });
  });

  it('bounds that are not local midnights (or are midnights of another zone) read as times', () => {
    const start = midnight('2026-12-28');
    expect(wholeDays(start + 3_600_000, midnight('2027-01-05'), ZONE)).toBeNull();
    expect(wholeDays(midnight('2026-12-28', 'America/New_York'), midnight('2026-12-29', 'America/New_York'), ZONE)).toBeNull();
    expect(wholeDays(start, start, ZONE)).toBeNull();
    expect(formatFreezeSpan(start + 10 * 3_600_000, start + 14 * 3_600_000, ZONE)).toBe('Mon 28 Dec 10:00 CET – Mon 28 Dec 14:00 CET');
  });
});
