import { describe, expect, it } from 'vitest';
import { isoInstant, restoreOffsetPlus } from '../../../src/http/iso-instant';

describe('isoInstant', () => {
  it.each([
    ['2026-01-01T10:00:00 02:00', '2026-01-01T08:00:00.000Z'],
    ['2026-01-01T10:00:00 0200', '2026-01-01T08:00:00.000Z'],
    ['2026-01-01T10:00 02:00', '2026-01-01T08:00:00.000Z'],
    ['2026-01-01T10:00:00.250 05:30', '2026-01-01T04:30:00.250Z'],
  ])('reads %j (a + that arrived as a space) as the + offset', (text, utc) => {
    expect(isoInstant.parse(text)).toBe(utc);
    expect(isoInstant.parse(text.replace(' ', '+'))).toBe(utc);
  });

  it.each(['2026-01-01 10:00', '2026-01-01 10:00:00+02:00', '2026-01-01T10:00:00  02:00', '2026-01-01T10:00:00 2:00', '2026-01-01T10:00:00 02:00 ', '2026-01-01T10:00:00Z 02:00', '2026-01-01 0200'])(
    'still refuses %j',
    (text) => {
      expect(isoInstant.safeParse(text).success).toBe(false);
    },
  );

  it('restoreOffsetPlus touches nothing but one space before a trailing offset after a time', () => {
    expect(restoreOffsetPlus('2026-01-01T10:00:00 02:00')).toBe('2026-01-01T10:00:00+02:00');
    expect(restoreOffsetPlus('2026-01-01T10:00:00-02:00')).toBe('2026-01-01T10:00:00-02:00');
    expect(restoreOffsetPlus('2026-01-01 10:00')).toBe('2026-01-01 10:00');
    expect(restoreOffsetPlus('2026-01-01')).toBe('2026-01-01');
  });
});
