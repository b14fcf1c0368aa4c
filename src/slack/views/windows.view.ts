/** `/release windows`: the admins' editor (one line per environment, in the policy syntax) and the announcement. */
import type { ModalView } from '@slack/types';
import type { WindowSpec } from '../../config';
import { WINDOW_TEXT_EXAMPLE, formatWindowSpecText } from '../../config/window-text';
import type { Environment } from '../../domain/types';
import { mention, relId } from '../format';
import type { WindowChange } from '../../usecases/windows';
import { CALLBACKS, WINDOW_FIELDS } from '../ids';
import { plain, section } from './kit';

/** Labels people see, in the order the modal shows them. */
export const WINDOW_ENV_LABELS: readonly (readonly [Environment, string])[] = [
  ['production', 'Production'],
  ['staging', 'Staging'],
];

/** `current`: the windows in force (Slack edits over the file); `file`: greenlight.yml's, shown as a hint. */
export function windowsModal(current: Record<Environment, WindowSpec>, file: Record<Environment, WindowSpec>, zone: string): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACKS.windows,
    title: plain('Deploy windows', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(
        `Times in *${zone}*. A deploy slot (30 minutes, on :00 or :30) must fit inside a window. Scheduled releases whose slot falls outside the new windows go back to scheduling, and their owners are told.`,
      ),
      ...WINDOW_ENV_LABELS.map(([env, label]) => ({
        type: 'input' as const,
        block_id: WINDOW_FIELDS[env],
        label: plain(label),
        hint: plain(`always, never, or days and times like ${WINDOW_TEXT_EXAMPLE} (mon-fri ranges work). In greenlight.yml: ${formatWindowSpecText(file[env])}`),
        element: {
          type: 'plain_text_input' as const,
          action_id: WINDOW_FIELDS[env],
          initial_value: formatWindowSpecText(current[env]),
          max_length: 500,
          placeholder: plain(WINDOW_TEXT_EXAMPLE, 150),
        },
      })),
    ],
  };
}

/** The announcement of an edit (the texts are generated from parsed windows: days, digits and punctuation only). */
export function windowsAnnouncement(changes: readonly WindowChange[], actor: string, zone: string, moved: readonly number[]): string {
  const lines = changes.map((c) => `*${c.environment}*: ${formatWindowSpecText(c.before)} → *${formatWindowSpecText(c.after)}*`);
  const movedText = moved.length ? ` Back in scheduling (their slot is outside the new windows): ${moved.map(relId).join(', ')}.` : '';
  return `:calendar: ${mention(actor)} changed the deploy windows (${zone}): ${lines.join('; ')}.${movedText}`;
}
