/** What the release card shows about the deploy, the watch, rollbacks and the review (read with the snapshot). */
import type { Policy } from '../config';
import type { DbOrTx } from '../db/client';
import type { DeployRow } from '../db/deploy.repo';
import { getDeploy, lastRollbackOf } from '../db/deploy.repo';
import type { Release } from '../db/release.repo';
import type { ReviewRow } from '../db/review.repo';
import { getReview } from '../db/review.repo';
import { findService } from '../config';
import { rollbackDrillDue, rollbackOffered } from '../domain/deploy';

export interface PostReleaseInfo {
  deploy: DeployRow | null;
  review: ReviewRow | null;
  hasWebhook: boolean;
  hasHealthCheck: boolean;
  /** When this service's rollback last ran to a restore (null: never). */
  lastRollbackAt: number | null;
  drillDue: boolean;
  drillAfter: number;
  /** The card offers Roll back (state and policy allow it, none is under way). */
  rollbackOnCard: boolean;
}

/** States before any deploy or drill warning is shown: nothing to read. */
const BEFORE_SCHEDULING = new Set(['review', 'qa', 'signoff', 'changes_requested', 'rejected', 'cancelled']);

export function postReleaseInfo(db: DbOrTx, policy: Policy, release: Release, now: number): PostReleaseInfo {
  if (BEFORE_SCHEDULING.has(release.state)) {
    const svc = findService(policy, release.service);
    return {
      deploy: null,
      review: null,
      hasWebhook: Boolean(svc?.deployWebhook),
      hasHealthCheck: Boolean(svc?.healthCheck),
      lastRollbackAt: null,
      drillDue: false,
      drillAfter: policy.rollback.drillAfter,
      rollbackOnCard: false,
    };
  }
  const deploy = getDeploy(db, release.id) ?? null;
  const svc = findService(policy, release.service);
  const lastRollbackAt = lastRollbackOf(db, release.service);
  const offered = rollbackOffered({ state: release.state, releasedAt: deploy?.releasedAt ?? null, now, offerFor: policy.rollback.offerFor });
  return {
    deploy,
    review: getReview(db, release.id) ?? null,
    hasWebhook: Boolean(svc?.deployWebhook),
    hasHealthCheck: Boolean(svc?.healthCheck),
    lastRollbackAt,
    drillDue: rollbackDrillDue(lastRollbackAt, now, policy.rollback.drillAfter),
    drillAfter: policy.rollback.drillAfter,
    rollbackOnCard: offered && !deploy?.rollbackRequestedAt,
  };
}
