/** Approve the current stage of a release: the acting user comes from the signed payload, never a button value. */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { approvalsFor, criteriaFor, getRelease, insertApproval, updateRelease } from '../db/release.repo';
import type { ApprovalDenial } from '../domain/workflow';
import { decideApproval } from '../domain/workflow';
import type { ApprovalStage, Role } from '../domain/types';
import { ROLE_LABELS, STATE_LABELS } from '../domain/types';
import { mention } from '../slack/format';
import type { Deps } from './deps';
import { noteRelease } from '../log-context';
import { NotFoundError } from './errors';
import { factsFrom } from './facts';
import { membersFor, rolesAmong, rulesFor } from './roles';
import type { ApprovalSnapshot } from './snapshot';
import { approvalSnapshotOf } from './snapshot';
import { stageAdvanceText } from './transitions';

export type ApproveDenial = ApprovalDenial | { kind: 'stale_view' };

export type ApproveResult =
  | { kind: 'approved'; release: Release; stage: ApprovalStage; role: Role; advanced: boolean }
  | { kind: 'denied'; release: Release; denial: ApproveDenial; snapshot: ApprovalSnapshot };

export async function approveRelease(
  deps: Deps,
  input: { releaseId: number; actor: string; seenRev?: number | null; via: 'card' | 'home' | 'dm' },
): Promise<ApproveResult> {
  noteRelease(input.releaseId);
  const before = getRelease(deps.db, input.releaseId);
  if (!before) throw new NotFoundError(`REL-${input.releaseId}`);
  const members = membersFor(deps, before.service);
  const actorRoles = await rolesAmong(deps, members, input.actor);
  const now = deps.now();
  const rules = rulesFor(deps.policy, before.service);

  const result = inTransaction(deps.db, (tx): ApproveResult => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    const approvals = approvalsFor(tx, release.id);
    const criteria = criteriaFor(tx, release.id);
    // A refusal is explained from what it was decided on (the rows read here), not from a second read.
    const deny = (denial: ApproveDenial): ApproveResult => {
      appendAudit(tx, {
        at: now,
        releaseId: release.id,
        actor: input.actor,
        action: 'approval.denied',
        details: { reason: denial.kind, state: release.state, roles: actorRoles, via: input.via },
      });
      return { kind: 'denied', release, denial, snapshot: approvalSnapshotOf(deps.policy, { release, approvals, criteria, members }) };
    };
    if (input.seenRev != null && input.seenRev !== release.contentRev && release.requestedBy !== input.actor) {
      return deny({ kind: 'stale_view' });
    }
    const decision = decideApproval(factsFrom(release, approvals, criteria), input.actor, actorRoles, rules);
    if (decision.kind === 'deny') {
      // A second click on the card the actor just approved from (a double click) lands after their approval moved the
      // release on, so it is judged against the new stage. Their approval of this content is what moved it here:
      // answer it as the duplicate it is, like a second click on a stage that did not move.
      const denial = decision.denial;
      if (denial.kind === 'not_in_role' || denial.kind === 'role_satisfied') {
        const own = approvals.find(
          (a) =>
            a.status === 'active' &&
            a.userId === input.actor &&
            a.stage !== release.state &&
            a.contentRev === release.contentRev &&
            a.at >= release.stateChangedAt,
        );
        if (own) return deny({ kind: 'already_approved', stage: own.stage });
      }
      return deny(denial);
    }
    const inserted = insertApproval(tx, {
      releaseId: release.id,
      stage: decision.stage,
      role: decision.role,
      userId: input.actor,
      contentRev: release.contentRev,
      at: now,
    });
    if (!inserted) return deny({ kind: 'already_approved', stage: decision.stage });
    const advanced = decision.nextState !== release.state;
    const updated = updateRelease(tx, release.id, {
      updatedAt: now,
      ...(advanced ? { state: decision.nextState, stateChangedAt: now } : {}),
    });
    appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.actor,
      action: 'approval.granted',
      details: { stage: decision.stage, role: decision.role, content_rev: release.contentRev, next_state: decision.nextState, via: input.via },
    });
    return { kind: 'approved', release: updated, stage: decision.stage, role: decision.role, advanced };
  });

  if (result.kind === 'approved') {
    void deps.cards.refresh(input.releaseId);
    const line = `:white_check_mark: ${mention(input.actor)} approved *${STATE_LABELS[result.stage]}* as ${ROLE_LABELS[result.role]}.`;
    const next = result.advanced ? ` ${stageAdvanceText(deps, result.release.id)}` : '';
    void deps.cards.thread(input.releaseId, line + next);
    void deps.timers.syncRelease(input.releaseId);
  }
  return result;
}
