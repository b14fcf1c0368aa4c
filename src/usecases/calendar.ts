/**
 * The deploy calendar: scheduled deploys, deploy-window occurrences per environment and freezes over a period,
 * in the policy time zone. Read by `/release calendar`, `/release windows` and `GET /api/v1/calendar.ics`.
 */
import type { WindowSpec } from '../config';
import type { Release } from '../db/release.repo';
import { scheduledBetween } from '../db/schedule.repo';
import type { Interval } from '../domain/calendar';
import { freezesOverlapping, upcomingWindows } from '../domain/calendar';
import type { Environment } from '../domain/types';
import { ENVIRONMENTS } from '../domain/types';
import type { Deps } from './deps';
import { effectiveFreezes } from './slots';
import { allWindows } from './windows';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface CalendarFreeze {
  reason: string;
  start: number;
  end: number;
  /** null: every service. */
  services: string[] | null;
  /** Both bounds were written as dates: whole days in the policy time zone (`end` is the next day's midnight). */
  allDay: boolean;
}

export interface CalendarWindows {
  environment: Environment;
  spec: WindowSpec;
  occurrences: Interval[];
}

export interface DeployCalendar {
  zone: string;
  from: number;
  until: number;
  deploys: Release[];
  windows: CalendarWindows[];
  freezes: CalendarFreeze[];
}

export interface CalendarRange {
  from: number;
  /** Window occurrences and freezes are listed until `from + days`. */
  days: number;
  /** Scheduled deploys are listed until `from + deployDays` (default `days`). */
  deployDays?: number;
  /** Freezes are listed until `from + freezeDays` (default `days`). */
  freezeDays?: number;
}

export function deployCalendar(deps: Pick<Deps, 'db' | 'policy'>, range: CalendarRange): DeployCalendar {
  const zone = deps.policy.timezone;
  const { from } = range;
  const until = from + range.days * DAY_MS;
  const deploys = scheduledBetween(deps.db, from, from + (range.deployDays ?? range.days) * DAY_MS);
  const specs = allWindows(deps);
  const windows = ENVIRONMENTS.map((environment) => {
    const spec = specs[environment];
    return { environment, spec, occurrences: upcomingWindows(spec, zone, from, until) };
  });
  const freezes = freezesOverlapping(effectiveFreezes(deps.db, deps.policy, from), null, from, from + (range.freezeDays ?? range.days) * DAY_MS).map(
    (f): CalendarFreeze => ({
      reason: f.reason,
      start: f.start,
      end: f.end,
      services: f.services,
      allDay: DATE_ONLY.test(f.startText.trim()) && DATE_ONLY.test(f.endText.trim()),
    }),
  );
  return { zone, from, until, deploys, windows, freezes };
}

/** The next `count` occurrences of each environment's windows (within 60 days), for `/release windows`. */
export function windowsOverview(deps: Pick<Deps, 'db' | 'policy'>, from: number, count = 5): CalendarWindows[] {
  const zone = deps.policy.timezone;
  const specs = allWindows(deps);
  return ENVIRONMENTS.map((environment) => {
    const spec = specs[environment];
    return { environment, spec, occurrences: upcomingWindows(spec, zone, from, from + 60 * DAY_MS).slice(0, count) };
  });
}
