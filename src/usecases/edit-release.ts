/**
 * Edit a release. Approvals are bound to content: an edit resets the approvals of the roles whose concern
 * changed (version/changelog → review and QA, rollback plan → operations, risk → sign-off, environment → QA,
 * sign-off and operations), and an edit after "changes requested" re-opens review.
 */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease, resetApproval, updateRelease } from '../db/release.repo';
import type { ContentField, Role } from '../domain/types';
import { ROLE_LABELS } from '../domain/types';
import type { ReleaseContent } from '../domain/workflow';
import { approvalsToReset, canEdit, changedFields, isApprovalStage, stageProgress, stateAfterEdit } from '../domain/workflow';
import { mention, relId, slackDate } from '../slack/format';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { NotFoundError } from './errors';
import { factsOf } from './facts';
import type { ReleaseFields, ReleaseFieldsInput } from './release-input';
import { givenTitle, releaseColumns, releaseTitle } from './release-input';
import { rolesOf, rulesFor } from './roles';
import { validateRelease } from './request-release';
import { stageAdvanceText } from './transitions';
import { announceUnscheduled } from './announce-change';
import { unscheduleInTx } from './unschedule';

const FIELD_NAMES: Record<ContentField, string> = {
  version: 'version',
  changelog: 'changelog',
  rollback_plan: 'rollback plan',
  environment: 'environment',
  risk: 'risk',
};

export type EditResult =
  | {
      kind: 'edited';
      release: Release;
      changed: ContentField[];
      resets: { role: string; userId: string; reason: string }[];
      /** The slot a scheduled release lost: the edit reset approvals it was scheduled on, or raised the risk past them. */
      unscheduledFrom: number | null;
    }
  | { kind: 'unchanged'; release: Release }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'denied'; release: Release; why: 'not_allowed' | 'closed' | 'changed_meanwhile' };

export function contentOf(r: Pick<Release, 'version' | 'changelog' | 'rollbackPlan' | 'environment' | 'risk'>): ReleaseContent {
  return { version: r.version, changelog: r.changelog, rollback_plan: r.rollbackPlan, environment: r.environment, risk: r.risk };
}

/** May `actor` edit now? Checked before the edit modal opens; a refusal opens nothing, so it is audited here. */
export async function checkEdit(
  deps: Deps,
  releaseId: number,
  actor: string,
  via: 'card' | 'home' | 'dm' | 'command',
): Promise<{ release: Release; allowed: boolean }> {
  const release = getRelease(deps.db, releaseId);
  if (!release) throw new NotFoundError(`REL-${releaseId}`);
  const roles = await rolesOf(deps, release.service, actor);
  if (canEdit(release.state, actor, release.requestedBy, roles)) return { release, allowed: true };
  auditDenial(deps, { releaseId: release.id, actor, action: 'edit.denied', reason: editDenial(release, actor, roles), state: release.state, via });
  return { release, allowed: false };
}

/** Why `actor` may not edit: not theirs to edit, or not in a state that takes edits (the same test on submit). */
function editDenial(release: Release, actor: string, roles: readonly Role[]): 'closed' | 'not_allowed' {
  return canEdit('review', actor, release.requestedBy, roles) ? 'closed' : 'not_allowed';
}

export async function editRelease(
  deps: Deps,
  input: { releaseId: number; actor: string; fields: ReleaseFieldsInput; seenRev: number },
): Promise<EditResult> {
  const before = getRelease(deps.db, input.releaseId);
  if (!before) throw new NotFoundError(`REL-${input.releaseId}`);
  const asked = input.fields;
  // A requested deploy time that has passed is not offered in the form (a past time can't be picked), or passed while
  // the form was open: sent back empty or as it was, it is left as it is, not cleared or refused as "in the past".
  const keepDesired =
    before.desiredAt !== null && before.desiredAt <= deps.now() && ((asked.desired_at ?? null) === null || asked.desired_at === before.desiredAt);
  const valid = validateRelease(deps, keepDesired ? { ...asked, desired_at: null } : asked);
  if (!valid.ok) return { kind: 'invalid', errors: valid.errors };
  const f: ReleaseFields = {
    ...valid.fields,
    // A generated title ("payments-api 1.4.2") sent back as it was (a form prefilled with it) follows the version, like
    // an empty Title; a title someone typed stays as typed.
    ...(givenTitle(before) === undefined && valid.fields.title === before.title ? { title: undefined } : {}),
    ...(keepDesired ? { desired_at: before.desiredAt } : {}),
  };
  if (f.service !== before.service) {
    return { kind: 'invalid', errors: { service: `A release's service can't change. Cancel this one and request a new release for ${f.service}.` } };
  }
  const roles = await rolesOf(deps, before.service, input.actor);
  const now = deps.now();
  const rules = rulesFor(deps.policy, before.service);

  const result = inTransaction(deps.db, (tx): EditResult => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    if (!canEdit(release.state, input.actor, release.requestedBy, roles)) {
      const why = editDenial(release, input.actor, roles);
      appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'edit.denied', details: { reason: why, state: release.state, via: 'modal' } });
      return { kind: 'denied', release, why };
    }
    if (release.contentRev !== input.seenRev) return { kind: 'denied', release, why: 'changed_meanwhile' };
    const next: ReleaseContent = { version: f.version, changelog: f.changelog, rollback_plan: f.rollback_plan, environment: f.environment, risk: f.risk };
    const changed = changedFields(contentOf(release), next);
    const otherChanged =
      releaseTitle(f) !== release.title ||
      JSON.stringify(f.links) !== JSON.stringify(release.links) ||
      f.desired_at !== release.desiredAt;
    const reopen = release.state === 'changes_requested';
    if (changed.length === 0 && !otherChanged && !reopen) return { kind: 'unchanged', release };

    const facts = factsOf(tx, release);
    const toReset = approvalsToReset(facts.approvals, changed, reopen);
    const resets = toReset.map((r) => {
      const reason = r.fields.length ? `${r.fields.map((x) => FIELD_NAMES[x]).join(' and ')} changed` : 'review re-opened after changes were requested';
      resetApproval(tx, r.approval.id, reason, now);
      appendAudit(tx, {
        at: now,
        releaseId: release.id,
        actor: input.actor,
        action: 'approval.reset',
        details: { stage: r.approval.stage, role: r.approval.role, user: r.approval.userId, reason, fields: r.fields },
      });
      return { role: ROLE_LABELS[r.approval.role], userId: r.approval.userId, reason };
    });
    const resetIds = new Set(toReset.map((r) => r.approval.id));
    const remaining = facts.approvals.filter((a) => !resetIds.has(a.id));
    // A risk change re-derives a scheduled release too: high risk can need more approvals (`high_risk`) than it has.
    const riskChanged = changed.includes('risk');
    const movable =
      isApprovalStage(release.state) || release.state === 'changes_requested' || (release.state === 'scheduled' && (resets.length > 0 || riskChanged));
    let state = movable ? stateAfterEdit({ ...facts, risk: f.risk, approvals: remaining }, rules) : release.state;
    // Every stage before scheduling still complete and operations' approvals still enough: the slot stands.
    const slotStillApproved = stageProgress('scheduling', f.risk, remaining, rules.highRisk).every((p) => p.missing === 0);
    if (release.state === 'scheduled' && state === 'scheduling' && resets.length === 0 && slotStillApproved) state = 'scheduled';
    // A scheduled release whose approvals were reset loses its slot, as when a readiness criterion fails.
    const unscheduleTo = release.state === 'scheduled' && isApprovalStage(state) ? state : null;
    const edited = updateRelease(tx, release.id, {
      ...releaseColumns(f),
      contentRev: changed.length > 0 ? release.contentRev + 1 : release.contentRev,
      updatedAt: now,
      ...(state !== release.state && !unscheduleTo ? { state, stateChangedAt: now } : {}),
    });
    // (audited before `release.edited`, whose `state_after` is where the release now is: the stats walk the trail in order)
    const updated = unscheduleTo
      ? unscheduleInTx(tx, edited, release.scheduledAt, input.actor, now, { reason: 'edited', fields: changed, approvals_reset: toReset.map((r) => r.approval.role) }, unscheduleTo)
      : edited;
    appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.actor,
      action: 'release.edited',
      details: {
        changed,
        before: Object.fromEntries(changed.map((c) => [c, contentOf(release)[c]])),
        after: Object.fromEntries(changed.map((c) => [c, next[c]])),
        state_before: release.state,
        state_after: state,
      },
    });
    return { kind: 'edited', release: updated, changed, resets, unscheduledFrom: unscheduleTo ? release.scheduledAt : null };
  });

  if (result.kind === 'edited') {
    const r = result.release;
    void deps.cards.refresh(r.id);
    void deps.timers.syncRelease(r.id);
    const what = result.changed.length ? result.changed.map((c) => FIELD_NAMES[c]).join(', ') : 'details';
    const resetText = result.resets.length
      ? ` Approvals reset: ${result.resets.map((x) => `${x.role} (${mention(x.userId)}) — ${x.reason}`).join('; ')}.`
      : '';
    const slotText =
      result.unscheduledFrom !== null
        ? ` :calendar: The deploy slot ${slackDate(result.unscheduledFrom)} is freed: ${relId(r.id)} needs approving again before operations pick a new slot.`
        : '';
    void deps.cards.thread(r.id, `:pencil2: ${mention(input.actor)} edited the ${what}.${resetText}${slotText} ${stageAdvanceText(deps, r.id)}`);
    if (result.unscheduledFrom !== null) announceUnscheduled(deps, r.id);
  }
  return result;
}
