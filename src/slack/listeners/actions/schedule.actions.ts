/** Schedule (card button or `/release schedule`), its modal, and Snooze on reminder DMs. */
import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { SlackRouter } from '../../router';
import { z } from 'zod';
import type { Deps } from '../../../usecases/deps';
import { scheduleDenialText, scheduleOptions, scheduleRelease } from '../../../usecases/schedule-release';
import { snoozeReminder } from '../../../usecases/timer-jobs';
import { mrkdwnToPlain, slackDate } from '../../format';
import { ACTIONS, CALLBACKS, SCHEDULE_FIELDS as F } from '../../ids';
import { scheduleModal } from '../../views/schedule.view';
import type { SNOOZE_CHOICES } from '../../views/timers.view';
import { cardValueSchema, dateTimeOf, parseJsonMeta, parseState, scheduleMetaSchema, textOf } from '../parse';
import { BUTTON_OUT_OF_DATE, FORM_OUT_OF_DATE, replyPrivately } from '../reply';

/** Opens the schedule modal, or returns why it can't be opened. */
export async function openScheduleModal(deps: Deps, releaseId: number, actor: string, triggerId: string): Promise<string | null> {
  const opts = await scheduleOptions(deps, releaseId, actor);
  if (opts.kind === 'denied') return scheduleDenialText(opts.release, opts.why);
  await deps.slack.openView(triggerId, scheduleModal(opts.release, opts.slots, deps.policy.timezone, deps.now(), opts.freezes));
  return null;
}

const snoozeValueSchema = z
  .string()
  .regex(/^\d+:\d+:(1h|4h|tomorrow)$/)
  .transform((v) => {
    const [id, opened, choice] = v.split(':');
    return { releaseId: Number(id), stageOpenedAt: Number(opened), choice: choice as (typeof SNOOZE_CHOICES)[number]['key'] };
  });

export function registerScheduleActions(app: SlackRouter, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.schedule, async ({ ack, body }) => {
    await ack();
    const v = cardValueSchema.safeParse(body.actions[0]?.value ?? '');
    if (!v.success) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const refusal = await openScheduleModal(deps, v.data.releaseId, body.user.id, body.trigger_id);
    if (refusal) await replyPrivately(deps, body, `:no_entry_sign: ${refusal}`);
  });

  app.view(CALLBACKS.schedule, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(scheduleMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [F.at]: FORM_OUT_OF_DATE } });
    const state = parseState(view.state.values);
    const at = dateTimeOf(state, F.at);
    const slotText = textOf(state, F.slot);
    const slot = slotText ? Number(slotText) : null;
    // The date and time come pre-filled with the requested time: a slot picked from the list wins over it, unless
    // the date and time were changed too.
    const picked = at !== null && at !== meta.prefilledAt ? at : (slot ?? at);
    if (picked === null || !Number.isFinite(picked)) {
      return ack({ response_action: 'errors', errors: { [F.at]: 'Pick a slot, or a deploy date and time.' } });
    }
    const res = await scheduleRelease(deps, { releaseId: meta.releaseId, actor: body.user.id, at: picked });
    if (res.kind === 'invalid') return ack({ response_action: 'errors', errors: { [F.at]: mrkdwnToPlain(res.message).slice(0, 2000) } });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [F.at]: mrkdwnToPlain(scheduleDenialText(res.release, res.why)) } });
    return ack();
  });

  app.action<BlockAction<StaticSelectAction>>(ACTIONS.snooze, async ({ ack, body }) => {
    await ack();
    const parsed = snoozeValueSchema.safeParse(body.actions[0]?.selected_option?.value ?? '');
    if (!parsed.success) return;
    const until = await snoozeReminder(deps, { ...parsed.data, userId: body.user.id });
    if (body.response_url) {
      // (in the reader's own time zone, as "tomorrow morning" was computed in it)
      await deps.slack.respond(body.response_url, { text: `:zzz: Snoozed until ${slackDate(until, '{date_short_pretty} {time}')}.` });
    }
  });
}
