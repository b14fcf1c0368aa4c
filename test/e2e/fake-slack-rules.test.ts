/** What people see when Slack behaves like Slack: a modal that could not open in time, and a release card someone deleted. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, clickOnOldCard, isCard, requestRelease, responsesTo, startHarness, threadLines, waitForCard } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const WINDOW_PASSED = "Slack's 3-second window to open the form passed; run the command or press the button again.";

describe('a modal Slack would not open because its trigger_id had expired', () => {
  it('/release says so privately instead of "Something went wrong"', async () => {
    h.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const res = await h.driver.command(U.requester, '', { channelId: CHANNELS.general });
    expect(res.status).toBe(200);
    const said = await h.fake.waitFor(() => responsesTo(h, U.requester, "3-second window")[0], { description: 'the private answer' });
    expect(said).toContain(WINDOW_PASSED);
    expect(said).not.toContain('Something went wrong');
  });

  it('a card button whose modal came too late (invalid trigger_id) says so too', async () => {
    const { card } = await requestRelease(h);
    h.fake.failNext('views.open', { error: 'invalid_trigger_id' });
    const res = await h.driver.clickButton(U.reviewer, { channel: CHANNELS.payments, ts: card.ts }, 'Request changes');
    expect(res.status).toBe(200);
    const said = await h.fake.waitFor(() => responsesTo(h, U.reviewer, "3-second window")[0], { description: 'the private answer' });
    expect(said).toContain(WINDOW_PASSED);
  });
});

describe('a release card deleted in Slack', () => {
  it('is posted again at the next change, with a note in its thread, and later changes update the new card', async () => {
    const { id, card } = await requestRelease(h);
    expect(h.fake.deleteMessage(CHANNELS.payments, card.ts)).toBe(true);

    // the reviewer still had the card on screen and approves from it
    const res = await clickOnOldCard(h, U.reviewer, card, 'Approve');
    expect(res.status).toBe(200);
    const again = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *QA*'));
    expect(again.ts).not.toBe(card.ts);
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, again.ts, 'was deleted in Slack')[0], { description: 'the note under the new card' });
    expect(threadLines(h, CHANNELS.payments, again.ts, `The previous card of REL-${id} was deleted in Slack`)).toHaveLength(1);
    const rel = await h.api('GET', `/api/v1/releases/REL-${id}`);
    expect((rel.body as { card: { ts: string } | null }).card?.ts).toBe(again.ts);

    // the next change updates the new card in place: still one card
    const qa = await h.driver.clickButton(U.qa, { channel: CHANNELS.payments, ts: again.ts }, 'Approve');
    expect(qa.status).toBe(200);
    const signoff = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *Sign-off*'));
    expect(signoff.ts).toBe(again.ts);
    expect(h.fake.messages(CHANNELS.payments).filter((m) => isCard(m) && JSON.stringify(m.blocks).includes(`REL-${id} ·`))).toHaveLength(1);
  });
});
