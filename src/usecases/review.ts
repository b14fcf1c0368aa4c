/**
 * Post-release reviews: Greenlight opens a review thread (after `review.prompt_after`, at once after a rollback, a
 * failed deploy or a break-glass release), collects answers and action items, reminds who has not answered once,
 * reminds action-item owners on the due date, and a release manager closes it with a summary.
 */
import { auditDenial } from './denials';
import { inBackground } from './background';
import { DateTime } from 'luxon';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import { getDeploy } from '../db/deploy.repo';
import type { Release } from '../db/release.repo';
import { activeApprovals, getRelease } from '../db/release.repo';
import type { ActionItemRow } from '../db/review.repo';
import {
  actionItemsFor,
  answersFor,
  closeReviewRow,
  getActionItem,
  getReview,
  insertActionItem,
  insertAnswer,
  insertReview,
  markActionItem,
  updateReview,
} from '../db/review.repo';
import type { JobPayload } from '../queue/jobs';
import { escTrunc, relId } from '../slack/format';
import { actionDoneText, actionDueMessage, answerMessage, reviewClosedText, reviewOpenMessage, reviewOpenNote, reviewReminderMessage } from '../slack/views/review.view';
import type { Deps } from './deps';
import { membersFor, rolesOf } from './roles';

const REVIEWABLE: readonly Release['state'][] = ['released', 'rolled_back', 'failed'];

/** When the review of a release should open, or null when it does not (yet) call for one. */
export function reviewDueAt(deps: Pick<Deps, 'policy'>, r: Release, releasedAt: number | null): number | null {
  if (!REVIEWABLE.includes(r.state)) return null;
  if (r.state !== 'released' || r.reviewRequired) return r.stateChangedAt;
  return (releasedAt ?? r.stateChangedAt) + deps.policy.review.promptAfter;
}

/** Requester, approvers, operations (people, not groups) and whoever rolled back. */
export function reviewParticipants(deps: Deps, r: Release): string[] {
  const out = new Set<string>([r.requestedBy]);
  for (const a of activeApprovals(deps.db, r.id)) out.add(a.userId);
  for (const u of membersFor(deps, r.service).operations) if (!u.startsWith('S')) out.add(u);
  const by = getDeploy(deps.db, r.id)?.rollbackBy;
  if (by && /^[UW]/.test(by)) out.add(by);
  return [...out];
}

/**
 * Opens the review: the row (once, audited), then its thread message (once, through the ledger key). Safe to run
 * again at any time: a review whose message never went out (Slack down through every attempt) or whose `ts` was
 * never saved (a crash after the post) is re-derived as a `review-open` timer until its thread exists, and a
 * second run finds the message the first one sent instead of posting another.
 */
export async function onReviewOpen(deps: Deps, p: JobPayload<'review-open'>): Promise<void> {
  const r = getRelease(deps.db, p.releaseId);
  if (!r || !REVIEWABLE.includes(r.state)) return;
  if (!getReview(deps.db, r.id)) {
    // The review thread goes where the release's card is (its service's channel), else the releases channel.
    const channel = r.cardChannel ?? deps.policy.channels.releases;
    if (!channel) return;
    const now = deps.now();
    const participants = reviewParticipants(deps, r);
    inTransaction(deps.db, (tx) => {
      if (insertReview(tx, { releaseId: r.id, channel, openedAt: now, participants })) {
        appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'review.opened', details: { participants, state: r.state } });
      }
    });
  }
  const review = getReview(deps.db, r.id);
  if (!review || review.ts || review.closedAt) return;
  const key = `review-open-${r.id}`;
  const msg = reviewOpenMessage(r, review.participants, null);
  const posted = await deps.slack.post({ channel: review.channel, text: msg.text, blocks: msg.blocks, dedupeKey: key, releaseId: r.id });
  // (null: the ledger already holds it — sent before a crash, or being sent by another attempt right now)
  const sent = posted ?? deps.slack.sentByKey(key);
  if (!sent?.ts) return;
  updateReview(deps.db, r.id, { ts: sent.ts, channel: sent.channel });
  if (r.cardChannel && r.cardTs) {
    // The card's thread points to the review, with its Add review button, so it is found from the card.
    const note = reviewOpenNote(r, sent.channel === r.cardChannel ? null : sent.channel);
    inBackground(deps, 'point the card thread to the review', () =>
      deps.slack.post({ channel: r.cardChannel as string, threadTs: r.cardTs as string, text: note.text, blocks: note.blocks, dedupeKey: `review-open-note-${r.id}`, releaseId: r.id }),
    );
  }
  void deps.cards.refresh(r.id);
  await deps.timers.syncRelease(r.id);
}

/** Reminds, once, everyone who was asked and has not answered. */
export async function onReviewRemind(deps: Deps, p: JobPayload<'review-remind'>): Promise<void> {
  const review = getReview(deps.db, p.releaseId);
  const r = getRelease(deps.db, p.releaseId);
  if (!review || !r || review.closedAt || review.remindedAt) return;
  const answered = new Set(answersFor(deps.db, r.id).map((a) => a.userId));
  const waiting = review.participants.filter((u) => !answered.has(u));
  const msg = reviewReminderMessage(r);
  for (const user of waiting) {
    await deps.slack.dm(user, { text: msg.text, blocks: msg.blocks, dedupeKey: `review-remind-${r.id}-${user}`, releaseId: r.id }).catch(() => undefined);
  }
  const now = deps.now();
  inTransaction(deps.db, (tx) => {
    updateReview(tx, r.id, { remindedAt: now });
    appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'review.reminded', details: { users: waiting } });
  });
}

export interface ActionItemInput {
  text: string;
  owner: string;
  /** YYYY-MM-DD */
  due: string;
}

/** A review answer as typed: free text, and one entry per action-item slot (all empty when unused). */
export interface ReviewAnswerDraft {
  wentWell: string;
  improve: string;
  incidents: string;
  items: ActionItemInput[];
}

export type ActionItemField = keyof ActionItemInput;

export interface ReviewAnswerErrors {
  wentWell?: string;
  improve?: string;
  incidents?: string;
  /** By the item's index in `draft.items`. */
  items: Record<number, Partial<Record<ActionItemField, string>>>;
}

export type ReviewAnswerCheck =
  | { ok: true; answer: { wentWell: string; improve: string; incidents: string; items: ActionItemInput[] } }
  | { ok: false; errors: ReviewAnswerErrors };

export const REVIEW_TEXT_MAX = 3000;
export const ACTION_ITEM_TEXT_MAX = 500;

/**
 * The rules for a review answer: texts within limits; an action item is either empty or complete (text, a person
 * as owner, a valid due date not in the past in the policy time zone); and at least one answer or action item.
 */
export function validateReviewAnswer(deps: Pick<Deps, 'now' | 'policy'>, draft: ReviewAnswerDraft): ReviewAnswerCheck {
  const today = DateTime.fromMillis(deps.now(), { zone: deps.policy.timezone }).toISODate() ?? '';
  const errors: ReviewAnswerErrors = { items: {} };
  let any = false;
  const wentWell = draft.wentWell.trim();
  const improve = draft.improve.trim();
  const incidents = draft.incidents.trim();
  for (const [field, v] of [['wentWell', wentWell], ['improve', improve], ['incidents', incidents]] as const) {
    if (v.length > REVIEW_TEXT_MAX) {
      errors[field] = `At most ${REVIEW_TEXT_MAX} characters.`;
      any = true;
    }
  }
  const items: ActionItemInput[] = [];
  draft.items.forEach((raw, index) => {
    const text = raw.text.trim();
    const { owner, due } = raw;
    if (!text && !owner && !due) return;
    const e: Partial<Record<ActionItemField, string>> = {};
    if (!text) e.text = 'Say what needs doing, or clear the owner and due date.';
    if (!owner) e.owner = 'Pick who owns this action item.';
    else if (!/^[UW][A-Z0-9]{2,}$/.test(owner)) e.owner = 'Pick a person.';
    if (!due) e.due = 'Pick a due date.';
    else if (!DateTime.fromISO(due).isValid || !/^\d{4}-\d{2}-\d{2}$/.test(due)) e.due = 'Pick a valid date.';
    else if (due < today) e.due = 'The due date is in the past.';
    if (text.length > ACTION_ITEM_TEXT_MAX) e.text = `At most ${ACTION_ITEM_TEXT_MAX} characters.`;
    if (Object.keys(e).length) {
      errors.items[index] = e;
      any = true;
    }
    if (text && owner && due) items.push({ text, owner, due });
  });
  if (!wentWell && !improve && !incidents && items.length === 0 && !any) {
    errors.wentWell = 'Answer at least one question or add an action item.';
    any = true;
  }
  return any ? { ok: false, errors } : { ok: true, answer: { wentWell, improve, incidents, items } };
}

export type AddReviewResult = { kind: 'added' } | { kind: 'denied'; why: string };

/** Stores one person's answer and action items and posts them to the review thread. */
export async function addReview(
  deps: Deps,
  input: { releaseId: number; actor: string; wentWell: string; improve: string; incidents: string; items: ActionItemInput[] },
): Promise<AddReviewResult> {
  const r = getRelease(deps.db, input.releaseId);
  const review = getReview(deps.db, input.releaseId);
  if (!r) return { kind: 'denied', why: 'This release has no review open.' };
  if (!review || review.closedAt) {
    // (an answer modal opened before the review closed, submitted after)
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'review.denied', reason: review ? 'closed' : 'not_open', attempted: 'answer', state: r.state, via: 'modal' });
    return { kind: 'denied', why: review ? 'This review is closed.' : 'This release has no review open.' };
  }
  const now = deps.now();
  const zone = deps.policy.timezone;
  const startMinutes = deps.policy.reminders.businessHours.start;
  const saved = inTransaction(deps.db, (tx) => {
    const answer = insertAnswer(tx, { releaseId: r.id, userId: input.actor, wentWell: input.wentWell, improve: input.improve, incidents: input.incidents, at: now });
    const items = input.items.map((i) =>
      insertActionItem(tx, {
        releaseId: r.id,
        answerId: answer.id,
        text: i.text,
        owner: i.owner,
        due: i.due,
        dueAt: DateTime.fromISO(i.due, { zone }).startOf('day').plus({ minutes: startMinutes }).toMillis(),
      }),
    );
    appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'review.answered', details: { answer: answer.id, action_items: items.map((i) => ({ id: i.id, owner: i.owner, due: i.due })) } });
    return { answer, items };
  });
  const msg = answerMessage(saved.answer, saved.items);
  const thread = review.ts;
  if (thread) {
    inBackground(deps, 'post the review answer', () =>
      deps.slack.post({ channel: review.channel, threadTs: thread, text: msg.text, blocks: msg.blocks, dedupeKey: `review-answer-${saved.answer.id}`, releaseId: r.id }),
    );
  }
  inBackground(deps, "set the release's timers", () => deps.timers.syncRelease(r.id));
  return { kind: 'added' };
}

/** A release manager closes the review with a summary: posted to the thread and shown on the card. */
export async function closeReview(deps: Deps, input: { releaseId: number; actor: string; summary: string }): Promise<{ kind: 'closed' } | { kind: 'denied'; why: string }> {
  const check = await checkCloser(deps, input.releaseId, input.actor, 'modal');
  if (check) return { kind: 'denied', why: check };
  const r = getRelease(deps.db, input.releaseId);
  const review = getReview(deps.db, input.releaseId);
  if (!r || !review) return { kind: 'denied', why: 'This release has no review open.' };
  const now = deps.now();
  const closed = inTransaction(deps.db, (tx) => {
    if (!closeReviewRow(tx, r.id, input.actor, input.summary, now)) return false;
    appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'review.closed', details: { summary: input.summary, answers: answersFor(tx, r.id).length } });
    return true;
  });
  if (!closed) {
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'review.denied', reason: 'already_closed', attempted: 'close', state: r.state, via: 'modal' });
    return { kind: 'denied', why: 'This review is already closed.' };
  }
  const thread = review.ts;
  if (thread) {
    inBackground(deps, 'post the review summary', async () => {
      await deps.slack.post({ channel: review.channel, threadTs: thread, text: reviewClosedText(r, input.actor, input.summary), dedupeKey: `review-closed-${r.id}`, releaseId: r.id });
      const msg = reviewOpenMessage(r, review.participants, { by: input.actor, summary: input.summary });
      await deps.slack.update({ channel: review.channel, ts: thread, text: msg.text, blocks: msg.blocks });
    });
  }
  void deps.cards.refresh(r.id);
  return { kind: 'closed' };
}

/** Null when `actor` may close the review of the release; else why not (audited as `review.denied`). */
export async function checkCloser(deps: Deps, releaseId: number, actor: string, via = 'slack'): Promise<string | null> {
  const r = getRelease(deps.db, releaseId);
  const review = getReview(deps.db, releaseId);
  if (!r) return 'That release no longer exists.';
  if (!review || review.closedAt) {
    const reason = review ? 'already_closed' : 'not_open';
    auditDenial(deps, { releaseId: r.id, actor, action: 'review.denied', reason, attempted: 'close', state: r.state, via });
    return review ? `The ${relId(r.id)} review is already closed.` : `${relId(r.id)} has no review open.`;
  }
  const roles = await rolesOf(deps, r.service, actor);
  if (roles.includes('release_manager')) return null;
  auditDenial(deps, { releaseId: r.id, actor, action: 'review.denied', reason: 'not_release_manager', attempted: 'close', state: r.state, via });
  return `Only release managers can close the ${relId(r.id)} review.`;
}

/** Null when `actor` may answer the review of the release (*Add review*); else why not (audited as `review.denied`). */
export function checkAnswerer(deps: Pick<Deps, 'db' | 'now'>, releaseId: number, actor: string, via = 'slack'): string | null {
  const r = getRelease(deps.db, releaseId);
  if (!r) return 'That release no longer exists.';
  const review = getReview(deps.db, releaseId);
  if (review && !review.closedAt) return null;
  auditDenial(deps, { releaseId: r.id, actor, action: 'review.denied', reason: review ? 'closed' : 'not_open', attempted: 'answer', state: r.state, via });
  return review ? `The ${relId(r.id)} review is closed.` : `${relId(r.id)} has no review open.`;
}

export function reviewOpenFor(deps: Pick<Deps, 'db'>, releaseId: number): boolean {
  const review = getReview(deps.db, releaseId);
  return Boolean(review && !review.closedAt);
}

export async function onActionDue(deps: Deps, p: JobPayload<'action-due'>): Promise<void> {
  const item = getActionItem(deps.db, p.itemId);
  if (!item || item.doneAt || item.remindedAt) return;
  const r = getRelease(deps.db, item.releaseId);
  if (!r) return;
  const msg = actionDueMessage(r, item);
  await deps.slack.dm(item.owner, { text: msg.text, blocks: msg.blocks, dedupeKey: `action-due-${item.id}`, releaseId: r.id });
  const now = deps.now();
  inTransaction(deps.db, (tx) => {
    markActionItem(tx, item.id, { remindedAt: now }, false);
    appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'review.action_item_reminded', details: { item: item.id, owner: item.owner } });
  });
}

/** *Done* on an action item: its owner or a release manager. */
export async function markActionDone(deps: Deps, input: { itemId: number; actor: string }): Promise<{ ok: boolean; text: string; item?: ActionItemRow }> {
  const item = getActionItem(deps.db, input.itemId);
  if (!item) return { ok: false, text: 'That action item no longer exists.' };
  const r = getRelease(deps.db, item.releaseId);
  if (!r) return { ok: false, text: 'That release no longer exists.' };
  if (item.owner !== input.actor && !(await rolesOf(deps, r.service, input.actor)).includes('release_manager')) {
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'review.denied', reason: 'not_owner', attempted: 'action_item_done', item: item.id, state: r.state, via: 'slack' });
    return { ok: false, text: 'Only its owner or a release manager can mark this action item done.' };
  }
  const now = deps.now();
  const changed = inTransaction(deps.db, (tx) => {
    if (!markActionItem(tx, item.id, { doneAt: now, doneBy: input.actor }, true)) return false;
    appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'review.action_item_done', details: { item: item.id } });
    return true;
  });
  if (!changed) return { ok: true, text: 'That action item was already done.', item };
  const review = getReview(deps.db, r.id);
  if (review?.ts) {
    await deps.slack.post({ channel: review.channel, threadTs: review.ts, text: actionDoneText(r, item, input.actor), dedupeKey: `action-done-${item.id}`, releaseId: r.id }).catch(() => undefined);
  }
  return { ok: true, text: `:white_check_mark: Done: ${escTrunc(item.text, 200)}`, item };
}

export function actionItemsOf(deps: Pick<Deps, 'db'>, releaseId: number): ActionItemRow[] {
  return actionItemsFor(deps.db, releaseId);
}
