/**
 * `GET /api/v1/calendar.ics`: the deploy calendar as an iCalendar feed (RFC 5545) for calendar apps. Scheduled
 * releases (UID `rel-<id>@greenlight`), deploy-window occurrences of environments with weekly windows, and
 * freezes (all-day events when the policy gave dates). Calendar apps cannot send headers, so the route takes the
 * API token as `?token=` too (see api.ts).
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import ical, { ICalCalendarMethod, ICalEventTransparency } from 'ical-generator';
import { DateTime } from 'luxon';
import { SLOT_MINUTES } from '../domain/calendar';
import type { DeployCalendar } from '../usecases/calendar';
import { deployCalendar } from '../usecases/calendar';
import type { Deps } from '../usecases/deps';

const SLOT_MS = SLOT_MINUTES * 60_000;
const DAY_MS = 86_400_000;

/** What the feed covers, from now: deploys booked in the next 90 days, windows for 28, freezes for a year. */
export const ICS_RANGE = { days: 28, deployDays: 90, freezeDays: 366 } as const;

export function calendarIcs(cal: DeployCalendar, now: number): string {
  const feed = ical({ name: 'Greenlight deploy calendar', prodId: { company: 'greenlight', product: 'deploy-calendar', language: 'EN' }, method: ICalCalendarMethod.PUBLISH });
  feed.ttl(15 * 60);
  const stamp = new Date(now);
  for (const r of cal.deploys) {
    if (r.scheduledAt === null) continue;
    feed.createEvent({
      id: `rel-${r.id}@greenlight`,
      start: new Date(r.scheduledAt),
      end: new Date(r.scheduledAt + SLOT_MS),
      stamp,
      summary: `REL-${r.id} ${r.service} ${r.version} → ${r.environment}`,
      description: r.title,
    });
  }
  for (const w of cal.windows) {
    // `always` would be one event per day, every day: calendar noise. `never` has no occurrences.
    if (w.spec.kind !== 'slots') continue;
    for (const o of w.occurrences) {
      feed.createEvent({
        id: `window-${w.environment}-${o.start}@greenlight`,
        start: new Date(o.start),
        end: new Date(o.end),
        stamp,
        summary: `Deploy window: ${w.environment}`,
        transparency: ICalEventTransparency.TRANSPARENT,
      });
    }
  }
  for (const f of cal.freezes) {
    const key = createHash('sha256').update(`${f.start}|${f.end}|${f.reason}|${(f.services ?? []).join(',')}`).digest('hex').slice(0, 16);
    const scope = f.services === null ? '' : ` (${f.services.join(', ')})`;
    feed.createEvent({
      id: `freeze-${key}@greenlight`,
      ...(f.allDay
        ? { start: DateTime.fromMillis(f.start, { zone: cal.zone }), end: DateTime.fromMillis(f.end, { zone: cal.zone }), allDay: true }
        : { start: new Date(f.start), end: new Date(f.end) }),
      stamp,
      summary: `Freeze: ${f.reason}${scope}`,
    });
  }
  return feed.toString();
}

export function calendarIcsHandler(deps: Pick<Deps, 'db' | 'policy' | 'now'>) {
  return (_req: Request, res: Response): void => {
    const now = deps.now();
    // Start a day back so today's windows and a deploy that just began stay visible.
    const cal = deployCalendar(deps, { from: now - DAY_MS, ...ICS_RANGE });
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.setHeader('Content-Disposition', 'inline; filename="greenlight.ics"');
    res.status(200).send(calendarIcs(cal, now));
  };
}
