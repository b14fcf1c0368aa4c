/** Messages sent by timers: reminders, escalations, announcements, the deploy window opening. */
import type { Release } from '../../db/release.repo';
import { formatSlot } from '../../domain/calendar';
import { STATE_LABELS } from '../../domain/types';
import type { ApprovalStage } from '../../domain/types';
import { esc, escTrunc, mention, mentions, relId, slackDate } from '../format';
import { ACTIONS } from '../ids';
import type { Blocks } from './kit';
import { actions, button, context, section } from './kit';
import { cardValue } from './release-card.view';

export const SNOOZE_ACTION = ACTIONS.snooze;
export const SNOOZE_CHOICES = [
  { key: '1h', label: 'Snooze 1 hour' },
  { key: '4h', label: 'Snooze 4 hours' },
  { key: 'tomorrow', label: 'Snooze until tomorrow' },
] as const;
export type SnoozeKey = (typeof SNOOZE_CHOICES)[number]['key'];

function summary(r: Release): string {
  return `*${relId(r.id)}* · ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment}) — ${escTrunc(r.title, 150)}`;
}

export function reminderMessage(r: Release, stage: ApprovalStage, waitingSince: number, round: number, permalink: string | null): { text: string; blocks: Blocks } {
  const where = permalink ? ` <${permalink}|Open the card>.` : r.cardChannel ? ` The card is in <#${r.cardChannel}>.` : '';
  const text = `:bell: ${relId(r.id)} is waiting on you for *${STATE_LABELS[stage]}* since ${slackDate(waitingSince)}.${where}`;
  return {
    text: `${relId(r.id)} is waiting on your ${STATE_LABELS[stage]} approval`,
    blocks: [
      section(`${text}\n${summary(r)}`),
      actions(`reminder-${r.id}`, [
        button('Approve', ACTIONS.approve, cardValue(r.id, r.contentRev), { style: 'primary' }),
        {
          type: 'static_select',
          action_id: SNOOZE_ACTION,
          placeholder: { type: 'plain_text', text: 'Snooze' },
          options: SNOOZE_CHOICES.map((c) => ({ text: { type: 'plain_text', text: c.label }, value: `${r.id}:${r.stateChangedAt}:${c.key}` })),
        },
      ]),
      context([`Reminder ${round + 1} · Request changes or Reject from the card.`]),
    ],
  };
}

export function escalationText(r: Release, stage: ApprovalStage, waitingSince: number, waitingOn: string[]): string {
  return `:rotating_light: ${relId(r.id)} (${esc(r.service)} ${escTrunc(r.version, 64)}) has waited on *${STATE_LABELS[stage]}* since ${slackDate(waitingSince)}. Still waiting on ${mentions(waitingOn)}.`;
}

export function announcementText(r: Release, kind: 'before' | 'start' | 'done', at: number, zone: string, lead?: string): string {
  const what = `${relId(r.id)} · ${esc(r.service)} \`${escTrunc(r.version, 64)}\` to ${r.environment} — ${escTrunc(r.title, 150)}`;
  if (kind === 'before') return `:mega: In ${lead}: ${what} deploys at ${slackDate(at)} (${formatSlot(at, zone)}).`;
  if (kind === 'start') return `:rocket: Deploying now: ${what}.`;
  return `:white_check_mark: Released: ${what}.`;
}

export function windowOpenText(r: Release, ops: string[]): string {
  return `:rocket: The deploy slot is open. ${mentions(ops)}: deploy ${relId(r.id)} now${r.scheduledBy ? ` (scheduled by ${mention(r.scheduledBy)})` : ''}.`;
}
