/**
 * What each timer does when it fires. Every handler re-reads the database and acts only if the release still
 * calls for it; every message carries a ledger key, so a retried or duplicated job says nothing twice.
 */
import { DateTime } from 'luxon';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import { criteriaFor, criteriaMap, getRelease, updateRelease } from '../db/release.repo';
import { activeOverride, deployingFor, getOverride, reminderRow, upsertReminder } from '../db/schedule.repo';
import { activeFreeze, isWithinBusinessHours, nextBusinessTime, nextReminderTime } from '../domain/calendar';
import { formatDuration } from '../config';
import { blockingCriteria, isApprovalStage } from '../domain/workflow';
import { CRITERION_LABELS } from '../domain/types';
import type { JobName, JobPayload } from '../queue/jobs';
import { parsePayload } from '../queue/jobs';
import { sendDigest } from './digest';
import { onDeployWebhook, onHealthProbe, onMonitorEnd, onRollbackOfferEnd } from './deploy';
import { onActionDue, onReviewOpen, onReviewRemind } from './review';
import { escTrunc, mention, relId } from '../slack/format';
import type { SnoozeKey } from '../slack/views/timers.view';
import { announcementText, escalationText, reminderMessage, windowOpenText } from '../slack/views/timers.view';
import type { Deps } from './deps';
import { membersFor } from './roles';
import { effectiveFreezes } from './slots';
import { loadSnapshot } from './snapshot';
import { pendingApprovers, zoneOf } from './timers';

/** How often a release whose slot has come re-checks the deploy lock (see `lockRetryRound`). */
export const LOCK_RETRY_MS = 60_000;

/** The retry round of a slot that has passed: grows with time, so each retry has a new, deterministic job id. */
export function lockRetryRound(slot: number, now: number): number {
  return Math.floor(Math.max(0, now - slot) / LOCK_RETRY_MS) + 1;
}
/** A reminder job may fire this much before its round is due (clock skew between processes). */
const REMINDER_EARLY_MS = 1_000;

export async function onWindowStart(deps: Deps, p: JobPayload<'window-start'>): Promise<void> {
  const now = deps.now();
  const before = getRelease(deps.db, p.releaseId);
  if (!before || before.state !== 'scheduled' || before.scheduledAt !== p.at) {
    // Already started (a retried job) or rescheduled/cancelled: only finish what a crashed run may have left unsaid.
    if (before?.state === 'deploying' && before.scheduledAt === p.at) await announceStart(deps, p.releaseId, p.at);
    return;
  }
  const outcome = inTransaction(deps.db, (tx) => {
    const r = getRelease(tx, p.releaseId);
    if (!r || r.state !== 'scheduled' || r.scheduledAt !== p.at) return { kind: 'skip' } as const;
    const overridden = activeOverride(tx, r.id, now) !== undefined;
    const freeze = overridden ? null : activeFreeze(effectiveFreezes(tx, deps.policy, now), r.service, now);
    if (freeze) {
      const updated = updateRelease(tx, r.id, { state: 'scheduling', stateChangedAt: now, updatedAt: now, scheduledAt: null });
      appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'release.unscheduled', details: { reason: 'freeze', freeze: freeze.reason } });
      return { kind: 'frozen', release: updated, reason: freeze.reason } as const;
    }
    const blocking = blockingCriteria(criteriaMap(criteriaFor(tx, r.id)));
    if (blocking.length) {
      const updated = updateRelease(tx, r.id, { state: 'signoff', stateChangedAt: now, updatedAt: now, scheduledAt: null });
      appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'release.unscheduled', details: { reason: 'readiness', criteria: blocking } });
      return { kind: 'unready', release: updated, missing: blocking.map((c) => CRITERION_LABELS[c]).join(', ') } as const;
    }
    const lock = deployingFor(tx, r.service, r.environment, r.id)[0];
    if (lock) return { kind: 'locked', holder: lock.id } as const;
    const updated = updateRelease(tx, r.id, { state: 'deploying', stateChangedAt: now, updatedAt: now });
    appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'deploy.window_opened', details: { slot: new Date(p.at).toISOString(), override: overridden } });
    return { kind: 'started', release: updated } as const;
  });

  if (outcome.kind === 'skip') return;
  if (outcome.kind === 'locked') {
    await deps.cards.thread(p.releaseId, `:lock: The slot is here, but ${relId(outcome.holder)} is still deploying ${before.service} to ${before.environment}. I'll start this one when it finishes.`);
    await deps.timers.add({ name: 'window-start', payload: p, at: now + LOCK_RETRY_MS, round: lockRetryRound(p.at, now + LOCK_RETRY_MS) });
    return;
  }
  if (outcome.kind === 'unready') {
    const r = outcome.release;
    void deps.cards.refresh(r.id);
    await deps.cards.thread(r.id, `:clipboard: The slot is here, but readiness is not met (${outcome.missing}), so ${relId(r.id)} did not deploy and is back in sign-off.`);
    await deps.slack
      .dm(r.requestedBy, { text: `:clipboard: ${relId(r.id)} was not deployed: ${outcome.missing} must be met or waived first.`, dedupeKey: `unready-${r.id}-${p.at}`, releaseId: r.id })
      .catch(() => undefined);
    await deps.timers.syncRelease(r.id);
    return;
  }
  if (outcome.kind === 'frozen') {
    const r = outcome.release;
    void deps.cards.refresh(r.id);
    await deps.cards.thread(r.id, `:snowflake: The slot fell inside a freeze (${escTrunc(outcome.reason, 300)}), so ${relId(r.id)} is back in scheduling.`);
    await deps.slack
      .dm(r.requestedBy, { text: `:snowflake: ${relId(r.id)} was not deployed: its slot is inside a freeze (${escTrunc(outcome.reason, 300)}). Operations will pick a new slot.`, dedupeKey: `frozen-${r.id}-${p.at}`, releaseId: r.id })
      .catch(() => undefined);
    await deps.timers.syncRelease(r.id);
    return;
  }
  void deps.cards.refresh(p.releaseId);
  await announceStart(deps, p.releaseId, p.at);
  await deps.deployments?.onWindowOpen(outcome.release);
}

/** The deploy-window messages: thread, operations DMs, the announcement. Idempotent through ledger keys. */
async function announceStart(deps: Deps, releaseId: number, at: number): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  if (!r || !r.cardChannel) return;
  const ops = membersFor(deps, r.service).operations;
  const text = windowOpenText(r, ops);
  if (r.cardTs) await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text, dedupeKey: `window-open-${r.id}-${at}`, releaseId: r.id });
  for (const user of ops.filter((u) => !u.startsWith('S'))) {
    await deps.slack.dm(user, { text, dedupeKey: `window-open-dm-${r.id}-${at}-${user}`, releaseId: r.id }).catch(() => undefined);
  }
  const channel = deps.policy.channels.announcements;
  if (channel && deps.policy.announcements.atStart) {
    await deps.slack.post({ channel, text: announcementText(r, 'start', at, deps.policy.timezone), dedupeKey: `announce-${r.id}-start-${at}`, releaseId: r.id });
  }
}

export async function onAnnounce(deps: Deps, p: JobPayload<'announce'>): Promise<void> {
  const r = getRelease(deps.db, p.releaseId);
  const channel = deps.policy.channels.announcements;
  if (!r || r.state !== 'scheduled' || r.scheduledAt !== p.at || !channel) return;
  if (deps.now() >= p.at) return; // the slot has begun: the start announcement covers it
  await deps.slack.post({
    channel,
    text: announcementText(r, 'before', p.at, deps.policy.timezone, formatDuration(p.offset)),
    dedupeKey: `announce-${r.id}-${p.offset}-${p.at}`,
    releaseId: r.id,
  });
}

export async function onReminder(deps: Deps, p: JobPayload<'reminder'>): Promise<void> {
  const snap = loadSnapshot(deps.db, deps.policy, p.releaseId, deps.now());
  if (!snap) return;
  const r = snap.release;
  if (!isApprovalStage(r.state) || r.stateChangedAt !== p.stageOpenedAt) return; // the stage moved on
  if (!(await pendingApprovers(deps, snap)).includes(p.userId)) return; // they approved, or lost the role
  const now = deps.now();
  const row = reminderRow(deps.db, r.id, p.stageOpenedAt, p.userId);
  if (row?.snoozedUntil && row.snoozedUntil > now) return deps.timers.syncRelease(r.id);
  const zone = await zoneOf(deps, p.userId);
  if (!isWithinBusinessHours(now, zone, deps.policy.reminders.businessHours)) return deps.timers.syncRelease(r.id);
  // A job re-delivered after its round was sent (a worker died before marking it done, a stale timer from before
  // a snooze) must not send the next round early: act only once this round is due.
  const rem = deps.policy.reminders;
  const due = nextReminderTime({ stageOpenedAt: p.stageOpenedAt, lastSentAt: row?.lastSentAt ?? null, firstAfter: rem.firstAfter, every: rem.every, zone, hours: rem.businessHours });
  if (due > now + REMINDER_EARLY_MS) return deps.timers.syncRelease(r.id);
  const round = row?.sentCount ?? 0;
  const msg = reminderMessage(r, r.state, p.stageOpenedAt, round, null);
  await deps.slack.dm(p.userId, { ...msg, dedupeKey: `reminder-${r.id}-${p.stageOpenedAt}-${p.userId}-${round}`, releaseId: r.id });
  {
    inTransaction(deps.db, (tx) => {
      const current = reminderRow(tx, r.id, p.stageOpenedAt, p.userId);
      if ((current?.sentCount ?? 0) !== round) return;
      upsertReminder(tx, { releaseId: r.id, stageOpenedAt: p.stageOpenedAt, userId: p.userId, sentCount: round + 1, lastSentAt: now, snoozedUntil: current?.snoozedUntil ?? null });
      appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'reminder.sent', details: { user: p.userId, stage: r.state, round: round + 1 } });
    });
  }
  await deps.timers.syncRelease(r.id);
}

export async function onEscalate(deps: Deps, p: JobPayload<'escalate'>): Promise<void> {
  const snap = loadSnapshot(deps.db, deps.policy, p.releaseId, deps.now());
  if (!snap) return;
  const r = snap.release;
  if (!isApprovalStage(r.state) || r.stateChangedAt !== p.stageOpenedAt) return;
  const waiting = await pendingApprovers(deps, snap);
  const text = escalationText(r, r.state, p.stageOpenedAt, waiting);
  const managers = membersFor(deps, r.service).release_manager.filter((u) => !u.startsWith('S') && u !== r.requestedBy);
  for (const rm of managers) {
    await deps.slack.dm(rm, { text, dedupeKey: `escalate-${r.id}-${p.stageOpenedAt}-${rm}`, releaseId: r.id }).catch(() => undefined);
  }
  if (r.cardChannel && r.cardTs) {
    await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text: `${text} Release managers have been told.`, dedupeKey: `escalate-thread-${r.id}-${p.stageOpenedAt}`, releaseId: r.id });
  }
}

export async function onOverrideExpire(deps: Deps, p: JobPayload<'override-expire'>): Promise<void> {
  const o = getOverride(deps.db, p.overrideId);
  if (!o || o.expiresAt > deps.now()) return;
  const r = getRelease(deps.db, p.releaseId);
  if (!r) return;
  const channel = deps.policy.channels.announcements;
  const text = `:lock: The emergency override for ${relId(r.id)} (granted by ${mention(o.grantedBy)}) has expired; freezes apply to it again.`;
  if (r.cardChannel && r.cardTs) await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text, dedupeKey: `override-expired-${o.id}`, releaseId: r.id });
  if (channel) await deps.slack.post({ channel, text, dedupeKey: `override-expired-announce-${o.id}`, releaseId: r.id });
  void deps.cards.refresh(r.id);
}

/** Snooze a reminder: 1 h, 4 h, or until the next business morning in the person's own zone. */
export async function snoozeReminder(deps: Deps, input: { releaseId: number; stageOpenedAt: number; userId: string; choice: SnoozeKey }): Promise<number> {
  const now = deps.now();
  const zone = await zoneOf(deps, input.userId);
  let until: number;
  if (input.choice === '1h') until = now + 3_600_000;
  else if (input.choice === '4h') until = now + 4 * 3_600_000;
  else until = nextBusinessTime(DateTime.fromMillis(now, { zone }).plus({ days: 1 }).startOf('day').toMillis(), zone, deps.policy.reminders.businessHours);
  inTransaction(deps.db, (tx) => {
    const row = reminderRow(tx, input.releaseId, input.stageOpenedAt, input.userId);
    upsertReminder(tx, {
      releaseId: input.releaseId,
      stageOpenedAt: input.stageOpenedAt,
      userId: input.userId,
      sentCount: row?.sentCount ?? 0,
      lastSentAt: row?.lastSentAt ?? null,
      snoozedUntil: until,
    });
    appendAudit(tx, { at: now, releaseId: input.releaseId, actor: input.userId, action: 'reminder.snoozed', details: { until: new Date(until).toISOString() } });
  });
  await deps.timers.syncRelease(input.releaseId);
  return until;
}

/** Dispatches a fired timer to its handler, parsing the payload with the job's zod schema. */
export function processTimer(deps: Deps) {
  return async (name: JobName, payload: unknown): Promise<void> => {
    switch (name) {
      case 'window-start':
        return onWindowStart(deps, parsePayload(name, payload));
      case 'announce':
        return onAnnounce(deps, parsePayload(name, payload));
      case 'reminder':
        return onReminder(deps, parsePayload(name, payload));
      case 'escalate':
        return onEscalate(deps, parsePayload(name, payload));
      case 'override-expire':
        return onOverrideExpire(deps, parsePayload(name, payload));
      case 'digest':
        return sendDigest(deps);
      case 'deploy-webhook':
        return onDeployWebhook(deps, parsePayload(name, payload));
      case 'health-probe':
        return onHealthProbe(deps, parsePayload(name, payload));
      case 'monitor-end':
        return onMonitorEnd(deps, parsePayload(name, payload));
      case 'rollback-offer-end':
        return onRollbackOfferEnd(deps, parsePayload(name, payload));
      case 'review-open':
        return onReviewOpen(deps, parsePayload(name, payload));
      case 'review-remind':
        return onReviewRemind(deps, parsePayload(name, payload));
      case 'action-due':
        return onActionDue(deps, parsePayload(name, payload));
    }
  };
}
