/** The morning digest in the announcements channel: what deploys today, and what waits on whom. */
import { DateTime } from 'luxon';
import { listReleases } from '../db/release.repo';
import { scheduledBetween } from '../db/schedule.repo';
import { APPROVAL_STAGES } from '../domain/types';
import { digestMessage } from '../slack/views/digest.view';
import type { Deps } from './deps';
import { loadSnapshot } from './snapshot';
import { pendingApprovers } from './timers';

export async function sendDigest(deps: Deps): Promise<void> {
  const channel = deps.policy.channels.announcements;
  if (!channel) return;
  const now = deps.now();
  const day = DateTime.fromMillis(now, { zone: deps.policy.timezone }).startOf('day');
  const today = scheduledBetween(deps.db, day.toMillis(), day.plus({ days: 1 }).toMillis());
  const waiting: { id: number; state: string; since: number; on: string[] }[] = [];
  for (const r of listReleases(deps.db, { states: APPROVAL_STAGES, limit: 30 })) {
    const snap = loadSnapshot(deps.db, deps.policy, r.id, now);
    if (snap) waiting.push({ id: r.id, state: r.state, since: r.stateChangedAt, on: await pendingApprovers(deps, snap) });
  }
  const msg = digestMessage({ date: day.toISODate() ?? '', today, waiting, zone: deps.policy.timezone });
  await deps.slack.post({ channel, ...msg, dedupeKey: `digest-${day.toISODate() ?? ''}` });
}
