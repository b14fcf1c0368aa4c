/**
 * What timers the database calls for. Called for one release after each change and for all of them at start,
 * on Redis reconnect and when Redis lost its data. Everything here is re-derivable: nothing lives only in Redis.
 */
import { sql } from 'drizzle-orm';
import { getDeploy } from '../db/deploy.repo';
import type { Release } from '../db/release.repo';
import { getRelease, releasesWithTimers } from '../db/release.repo';
import { activeOverrides, reminderRows } from '../db/schedule.repo';
import { FREEZE_AHEAD_MS, nextReminderTime } from '../domain/calendar';
import type { Criterion, CriterionStatus } from '../domain/types';
import { CRITERION_OWNERS } from '../domain/types';
import { isApprovalStage } from '../domain/workflow';
import type { Freeze } from '../config';
import type { TimerSpec } from '../queue/jobs';
import { startAnnouncementPending } from './deploy';
import type { Deps } from './deps';
import { derivePostReleaseTimers, postReleaseIds } from './post-release-timers';
import { expandMembers } from './roles';
import { loadSnapshot } from './snapshot';
import { lockRetryRound } from './timer-jobs';
import { effectiveFreezes } from './slots';
import type { ReleaseSnapshot } from './snapshot';

/** One person a release's stage waits on; `criteria` set: a readiness criterion they own, not their approval. */
export interface WaitingOn {
  user: string;
  criteria: { criterion: Criterion; status: CriterionStatus }[];
}

/**
 * Who a release's current stage waits on: members of the roles still missing, minus the requester and who approved;
 * once every approval is in and only readiness criteria hold it (sign-off), the members of the owner roles of the
 * pending or failed criteria.
 */
export async function waitingOn(deps: Pick<Deps, 'slack' | 'logger'>, snap: ReleaseSnapshot): Promise<WaitingOn[]> {
  const r = snap.release;
  if (!isApprovalStage(r.state)) return [];
  const approved = new Set(snap.approvals.filter((a) => a.status === 'active' && a.stage === r.state).map((a) => a.userId));
  const missing = snap.progress[r.state].filter((p) => p.missing > 0);
  if (missing.length > 0) {
    const users = await expandMembers(deps, missing.flatMap((p) => snap.members[p.role]));
    return users.filter((u) => u !== r.requestedBy && !approved.has(u)).map((user) => ({ user, criteria: [] }));
  }
  if (r.state !== 'signoff' || snap.blocking.length === 0) return [];
  const byUser = new Map<string, WaitingOn>();
  for (const criterion of snap.blocking) {
    const status = snap.criteria.find((c) => c.criterion === criterion)?.status ?? 'pending';
    for (const user of await expandMembers(deps, snap.members[CRITERION_OWNERS[criterion]])) {
      const entry = byUser.get(user) ?? { user, criteria: [] };
      entry.criteria.push({ criterion, status });
      byUser.set(user, entry);
    }
  }
  return [...byUser.values()];
}

/** The people a release's current stage waits on (see `waitingOn`). */
export async function pendingApprovers(deps: Pick<Deps, 'slack' | 'logger'>, snap: ReleaseSnapshot): Promise<string[]> {
  return (await waitingOn(deps, snap)).map((w) => w.user);
}

/** A person's time zone from Slack (cached), else the policy's. */
export async function zoneOf(deps: Pick<Deps, 'slack' | 'policy'>, user: string): Promise<string> {
  try {
    return (await deps.slack.userInfo(user)).tz ?? deps.policy.timezone;
  } catch {
    return deps.policy.timezone;
  }
}

export async function deriveReleaseTimers(deps: Deps, releaseId: number): Promise<TimerSpec[]> {
  const release = getRelease(deps.db, releaseId);
  if (!release) return [];
  return [...(await timersFor(deps, release)), ...deployStartTimers(deps, release), ...derivePostReleaseTimers(deps, release.id)];
}

/**
 * A started deploy's loose ends, re-derived until done: a release its slot moved to deploying whose deploy row is
 * missing (the process died in between: the slot job finishes it), and the `start` announcement not yet sent
 * (a deploy the pipeline reported, or one whose announcement failed).
 */
function deployStartTimers(deps: Deps, r: Release): TimerSpec[] {
  if (r.state !== 'deploying' && r.state !== 'monitoring') return [];
  const now = deps.now();
  const d = getDeploy(deps.db, r.id);
  if (!d) {
    if (r.state !== 'deploying' || r.scheduledAt === null) return [];
    return [{ name: 'window-start', payload: { releaseId: r.id, at: r.scheduledAt }, at: now, round: lockRetryRound(r.scheduledAt, now) }];
  }
  if (!startAnnouncementPending(deps, r, d)) return [];
  return [{ name: 'announce', payload: { releaseId: r.id, at: d.startedAt, offset: 0 }, at: now }];
}

/** The pre-deploy timers of one release: its slot and announcements, or its stage's reminders and escalation. */
async function timersFor(deps: Deps, r: Release): Promise<TimerSpec[]> {
  const specs: TimerSpec[] = [];
  const now = deps.now();
  if (r.state === 'scheduled' && r.scheduledAt !== null) {
    // A slot already past (waiting on the deploy lock, or missed while down) gets the current retry round's id, so the
    // timer is re-created even though the slot's first job has completed.
    const past = r.scheduledAt <= now;
    specs.push({
      name: 'window-start',
      payload: { releaseId: r.id, at: r.scheduledAt },
      at: past ? now : r.scheduledAt,
      ...(past ? { round: lockRetryRound(r.scheduledAt, now) } : {}),
    });
    for (const offset of deps.policy.announcements.before) {
      // An offset already passed when the slot was picked is skipped: "in 24 hours" an hour before would be wrong.
      if (r.scheduledAt - offset > now) specs.push({ name: 'announce', payload: { releaseId: r.id, at: r.scheduledAt, offset }, at: r.scheduledAt - offset });
    }
  }
  if (isApprovalStage(r.state)) {
    const snap = loadSnapshot(deps.db, deps.policy, r.id, now);
    if (!snap) return specs;
    const opened = r.stateChangedAt;
    const rows = reminderRows(deps.db, r.id, opened);
    const rem = deps.policy.reminders;
    for (const user of await pendingApprovers(deps, snap)) {
      const row = rows.find((x) => x.userId === user);
      const zone = await zoneOf(deps, user);
      let at = nextReminderTime({ stageOpenedAt: opened, lastSentAt: row?.lastSentAt ?? null, firstAfter: rem.firstAfter, every: rem.every, zone, hours: rem.businessHours });
      if (row?.snoozedUntil && row.snoozedUntil > at) at = row.snoozedUntil;
      specs.push({ name: 'reminder', payload: { releaseId: r.id, stageOpenedAt: opened, userId: user }, at, round: row?.sentCount ?? 0 });
    }
    specs.push({ name: 'escalate', payload: { releaseId: r.id, stageOpenedAt: opened }, at: opened + rem.escalateAfter });
  }
  return specs;
}


/**
 * When a freeze edge changes what cards show: `end`, the freeze stops being in force; `ahead`, the first instant it
 * falls inside the card's look-ahead (the card looks at [now, now + FREEZE_AHEAD_MS), so one ms past start − 14 days).
 */
export function freezeEdgeAt(f: Pick<Freeze, 'start' | 'end'>, edge: 'end' | 'ahead'): number {
  return edge === 'end' ? f.end : f.start - FREEZE_AHEAD_MS + 1;
}

/**
 * The card-refresh timers of `freezes` still to come after `now`: one per distinct edge time (freezes sharing an edge
 * share the timer; the handler refreshes the cards of all of them), not one per release.
 */
export function freezeEdgeTimers(freezes: readonly Pick<Freeze, 'start' | 'end'>[], now: number): TimerSpec<'freeze-edge'>[] {
  const specs = new Map<string, TimerSpec<'freeze-edge'>>();
  for (const f of freezes) {
    if (f.end <= f.start) continue;
    for (const edge of ['ahead', 'end'] as const) {
      const at = freezeEdgeAt(f, edge);
      // an edge already passed needs nothing: every card rendered since shows it
      if (at <= now) continue;
      specs.set(`${edge}-${at}`, { name: 'freeze-edge', payload: { edge, at }, at });
    }
  }
  return [...specs.values()].sort((a, b) => a.at - b.at);
}

export async function deriveAllTimers(deps: Deps): Promise<TimerSpec[]> {
  const specs: TimerSpec[] = [];
  // Keyset pages over the indexed state column: linear however many releases there are.
  for (let after = 0; ; ) {
    const page = releasesWithTimers(deps.db, after, 1000);
    for (const r of page) specs.push(...(await timersFor(deps, r)));
    const last = page[page.length - 1];
    if (!last) break;
    after = last.id;
  }
  for (const id of postReleaseIds(deps.db, deps.now(), deps.policy.rollback.offerFor)) specs.push(...derivePostReleaseTimers(deps, id));
  const started = deps.db.all<{ id: number }>(sql`select id from releases where state in ('deploying', 'monitoring') order by id`);
  for (const { id } of started) {
    const r = getRelease(deps.db, id);
    if (r) specs.push(...deployStartTimers(deps, r));
  }
  for (const o of activeOverrides(deps.db, deps.now())) {
    specs.push({ name: 'override-expire', payload: { overrideId: o.id, releaseId: o.releaseId }, at: o.expiresAt });
  }
  specs.push(...freezeEdgeTimers(effectiveFreezes(deps.db, deps.policy, deps.now()), deps.now()));
  return specs;
}
