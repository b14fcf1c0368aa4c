/**
 * Deploy, monitoring and rollback rules. Pure: no I/O, callers pass the clock. Decisions are returned values.
 */
import type { ReleaseState, Role } from './types';

export const DEPLOY_REPORTS = ['started', 'succeeded', 'failed', 'rolled_back'] as const;
export type DeployReport = (typeof DEPLOY_REPORTS)[number];

export type ReportDecision =
  | { kind: 'apply'; to: ReleaseState }
  /** A duplicate or a late, out-of-order report: accepted, changes nothing. */
  | { kind: 'noop' }
  /** The release cannot take this report in its state. */
  | { kind: 'conflict' };

/**
 * What a deployment report (API or the card's Mark deployed / Mark failed) does to a release in `state`.
 * Reports may arrive twice or out of order: a `started` after `succeeded` changes nothing. `succeeded` and `failed` are
 * taken straight from `scheduled` (the pipeline may report only how it ended).
 */
export function decideDeployReport(state: ReleaseState, report: DeployReport): ReportDecision {
  switch (report) {
    case 'started':
      if (state === 'scheduled') return { kind: 'apply', to: 'deploying' };
      if (state === 'deploying' || state === 'monitoring' || state === 'released' || state === 'failed' || state === 'rolled_back') return { kind: 'noop' };
      return { kind: 'conflict' };
    case 'succeeded':
      if (state === 'scheduled' || state === 'deploying') return { kind: 'apply', to: 'monitoring' };
      if (state === 'monitoring' || state === 'released') return { kind: 'noop' };
      return { kind: 'conflict' };
    case 'failed':
      // like `succeeded`, it may come without a `started` first: a pipeline that failed before it could report
      if (state === 'scheduled' || state === 'deploying') return { kind: 'apply', to: 'failed' };
      if (state === 'failed') return { kind: 'noop' };
      return { kind: 'conflict' };
    case 'rolled_back':
      if (state === 'deploying' || state === 'monitoring' || state === 'failed' || state === 'released') return { kind: 'apply', to: 'rolled_back' };
      if (state === 'rolled_back') return { kind: 'noop' };
      return { kind: 'conflict' };
  }
}

/** Who deploys: operations. */
export function mayDeploy(roles: readonly Role[]): boolean {
  return roles.includes('operations');
}

/** Who watches a deploy (signs off the watch, reports an issue, marks a rollback done): operations or release managers. */
export function mayWatch(roles: readonly Role[]): boolean {
  return roles.includes('operations') || roles.includes('release_manager');
}

export type RollbackDenial = 'not_allowed' | 'wrong_state' | 'offer_expired';

/**
 * Roll back: operations or release managers, while deploying, monitoring, after a failed deploy, and for
 * `offerFor` ms after the release.
 */
export function decideRollback(
  input: { state: ReleaseState; releasedAt: number | null; now: number; offerFor: number },
  roles: readonly Role[],
): { kind: 'allow' } | { kind: 'deny'; why: RollbackDenial } {
  if (!mayWatch(roles)) return { kind: 'deny', why: 'not_allowed' };
  return rollbackOffered(input) ? { kind: 'allow' } : { kind: 'deny', why: input.state === 'released' ? 'offer_expired' : 'wrong_state' };
}

/** Whether a rollback is on offer for a release in this state (regardless of who asks). */
export function rollbackOffered(input: { state: ReleaseState; releasedAt: number | null; now: number; offerFor: number }): boolean {
  if (input.state === 'deploying' || input.state === 'monitoring' || input.state === 'failed') return true;
  if (input.state === 'released') return input.releasedAt !== null && input.releasedAt >= rollbackOfferedSince(input.now, input.offerFor);
  return false;
}

/** The earliest release time whose Roll back is still on offer at `now`: the window is `offerFor`, both ends included. */
export function rollbackOfferedSince(now: number, offerFor: number): number {
  return now - offerFor;
}

/** The first instant a release released at `releasedAt` no longer offers Roll back: the inverse of rollbackOfferedSince. */
export function rollbackOfferEnds(releasedAt: number, offerFor: number): number {
  return releasedAt + offerFor + 1;
}

/** Consecutive failed probes that raise an alert. */
export const PROBE_ALERT_AFTER = 2;

export function probeAlertDue(consecutiveFailures: number, alreadyAlerted: boolean): boolean {
  return consecutiveFailures >= PROBE_ALERT_AFTER && !alreadyAlerted;
}

/**
 * How a watch ended: `healthy` (the health check answered and never alerted: released automatically), `recovered`
 * (it alerted, or an issue was reported, but answers again now), `failing`, or `unchecked` (no health check).
 * Anything but `healthy` waits for operations to sign off.
 */
export type WatchOutcome = 'healthy' | 'recovered' | 'failing' | 'unchecked';

export function watchOutcome(input: { hasHealthCheck: boolean; probesOk: number; consecutiveFailures: number; alerted: boolean; incident: boolean }): WatchOutcome {
  if (!input.hasHealthCheck) return 'unchecked';
  if (input.probesOk === 0 || input.consecutiveFailures > 0 || input.alerted) return 'failing';
  return input.incident ? 'recovered' : 'healthy';
}

/** A service's rollback is "due a drill" when it has never run or last ran longer ago than `drillAfter`. */
export function rollbackDrillDue(lastRollbackAt: number | null, now: number, drillAfter: number): boolean {
  return lastRollbackAt === null || now - lastRollbackAt > drillAfter;
}

/** Time to restore: from the incident (or the rollback request) to the restore. */
export function timeToRestore(d: { incidentAt: number | null; rollbackRequestedAt: number | null; restoredAt: number | null }): number | null {
  if (d.restoredAt === null) return null;
  const from = d.incidentAt ?? d.rollbackRequestedAt;
  return from === null ? null : Math.max(0, d.restoredAt - from);
}
