/**
 * What timers the database calls for. Called for one release after each change and for all of them at start,
 * on Redis reconnect and when Redis lost its data. Everything here is re-derivable: nothing lives only in Redis.
 */
import { listReleases } from '../db/release.repo';
import { activeOverrides, reminderRows } from '../db/schedule.repo';
import { nextReminderTime } from '../domain/calendar';
import { isApprovalStage } from '../domain/workflow';
import type { TimerSpec } from '../queue/jobs';
import type { Deps } from './deps';
import { derivePostReleaseTimers, postReleaseIds } from './post-release-timers';
import { loadSnapshot } from './snapshot';
import type { ReleaseSnapshot } from './snapshot';

/** People a release's current stage waits on: members of the roles still missing, minus the requester and who approved. */
export async function pendingApprovers(deps: Pick<Deps, 'slack' | 'logger'>, snap: ReleaseSnapshot): Promise<string[]> {
  const r = snap.release;
  if (!isApprovalStage(r.state)) return [];
  const approved = new Set(snap.approvals.filter((a) => a.status === 'active' && a.stage === r.state).map((a) => a.userId));
  const out = new Set<string>();
  for (const p of snap.progress[r.state]) {
    if (p.missing === 0) continue;
    for (const member of snap.members[p.role]) {
      if (member.startsWith('S')) {
        try {
          for (const u of await deps.slack.groupMembers(member)) out.add(u);
        } catch (err) {
          deps.logger.warn({ group: member, err: (err as Error).message }, 'could not expand user group for reminders');
        }
      } else out.add(member);
    }
  }
  return [...out].filter((u) => u !== r.requestedBy && !approved.has(u));
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
  const snap = loadSnapshot(deps.db, deps.policy, releaseId, deps.now());
  if (!snap) return [];
  const r = snap.release;
  const specs: TimerSpec[] = [];
  const now = deps.now();
  if (r.state === 'scheduled' && r.scheduledAt !== null) {
    specs.push({ name: 'window-start', payload: { releaseId: r.id, at: r.scheduledAt }, at: r.scheduledAt });
    for (const offset of deps.policy.announcements.before) {
      // An offset already passed when the slot was picked is skipped: "in 24 hours" an hour before would be wrong.
      if (r.scheduledAt - offset > now) specs.push({ name: 'announce', payload: { releaseId: r.id, at: r.scheduledAt, offset }, at: r.scheduledAt - offset });
    }
  }
  if (isApprovalStage(r.state)) {
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
  specs.push(...derivePostReleaseTimers(deps, r.id));
  return specs;
}

export async function deriveAllTimers(deps: Deps): Promise<TimerSpec[]> {
  const states = ['review', 'qa', 'signoff', 'scheduling', 'scheduled'] as const;
  const specs: TimerSpec[] = [];
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const page = listReleases(deps.db, { states, limit: pageSize, offset });
    for (const r of page) specs.push(...(await deriveReleaseTimers(deps, r.id)));
    if (page.length < pageSize) break;
  }
  for (const id of postReleaseIds(deps.db)) specs.push(...derivePostReleaseTimers(deps, id));
  for (const o of activeOverrides(deps.db, deps.now())) {
    specs.push({ name: 'override-expire', payload: { overrideId: o.id, releaseId: o.releaseId }, at: o.expiresAt });
  }
  return specs;
}
