/** `/release freeze`: the declare modal, the list of freezes, and the announcement. */
import type { ModalView } from '@slack/types';
import type { Freeze } from '../../config';
import { formatFreezeSpan } from '../../domain/calendar';
import { esc, escTrunc, mention, relId } from '../format';
import { CALLBACKS, FREEZE_FIELDS as F } from '../ids';
import type { Blocks } from './kit';
import { LIMIT, boundedLineSections, context, header, plain, section } from './kit';

export function freezeModal(services: string[], today: string): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACKS.freeze,
    title: plain('Declare a freeze', 24),
    submit: plain('Declare', 24),
    close: plain('Cancel', 24),
    blocks: [
      section('No release deploys during a freeze. Scheduled releases inside it go back to scheduling and their owners are told. A release manager can still grant an emergency override.'),
      { type: 'input', block_id: F.start, label: plain('First day'), element: { type: 'datepicker', action_id: F.start, initial_date: today } },
      { type: 'input', block_id: F.end, label: plain('Last day'), hint: plain('The freeze lasts through the whole of this day (policy time zone).'), element: { type: 'datepicker', action_id: F.end, initial_date: today } },
      { type: 'input', block_id: F.reason, label: plain('Reason'), element: { type: 'plain_text_input', action_id: F.reason, placeholder: plain('Holiday freeze', 150) } },
      {
        type: 'input',
        block_id: F.services,
        label: plain('Services'),
        optional: true,
        hint: plain('Leave empty to freeze every service.'),
        element: {
          type: 'multi_static_select',
          action_id: F.services,
          placeholder: plain('All services', 150),
          options: services.slice(0, 100).map((s) => ({ text: plain(s, 75), value: s })),
        },
      },
    ].filter((b) => b.block_id !== F.services || services.length > 0),
  };
}

function freezeLine(f: Freeze, zone: string): string {
  const scope = f.services ? f.services.map(esc).join(', ') : 'all services';
  return `:snowflake: *${formatFreezeSpan(f.start, f.end, zone)}* — ${escTrunc(f.reason, 300)} _(${scope})_`;
}

const LISTED_FREEZES = 40;

export function freezeListMessage(freezes: Freeze[], zone: string, canDeclare: boolean): { text: string; blocks: Blocks } {
  const lines = freezes.slice(0, LISTED_FREEZES).map((f) => freezeLine(f, zone));
  if (freezes.length > LISTED_FREEZES) lines.push(`_…and ${freezes.length - LISTED_FREEZES} more, starting later._`);
  return {
    text: freezes.length ? `${freezes.length} freeze(s) in force or coming` : 'No freezes in force or coming.',
    blocks: [
      header('Freezes'),
      // cut between lines, never inside a mention or an `&amp;`; the header and the note leave 48 of a message's 50 blocks
      ...(lines.length ? boundedLineSections(lines, LIMIT.messageBlocks - 2) : [section('_No freezes in force or coming._')]),
      context([canDeclare ? '`/release freeze new` declares one.' : 'Admins and release managers declare freezes.']),
    ],
  };
}

/** `/release freeze new` from someone who may not declare freezes (answered privately). */
export function freezeDeclareDeniedMessage(): { text: string } {
  return { text: ':no_entry_sign: Only admins and release managers can declare a freeze. `/release freeze` lists the freezes in force or coming.' };
}

export function freezeAnnouncement(f: Freeze, actor: string, zone: string, moved: number[]): string {
  const scope = f.services ? f.services.map(esc).join(', ') : 'all services';
  const movedText = moved.length ? ` Back in scheduling: ${moved.map(relId).join(', ')}.` : '';
  return `:snowflake: ${mention(actor)} declared a freeze for ${scope}: ${formatFreezeSpan(f.start, f.end, zone)} — ${escTrunc(f.reason, 500)}.${movedText}`;
}
