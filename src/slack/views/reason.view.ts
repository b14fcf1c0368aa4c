/** The reason modal behind Request changes and Reject. */
import type { ModalView } from '@slack/types';
import type { Release } from '../../db/release.repo';
import { escTrunc, relId } from '../format';
import { CALLBACKS, REASON_FIELD } from '../ids';
import { plain, section } from './kit';

export interface ReasonMeta {
  releaseId: number;
  decision: 'request_changes' | 'reject';
  rev: number;
}

export function reasonModal(release: Release, decision: ReasonMeta['decision']): ModalView {
  const meta: ReasonMeta = { releaseId: release.id, decision, rev: release.contentRev };
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
