/**
 * Deploy windows, freezes, deploy slots and business hours (DESIGN.md: `timezone`, `windows`, `freezes`,
 * `reminders`, `scheduling`). Pure: no I/O and no clock; every instant is epoch ms passed in by the caller.
 * All zone arithmetic goes through luxon, so daylight-saving changes are handled by the tz database.
 *
 * Behaviour choices (relied on by callers and pinned by test/unit/domain/calendar.test.ts):
 * - A window occurrence never crosses local midnight (the policy schema splits such windows). Slots of the
 *   same `WindowSpec` on the same local day that overlap or touch are merged into one occurrence.
 * - `always` yields one occurrence per local calendar day ([midnight, next midnight)), so a day is 23 or 25
 *   hours long on DST-change days.
 * - Local wall-clock times that do not exist (spring-forward gap) are moved forward by luxon: a window
 *   02:00–04:00 in Europe/Berlin on 2027-03-28 occurs 03:00–04:00 CEST (one hour). Each bound moves by
 *   the gap's length, so a window wholly inside the gap (02:00–02:30 that day) occurs 03:00–03:30 CEST
 *   (deploys are pushed later, never dropped). Ambiguous times (autumn overlap) resolve to
 *   whichever offset luxon picks (for Europe/Berlin 2026-10-25 02:30 that is the second one, CET).
 * - Deploy slots start on local :00/:30 in the policy zone and last `SLOT_MINUTES`; a slot must start and
 *   end inside one occurrence, and no applicable freeze may overlap any part of it.
 * - Business hours are Monday–Friday, `[start, end)` minutes of the local day in the given zone.
 */
import { DateTime } from 'luxon';
import type { Freeze, WindowSpec } from '../config/policy';

/** Epoch ms, `end` exclusive. */
export interface Interval {
  start: number;
  end: number;
}

/** Deploy slots start on :00/:30 in the policy zone and last this long. */
export const SLOT_MINUTES = 30;
const SLOT_MS = SLOT_MINUTES * 60_000;
const DEFAULT_HORIZON_DAYS = 90;
const MINUTES_PER_DAY = 1440;

// ---------------------------------------------------------------------------------------------------------
// Local time helpers
// ---------------------------------------------------------------------------------------------------------

function local(at: number, zone: string): DateTime {
  return DateTime.fromMillis(at, { zone });
}

/** The instant of `minutes` after the local midnight of `day` (1440 = the next day's midnight). */
function atMinutes(day: DateTime, minutes: number): number {
  if (minutes >= MINUTES_PER_DAY) return day.plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: day.zone },
  ).toMillis();
}

/** Minutes (with fractions) since local midnight, by the wall clock. */
function minuteOfDay(dt: DateTime): number {
  return dt.hour * 60 + dt.minute + dt.second / 60 + dt.millisecond / 60_000;
}

/** Whether `at` is on a :00/:30 boundary of the local clock in `zone`. */
export function isSlotBoundary(at: number, zone: string): boolean {
  const dt = local(at, zone);
  return dt.isValid && dt.minute % SLOT_MINUTES === 0 && dt.second === 0 && dt.millisecond === 0;
}

/** `at` if it is a slot boundary, else the next :00/:30 of the local clock in `zone`. */
export function ceilToSlot(at: number, zone: string): number {
  if (isSlotBoundary(at, zone)) return at;
  const dt = local(at, zone);
  const next = (Math.floor(dt.minute / SLOT_MINUTES) + 1) * SLOT_MINUTES;
  // startOf('hour') is a local wall-clock hour; adding minutes is elapsed time, so the result is the next
  // boundary even when a DST change falls inside this hour.
  return dt.startOf('hour').plus({ minutes: next }).toMillis();
}

// ---------------------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------------------

/** The occurrences of `spec` on the local calendar day `day` (a start-of-day DateTime in the zone). */
function occurrencesOnDay(spec: WindowSpec, day: DateTime): Interval[] {
  if (spec.kind === 'never') return [];
  if (spec.kind === 'always') {
    return [{ start: day.toMillis(), end: day.plus({ days: 1 }).startOf('day').toMillis() }];
  }
  const raw: Interval[] = [];
  for (const slot of spec.slots) {
    if (!slot.weekdays.includes(day.weekday)) continue;
    const start = atMinutes(day, slot.start);
    const end = atMinutes(day, slot.end);
    if (end > start) raw.push({ start, end });
  }
  raw.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const interval of raw) {
    const last = merged[merged.length - 1];
    if (last !== undefined && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/** Occurrences overlapping [from, until), lazily, in order, day by day. */
function* occurrencesBetween(spec: WindowSpec, zone: string, from: number, until: number): Generator<Interval> {
  if (spec.kind === 'never' || until <= from) return;
  let day = local(from, zone).startOf('day');
  if (!day.isValid) return;
  while (day.toMillis() < until) {
    for (const occurrence of occurrencesOnDay(spec, day)) {
      if (occurrence.end > from && occurrence.start < until) yield occurrence;
    }
    day = day.plus({ days: 1 }).startOf('day');
  }
}

/** The window occurrence containing `at`; for `always` the local calendar day containing `at`; `never` → null. */
export function windowOccurrenceAt(spec: WindowSpec, zone: string, at: number): Interval | null {
  const day = local(at, zone).startOf('day');
  if (!day.isValid) return null;
  return occurrencesOnDay(spec, day).find((o) => o.start <= at && at < o.end) ?? null;
}

/** The start of the first window occurrence at or after `now` (within 90 days) that holds at least one slot, or null. */
export function nextWindowOpening(spec: WindowSpec, zone: string, now: number): number | null {
  for (const o of occurrencesBetween(spec, zone, now, now + 90 * 86_400_000)) {
    if (o.start >= now && o.end - o.start >= SLOT_MS) return o.start;
  }
  return null;
}

/** Occurrences overlapping [from, until), sorted; `always` → one interval per local day; `never` → []. */
export function upcomingWindows(spec: WindowSpec, zone: string, from: number, until: number): Interval[] {
  return [...occurrencesBetween(spec, zone, from, until)];
}

// ---------------------------------------------------------------------------------------------------------
// Freezes
// ---------------------------------------------------------------------------------------------------------

/**
 * The first and last local day (ISO dates, both inclusive) of [start, end) when it covers whole days in `zone`: both
 * bounds are local midnights (the start of a day, as a date freeze bound is). Else null.
 */
export function wholeDays(start: number, end: number, zone: string): { first: string; last: string } | null {
  if (end <= start) return null;
  const s = local(start, zone);
  const e = local(end, zone);
  if (!s.isValid || !e.isValid || s.startOf('day').toMillis() !== start || e.startOf('day').toMillis() !== end) return null;
  const first = s.toISODate();
  const last = local(end - 1, zone).toISODate();
  return first !== null && last !== null ? { first, last } : null;
}

/** How far ahead a release card shows a freeze (and, in scheduling or scheduled, offers the Emergency override). */
export const FREEZE_AHEAD_MS = 14 * 86_400_000;

/** Whether a freeze covers `service` (`services: null` covers every service). */
export function freezeApplies(freeze: Freeze, service: string): boolean {
  return freeze.services === null || freeze.services.includes(service);
}

/**
 * The freeze in force for `service` at `at`, or null. When several are, the one that ends last (so
 * "frozen until" is the real end).
 */
export function activeFreeze(freezes: readonly Freeze[], service: string, at: number): Freeze | null {
  let found: Freeze | null = null;
  for (const freeze of freezes) {
    if (freeze.start <= at && at < freeze.end && freezeApplies(freeze, service)) {
      if (found === null || freeze.end > found.end) found = freeze;
    }
  }
  return found;
}

/** Freezes overlapping [from, until) that apply to `service` (null: every freeze), sorted by start. */
export function freezesOverlapping(freezes: readonly Freeze[], service: string | null, from: number, until: number): Freeze[] {
  return freezes
    .filter((f) => f.start < until && f.end > from && (service === null || freezeApplies(f, service)))
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The applicable freeze overlapping any part of the slot starting at `at` (latest-ending first), or null. */
function freezeOverSlot(freezes: readonly Freeze[], service: string, at: number): Freeze | null {
  let found: Freeze | null = null;
  for (const freeze of freezesOverlapping(freezes, service, at, at + SLOT_MS)) {
    if (found === null || freeze.end > found.end) found = freeze;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------------------------------------

export type SlotProblem =
  | { kind: 'past' }
  | { kind: 'not_on_slot' }
  | { kind: 'outside_window' }
  | { kind: 'frozen'; freeze: Freeze }
  | { kind: 'busy'; conflict: string };

export type SlotCheck = { ok: true } | { ok: false; problem: SlotProblem; next: number | null };

export interface SlotSearch {
  spec: WindowSpec;
  zone: string;
  freezes: readonly Freeze[];
  service: string;
  from: number;
  count: number;
  /** A description of what already occupies the slot starting at `at` (e.g. "REL-12"), or null. */
  isBusy?: (at: number) => string | null;
  /** How far past `from` to look, in local days (default 90). */
  horizonDays?: number;
}

/**
 * The first `count` slot starts >= `from`: on a :00/:30 boundary in `zone`, starting and ending
 * (start + SLOT_MINUTES) inside one window occurrence, with no applicable freeze overlapping the slot, and
 * not busy. Walks window occurrences (and jumps over freezes), not every minute of the horizon.
 */
export function nextSlots(o: SlotSearch): number[] {
  const out: number[] = [];
  if (o.count <= 0) return out;
  const start = local(o.from, o.zone);
  if (!start.isValid) return out;
  const horizon = start.plus({ days: o.horizonDays ?? DEFAULT_HORIZON_DAYS }).toMillis();
  for (const occurrence of occurrencesBetween(o.spec, o.zone, o.from, horizon)) {
    let at = ceilToSlot(Math.max(occurrence.start, o.from), o.zone);
    while (at < horizon && at + SLOT_MS <= occurrence.end) {
      const freeze = freezeOverSlot(o.freezes, o.service, at);
      if (freeze !== null) {
        at = ceilToSlot(Math.max(freeze.end, at + 1), o.zone);
        continue;
      }
      if ((o.isBusy?.(at) ?? null) === null) {
        out.push(at);
        if (out.length >= o.count) return out;
      }
      at = ceilToSlot(at + 1, o.zone);
    }
  }
  return out;
}

/**
 * Whether a release may be scheduled at `at`. Checks, in order: past (`at < now`), not on a :00/:30
 * boundary, outside a window (the whole slot must fit one occurrence), frozen (any part of the slot), busy.
 * On refusal `next` is the earliest allowed slot at or after max(now, at) within 90 days, or null.
 */
export function checkSlot(o: {
  spec: WindowSpec;
  zone: string;
  freezes: readonly Freeze[];
  service: string;
  at: number;
  now: number;
  isBusy?: (at: number) => string | null;
}): SlotCheck {
  const problem = slotProblem(o);
  if (problem === null) return { ok: true };
  const from = Math.max(o.now, o.at);
  const next = nextSlots({ spec: o.spec, zone: o.zone, freezes: o.freezes, service: o.service, from, count: 1, isBusy: o.isBusy })[0] ?? null;
  return { ok: false, problem, next };
}

function slotProblem(o: {
  spec: WindowSpec;
  zone: string;
  freezes: readonly Freeze[];
  service: string;
  at: number;
  now: number;
  isBusy?: (at: number) => string | null;
}): SlotProblem | null {
  if (o.at < o.now) return { kind: 'past' };
  if (!isSlotBoundary(o.at, o.zone)) return { kind: 'not_on_slot' };
  const occurrence = windowOccurrenceAt(o.spec, o.zone, o.at);
  if (occurrence === null || o.at + SLOT_MS > occurrence.end) return { kind: 'outside_window' };
  const freeze = freezeOverSlot(o.freezes, o.service, o.at);
  if (freeze !== null) return { kind: 'frozen', freeze };
  const conflict = o.isBusy?.(o.at) ?? null;
  if (conflict !== null) return { kind: 'busy', conflict };
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Business hours and reminders
// ---------------------------------------------------------------------------------------------------------

/** Business hours: minutes after local midnight, start inclusive, end exclusive (as `Policy.reminders`). */
export interface BusinessHours {
  start: number;
  end: number;
  /** Working days as luxon weekdays (1 = Monday … 7 = Sunday); Monday–Friday when absent. */
  days?: readonly number[];
}

const WORKDAYS: readonly number[] = [1, 2, 3, 4, 5];

function isWorkday(weekday: number, hours: BusinessHours): boolean {
  return (hours.days ?? WORKDAYS).includes(weekday);
}

/** On a working day (Monday–Friday unless `days` says otherwise), local time in `zone` within [start, end) minutes. */
export function isWithinBusinessHours(at: number, zone: string, hours: BusinessHours): boolean {
  const dt = local(at, zone);
  if (!dt.isValid || !isWorkday(dt.weekday, hours)) return false;
  const minute = minuteOfDay(dt);
  return minute >= hours.start && minute < hours.end;
}

/** `at` if within business hours, else the start of the next business hours in `zone`. */
export function nextBusinessTime(at: number, zone: string, hours: BusinessHours): number {
  if (isWithinBusinessHours(at, zone, hours)) return at;
  let day = local(at, zone).startOf('day');
  if (!day.isValid || hours.end <= hours.start) return at;
  for (let i = 0; i < 14; i += 1) {
    if (isWorkday(day.weekday, hours)) {
      const start = atMinutes(day, hours.start);
      // A start moved by a DST gap may still be inside the hours; anything after `at` qualifies.
      if (start > at) return start;
    }
    day = day.plus({ days: 1 }).startOf('day');
  }
  return at;
}

/**
 * When the next reminder for a stage is due: `stageOpenedAt + firstAfter` for the first one, else
 * `lastSentAt + every`, moved to the next business time in `zone` (the recipient's zone, or the policy's).
 */
export function nextReminderTime(o: {
  stageOpenedAt: number;
  lastSentAt: number | null;
  firstAfter: number;
  every: number;
  zone: string;
  hours: BusinessHours;
}): number {
  const due = o.lastSentAt === null ? o.stageOpenedAt + o.firstAfter : o.lastSentAt + o.every;
  return nextBusinessTime(due, o.zone, o.hours);
}

// ---------------------------------------------------------------------------------------------------------
// Display and input
// ---------------------------------------------------------------------------------------------------------

/** The zone's short name at `at`: en-GB's ("CET", "BST", "UTC"), else en-US's ("EST"), else "GMT+9"-style. */
function zoneAbbreviation(dt: DateTime): string {
  const gb = dt.setLocale('en-GB').offsetNameShort;
  if (gb !== null && !/^GMT[+-]/.test(gb)) return gb;
  const us = dt.setLocale('en-US').offsetNameShort;
  if (us !== null && !/^GMT[+-]/.test(us)) return us;
  return gb ?? us ?? dt.toFormat('ZZ');
}

/** "Tue 8 Dec 10:00 CET": en-GB date and 24-hour time in `zone`, with the zone's abbreviation. */
export function formatSlot(at: number, zone: string): string {
  const dt = local(at, zone).setLocale('en-GB');
  if (!dt.isValid) return new Date(at).toISOString();
  return `${dt.toFormat('ccc d LLL HH:mm')} ${zoneAbbreviation(dt)}`;
}

/** "Tue 5 Jan 2027": en-GB weekday, day, month and year of the local day containing `at` in `zone`. */
export function formatDay(at: number, zone: string): string {
  const dt = local(at, zone).setLocale('en-GB');
  return dt.isValid ? dt.toFormat('ccc d LLL yyyy') : new Date(at).toISOString().slice(0, 10);
}

/**
 * A freeze's span for people: whole days as first and last day, both inclusive ("Mon 28 Dec 2026 – Mon 4 Jan 2027
 * (whole days)", "Tue 5 Jan 2027 (whole day)"), never the exclusive end's midnight; other spans as two slot times.
 */
export function formatFreezeSpan(start: number, end: number, zone: string): string {
  if (wholeDays(start, end, zone) !== null) {
    const first = formatDay(start, zone);
    const last = formatDay(end - 1, zone);
    return first === last ? `${first} (whole day)` : `${first} – ${last} (whole days)`;
  }
  return `${formatSlot(start, zone)} – ${formatSlot(end, zone)}`;
}

const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_INPUT = /^(\d{1,2}):(\d{2})$/;

/**
 * A local date (`YYYY-MM-DD`) and time (`HH:MM`) in `zone` → an instant. `ok: false` for malformed or
 * impossible input (e.g. 2026-02-30, 24:00) or an unknown zone.
 *
 * DST gap: a time that does not exist (02:30 on 2027-03-28 in Europe/Berlin) is moved forward by the
 * length of the gap, as luxon does (→ 03:30 CEST), and reported with `shifted: true` so the caller can tell
 * the user. An ambiguous time (autumn overlap) gets the offset luxon picks, with `shifted: false`.
 */
export function localDateTime(
  date: string,
  time: string,
  zone: string,
): { ok: true; at: number; shifted: boolean } | { ok: false } {
  const d = DATE_INPUT.exec(date.trim());
  const t = TIME_INPUT.exec(time.trim());
  if (d === null || t === null) return { ok: false };
  const wanted = {
    year: Number(d[1]),
    month: Number(d[2]),
    day: Number(d[3]),
    hour: Number(t[1]),
    minute: Number(t[2]),
  };
  if (wanted.hour > 23 || wanted.minute > 59) return { ok: false };
  const dt = DateTime.fromObject(wanted, { zone });
  if (!dt.isValid) return { ok: false };
  const shifted =
    dt.year !== wanted.year ||
    dt.month !== wanted.month ||
    dt.day !== wanted.day ||
    dt.hour !== wanted.hour ||
    dt.minute !== wanted.minute;
  return { ok: true, at: dt.toMillis(), shifted };
}
