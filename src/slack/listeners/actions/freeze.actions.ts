/** `/release freeze` modal submissions, and the card's Emergency override button and modal. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackRouter } from '../../router';
import { DateTime } from 'luxon';
import { serviceNames } from '../../../config';
import type { Deps } from '../../../usecases/deps';
import { declareFreeze, freezeCommand } from '../../../usecases/freeze';
import { checkOverride, grantOverride, overrideDenialText } from '../../../usecases/override';
import { releaseSnapshot } from '../../../usecases/queries';
import { ACTIONS, CALLBACKS, FREEZE_FIELDS, OVERRIDE_FIELDS } from '../../ids';
import { freezeDeclareDeniedMessage, freezeListMessage, freezeModal } from '../../views/freeze.view';
import type { SlackMessage } from '../../views/messages.view';
import { overrideModal } from '../../views/override.view';
import { cardValueSchema, releaseMetaSchema, parseJsonMeta, parseState, textOf } from '../parse';
import { BUTTON_OUT_OF_DATE, FORM_OUT_OF_DATE, replyPrivately } from '../reply';

/**
 * `/release freeze [list|new]`: the list message, a private refusal (`new` from someone who may not declare one), or
 * null when the actor gets the declare modal (see `freezeCommand`).
 */
export async function freezeListFor(deps: Deps, actor: string, args: string): Promise<SlackMessage | null> {
  const word = args.trim();
  const answer = await freezeCommand(deps, actor, { listRequested: /^(list|ls)$/i.test(word), declareRequested: /^(new|declare|add)$/i.test(word) });
  if (answer.kind === 'denied') return freezeDeclareDeniedMessage();
  return answer.kind === 'list' ? freezeListMessage(answer.freezes, deps.policy.timezone, answer.manager) : null;
}

export async function openFreezeModal(deps: Deps, triggerId: string): Promise<void> {
  const today = DateTime.fromMillis(deps.now(), { zone: deps.policy.timezone }).toISODate() ?? '';
  await deps.slack.openView(triggerId, freezeModal(serviceNames(deps.policy), today));
}

export function registerFreezeHandlers(app: SlackRouter, deps: Deps): void {
  app.view(CALLBACKS.freeze, async ({ ack, body, view }) => {
    const state = parseState(view.state.values);
    const services = state[FREEZE_FIELDS.services]?.[FREEZE_FIELDS.services]?.selected_options?.map((o) => o.value) ?? null;
    const date = (block: string) => state[block]?.[block]?.selected_date ?? '';
    const res = await declareFreeze(deps, {
      actor: body.user.id,
      start: date(FREEZE_FIELDS.start),
      end: date(FREEZE_FIELDS.end),
      reason: textOf(state, FREEZE_FIELDS.reason),
      services,
    });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [FREEZE_FIELDS.reason]: 'Only admins and release managers can declare freezes.' } });
    if (res.kind === 'invalid') {
      const blocks: Record<string, string> = { start: FREEZE_FIELDS.start, end: FREEZE_FIELDS.end, reason: FREEZE_FIELDS.reason, services: FREEZE_FIELDS.services };
      return ack({ response_action: 'errors', errors: Object.fromEntries(Object.entries(res.errors).map(([k, v]) => [blocks[k] ?? FREEZE_FIELDS.reason, v])) });
    }
    return ack();
  });

  app.action<BlockAction<ButtonAction>>(ACTIONS.override, async ({ ack, body }) => {
    await ack();
    const v = cardValueSchema.safeParse(body.actions[0]?.value ?? '');
    if (!v.success) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const check = await checkOverride(deps, v.data.releaseId, body.user.id, 'card');
    if (check.why) {
      return replyPrivately(deps, body, `:no_entry_sign: ${overrideDenialText(check.release, check.why)}`);
    }
    const snap = releaseSnapshot(deps, v.data.releaseId);
    await deps.slack.openView(body.trigger_id, overrideModal(check.release, snap?.freezeAhead?.reason ?? null));
  });

  app.view(CALLBACKS.override, async ({ ack, body, view }) => {
    const meta = parseJsonMeta(releaseMetaSchema, view.private_metadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [OVERRIDE_FIELDS.reason]: FORM_OUT_OF_DATE } });
    const state = parseState(view.state.values);
    const res = await grantOverride(deps, {
      releaseId: meta.releaseId,
      actor: body.user.id,
      reason: textOf(state, OVERRIDE_FIELDS.reason),
      hours: Number(textOf(state, OVERRIDE_FIELDS.hours)),
    });
    if (res.kind === 'invalid') return ack({ response_action: 'errors', errors: { [OVERRIDE_FIELDS.reason]: res.error } });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [OVERRIDE_FIELDS.reason]: overrideDenialText(res.release, res.why) } });
    return ack();
  });
}
