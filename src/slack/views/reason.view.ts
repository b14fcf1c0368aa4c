/** The reason modal behind Request changes and Reject. */
import type { ModalView } from '@slack/types';
import type { Release } from '../../db/release.repo';
import type { ReleaseState } from '../../domain/types';
import { CRITERIA, CRITERION_LABELS, CRITERION_OWNERS, ROLE_LABELS, STATE_LABELS } from '../../domain/types';
import { escTrunc, relId } from '../format';
import { CALLBACKS, REASON_FIELD } from '../ids';
import { plain, section } from './kit';

export interface ReasonMeta {
  releaseId: number;
  decision: 'request_changes' | 'reject';
  rev: number;
}

/** `seenRev`: the revision on the card that was clicked, so a form opened from it is decided on that content. */
export function reasonModal(release: Release, decision: ReasonMeta['decision'], seenRev: number = release.contentRev): ModalView {
  const meta: ReasonMeta = { releaseId: release.id, decision, rev: seenRev };
  const reject = decision === 'reject';
  return {
    type: 'modal',
    callback_id: CALLBACKS.reason,
    private_metadata: JSON.stringify(meta),
    title: plain(reject ? `Reject ${relId(release.id)}` : 'Request changes', 24),
    submit: plain(reject ? 'Reject' : 'Request changes', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(`*${relId(release.id)}* · ${escTrunc(release.service, 64)} \`${escTrunc(release.version, 64)}\` — ${escTrunc(release.title, 150)}`),
      {
        type: 'input',
        block_id: REASON_FIELD,
        label: plain('Reason'),
        hint: plain(reject ? 'The requester and the thread see this. A rejected release will not ship.' : 'What needs to change. The requester gets this and can edit the release.'),
        element: { type: 'plain_text_input', action_id: REASON_FIELD, multiline: true },
      },
    ],
  };
}

/** Request changes or Reject clicked on a card older than the release's content: the answer Approve gives then. */
export function staleDecisionMessage(release: Pick<Release, 'id'>, decision: ReasonMeta['decision']): { text: string } {
  const again = decision === 'reject' ? 'reject it' : 'request changes';
  return { text: `:arrows_counterclockwise: ${relId(release.id)} was edited after this card was shown to you. Read the updated card, then ${again} again.` };
}

/** *Update readiness* clicked by someone who may set no criterion, or on a release past readiness. */
export function readinessDenialMessage(release: Pick<Release, 'id'> & { state: ReleaseState }, why: 'closed' | 'not_owner'): { text: string } {
  const id = relId(release.id);
  if (why === 'closed') return { text: `${id} is *${STATE_LABELS[release.state]}*; its readiness can no longer change.` };
  const owners = CRITERIA.map((c) => `${ROLE_LABELS[CRITERION_OWNERS[c]]} (${CRITERION_LABELS[c]})`).join(', ');
  return { text: `:no_entry_sign: Only a criterion's owner or a release manager can update the readiness of ${id}: ${owners}. You hold none of those roles for this release.` };
}
