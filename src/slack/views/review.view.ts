/** Post-release review: the review thread message, the answer and close modals, reminders and action items. */
import type { ModalView } from '@slack/types';
import type { ActionItemRow, ReviewAnswerRow } from '../../db/review.repo';
import type { Release } from '../../db/release.repo';
import { esc, escTrunc, mention, mentions, relId } from '../format';
import { ACTIONS, CALLBACKS, REVIEW_FIELDS as F } from '../ids';
import type { Blocks } from './kit';
import { actions, button, context, lineSections, plain, section } from './kit';

export const ACTION_ITEM_SLOTS = 3;

export interface ReviewMeta {
  releaseId: number;
}

function what(r: Release): string {
  return `${relId(r.id)} (${esc(r.service)} \`${escTrunc(r.version, 64)}\` to ${r.environment})`;
}

const OUTCOME: Partial<Record<Release['state'], string>> = {
  released: 'was released',
  rolled_back: 'was rolled back',
  failed: 'failed to deploy',
};

/** The top-level message that opens the review thread. */
export function reviewOpenMessage(r: Release, participants: string[], closed: { by: string; summary: string } | null): { text: string; blocks: Blocks } {
  const text = `:memo: Post-release review of ${relId(r.id)}: ${esc(r.service)} ${escTrunc(r.version, 64)} ${OUTCOME[r.state] ?? 'shipped'}.`;
  const blocks: Blocks = [
    section(`:memo: *Post-release review* — ${what(r)} ${OUTCOME[r.state] ?? 'shipped'}.\n${mentions(participants)}: what went well, what didn't go well (and any incidents), and action items with owners and due dates? Answer with *Add review*; replies land in this thread.`),
  ];
  if (closed) {
    blocks.push(section(`:lock: *Closed* by ${mention(closed.by)}: ${escTrunc(closed.summary, 2500)}`));
  } else {
    blocks.push(
      actions(`review-${r.id}`, [
        button('Add review', ACTIONS.addReview, String(r.id), { style: 'primary' }),
        button('Close review', ACTIONS.closeReview, String(r.id)),
      ]),
    );
  }
  blocks.push(context(['Release managers close the review with a summary.']));
  return { text, blocks };
}

/** A reply under the release card: the review is open, where, and its Add review button. */
export function reviewOpenNote(r: Release, elsewhere: string | null): { text: string; blocks: Blocks } {
  const where = elsewhere ? `in <#${elsewhere}>` : 'in this channel';
  const text = `:memo: The post-release review of ${relId(r.id)} is open ${where}: what went well, what didn't go well, and action items with owners.`;
  return { text, blocks: [section(text), actions(`review-note-${r.id}`, [button('Add review', ACTIONS.addReview, String(r.id), { style: 'primary' })])] };
}

function optionalText(blockId: string, label: string, hint: string): Blocks[number] {
  return { type: 'input', block_id: blockId, optional: true, label: plain(label), hint: plain(hint), element: { type: 'plain_text_input', action_id: blockId, multiline: true, max_length: 3000 } };
}

export function reviewModal(r: Release): ModalView {
  const meta: ReviewMeta = { releaseId: r.id };
  const blocks: Blocks = [
    section(`*${what(r)}* — ${escTrunc(r.title, 150)}`),
    optionalText(F.wentWell, 'What went well', 'Posted to the review thread.'),
    optionalText(F.improve, "What didn't go well", 'Posted to the review thread.'),
    optionalText(F.incidents, 'Incidents', 'Anything that hurt users or needed a fix; "none" is an answer too.'),
    section('*Action items* — each with an owner and a due date; owners are reminded on the day.'),
  ];
  for (let i = 1; i <= ACTION_ITEM_SLOTS; i += 1) {
    blocks.push(
      { type: 'input', block_id: `${F.item}${i}`, optional: true, label: plain(`Action item ${i}`), element: { type: 'plain_text_input', action_id: `${F.item}${i}`, max_length: 500 } },
      { type: 'input', block_id: `${F.owner}${i}`, optional: true, label: plain(`Owner ${i}`), element: { type: 'users_select', action_id: `${F.owner}${i}` } },
      { type: 'input', block_id: `${F.due}${i}`, optional: true, label: plain(`Due date ${i}`), element: { type: 'datepicker', action_id: `${F.due}${i}` } },
    );
  }
  return {
    type: 'modal',
    callback_id: CALLBACKS.review,
    private_metadata: JSON.stringify(meta),
    title: plain(`Review ${relId(r.id)}`, 24),
    submit: plain('Add review', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

export function closeReviewModal(r: Release, answers: number): ModalView {
  const meta: ReviewMeta = { releaseId: r.id };
  return {
    type: 'modal',
    callback_id: CALLBACKS.reviewClose,
    private_metadata: JSON.stringify(meta),
    title: plain(`Close ${relId(r.id)} review`, 24),
    submit: plain('Close review', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(`*${what(r)}* — ${answers} ${answers === 1 ? 'answer' : 'answers'} so far.`),
      { type: 'input', block_id: F.summary, label: plain('Summary'), hint: plain('Posted to the review thread and the release card.'), element: { type: 'plain_text_input', action_id: F.summary, multiline: true, max_length: 2500 } },
    ],
  };
}

function itemLine(i: Pick<ActionItemRow, 'text' | 'owner' | 'due' | 'doneAt'>): string {
  return `${i.doneAt ? ':white_check_mark:' : ':ballot_box_with_check:'} ${escTrunc(i.text, 500)} — ${mention(i.owner)}, due ${i.due}`;
}

export function answerMessage(a: Pick<ReviewAnswerRow, 'userId' | 'wentWell' | 'improve' | 'incidents'>, items: Pick<ActionItemRow, 'text' | 'owner' | 'due' | 'doneAt'>[]): { text: string; blocks: Blocks } {
  const parts = [`:memo: ${mention(a.userId)} added a review.`];
  if (a.wentWell) parts.push(`*What went well*\n${escTrunc(a.wentWell, 700)}`);
  if (a.improve) parts.push(`*What didn't go well*\n${escTrunc(a.improve, 700)}`);
  if (a.incidents) parts.push(`*Incidents*\n${escTrunc(a.incidents, 700)}`);
  if (items.length) parts.push('*Action items*', ...items.map(itemLine));
  const text = parts.join('\n');
  // (three answers of 700 characters and a few action items pass a section's 3,000: the items must not be cut off)
  return { text, blocks: lineSections(parts) };
}

export function reviewReminderMessage(r: Release): { text: string; blocks: Blocks } {
  const text = `:memo: The post-release review of ${relId(r.id)} (${esc(r.service)} \`${escTrunc(r.version, 64)}\`) is waiting for your answer.`;
  return { text, blocks: [section(text), actions(`review-remind-${r.id}`, [button('Add review', ACTIONS.addReview, String(r.id), { style: 'primary' })])] };
}

export function reviewClosedText(r: Release, by: string, summary: string): string {
  return `:lock: ${mention(by)} closed the review of ${relId(r.id)}. *Summary:* ${escTrunc(summary, 2500)}`;
}

export function actionDueMessage(r: Release, item: ActionItemRow): { text: string; blocks: Blocks } {
  const text = `:alarm_clock: Your action item from the ${relId(r.id)} review is due today (${item.due}): ${escTrunc(item.text, 500)}`;
  return { text, blocks: [section(text), actions(`action-item-${item.id}`, [button('Done', ACTIONS.actionDone, String(item.id), { style: 'primary' })])] };
}

export function actionDoneText(r: Release, item: ActionItemRow, by: string): string {
  return `:white_check_mark: ${mention(by)} marked an action item of the ${relId(r.id)} review done: ${escTrunc(item.text, 500)}`;
}
