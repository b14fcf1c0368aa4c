import { and, asc, eq, gt, gte, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from './client';
import { prepared } from './prepared';
import type { Release } from './release.repo';
import { freezes, overrides, releases, reminders } from './schema';

export type FreezeRow = typeof freezes.$inferSelect;
export type OverrideRow = typeof overrides.$inferSelect;
export type ReminderRow = typeof reminders.$inferSelect;

const slackFreezesEndingAfter = prepared((db) =>
  db
    .select()
    .from(freezes)
    .where(and(gt(freezes.end, sql.placeholder('now')), isNull(freezes.liftedAt)))
    .orderBy(asc(freezes.start))
    .prepare(),
);

/** Freezes declared in Slack that have not ended or been lifted. */
export function currentSlackFreezes(tx: DbOrTx, now: number): FreezeRow[] {
  return slackFreezesEndingAfter(tx).all({ now });
}

export function insertFreeze(tx: DbOrTx, f: Omit<typeof freezes.$inferInsert, 'id'>): FreezeRow {
  return tx.insert(freezes).values(f).returning().get();
}

const firstOverrideExpiringAfter = prepared((db) =>
  db
    .select()
    .from(overrides)
    .where(and(eq(overrides.releaseId, sql.placeholder('releaseId')), gt(overrides.expiresAt, sql.placeholder('at'))))
    .orderBy(asc(overrides.expiresAt))
    .prepare(),
);

export function activeOverride(tx: DbOrTx, releaseId: number, at: number): OverrideRow | undefined {
  return firstOverrideExpiringAfter(tx).get({ releaseId, at });
}

export function overridesFor(tx: DbOrTx, releaseId: number): OverrideRow[] {
  return tx.select().from(overrides).where(eq(overrides.releaseId, releaseId)).orderBy(asc(overrides.id)).all();
}

export function insertOverride(tx: DbOrTx, o: Omit<typeof overrides.$inferInsert, 'id'>): OverrideRow {
  return tx.insert(overrides).values(o).returning().get();
}

export function getOverride(tx: DbOrTx, id: number): OverrideRow | undefined {
  return tx.select().from(overrides).where(eq(overrides.id, id)).get();
}

export function activeOverrides(tx: DbOrTx, now: number): OverrideRow[] {
  return tx.select().from(overrides).where(gt(overrides.expiresAt, now)).all();
}

/** Scheduled releases with a slot in [from, until), optionally of one service and environment. */
export function scheduledBetween(
  tx: DbOrTx,
  from: number,
  until: number,
  filter: { service?: string; environment?: string; excludeId?: number } = {},
): Release[] {
  const conds = [eq(releases.state, 'scheduled'), gte(releases.scheduledAt, from), lt(releases.scheduledAt, until)];
  if (filter.service) conds.push(eq(releases.service, filter.service));
  if (filter.environment) conds.push(eq(releases.environment, filter.environment));
  if (filter.excludeId) conds.push(ne(releases.id, filter.excludeId));
  return tx.select().from(releases).where(and(...conds)).orderBy(asc(releases.scheduledAt)).all() as Release[];
}

/**
 * What `scheduling.max_concurrent_per_window` counts: the deploys of one environment whose slot is in [from, until)
 * (a window occurrence) and that are booked, under way or already shipped from it. A failed or rolled-back deploy
 * frees its place, so the fix can take it.
 */
export const WINDOW_DEPLOY_STATES = ['scheduled', 'deploying', 'monitoring', 'released'] as const;

export function deploysInWindow(tx: DbOrTx, from: number, until: number, filter: { environment: string; excludeId?: number }): Release[] {
  const conds = [
    inArray(releases.state, [...WINDOW_DEPLOY_STATES]),
    gte(releases.scheduledAt, from),
    lt(releases.scheduledAt, until),
    eq(releases.environment, filter.environment),
  ];
  if (filter.excludeId) conds.push(ne(releases.id, filter.excludeId));
  return tx.select().from(releases).where(and(...conds)).orderBy(asc(releases.scheduledAt), asc(releases.id)).all() as Release[];
}

/** Open releases in `states`, of `services` (null: every service), by id: the cards a freeze change concerns. */
export function releasesInStates(tx: DbOrTx, states: readonly string[], services: readonly string[] | null): Release[] {
  const conds = [inArray(releases.state, [...states])];
  if (services) conds.push(inArray(releases.service, [...services]));
  return tx.select().from(releases).where(and(...conds)).orderBy(asc(releases.id)).all() as Release[];
}

/** Releases holding the deploy lock of a service and environment (deploying). */
export function deployingFor(tx: DbOrTx, service: string, environment: string, excludeId?: number): Release[] {
  const conds = [inArray(releases.state, ['deploying']), eq(releases.service, service), eq(releases.environment, environment)];
  if (excludeId) conds.push(ne(releases.id, excludeId));
  return tx.select().from(releases).where(and(...conds)).all() as Release[];
}

const remindersOfStage = prepared((db) =>
  db
    .select()
    .from(reminders)
    .where(and(eq(reminders.releaseId, sql.placeholder('releaseId')), eq(reminders.stageOpenedAt, sql.placeholder('stageOpenedAt'))))
    .prepare(),
);

export function reminderRows(tx: DbOrTx, releaseId: number, stageOpenedAt: number): ReminderRow[] {
  return remindersOfStage(tx).all({ releaseId, stageOpenedAt });
}

const reminderOfUser = prepared((db) =>
  db
    .select()
    .from(reminders)
    .where(
      and(
        eq(reminders.releaseId, sql.placeholder('releaseId')),
        eq(reminders.stageOpenedAt, sql.placeholder('stageOpenedAt')),
        eq(reminders.userId, sql.placeholder('userId')),
      ),
    )
    .prepare(),
);

export function reminderRow(tx: DbOrTx, releaseId: number, stageOpenedAt: number, userId: string): ReminderRow | undefined {
  return reminderOfUser(tx).get({ releaseId, stageOpenedAt, userId });
}

export function upsertReminder(tx: DbOrTx, row: typeof reminders.$inferInsert): void {
  tx.insert(reminders)
    .values(row)
    .onConflictDoUpdate({
      target: [reminders.releaseId, reminders.stageOpenedAt, reminders.userId],
      set: { sentCount: row.sentCount, lastSentAt: row.lastSentAt, snoozedUntil: row.snoozedUntil },
    })
    .run();
}
