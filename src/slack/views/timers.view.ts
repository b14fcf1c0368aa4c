/** Messages sent by timers: reminders, escalations, announcements, the deploy window opening. */
import type { Release } from '../../db/release.repo';
import { formatSlot } from '../../domain/calendar';
import { CRITERION_LABELS, CRITERION_OWNERS, ROLE_LABELS, STATE_LABELS, STATE_PHRASES } from '../../domain/types';
import type { ApprovalStage, ContentField, Criterion, CriterionStatus, ReleaseState } from '../../domain/types';
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
        snoozeSelect(r),
      ]),
      context([`Reminder ${round + 1} · Request changes or Reject from the card.`]),
    ],
  };
}

function snoozeSelect(r: Release) {
  return {
    type: 'static_select' as const,
    action_id: SNOOZE_ACTION,
    placeholder: { type: 'plain_text' as const, text: 'Snooze' },
    options: SNOOZE_CHOICES.map((c) => ({ text: { type: 'plain_text' as const, text: c.label }, value: `${r.id}:${r.stateChangedAt}:${c.key}` })),
  };
}

/**
 * The reminder for a member of a readiness criterion's owner role, while only criteria hold the stage (every approval
 * is in): no Approve button, since their approval is not what it waits on.
 */
export function readinessReminderMessage(
  r: Release,
  stage: ApprovalStage,
  criteria: readonly { criterion: Criterion; status: CriterionStatus }[],
  waitingSince: number,
  round: number,
): { text: string; blocks: Blocks } {
  const where = r.cardChannel ? ` The card is in <#${r.cardChannel}>.` : '';
  const list = criteria.map((c) => `*${CRITERION_LABELS[c.criterion]}* (${c.status}, ${ROLE_LABELS[CRITERION_OWNERS[c.criterion]]})`).join(', ');
  const text = `:bell: ${relId(r.id)} is waiting on you for readiness in *${STATE_LABELS[stage]}* since ${slackDate(waitingSince)}: ${list}.${where}`;
  return {
    text: `${relId(r.id)} is waiting on you for readiness: ${criteria.map((c) => CRITERION_LABELS[c.criterion]).join(', ')}`,
    blocks: [
      section(`${text}\n${summary(r)}`),
      actions(`reminder-${r.id}`, [snoozeSelect(r)]),
      context([`Reminder ${round + 1} · Mark it met or failed with Update readiness on the card; a release manager can waive it.`]),
    ],
  };
}

export function escalationText(r: Release, stage: ApprovalStage, waitingSince: number, waitingOn: string[]): string {
  return `:rotating_light: ${relId(r.id)} (${esc(r.service)} ${escTrunc(r.version, 64)}) has waited on *${STATE_LABELS[stage]}* since ${slackDate(waitingSince)}. Still waiting on ${mentions(waitingOn)}.`;
}

/** A lead time in words: "24 hours", "1 hour", "30 minutes", "2 days", "1 hour 30 minutes". */
export function leadInWords(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const day = 86_400_000;
  if (ms >= 2 * day && ms % day === 0) return unit(ms / day, 'day');
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  const parts = [hours ? unit(hours, 'hour') : '', minutes ? unit(minutes, 'minute') : '', seconds ? unit(seconds, 'second') : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : 'a moment';
}

/**
 * Announcements: `before` a slot (`leadMs` ahead), `start` of a deploy, `deployed` (a deploy reported done before its
 * start could be announced), `done` (released).
 */
export function announcementText(r: Release, kind: 'before' | 'start' | 'deployed' | 'done', at: number, zone: string, leadMs?: number): string {
  const what = `${relId(r.id)} · ${esc(r.service)} \`${escTrunc(r.version, 64)}\` to ${r.environment} — ${escTrunc(r.title, 150)}`;
  if (kind === 'before') return `:mega: In ${leadInWords(leadMs ?? 0)}: ${what} deploys at ${slackDate(at)} (${formatSlot(at, zone)}).`;
  if (kind === 'start') return `:rocket: Deploying now: ${what}.`;
  if (kind === 'deployed') return `:rocket: Deployed: ${what}.`;
  return `:white_check_mark: Released: ${what}.`;
}

/** Why an announced slot is off, as recorded when it was unscheduled. */
export type SlotOffReason =
  | { kind: 'freeze'; freeze: string }
  | { kind: 'windows'; environment: string }
  | { kind: 'missed'; environment: string }
  | { kind: 'readiness'; criterion: Criterion; status: string }
  | { kind: 'edited'; fields: readonly ContentField[] }
  | { kind: 'other' };

/** What became of an announced slot: moved to another, off (back to an earlier stage), or the release closed. */
export type SlotChange =
  | { kind: 'moved'; from: number; to: number }
  | { kind: 'off'; from: number; why: SlotOffReason; state: ReleaseState }
  | { kind: 'closed'; from: number; state: 'cancelled' | 'rejected' };

function offReasonText(why: SlotOffReason): string {
  switch (why.kind) {
    case 'freeze':
      return `a freeze (${escTrunc(why.freeze, 300)}) now covers it`;
    case 'windows':
      return `it is outside the new ${esc(why.environment)} deploy windows`;
    case 'missed':
      return `its slot passed and ${esc(why.environment)} is outside its deploy windows now`;
    case 'readiness':
      return `readiness is not met: ${CRITERION_LABELS[why.criterion]} is marked ${esc(why.status)}`;
    case 'edited':
      return why.fields.length
        ? `the release was edited (${why.fields.map((f) => f.replace('_', ' ')).join(', ')}) and needs approving again`
        : 'the release was edited and needs approving again';
    case 'other':
      return 'it was unscheduled';
  }
}

/**
 * The follow-up in the announcements channel when a slot that was already announced changes: "moved from … to …",
 * "… is off: <why>; it is back in <stage>", or "REL-n was cancelled: its deploy at … is off".
 */
export function slotChangeText(r: Release, change: SlotChange, zone: string): string {
  const when = (at: number) => `${slackDate(at)} (${formatSlot(at, zone)})`;
  const what = `${esc(r.service)} \`${escTrunc(r.version, 64)}\` to ${r.environment}`;
  switch (change.kind) {
    case 'moved':
      return `:arrows_counterclockwise: ${relId(r.id)} (${what}) moved from ${when(change.from)} to ${when(change.to)}.`;
    case 'off':
      return `:no_entry_sign: ${relId(r.id)}'s deploy (${what}) at ${when(change.from)} is off: ${offReasonText(change.why)}; it is back ${STATE_PHRASES[change.state]}.`;
    case 'closed':
      return `:no_entry_sign: ${relId(r.id)} (${what}) was ${STATE_PHRASES[change.state]}: its deploy at ${when(change.from)} is off.`;
  }
}

export function windowOpenText(r: Release, ops: string[]): string {
  return `:rocket: The deploy slot is open. ${mentions(ops)}: deploy ${relId(r.id)} now${r.scheduledBy ? ` (scheduled by ${mention(r.scheduledBy)})` : ''}.`;
}
