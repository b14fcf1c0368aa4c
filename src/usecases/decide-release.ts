/** Request changes or reject the release at its current stage, always with a reason. */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease, updateRelease } from '../db/release.repo';
import type { StageActionDenial } from '../domain/workflow';
import { decideStageAction } from '../domain/workflow';
import { esc, escTrunc, mention, relId } from '../slack/format';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { NotFoundError } from './errors';
import { rolesOf } from './roles';

export type StageDecision = 'request_changes' | 'reject';
export const REASON_MAX = 2000;

export type DecideResult =
  | { kind: 'done'; release: Release }
  | { kind: 'denied'; release: Release; denial: StageActionDenial }
  | { kind: 'invalid'; error: string }
  | { kind: 'stale'; release: Release };

/** A refused click: not this person's decision now, or their card is older than the release's content (as Approve). */
export type StageCheckDenial = StageActionDenial | { kind: 'stale_view' };

/**
 * May the actor take this decision now? Checked when the button is clicked, before the reason modal opens (and
 * again on submit, by `decideRelease`). A refused click opens nothing, so its denial is audited here.
 */
export async function checkStageDecision(
  deps: Deps,
  input: { releaseId: number; actor: string; decision: StageDecision; via: 'card' | 'home' | 'dm'; seenRev?: number | null },
): Promise<{ release: Release; denial: StageCheckDenial | null }> {
  const release = getRelease(deps.db, input.releaseId);
  if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
  const roles = await rolesOf(deps, release.service, input.actor);
  // Like Approve: nobody decides on content they were not shown (the requester is answered as the requester).
  if (input.seenRev != null && input.seenRev !== release.contentRev && release.requestedBy !== input.actor) {
    auditDenial(deps, { releaseId: release.id, actor: input.actor, action: 'approval.denied', reason: 'stale_view', attempted: input.decision, state: release.state, roles, via: input.via });
    return { release, denial: { kind: 'stale_view' } };
  }
  const d = decideStageAction(release, input.actor, roles);
  if (d.kind === 'allow') return { release, denial: null };
  auditDenial(deps, { releaseId: release.id, actor: input.actor, action: 'approval.denied', reason: d.denial.kind, attempted: input.decision, state: release.state, via: input.via });
  return { release, denial: d.denial };
}

export async function decideRelease(
  deps: Deps,
  input: { releaseId: number; actor: string; decision: StageDecision; reason: string; seenRev?: number; via?: string },
): Promise<DecideResult> {
  const reason = input.reason.trim();
  if (!reason) return { kind: 'invalid', error: 'A reason is required.' };
  if (reason.length > REASON_MAX) return { kind: 'invalid', error: `The reason is ${reason.length.toLocaleString('en-US')} characters; the limit is ${REASON_MAX.toLocaleString('en-US')}.` };
  const before = getRelease(deps.db, input.releaseId);
  if (!before) throw new NotFoundError(`REL-${input.releaseId}`);
  const roles = await rolesOf(deps, before.service, input.actor);
  const now = deps.now();
  // Decisions are submitted from the reason modal (as review and freeze modals record it).
  const via = input.via ?? 'modal';
  const result = inTransaction(deps.db, (tx): DecideResult => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    if (input.seenRev !== undefined && input.seenRev !== release.contentRev) {
      appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'approval.denied', details: { reason: 'stale_view', attempted: input.decision, state: release.state, via } });
      return { kind: 'stale', release };
    }
    const d = decideStageAction(release, input.actor, roles);
    if (d.kind === 'deny') {
      appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'approval.denied', details: { reason: d.denial.kind, attempted: input.decision, state: release.state, via } });
      return { kind: 'denied', release, denial: d.denial };
    }
    const state = input.decision === 'reject' ? 'rejected' : 'changes_requested';
    const updated = updateRelease(tx, release.id, { state, stateChangedAt: now, updatedAt: now, lastReason: reason });
    appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.actor,
      action: input.decision === 'reject' ? 'release.rejected' : 'release.changes_requested',
      details: { stage: release.state, reason },
    });
    return { kind: 'done', release: updated };
  });
  if (result.kind === 'done') {
    const r = result.release;
    void deps.cards.refresh(r.id);
    const verb = input.decision === 'reject' ? ':no_entry: rejected this release' : ':leftwards_arrow_with_hook: requested changes';
    void deps.cards.thread(r.id, `${mention(input.actor)} ${verb}: ${escTrunc(reason, 2500)}`);
    const follow = input.decision === 'reject' ? 'It will not ship.' : `Edit it with \`/release edit ${relId(r.id)}\` (or *Edit request* on the card) to send it back to review.`;
    void deps.slack
      .dm(r.requestedBy, {
        text: `${mention(input.actor)} ${input.decision === 'reject' ? 'rejected' : 'requested changes to'} ${relId(r.id)} (${esc(r.service)} ${escTrunc(r.version, 64)}): ${escTrunc(reason, 2500)}\n${follow}`,
        releaseId: r.id,
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'could not DM the requester'));
  }
  return result;
}
