/**
 * The timers deploys, monitoring, rollbacks and reviews need, derived from SQLite alone (called from
 * timers.ts deriveReleaseTimers/deriveAllTimers), so a Redis flush loses none of them.
 */
import { sql } from 'drizzle-orm';
import { findService } from '../config';
import type { DbOrTx } from '../db/client';
import { getDeploy } from '../db/deploy.repo';
import { getRelease } from '../db/release.repo';
import { actionItemsFor, getReview } from '../db/review.repo';
import type { TimerSpec } from '../queue/jobs';
import type { Deps } from './deps';
import { deployKey, rollbackKey, webhookAttempts, webhookPending } from './deploy';
import { rollbackOfferEnds, rollbackOfferedSince } from '../domain/deploy';
import { reviewDueAt } from './review';

export function derivePostReleaseTimers(deps: Pick<Deps, 'db' | 'policy' | 'now'>, releaseId: number): TimerSpec[] {
  const r = getRelease(deps.db, releaseId);
  if (!r) return [];
  const d = getDeploy(deps.db, releaseId);
  const svc = findService(deps.policy, r.service);
  const now = deps.now();
  const specs: TimerSpec[] = [];
  if (d && svc?.deployWebhook) {
    const dk = deployKey(d);
    if (webhookPending(r, d, 'deploy', dk, webhookAttempts(deps, r.id, dk))) specs.push({ name: 'deploy-webhook', payload: { releaseId: r.id, type: 'deploy', key: dk }, at: now });
    const rk = rollbackKey(d);
    if (webhookPending(r, d, 'rollback', rk, webhookAttempts(deps, r.id, rk))) specs.push({ name: 'deploy-webhook', payload: { releaseId: r.id, type: 'rollback', key: rk }, at: now });
  }
  if (r.state === 'monitoring' && d?.monitoringUntil && d.rollbackRequestedAt === null) {
    if (d.checkinAt === null) specs.push({ name: 'monitor-end', payload: { releaseId: r.id, at: d.monitoringUntil }, at: d.monitoringUntil });
    if (svc?.healthCheck && now < d.monitoringUntil) {
      specs.push({ name: 'health-probe', payload: { releaseId: r.id }, at: now, every: deps.policy.monitoring.checkEvery });
    }
  }
  // Roll back is offered for `rollback.offer_for` after release; when that ends the card is re-rendered without it.
  if (r.state === 'released' && d?.releasedAt != null && d.rollbackRequestedAt === null) {
    const end = rollbackOfferEnds(d.releasedAt, deps.policy.rollback.offerFor);
    if (end > now) specs.push({ name: 'rollback-offer-end', payload: { releaseId: r.id, at: end }, at: end });
  }
  // Reviews follow releases Greenlight deployed (a deploys row), not ones from before this existed.
  const review = getReview(deps.db, r.id);
  if (d && !review) {
    const at = reviewDueAt(deps, r, d.releasedAt);
    if (at !== null) specs.push({ name: 'review-open', payload: { releaseId: r.id }, at });
  }
  // Opened but its thread never posted (Slack failed every attempt, or a crash before its ts was saved): try again
  // now. The time is part of a review-open timer's id, so this is a new job even where the failed one is still kept.
  if (review && !review.ts && !review.closedAt) specs.push({ name: 'review-open', payload: { releaseId: r.id }, at: now });
  if (review && !review.closedAt && !review.remindedAt && review.ts) {
    specs.push({ name: 'review-remind', payload: { releaseId: r.id }, at: review.openedAt + Math.max(1_000, deps.policy.review.promptAfter) });
  }
  for (const item of actionItemsFor(deps.db, r.id)) {
    if (!item.doneAt && !item.remindedAt) specs.push({ name: 'action-due', payload: { itemId: item.id }, at: item.dueAt });
  }
  return specs;
}

/**
 * Releases with post-release work pending: deploys under way or watched, rollbacks, rollback windows still open,
 * reviews to open or finish, action items.
 */
export function postReleaseIds(db: DbOrTx, now: number, offerFor: number): number[] {
  const rows = db.all<{ id: number }>(sql`
    select d.release_id as id from deploys d join releases r on r.id = d.release_id
      left join reviews v on v.release_id = d.release_id
      where r.state in ('deploying', 'monitoring')
         or (r.state = 'released' and d.rollback_requested_at is null and d.released_at >= ${rollbackOfferedSince(now, offerFor)})
         or (d.rollback_requested_at is not null and d.restored_at is null)
         or (r.state in ('released', 'rolled_back', 'failed') and v.release_id is null)
    union select release_id as id from reviews where closed_at is null and reminded_at is null
    union select release_id as id from action_items where done_at is null and reminded_at is null
  `);
  return rows.map((r) => r.id);
}
