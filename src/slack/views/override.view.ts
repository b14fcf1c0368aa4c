/** The emergency override (break-glass) modal. */
import type { ModalView } from '@slack/types';
import type { Release } from '../../db/release.repo';
import { OVERRIDE_HOURS } from '../../usecases/override';
import { esc, escTrunc, relId } from '../format';
import { CALLBACKS, OVERRIDE_FIELDS as F } from '../ids';
import { plain, section } from './kit';

export function overrideModal(release: Release, freezeReason: string | null): ModalView {
  const options = OVERRIDE_HOURS.map((h) => ({ text: plain(`${h} hours`, 75), value: String(h) }));
  return {
    type: 'modal',
    callback_id: CALLBACKS.override,
    private_metadata: JSON.stringify({ releaseId: release.id }),
    title: plain('Emergency override', 24),
    submit: plain('Grant override', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(
        `:rotating_light: Let *${relId(release.id)}* (${esc(release.service)} \`${escTrunc(release.version, 64)}\`) deploy during ${freezeReason ? `the freeze (${escTrunc(freezeReason, 200)})` : 'a freeze'}. It is announced, recorded, and the post-release review becomes mandatory.`,
      ),
      { type: 'input', block_id: F.reason, label: plain('Reason'), element: { type: 'plain_text_input', action_id: F.reason, multiline: true } },
      {
        type: 'input',
        block_id: F.hours,
        label: plain('Lasts for'),
        element: { type: 'static_select', action_id: F.hours, options, initial_option: options[2] ?? options[0] },
      },
    ],
  };
}
