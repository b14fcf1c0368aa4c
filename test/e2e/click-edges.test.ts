/**
 * Edges of clicks on the release card: a double click on Approve that moved the stage on, *Update readiness* by
 * someone who may set no criterion, Request changes / Reject from a card older than the release's content, and the
 * details of denials decided when a form is submitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditJson, Harness } from '../support/harness';
import {
  CHANNELS,
  U,
  approveAndWait,
  clickOnOldCard,
  findCard,
  getRelease,
  openModal,
  releaseState,
  requestRelease,
  responsesTo,
  startHarness,
  submitEdit,
  submitReadiness,
  waitForCard,
} from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function audited(id: number, action: string): Promise<AuditJson[]> {
  return (await getRelease(h, id)).audit.filter((e) => e.action === action);
}

async function answerTo(user: string, needle: string, before: number): Promise<string> {
  return h.fake.waitFor(() => responsesTo(h, user, needle).at(before), { description: `${user}'s private answer "${needle}"` });
}

describe('double click on Approve', () => {
  it('the second click, after the first moved the release to QA, is answered "You already approved Initial review"', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    // a copy: the fake updates its stored message in place
    const oldCard = structuredClone(findCard(h, card.channel, id));
    if (!oldCard) throw new Error('no card');
    await approveAndWait(h, U.reviewer, at);
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *QA*'));

    // the second click of the double click, as Slack sends it from the card the reviewer clicked
    const res = await clickOnOldCard(h, U.reviewer, oldCard, 'Approve');
    expect(res.status).toBe(200);
    const answer = await answerTo(U.reviewer, 'You already approved', 0);
    expect(answer).toContain(`You already approved *Initial review* of REL-${id}`);
    expect(responsesTo(h, U.reviewer, "You don't hold that role")).toEqual([]);

    const r = await getRelease(h, id);
    expect(r.state).toBe('qa');
    const denied = r.audit.filter((e) => e.action === 'approval.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: U.reviewer, details: { reason: 'already_approved', state: 'qa', via: 'card' } });
  }, 60_000);

  it('a QA double click that moved it to sign-off: the same answer and audit reason as any repeated approval', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(h, U.reviewer, at);
    await approveAndWait(h, U.qa, at);
    // QA clicks again on the QA stage: it is in sign-off now, where QA holds no role
    await h.driver.clickButton(U.qa, at, 'Approve');
    expect(await answerTo(U.qa, `You already approved *QA* of REL-${id}`, 0)).toBeTruthy();
    const denied = await audited(id, 'approval.denied');
    expect(denied.map((e) => e.details.reason)).toEqual(['already_approved']);
  }, 60_000);

  it('someone who approved an earlier stage long before is still told the stage waits on others', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(h, U.reviewer, at);
    await approveAndWait(h, U.qa, at);
    // the reviewer's approval did not move it into sign-off (QA's did): a click now is about sign-off
    const before = responsesTo(h, U.reviewer, "You don't hold that role").length;
    await h.driver.clickButton(U.reviewer, at, 'Approve');
    expect(await answerTo(U.reviewer, "You don't hold that role", before)).toContain('*Sign-off*');
    expect((await audited(id, 'approval.denied')).map((e) => e.details.reason)).toEqual(['not_in_role']);
  }, 60_000);
});

describe('Update readiness', () => {
  it('someone who may set no criterion is answered at the click, audited, and no form opens', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    const before = await releaseState(h, id);
    const views = h.fake.openViews(U.reviewer).length;
    await h.driver.clickButton(U.reviewer, at, 'Update readiness');
    const answer = await answerTo(U.reviewer, 'readiness of', 0);
    expect(answer).toContain(`Only a criterion's owner or a release manager can update the readiness of REL-${id}`);
    expect(h.fake.openViews(U.reviewer)).toHaveLength(views);
    const { audit: _a, ...after } = await getRelease(h, id);
    expect(after).toEqual(before);
    const denied = await audited(id, 'criterion.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: U.reviewer, details: { reason: 'not_owner', state: 'review', via: 'card' } });
  }, 60_000);

  it('a criterion owner still gets the form; a refused submit records the state and where it came from', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    // the product manager owns business and feedback, not tests
    const res = await submitReadiness(h, U.pm, at, { Criterion: 'tests', Status: 'met' });
    expect(res.body).toMatchObject({ response_action: 'errors' });
    const denied = await audited(id, 'criterion.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: U.pm, details: { reason: 'not_owner', criterion: 'tests', state: 'review', via: 'slack' } });
  }, 60_000);
});

describe('Request changes and Reject from an out-of-date card', () => {
  it('refused like Approve (stale_view), no form opens, nothing changes', async () => {
    const { id, card } = await requestRelease(h);
    // a copy: the fake updates its stored message in place
    const oldCard = structuredClone(findCard(h, card.channel, id));
    if (!oldCard) throw new Error('no card');
    const { res } = await submitEdit(h, U.requester, id, { Version: '9.9.9' });
    expect(res.status).toBe(200);
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('9.9.9'));
    const before = await releaseState(h, id);

    for (const [label, again] of [
      ['Reject', 'then reject it again'],
      ['Request changes', 'then request changes again'],
    ] as const) {
      const views = h.fake.openViews(U.reviewer).length;
      const n = responsesTo(h, U.reviewer, 'was edited after this card was shown to you').length;
      await clickOnOldCard(h, U.reviewer, oldCard, label);
      expect(await answerTo(U.reviewer, 'was edited after this card was shown to you', n)).toContain(again);
      expect(h.fake.openViews(U.reviewer)).toHaveLength(views);
    }
    const { audit: _a, ...after } = await getRelease(h, id);
    expect(after).toEqual(before);
    const denied = await audited(id, 'approval.denied');
    expect(denied.map((e) => [e.details.reason, e.details.attempted, e.details.via])).toEqual([
      ['stale_view', 'reject', 'card'],
      ['stale_view', 'request_changes', 'card'],
    ]);

    // the same buttons on the current card still open the form
    await h.driver.clickButton(U.reviewer, { channel: card.channel, ts: card.ts }, 'Reject');
    const modal = await openModal(h, U.reviewer, 'release.reason');
    await h.driver.closeView(U.reviewer, modal.id);
  }, 60_000);

  it('a decision refused on submit records where it came from', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    await h.driver.clickButton(U.reviewer, at, 'Reject');
    const modal = await openModal(h, U.reviewer, 'release.reason');
    await approveAndWait(h, U.reviewer, at);
    const res = await h.driver.submitView(U.reviewer, modal.id, { Reason: 'Changed my mind' });
    expect(res.outcome.outcome).toBe('errors');
    const denied = await audited(id, 'approval.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ details: { reason: 'not_in_role', attempted: 'reject', state: 'qa', via: 'modal' } });
    await h.driver.closeView(U.reviewer, modal.id);
  }, 60_000);
});
