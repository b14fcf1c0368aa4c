/**
 * Documents (and pins) what a deploy window at 02:30 does on the spring-forward day, as the README describes:
 * in Europe/Berlin on Sunday 2027-03-28 the clocks jump from 02:00 CET to 03:00 CEST, so 02:30 does not exist.
 * The window's start moves forward by the gap (to 03:30 CEST), its end stays, and no deploy is dropped.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../src/config/policy';
import { checkSlot, formatSlot, localDateTime, nextSlots, upcomingWindows } from '../../../src/domain/calendar';

const BERLIN = 'Europe/Berlin';
const policy = parsePolicyText(
  `timezone: ${BERLIN}\nwindows:\n  production: [{ days: [sun], start: "02:30", end: "05:00" }]\n`,
  'dst.yml',
);
if (!policy.ok) throw new Error(policy.errors.join('\n'));
const spec = policy.policy.windows.production;
const base = { spec, zone: BERLIN, freezes: [], service: 'payments-api' };

describe('a 02:30 window on the spring-forward day (Europe/Berlin, 2027-03-28)', () => {
  it('opens at 03:30 CEST instead (the nonexistent 02:30 is pushed forward by the one-hour gap) and still ends at 05:00', () => {
    const day = upcomingWindows(spec, BERLIN, Date.parse('2027-03-27T23:00:00Z'), Date.parse('2027-03-28T22:00:00Z'));
    expect(day).toEqual([{ start: Date.parse('2027-03-28T03:30:00+02:00'), end: Date.parse('2027-03-28T05:00:00+02:00') }]);
    // a normal Sunday a week earlier: 02:30–05:00 CET, two and a half hours
    const before = upcomingWindows(spec, BERLIN, Date.parse('2027-03-20T23:00:00Z'), Date.parse('2027-03-21T23:00:00Z'));
    expect(before).toEqual([{ start: Date.parse('2027-03-21T02:30:00+01:00'), end: Date.parse('2027-03-21T05:00:00+01:00') }]);
  });

  it('offers 03:30 CEST as the first slot of that day, and a deploy typed for 02:30 lands at 03:30 CEST, flagged as shifted', () => {
    const first = nextSlots({ ...base, from: Date.parse('2027-03-28T00:00:00+01:00'), count: 1 })[0];
    expect(first).toBe(Date.parse('2027-03-28T03:30:00+02:00'));
    expect(formatSlot(first ?? 0, BERLIN)).toBe('Sun 28 Mar 03:30 CEST');

    const typed = localDateTime('2027-03-28', '02:30', BERLIN);
    expect(typed).toEqual({ ok: true, at: Date.parse('2027-03-28T03:30:00+02:00'), shifted: true });
    if (!typed.ok) return;
    expect(checkSlot({ ...base, at: typed.at, now: Date.parse('2027-03-20T00:00:00Z') })).toEqual({ ok: true });
    // 03:00 CEST exists but is before the (moved) window start
    const three = checkSlot({ ...base, at: Date.parse('2027-03-28T03:00:00+02:00'), now: Date.parse('2027-03-20T00:00:00Z') });
    expect(three).toMatchObject({ ok: false, problem: { kind: 'outside_window' }, next: Date.parse('2027-03-28T03:30:00+02:00') });
  });
});
