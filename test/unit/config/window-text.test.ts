import { describe, expect, it } from 'vitest';
import { formatWindowSpecText, storedWindowSpecSchema, windowSpecTextSchema } from '../../../src/config/window-text';

const parse = (text: string) => windowSpecTextSchema.safeParse(text);
const errorOf = (text: string) => {
  const r = parse(text);
  return r.success ? null : r.error.issues.map((i) => i.message).join(' ');
};

describe('window text (the /release windows editor syntax)', () => {
  it('reads always, never and slots, normalised like the policy file', () => {
    expect(parse(' Always ').data).toEqual({ kind: 'always' });
    expect(parse('never').data).toEqual({ kind: 'never' });
    expect(parse('thu,tue wed 10:00-16:00; sat 09:00–12:00;').data).toEqual({
      kind: 'slots',
      slots: [
        { days: ['tue', 'wed', 'thu'], weekdays: [2, 3, 4], start: 600, end: 960 },
        { days: ['sat'], weekdays: [6], start: 540, end: 720 },
      ],
    });
    expect(parse('mon-fri 08:00-24:00').data).toMatchObject({ kind: 'slots', slots: [{ weekdays: [1, 2, 3, 4, 5], end: 1440 }] });
    expect(parse('sat-mon 8:00-9:30').data).toMatchObject({ kind: 'slots', slots: [{ days: ['mon', 'sat', 'sun'], start: 480, end: 570 }] });
    expect(parse('Tuesday 10:00-11:00').data).toMatchObject({ kind: 'slots', slots: [{ days: ['tue'] }] });
  });

  it('round-trips through the format the modal pre-fills', () => {
    for (const text of ['always', 'never', 'tue,wed,thu 10:00-16:00; sat 09:00-12:00', 'mon 00:00-24:00']) {
      const spec = parse(text).data;
      expect(spec).toBeDefined();
      if (spec) {
        expect(formatWindowSpecText(spec)).toBe(text);
        expect(storedWindowSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
      }
    }
  });

  it('explains what is wrong, naming the part', () => {
    expect(errorOf('')).toContain('always, never');
    expect(errorOf('sometimes')).toContain('"sometimes" is not a window');
    expect(errorOf('10:00-12:00')).toContain('names no day');
    expect(errorOf('funday 10:00-12:00')).toContain('"funday" is not a day');
    expect(errorOf('mon 12:00-10:00')).toBe('"mon 12:00-10:00": the end time must be after start (split a window that crosses midnight into two)');
    expect(errorOf('mon 10:00-25:00')).toContain('"mon 10:00-25:00": the end time is wrong: expected a time "HH:MM"');
    expect(errorOf('mon 10:70-11:00')).toContain('the start time is wrong');
  });

  it('rejects stored specs that are not normalised windows', () => {
    expect(storedWindowSpecSchema.safeParse({ kind: 'slots', slots: [] }).success).toBe(false);
    expect(storedWindowSpecSchema.safeParse({ kind: 'sometimes' }).success).toBe(false);
  });
});
