import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, findCard, isTopLevel, openModal, responsesTo, startHarness, textOf, waitForCard } from '../support/harness';
import { auditActions, policyWith, scheduledRelease, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('post-release review', () => {
  it('opens a review thread after release, takes answers and action items, reminds non-responders once, reminds owners when due, and closes with a summary', async () => {
    const t = await startHarness({ policy: policyWith({}, { monitoring: '{ duration: 2s, check_every: 1s }', review: '4s' }) });
    h = t;
    const a = await scheduledRelease(t);
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'started' })).status).toBe(200);
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'succeeded' })).status).toBe(200);
    const checkin = await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => textOf(m).includes(`The watch of REL-${a.id}`)), { timeoutMs: 15_000 });
    await t.driver.clickButton(U.ops, { channel: checkin.channel, ts: checkin.ts }, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));

    // after prompt_after, a review thread in the card's channel tags requester, approvers and operations
    const review = await t.fake.waitFor(
      () => t.fake.messages(CHANNELS.payments).find((m) => isTopLevel(m) && textOf(m).includes(`Post-release review of REL-${a.id}`)),
      { timeoutMs: 15_000 },
    );
    for (const u of [U.requester, U.reviewer, U.qa, U.rm, U.pm, U.ops, U.ops2]) expect(textOf(review)).toContain(`<@${u}>`);
    const at = { channel: review.channel, ts: review.ts };

    await t.driver.clickButton(U.reviewer, at, 'Add review');
    const modal = await openModal(t, U.reviewer, 'review.answer');
    const today = DateTime.now().setZone('Europe/Berlin').toISODate() ?? '';
    const yesterday = DateTime.now().setZone('Europe/Berlin').minus({ days: 1 }).toISODate() ?? '';
    // invalid action items are refused inline, naming the field
    let res = await t.driver.submitView(U.reviewer, modal.id, { 'Action item 1': 'Add a checkout dashboard', 'Due date 1': yesterday });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { owner_1: 'Pick who owns this action item.', due_1: 'The due date is in the past.' } });
    res = await t.driver.submitView(U.reviewer, modal.id, {});
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { went_well: expect.stringContaining('at least one') } });
    res = await t.driver.submitView(U.reviewer, modal.id, {
      'What went well': 'Smooth rollout <!channel>',
      "What didn't go well": 'QA took two days',
      Incidents: 'none',
      'Action item 1': 'Add a checkout dashboard',
      'Owner 1': U.qa,
      'Due date 1': today,
    });
    expect(res.outcome.outcome).toBe('closed');
    const answer = await waitForThread(t, at, `<@${U.reviewer}> added a review`);
    expect(answer.text).toContain('Smooth rollout &lt;!channel&gt;');
    expect(answer.text).toContain('QA took two days');
    expect(answer.text).toContain(`Add a checkout dashboard — <@${U.qa}>, due ${today}`);

    // the owner is reminded on the due date, with Done
    const due = await t.fake.waitFor(() => t.fake.dms(U.qa).find((m) => textOf(m).includes(`REL-${a.id} review is due today`)), { timeoutMs: 15_000 });
    expect(textOf(due)).toContain('Add a checkout dashboard');
    // someone else's Done (a forwarded or forged click) is refused privately and audited
    await t.driver.clickButton(U.outsider, { channel: due.channel, ts: due.ts }, 'Done');
    await t.fake.waitFor(() => responsesTo(t, U.outsider, 'Only its owner or a release manager').length > 0 || undefined);
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'review.denied')).toEqual([
      expect.objectContaining({ actor: U.outsider, details: expect.objectContaining({ reason: 'not_owner', attempted: 'action_item_done', state: 'released' }) }),
    ]);
    await t.driver.clickButton(U.qa, { channel: due.channel, ts: due.ts }, 'Done');
    await waitForThread(t, at, `<@${U.qa}> marked an action item of the REL-${a.id} review done`);
    await t.driver.clickButton(U.qa, { channel: due.channel, ts: due.ts }, 'Done');
    await t.fake.waitFor(() => responsesTo(t, U.qa, 'already done').length > 0 || undefined);

    // participants who have not answered are reminded, once; the one who answered is not
    await t.fake.waitFor(() => t.fake.dms(U.requester).find((m) => textOf(m).includes(`review of REL-${a.id}`) && textOf(m).includes('waiting for your answer')), { timeoutMs: 15_000 });
    await t.fake.waitFor(() => t.fake.dms(U.ops2).find((m) => textOf(m).includes('waiting for your answer')));
    expect(t.fake.dms(U.reviewer).filter((m) => textOf(m).includes('waiting for your answer'))).toHaveLength(0);

    // someone opens the answer form before the review closes and submits it after
    await t.driver.clickButton(U.ops2, at, 'Add review');
    const late = await openModal(t, U.ops2, 'review.answer');

    // only a release manager closes it
    await t.driver.clickButton(U.reviewer, at, 'Close review');
    await t.fake.waitFor(() => responsesTo(t, U.reviewer, 'Only release managers can close').length > 0 || undefined);
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'review.denied').map((e) => e.actor)).toEqual([U.outsider, U.reviewer]);
    await t.driver.clickButton(U.rm, at, 'Close review');
    const close = await openModal(t, U.rm, 'review.close_summary');
    expect((await t.driver.submitView(U.rm, close.id, { Summary: 'Good release; dashboard follow-up done.' })).outcome.outcome).toBe('closed');
    await waitForThread(t, at, `<@${U.rm}> closed the review of REL-${a.id}`);
    const lateRes = await t.driver.submitView(U.ops2, late.id, { 'What went well': 'Quick rollout' });
    expect(lateRes.body).toMatchObject({ response_action: 'errors', errors: { went_well: 'This review is closed.' } });
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'review.denied' && e.actor === U.ops2)).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ reason: 'closed', attempted: 'answer', via: 'modal' }) }),
    ]);
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'review.answered')).toHaveLength(1);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Post-release review* closed by') && c.includes('dashboard follow-up done'));
    const closedMsg = await t.fake.waitFor(() => t.fake.messages(CHANNELS.payments).find((m) => m.ts === review.ts && textOf(m).includes(':lock: *Closed*')));
    expect(textOf(closedMsg)).not.toContain('"text":"Add review"');

    expect(t.fake.dms(U.requester).filter((m) => textOf(m).includes('waiting for your answer'))).toHaveLength(1);
    const audit = (await auditActions(t, a.id)).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['review.opened', 'review.answered', 'review.reminded', 'review.action_item_reminded', 'review.action_item_done', 'review.closed']));
    expect(findCard(t, CHANNELS.payments, a.id)).toBeTruthy();
  }, 90_000);

  it('opens the review at once after a rollback', async () => {
    const t = await startHarness({ policy: policyWith({}, { review: '1h' }) });
    h = t;
    const a = await scheduledRelease(t);
    await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'started' });
    await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'rolled_back' });
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('*Rolled back*'));
    const review = await t.fake.waitFor(() => t.fake.messages(CHANNELS.payments).find((m) => textOf(m).includes(`Post-release review of REL-${a.id}`)), { timeoutMs: 10_000 });
    expect(textOf(review)).toContain('was rolled back');
  }, 60_000);
});
