import { describe, expect, it } from 'vitest';
import { WEEKDAYS, parsePolicyText } from '../../../src/config/policy';
import type { Freeze, Weekday, WindowSpec } from '../../../src/config/policy';
import {
  SLOT_MINUTES,
  activeFreeze,
  ceilToSlot,
  checkSlot,
  formatSlot,
  freezesOverlapping,
  isSlotBoundary,
  isWithinBusinessHours,
  localDateTime,
  nextBusinessTime,
  nextReminderTime,
  nextSlots,
  nextWindowOpening,
  upcomingWindows,
  windowOccurrenceAt,
} from '../../../src/domain/calendar';

/** An instant from an ISO string with an explicit offset (never the machine's clock or zone). */
const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
};
const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const isoAll = (list: readonly number[]): (string | null)[] => list.map((ms) => iso(ms));

const clock = (text: string): number => {
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};
function slots(...items: [Weekday[], string, string][]): WindowSpec {
  return {
    kind: 'slots',
    slots: items.map(([days, start, end]) => ({
      days,
      weekdays: days.map((day) => WEEKDAYS.indexOf(day) + 1),
      start: clock(start),
      end: clock(end),
    })),
  };
}
const EVERY_DAY: Weekday[] = [...WEEKDAYS];

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const TOKYO = 'Asia/Tokyo';
const PROD = slots([['tue', 'wed', 'thu'], '10:00', '16:00']);
const ALWAYS: WindowSpec = { kind: 'always' };
const NEVER: WindowSpec = { kind: 'never' };
const HOURS = { start: clock('09:00'), end: clock('18:00') };

function freeze(start: string, end: string, services: string[] | null = null, reason = 'Freeze'): Freeze {
  return { start: t(start), end: t(end), reason, services, startText: start, endText: end };
}

const base = { spec: PROD, zone: BERLIN, freezes: [] as Freeze[], service: 'payments-api' };
// Sunday 6 Dec 2026, well before every slot below.
const NOW = t('2026-12-06T12:00:00Z');

describe('windows (tue–thu 10:00–16:00 Europe/Berlin)', () => {
  it('names the next opening: later today, the next window day, none for never', () => {
    expect(iso(nextWindowOpening(PROD, BERLIN, t('2026-12-08T09:00:00+01:00')))).toBe('2026-12-08T09:00:00.000Z');
    // inside a window the next opening is the next one, not the current
    expect(iso(nextWindowOpening(PROD, BERLIN, t('2026-12-08T12:00:00+01:00')))).toBe('2026-12-09T09:00:00.000Z');
    expect(iso(nextWindowOpening(PROD, BERLIN, t('2026-12-10T16:00:00+01:00')))).toBe('2026-12-15T09:00:00.000Z');
    expect(nextWindowOpening(NEVER, BERLIN, NOW)).toBeNull();
  });

  it('finds the occurrence containing an instant, end exclusive', () => {
    expect(windowOccurrenceAt(PROD, BERLIN, t('2026-12-08T12:00:00+01:00'))).toEqual({
      start: t('2026-12-08T10:00:00+01:00'),
      end: t('2026-12-08T16:00:00+01:00'),
    });
    expect(windowOccurrenceAt(PROD, BERLIN, t('2026-12-08T10:00:00+01:00'))).not.toBeNull();
    expect(windowOccurrenceAt(PROD, BERLIN, t('2026-12-08T09:59:59+01:00'))).toBeNull();
    expect(windowOccurrenceAt(PROD, BERLIN, t('2026-12-08T16:00:00+01:00'))).toBeNull();
    expect(windowOccurrenceAt(PROD, BERLIN, t('2026-12-07T12:00:00+01:00'))).toBeNull(); // Monday
  });

  it('lists occurrences overlapping a range, sorted', () => {
    const list = upcomingWindows(PROD, BERLIN, t('2026-12-08T12:00:00+01:00'), t('2026-12-15T10:30:00+01:00'));
    expect(list.map((w) => [iso(w.start), iso(w.end)])).toEqual([
      ['2026-12-08T09:00:00.000Z', '2026-12-08T15:00:00.000Z'], // Tue, already open at `from`
      ['2026-12-09T09:00:00.000Z', '2026-12-09T15:00:00.000Z'],
      ['2026-12-10T09:00:00.000Z', '2026-12-10T15:00:00.000Z'],
      ['2026-12-15T09:00:00.000Z', '2026-12-15T15:00:00.000Z'], // next Tue, overlapping `until`
    ]);
    expect(upcomingWindows(PROD, BERLIN, t('2026-12-11T00:00:00Z'), t('2026-12-14T00:00:00Z'))).toEqual([]);
  });

  it('merges same-day slots that overlap or touch', () => {
    const spec = slots([['tue'], '10:00', '12:00'], [['tue'], '12:00', '13:00'], [['tue'], '12:30', '14:00']);
    expect(windowOccurrenceAt(spec, BERLIN, t('2026-12-08T12:00:00+01:00'))).toEqual({
      start: t('2026-12-08T10:00:00+01:00'),
      end: t('2026-12-08T14:00:00+01:00'),
    });
  });

  it('refuses a Monday slot and offers Tuesday 10:00 local', () => {
    const result = checkSlot({ ...base, at: t('2026-12-07T10:00:00+01:00'), now: NOW });
    expect(result).toEqual({ ok: false, problem: { kind: 'outside_window' }, next: t('2026-12-08T10:00:00+01:00') });
  });

  it('allows 15:30, refuses 15:45 (not on a slot) and 16:00 (outside)', () => {
    expect(checkSlot({ ...base, at: t('2026-12-08T15:30:00+01:00'), now: NOW })).toEqual({ ok: true });
    expect(checkSlot({ ...base, at: t('2026-12-08T15:45:00+01:00'), now: NOW })).toEqual({
      ok: false,
      problem: { kind: 'not_on_slot' },
      next: t('2026-12-09T10:00:00+01:00'),
    });
    expect(checkSlot({ ...base, at: t('2026-12-08T16:00:00+01:00'), now: NOW })).toMatchObject({
      ok: false,
      problem: { kind: 'outside_window' },
    });
  });

  it('needs the whole slot inside the window', () => {
    const short = slots([['tue'], '10:00', '10:45']);
    expect(checkSlot({ ...base, spec: short, at: t('2026-12-08T10:00:00+01:00'), now: NOW })).toEqual({ ok: true });
    expect(checkSlot({ ...base, spec: short, at: t('2026-12-08T10:30:00+01:00'), now: NOW })).toEqual({
      ok: false,
      problem: { kind: 'outside_window' },
      next: t('2026-12-15T10:00:00+01:00'),
    });
  });

  it('refuses the past and offers the next slot from now', () => {
    const now = t('2026-12-08T11:10:00+01:00');
    expect(checkSlot({ ...base, at: t('2026-12-08T11:00:00+01:00'), now })).toEqual({
      ok: false,
      problem: { kind: 'past' },
      next: t('2026-12-08T11:30:00+01:00'),
    });
    expect(checkSlot({ ...base, at: now + 20 * 60_000, now })).toEqual({ ok: true }); // 11:30
  });

  it('lists the next slots in order, last one ending at the window end', () => {
    const list = nextSlots({ ...base, from: t('2026-12-08T14:50:00+01:00'), count: 4 });
    expect(isoAll(list)).toEqual([
      '2026-12-08T14:00:00.000Z', // 15:00 CET
      '2026-12-08T14:30:00.000Z', // 15:30 CET (ends 16:00)
      '2026-12-09T09:00:00.000Z', // Wed 10:00 CET
      '2026-12-09T09:30:00.000Z',
    ]);
    expect(nextSlots({ ...base, from: NOW, count: 0 })).toEqual([]);
  });

  it('knows slot boundaries in the policy zone, not in UTC', () => {
    // Asia/Kolkata is UTC+05:30: 10:00 local is 04:30Z; 10:15 local is 04:45Z.
    expect(isSlotBoundary(t('2026-12-08T10:00:00+05:30'), 'Asia/Kolkata')).toBe(true);
    expect(isSlotBoundary(t('2026-12-08T10:15:00+05:30'), 'Asia/Kolkata')).toBe(false);
    // Asia/Kathmandu is UTC+05:45: 10:00Z is 15:45 local, so not a boundary there.
    expect(isSlotBoundary(t('2026-12-08T10:00:00Z'), 'Asia/Kathmandu')).toBe(false);
    expect(iso(ceilToSlot(t('2026-12-08T10:00:00Z'), 'Asia/Kathmandu'))).toBe('2026-12-08T10:15:00.000Z');
    expect(isSlotBoundary(t('2026-12-08T10:00:00.001+01:00'), BERLIN)).toBe(false);
  });
});

describe('always and never', () => {
  it('always: the occurrence is the local calendar day', () => {
    // 23:30Z on Tue 8 Dec is 00:30 on Wed 9 Dec in Berlin.
    expect(windowOccurrenceAt(ALWAYS, BERLIN, t('2026-12-08T23:30:00Z'))).toEqual({
      start: t('2026-12-09T00:00:00+01:00'),
      end: t('2026-12-10T00:00:00+01:00'),
    });
    const days = upcomingWindows(ALWAYS, BERLIN, t('2026-12-08T12:00:00+01:00'), t('2026-12-10T00:00:00+01:00'));
    expect(days.map((d) => iso(d.start))).toEqual(['2026-12-07T23:00:00.000Z', '2026-12-08T23:00:00.000Z']);
  });

  it('always: any slot boundary is allowed, up to 23:30 (ending at midnight)', () => {
    const spec = ALWAYS;
    expect(checkSlot({ ...base, spec, at: t('2026-12-07T03:00:00+01:00'), now: NOW })).toEqual({ ok: true });
    expect(checkSlot({ ...base, spec, at: t('2026-12-07T23:30:00+01:00'), now: NOW })).toEqual({ ok: true });
    expect(isoAll(nextSlots({ ...base, spec, from: t('2026-12-07T23:10:00+01:00'), count: 2 }))).toEqual([
      '2026-12-07T22:30:00.000Z',
      '2026-12-07T23:00:00.000Z',
    ]);
  });

  it('never: no occurrence, no slot, no next', () => {
    expect(windowOccurrenceAt(NEVER, BERLIN, t('2026-12-08T12:00:00+01:00'))).toBeNull();
    expect(upcomingWindows(NEVER, BERLIN, NOW, NOW + 30 * 86_400_000)).toEqual([]);
    expect(nextSlots({ ...base, spec: NEVER, from: NOW, count: 3 })).toEqual([]);
    expect(checkSlot({ ...base, spec: NEVER, at: t('2026-12-08T10:00:00+01:00'), now: NOW })).toEqual({
      ok: false,
      problem: { kind: 'outside_window' },
      next: null,
    });
  });
});

describe('freezes', () => {
  const parsed = parsePolicyText(
    [
      'timezone: Europe/Berlin',
      'services: { payments-api: {}, billing: {} }',
      'windows:',
      '  production: [{ days: [tue, wed, thu], start: "10:00", end: "16:00" }]',
      'freezes: [{ start: 2026-12-20, end: 2027-01-04, reason: Holiday freeze }]',
    ].join('\n'),
  );
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const policy = parsed.policy;
  const holiday = policy.freezes[0];
  if (holiday === undefined) throw new Error('no freeze parsed');
  const prod = { spec: policy.windows.production, zone: policy.timezone, freezes: policy.freezes, service: 'payments-api' };

  it('the policy freeze covers local midnight Dec 20 to local midnight after Jan 4', () => {
    expect(activeFreeze(policy.freezes, 'payments-api', t('2026-12-19T23:59:59.999+01:00'))).toBeNull();
    expect(activeFreeze(policy.freezes, 'payments-api', t('2026-12-20T00:00:00+01:00'))).toBe(holiday);
    expect(activeFreeze(policy.freezes, 'payments-api', t('2027-01-04T23:59:00+01:00'))).toBe(holiday);
    expect(activeFreeze(policy.freezes, 'payments-api', t('2027-01-05T00:00:00+01:00'))).toBeNull();
  });

  it('refuses a frozen slot and offers the first slot after the freeze', () => {
    const result = checkSlot({ ...prod, at: t('2026-12-22T10:00:00+01:00'), now: NOW });
    expect(result).toEqual({
      ok: false,
      problem: { kind: 'frozen', freeze: holiday },
      next: t('2027-01-05T10:00:00+01:00'), // Tue 5 Jan
    });
    expect(isoAll(nextSlots({ ...prod, from: t('2026-12-17T15:00:00+01:00'), count: 3 }))).toEqual([
      '2026-12-17T14:00:00.000Z', // Thu 17 Dec 15:00 CET
      '2026-12-17T14:30:00.000Z',
      '2027-01-05T09:00:00.000Z', // Tue 5 Jan 10:00 CET
    ]);
  });

  it('a freeze for other services does not apply', () => {
    const billingOnly = [{ ...holiday, services: ['billing'] }];
    const at = t('2026-12-22T10:00:00+01:00');
    expect(checkSlot({ ...prod, freezes: billingOnly, at, now: NOW })).toEqual({ ok: true });
    expect(checkSlot({ ...prod, freezes: billingOnly, service: 'billing', at, now: NOW })).toMatchObject({
      ok: false,
      problem: { kind: 'frozen' },
    });
    expect(activeFreeze(billingOnly, 'payments-api', at)).toBeNull();
    expect(freezesOverlapping(billingOnly, 'payments-api', NOW, at)).toEqual([]);
    expect(freezesOverlapping(billingOnly, null, NOW, at)).toEqual(billingOnly);
  });

  it('freezesOverlapping uses half-open ranges and sorts by start', () => {
    const a = freeze('2026-12-10T00:00:00Z', '2026-12-11T00:00:00Z');
    const b = freeze('2026-12-08T00:00:00Z', '2026-12-09T00:00:00Z');
    expect(freezesOverlapping([a, b], 'x', t('2026-12-01T00:00:00Z'), t('2026-12-31T00:00:00Z'))).toEqual([b, a]);
    expect(freezesOverlapping([a, b], 'x', t('2026-12-09T00:00:00Z'), t('2026-12-10T00:00:00Z'))).toEqual([]);
  });

  it('a freeze touching any part of a slot blocks it', () => {
    const lunch = [freeze('2026-12-08T12:15:00+01:00', '2026-12-08T13:15:00+01:00')];
    expect(checkSlot({ ...base, freezes: lunch, at: t('2026-12-08T11:30:00+01:00'), now: NOW })).toEqual({ ok: true });
    expect(checkSlot({ ...base, freezes: lunch, at: t('2026-12-08T12:00:00+01:00'), now: NOW })).toEqual({
      ok: false,
      problem: { kind: 'frozen', freeze: lunch[0] },
      next: t('2026-12-08T13:30:00+01:00'),
    });
  });

  it('gives up after the horizon', () => {
    const long = [freeze('2026-12-01T00:00:00Z', '2027-06-01T00:00:00Z')];
    expect(checkSlot({ ...base, freezes: long, at: t('2026-12-08T10:00:00+01:00'), now: NOW })).toMatchObject({ next: null });
    expect(nextSlots({ ...base, freezes: long, from: NOW, count: 1, horizonDays: 200 })).toEqual([t('2027-06-01T10:00:00+02:00')]);
  });
});

describe('busy slots', () => {
  const taken = t('2026-12-08T10:00:00+01:00');
  const isBusy = (at: number): string | null => (at === taken ? 'REL-7' : null);

  it('names the conflict and offers the next free slot', () => {
    expect(checkSlot({ ...base, isBusy, at: taken, now: NOW })).toEqual({
      ok: false,
      problem: { kind: 'busy', conflict: 'REL-7' },
      next: taken + SLOT_MINUTES * 60_000,
    });
  });

  it('nextSlots skips busy slots', () => {
    expect(isoAll(nextSlots({ ...base, isBusy, from: NOW, count: 2 }))).toEqual([
      '2026-12-08T09:30:00.000Z',
      '2026-12-08T10:00:00.000Z',
    ]);
  });
});

describe('daylight saving time', () => {
  const night = slots([EVERY_DAY, '02:00', '04:00']);
  const day = slots([EVERY_DAY, '10:00', '16:00']);

  it('spring forward (Berlin 2027-03-28, 02:00→03:00): the 02:00–04:00 window is 03:00–04:00 CEST, one hour', () => {
    expect(windowOccurrenceAt(night, BERLIN, t('2027-03-28T03:30:00+02:00'))).toEqual({
      start: t('2027-03-28T03:00:00+02:00'),
      end: t('2027-03-28T04:00:00+02:00'),
    });
    const list = upcomingWindows(night, BERLIN, t('2027-03-27T00:00:00Z'), t('2027-03-29T00:00:00Z'));
    expect(list.map((w) => (w.end - w.start) / 3_600_000)).toEqual([2, 1]);
    expect(isoAll(nextSlots({ ...base, spec: night, from: t('2027-03-28T00:00:00Z'), count: 3 }))).toEqual([
      '2027-03-28T01:00:00.000Z', // 03:00 CEST
      '2027-03-28T01:30:00.000Z', // 03:30 CEST
      '2027-03-29T00:00:00.000Z', // next day 02:00 CEST
    ]);
  });

  it('a window wholly inside the gap is moved forward by the gap (02:00–02:30 → 03:00–03:30 CEST)', () => {
    const gap = slots([EVERY_DAY, '02:00', '02:30']);
    expect(upcomingWindows(gap, BERLIN, t('2027-03-28T00:00:00+01:00'), t('2027-03-29T00:00:00+02:00'))).toEqual([
      { start: t('2027-03-28T03:00:00+02:00'), end: t('2027-03-28T03:30:00+02:00') },
    ]);
  });

  it('fall back (Berlin 2026-10-25): 10:00 local is 09:00Z, the day before 08:00Z', () => {
    expect(iso(nextSlots({ ...base, spec: day, from: t('2026-10-24T00:00:00Z'), count: 1 })[0])).toBe('2026-10-24T08:00:00.000Z');
    expect(iso(nextSlots({ ...base, spec: day, from: t('2026-10-25T00:00:00Z'), count: 1 })[0])).toBe('2026-10-25T09:00:00.000Z');
    expect(formatSlot(t('2026-10-24T08:00:00Z'), BERLIN)).toBe('Sat 24 Oct 10:00 CEST');
    expect(formatSlot(t('2026-10-25T09:00:00Z'), BERLIN)).toBe('Sun 25 Oct 10:00 CET');
  });

  it('fall back: the 25-hour day has every half hour of elapsed time as a slot', () => {
    const day25 = upcomingWindows(ALWAYS, BERLIN, t('2026-10-25T12:00:00Z'), t('2026-10-25T12:00:01Z'));
    expect(day25.map((w) => (w.end - w.start) / 3_600_000)).toEqual([25]);
    expect(isoAll(nextSlots({ ...base, spec: ALWAYS, from: t('2026-10-25T00:00:00Z'), count: 5 }))).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });

  it('America/New_York: 10:00 is 14:00Z in EDT and 15:00Z in EST, both ways', () => {
    const ny = { ...base, spec: day, zone: NEW_YORK };
    expect(iso(nextSlots({ ...ny, from: t('2026-10-31T00:00:00-04:00'), count: 1 })[0])).toBe('2026-10-31T14:00:00.000Z');
    expect(iso(nextSlots({ ...ny, from: t('2026-11-01T00:00:00-04:00'), count: 1 })[0])).toBe('2026-11-01T15:00:00.000Z');
    expect(iso(nextSlots({ ...ny, from: t('2027-03-13T00:00:00-05:00'), count: 1 })[0])).toBe('2027-03-13T15:00:00.000Z');
    expect(iso(nextSlots({ ...ny, from: t('2027-03-14T00:00:00-05:00'), count: 1 })[0])).toBe('2027-03-14T14:00:00.000Z');
    expect(formatSlot(t('2026-10-31T14:00:00Z'), NEW_YORK)).toBe('Sat 31 Oct 10:00 EDT');
    expect(formatSlot(t('2026-11-01T15:00:00Z'), NEW_YORK)).toBe('Sun 1 Nov 10:00 EST');
  });
});

describe('business hours (09:00–18:00, Monday–Friday)', () => {
  // Fri 4 Dec 2026 in Asia/Tokyo (UTC+9, no DST), a user zone unlike the Berlin policy zone.
  const fri1759 = t('2026-12-04T17:59:00+09:00');
  const fri1800 = t('2026-12-04T18:00:00+09:00');
  const mon0900 = t('2026-12-07T09:00:00+09:00');

  it('Friday 17:59 is inside, 18:00 is not', () => {
    expect(isWithinBusinessHours(fri1759, TOKYO, HOURS)).toBe(true);
    expect(isWithinBusinessHours(fri1800, TOKYO, HOURS)).toBe(false);
    expect(isWithinBusinessHours(t('2026-12-04T08:59:59+09:00'), TOKYO, HOURS)).toBe(false);
    // The same instant (10:00 CET) is inside business hours in Berlin: the zone matters.
    expect(isWithinBusinessHours(fri1800, BERLIN, HOURS)).toBe(true);
  });

  it('Friday 18:00 and Saturday move to Monday 09:00 in the user zone', () => {
    expect(nextBusinessTime(fri1759, TOKYO, HOURS)).toBe(fri1759);
    expect(nextBusinessTime(fri1800, TOKYO, HOURS)).toBe(mon0900);
    expect(nextBusinessTime(t('2026-12-05T12:00:00+09:00'), TOKYO, HOURS)).toBe(mon0900);
    expect(nextBusinessTime(t('2026-12-07T07:00:00+09:00'), TOKYO, HOURS)).toBe(mon0900);
    expect(iso(mon0900)).toBe('2026-12-07T00:00:00.000Z');
  });

  it('Monday 09:00 after a DST change is in the new offset (Berlin, 2027-03-28)', () => {
    expect(nextBusinessTime(t('2027-03-26T18:00:00+01:00'), BERLIN, HOURS)).toBe(t('2027-03-29T09:00:00+02:00'));
  });

  it('nextReminderTime: first after `firstAfter`, then every `every`, within business hours', () => {
    const opened = t('2026-12-04T15:00:00+09:00'); // Fri 15:00 Tokyo
    const reminders = { stageOpenedAt: opened, firstAfter: 4 * 3_600_000, every: 4 * 3_600_000, zone: TOKYO, hours: HOURS };
    // 19:00 Friday is after hours → Monday 09:00 Tokyo.
    expect(nextReminderTime({ ...reminders, lastSentAt: null })).toBe(mon0900);
    expect(nextReminderTime({ ...reminders, firstAfter: 2 * 3_600_000, lastSentAt: null })).toBe(t('2026-12-04T17:00:00+09:00'));
    // Later reminders count from the last one sent.
    expect(nextReminderTime({ ...reminders, lastSentAt: t('2026-12-07T10:00:00+09:00') })).toBe(t('2026-12-07T14:00:00+09:00'));
    expect(nextReminderTime({ ...reminders, lastSentAt: t('2026-12-07T16:00:00+09:00') })).toBe(t('2026-12-08T09:00:00+09:00'));
    // The same due time in Berlin (Fri 11:00 CET) is within hours there.
    expect(nextReminderTime({ ...reminders, zone: BERLIN, lastSentAt: null })).toBe(opened + 4 * 3_600_000);
  });
});

describe('formatSlot', () => {
  it('formats in the zone with its abbreviation', () => {
    const at = t('2026-12-08T09:00:00Z');
    expect(formatSlot(at, BERLIN)).toBe('Tue 8 Dec 10:00 CET');
    expect(formatSlot(at, NEW_YORK)).toBe('Tue 8 Dec 04:00 EST');
    expect(formatSlot(at, 'UTC')).toBe('Tue 8 Dec 09:00 UTC');
    expect(formatSlot(t('2026-07-07T09:00:00Z'), 'Europe/London')).toBe('Tue 7 Jul 10:00 BST');
    expect(formatSlot(at, TOKYO)).toBe('Tue 8 Dec 18:00 GMT+9');
  });
});

describe('localDateTime', () => {
  it('converts a local date and time in the zone', () => {
    expect(localDateTime('2026-12-08', '10:00', BERLIN)).toEqual({ ok: true, at: t('2026-12-08T09:00:00Z'), shifted: false });
    expect(localDateTime('2026-07-08', '10:00', BERLIN)).toEqual({ ok: true, at: t('2026-07-08T08:00:00Z'), shifted: false });
    expect(localDateTime('2026-12-08', '9:30', NEW_YORK)).toEqual({ ok: true, at: t('2026-12-08T14:30:00Z'), shifted: false });
  });

  it('a time in the DST gap is shifted forward and flagged', () => {
    // 02:30 does not exist on 2027-03-28 in Berlin: luxon gives 03:30 CEST.
    expect(localDateTime('2027-03-28', '02:30', BERLIN)).toEqual({ ok: true, at: t('2027-03-28T03:30:00+02:00'), shifted: true });
    expect(localDateTime('2027-03-28', '03:30', BERLIN)).toEqual({ ok: true, at: t('2027-03-28T03:30:00+02:00'), shifted: false });
    expect(localDateTime('2027-03-14', '02:30', NEW_YORK)).toEqual({ ok: true, at: t('2027-03-14T03:30:00-04:00'), shifted: true });
  });

  it('an ambiguous time (fall back) gets the offset luxon picks, unflagged', () => {
    const result = localDateTime('2026-10-25', '02:30', BERLIN);
    expect(result).toEqual({ ok: true, at: t('2026-10-25T02:30:00+01:00'), shifted: false });
  });

  it('rejects malformed or impossible input', () => {
    expect(localDateTime('2026-02-30', '10:00', BERLIN)).toEqual({ ok: false });
    expect(localDateTime('2026-12-8', '10:00', BERLIN)).toEqual({ ok: false });
    expect(localDateTime('2026-12-08', '24:00', BERLIN)).toEqual({ ok: false });
    expect(localDateTime('2026-12-08', '10:60', BERLIN)).toEqual({ ok: false });
    expect(localDateTime('2026-12-08', '10am', BERLIN)).toEqual({ ok: false });
    expect(localDateTime('2026-12-08', '10:00', 'Nowhere/City')).toEqual({ ok: false });
  });
});
