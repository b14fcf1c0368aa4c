/** Deploy, monitoring and rollback buttons: Start deploy, Mark deployed, Mark failed, Roll back, Mark rolled back, the check-in. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackRouter } from '../../router';
import type { Deps } from '../../../usecases/deps';
import { allGood, foundIssue, markRolledBack, reportDeployment, rollBack, rollbackDenialText, startDeploy } from '../../../usecases/deploy';
import { STATE_PHRASES } from '../../../domain/types';
import { relId } from '../../format';
import { ACTIONS } from '../../ids';
import { cardValueSchema } from '../parse';
import { BUTTON_OUT_OF_DATE, replyPrivately } from '../reply';

type ButtonBody = BlockAction<ButtonAction>;

export function registerDeployActions(app: SlackRouter, deps: Deps): void {
  const releaseOf = (body: ButtonBody): number | null => {
    const v = cardValueSchema.safeParse(body.actions[0]?.value ?? '');
    return v.success ? v.data.releaseId : null;
  };

  app.action<ButtonBody>(ACTIONS.startDeploy, async ({ ack, body }) => {
    await ack();
    const id = releaseOf(body);
    if (id === null) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const res = await startDeploy(deps, { releaseId: id, actor: body.user.id });
    if (res.kind === 'denied') return replyPrivately(deps, body, `:no_entry_sign: ${res.why}`);
  });

  for (const [actionId, status] of [
    [ACTIONS.markDeployed, 'succeeded'],
    [ACTIONS.markFailed, 'failed'],
  ] as const) {
    app.action<ButtonBody>(actionId, async ({ ack, body }) => {
      await ack();
      const id = releaseOf(body);
      if (id === null) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
      const res = await reportDeployment(deps, { releaseId: id, status, actor: body.user.id, via: 'slack' });
      if (res.kind === 'denied') return replyPrivately(deps, body, `:no_entry_sign: ${res.why}`);
      if (res.kind === 'conflict') return replyPrivately(deps, body, `:no_entry_sign: ${res.why}`);
      if (res.kind === 'not_found') return replyPrivately(deps, body, `:no_entry_sign: ${relId(id)} doesn't exist.`);
      if (res.kind === 'unchanged') return replyPrivately(deps, body, `Nothing to do: ${relId(res.release.id)} is already ${STATE_PHRASES[res.release.state]}.`);
    });
  }

  app.action<ButtonBody>(ACTIONS.rollBack, async ({ ack, body }) => {
    await ack();
    const id = releaseOf(body);
    if (id === null) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const res = await rollBack(deps, { releaseId: id, actor: body.user.id });
    if (res.kind === 'denied' || res.kind === 'already') return replyPrivately(deps, body, `:no_entry_sign: ${rollbackDenialText(res)}`);
  });

  app.action<ButtonBody>(ACTIONS.markRolledBack, async ({ ack, body }) => {
    await ack();
    const id = releaseOf(body);
    if (id === null) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    const res = await markRolledBack(deps, { releaseId: id, actor: body.user.id });
    if (!res.ok) return replyPrivately(deps, body, `:no_entry_sign: ${res.text}`);
  });

  for (const [actionId, fn] of [
    [ACTIONS.allGood, allGood],
    [ACTIONS.foundIssue, foundIssue],
  ] as const) {
    app.action<ButtonBody>(actionId, async ({ ack, body }) => {
      await ack();
      const id = releaseOf(body);
      if (id === null) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
      const res = await fn(deps, { releaseId: id, actor: body.user.id });
      return replyPrivately(deps, body, res.kind === 'denied' ? `:no_entry_sign: ${res.text}` : res.text);
    });
  }
}
