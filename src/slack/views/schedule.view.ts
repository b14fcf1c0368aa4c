/** The schedule modal: the next free slots inside the windows, or any date and time (checked on submit). */
import type { ModalView } from '@slack/types';
import type { Freeze } from '../../config';
import type { Release } from '../../db/release.repo';
import { formatFreezeSpan, formatSlot } from '../../domain/calendar';
import { esc, escTrunc, relId } from '../format';
import { CALLBACKS, SCHEDULE_FIELDS as F } from '../ids';
import { context, plain, section } from './kit';

export interface ScheduleMeta {
  releaseId: number;
  /** The date and time the picker was pre-filled with (the requested time), so a slot picked from the list wins over it. */
  prefilledAt?: number;
}

/** One context line per freeze that applies to the release's service. */
export function freezeNotes(freezes: readonly Freeze[], zone: string): string[] {
  return freezes.map((f) => `:snowflake: Freeze ${formatFreezeSpan(f.start, f.end, zone)}: ${escTrunc(f.reason, 300)}`);
}

export function scheduleModal(release: Release, slots: number[], zone: string, now: number, freezes: readonly Freeze[] = []): ModalView {
  const notes = freezeNotes(freezes, zone);
  const prefilled = release.desiredAt && release.desiredAt > now ? Math.floor(release.desiredAt / 1000) : null;
  const meta: ScheduleMeta = { releaseId: release.id, ...(prefilled !== null ? { prefilledAt: prefilled * 1000 } : {}) };
  const options = slots.map((at) => ({ text: plain(formatSlot(at, zone), 75), value: String(at) }));
  return {
    type: 'modal',
    callback_id: CALLBACKS.schedule,
    private_metadata: JSON.stringify(meta),
    title: plain(`Schedule ${relId(release.id)}`, 24),
    submit: plain('Schedule', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(`*${relId(release.id)}* · ${esc(release.service)} \`${escTrunc(release.version, 64)}\` to *${release.environment}* — ${escTrunc(release.title, 150)}`),
      ...(options.length
        ? [
            {
              type: 'input' as const,
              block_id: F.slot,
              label: plain('Slot'),
              optional: true,
              hint: plain(`Free slots inside the ${release.environment} deploy windows, outside freezes (${zone}).`),
              element: { type: 'static_select' as const, action_id: F.slot, placeholder: plain('Pick a slot', 150), options },
            },
          ]
        : [section(':warning: No free slot in the next 90 days. Pick a date and time below, or ask a release manager about the windows and freezes.')]),
      {
        type: 'input',
        block_id: F.at,
        label: plain('Deploy date and time'),
        optional: true,
        hint: plain('Or any other time: it must be inside a window, outside freezes, on the hour or half hour.'),
        element: { type: 'datetimepicker', action_id: F.at, ...(prefilled !== null ? { initial_date_time: prefilled } : {}) },
      },
      ...(notes.length ? [context(notes)] : []),
    ],
  };
}
