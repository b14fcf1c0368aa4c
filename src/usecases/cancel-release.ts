/** The requester or a release manager withdraws a release before it ships. */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease, updateRelease } from '../db/release.repo';
import { canCancel, isOpen } from '../domain/workflow';
import { announceSlotChange } from './announce-change';
import { escTrunc, mention } from '../slack/format';
import type { Deps } from './deps';
import { NotFoundError } from './errors';
import { rolesOf } from './roles';

/** `slot`: the deploy slot a scheduled release had; `auditId`: the `release.cancelled` event. */
export type CancelResult =
  | { kind: 'cancelled'; release: Release; slot: number | null; auditId: number }
  | { kind: 'denied'; release: Release; why: 'not_allowed' | 'closed' };

export async function cancelRelease(deps: Deps, input: { releaseId: number; actor: string; reason?: string }): Promise<CancelResult> {
  const before = getRelease(deps.db, input.releaseId);
  if (!before) throw new NotFoundError(`REL-${input.releaseId}`);
  const roles = await rolesOf(deps, before.service, input.actor);
  const now = deps.now();
  const reason = input.reason?.trim() || null;
  const result = inTransaction(deps.db, (tx): CancelResult => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    if (!canCancel(release.state, input.actor, release.requestedBy, roles)) {
      const why = isOpen(release.state) ? 'not_allowed' : 'closed';
      appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'cancel.denied', details: { reason: why, state: release.state } });
      return { kind: 'denied', release, why };
    }
    const updated = updateRelease(tx, release.id, { state: 'cancelled', stateChangedAt: now, updatedAt: now, lastReason: reason });
    const event = appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'release.cancelled', details: { from: release.state, reason } });
    return { kind: 'cancelled', release: updated, slot: release.state === 'scheduled' ? release.scheduledAt : null, auditId: event.id };
  });
  if (result.kind === 'cancelled') {
    void deps.cards.refresh(result.release.id);
    void deps.cards.thread(result.release.id, `:heavy_multiplication_x: ${mention(input.actor)} cancelled this release${reason ? `: ${escTrunc(reason, 2000)}` : '.'}`);
    if (result.slot !== null) announceSlotChange(deps, result.release, { kind: 'closed', from: result.slot, state: 'cancelled' }, result.auditId);
  }
  return result;
}
