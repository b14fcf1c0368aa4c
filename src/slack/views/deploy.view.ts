/** Deploy, monitoring and rollback: card lines and buttons, thread messages, the operations check-in DM. */
import type { Button } from '@slack/types';
import { formatDuration } from '../../config';
import type { Release } from '../../db/release.repo';
import { timeToRestore } from '../../domain/deploy';
import type { WatchOutcome } from '../../domain/deploy';
import type { PostReleaseInfo } from '../../usecases/post-release-info';
import { actorText, esc, escTrunc, mention, mentions, relId, safeLink, slackDate } from '../format';
import { ACTIONS } from '../ids';
import type { Blocks } from './kit';
import { actions, button, context, section } from './kit';

export interface SlackText {
  text: string;
  blocks?: Blocks;
}

/** Button values carry `id:contentRev`, like the card's. */
function valueOf(r: Release): string {
  return `${r.id}:${r.contentRev}`;
}

export function rollBackButton(r: Release, hasWebhook: boolean): Button {
  return button('Roll back', ACTIONS.rollBack, valueOf(r), {
    style: 'danger',
    confirm: {
      title: `Roll back ${relId(r.id)}?`,
      text: hasWebhook
        ? `Greenlight calls the ${escTrunc(r.service, 60)} rollback webhook now. Everyone in the thread is told.`
        : `There is no rollback webhook for ${escTrunc(r.service, 60)}: confirm once you have rolled back by hand following the rollback plan on the card.`,
      confirm: 'Roll back',
    },
  });
}

export function startDeployButton(r: Release, hasWebhook: boolean): Button {
  return button('Start deploy', ACTIONS.startDeploy, valueOf(r), {
    style: 'primary',
    confirm: {
      title: `Start ${relId(r.id)} now?`,
      text: hasWebhook
        ? `Greenlight calls the ${escTrunc(r.service, 60)} deploy webhook for \`${escTrunc(r.version, 60)}\` to ${r.environment} now, ahead of its slot.`
        : `Deploy \`${escTrunc(r.version, 60)}\` to ${r.environment} by hand now, then press Mark deployed or Mark failed.`,
      confirm: 'Start deploy',
    },
  });
}

/** The card's buttons for the deploy states (appended after the approval buttons). */
export function deployButtons(r: Release, info: PostReleaseInfo): Button[] {
  const out: Button[] = [];
  if (r.state === 'scheduled') out.push(startDeployButton(r, info.hasWebhook));
  if (r.state === 'deploying') {
    out.push(button('Mark deployed', ACTIONS.markDeployed, valueOf(r), { style: 'primary' }));
    out.push(button('Mark failed', ACTIONS.markFailed, valueOf(r)));
  }
  // The watch ended without a sign-off: the check-in's buttons are on the card too (a DM can be ignored or go to nobody).
  if (watchAwaitsCheckin(r, info)) {
    out.push(button('All good', ACTIONS.allGood, valueOf(r), { style: 'primary' }));
    out.push(button('Found an issue', ACTIONS.foundIssue, valueOf(r)));
  }
  if (info.rollbackOnCard) out.push(rollBackButton(r, info.hasWebhook));
  return out;
}

/** The watch has ended (the check-in went out) and waits for operations to sign it off; no rollback is under way. */
function watchAwaitsCheckin(r: Release, info: PostReleaseInfo): boolean {
  const d = info.deploy;
  return r.state === 'monitoring' && d !== null && d.checkinAt !== null && d.rollbackRequestedAt === null;
}

/** Who rolled back, as people read it: a Slack user's mention, else the pipeline that reported it (the API's actor). */
function rollbackActorText(actor: string | null): string {
  if (actor && /^[UW][A-Z0-9]+$/.test(actor)) return mention(actor);
  return actor === 'greenlight' ? 'Greenlight' : 'the deploy pipeline';
}

/** Lines for the card about the deploy, the watch, the rollback, the drill warning and the review. */
export function deployCardLines(r: Release, info: PostReleaseInfo, showDrill: boolean): { sections: string[]; notes: string[] } {
  const sections: string[] = [];
  const notes: string[] = [];
  const d = info.deploy;
  if (d) {
    const lines = [`:rocket: Deploy started ${slackDate(d.startedAt)}${/^[UW][A-Z0-9]+$/.test(d.startedBy) ? ` by ${actorText(d.startedBy, '')}` : ''}${d.url ? ` · ${safeLink(d.url, 'deploy')}` : ''}`];
    if (d.succeededAt) lines.push(`:white_check_mark: Deployed ${slackDate(d.succeededAt)}`);
    if (d.failedAt) lines.push(`:x: Deploy failed ${slackDate(d.failedAt)}`);
    if (r.state === 'monitoring' && d.monitoringUntil) {
      const probes = info.hasHealthCheck ? ` · health checks: ${d.probeOk} ok${d.probeFailures > 0 ? `, ${d.probeFailures} failing in a row` : ''}` : '';
      if (watchAwaitsCheckin(r, info)) {
        lines.push(`:satellite_antenna: Watch ended ${slackDate(d.monitoringUntil)}${probes} · waiting for operations to check in: *All good* or *Found an issue*`);
      } else {
        lines.push(`:satellite_antenna: Watching until ${slackDate(d.monitoringUntil)}${probes}`);
      }
    }
    if (d.releasedAt) lines.push(`:white_check_mark: Released ${slackDate(d.releasedAt)}`);
    if (d.rollbackRequestedAt && !d.restoredAt) lines.push(`:rewind: Rollback requested by ${actorText(d.rollbackBy, 'Greenlight')} ${slackDate(d.rollbackRequestedAt)} — in progress`);
    if (d.restoredAt) {
      const ttr = timeToRestore(d);
      lines.push(`:rewind: *Rolled back* by ${rollbackActorText(d.rollbackBy)} ${slackDate(d.restoredAt)}${ttr !== null ? ` · time to restore ${formatDuration(ttr)}` : ''}`);
    }
    sections.push(`*Deploy*\n${lines.join('\n')}`);
  }
  if (info.review?.closedAt) {
    sections.push(`*Post-release review* closed by ${mention(info.review.closedBy ?? '')} ${slackDate(info.review.closedAt)}\n${escTrunc(info.review.summary ?? '', 1500)}`);
  } else if (info.review) {
    notes.push(`:memo: Post-release review open since ${slackDate(info.review.openedAt)}`);
  }
  if (showDrill) {
    const last = info.lastRollbackAt ? slackDate(info.lastRollbackAt) : 'never';
    notes.push(
      info.drillDue
        ? `:warning: The rollback of ${esc(r.service)} has not been exercised for ${formatDuration(info.drillAfter)} (last: ${last}). Consider a rollback drill.`
        : `:rewind: Rollback of ${esc(r.service)} last exercised ${last}`,
    );
  }
  return { sections, notes };
}

export function deployStartedText(r: Release, actor: string, webhook: boolean): string {
  const who = actor.startsWith('U') ? `${mention(actor)} started the deploy` : 'The deploy has started';
  return webhook
    ? `:rocket: ${who} of ${relId(r.id)}: calling the ${esc(r.service)} deploy webhook.`
    : `:rocket: ${who} of ${relId(r.id)}. ${esc(r.service)} has no deploy webhook: deploy \`${escTrunc(r.version, 64)}\` by hand, then press *Mark deployed* or *Mark failed* on the card.`;
}

export function deployReportedText(r: Release, url: string | null): string {
  return `:rocket: The deploy pipeline reports the deploy of ${relId(r.id)} has started${url ? ` (${safeLink(url, 'deploy')})` : ''}.`;
}

/** The pipeline deployed during a freeze, with no emergency override: said where everyone following the release sees it. */
export function deployedInFreezeText(r: Release, freezeReason: string): string {
  return `:warning: The deploy pipeline deployed ${relId(r.id)} during a freeze (${escTrunc(freezeReason, 300)}) without an emergency override. This is recorded, and the post-release review is now required.`;
}

export function webhookOutcomeText(r: Release, type: 'deploy' | 'rollback', ok: boolean, attempts: number, detail: string | null): string {
  const what = type === 'deploy' ? 'deploy' : 'rollback';
  if (ok) return `:satellite: The ${what} webhook of ${esc(r.service)} accepted ${relId(r.id)}${attempts > 1 ? ` after ${attempts} attempts` : ''}.`;
  return type === 'deploy'
    ? `:warning: The deploy webhook of ${esc(r.service)} failed ${attempts} times (${esc(detail ?? 'no answer')}). Deploy ${relId(r.id)} by hand, then press *Mark deployed* or *Mark failed*.`
    : `:warning: The rollback webhook of ${esc(r.service)} failed ${attempts} times (${esc(detail ?? 'no answer')}). Roll ${relId(r.id)} back by hand following the rollback plan, then press *Mark rolled back*.`;
}

export function markRolledBackMessage(r: Release, text: string): SlackText {
  return { text, blocks: [section(text), actions(`rollback-manual-${r.id}`, [button('Mark rolled back', ACTIONS.markRolledBack, valueOf(r), { style: 'danger' })])] };
}

export function monitoringStartedText(r: Release, until: number, healthCheck: string | null, actor: string): string {
  const who = actor.startsWith('U') ? ` (${mention(actor)})` : '';
  return `:satellite_antenna: ${relId(r.id)} is deployed${who}. Watching it until ${slackDate(until)}${healthCheck ? `, probing ${safeLink(healthCheck, 'its health check')}` : ''}.`;
}

/** A failed deploy: rollback is offered at once. */
export function deployFailedMessage(r: Release, actor: string, ops: string[], hasWebhook: boolean): SlackText {
  const who = actor.startsWith('U') ? ` (reported by ${mention(actor)})` : '';
  const text = `:x: The deploy of ${relId(r.id)} failed${who}. ${mentions(ops)}: roll back now if anything changed. Rollback plan: ${escTrunc(r.rollbackPlan, 1500)}`;
  return { text, blocks: [section(text), actions(`deploy-failed-${r.id}`, [rollBackButton(r, hasWebhook)])] };
}

/** Consecutive failed health probes. */
export function healthAlertMessage(r: Release, ops: string[], failures: number, detail: string, hasWebhook: boolean): SlackText {
  const text = `:rotating_light: ${mentions(ops)}: the health check of ${esc(r.service)} failed ${failures} times in a row after ${relId(r.id)} (${esc(detail)}). Roll back?`;
  return { text, blocks: [section(text), actions(`health-alert-${r.id}`, [rollBackButton(r, hasWebhook)])] };
}

export function healthRecoveredText(r: Release): string {
  return `:green_heart: The health check of ${esc(r.service)} answers again after ${relId(r.id)}.`;
}

export function issueReportedMessage(r: Release, actor: string, ops: string[], hasWebhook: boolean, offered: boolean): SlackText {
  const text = `:warning: ${mention(actor)} found an issue with ${relId(r.id)}. ${mentions(ops)}: take a look${offered ? ' and roll back if needed' : ''}.`;
  return offered ? { text, blocks: [section(text), actions(`issue-${r.id}`, [rollBackButton(r, hasWebhook)])] } : { text };
}

/** The check-in DM at the end of the watch. */
export function checkinMessage(r: Release, outcome: WatchOutcome): SlackText {
  const status = {
    healthy: 'Its health checks stayed healthy, so it is now *released*.',
    recovered: 'Its health check *failed during the watch* and answers again. How does it look?',
    failing: 'Its health checks are *failing*.',
    unchecked: 'How does it look?',
  }[outcome];
  const text = `:satellite_antenna: The watch of ${relId(r.id)} (${esc(r.service)} \`${escTrunc(r.version, 64)}\` to ${r.environment}) has ended. ${status}`;
  return {
    text,
    blocks: [
      section(text),
      actions(`checkin-${r.id}`, [button('All good', ACTIONS.allGood, valueOf(r), { style: 'primary' }), button('Found an issue', ACTIONS.foundIssue, valueOf(r), { style: 'danger' })]),
    ],
  };
}

/** In the card's thread when the watch ends without being released on its own: who should sign it off, and how. */
export function watchEndedMessage(r: Release, outcome: WatchOutcome, ops: string[]): SlackText {
  const status = {
    healthy: 'Its health checks stayed healthy.',
    recovered: 'Its health check *failed during the watch*, then recovered.',
    failing: 'Its health checks are *failing*.',
    unchecked: `${esc(r.service)} has no health check.`,
  }[outcome];
  return { text: `:satellite_antenna: The watch of ${relId(r.id)} has ended. ${status} ${mentions(ops)}: check it, then press *All good* or *Found an issue* on the card.` };
}

export function releasedText(r: Release, actor: string): string {
  return `:white_check_mark: ${relId(r.id)} is *released*${actor.startsWith('U') ? ` (${mention(actor)}: all good)` : ' (the watch ended with healthy checks)'}.`;
}

export function rollbackStartedText(r: Release, actor: string): string {
  return `:rewind: ${mention(actor)} is rolling back ${relId(r.id)}: calling the ${esc(r.service)} rollback webhook.`;
}

export function rolledBackText(r: Release, actor: string, ttr: number | null, manual: boolean): string {
  const who = /^[UW][A-Z0-9]+$/.test(actor) ? mention(actor) : `reported by ${rollbackActorText(actor)}`;
  const plan = manual ? ` Rollback plan followed: ${escTrunc(r.rollbackPlan, 1500)}` : '';
  return `:rewind: ${relId(r.id)} is *rolled back* (${who}).${ttr !== null ? ` Time to restore: ${formatDuration(ttr)}.` : ''}${plan}`;
}

export function deployDenialText(why: string): SlackText {
  return { text: `:no_entry_sign: ${why}` };
}

export function contextLine(text: string): Blocks {
  return [context([text])];
}
