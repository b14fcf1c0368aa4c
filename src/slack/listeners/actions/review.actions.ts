/** Review thread buttons (Add review, Close review), their modals, and Done on action items. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { getRelease } from '../../../db/release.repo';
import { answersFor } from '../../../db/review.repo';
import type { Deps } from '../../../usecases/deps';
import type { ActionItemInput } from '../../../usecases/review';
import { addReview, checkCloser, closeReview, markActionDone, reviewOpenFor } from '../../../usecases/review';
import { ACTIONS, CALLBACKS, REVIEW_FIELDS as F } from '../../ids';
import { ACTION_ITEM_SLOTS, closeReviewModal, reviewModal } from '../../views/review.view';
import { parseJsonMeta, parseState, textOf } from '../parse';
import type { ViewState } from '../parse';

type ButtonBody = BlockAction<ButtonAction>;
const idSchema = z.string().regex(/^\d{1,9}$/).transform(Number);
const metaSchema = z.object({ releaseId: z.number().int().positive() });
const BROKEN = 'This form is out of date. Close it and start again.';
const MAX_TEXT = 3000;

function userOf(state: ViewState, block: string): string {
  const v = state[block]?.[block];
  return v?.selected_user ?? '';
}
function dateOf(state: ViewState, block: string): string {
  const v = state[block]?.[block];
  return v?.selected_date ?? '';
}

/** Validates the review modal: inline errors per block, or the answer to store. */
export function parseReviewState(state: ViewState, today: string):
  | { ok: true; wentWell: string; improve: string; incidents: string; items: ActionItemInput[] }
  | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const wentWell = textOf(state, F.wentWell).trim();
  const improve = textOf(state, F.improve).trim();
  const incidents = textOf(state, F.incidents).trim();
  for (const [block, v] of [[F.wentWell, wentWell], [F.improve, improve], [F.incidents, incidents]] as const) {
    if (v.length > MAX_TEXT) errors[block] = `At most ${MAX_TEXT} characters.`;
  }
  const items: ActionItemInput[] = [];
  for (let i = 1; i <= ACTION_ITEM_SLOTS; i += 1) {
    const text = textOf(state, `${F.item}${i}`).trim();
    const owner = userOf(state, `${F.owner}${i}`);
    const due = dateOf(state, `${F.due}${i}`);
    if (!text && !owner && !due) continue;
    if (!text) errors[`${F.item}${i}`] = 'Say what needs doing, or clear the owner and due date.';
    if (!owner) errors[`${F.owner}${i}`] = 'Pick who owns this action item.';
    else if (!/^[UW][A-Z0-9]{2,}$/.test(owner)) errors[`${F.owner}${i}`] = 'Pick a person.';
    if (!due) errors[`${F.due}${i}`] = 'Pick a due date.';
    else if (!DateTime.fromISO(due).isValid || !/^\d{4}-\d{2}-\d{2}$/.test(due)) errors[`${F.due}${i}`] = 'Pick a valid date.';
    else if (due < today) errors[`${F.due}${i}`] = 'The due date is in the past.';
    if (text.length > 500) errors[`${F.item}${i}`] = 'At most 500 characters.';
    if (text && owner && due) items.push({ text, owner, due });
  }
  if (!wentWell && !improve && !incidents && items.length === 0 && Object.keys(errors).length === 0) {
    errors[F.wentWell] = 'Answer at least one question or add an action item.';
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, wentWell, improve, incidents, items };
}

export function registerReviewActions(app: App, deps: Deps): void {
  const tell = async (body: ButtonBody, text: string) => {
    try {
      if (body.response_url) await deps.slack.respond(body.response_url, { text, response_type: 'ephemeral' });
      else await deps.slack.dm(body.user.id, { text });
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'could not tell the user');
    }
  };

  app.action<ButtonBody>(ACTIONS.addReview, async ({ ack, body }) => {
    await ack();
    const id = idSchema.safeParse(body.actions[0]?.value ?? '');
    const r = id.success ? getRelease(deps.db, id.data) : undefined;
    if (!r || !reviewOpenFor(deps, r.id)) return tell(body, 'This review is closed or no longer exists.');
    await deps.slack.openView(body.trigger_id, reviewModal(r));
  });

  app.action<ButtonBody>(ACTIONS.closeReview, async ({ ack, body }) => {
    await ack();
    const id = idSchema.safeParse(body.actions[0]?.value ?? '');
    if (!id.success) return tell(body, 'That button is out of date.');
    const why = await checkCloser(deps, id.data, body.user.id);
    const r = getRelease(deps.db, id.data);
    if (why || !r) return tell(body, `:no_entry_sign: ${why ?? 'That release no longer exists.'}`);
    await deps.slack.openView(body.trigger_id, closeReviewModal(r, answersFor(deps.db, r.id).length));
  });

  app.action<ButtonBody>(ACTIONS.actionDone, async ({ ack, body }) => {
    await ack();
    const id = idSchema.safeParse(body.actions[0]?.value ?? '');
    if (!id.success) return tell(body, 'That button is out of date.');
    const res = await markActionDone(deps, { itemId: id.data, actor: body.user.id });
    await tell(body, res.ok ? res.text : `:no_entry_sign: ${res.text}`);
  });

  app.view(CALLBACKS.review, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(metaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [F.wentWell]: BROKEN } });
    const today = DateTime.fromMillis(deps.now(), { zone: deps.policy.timezone }).toISODate() ?? '';
    const parsed = parseReviewState(parseState(view.state.values), today);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
    const res = await addReview(deps, { releaseId: meta.releaseId, actor: body.user.id, ...parsed });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [F.wentWell]: res.why } });
    return ack();
  });

  app.view(CALLBACKS.reviewClose, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(metaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [F.summary]: BROKEN } });
    const summary = textOf(parseState(view.state.values), F.summary).trim();
    if (!summary) return ack({ response_action: 'errors', errors: { [F.summary]: 'Write a short summary.' } });
    if (summary.length > 2500) return ack({ response_action: 'errors', errors: { [F.summary]: 'At most 2,500 characters.' } });
    const res = await closeReview(deps, { releaseId: meta.releaseId, actor: body.user.id, summary });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [F.summary]: res.why } });
    return ack();
  });
}
