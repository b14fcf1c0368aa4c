/**
 * Deploy, monitoring and rollback: what happens when the slot opens or operations press Start deploy, the deploy
 * webhook and its retries, deployment reports (API and card buttons), the health-check watch and its end, and
 * rollbacks. SQLite is the truth: every timer involved is re-derived from the `deploys` row (post-release-timers.ts).
 */
import { findService } from '../config';
import { inTransaction } from '../db/client';
import type { Tx } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { DeployRow, WebhookType } from '../db/deploy.repo';
import { claimRollback, deliveriesFor, ensureDeploy, getDeploy, recordDelivery, updateDeploy } from '../db/deploy.repo';
import type { Release } from '../db/release.repo';
import { criteriaFor, criteriaMap, getRelease, updateRelease } from '../db/release.repo';
import { activeOverride, deployingFor } from '../db/schedule.repo';
import { activeFreeze, formatSlot, nextWindowOpening, windowOccurrenceAt } from '../domain/calendar';
import type { DeployReport } from '../domain/deploy';
import { decideDeployReport, decideRollback, mayDeploy, mayWatch, probeAlertDue, rollbackOffered, timeToRestore, watchOutcome } from '../domain/deploy';
import { CRITERION_LABELS, STATE_PHRASES } from '../domain/types';
import { blockingCriteria, readinessStage } from '../domain/workflow';
import type { JobPayload } from '../queue/jobs';
import { timerId } from '../queue/jobs';
import type { WebhookPayload } from '../notifier/webhooks';
import { postWebhook, probeHealth } from '../notifier/webhooks';
import { escTrunc, mention, relId } from '../slack/format';
import type { SlackText } from '../slack/views/deploy.view';
import {
  checkinMessage,
  deployFailedMessage,
  deployReportedText,
  deployedInFreezeText,
  deployStartedText,
  healthAlertMessage,
  healthRecoveredText,
  issueReportedMessage,
  markRolledBackMessage,
  monitoringStartedText,
  releasedText,
  rollbackStartedText,
  rolledBackText,
  watchEndedMessage,
  webhookOutcomeText,
} from '../slack/views/deploy.view';
import { announcementText } from '../slack/views/timers.view';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { expandMembers, membersFor, rolesOf, rulesFor } from './roles';
import { effectiveFreezes } from './slots';
import { windowsFor } from './windows';

/** Attempts per webhook delivery (BullMQ retries with exponential backoff in between). */
export const WEBHOOK_ATTEMPTS = 5;

export function deployKey(d: Pick<DeployRow, 'startedAt'>): string {
  return `deploy-${d.startedAt}`;
}
export function rollbackKey(d: Pick<DeployRow, 'rollbackRequestedAt'>): string {
  return `rollback-${d.rollbackRequestedAt ?? 0}`;
}
export function probeTimerId(releaseId: number): string {
  return timerId({ name: 'health-probe', payload: { releaseId }, at: 0 });
}

function service(deps: Pick<Deps, 'policy'>, r: Release) {
  return findService(deps.policy, r.service);
}

function opsOf(deps: Deps, r: Release): string[] {
  return membersFor(deps, r.service).operations;
}

/** Operations members as people to DM: user groups expanded (a group Slack cannot list is skipped, with a warning). */
function opsPeople(deps: Deps, r: Release): Promise<string[]> {
  return expandMembers(deps, opsOf(deps, r));
}

/** Posts once (ledger key) in the release's card thread; never throws. */
async function threadOnce(deps: Deps, releaseId: number, key: string, msg: SlackText): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  if (!r?.cardChannel || !r.cardTs) return;
  try {
    await deps.slack.post({ channel: r.cardChannel, threadTs: r.cardTs, text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}), dedupeKey: key, releaseId: r.id });
  } catch (err) {
    deps.logger.warn({ release: releaseId, err: (err as Error).message }, 'could not post to the release thread');
  }
}

async function stopProbes(deps: Deps, releaseId: number): Promise<void> {
  try {
    await deps.timers.removeRepeating?.(probeTimerId(releaseId));
  } catch (err) {
    deps.logger.warn({ release: releaseId, err: (err as Error).message }, 'could not remove the health-probe scheduler');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Starting the deploy
// ---------------------------------------------------------------------------------------------------------

/** Who a deploy row names when the slot started it (`startedBy`). */
export const SLOT_STARTER = 'greenlight';

/**
 * Inside the transaction that moves `release` (already `deploying`) to its deploy at the slot: the deploy row and
 * `deploy.started`. Nothing if the row exists. In the same transaction as the state move, so no crash can leave a
 * `deploying` release without a deploy (and so without its webhook timer).
 */
export function recordSlotStartInTx(tx: Tx, deps: Pick<Deps, 'policy'>, release: Release, now: number): boolean {
  if (getDeploy(tx, release.id)) return false;
  ensureDeploy(tx, { releaseId: release.id, service: release.service, environment: release.environment, startedAt: release.stateChangedAt, startedBy: SLOT_STARTER });
  appendAudit(tx, { at: now, releaseId: release.id, actor: SLOT_STARTER, action: 'deploy.started', details: { via: 'window', webhook: Boolean(service(deps, release)?.deployWebhook) } });
  return true;
}

/**
 * The seam `onWindowStart` calls once the slot moved the release to `deploying`: idempotent, so a retried slot job or
 * one the timer rebuild re-created finishes a start a crash interrupted (the deploy row if it is missing, the thread
 * line, the announcement, the webhook timer).
 */
export function deploymentsPort(deps: Deps): NonNullable<Deps['deployments']> {
  return {
    onWindowOpen: async (release: Release) => {
      const now = deps.now();
      const ready = inTransaction(deps.db, (tx) => {
        const cur = getRelease(tx, release.id);
        if (!cur || cur.state !== 'deploying') return false;
        recordSlotStartInTx(tx, deps, cur, now);
        return true;
      });
      if (ready) await afterStart(deps, release.id, SLOT_STARTER);
    },
  };
}

async function afterStart(deps: Deps, releaseId: number, actor: string): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  const d = getDeploy(deps.db, releaseId);
  if (!r || !d) return;
  void deps.cards.refresh(r.id);
  await threadOnce(deps, r.id, `deploy-started-${r.id}-${d.startedAt}`, { text: deployStartedText(r, actor, Boolean(service(deps, r)?.deployWebhook)) });
  // (an announcement that fails here is re-derived as a timer by the sync below)
  await announceDeployStart(deps, r.id).catch((err: unknown) => deps.logger.warn({ release: r.id, err: (err as Error).message }, 'could not announce the deploy'));
  await deps.timers.syncRelease(r.id);
}

/** The ledger key of a deploy's `start` announcement: one per deploy, whichever way it started. */
export function startAnnouncementKey(releaseId: number, d: Pick<DeployRow, 'startedAt'>): string {
  return `announce-${releaseId}-start-${d.startedAt}`;
}

/**
 * Whether a deploy's `start` announcement is still to go out: the policy asks for it, the deploy is under way or just
 * succeeded (still watched), and the ledger has no record of it (nor of the slot-keyed one earlier versions sent).
 */
export function startAnnouncementPending(deps: Pick<Deps, 'policy' | 'slack' | 'now'>, r: Release, d: DeployRow): boolean {
  if (!deps.policy.channels.announcements || !deps.policy.announcements.atStart) return false;
  const live = r.state === 'deploying' || (r.state === 'monitoring' && (d.monitoringUntil ?? 0) > deps.now());
  if (!live) return false;
  if (deps.slack.sentByKey(startAnnouncementKey(r.id, d))) return false;
  return r.scheduledAt === null || !deps.slack.sentByKey(`announce-${r.id}-start-${r.scheduledAt}`);
}

/**
 * The `start` announcement, when a deploy actually starts, by any path (the slot, *Start deploy*, the pipeline's
 * `started` or `succeeded` report): once per deploy (ledger key). A deploy reported done before it could be
 * announced is announced as deployed.
 */
export async function announceDeployStart(deps: Deps, releaseId: number): Promise<void> {
  const r = getRelease(deps.db, releaseId);
  const d = getDeploy(deps.db, releaseId);
  const channel = deps.policy.channels.announcements;
  if (!r || !d || !channel || !startAnnouncementPending(deps, r, d)) return;
  const text = announcementText(r, r.state === 'deploying' ? 'start' : 'deployed', d.startedAt, deps.policy.timezone);
  await deps.slack.post({ channel, text, dedupeKey: startAnnouncementKey(r.id, d), releaseId: r.id });
}

export type StartDeployResult =
  | { kind: 'started'; release: Release }
  | { kind: 'denied'; why: string };

/** Why *Start deploy* is refused, as the audit trail records it. */
type StartDenial = 'not_allowed' | 'wrong_state' | 'deploy_in_progress' | 'not_ready' | 'frozen' | 'outside_window';

/** *Start deploy* on a scheduled release (operations; the card asks for confirmation first). */
export async function startDeploy(deps: Deps, input: { releaseId: number; actor: string }): Promise<StartDeployResult> {
  const before = getRelease(deps.db, input.releaseId);
  if (!before) return { kind: 'denied', why: `${relId(input.releaseId)} does not exist.` };
  const deny = (r: Release, reason: StartDenial, why: string): StartDeployResult => {
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'deploy.denied', reason, attempted: 'start', state: r.state, via: 'slack' });
    return { kind: 'denied', why };
  };
  if (!mayDeploy(await rolesOf(deps, before.service, input.actor))) return deny(before, 'not_allowed', `Only operations can start the deploy of ${relId(before.id)}.`);
  const now = deps.now();
  // A refusal found inside the transaction is audited after it, in a transaction of its own.
  type Refused = { kind: 'refused'; release: Release; reason: StartDenial; why: string };
  const outcome = inTransaction(deps.db, (tx): StartDeployResult | Refused => {
    const r = getRelease(tx, input.releaseId);
    const refuse = (release: Release, reason: StartDenial, why: string): Refused => ({ kind: 'refused', release, reason, why });
    if (!r || r.state !== 'scheduled') {
      const why = `${relId(input.releaseId)} is ${STATE_PHRASES[r?.state ?? 'cancelled']}, not scheduled: there is nothing to start.`;
      return r ? refuse(r, 'wrong_state', why) : { kind: 'denied', why };
    }
    const lock = deployingFor(tx, r.service, r.environment, r.id)[0];
    if (lock) return refuse(r, 'deploy_in_progress', `${relId(lock.id)} is still deploying ${r.service} to ${r.environment}; one deploy at a time.`);
    // readiness holds sign-off: a workflow without it is not held by the criteria (as at the slot, timer-jobs.ts)
    const blocking = readinessStage(rulesFor(deps.policy, r.service)) === null ? [] : blockingCriteria(criteriaMap(criteriaFor(tx, r.id)));
    if (blocking.length) return refuse(r, 'not_ready', `${relId(r.id)} is not ready: ${blocking.map((c) => CRITERION_LABELS[c]).join(', ')} must be met or waived first.`);
    const overridden = activeOverride(tx, r.id, now) !== undefined;
    const freeze = overridden ? null : activeFreeze(effectiveFreezes(tx, deps.policy, now), r.service, now);
    if (freeze) return refuse(r, 'frozen', `${r.service} is frozen now (${escTrunc(freeze.reason, 300)}); a release manager can grant an emergency override.`);
    // A release deploys only inside one of its environment's windows; an emergency override lifts that too.
    const windows = windowsFor({ db: tx, policy: deps.policy }, r.environment);
    if (!overridden && windowOccurrenceAt(windows, deps.policy.timezone, now) === null) {
      const opens = nextWindowOpening(windows, deps.policy.timezone, now);
      const when = opens === null ? `no ${r.environment} deploy window opens in the next 90 days` : `the next opens ${formatSlot(opens, deps.policy.timezone)}`;
      return refuse(r, 'outside_window', `${r.environment} is outside its deploy windows now: ${when}. ${relId(r.id)} can start inside one.`);
    }
    const updated = updateRelease(tx, r.id, { state: 'deploying', stateChangedAt: now, updatedAt: now });
    ensureDeploy(tx, { releaseId: r.id, service: r.service, environment: r.environment, startedAt: now, startedBy: input.actor });
    appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'deploy.started', details: { via: 'slack', slot: r.scheduledAt ? new Date(r.scheduledAt).toISOString() : null } });
    return { kind: 'started', release: updated };
  });
  if (outcome.kind === 'refused') return deny(outcome.release, outcome.reason, outcome.why);
  if (outcome.kind === 'started') await afterStart(deps, outcome.release.id, input.actor);
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------

export function webhookPayload(r: Release, type: WebhookType): WebhookPayload {
  return {
    type,
    release: {
      id: relId(r.id),
      service: r.service,
      version: r.version,
      environment: r.environment,
      title: r.title,
      changelog: r.changelog,
      rollback_plan: r.rollbackPlan,
      risk: r.risk,
      requested_by: r.requestedBy,
      links: r.links,
    },
  };
}

/**
 * Whether a webhook delivery is still wanted (the release did not move on) and not finished. A deploy the pipeline
 * reported as started through the API is under way already: calling the deploy webhook would start it twice.
 */
export function webhookPending(r: Release, d: DeployRow, type: WebhookType, key: string, attempts: { ok: boolean }[]): boolean {
  if (attempts.some((a) => a.ok) || attempts.length >= WEBHOOK_ATTEMPTS) return false;
  if (type === 'deploy') {
    return r.state === 'deploying' && d.startedVia !== 'api' && key === deployKey(d) && d.succeededAt === null && d.failedAt === null && d.rollbackRequestedAt === null;
  }
  return d.rollbackRequestedAt !== null && key === rollbackKey(d) && d.restoredAt === null && r.state !== 'rolled_back';
}

/** The recorded attempts of one webhook delivery (`key`), each with whether it succeeded (a 2xx answer). */
export function webhookAttempts(deps: Pick<Deps, 'db'>, releaseId: number, key: string) {
  return deliveriesFor(deps.db, releaseId, key).map((a) => ({ ...a, ok: a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300 }));
}

/** One attempt of a deploy/rollback webhook. Throws on failure so BullMQ retries it with backoff. */
export async function onDeployWebhook(deps: Deps, p: JobPayload<'deploy-webhook'>): Promise<void> {
  const r = getRelease(deps.db, p.releaseId);
  const d = getDeploy(deps.db, p.releaseId);
  const url = r ? service(deps, r)?.deployWebhook : null;
  if (!r || !d || !url) return;
  const prior = webhookAttempts(deps, r.id, p.key);
  if (!webhookPending(r, d, p.type, p.key, prior)) return;
  const attempt = prior.length + 1;
  if (!deps.webhookSecret) deps.logger.warn({ release: r.id }, 'GREENLIGHT_WEBHOOK_SECRET is not set: the webhook goes out unsigned');
  // The signature timestamp is wall-clock time: receivers check it against their own clocks.
  const res = await postWebhook(url, deps.webhookSecret ?? null, `msg_rel${r.id}_${p.key}`, webhookPayload(r, p.type), new Date());
  const now = deps.now();
  inTransaction(deps.db, (tx) => {
    recordDelivery(tx, { releaseId: r.id, type: p.type, key: p.key, attempt, statusCode: res.status, error: res.error, at: now });
    if (res.ok || attempt >= WEBHOOK_ATTEMPTS) {
      appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: res.ok ? 'webhook.delivered' : 'webhook.failed', details: { type: p.type, attempts: attempt, status: res.status, error: res.error } });
    }
  });
  if (res.ok) {
    await threadOnce(deps, r.id, `webhook-ok-${r.id}-${p.key}`, { text: webhookOutcomeText(r, p.type, true, attempt, null) });
    if (p.type === 'rollback') await finishRollback(deps, { releaseId: r.id, actor: d.rollbackBy ?? 'greenlight', via: 'webhook' });
    return;
  }
  if (attempt >= WEBHOOK_ATTEMPTS) {
    const text = webhookOutcomeText(r, p.type, false, attempt, res.error);
    await threadOnce(deps, r.id, `webhook-failed-${r.id}-${p.key}`, p.type === 'rollback' ? markRolledBackMessage(r, text) : { text });
    return;
  }
  throw new Error(`${p.type} webhook attempt ${attempt} for ${relId(r.id)} failed: ${res.error ?? 'unknown'}`);
}

// ---------------------------------------------------------------------------------------------------------
// Deployment reports (API and card buttons)
// ---------------------------------------------------------------------------------------------------------

export type ReportResult =
  | { kind: 'applied'; release: Release; duringFreeze?: string }
  | { kind: 'unchanged'; release: Release }
  | { kind: 'conflict'; release: Release; why: string; reason?: 'wrong_state' | 'deploy_in_progress' }
  | { kind: 'denied'; why: string }
  | { kind: 'not_found' };

/**
 * A deploy report: `started`, `succeeded` (→ monitoring), `failed`, `rolled_back`. Duplicates and late reports
 * change nothing; a report the state cannot take is a conflict. From Slack only operations may report.
 */
export async function reportDeployment(
  deps: Deps,
  input: { releaseId: number; status: DeployReport; url?: string | null; actor: string; via: 'api' | 'slack' },
): Promise<ReportResult> {
  const before = getRelease(deps.db, input.releaseId);
  if (!before) return { kind: 'not_found' };
  if (input.via === 'slack' && !mayDeploy(await rolesOf(deps, before.service, input.actor))) {
    auditDenial(deps, { releaseId: before.id, actor: input.actor, action: 'deploy.denied', reason: 'not_allowed', attempted: input.status, state: before.state, via: input.via });
    return { kind: 'denied', why: `Only operations can mark ${relId(before.id)} ${input.status === 'failed' ? 'failed' : 'deployed'}.` };
  }
  if (input.status === 'rolled_back') {
    const res = await finishRollback(deps, { releaseId: before.id, actor: input.actor, via: input.via });
    return res;
  }
  const now = deps.now();
  const outcome = inTransaction(deps.db, (tx): ReportResult => {
    const r = getRelease(tx, input.releaseId);
    if (!r) return { kind: 'not_found' };
    const decision = decideDeployReport(r.state, input.status);
    if (decision.kind === 'conflict') return { kind: 'conflict', release: r, why: `${relId(r.id)} is ${STATE_PHRASES[r.state]}; it cannot take a "${input.status}" deploy report.`, reason: 'wrong_state' };
    if (decision.kind === 'noop') {
      appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'deploy.report_ignored', details: { status: input.status, state: r.state, via: input.via } });
      return { kind: 'unchanged', release: r };
    }
    const existing = getDeploy(tx, r.id);
    if (decision.to === 'deploying') {
      const lock = deployingFor(tx, r.service, r.environment, r.id)[0];
      if (lock) return { kind: 'conflict', release: r, why: `${relId(lock.id)} is still deploying ${r.service} to ${r.environment}.`, reason: 'deploy_in_progress' };
    }
    // A deploy the pipeline began on its own (this report is the first word of it) is a fact to record, not a request
    // to refuse; if it began during a freeze without an emergency override, that is recorded, said in the thread, and
    // the post-release review becomes mandatory, as an override would have made it.
    const freeze = existing || activeOverride(tx, r.id, now) ? null : activeFreeze(effectiveFreezes(tx, deps.policy, now), r.service, now);
    const duringFreeze = freeze ? { during_freeze: freeze.reason } : {};
    const reviewRequired = freeze ? { reviewRequired: true } : {};
    const d = existing ?? ensureDeploy(tx, { releaseId: r.id, service: r.service, environment: r.environment, startedAt: now, startedBy: input.actor, startedVia: input.via });
    if (input.url) updateDeploy(tx, r.id, { url: input.url });
    let updated: Release;
    if (decision.to === 'deploying') {
      updated = updateRelease(tx, r.id, { state: 'deploying', stateChangedAt: now, updatedAt: now, ...reviewRequired });
      appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'deploy.started', details: { via: input.via, url: input.url ?? null, ...duringFreeze } });
    } else if (decision.to === 'monitoring') {
      updateDeploy(tx, r.id, { succeededAt: now, monitoringUntil: now + deps.policy.monitoring.duration });
      updated = updateRelease(tx, r.id, { state: 'monitoring', stateChangedAt: now, updatedAt: now, ...reviewRequired });
      appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'deploy.succeeded', details: { via: input.via, url: input.url ?? null, watch_until: new Date(now + deps.policy.monitoring.duration).toISOString(), ...duringFreeze } });
    } else {
      updateDeploy(tx, r.id, { failedAt: now, incidentAt: d.incidentAt ?? now });
      updated = updateRelease(tx, r.id, { state: 'failed', stateChangedAt: now, updatedAt: now, reviewRequired: true });
      appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'deploy.failed', details: { via: input.via, url: input.url ?? null, ...duringFreeze } });
    }
    return { kind: 'applied', release: updated, ...(freeze ? { duringFreeze: freeze.reason } : {}) };
  });
  // A click the state cannot take (a stale card, another release's deploy) is a refusal like any other: audited.
  if (outcome.kind === 'conflict' && input.via === 'slack') {
    auditDenial(deps, { releaseId: outcome.release.id, actor: input.actor, action: 'deploy.denied', reason: outcome.reason ?? 'wrong_state', attempted: input.status, state: outcome.release.state, via: input.via });
  }
  if (outcome.kind !== 'applied') return outcome;
  const r = outcome.release;
  const svc = service(deps, r);
  void deps.cards.refresh(r.id);
  const d = getDeploy(deps.db, r.id);
  if (outcome.duringFreeze !== undefined && d) {
    await threadOnce(deps, r.id, `deploy-in-freeze-${r.id}-${d.startedAt}`, { text: deployedInFreezeText(r, outcome.duringFreeze) });
  }
  if (r.state === 'deploying' && d) {
    await threadOnce(deps, r.id, `deploy-started-${r.id}-${d.startedAt}`, { text: deployReportedText(r, input.url ?? null) });
  } else if (r.state === 'monitoring' && d?.monitoringUntil) {
    await threadOnce(deps, r.id, `monitoring-${r.id}-${d.monitoringUntil}`, { text: monitoringStartedText(r, d.monitoringUntil, svc?.healthCheck ?? null, input.actor) });
  } else if (r.state === 'failed') {
    await threadOnce(deps, r.id, `deploy-failed-${r.id}`, deployFailedMessage(r, input.actor, opsOf(deps, r), Boolean(svc?.deployWebhook)));
  }
  await deps.timers.syncRelease(r.id);
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------------------

export async function onHealthProbe(deps: Deps, p: JobPayload<'health-probe'>): Promise<void> {
  const r = getRelease(deps.db, p.releaseId);
  const d = getDeploy(deps.db, p.releaseId);
  const url = r ? service(deps, r)?.healthCheck : null;
  // (a rollback under way ends the watch: its probes stop even if the scheduler outlived the Roll back click)
  if (!r || !d || !url || r.state !== 'monitoring' || d.rollbackRequestedAt !== null) return stopProbes(deps, p.releaseId);
  if (d.monitoringUntil !== null && deps.now() > d.monitoringUntil) return;
  const res = await probeHealth(url, Math.max(500, Math.min(5_000, deps.policy.monitoring.checkEvery)));
  const now = deps.now();
  const change = inTransaction(deps.db, (tx) => {
    const cur = getRelease(tx, r.id);
    const row = getDeploy(tx, r.id);
    if (!cur || !row || cur.state !== 'monitoring' || row.rollbackRequestedAt !== null) return null;
    if (res.ok) {
      updateDeploy(tx, r.id, { probeOk: row.probeOk + 1, probeFailures: 0, alertedAt: null });
      if (row.alertedAt !== null) appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'monitoring.health_recovered', details: { detail: res.detail } });
      return { recoveredFrom: row.alertedAt, alertAt: null, failures: 0, first: row.probeOk === 0 && row.probeFailures === 0 };
    }
    const failures = row.probeFailures + 1;
    const alert = probeAlertDue(failures, row.alertedAt !== null);
    updateDeploy(tx, r.id, { probeFailures: failures, ...(alert ? { alertedAt: now, incidentAt: row.incidentAt ?? now } : {}) });
    if (alert) appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'monitoring.health_alert', details: { failures, detail: res.detail } });
    return { recoveredFrom: null, alertAt: alert ? now : null, failures, first: failures === 1 };
  });
  if (!change) return;
  if (change.alertAt !== null) {
    await threadOnce(deps, r.id, `health-alert-${r.id}-${change.alertAt}`, healthAlertMessage(r, opsOf(deps, r), change.failures, res.detail, Boolean(service(deps, r)?.deployWebhook)));
  }
  if (change.recoveredFrom !== null) await threadOnce(deps, r.id, `health-recovered-${r.id}-${change.recoveredFrom}`, { text: healthRecoveredText(r) });
  if (change.alertAt !== null || change.recoveredFrom !== null || change.first) void deps.cards.refresh(r.id);
}

/** The rollback window closed: the card is re-rendered without Roll back (a click after this is refused anyway). */
export async function onRollbackOfferEnd(deps: Deps, p: JobPayload<'rollback-offer-end'>): Promise<void> {
  const r = getRelease(deps.db, p.releaseId);
  if (!r || r.state !== 'released') return;
  deps.logger.info({ release: r.id }, 'rollback window closed');
  await deps.cards.refresh(r.id);
}

export async function onMonitorEnd(deps: Deps, p: JobPayload<'monitor-end'>): Promise<void> {
  const r = getRelease(deps.db, p.releaseId);
  const d = getDeploy(deps.db, p.releaseId);
  if (!r || !d || r.state !== 'monitoring' || d.monitoringUntil !== p.at) return;
  // A Roll back pressed during the watch (its webhook slow or failed) owns the release now: the watch's end must not
  // release it, nor ask operations to sign it off. The job was queued at deploy success, before the rollback.
  if (d.rollbackRequestedAt !== null) return;
  await stopProbes(deps, r.id);
  const hasHealthCheck = Boolean(service(deps, r)?.healthCheck);
  const outcome = watchOutcome({ hasHealthCheck, probesOk: d.probeOk, consecutiveFailures: d.probeFailures, alerted: d.alertedAt !== null, incident: d.incidentAt !== null });
  const healthy = outcome === 'healthy';
  const now = deps.now();
  const first = inTransaction(deps.db, (tx) => {
    const row = getDeploy(tx, r.id);
    if (!row || row.checkinAt !== null || row.rollbackRequestedAt !== null) return false;
    updateDeploy(tx, r.id, { checkinAt: now });
    appendAudit(tx, { at: now, releaseId: r.id, actor: 'greenlight', action: 'monitoring.ended', details: { healthy, probes_ok: row.probeOk, failing: row.probeFailures } });
    return true;
  });
  if (getDeploy(deps.db, r.id)?.rollbackRequestedAt != null) return; // rolled back in the meantime
  if (healthy) await markReleased(deps, r.id, 'greenlight');
  else {
    // Waiting for a sign-off: the card offers All good / Found an issue now, and the thread says who should press them
    // (a DM can be ignored, and operations may be a user group).
    if (first) void deps.cards.refresh(r.id);
    await threadOnce(deps, r.id, `watch-ended-${r.id}-${p.at}`, watchEndedMessage(r, outcome, opsOf(deps, r)));
  }
  const msg = checkinMessage(r, outcome);
  for (const user of await opsPeople(deps, r)) {
    await deps.slack.dm(user, { text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}), dedupeKey: `checkin-${r.id}-${p.at}-${user}`, releaseId: r.id }).catch(() => undefined);
  }
}

/** monitoring → released; announces `done` when the policy asks for it. */
export async function markReleased(deps: Deps, releaseId: number, actor: string): Promise<boolean> {
  const now = deps.now();
  const done = inTransaction(deps.db, (tx) => {
    const r = getRelease(tx, releaseId);
    if (!r || r.state !== 'monitoring') return null;
    const d = getDeploy(tx, r.id);
    // a rollback under way wins: the release is on its way to rolled_back, never to released
    if (d && d.rollbackRequestedAt !== null) return null;
    const updated = updateRelease(tx, r.id, { state: 'released', stateChangedAt: now, updatedAt: now });
    // Released means any incident of the watch (a recovered alert, an issue reported) was answered: a later rollback's
    // time to restore runs from its own incident (an issue reported after release, or the rollback request), not this one.
    if (d) updateDeploy(tx, r.id, { releasedAt: now, incidentAt: null });
    appendAudit(tx, { at: now, releaseId: r.id, actor, action: 'release.released', details: {} });
    return updated;
  });
  if (!done) return false;
  await stopProbes(deps, releaseId);
  void deps.cards.refresh(releaseId);
  await threadOnce(deps, releaseId, `released-${releaseId}`, { text: releasedText(done, actor) });
  const channel = deps.policy.channels.announcements;
  if (channel && deps.policy.announcements.onDone) {
    await deps.slack
      .post({ channel, text: announcementText(done, 'done', now, deps.policy.timezone), dedupeKey: `announce-${releaseId}-done`, releaseId })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'could not announce the release'));
  }
  await deps.timers.syncRelease(releaseId);
  return true;
}

export type CheckinResult = { kind: 'ok'; text: string } | { kind: 'denied'; text: string };

/** A rollback was requested and has not finished (its webhook is slow or failed, or it waits for Mark rolled back). */
function rollbackPending(deps: Deps, r: Release): boolean {
  const d = getDeploy(deps.db, r.id);
  return r.state !== 'rolled_back' && d !== undefined && d.rollbackRequestedAt !== null && d.restoredAt === null;
}

/** "All good" from the check-in DM, or from the card once the watch has ended. */
export async function allGood(deps: Deps, input: { releaseId: number; actor: string }): Promise<CheckinResult> {
  const r = getRelease(deps.db, input.releaseId);
  if (!r) return { kind: 'denied', text: `${relId(input.releaseId)} no longer exists.` };
  const roles = await rolesOf(deps, r.service, input.actor);
  const deny = (release: Release, reason: 'not_allowed' | 'wrong_state' | 'rollback_pending', text: string): CheckinResult => {
    auditDenial(deps, { releaseId: release.id, actor: input.actor, action: 'monitoring.denied', reason, attempted: 'all_good', state: release.state, via: 'slack' });
    return { kind: 'denied', text };
  };
  const rollingBack = (release: Release) =>
    deny(release, 'rollback_pending', `A rollback of ${relId(release.id)} is under way, so it cannot be signed off as released. It becomes rolled back when the rollback is done.`);
  if (!mayWatch(roles)) return deny(r, 'not_allowed', 'Only operations or release managers can sign off the watch.');
  if (rollbackPending(deps, r)) return rollingBack(r);
  if (r.state === 'released') return { kind: 'ok', text: `${relId(r.id)} is already released.` };
  if (r.state !== 'monitoring') return deny(r, 'wrong_state', `${relId(r.id)} is ${STATE_PHRASES[r.state]}; there is no watch to sign off.`);
  if (!(await markReleased(deps, r.id, input.actor))) {
    // something else moved it first: a Roll back, another sign-off, the watch's end
    const cur = getRelease(deps.db, r.id) ?? r;
    if (cur.state === 'released') return { kind: 'ok', text: `${relId(cur.id)} is already released.` };
    if (rollbackPending(deps, cur)) return rollingBack(cur);
    return deny(cur, 'wrong_state', `${relId(cur.id)} is ${STATE_PHRASES[cur.state]}; there is no watch to sign off.`);
  }
  return { kind: 'ok', text: `:white_check_mark: Thanks — ${relId(r.id)} is released.` };
}

/** "Found an issue" from the check-in DM: the thread is told, rollback offered, the review becomes mandatory. */
export async function foundIssue(deps: Deps, input: { releaseId: number; actor: string }): Promise<CheckinResult> {
  const r = getRelease(deps.db, input.releaseId);
  if (!r) return { kind: 'denied', text: `${relId(input.releaseId)} no longer exists.` };
  const roles = await rolesOf(deps, r.service, input.actor);
  const deny = (reason: 'not_allowed' | 'wrong_state', text: string): CheckinResult => {
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'monitoring.denied', reason, attempted: 'found_issue', state: r.state, via: 'slack' });
    return { kind: 'denied', text };
  };
  if (!mayWatch(roles)) return deny('not_allowed', 'Only operations or release managers can report an issue here.');
  if (r.state !== 'monitoring' && r.state !== 'released') {
    return deny('wrong_state', `${relId(r.id)} is ${STATE_PHRASES[r.state]}; an issue is reported while it is watched or after it is released.`);
  }
  const now = deps.now();
  const d = getDeploy(deps.db, r.id);
  const offered = rollbackOffered({ state: r.state, releasedAt: d?.releasedAt ?? null, now, offerFor: deps.policy.rollback.offerFor }) && !d?.rollbackRequestedAt;
  inTransaction(deps.db, (tx) => {
    updateRelease(tx, r.id, { reviewRequired: true, updatedAt: now });
    if (d) updateDeploy(tx, r.id, { incidentAt: d.incidentAt ?? now });
    appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'monitoring.issue_reported', details: { state: r.state } });
  });
  // the review is now required: for a released release that means it opens now, not after review.prompt_after
  await deps.timers.syncRelease(r.id);
  await threadOnce(deps, r.id, `issue-${r.id}-${input.actor}`, issueReportedMessage(r, input.actor, opsOf(deps, r), Boolean(service(deps, r)?.deployWebhook), offered));
  return { kind: 'ok', text: `:warning: Told the ${relId(r.id)} thread${offered ? '; Roll back is there' : ''}.` };
}

// ---------------------------------------------------------------------------------------------------------
// Rollback
// ---------------------------------------------------------------------------------------------------------

export type RollbackResult =
  | { kind: 'started'; release: Release }
  | { kind: 'rolled_back'; release: Release }
  | { kind: 'already'; release: Release; by: string | null }
  | { kind: 'denied'; why: string };

/** *Roll back* (operations or release managers; confirmed in Slack first). Two clicks roll back once. */
export async function rollBack(deps: Deps, input: { releaseId: number; actor: string }): Promise<RollbackResult> {
  const r = getRelease(deps.db, input.releaseId);
  if (!r) return { kind: 'denied', why: `${relId(input.releaseId)} does not exist.` };
  const roles = await rolesOf(deps, r.service, input.actor);
  const now = deps.now();
  const d0 = getDeploy(deps.db, r.id);
  // Under way already: operations hear so; anyone else is refused (and audited) by the rule below, as ever.
  const underWay = Boolean(d0?.rollbackRequestedAt) || r.state === 'rolled_back';
  if (underWay && mayWatch(roles)) return { kind: 'already', release: r, by: d0?.rollbackBy ?? null };
  const decision = decideRollback({ state: r.state, releasedAt: d0?.releasedAt ?? null, now, offerFor: deps.policy.rollback.offerFor }, roles);
  if (decision.kind === 'deny') {
    const why = {
      not_allowed: `Only operations or release managers can roll back ${relId(r.id)}.`,
      wrong_state: `${relId(r.id)} is ${STATE_PHRASES[r.state]}; there is nothing to roll back.`,
      offer_expired: `${relId(r.id)} was released more than the rollback window ago; roll back with a new release.`,
    }[decision.why];
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'rollback.denied', reason: decision.why, attempted: 'roll_back', state: r.state, via: 'slack' });
    return { kind: 'denied', why };
  }
  const hasWebhook = Boolean(service(deps, r)?.deployWebhook);
  const claimed = inTransaction(deps.db, (tx) => {
    const cur = getRelease(tx, r.id);
    if (!cur || !rollbackOffered({ state: cur.state, releasedAt: getDeploy(tx, r.id)?.releasedAt ?? null, now, offerFor: deps.policy.rollback.offerFor })) return false;
    const d = ensureDeploy(tx, { releaseId: r.id, service: r.service, environment: r.environment, startedAt: cur.stateChangedAt, startedBy: 'unknown' });
    if (!claimRollback(tx, r.id, input.actor, now)) return false;
    updateDeploy(tx, r.id, { incidentAt: d.incidentAt ?? now });
    appendAudit(tx, { at: now, releaseId: r.id, actor: input.actor, action: 'release.rollback_requested', details: { state: cur.state, webhook: hasWebhook } });
    return true;
  });
  if (!claimed) {
    const cur = getRelease(deps.db, r.id) ?? r;
    return { kind: 'already', release: cur, by: getDeploy(deps.db, r.id)?.rollbackBy ?? null };
  }
  await stopProbes(deps, r.id);
  if (hasWebhook) {
    void deps.cards.refresh(r.id);
    await threadOnce(deps, r.id, `rollback-started-${r.id}-${now}`, { text: rollbackStartedText(r, input.actor) });
    await deps.timers.syncRelease(r.id);
    return { kind: 'started', release: r };
  }
  const res = await finishRollback(deps, { releaseId: r.id, actor: input.actor, via: 'slack', manual: true });
  return res.kind === 'applied' ? { kind: 'rolled_back', release: res.release } : { kind: 'already', release: r, by: input.actor };
}

function finishRollbackTx(tx: Tx, releaseId: number, actor: string, via: string, now: number): ReportResult {
  const r = getRelease(tx, releaseId);
  if (!r) return { kind: 'not_found' };
  const decision = decideDeployReport(r.state, 'rolled_back');
  if (decision.kind === 'noop') return { kind: 'unchanged', release: r };
  if (decision.kind === 'conflict') return { kind: 'conflict', release: r, why: `${relId(r.id)} is ${STATE_PHRASES[r.state]}; it cannot be rolled back.` };
  const d = ensureDeploy(tx, { releaseId: r.id, service: r.service, environment: r.environment, startedAt: r.stateChangedAt, startedBy: 'unknown' });
  const requestedAt = d.rollbackRequestedAt ?? now;
  const after = updateDeploy(tx, r.id, { rollbackRequestedAt: requestedAt, rollbackBy: d.rollbackBy ?? actor, incidentAt: d.incidentAt ?? requestedAt, restoredAt: now });
  const updated = updateRelease(tx, r.id, { state: 'rolled_back', stateChangedAt: now, updatedAt: now, reviewRequired: true });
  appendAudit(tx, { at: now, releaseId: r.id, actor, action: 'release.rolled_back', details: { via, from: r.state, by: after.rollbackBy, time_to_restore_ms: timeToRestore(after) } });
  return { kind: 'applied', release: updated };
}

/** Marks the release rolled back (webhook accepted, manual rollback confirmed, or the API reported it). */
export async function finishRollback(deps: Deps, input: { releaseId: number; actor: string; via: string; manual?: boolean }): Promise<ReportResult> {
  const now = deps.now();
  const res = inTransaction(deps.db, (tx) => finishRollbackTx(tx, input.releaseId, input.actor, input.via, now));
  if (res.kind !== 'applied') return res;
  const d = getDeploy(deps.db, input.releaseId);
  await stopProbes(deps, input.releaseId);
  void deps.cards.refresh(input.releaseId);
  await threadOnce(deps, input.releaseId, `rolled-back-${input.releaseId}`, { text: rolledBackText(res.release, d?.rollbackBy ?? input.actor, d ? timeToRestore(d) : null, input.manual ?? false) });
  await deps.timers.syncRelease(input.releaseId);
  return res;
}

/** *Mark rolled back* after a failed rollback webhook: the manual rollback is done. */
export async function markRolledBack(deps: Deps, input: { releaseId: number; actor: string }): Promise<{ ok: boolean; text: string }> {
  const r = getRelease(deps.db, input.releaseId);
  if (!r) return { ok: false, text: `${relId(input.releaseId)} no longer exists.` };
  const roles = await rolesOf(deps, r.service, input.actor);
  if (!mayWatch(roles)) {
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'rollback.denied', reason: 'not_allowed', attempted: 'mark_rolled_back', state: r.state, via: 'slack' });
    return { ok: false, text: `Only operations or release managers can mark ${relId(r.id)} rolled back.` };
  }
  const res = await finishRollback(deps, { releaseId: r.id, actor: input.actor, via: 'slack', manual: true });
  if (res.kind === 'applied') return { ok: true, text: `:rewind: ${relId(r.id)} is marked rolled back.` };
  if (res.kind === 'unchanged') return { ok: true, text: `${relId(r.id)} is already rolled back.` };
  if (res.kind === 'conflict') {
    auditDenial(deps, { releaseId: r.id, actor: input.actor, action: 'rollback.denied', reason: 'wrong_state', attempted: 'mark_rolled_back', state: res.release.state, via: 'slack' });
    return { ok: false, text: res.why };
  }
  return { ok: false, text: `${relId(r.id)} no longer exists.` };
}

export function rollbackDenialText(res: Exclude<RollbackResult, { kind: 'started' | 'rolled_back' }>): string {
  if (res.kind === 'denied') return res.why;
  return `A rollback of ${relId(res.release.id)} is already ${res.release.state === 'rolled_back' ? 'done' : 'under way'}${res.by && /^[UW]/.test(res.by) ? ` (started by ${mention(res.by)})` : ''}.`;
}
