/**
 * Operations pick a deploy slot: inside the environment's windows, outside every freeze (unless a break-glass
 * override is active), not colliding with another deploy of the same service and environment. Picking the slot
 * counts as the scheduler's operations approval; high-risk releases still need every required approval.
 */
import { announceSlotChange } from './announce-change';
import { inBackground } from './background';
import type { Freeze } from '../config';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease, insertApproval, updateRelease } from '../db/release.repo';
import type { SlotProblem } from '../domain/calendar';
import { checkSlot, formatSlot, freezeApplies, nextSlots } from '../domain/calendar';
import { stageProgress } from '../domain/workflow';
import type { Role } from '../domain/types';
import { STATE_PHRASES } from '../domain/types';
import { mention, relId, slackDate } from '../slack/format';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { NotFoundError } from './errors';
import { factsOf } from './facts';
import { rolesOf, rulesFor } from './roles';
import { effectiveFreezes, slotContext } from './slots';

export const SCHEDULER_ROLES: readonly Role[] = ['operations', 'release_manager'];

export type ScheduleDenial = 'not_in_role' | 'self' | 'not_ready';

export type ScheduleResult =
  /** `previous`: the slot a rescheduled release had; `auditId`: the `release.scheduled`/`release.rescheduled` event. */
  | { kind: 'scheduled'; release: Release; rescheduled: boolean; previous: number | null; auditId: number }
  | { kind: 'invalid'; problem: SlotProblem | { kind: 'needs_approvals'; missing: string }; next: number | null; message: string }
  | { kind: 'denied'; release: Release; why: ScheduleDenial };

/**
 * May `actor` schedule now? Every attempt (the button, `/release schedule`, the modal's submit) asks this first, and
 * a refusal changes nothing, so it is audited here, once per attempt.
 */
export async function checkScheduler(
  deps: Deps,
  releaseId: number,
  actor: string,
  via?: 'command',
): Promise<{ release: Release; why: ScheduleDenial | null }> {
  const release = getRelease(deps.db, releaseId);
  if (!release) throw new NotFoundError(`REL-${releaseId}`);
  const roles = await rolesOf(deps, release.service, actor);
  const why = schedulerDenial(release, actor, roles);
  if (why) auditDenial(deps, { releaseId: release.id, actor, action: 'schedule.denied', reason: why, state: release.state, via });
  return { release, why };
}

function schedulerDenial(release: Release, actor: string, roles: readonly Role[]): ScheduleDenial | null {
  if (release.state !== 'scheduling' && release.state !== 'scheduled') return 'not_ready';
  if (actor === release.requestedBy) return 'self';
  if (!roles.some((r) => SCHEDULER_ROLES.includes(r))) return 'not_in_role';
  return null;
}

export type ScheduleOptions =
  | { kind: 'denied'; release: Release; why: ScheduleDenial }
  | { kind: 'options'; release: Release; slots: number[]; freezes: Freeze[] };

/** What the schedule modal offers `actor`: the next free slots and (up to three) freezes that apply to the service; or why not. */
export async function scheduleOptions(deps: Deps, releaseId: number, actor: string): Promise<ScheduleOptions> {
  const check = await checkScheduler(deps, releaseId, actor);
  if (check.why) return { kind: 'denied', release: check.release, why: check.why };
  const freezes = effectiveFreezes(deps.db, deps.policy, deps.now())
    .filter((f) => freezeApplies(f, check.release.service))
    .slice(0, 3);
  return { kind: 'options', release: check.release, slots: suggestSlots(deps, check.release), freezes };
}

export function suggestSlots(deps: Deps, release: Release, count = 8): number[] {
  const now = deps.now();
  const ctx = slotContext(deps.db, deps.policy, release, now);
  return nextSlots({ ...ctx, from: now, count });
}

export function explainProblem(problem: SlotProblem, zone: string, next: number | null): string {
  const nextText = next !== null ? ` The next allowed slot is ${formatSlot(next, zone)}.` : ' There is no free slot in the next 90 days.';
  switch (problem.kind) {
    case 'past':
      return `That time is in the past.${nextText}`;
    case 'not_on_slot':
      return `Deploy slots start on the hour or half hour.${nextText}`;
    case 'outside_window':
      return `That time is outside the deploy windows.${nextText}`;
    case 'frozen':
      return `That time is inside a freeze (${problem.freeze.reason}).${nextText}`;
    case 'busy':
      return `That slot collides with ${problem.conflict}.${nextText}`;
  }
}

export async function scheduleRelease(deps: Deps, input: { releaseId: number; actor: string; at: number }): Promise<ScheduleResult> {
  const check = await checkScheduler(deps, input.releaseId, input.actor);
  if (check.why) return { kind: 'denied', release: check.release, why: check.why };
  const roles = await rolesOf(deps, check.release.service, input.actor);
  const now = deps.now();
  const zone = deps.policy.timezone;

  const result = inTransaction(deps.db, (tx): ScheduleResult => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    if (release.state !== 'scheduling' && release.state !== 'scheduled') return { kind: 'denied', release, why: 'not_ready' };
    const ctx = slotContext(tx, deps.policy, release, now);
    const slot = checkSlot({ ...ctx, at: input.at, now });
    if (!slot.ok) return { kind: 'invalid', problem: slot.problem, next: slot.next, message: explainProblem(slot.problem, zone, slot.next) };

    const facts = factsOf(tx, release);
    const rules = rulesFor(deps.policy, release.service);
    // The scheduler's pick counts as their operations approval.
    const alreadyApproved = facts.approvals.some((a) => a.stage === 'scheduling' && a.userId === input.actor);
    const progress = stageProgress('scheduling', release.risk, facts.approvals, rules.highRisk)[0];
    const opsMissing = progress?.missing ?? 0;
    const countsAsApproval = !alreadyApproved && roles.includes('operations') && opsMissing > 0;
    const stillMissing = opsMissing - (countsAsApproval ? 1 : 0);
    if (stillMissing > 0) {
      const message = needsApprovalsText(release, progress?.required ?? 1, stillMissing, roles.includes('operations'));
      return { kind: 'invalid', problem: { kind: 'needs_approvals', missing: message }, next: null, message };
    }
    if (countsAsApproval) {
      insertApproval(tx, { releaseId: release.id, stage: 'scheduling', role: 'operations', userId: input.actor, contentRev: release.contentRev, at: now });
      appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'approval.granted', details: { stage: 'scheduling', role: 'operations', via: 'schedule' } });
    }
    const rescheduled = release.state === 'scheduled';
    const updated = updateRelease(tx, release.id, {
      state: 'scheduled',
      stateChangedAt: now,
      updatedAt: now,
      scheduledAt: input.at,
      scheduledBy: input.actor,
    });
    const event = appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.actor,
      action: rescheduled ? 'release.rescheduled' : 'release.scheduled',
      details: { at: new Date(input.at).toISOString(), previous: release.scheduledAt ? new Date(release.scheduledAt).toISOString() : null, override: ctx.overridden },
    });
    return { kind: 'scheduled', release: updated, rescheduled, previous: rescheduled ? release.scheduledAt : null, auditId: event.id };
  });

  // The pick is refused until operations approve: a refusal of the person's action, audited like the others.
  if (result.kind === 'invalid' && result.problem.kind === 'needs_approvals') {
    auditDenial(deps, { releaseId: check.release.id, actor: input.actor, action: 'schedule.denied', reason: 'needs_approvals', state: check.release.state });
  }
  // (the state moved on between the check and this transaction)
  if (result.kind === 'denied') auditDenial(deps, { releaseId: result.release.id, actor: input.actor, action: 'schedule.denied', reason: result.why, state: result.release.state });
  if (result.kind === 'scheduled') {
    const r = result.release;
    void deps.cards.refresh(r.id);
    void deps.cards.thread(
      r.id,
      `:calendar: ${mention(input.actor)} ${result.rescheduled ? 'moved' : 'scheduled'} the deploy to ${slackDate(input.at, '{date_long_pretty} {time}')} (${formatSlot(input.at, zone)}).`,
    );
    inBackground(deps, "set the release's timers", () => deps.timers.syncRelease(r.id));
    // people told of the old slot hear that it moved
    if (result.previous !== null && result.previous !== input.at) {
      announceSlotChange(deps, r, { kind: 'moved', from: result.previous, to: input.at }, result.auditId);
    }
  }
  return result;
}

/**
 * Why a slot pick waits on operations approvals. Plain text (a modal's inline error): no mentions, the card and
 * `/release why` name who can approve. `byOperations`: the scheduler is in operations (their pick counted already).
 */
export function needsApprovalsText(release: Release, required: number, missing: number, byOperations: boolean): string {
  const id = relId(release.id);
  if (required === 1) {
    return `${id} needs an operations approval before it is scheduled: someone in operations can press Approve on the card, or schedule it themselves.`;
  }
  const more = missing === 1 ? 'one more is' : `${missing} more are`;
  const who = byOperations ? 'someone else in operations' : 'people in operations';
  return `${id} is ${release.risk}-risk: it needs ${required} operations approvals before it is scheduled, and ${more} missing. Ask ${who} to press Approve on the card.`;
}

export function scheduleDenialText(release: Release, why: ScheduleDenial): string {
  switch (why) {
    case 'not_ready':
      return `${relId(release.id)} is not ready to schedule: it is ${STATE_PHRASES[release.state]}. It needs every approval and readiness criterion first (\`/release why ${relId(release.id)}\`).`;
    case 'self':
      return `You requested ${relId(release.id)}; someone in operations schedules it.`;
    case 'not_in_role':
      return `Only operations or a release manager can schedule ${relId(release.id)}.`;
  }
}
