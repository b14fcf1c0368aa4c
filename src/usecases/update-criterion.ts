/**
 * Readiness criteria: the owner role marks one met or failed (from the card), CI reports it through the API,
 * a release manager waives one with a reason. Sign-off completes as soon as nothing blocks it.
 */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease, setCriterion, updateRelease } from '../db/release.repo';
import type { Criterion, CriterionStatus } from '../domain/types';
import { CRITERION_LABELS, CRITERION_OWNERS } from '../domain/types';
import { decideCriterionUpdate, deriveApprovalState, isApprovalStage, isOpen } from '../domain/workflow';
import { escTrunc, mention, safeLink } from '../slack/format';
import type { Deps } from './deps';
import { NotFoundError } from './errors';
import { factsOf } from './facts';
import { rolesOf, rulesFor } from './roles';
import { stageAdvanceText } from './transitions';
import { announceUnscheduled } from './announce-change';
import { unscheduleInTx } from './unschedule';

export type CriterionDenial = 'closed' | 'not_owner' | 'waive_needs_release_manager' | 'waive_needs_reason';

export interface CriterionInputErrors {
  url?: string;
  reason?: string;
}

export type CriterionResult =
  | { kind: 'updated'; release: Release; advanced: boolean; unchanged: boolean }
  | { kind: 'denied'; release: Release; why: CriterionDenial }
  | { kind: 'invalid'; errors: CriterionInputErrors };

export const EVIDENCE_URL_MAX = 500;
export const CRITERION_REASON_MAX = 2000;

/** The evidence link is an http(s) URL without spaces or mrkdwn delimiters; a reason has a length limit; a waiver needs one. */
export function criterionInputErrors(input: Pick<CriterionInput, 'url' | 'reason'> & { status: CriterionStatus | null }): CriterionInputErrors {
  const errors: CriterionInputErrors = {};
  const url = input.url?.trim() ?? '';
  const reason = input.reason?.trim() ?? '';
  if (url && !/^https?:\/\/[^\s<>|]+$/.test(url)) errors.url = 'The evidence link must be an http(s) URL.';
  if (url.length > EVIDENCE_URL_MAX) errors.url = `The evidence link must be at most ${EVIDENCE_URL_MAX} characters.`;
  if (reason.length > CRITERION_REASON_MAX) errors.reason = `The reason must be at most ${CRITERION_REASON_MAX.toLocaleString('en-US')} characters.`;
  if (input.status === 'waived' && !reason) errors.reason = 'Waiving needs a reason.';
  return errors;
}

export interface CriterionInput {
  releaseId: number;
  criterion: Criterion;
  status: CriterionStatus;
  url?: string | null;
  details?: string | null;
  reason?: string | null;
  /** A Slack user, or `ci` for the API (trusted through the API token). */
  actor: string;
  via: 'slack' | 'api';
}

export async function updateCriterion(deps: Deps, input: CriterionInput): Promise<CriterionResult> {
  const invalid = criterionInputErrors(input);
  if (invalid.url || invalid.reason) return { kind: 'invalid', errors: invalid };
  const before = getRelease(deps.db, input.releaseId);
  if (!before) throw new NotFoundError(`REL-${input.releaseId}`);
  const roles = input.via === 'slack' ? await rolesOf(deps, before.service, input.actor) : [];
  const now = deps.now();
  const rules = rulesFor(deps.policy, before.service);
  const details = input.status === 'waived' ? (input.reason?.trim() ?? null) : (input.details?.trim() || null);

  const result = inTransaction(deps.db, (tx): CriterionResult => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    if (input.via === 'slack') {
      const d = decideCriterionUpdate(release.state, CRITERION_OWNERS[input.criterion], input.status, roles, input.reason ?? null);
      if (d.kind === 'deny') {
        appendAudit(tx, { at: now, releaseId: release.id, actor: input.actor, action: 'criterion.denied', details: { criterion: input.criterion, status: input.status, reason: d.why, state: release.state, via: input.via } });
        return { kind: 'denied', release, why: d.why };
      }
    } else if (!isOpen(release.state)) {
      return { kind: 'denied', release, why: 'closed' };
    }
    const facts = factsOf(tx, release);
    const previous = facts.criteria[input.criterion];
    setCriterion(tx, release.id, input.criterion, { status: input.status, url: input.url ?? null, details, updatedBy: input.actor, at: now });
    appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.actor,
      action: input.status === 'waived' ? 'criterion.waived' : 'criterion.updated',
      details: { criterion: input.criterion, from: previous, to: input.status, url: input.url ?? null, details, via: input.via },
    });
    let state = release.state;
    const criteriaAfter = { ...facts.criteria, [input.criterion]: input.status };
    if (isApprovalStage(release.state) || release.state === 'scheduled') {
      // A criterion that fails (or is reset to pending) after sign-off sends the release back to sign-off, and
      // a scheduled release loses its slot: nothing ships while readiness is not met or waived.
      state = deriveApprovalState({ ...facts, criteria: criteriaAfter }, rules);
      if (release.state === 'scheduled' && state === 'scheduling') state = 'scheduled';
    }
    const updated =
      release.state === 'scheduled' && isApprovalStage(state)
        ? unscheduleInTx(tx, release, release.scheduledAt, input.actor, now, { reason: 'readiness', criterion: input.criterion, status: input.status }, state)
        : updateRelease(tx, release.id, { updatedAt: now, ...(state !== release.state ? { state, stateChangedAt: now } : {}) });
    return { kind: 'updated', release: updated, advanced: state !== release.state, unchanged: previous === input.status };
  });

  if (result.kind === 'updated') {
    void deps.cards.refresh(input.releaseId);
    void deps.timers.syncRelease(input.releaseId);
    const who = input.via === 'api' ? 'CI' : mention(input.actor);
    const evidence = input.url ? ` · ${safeLink(input.url, 'evidence')}` : '';
    const why = details ? ` — ${escTrunc(details, 500)}` : '';
    const line = `:clipboard: ${who} marked *${CRITERION_LABELS[input.criterion]}* ${input.status}${why}${evidence}`;
    void deps.cards.thread(input.releaseId, result.advanced ? `${line}\n${stageAdvanceText(deps, input.releaseId)}` : line);
    // (a scheduled release that lost its slot: the announcements channel hears of it if the slot was announced)
    if (before.scheduledAt !== null && result.release.scheduledAt === null) announceUnscheduled(deps, input.releaseId);
  }
  return result;
}
