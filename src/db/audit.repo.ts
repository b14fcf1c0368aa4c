import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from './client';
import { prepared } from './prepared';
import { auditEvents } from './schema';

export interface AuditInput {
  at: number;
  releaseId: number | null;
  actor: string;
  action: string;
  details?: Record<string, unknown>;
}

export type AuditRow = typeof auditEvents.$inferSelect;

export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON (sorted keys) so the hash does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function auditHash(prevHash: string, e: Omit<AuditRow, 'id' | 'prevHash' | 'hash'> & { id: number }): string {
  const body = canonical({ id: e.id, at: e.at, release: e.releaseId, actor: e.actor, action: e.action, details: e.details });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

const lastAuditLink = prepared((db) =>
  db.select({ id: auditEvents.id, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1).prepare(),
);

const auditInsert = prepared((db) =>
  db
    .insert(auditEvents)
    .values({
      id: sql.placeholder('id'),
      at: sql.placeholder('at'),
      releaseId: sql.placeholder('releaseId'),
      actor: sql.placeholder('actor'),
      action: sql.placeholder('action'),
      details: sql.placeholder('details'),
      prevHash: sql.placeholder('prevHash'),
      hash: sql.placeholder('hash'),
    })
    .prepare(),
);

/** Appends one event to the hash chain. Call inside the transaction that made the change. */
export function appendAudit(tx: DbOrTx, input: AuditInput): AuditRow {
  const last = lastAuditLink(tx).get();
  const prevHash = last?.hash ?? GENESIS_HASH;
  const id = (last?.id ?? 0) + 1;
  const details = input.details ?? {};
  const hash = auditHash(prevHash, { id, at: input.at, releaseId: input.releaseId, actor: input.actor, action: input.action, details });
  const row: AuditRow = { id, at: input.at, releaseId: input.releaseId, actor: input.actor, action: input.action, details, prevHash, hash };
  // `details` goes through the column's JSON encoder, as a literal value would; the row is what was written, so it
  // is not read back.
  auditInsert(tx).run(row);
  return row;
}

/** A release's latest `limit` events, oldest first (on a long trail the earliest are the ones left out). */
export function auditForRelease(tx: DbOrTx, releaseId: number, limit = 200): AuditRow[] {
  return tx.select().from(auditEvents).where(eq(auditEvents.releaseId, releaseId)).orderBy(desc(auditEvents.id)).limit(limit).all().reverse();
}

export function auditPage(
  tx: DbOrTx,
  opts: { since?: number; until?: number; releaseId?: number; afterId?: number; limit: number },
): AuditRow[] {
  const conds = [];
  if (opts.since !== undefined) conds.push(gte(auditEvents.at, opts.since));
  if (opts.until !== undefined) conds.push(lt(auditEvents.at, opts.until));
  if (opts.releaseId !== undefined) conds.push(eq(auditEvents.releaseId, opts.releaseId));
  if (opts.afterId !== undefined) conds.push(gte(auditEvents.id, opts.afterId + 1));
  return tx
    .select()
    .from(auditEvents)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(auditEvents.id))
    .limit(opts.limit)
    .all();
}
