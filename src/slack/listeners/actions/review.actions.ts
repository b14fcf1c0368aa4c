/** Review thread buttons (Add review, Close review), their modals, and Done on action items. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackRouter } from '../../router';
import { z } from 'zod';
import { getRelease } from '../../../db/release.repo';
import { answersFor } from '../../../db/review.repo';
import type { Deps } from '../../../usecases/deps';
import type { ActionItemInput, ReviewAnswerDraft, ReviewAnswerErrors } from '../../../usecases/review';
import { addReview, checkAnswerer, checkCloser, closeReview, markActionDone, validateReviewAnswer } from '../../../usecases/review';
import { ACTIONS, CALLBACKS, REVIEW_FIELDS as F } from '../../ids';
import { ACTION_ITEM_SLOTS, closeReviewModal, reviewModal } from '../../views/review.view';
import { parseJsonMeta, parseState, releaseMetaSchema, textOf } from '../parse';
import { BUTTON_OUT_OF_DATE, FORM_OUT_OF_DATE, replyPrivately } from '../reply';
import type { ViewState } from '../parse';

type ButtonBody = BlockAction<ButtonAction>;
const idSchema = z.string().regex(/^\d{1,9}$/).transform(Number);

function userOf(state: ViewState, block: string): string {
  const v = state[block]?.[block];
  return v?.selected_user ?? '';
}
function dateOf(state: ViewState, block: string): string {
  const v = state[block]?.[block];
  return v?.selected_date ?? '';
}

/** The review modal's answer as typed, one action item per slot (validated by `validateReviewAnswer`). */
export function reviewDraftOf(state: ViewState): ReviewAnswerDraft {
  const items: ActionItemInput[] = [];
  for (let i = 1; i <= ACTION_ITEM_SLOTS; i += 1) {
    items.push({ text: textOf(state, `${F.item}${i}`), owner: userOf(state, `${F.owner}${i}`), due: dateOf(state, `${F.due}${i}`) });
  }
  return { wentWell: textOf(state, F.wentWell), improve: textOf(state, F.improve), incidents: textOf(state, F.incidents), items };
}

/** Inline errors per block of the review modal. */
export function reviewErrorBlocks(errors: ReviewAnswerErrors): Record<string, string> {
  const out: Record<string, string> = {};
  if (errors.wentWell) out[F.wentWell] = errors.wentWell;
  if (errors.improve) out[F.improve] = errors.improve;
  if (errors.incidents) out[F.incidents] = errors.incidents;
  const blockOf = { text: F.item, owner: F.owner, due: F.due } as const;
  for (const [index, e] of Object.entries(errors.items)) {
    for (const field of ['text', 'owner', 'due'] as const) {
      const msg = e[field];
      if (msg) out[`${blockOf[field]}${Number(index) + 1}`] = msg;
    }
  }
  return out;
}

export function registerReviewActions(app: SlackRouter, deps: Deps): void {

  app.action<ButtonBody>(ACTIONS.addReview, async ({ ack, body }) => {
    await ack();
    const id = idSchema.safeParse(body.actions[0]?.value ?? '');
    if (!id.success) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const why = checkAnswerer(deps, id.data, body.user.id);
    const r = getRelease(deps.db, id.data);
    if (why || !r) return replyPrivately(deps, body, `:no_entry_sign: ${why ?? 'That release no longer exists.'}`);
    await deps.slack.openView(body.trigger_id, reviewModal(r));
  });

  app.action<ButtonBody>(ACTIONS.closeReview, async ({ ack, body }) => {
    await ack();
    const id = idSchema.safeParse(body.actions[0]?.value ?? '');
    if (!id.success) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const why = await checkCloser(deps, id.data, body.user.id);
    const r = getRelease(deps.db, id.data);
    if (why || !r) return replyPrivately(deps, body, `:no_entry_sign: ${why ?? 'That release no longer exists.'}`);
    await deps.slack.openView(body.trigger_id, closeReviewModal(r, answersFor(deps.db, r.id).length));
  });

  app.action<ButtonBody>(ACTIONS.actionDone, async ({ ack, body }) => {
    await ack();
    const id = idSchema.safeParse(body.actions[0]?.value ?? '');
    if (!id.success) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const res = await markActionDone(deps, { itemId: id.data, actor: body.user.id });
    await replyPrivately(deps, body, res.ok ? res.text : `:no_entry_sign: ${res.text}`);
  });

  app.view(CALLBACKS.review, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(releaseMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [F.wentWell]: FORM_OUT_OF_DATE } });
    const checked = validateReviewAnswer(deps, reviewDraftOf(parseState(view.state.values)));
    if (!checked.ok) return ack({ response_action: 'errors', errors: reviewErrorBlocks(checked.errors) });
    const res = await addReview(deps, { releaseId: meta.releaseId, actor: body.user.id, ...checked.answer });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [F.wentWell]: res.why } });
    return ack();
  });

  app.view(CALLBACKS.reviewClose, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(releaseMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [F.summary]: FORM_OUT_OF_DATE } });
    const summary = textOf(parseState(view.state.values), F.summary).trim();
    if (!summary) return ack({ response_action: 'errors', errors: { [F.summary]: 'Write a short summary.' } });
    if (summary.length > 2500) return ack({ response_action: 'errors', errors: { [F.summary]: 'At most 2,500 characters.' } });
    const res = await closeReview(deps, { releaseId: meta.releaseId, actor: body.user.id, summary });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [F.summary]: res.why } });
    return ack();
  });
}
