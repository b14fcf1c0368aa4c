/**
 * Post-release review fixes: the thread opens in the card's channel with a note under the card; a review left without
 * its thread (Slack down through every attempt, or a crash before its ts was saved) is opened again, once; refusals
 * of Add review and Close review are audited with `via` and answered privately; the questions name what went well,
 * what didn't go well, and action items with owners and due dates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { derivePostReleaseTimers } from '../../src/usecases/post-release-timers';
import type { SlackMessage } from '../../src/fake-slack';
import type { Harness } from '../support/harness';
import { CHANNELS, U, clickOnOldCard, isTopLevel, openModal, responsesTo, startHarness, textOf } from '../support/harness';
import { auditActions, policyWith, scheduledRelease, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function reviewRow(t: Harness, id: number): { channel: string; ts: string | null } | undefined {
  return t.gl.database.sqlite.prepare('select channel, ts from reviews where release_id = ?').get(id) as { channel: string; ts: string | null } | undefined;
}

function reviewMessages(t: Harness, channel: string, id: number): SlackMessage[] {
  return t.fake.messages(channel).filter((m) => isTopLevel(m) && textOf(m).includes(`Post-release review of REL-${id}`));
}

/** A staging release whose deploy the pipeline reported failed: its review opens at once. */
async function failedRelease(t: Harness): Promise<{ id: number; card: { channel: string; ts: string }; review: SlackMessage }> {
  const a = await scheduledRelease(t);
  expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'started' })).status).toBe(200);
  expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'failed' })).status).toBe(200);
  const review = await t.fake.waitFor(() => reviewMessages(t, CHANNELS.payments, a.id)[0], { timeoutMs: 15_000, description: 'the review thread' });
  return { ...a, review };
}

describe('where the review opens', () => {
  it("opens in the card's channel (not the releases channel), says so under the card with Add review, and asks the mission's questions", async () => {
    const t = await startHarness({ policy: policyWith({}, { review: '1h' }) });
    h = t;
    const { id, card, review } = await failedRelease(t);
    await t.fake.waitFor(() => (reviewRow(t, id)?.ts ? true : undefined), { description: 'the review ts saved' });
    expect(reviewRow(t, id)).toEqual({ channel: CHANNELS.payments, ts: review.ts });
    expect(reviewMessages(t, CHANNELS.releases, id)).toHaveLength(0);
    expect(textOf(review)).toContain("what went well, what didn't go well");
    expect(textOf(review)).toContain('action items with owners and due dates');

    // the card's thread points to it, with its own Add review button
    const note = await waitForThread(t, card, `The post-release review of REL-${id} is open in this channel`);
    await t.driver.clickButton(U.requester, { channel: card.channel, ts: note.ts }, 'Add review');
    const modal = await openModal(t, U.requester, 'review.answer');
    const labels = JSON.stringify(modal.blocks);
    expect(labels).toContain('"What went well"');
    expect(labels).toContain('"What didn\'t go well"');
    expect(labels).not.toContain('What to improve');
    expect(labels).toContain('*Action items* — each with an owner and a due date');
    const res = await t.driver.submitView(U.requester, modal.id, { 'What went well': 'Fast detection', "What didn't go well": 'The migration locked a table' });
    expect(res.outcome.outcome).toBe('closed');
    const answer = await waitForThread(t, { channel: review.channel, ts: review.ts }, `<@${U.requester}> added a review`);
    expect(textOf(answer)).toContain("*What didn't go well*");
    expect(textOf(answer)).toContain('The migration locked a table');
  }, 90_000);
});

describe('a review left without its thread', () => {
  it('is opened again from the database: the message a crash left unrecorded is found, not posted twice; one never sent is posted', async () => {
    const t = await startHarness({ policy: policyWith({}, { review: '1h' }) });
    h = t;
    const { id, review } = await failedRelease(t);
    const sqlite = t.gl.database.sqlite;
    await t.fake.waitFor(() => (reviewRow(t, id)?.ts ? true : undefined), { description: 'the review ts saved' });

    // a crash between the post and saving its ts: the ledger holds the message, the review row has no ts
    sqlite.prepare('update reviews set ts = null where release_id = ?').run(id);
    expect(derivePostReleaseTimers(t.gl.deps, id).filter((s) => s.name === 'review-open')).toHaveLength(1);
    await t.gl.timers.rebuild();
    await t.fake.waitFor(() => (reviewRow(t, id)?.ts === review.ts ? true : undefined), { description: 'the review ts found again' });
    expect(reviewMessages(t, CHANNELS.payments, id)).toHaveLength(1);
    expect(derivePostReleaseTimers(t.gl.deps, id).filter((s) => s.name === 'review-open')).toHaveLength(0);

    // a post that failed every attempt: no ts, and the ledger released its claim
    sqlite.prepare('update reviews set ts = null where release_id = ?').run(id);
    sqlite.prepare('delete from sent_messages where dedupe_key = ?').run(`review-open-${id}`);
    await t.gl.timers.rebuild();
    await t.fake.waitFor(() => (reviewMessages(t, CHANNELS.payments, id).length === 2 ? true : undefined), { description: 'the review posted' });
    const posted = reviewMessages(t, CHANNELS.payments, id)[1];
    await t.fake.waitFor(() => (reviewRow(t, id)?.ts === posted?.ts ? true : undefined), { description: 'its ts saved' });
    expect((await auditActions(t, id)).filter((e) => e.action === 'review.opened')).toHaveLength(1);
  }, 90_000);
});

describe('refusals on the review thread', () => {
  it('audits Add review on a closed review, Close review twice, and a non-manager closing, each with via, answered privately', async () => {
    const t = await startHarness({ policy: policyWith({}, { review: '1h' }) });
    h = t;
    const { id, review } = await failedRelease(t);
    const at = { channel: review.channel, ts: review.ts };
    const open = structuredClone(review);

    await t.driver.clickButton(U.reviewer, at, 'Close review');
    await t.fake.waitFor(() => responsesTo(t, U.reviewer, 'Only release managers can close').length > 0 || undefined);

    await t.driver.clickButton(U.rm, at, 'Close review');
    const close = await openModal(t, U.rm, 'review.close_summary');
    expect((await t.driver.submitView(U.rm, close.id, { Summary: 'Migration needs a lock timeout.' })).outcome.outcome).toBe('closed');
    await waitForThread(t, at, `<@${U.rm}> closed the review of REL-${id}`);

    // buttons on the review message as it was before it closed
    await clickOnOldCard(t, U.requester, open, 'Add review');
    await t.fake.waitFor(() => responsesTo(t, U.requester, `The REL-${id} review is closed.`).length > 0 || undefined);
    await clickOnOldCard(t, U.rm, open, 'Close review');
    await t.fake.waitFor(() => responsesTo(t, U.rm, `The REL-${id} review is already closed.`).length > 0 || undefined);

    const denied = (await auditActions(t, id)).filter((e) => e.action === 'review.denied');
    expect(denied).toEqual([
      expect.objectContaining({ actor: U.reviewer, details: expect.objectContaining({ reason: 'not_release_manager', attempted: 'close', via: 'slack', state: 'failed' }) }),
      expect.objectContaining({ actor: U.requester, details: expect.objectContaining({ reason: 'closed', attempted: 'answer', via: 'slack', state: 'failed' }) }),
      expect.objectContaining({ actor: U.rm, details: expect.objectContaining({ reason: 'already_closed', attempted: 'close', via: 'slack', state: 'failed' }) }),
    ]);
    // nothing was opened for the refused clicks
    expect(t.fake.openViews(U.requester).filter((v) => v.callback_id === 'review.answer')).toHaveLength(0);
  }, 90_000);
});
