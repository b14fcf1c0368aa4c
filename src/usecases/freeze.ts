/**
 * Freezes declared in Slack (admins and release managers). A new freeze is announced, and every scheduled
 * release whose slot falls inside it goes back to scheduling, with its owners told.
 */
import { inBackground } from './background';
import { freezeBoundToMillis, serviceNames } from '../config';
import type { Freeze } from '../config';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { activeOverride, insertFreeze, releasesInStates, scheduledBetween } from '../db/schedule.repo';
import { freezeApplies } from '../domain/calendar';
import type { JobPayload } from '../queue/jobs';
import { escTrunc, mention, relId } from '../slack/format';
import { freezeAnnouncement } from '../slack/views/freeze.view';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { isAdmin, rolesOf } from './roles';
import { effectiveFreezes } from './slots';
import { freezeEdgeAt, freezeEdgeTimers } from './timers';
import { tellUnscheduled, unscheduleInTx } from './unschedule';

export async function canManageFreezes(deps: Deps, actor: string): Promise<boolean> {
  return isAdmin(deps, actor) || (await rolesOf(deps, null, actor)).includes('release_manager');
}

/**
 * What `/release freeze` gives `actor`: the list (everyone; managers too when they ask for it), the declare modal
 * (managers), or, to someone else who asked to declare one (`/release freeze new`), a refusal, audited.
 */
export type FreezeCommandAnswer = { kind: 'list'; freezes: Freeze[]; manager: boolean } | { kind: 'declare' } | { kind: 'denied' };

export async function freezeCommand(deps: Deps, actor: string, input: { listRequested: boolean; declareRequested?: boolean }): Promise<FreezeCommandAnswer> {
  const manager = await canManageFreezes(deps, actor);
  if (!manager && input.declareRequested) {
    auditDenial(deps, { releaseId: null, actor, action: 'freeze.denied', reason: 'not_release_manager', attempted: 'declare', via: 'command' });
    return { kind: 'denied' };
  }
  if (!manager || input.listRequested) return { kind: 'list', freezes: currentFreezes(deps), manager };
  return { kind: 'declare' };
}

/** States whose card shows a freeze ahead (approval stages) and offers the Emergency override (scheduling, scheduled). */
const FREEZE_CARD_STATES = ['review', 'qa', 'signoff', 'scheduling', 'scheduled'] as const;

/**
 * A freeze began to apply or stopped applying to `services` (null: every service): refresh the cards of their open
 * releases, so each shows the freeze (or no longer does) and, in scheduling or scheduled, the Emergency override
 * button for a release manager to break glass. `skip`: cards already refreshed. Call it when a freeze is declared
 * and when one ends or is lifted.
 */
export function refreshFreezeCards(deps: Pick<Deps, 'db' | 'cards'>, services: readonly string[] | null, skip: readonly number[] = []): number[] {
  const ids = releasesInStates(deps.db, FREEZE_CARD_STATES, services)
    .map((r) => r.id)
    .filter((id) => !skip.includes(id));
  for (const id of ids) void deps.cards.refresh(id);
  return ids;
}

/**
 * A freeze edge has come (`freeze-edge` timer): a freeze ended, or came within the cards' look-ahead. Re-reads the
 * freezes (policy and Slack) and refreshes the cards of the open releases of the services of those that still have
 * this edge; a freeze lifted or moved since has nothing here (its new edges have timers of their own).
 */
export async function onFreezeEdge(deps: Deps, p: JobPayload<'freeze-edge'>): Promise<void> {
  // as of just before the edge, so a freeze ending at it is still listed
  const freezes = effectiveFreezes(deps.db, deps.policy, p.at - 1).filter((f) => freezeEdgeAt(f, p.edge) === p.at);
  if (freezes.length === 0) return;
  if (deps.now() < p.at) {
    // fired early (another process's clock is ahead of ours): the cards would still render the old view; come back then
    // (a round of its own each time: the id of the job now running would be ignored)
    await deps.timers.add({ name: 'freeze-edge', payload: p, at: p.at, round: deps.now() });
    return;
  }
  const services = freezes.some((f) => f.services === null) ? null : [...new Set(freezes.flatMap((f) => f.services ?? []))];
  refreshFreezeCards(deps, services);
}

export interface FreezeInput {
  actor: string;
  start: string; // YYYY-MM-DD (whole days in the policy time zone)
  end: string; // YYYY-MM-DD, inclusive
  reason: string;
  services: string[] | null;
}

export type FreezeResult =
  | { kind: 'declared'; freeze: Freeze; id: number; moved: Release[] }
  | { kind: 'invalid'; errors: Partial<Record<'start' | 'end' | 'reason' | 'services', string>> }
  | { kind: 'denied' };

export async function declareFreeze(deps: Deps, input: FreezeInput): Promise<FreezeResult> {
  if (!(await canManageFreezes(deps, input.actor))) {
    auditDenial(deps, { releaseId: null, actor: input.actor, action: 'freeze.denied', reason: 'not_release_manager', attempted: 'declare', via: 'modal' });
    return { kind: 'denied' };
  }
  const zone = deps.policy.timezone;
  const now = deps.now();
  const errors: Partial<Record<'start' | 'end' | 'reason' | 'services', string>> = {};
  const start = freezeBoundToMillis(input.start, zone, 'start');
  const end = freezeBoundToMillis(input.end, zone, 'end');
  const reason = input.reason.trim();
  if (start === null) errors.start = 'Pick the first day of the freeze.';
  if (end === null) errors.end = 'Pick the last day of the freeze.';
  if (start !== null && end !== null && end <= start) errors.end = 'The last day must be on or after the first day.';
  if (end !== null && end <= now) errors.end = 'This freeze would already be over.';
  if (!reason) errors.reason = 'A reason is required: it is announced.';
  if (reason.length > 500) errors.reason = 'Keep the reason under 500 characters.';
  const known = serviceNames(deps.policy);
  const unknown = (input.services ?? []).filter((s) => !known.includes(s));
  if (unknown.length) errors.services = `Unknown services: ${unknown.join(', ')}.`;
  if (Object.keys(errors).length || start === null || end === null) return { kind: 'invalid', errors };
  const services = input.services && input.services.length ? input.services : null;
  const freeze: Freeze = { start, end, reason, services, startText: input.start, endText: input.end };

  const result = inTransaction(deps.db, (tx) => {
    const row = insertFreeze(tx, { start, end, reason, services, createdBy: input.actor, createdAt: now });
    appendAudit(tx, { at: now, releaseId: null, actor: input.actor, action: 'freeze.declared', details: { id: row.id, start: input.start, end: input.end, reason, services } });
    const moved: Release[] = [];
    for (const r of scheduledBetween(tx, start - 30 * 60_000, end)) {
      if (!freezeApplies(freeze, r.service) || r.scheduledAt === null) continue;
      const override = activeOverride(tx, r.id, r.scheduledAt);
      if (override) continue;
      moved.push(unscheduleInTx(tx, r, r.scheduledAt, input.actor, now, { reason: 'freeze', freeze: reason }));
    }
    return { id: row.id, moved };
  });

  const channel = deps.policy.channels.announcements;
  if (channel) {
    const text = freezeAnnouncement(freeze, input.actor, zone, result.moved.map((r) => r.id));
    inBackground(deps, 'announce the freeze', () => deps.slack.post({ channel, text, dedupeKey: `freeze-declared-${result.id}` }));
  }
  tellUnscheduled(deps, result.moved, {
    thread: () => `:snowflake: ${mention(input.actor)} declared a freeze (${escTrunc(reason, 300)}) over this release's slot: it is back in scheduling. Operations pick a new slot, or a release manager grants an emergency override.`,
    dm: (r) => `:snowflake: ${relId(r.id)} (${r.service}) was unscheduled: a freeze (${escTrunc(reason, 300)}) now covers its slot.`,
    dedupeKey: (r, owner) => `freeze-${result.id}-moved-${r.id}-${owner}`,
  });
  refreshFreezeCards(deps, services, result.moved.map((r) => r.id));
  // its end (and its coming within the cards' 14 days) refreshes the cards again
  inBackground(deps, "set the freeze's card timers", async () => {
    for (const spec of freezeEdgeTimers([freeze], deps.now())) await deps.timers.add(spec);
  });
  return { kind: 'declared', freeze, id: result.id, moved: result.moved };
}

/** Freezes in force now or later (policy and Slack), for `/release freeze` and the calendar. */
export function currentFreezes(deps: Pick<Deps, 'db' | 'policy' | 'now'>): Freeze[] {
  return effectiveFreezes(deps.db, deps.policy, deps.now());
}
