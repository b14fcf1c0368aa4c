import { describe, expect, it } from 'vitest';
import { DURATION_MESSAGE, durationSchema, formatDuration, parseDuration } from '../../../src/config/duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d 2h', 93_600_000],
    [' 90d ', 7_776_000_000],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '4', 'h', '4x', '4 hours', '1m1h', '1h1h', '-5m', '1.5h', '4h!'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('durationSchema', () => {
  it('turns a duration string into milliseconds', () => {
    expect(durationSchema.parse('4h')).toBe(14_400_000);
  });

  it('explains the format for text that is not a duration', () => {
    const result = durationSchema.safeParse('soon');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(`${DURATION_MESSAGE}, got "soon"`);
  });

  it('explains the format for a bare number', () => {
    const result = durationSchema.safeParse(4);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(DURATION_MESSAGE);
  });

  it('rejects a zero duration', () => {
    expect(durationSchema.safeParse('0m').error?.issues[0]?.message).toBe('must be longer than 0');
  });
});

describe('formatDuration', () => {
  it.each([
    [14_400_000, '4h'],
    [93_600_000, '1d 2h'],
    [2_700_000, '45m'],
    [5_400_000, '1h 30m'],
    [30_000, '30s'],
    [0, '0s'],
    [250, '250ms'],
    [7 * 86_400_000, '7d'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips with parseDuration', () => {
    for (const text of ['1d 2h 3m 4s', '90d', '15m']) {
      expect(formatDuration(parseDuration(text.replaceAll(' ', '')) ?? -1)).toBe(text);
    }
  });
});
