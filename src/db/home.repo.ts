/**
 * App Home queries. Each reads only what one Home shows (a page plus a count), through an index:
 * `releases_state_changed_idx` (waiting, oldest first), `approvals_one_active_uq` (did I approve this stage),
 * `releases_requested_by_idx` (my releases), `releases_state_scheduled_idx` (upcoming deploys).
 */
import type { SQL } from 'drizzle-orm';
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { ApprovalStage, ReleaseState, Role } from '../domain/types';
import type { DbOrTx } from './client';
import type { Release } from './release.repo';
import { actionItems, releases } from './schema';

/** What the viewer can approve in a group of services: per stage, the roles they hold and each role's high-risk count. */
export interface WaitingScope {
  /** Services of this scope; `null` with `exclude` = every service not named there. */
  services: readonly string[] | null;
  exclude?: readonly string[];
  stages: { stage: ApprovalStage; roles: { role: Role; highRiskCount: number }[] }[];
}

/** A held role still short of approvals at the release's current stage. */
function roleMissing(stage: ApprovalStage, role: Role, highRiskCount: number): SQL {
  const required = Math.max(1, Math.floor(highRiskCount));
  return sql`(SELECT count(*) FROM approvals a WHERE a.release_id = ${releases.id} AND a.stage = ${stage} AND a.role = ${role} AND a.status = 'active') < (CASE WHEN ${releases.risk} = 'high' THEN ${required} ELSE 1 END)`;
}

function waitingCondition(user: string, scopes: readonly WaitingScope[]): SQL | undefined {
  const clauses: SQL[] = [];
  for (const scope of scopes) {
    const serviceCond =
      scope.services !== null
        ? scope.services.length > 0
          ? inArray(releases.service, [...scope.services])
          : undefined
        : scope.exclude && scope.exclude.length > 0
          ? notInArray(releases.service, [...scope.exclude])
          : sql`1 = 1`;
    if (!serviceCond) continue;
    for (const s of scope.stages) {
      if (s.roles.length === 0) continue;
      // Scheduling completes only when a slot is picked: it waits on operations until then, approved or not.
      const clause =
        s.stage === 'scheduling'
          ? and(serviceCond, eq(releases.state, s.stage))
          : and(
              serviceCond,
              eq(releases.state, s.stage),
              or(...s.roles.map((r) => roleMissing(s.stage, r.role, r.highRiskCount))),
              sql`NOT EXISTS (SELECT 1 FROM approvals m WHERE m.release_id = ${releases.id} AND m.stage = ${releases.state} AND m.user_id = ${user} AND m.status = 'active')`,
            );
      if (clause) clauses.push(clause);
    }
  }
  if (clauses.length === 0) return undefined;
  return and(ne(releases.requestedBy, user), or(...clauses));
}

/** Releases whose current stage waits on `user`, oldest stage first, and how many there are in all. */
export function waitingOn(db: DbOrTx, user: string, scopes: readonly WaitingScope[], limit: number): { releases: Release[]; total: number } {
  const cond = waitingCondition(user, scopes);
  if (!cond) return { releases: [], total: 0 };
  const rows = db.select().from(releases).where(cond).orderBy(asc(releases.stateChangedAt), asc(releases.id)).limit(limit).all() as Release[];
  const total = rows.length < limit ? rows.length : (db.select({ n: count() }).from(releases).where(cond).get()?.n ?? 0);
  return { releases: rows, total };
}

/** A person's releases in `states`, newest first, and how many there are. */
export function releasesOf(db: DbOrTx, user: string, states: readonly ReleaseState[], limit: number): { releases: Release[]; total: number } {
  const cond = and(eq(releases.requestedBy, user), inArray(releases.state, [...states]));
  const rows = db.select().from(releases).where(cond).orderBy(desc(releases.createdAt), desc(releases.id)).limit(limit).all() as Release[];
  const total = rows.length < limit ? rows.length : (db.select({ n: count() }).from(releases).where(cond).get()?.n ?? 0);
  return { releases: rows, total };
}

/** Deploys booked in [from, until), soonest first, and how many there are. */
export function upcomingDeploys(db: DbOrTx, from: number, until: number, limit: number): { releases: Release[]; total: number } {
  const cond = and(eq(releases.state, 'scheduled'), gte(releases.scheduledAt, from), lt(releases.scheduledAt, until));
  const rows = db.select().from(releases).where(cond).orderBy(asc(releases.scheduledAt), asc(releases.id)).limit(limit).all() as Release[];
  const total = rows.length < limit ? rows.length : (db.select({ n: count() }).from(releases).where(cond).get()?.n ?? 0);
  return { releases: rows, total };
}

/** Deploys under way now (deploying or monitoring). */
export function liveNow(db: DbOrTx, limit: number): Release[] {
  return db
    .select()
    .from(releases)
    .where(inArray(releases.state, ['deploying', 'monitoring']))
    .orderBy(asc(releases.stateChangedAt))
    .limit(limit)
    .all() as Release[];
}

export interface OpenReviewItem {
  id: number;
  releaseId: number;
  text: string;
  dueAt: number;
}

/**
 * The post-release review seam: a person's open review action items (the review capability owns the table).
 * Soonest due first.
 */
export function openReviewItemsOf(db: DbOrTx, user: string, limit: number): { items: OpenReviewItem[]; total: number } {
  const cond = and(eq(actionItems.owner, user), isNull(actionItems.doneAt));
  const items = db
    .select({ id: actionItems.id, releaseId: actionItems.releaseId, text: actionItems.text, dueAt: actionItems.dueAt })
    .from(actionItems)
    .where(cond)
    .orderBy(asc(actionItems.dueAt), asc(actionItems.id))
    .limit(limit)
    .all();
  const total = items.length < limit ? items.length : (db.select({ n: count() }).from(actionItems).where(cond).get()?.n ?? 0);
  return { items, total };
}
