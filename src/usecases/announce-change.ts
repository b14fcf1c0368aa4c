/**
 * Once the announcements channel has been told "In 24 hours: REL-5 deploys at …", a change to that slot (moved,
 * unscheduled, or the release cancelled) gets a short follow-up there, so nobody plans around a deploy that will not
 * happen. Only a slot that was announced gets one (the sent-messages ledger says so), once per change (a ledger key
 * with the old slot and the change's audit event), after the change's transaction, in the background.
 */
import { z } from 'zod';
import { auditForRelease } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease } from '../db/release.repo';
import { CONTENT_FIELDS, CRITERIA, STATES } from '../domain/types';
import type { SlotChange, SlotOffReason } from '../slack/views/timers.view';
import { slotChangeText } from '../slack/views/timers.view';
import { inBackground } from './background';
import type { Deps } from './deps';

export type ChangeDeps = Pick<Deps, 'db' | 'policy' | 'slack' | 'logger' | 'background'>;

/** Whether any `before` announcement of `slot` went out (or is going out): the keys `onAnnounce` posts under. */
export function slotWasAnnounced(deps: Pick<Deps, 'policy' | 'slack'>, releaseId: number, slot: number): boolean {
  return deps.policy.announcements.before.some((offset) => deps.slack.sentByKey(`announce-${releaseId}-${offset}-${slot}`) !== null);
}

/**
 * After the change's transaction: the follow-up for `r`'s announced slot `change.from`, if it was announced.
 * `changeId` is the change's audit event, so each change is told once and a later change to the same slot again.
 */
export function announceSlotChange(deps: ChangeDeps, r: Release, change: SlotChange, changeId: number): void {
  const channel = deps.policy.channels.announcements;
  if (!channel || !slotWasAnnounced(deps, r.id, change.from)) return;
  const text = slotChangeText(r, change, deps.policy.timezone);
  const dedupeKey = `announce-change-${r.id}-${change.from}-${changeId}`;
  inBackground(deps, 'announce the slot change', () => deps.slack.post({ channel, text, dedupeKey, releaseId: r.id }));
}

/** What `unscheduleInTx` records in `release.unscheduled` (read back here, so it is parsed). */
const unscheduledSchema = z.object({
  reason: z.string().optional(),
  slot: z.iso.datetime().nullable().optional(),
  to_state: z.enum(STATES).optional(),
  freeze: z.string().optional(),
  environment: z.string().optional(),
  criterion: z.enum(CRITERIA).optional(),
  status: z.string().optional(),
  fields: z.array(z.enum(CONTENT_FIELDS)).optional(),
});

function offReason(d: z.infer<typeof unscheduledSchema>, r: Release): SlotOffReason {
  switch (d.reason) {
    case 'freeze':
      return { kind: 'freeze', freeze: d.freeze ?? 'a freeze' };
    case 'windows':
      return { kind: 'windows', environment: d.environment ?? r.environment };
    case 'outside_window':
      return { kind: 'missed', environment: r.environment };
    case 'readiness':
      return d.criterion ? { kind: 'readiness', criterion: d.criterion, status: d.status ?? 'not met' } : { kind: 'other' };
    case 'edited':
      return { kind: 'edited', fields: d.fields ?? [] };
    default:
      return { kind: 'other' };
  }
}

/**
 * After a transaction that unscheduled the release (`unscheduleInTx`): the follow-up for its old slot, read from the
 * latest `release.unscheduled` event (its slot, why, and where the release went).
 */
export function announceUnscheduled(deps: ChangeDeps, releaseId: number): void {
  if (!deps.policy.channels.announcements) return;
  const r = getRelease(deps.db, releaseId);
  const event = auditForRelease(deps.db, releaseId, 20).findLast((e) => e.action === 'release.unscheduled');
  if (!r || !event) return;
  const d = unscheduledSchema.safeParse(event.details);
  if (!d.success || !d.data.slot) return;
  const state = d.data.to_state ?? r.state;
  announceSlotChange(deps, r, { kind: 'off', from: Date.parse(d.data.slot), why: offReason(d.data, r), state }, event.id);
}
