/** Deploys, rollbacks and outgoing webhook attempts. */
import { and, asc, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from './client';
import { prepared } from './prepared';
import { deploys, releases, webhookDeliveries } from './schema';

export type DeployRow = typeof deploys.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookType = 'deploy' | 'rollback';

const deployOf = prepared((db) => db.select().from(deploys).where(eq(deploys.releaseId, sql.placeholder('releaseId'))).prepare());

export function getDeploy(tx: DbOrTx, releaseId: number): DeployRow | undefined {
  return deployOf(tx).get({ releaseId });
}

/** Creates the deploy row once; a second start (retry, race) keeps the first. */
export function ensureDeploy(tx: DbOrTx, row: Pick<DeployRow, 'releaseId' | 'service' | 'environment' | 'startedAt' | 'startedBy'> & Partial<Pick<DeployRow, 'startedVia'>>): DeployRow {
  tx.insert(deploys).values(row).onConflictDoNothing().run();
  const got = getDeploy(tx, row.releaseId);
  if (!got) throw new Error(`deploy row of release ${row.releaseId} vanished`);
  return got;
}

export function updateDeploy(tx: DbOrTx, releaseId: number, patch: Partial<typeof deploys.$inferInsert>): DeployRow {
  const row = tx.update(deploys).set(patch).where(eq(deploys.releaseId, releaseId)).returning().get();
  if (!row) throw new Error(`deploy row of release ${releaseId} vanished during update`);
  return row;
}

/** Claims the rollback of a release: true only for the first caller (a double click rolls back once). */
export function claimRollback(tx: DbOrTx, releaseId: number, by: string, at: number): boolean {
  const row = tx
    .update(deploys)
    .set({ rollbackRequestedAt: at, rollbackBy: by })
    .where(and(eq(deploys.releaseId, releaseId), isNull(deploys.rollbackRequestedAt)))
    .returning()
    .get();
  return row !== undefined;
}

/** When a service's rollback last ran to the end (a restore), or null if never. */
export function lastRollbackOf(tx: DbOrTx, service: string): number | null {
  const row = tx
    .select({ at: sql<number | null>`max(${deploys.restoredAt})` })
    .from(deploys)
    .where(and(eq(deploys.service, service), isNotNull(deploys.restoredAt)))
    .get();
  return row?.at ?? null;
}

/** Releases whose post-release work still needs timers (watching, deploying, rollback pending). */
export function liveDeploys(tx: DbOrTx): DeployRow[] {
  return tx
    .select({ d: deploys })
    .from(deploys)
    .innerJoin(releases, eq(releases.id, deploys.releaseId))
    .where(sql`${releases.state} in ('deploying', 'monitoring') or (${deploys.rollbackRequestedAt} is not null and ${deploys.restoredAt} is null)`)
    .orderBy(asc(deploys.releaseId))
    .all()
    .map((r) => r.d);
}

export function recordDelivery(tx: DbOrTx, row: Omit<WebhookDeliveryRow, 'id'>): WebhookDeliveryRow {
  return tx.insert(webhookDeliveries).values(row).returning().get();
}

export function deliveriesFor(tx: DbOrTx, releaseId: number, key?: string): WebhookDeliveryRow[] {
  const cond = key ? and(eq(webhookDeliveries.releaseId, releaseId), eq(webhookDeliveries.key, key)) : eq(webhookDeliveries.releaseId, releaseId);
  return tx.select().from(webhookDeliveries).where(cond).orderBy(asc(webhookDeliveries.id)).all();
}

export function lastDelivery(tx: DbOrTx, releaseId: number, key: string): WebhookDeliveryRow | undefined {
  return tx
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.releaseId, releaseId), eq(webhookDeliveries.key, key)))
    .orderBy(desc(webhookDeliveries.id))
    .get();
}
