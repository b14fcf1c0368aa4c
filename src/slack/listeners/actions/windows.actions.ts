/** `/release windows`: the admins' *Edit windows* button and the editor's submission. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackRouter } from '../../router';
import { ENVIRONMENTS } from '../../../domain/types';
import type { Deps } from '../../../usecases/deps';
import { allWindows, mayEditWindows, setWindows } from '../../../usecases/windows';
import { ACTIONS, CALLBACKS, WINDOW_FIELDS } from '../../ids';
import { windowsModal } from '../../views/windows.view';
import { parseState, textOf } from '../parse';
import { replyPrivately } from '../reply';

export const WINDOWS_DENIED = ':no_entry_sign: Only admins (policy `admins`) can edit deploy windows. `/release windows` shows them.';

export async function openWindowsModal(deps: Deps, triggerId: string): Promise<void> {
  await deps.slack.openView(triggerId, windowsModal(allWindows(deps), deps.policy.windows, deps.policy.timezone));
}

export function registerWindowsHandlers(app: SlackRouter, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.editWindows, async ({ ack, body }) => {
    await ack();
    if (!mayEditWindows(deps, body.user.id, 'slack')) return replyPrivately(deps, body, WINDOWS_DENIED);
    await openWindowsModal(deps, body.trigger_id);
  });

  app.view(CALLBACKS.windows, async ({ ack, body, view }) => {
    const state = parseState(view.state.values);
    const texts = Object.fromEntries(ENVIRONMENTS.map((env) => [env, textOf(state, WINDOW_FIELDS[env])]));
    const res = setWindows(deps, { actor: body.user.id, texts });
    if (res.kind === 'denied') return ack({ response_action: 'errors', errors: { [WINDOW_FIELDS.production]: 'Only admins (policy `admins`) can edit deploy windows.' } });
    if (res.kind === 'invalid') {
      return ack({ response_action: 'errors', errors: Object.fromEntries(Object.entries(res.errors).map(([env, message]) => [WINDOW_FIELDS[env as keyof typeof WINDOW_FIELDS], message])) });
    }
    return ack();
  });
}
