/** The scheduling facts around a release: its windows, the freezes that apply, what is already booked. */
import type { Freeze, WindowSpec } from '../config';
import type { DbOrTx } from '../db/client';
import type { Release } from '../db/release.repo';
import { activeOverride, currentSlackFreezes, deploysInWindow, scheduledBetween } from '../db/schedule.repo';
import { SLOT_MINUTES, wholeDays, windowOccurrenceAt } from '../domain/calendar';
import { relId } from '../slack/format';
import type { WorkflowPolicy } from './deps';
import { windowsFor } from './windows';

const SLOT_MS = SLOT_MINUTES * 60_000;

/**
 * The policy's freezes and the ones declared in Slack, as one list. A Slack freeze is declared as days and stored as
 * instants: while it still covers whole days in the policy time zone, its bounds read as those dates (end inclusive,
 * as in the policy file), so the calendar and calendar.ics show it as an all-day event.
 */
export function effectiveFreezes(db: DbOrTx, policy: WorkflowPolicy, now: number): Freeze[] {
  const fromSlack: Freeze[] = currentSlackFreezes(db, now).map((f) => {
    const days = wholeDays(f.start, f.end, policy.timezone);
    return {
      start: f.start,
      end: f.end,
      reason: f.reason,
      services: f.services ?? null,
      startText: days ? days.first : new Date(f.start).toISOString(),
      endText: days ? days.last : new Date(f.end).toISOString(),
    };
  });
  return [...policy.freezes.filter((f) => f.end > now), ...fromSlack].sort((a, b) => a.start - b.start);
}

export interface SlotContext {
  spec: WindowSpec;
  zone: string;
  freezes: Freeze[];
  service: string;
  isBusy: (at: number) => string | null;
  overridden: boolean;
}

/**
 * Everything `checkSlot`/`nextSlots` need for `release`. A slot is busy when another release of the same service
 * and environment is booked within a slot's length of it (the deploy lock), or when the window occurrence already
 * holds `scheduling.max_concurrent_per_window` deploys of the same environment (booked, deploying or shipped from it). An active break-glass override lifts the freezes.
 */
export function slotContext(db: DbOrTx, policy: WorkflowPolicy, release: Release, now: number): SlotContext {
  const spec = windowsFor({ db, policy }, release.environment);
  const zone = policy.timezone;
  const override = activeOverride(db, release.id, now);
  const overridden = override !== undefined;
  // An emergency override lifts freezes until it expires; after that they apply again.
  const freezes = effectiveFreezes(db, policy, now)
    .map((f) => (override ? { ...f, start: Math.max(f.start, override.expiresAt) } : f))
    .filter((f) => f.end > f.start);
  const max = policy.scheduling.maxConcurrentPerWindow;
  // The deploys already in each window occurrence (by its start), looked up once per occurrence.
  const inWindowCache = new Map<number, Release[]>();
  const isBusy = (at: number): string | null => {
    const same = scheduledBetween(db, at - SLOT_MS + 1, at + SLOT_MS, { service: release.service, environment: release.environment, excludeId: release.id });
    if (same[0]) return `${relId(same[0].id)} (${release.service} in ${release.environment})`;
    if (max !== null) {
      const occ = windowOccurrenceAt(spec, zone, at);
      if (occ) {
        // "Deploys in this window": this environment's releases whose slot is in this occurrence and that are booked,
        // deploying or already shipped from it (a staging booking leaves production's limit alone).
        let inWindow = inWindowCache.get(occ.start);
        if (!inWindow) {
          inWindow = deploysInWindow(db, occ.start, occ.end, { environment: release.environment, excludeId: release.id });
          inWindowCache.set(occ.start, inWindow);
        }
        if (inWindow.length >= max) return `the ${release.environment} window's limit of ${max} deploy${max === 1 ? '' : 's'} (${inWindow.map((r) => relId(r.id)).join(', ')})`;
      }
    }
    return null;
  };
  return { spec, zone, freezes, service: release.service, isBusy, overridden };
}
