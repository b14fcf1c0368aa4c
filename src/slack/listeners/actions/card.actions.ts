/** Buttons on the release card (and the same buttons elsewhere). The actor is always `body.user.id`. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackRouter } from '../../router';
import { serviceNames } from '../../../config';
import { approveRelease } from '../../../usecases/approve-release';
import { checkReadinessUpdate } from '../../../usecases/check-readiness';
import { checkStageDecision } from '../../../usecases/decide-release';
import type { Deps } from '../../../usecases/deps';
import { checkEdit } from '../../../usecases/edit-release';
import { criteriaFor } from '../../../db/release.repo';
import { approvalSnapshot, releaseSnapshot } from '../../../usecases/queries';
import { relId } from '../../format';
import { ACTIONS } from '../../ids';
import { approveDenialMessage, editDenialMessage, stageDenialMessage } from '../../views/messages.view';
import { readinessModal } from '../../views/readiness.view';
import { readinessDenialMessage, reasonModal, staleDecisionMessage } from '../../views/reason.view';
import { requestModal } from '../../views/request-release.view';
import { cardValueSchema } from '../parse';
import { BUTTON_OUT_OF_DATE, replyPrivately } from '../reply';

type ButtonBody = BlockAction<ButtonAction>;

function where(body: ButtonBody): 'card' | 'home' | 'dm' {
  if (body.container?.type === 'view') return 'home';
  return body.channel?.id?.startsWith('D') ? 'dm' : 'card';
}

export function registerCardActions(app: SlackRouter, deps: Deps): void {
  const parseValue = (body: ButtonBody) => {
    const parsed = cardValueSchema.safeParse(body.actions[0]?.value ?? '');
    return parsed.success ? parsed.data : null;
  };

  app.action<ButtonBody>(ACTIONS.approve, async ({ ack, body }) => {
    await ack();
    const v = parseValue(body);
    if (!v) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
    // A release that no longer exists surfaces as NotFoundError through the error boundary.
    const res = await approveRelease(deps, { releaseId: v.releaseId, actor: body.user.id, seenRev: v.rev, via: where(body) });
    if (res.kind === 'denied') return replyPrivately(deps, body, approveDenialMessage(res.snapshot, res.denial));
  });

  for (const [actionId, decision] of [
    [ACTIONS.requestChanges, 'request_changes'],
    [ACTIONS.reject, 'reject'],
  ] as const) {
    app.action<ButtonBody>(actionId, async ({ ack, body }) => {
      await ack();
      const v = parseValue(body);
      if (!v) return replyPrivately(deps, body, BUTTON_OUT_OF_DATE);
      const snap = approvalSnapshot(deps, v.releaseId);
      if (!snap) return replyPrivately(deps, body, { text: `${relId(v.releaseId)} no longer exists.` });
      const check = await checkStageDecision(deps, { releaseId: v.releaseId, actor: body.user.id, decision, via: where(body), seenRev: v.rev });
      if (check.denial?.kind === 'stale_view') return replyPrivately(deps, body, staleDecisionMessage(check.release, decision));
      if (check.denial) {
        return replyPrivately(deps, body, stageDenialMessage(snap, check.denial, decision === 'reject' ? 'reject' : 'request changes to'));
      }
      await deps.slack.openView(body.trigger_id, reasonModal(check.release, decision, v.rev));
    });
  }

  app.action<ButtonBody>(ACTIONS.readiness, async ({ ack, body }) => {
    await ack();
    const v = parseValue(body);
    const snap = v ? releaseSnapshot(deps, v.releaseId) : undefined;
    if (!v || !snap) return replyPrivately(deps, body, { text: 'That release no longer exists.' });
    const { release, why } = await checkReadinessUpdate(deps, { releaseId: v.releaseId, actor: body.user.id, via: where(body) });
    if (why) return replyPrivately(deps, body, readinessDenialMessage(release, why));
    await deps.slack.openView(body.trigger_id, readinessModal(snap.release, criteriaFor(deps.db, v.releaseId)));
  });

  app.action<ButtonBody>(ACTIONS.edit, async ({ ack, body }) => {
    await ack();
    const v = parseValue(body);
    if (!v || !releaseSnapshot(deps, v.releaseId)) return replyPrivately(deps, body, { text: 'That release no longer exists.' });
    const { release, allowed } = await checkEdit(deps, v.releaseId, body.user.id, where(body));
    if (!allowed) return replyPrivately(deps, body, editDenialMessage(release));
    await deps.slack.openView(
      body.trigger_id,
      requestModal({
        services: serviceNames(deps.policy),
        meta: { mode: 'edit', channel: body.channel?.id ?? null, releaseId: release.id, rev: release.contentRev },
        release,
        now: deps.now(),
      }),
    );
  });
}
