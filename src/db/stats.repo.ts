/**
 * The facts behind release stats, read from the audit trail (and, where the trail names no event, from
 * `releases.state`). Every query is bounded by a period and goes through an index: `audit_action_at_idx`
 * (which releases had events of a kind in the period), `audit_release_idx` (their events), and
 * `releases_state_changed_idx` (releases that reached a final state in the period).
 */
import { and, asc, eq, gte, inArray, isNotNull, lt } from 'drizzle-orm';
import type { DeploymentFact, TimelineEvent } from '../domain/stats';
import type { DbOrTx } from './client';
import { auditEvents, releases } from './schema';

/**
 * Audit actions that carry deployment facts: the deploy capability's names first (`deploy.succeeded`,
 * `deploy.failed`, `monitoring.health_alert`, `monitoring.issue_reported`, `release.rollback_requested`,
 * `release.rolled_back`, `release.released`), then a few alternates so older or imported trails still count.
 * The first event of a kind wins.
 */
export const DEPLOY_ACTIONS = {
  /** The change went live. */
  live: ['deploy.succeeded', 'release.deployed', 'release.monitoring', 'monitoring.started'],
  /** The release was declared released after monitoring (also counts as live when nothing earlier says so). */
  released: ['release.released'],
  failed: ['deploy.failed', 'release.failed'],
  rolledBack: ['release.rolled_back', 'deploy.rolled_back', 'rollback.completed', 'rollback.succeeded'],
  /** The start of time to restore. */
  incident: ['monitoring.health_alert', 'monitoring.issue_reported', 'release.rollback_requested', 'monitoring.alert', 'release.incident', 'rollback.requested'],
  /** The end of time to restore. */
  restored: ['release.rolled_back', 'deploy.rolled_back', 'rollback.completed', 'rollback.succeeded', 'release.restored', 'incident.resolved'],
} as const;

const ALL_DEPLOY_ACTIONS: string[] = [...new Set(Object.values(DEPLOY_ACTIONS).flat())];

/** Actions that open or move through approval stages (see `approvalTurnarounds`). */
export const TIMELINE_ACTIONS = [
  'release.requested',
  'approval.granted',
  'release.edited',
  'criterion.updated',
  'criterion.waived',
  'release.changes_requested',
  'release.rejected',
  'release.cancelled',
  'release.unscheduled',
  'release.scheduled',
  'release.rescheduled',
  'release.state_changed',
];

const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Release ids with at least one event of `actions` in [from, until). */
function releasesWithEvents(db: DbOrTx, actions: readonly string[], from: number, until: number): number[] {
  return db
    .selectDistinct({ id: auditEvents.releaseId })
    .from(auditEvents)
    .where(and(inArray(auditEvents.action, [...actions]), gte(auditEvents.at, from), lt(auditEvents.at, until), isNotNull(auditEvents.releaseId)))
    .all()
    .map((r) => r.id)
    .filter((id): id is number => id !== null);
}

interface ReleaseFactsRow {
  id: number;
  service: string;
  environment: string;
  createdAt: number;
  commitTime: number | null;
  state: string;
  stateChangedAt: number;
}

function releaseRows(db: DbOrTx, ids: readonly number[]): ReleaseFactsRow[] {
  const out: ReleaseFactsRow[] = [];
  for (const part of chunks(ids)) {
    out.push(
      ...db
        .select({
          id: releases.id,
          service: releases.service,
          environment: releases.environment,
          createdAt: releases.createdAt,
          commitTime: releases.commitTime,
          state: releases.state,
          stateChangedAt: releases.stateChangedAt,
        })
        .from(releases)
        .where(inArray(releases.id, part))
        .all(),
    );
  }
  return out;
}

function eventsOf(db: DbOrTx, ids: readonly number[], actions: readonly string[]): Map<number, TimelineEvent[]> {
  const out = new Map<number, TimelineEvent[]>();
  for (const part of chunks(ids)) {
    const rows = db
      .select({ releaseId: auditEvents.releaseId, at: auditEvents.at, actor: auditEvents.actor, action: auditEvents.action, details: auditEvents.details })
      .from(auditEvents)
      .where(and(inArray(auditEvents.releaseId, part), inArray(auditEvents.action, [...actions])))
      .orderBy(asc(auditEvents.releaseId), asc(auditEvents.id))
      .all();
    for (const r of rows) {
      if (r.releaseId === null) continue;
      let list = out.get(r.releaseId);
      if (!list) out.set(r.releaseId, (list = []));
      list.push({ at: r.at, actor: r.actor, action: r.action, details: r.details });
    }
  }
  return out;
}

export interface StatsFilter {
  from: number;
  until: number;
  service: string | null;
  environment: string;
}

/** One fact per release that went live, failed or was rolled back in [from, until). */
export function deploymentFacts(db: DbOrTx, f: StatsFilter): DeploymentFact[] {
  const ids = new Set(releasesWithEvents(db, ALL_DEPLOY_ACTIONS, f.from, f.until));
  const finalStates = ['released', 'failed', 'rolled_back'];
  for (const r of db
    .select({ id: releases.id })
    .from(releases)
    .where(and(inArray(releases.state, finalStates), gte(releases.stateChangedAt, f.from), lt(releases.stateChangedAt, f.until)))
    .all()) {
    ids.add(r.id);
  }
  const rows = releaseRows(db, [...ids]).filter((r) => r.environment === f.environment && (f.service === null || r.service === f.service));
  const events = eventsOf(
    db,
    rows.map((r) => r.id),
    ALL_DEPLOY_ACTIONS,
  );
  return rows.map((r) => {
    const list = events.get(r.id) ?? [];
    const first = (names: readonly string[], after = -Infinity): number | null => list.find((e) => names.includes(e.action) && e.at >= after)?.at ?? null;
    let failedAt = first(DEPLOY_ACTIONS.failed);
    let rolledBackAt = first(DEPLOY_ACTIONS.rolledBack);
    if (failedAt === null && r.state === 'failed') failedAt = r.stateChangedAt;
    if (rolledBackAt === null && r.state === 'rolled_back') rolledBackAt = r.stateChangedAt;
    let deployedAt = first(DEPLOY_ACTIONS.live) ?? first(DEPLOY_ACTIONS.released);
    if (deployedAt === null && r.state === 'released') deployedAt = r.stateChangedAt;
    // A rollback means the change was live before it, unless its deploy failed: then it never went live, and it counts
    // as a failed attempt only (change failure rate), not as a deployment (frequency, lead time).
    if (deployedAt === null && rolledBackAt !== null && failedAt === null) deployedAt = rolledBackAt;
    // Trouble starts at the first alert or the failed deploy, whichever came first: a rollback requested after a
    // failed deploy is the response to it, not its start (else a manual Roll back after Mark failed restores in ~0m).
    const alertAt = first(DEPLOY_ACTIONS.incident);
    const incidentAt = alertAt !== null && failedAt !== null ? Math.min(alertAt, failedAt) : (alertAt ?? failedAt);
    const restoredAt = first(DEPLOY_ACTIONS.restored, incidentAt ?? -Infinity);
    return { releaseId: r.id, service: r.service, requestedAt: r.createdAt, commitTime: r.commitTime, deployedAt, failedAt, rolledBackAt, incidentAt, restoredAt };
  });
}

/** The stage timeline (events in order) of every release with an approval in [from, until). */
export function approvalTimelines(db: DbOrTx, f: Omit<StatsFilter, 'environment'>): { releaseId: number; events: TimelineEvent[] }[] {
  const ids = releasesWithEvents(db, ['approval.granted'], f.from, f.until);
  const wanted = f.service === null ? ids : releaseRows(db, ids).filter((r) => r.service === f.service).map((r) => r.id);
  const events = eventsOf(db, wanted, TIMELINE_ACTIONS);
  return wanted.map((releaseId) => ({ releaseId, events: events.get(releaseId) ?? [] }));
}

/** Whether any release names `service` (through `releases_service_env_idx`): stats can be asked of it. */
export function serviceHasReleases(db: DbOrTx, service: string): boolean {
  return db.select({ id: releases.id }).from(releases).where(eq(releases.service, service)).limit(1).get() !== undefined;
}

/** Services named by releases, alphabetically, at most `limit` (a covering scan of `releases_service_env_idx`). */
export function servicesWithReleases(db: DbOrTx, limit: number): string[] {
  return db
    .selectDistinct({ service: releases.service })
    .from(releases)
    .orderBy(asc(releases.service))
    .limit(limit)
    .all()
    .map((r) => r.service);
}
