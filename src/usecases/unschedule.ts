/**
 * A scheduled release whose slot is no longer allowed (a freeze declared over it, deploy windows edited away from it)
 * goes back to scheduling: audited, its card and thread updated, its owners (requester and scheduler) told by DM.
 * A scheduled release that needs approving again (a failed readiness criterion, an edit that reset approvals) goes
 * back to that stage the same way, through `unscheduleInTx`.
 */
import type { DbOrTx } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { updateRelease } from '../db/release.repo';
import type { ApprovalStage } from '../domain/types';
import type { ChangeDeps } from './announce-change';
import { announceUnscheduled } from './announce-change';
import type { Deps } from './deps';

/**
 * Inside the caller's transaction: back to `to` (scheduling, or an approval stage when it needs approving again after
 * a failed readiness criterion or an edit), slot cleared, `release.unscheduled` audited with `details`.
 */
export function unscheduleInTx(
  tx: DbOrTx,
  r: Release,
  slot: number | null,
  actor: string,
  now: number,
  details: Record<string, unknown>,
  to: ApprovalStage = 'scheduling',
): Release {
  const moved = updateRelease(tx, r.id, { state: to, stateChangedAt: now, updatedAt: now, scheduledAt: null });
  appendAudit(tx, { at: now, releaseId: r.id, actor, action: 'release.unscheduled', details: { ...details, slot: slot === null ? null : new Date(slot).toISOString(), to_state: to } });
  return moved;
}

/**
 * After the transaction: refresh each card, say why in its thread, DM its owners once, re-derive its timers, and
 * follow up in the announcements channel if its old slot was announced.
 */
export function tellUnscheduled(
  deps: Pick<Deps, 'cards' | 'slack' | 'timers'> & ChangeDeps,
  moved: readonly Release[],
  say: { thread: (r: Release) => string; dm: (r: Release) => string; dedupeKey: (r: Release, owner: string) => string },
): void {
  for (const r of moved) {
    void deps.cards.refresh(r.id);
    void deps.cards.thread(r.id, say.thread(r));
    const owners = [...new Set([r.requestedBy, ...(r.scheduledBy ? [r.scheduledBy] : [])])];
    for (const owner of owners) {
      void deps.slack.dm(owner, { text: say.dm(r), dedupeKey: say.dedupeKey(r, owner), releaseId: r.id }).catch(() => undefined);
    }
    void deps.timers.syncRelease(r.id);
    announceUnscheduled(deps, r.id);
  }
}
