/** Post-release reviews: the review thread, each person's answers, and their action items. */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from './client';
import { prepared } from './prepared';
import { actionItems, reviewAnswers, reviews } from './schema';

export type ReviewRow = typeof reviews.$inferSelect;
export type ReviewAnswerRow = typeof reviewAnswers.$inferSelect;
export type ActionItemRow = typeof actionItems.$inferSelect;

const reviewOf = prepared((db) => db.select().from(reviews).where(eq(reviews.releaseId, sql.placeholder('releaseId'))).prepare());

export function getReview(tx: DbOrTx, releaseId: number): ReviewRow | undefined {
  return reviewOf(tx).get({ releaseId });
}

/** Opens the review once: false when it already exists. */
export function insertReview(tx: DbOrTx, row: Pick<ReviewRow, 'releaseId' | 'channel' | 'openedAt' | 'participants'>): boolean {
  return tx.insert(reviews).values(row).onConflictDoNothing().returning().get() !== undefined;
}

export function updateReview(tx: DbOrTx, releaseId: number, patch: Partial<typeof reviews.$inferInsert>): void {
  tx.update(reviews).set(patch).where(eq(reviews.releaseId, releaseId)).run();
}

/** Closes the review once: false when someone closed it first. */
export function closeReviewRow(tx: DbOrTx, releaseId: number, by: string, summary: string, at: number): boolean {
  return (
    tx
      .update(reviews)
      .set({ closedAt: at, closedBy: by, summary })
      .where(and(eq(reviews.releaseId, releaseId), isNull(reviews.closedAt)))
      .returning()
      .get() !== undefined
  );
}

/** Reviews not yet reminded or closed (for re-deriving their timers). */
export function openReviews(tx: DbOrTx): ReviewRow[] {
  return tx.select().from(reviews).where(isNull(reviews.closedAt)).all();
}

export function insertAnswer(tx: DbOrTx, row: Omit<ReviewAnswerRow, 'id'>): ReviewAnswerRow {
  return tx.insert(reviewAnswers).values(row).returning().get();
}

export function answersFor(tx: DbOrTx, releaseId: number): ReviewAnswerRow[] {
  return tx.select().from(reviewAnswers).where(eq(reviewAnswers.releaseId, releaseId)).orderBy(asc(reviewAnswers.id)).all();
}

export function insertActionItem(tx: DbOrTx, row: Omit<ActionItemRow, 'id' | 'remindedAt' | 'doneAt' | 'doneBy'>): ActionItemRow {
  return tx.insert(actionItems).values(row).returning().get();
}

const actionItemsOf = prepared((db) =>
  db.select().from(actionItems).where(eq(actionItems.releaseId, sql.placeholder('releaseId'))).orderBy(asc(actionItems.id)).prepare(),
);

export function actionItemsFor(tx: DbOrTx, releaseId: number): ActionItemRow[] {
  return actionItemsOf(tx).all({ releaseId });
}

export function getActionItem(tx: DbOrTx, id: number): ActionItemRow | undefined {
  return tx.select().from(actionItems).where(eq(actionItems.id, id)).get();
}

export function openActionItems(tx: DbOrTx): ActionItemRow[] {
  return tx.select().from(actionItems).where(and(isNull(actionItems.doneAt), isNull(actionItems.remindedAt))).all();
}

export function markActionItem(tx: DbOrTx, id: number, patch: Partial<typeof actionItems.$inferInsert>, onlyIfOpen: boolean): boolean {
  const cond = onlyIfOpen ? and(eq(actionItems.id, id), isNull(actionItems.doneAt)) : eq(actionItems.id, id);
  return tx.update(actionItems).set(patch).where(cond).returning().get() !== undefined;
}
