import { and, asc, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { ApprovalView, CriteriaMap } from '../domain/workflow';
import type { ApprovalStage, Criterion, CriterionStatus, Environment, ReleaseState, Risk, Role } from '../domain/types';
import { CRITERIA } from '../domain/types';
import type { DbOrTx } from './client';
import { prepared } from './prepared';
import { approvals, criteria, processedDeliveries, releases, roleAssignments } from './schema';

export type ReleaseRow = typeof releases.$inferSelect;

export interface Release extends Omit<ReleaseRow, 'state' | 'environment' | 'risk'> {
  state: ReleaseState;
  environment: Environment;
  risk: Risk;
}

export interface ApprovalRecord extends ApprovalView {
  id: number;
  status: 'active' | 'reset';
  resetReason: string | null;
  resetAt: number | null;
  contentRev: number;
}

export interface CriterionRecord {
  criterion: Criterion;
  status: CriterionStatus;
  url: string | null;
  details: string | null;
  updatedBy: string | null;
  updatedAt: number | null;
}

function toRelease(row: ReleaseRow): Release {
  return row as Release;
}

export type NewRelease = Omit<
  typeof releases.$inferInsert,
  'id' | 'state' | 'stateChangedAt' | 'contentRev' | 'updatedAt' | 'cardTs'
> & { state: ReleaseState; environment: Environment; risk: Risk };

export function insertRelease(tx: DbOrTx, input: NewRelease): Release {
  const row = tx
    .insert(releases)
    .values({ ...input, stateChangedAt: input.createdAt, updatedAt: input.createdAt, contentRev: 1 })
    .returning()
    .get();
  tx.insert(criteria)
    .values(CRITERIA.map((c) => ({ releaseId: row.id, criterion: c, status: 'pending' })))
    .run();
  return toRelease(row);
}

const releaseById = prepared((db) => db.select().from(releases).where(eq(releases.id, sql.placeholder('id'))).prepare());

export function getRelease(tx: DbOrTx, id: number): Release | undefined {
  const row = releaseById(tx).get({ id });
  return row ? toRelease(row) : undefined;
}

export function findReleaseByIdempotencyKey(tx: DbOrTx, key: string): Release | undefined {
  const row = tx.select().from(releases).where(eq(releases.idempotencyKey, key)).get();
  return row ? toRelease(row) : undefined;
}

export function updateRelease(tx: DbOrTx, id: number, patch: Partial<typeof releases.$inferInsert>): Release {
  const row = tx.update(releases).set(patch).where(eq(releases.id, id)).returning().get();
  if (!row) throw new Error(`release ${id} vanished during update`);
  return toRelease(row);
}

export function listReleases(
  tx: DbOrTx,
  opts: { states?: readonly ReleaseState[]; requestedBy?: string; service?: string; limit: number; offset?: number },
): Release[] {
  const conds = [];
  if (opts.states) conds.push(inArray(releases.state, [...opts.states]));
  if (opts.requestedBy) conds.push(eq(releases.requestedBy, opts.requestedBy));
  if (opts.service) conds.push(eq(releases.service, opts.service));
  return tx
    .select()
    .from(releases)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(releases.id))
    .limit(opts.limit)
    .offset(opts.offset ?? 0)
    .all()
    .map(toRelease);
}

export function countReleases(tx: DbOrTx, states?: readonly ReleaseState[]): number {
  const row = tx
    .select({ n: sql<number>`count(*)` })
    .from(releases)
    .where(states ? inArray(releases.state, [...states]) : undefined)
    .get();
  return row?.n ?? 0;
}

function toApproval(row: typeof approvals.$inferSelect): ApprovalRecord {
  return {
    id: row.id,
    stage: row.stage as ApprovalStage,
    role: row.role as Role,
    userId: row.userId,
    at: row.createdAt,
    status: row.status === 'reset' ? 'reset' : 'active',
    resetReason: row.resetReason,
    resetAt: row.resetAt,
    contentRev: row.contentRev,
  };
}

const approvalsOf = prepared((db) =>
  db.select().from(approvals).where(eq(approvals.releaseId, sql.placeholder('releaseId'))).orderBy(asc(approvals.id)).prepare(),
);

export function approvalsFor(tx: DbOrTx, releaseId: number): ApprovalRecord[] {
  return approvalsOf(tx).all({ releaseId }).map(toApproval);
}

export function activeApprovals(tx: DbOrTx, releaseId: number): ApprovalRecord[] {
  return approvalsFor(tx, releaseId).filter((a) => a.status === 'active');
}

const approvalInsert = prepared((db) =>
  db
    .insert(approvals)
    .values({
      releaseId: sql.placeholder('releaseId'),
      stage: sql.placeholder('stage'),
      role: sql.placeholder('role'),
      userId: sql.placeholder('userId'),
      contentRev: sql.placeholder('contentRev'),
      createdAt: sql.placeholder('at'),
    })
    .onConflictDoNothing()
    .returning()
    .prepare(),
);

export function insertApproval(
  tx: DbOrTx,
  a: { releaseId: number; stage: ApprovalStage; role: Role; userId: string; contentRev: number; at: number },
): ApprovalRecord | null {
  const row: typeof approvals.$inferSelect | undefined = approvalInsert(tx).get({
    releaseId: a.releaseId,
    stage: a.stage,
    role: a.role,
    userId: a.userId,
    contentRev: a.contentRev,
    at: a.at,
  });
  return row ? toApproval(row) : null;
}

export function resetApproval(tx: DbOrTx, id: number, reason: string, at: number): void {
  tx.update(approvals).set({ status: 'reset', resetReason: reason, resetAt: at }).where(eq(approvals.id, id)).run();
}

const criteriaOf = prepared((db) => db.select().from(criteria).where(eq(criteria.releaseId, sql.placeholder('releaseId'))).prepare());

export function criteriaFor(tx: DbOrTx, releaseId: number): CriterionRecord[] {
  const rows = criteriaOf(tx).all({ releaseId });
  return CRITERIA.map((c) => {
    const row = rows.find((r) => r.criterion === c);
    return {
      criterion: c,
      status: (row?.status ?? 'pending') as CriterionStatus,
      url: row?.url ?? null,
      details: row?.details ?? null,
      updatedBy: row?.updatedBy ?? null,
      updatedAt: row?.updatedAt ?? null,
    };
  });
}

export function criteriaMap(records: readonly CriterionRecord[]): CriteriaMap {
  return Object.fromEntries(records.map((r) => [r.criterion, r.status])) as CriteriaMap;
}

export function setCriterion(
  tx: DbOrTx,
  releaseId: number,
  c: Criterion,
  v: { status: CriterionStatus; url: string | null; details: string | null; updatedBy: string; at: number },
): void {
  tx.update(criteria)
    .set({ status: v.status, url: v.url, details: v.details, updatedBy: v.updatedBy, updatedAt: v.at })
    .where(and(eq(criteria.releaseId, releaseId), eq(criteria.criterion, c)))
    .run();
}

const deliveryInsert = prepared((db) =>
  db
    .insert(processedDeliveries)
    .values({ key: sql.placeholder('key'), at: sql.placeholder('at') })
    .onConflictDoNothing()
    .prepare(),
);

/** Records a Slack delivery; false when it was seen before (a retry or an exact replay). */
export function markDelivery(tx: DbOrTx, key: string, at: number): boolean {
  // One row inserted, or none when the key was already there (`changes` does not count trigger or FK side effects).
  return deliveryInsert(tx).run({ key, at }).changes > 0;
}

/**
 * Forgets deliveries older than `before`. Slack retries within minutes and Bolt refuses signatures older than five
 * minutes, so an hour of memory is enough to drop every retry and replay.
 */
export function pruneDeliveries(tx: DbOrTx, before: number): number {
  return tx.delete(processedDeliveries).where(lt(processedDeliveries.at, before)).run().changes;
}

export type RoleOverrides = Record<string, Partial<Record<Role, string[]>>>;

const allRoleAssignments = prepared((db) => db.select().from(roleAssignments).prepare());

/** Slack-edited role members by scope ('*' = global, else the service name). */
export function roleOverrides(tx: DbOrTx): RoleOverrides {
  const out: RoleOverrides = {};
  for (const row of allRoleAssignments(tx).all()) {
    (out[row.scope] ??= {})[row.role as Role] = row.members;
  }
  return out;
}

export function setRoleMembers(tx: DbOrTx, scope: string, role: Role, members: string[], by: string, at: number): void {
  tx.insert(roleAssignments)
    .values({ scope, role, members, updatedBy: by, updatedAt: at })
    .onConflictDoUpdate({ target: [roleAssignments.scope, roleAssignments.role], set: { members, updatedBy: by, updatedAt: at } })
    .run();
}

/** Releases whose state has pre-deploy timers (approval stages and scheduled), by id after `afterId`. */
export function releasesWithTimers(tx: DbOrTx, afterId: number, limit: number): Release[] {
  return tx
    .select()
    .from(releases)
    .where(and(inArray(releases.state, ['review', 'qa', 'signoff', 'scheduling', 'scheduled']), gt(releases.id, afterId)))
    .orderBy(asc(releases.id))
    .limit(limit)
    .all()
    .map(toRelease);
}
