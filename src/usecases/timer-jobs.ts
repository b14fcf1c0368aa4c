/**
 * What each timer does when it fires. Every handler re-reads the database and acts only if the release still
 * calls for it; every message carries a ledger key, so a retried or duplicated job says nothing twice.
 */
import { DateTime } from 'luxon';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import { getDeploy } from '../db/deploy.repo';
import { criteriaFor, criteriaMap, getRelease, updateRelease } from '../db/release.repo';
import { activeOverride, deployingFor, getOverride, reminderRow, upsertReminder } from '../db/schedule.repo';
import { activeFreeze, formatSlot, isWithinBusinessHours, nextBusinessTime, nextReminderTime, windowOccurrenceAt } from '../domain/calendar';
import { blockingCriteria, isApprovalStage, readinessStage } from '../domain/workflow';
import { CRITERION_LABELS, STATE_PHRASES } from '../domain/types';
import type { JobName, JobPayload } from '../queue/jobs';
import { parsePayload } from '../queue/jobs';
import { announceUnscheduled } from './announce-change';
import { sendDigest } from './digest';
import { SLOT_STARTER, announceDeployStart, onDeployWebhook, onHealthProbe, onMonitorEnd, onRollbackOfferEnd, recordSlotStartInTx } from './deploy';
import { onFreezeEdge } from './freeze';
import { onActionDue, onReviewOpen, onReviewRemind } from './review';
import { esc, escTrunc, mention, relId } from '../slack/format';
import type { SnoozeKey } from '../slack/views/timers.view';
import { announcementText, escalationText, readinessReminderMessage, reminderMessage, windowOpenText } from '../slack/views/timers.view';
import type { Deps } from './deps';
import { expandMembers, membersFor, rulesFor } from './roles';
import { effectiveFreezes } from './slots';
import { loadSnapshot } from './snapshot';
import { pendingApprovers, waitingOn, zoneOf } from './timers';
import { tellUnscheduled, unscheduleInTx } from './unschedule';
import { windowsFor } from './windows';

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
  if (!before || before.scheduledAt !== p.at) return; // rescheduled or cancelled
  if (before.state === 'deploying') {
    // Started by this slot, and a run died before finishing (a retried job, or one the rebuild re-created): finish it.
    // A deploy started another way before the slot (Start deploy, the pipeline's report) needs nothing from the slot.
    const d = getDeploy(deps.db, before.id);
    if (!d || d.startedBy === SLOT_STARTER) await finishSlotStart(deps, before.id, p.at);
    return;
  }
  if (before.state !== 'scheduled') return;
  const zone = deps.policy.timezone;
  const outcome = inTransaction(deps.db, (tx) => {
    const r = getRelease(tx, p.releaseId);
    if (!r || r.state !== 'scheduled' || r.scheduledAt !== p.at) return { kind: 'skip' } as const;
    const overridden = activeOverride(tx, r.id, now) !== undefined;
    const freeze = overridden ? null : activeFreeze(effectiveFreezes(tx, deps.policy, now), r.service, now);
    if (freeze) {
      const updated = unscheduleInTx(tx, r, p.at, 'greenlight', now, { reason: 'freeze', freeze: freeze.reason });
      return { kind: 'frozen', release: updated, reason: freeze.reason } as const;
    }
    const readiness = readinessStage(rulesFor(deps.policy, r.service));
    const blocking = readiness === null ? [] : blockingCriteria(criteriaMap(criteriaFor(tx, r.id)));
    if (readiness !== null && blocking.length) {
      // back to sign-off, the stage that holds readiness (a workflow without it is not held by the criteria)
      const updated = unscheduleInTx(tx, r, p.at, 'greenlight', now, { reason: 'readiness', criteria: blocking }, readiness);
      return { kind: 'unready', release: updated, missing: blocking.map((c) => CRITERION_LABELS[c]).join(', ') } as const;
    }
    const lock = deployingFor(tx, r.service, r.environment, r.id)[0];
    // An automatic start happens inside a deploy window only (an emergency override lifts that for Start deploy
    // alone): a slot missed while Greenlight was down, or one that waited on the deploy lock until its window
    // closed, goes back to scheduling. (A job fired a little early, by a clock behind, counts as at its slot.)
    if (windowOccurrenceAt(windowsFor({ db: tx, policy: deps.policy }, r.environment), zone, Math.max(now, p.at)) === null) {
      const moved = unscheduleInTx(tx, r, p.at, 'greenlight', now, { reason: 'outside_window', ...(lock ? { waited_on: relId(lock.id) } : {}) });
      return { kind: 'missed', release: moved, lockedBy: lock?.id ?? null } as const;
    }
    if (lock) return { kind: 'locked', holder: lock.id } as const;
    const updated = updateRelease(tx, r.id, { state: 'deploying', stateChangedAt: now, updatedAt: now });
    appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'deploy.window_opened', details: { slot: new Date(p.at).toISOString(), override: overridden } });
    recordSlotStartInTx(tx, deps, updated, now);
    return { kind: 'started', release: updated } as const;
  });

  if (outcome.kind === 'skip') return;
  if (outcome.kind === 'locked') {
    await threadOnce(deps, p.releaseId, `slot-locked-${p.releaseId}-${p.at}`, `:lock: The slot is here, but ${relId(outcome.holder)} is still deploying ${before.service} to ${before.environment}. I'll start this one when it finishes.`);
    await deps.timers.add({ name: 'window-start', payload: p, at: now + LOCK_RETRY_MS, round: lockRetryRound(p.at, now + LOCK_RETRY_MS) });
    return;
  }
  if (outcome.kind === 'missed') {
    const env = before.environment;
    const slot = formatSlot(p.at, zone);
    const why = outcome.lockedBy !== null ? ` while ${relId(outcome.lockedBy)} was still deploying` : '';
    tellUnscheduled(deps, [outcome.release], {
      thread: (r) =>
        `:hourglass: The slot (${slot}) passed${why} and ${env} is outside its deploy windows now, so ${relId(r.id)} did not deploy and is back ${STATE_PHRASES.scheduling}. Operations: pick a new slot.`,
      dm: (r) => `:hourglass: ${relId(r.id)} (${r.service}) was not deployed: its slot (${slot}) passed${why} and ${env} is outside its deploy windows now. It is back ${STATE_PHRASES.scheduling}.`,
      dedupeKey: (r, owner) => `slot-missed-${r.id}-${p.at}-${owner}`,
    });
    return;
  }
  if (outcome.kind === 'unready') {
    const r = outcome.release;
    void deps.cards.refresh(r.id);
    await deps.cards.thread(r.id, `:clipboard: The slot is here, but readiness is not met (${outcome.missing}), so ${relId(r.id)} did not deploy and is back ${STATE_PHRASES[r.state]}.`);
    await deps.slack
      .dm(r.requestedBy, { text: `:clipboard: ${relId(r.id)} was not deployed: ${outcome.missing} must be met or waived first.`, dedupeKey: `unready-${r.id}-${p.at}`, releaseId: r.id })
      .catch(() => undefined);
    announceUnscheduled(deps, r.id);
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
    announceUnscheduled(deps, r.id);
    await deps.timers.syncRelease(r.id);
    return;
  }
  await finishSlotStart(deps, p.releaseId, p.at);
}

/** Posts once (ledger key) in a release's card thread. */
async function threadOnce(deps: Deps, releaseId: number, key: string, text: string): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  if (!r?.cardChannel || !r.cardTs) return;
  await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text, dedupeKey: key, releaseId: r.id });
}

/**
 * Everything that follows the slot's move to `deploying`, each step idempotent (a retried job repeats none): the slot
 * messages (thread and operations DMs), then the deploy row if a crash left it missing, the deploy's thread line, the
 * `start` announcement and the webhook timer (`onWindowOpen`). A Slack failure in the first does not hold up the
 * deploy; the job still fails afterwards, so its retry sends what is missing.
 */
async function finishSlotStart(deps: Deps, releaseId: number, at: number): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  if (!r || r.state !== 'deploying') return;
  void deps.cards.refresh(r.id);
  let failed: unknown = null;
  await slotOpenMessages(deps, r.id, at).catch((err: unknown) => {
    failed = err;
  });
  await deps.deployments?.onWindowOpen(r);
  if (failed) throw failed;
}

/** The deploy-window messages: thread and operations DMs. Idempotent through ledger keys. */
async function slotOpenMessages(deps: Deps, releaseId: number, at: number): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  if (!r || !r.cardChannel) return;
  const ops = membersFor(deps, r.service).operations;
  const text = windowOpenText(r, ops);
  if (r.cardTs) await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text, dedupeKey: `window-open-${r.id}-${at}`, releaseId: r.id });
  // (a user group is mentioned in the thread line; its members are not DMed one by one)
  for (const user of ops.filter((u) => !u.startsWith('S'))) {
    await deps.slack.dm(user, { text, dedupeKey: `window-open-dm-${r.id}-${at}-${user}`, releaseId: r.id }).catch(() => undefined);
  }
}

export async function onAnnounce(deps: Deps, p: JobPayload<'announce'>): Promise<void> {
  if (p.offset === 0) return announceDeployStart(deps, p.releaseId); // a deploy's start, re-derived until announced
  const r = getRelease(deps.db, p.releaseId);
  const channel = deps.policy.channels.announcements;
  if (!r || r.state !== 'scheduled' || r.scheduledAt !== p.at || !channel) return;
  if (deps.now() >= p.at) return; // the slot has begun: the start announcement covers it
  // A freeze declared over the slot since it was picked (a Slack freeze unschedules it; one added to the policy file
  // does not until the slot comes): the slot will not be used, so it is not announced.
  if (!activeOverride(deps.db, r.id, p.at) && activeFreeze(effectiveFreezes(deps.db, deps.policy, deps.now()), r.service, p.at)) return;
  await deps.slack.post({
    channel,
    text: announcementText(r, 'before', p.at, deps.policy.timezone, p.offset),
    dedupeKey: `announce-${r.id}-${p.offset}-${p.at}`,
    releaseId: r.id,
  });
}

export async function onReminder(deps: Deps, p: JobPayload<'reminder'>): Promise<void> {
  const snap = loadSnapshot(deps.db, deps.policy, p.releaseId, deps.now());
  if (!snap) return;
  const r = snap.release;
  if (!isApprovalStage(r.state) || r.stateChangedAt !== p.stageOpenedAt) return; // the stage moved on
  const waits = (await waitingOn(deps, snap)).find((w) => w.user === p.userId);
  if (!waits) return; // they approved (or their criteria were settled), or lost the role
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
  const msg = waits.criteria.length ? readinessReminderMessage(r, r.state, waits.criteria, p.stageOpenedAt, round) : reminderMessage(r, r.state, p.stageOpenedAt, round, null);
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
  // User groups are expanded, as for reminders; the requester is not asked to chase their own release.
  const everyone = await expandMembers(deps, membersFor(deps, r.service).release_manager);
  const managers = everyone.filter((u) => u !== r.requestedBy);
  let told = 0;
  for (const rm of managers) {
    try {
      await deps.slack.dm(rm, { text, dedupeKey: `escalate-${r.id}-${p.stageOpenedAt}-${rm}`, releaseId: r.id });
      told += 1;
    } catch (err) {
      deps.logger.warn({ release: r.id, user: rm, err: (err as Error).message }, 'could not DM a release manager the escalation');
    }
  }
  const outcome =
    told > 0
      ? 'Release managers have been told.'
      : managers.length > 0
        ? 'No release manager could be told: the direct messages to them failed.'
        : everyone.length > 0
          ? `No release manager could be told: the only one for ${esc(r.service)} is the requester.`
          : `No release manager could be told: nobody holds the role for ${esc(r.service)}.`;
  if (r.cardChannel && r.cardTs) {
    await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text: `${text} ${outcome}`, dedupeKey: `escalate-thread-${r.id}-${p.stageOpenedAt}`, releaseId: r.id });
  }
}

export async function onOverrideExpire(deps: Deps, p: JobPayload<'override-expire'>): Promise<void> {
  const o = getOverride(deps.db, p.overrideId);
  if (!o || o.expiresAt > deps.now()) return;
  const r = getRelease(deps.db, p.releaseId);
  if (!r) return;
  // Freezes only matter again to a release that has yet to deploy or is deploying; a closed one hears nothing.
  if (r.state !== 'scheduling' && r.state !== 'scheduled' && r.state !== 'deploying') {
    void deps.cards.refresh(r.id);
    return;
  }
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
      case 'freeze-edge':
        return onFreezeEdge(deps, parsePayload(name, payload));
    }
  };
}
