import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, TIMER_POLICY, U, approveToScheduling, offsetToBeforeSlot, openModal, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function openSchedule(h: Harness, ts: string) {
  await h.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts }, 'Schedule');
  return openModal(h, U.ops, 'release.schedule');
}

describe('scheduling and the deploy window', () => {
  it('offers slots inside the window, starts the deploy at the slot, and announces it', async () => {
    const { offset, slot } = offsetToBeforeSlot(8_000);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const { id, card } = await requestRelease(t);
    await approveToScheduling(t, id, card.ts);

    const modal = await openSchedule(t, card.ts);
    const options = JSON.stringify(modal.blocks);
    expect(options).toContain('Tue');
    expect(options).toContain('10:00');
    const res = await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) });
    expect(res.outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, id, (t) => t.includes('Scheduled') && t.includes('Deploy slot'));

    // the 3s-before announcement, then the window opens: state deploying, thread + ops DM + start announcement
    await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('In 3 seconds') && m.text.includes(`REL-${id}`)), { timeoutMs: 20_000 });
    await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('Deploying now') && m.text.includes(`REL-${id}`)), { timeoutMs: 20_000 });
    await waitForCard(t, CHANNELS.payments, id, (t) => t.includes('Deploying'));
    await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => m.text.includes('deploy slot is open')));
    const api = await t.api('GET', `/api/v1/releases/${id}`);
    const body = api.body as { state: string; scheduled_at: string; approvals: { stage: string; user: string }[] };
    expect(body.state).toBe('deploying');
    expect(Date.parse(body.scheduled_at)).toBe(slot);
    // scheduling counted as the scheduler's operations approval
    expect(body.approvals.some((a) => a.stage === 'scheduling' && a.user === U.ops)).toBe(true);
    // each announcement exactly once
    expect(t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes('Deploying now') && m.text.includes(`REL-${id}`))).toHaveLength(1);
  }, 60_000);

  it('refuses a time outside the windows, in a freeze, or colliding with another deploy, naming the next allowed slot', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const freezeDay = new Date(slot + 7 * 86_400_000).toISOString().slice(0, 10);
    const t = await startHarness({
      policy: `${TIMER_POLICY}freezes: [{ start: ${freezeDay}, end: ${freezeDay}, reason: Quarter close }]\n`,
      clockOffsetMs: offset,
    });
    h = t;
    const a = await requestRelease(t);
    await approveToScheduling(t, a.id, a.card.ts);
    let modal = await openSchedule(t, a.card.ts);
    // the Monday after: outside the Tuesday window
    const monday = Math.floor((slot + 6 * 86_400_000) / 1000);
    let res = await t.driver.submitView(U.ops, modal.id, { 'Deploy date and time': monday }, { skipClientValidation: true });
    expect(res.body).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(res.body)).toContain('outside the deploy windows');
    expect(JSON.stringify(res.body)).toContain('Tue');
    // a week later is frozen
    res = await t.driver.submitView(U.ops, modal.id, { 'Deploy date and time': Math.floor((slot + 7 * 86_400_000) / 1000) }, { skipClientValidation: true });
    expect(JSON.stringify(res.body)).toContain('Quarter close');
    // book the slot for release A
    res = await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) });
    expect(res.outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, a.id, (t) => t.includes('Scheduled'));

    // release B of the same service and environment cannot take the same slot
    const b = await requestRelease(t);
    await approveToScheduling(t, b.id, b.card.ts);
    modal = await openSchedule(t, b.card.ts);
    expect(JSON.stringify(modal.blocks)).not.toContain(`"value":"${slot}"`);
    res = await t.driver.submitView(U.ops, modal.id, { 'Deploy date and time': Math.floor(slot / 1000) }, { skipClientValidation: true });
    expect(JSON.stringify(res.body)).toContain(`REL-${a.id}`);
    expect(((await t.api('GET', `/api/v1/releases/${b.id}`)).body as { state: string }).state).toBe('scheduling');
  }, 60_000);

  it('takes the slot picked from the list over the requested time the date and time come pre-filled with', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const nextWeek = slot + 7 * 86_400_000;
    const { id, card } = await requestRelease(t, U.requester, { 'Deploy date and time': Math.floor(nextWeek / 1000) });
    await approveToScheduling(t, id, card.ts);
    const modal = await openSchedule(t, card.ts);
    expect(JSON.stringify(modal.blocks)).toContain(`"initial_date_time":${Math.floor(nextWeek / 1000)}`);
    const res = await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) });
    expect(res.outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('Scheduled'));
    const body = (await t.api('GET', `/api/v1/releases/${id}`)).body as { scheduled_at: string };
    expect(Date.parse(body.scheduled_at)).toBe(slot);

    // a date and time changed by hand still wins over a slot
    const other = await requestRelease(t, U.requester, { 'Deploy date and time': Math.floor(nextWeek / 1000) });
    await approveToScheduling(t, other.id, other.card.ts);
    const second = await openSchedule(t, other.card.ts);
    const free = /"value":"(\d+)"/.exec(JSON.stringify(second.blocks))?.[1];
    expect(free).toBeDefined();
    const res2 = await t.driver.submitView(U.ops, second.id, { Slot: String(free), 'Deploy date and time': Math.floor((nextWeek + 1_800_000) / 1000) });
    expect(res2.outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, other.id, (x) => x.includes('Scheduled'));
    const body2 = (await t.api('GET', `/api/v1/releases/${other.id}`)).body as { scheduled_at: string };
    expect(Date.parse(body2.scheduled_at)).toBe(nextWeek + 1_800_000);
  }, 60_000);

  it('reminds the approver by DM, snoozes, escalates, and stops once they approve', async () => {
    const t = await startHarness({ policy: TIMER_POLICY });
    h = t;
    const { id, card } = await requestRelease(t);
    const reminder = await t.fake.waitFor(() => t.fake.dms(U.reviewer).find((m) => textOf(m).includes(`REL-${id} is waiting on you`)), { timeoutMs: 15_000 });
    expect(textOf(reminder)).toContain('Approve');
    expect(textOf(reminder)).toContain('Snooze');
    // escalation to the release manager after escalate_after
    await t.fake.waitFor(() => t.fake.dms(U.rm).find((m) => m.text.includes(`REL-${id}`) && m.text.includes('has waited')), { timeoutMs: 15_000 });
    // approving from the DM works and stops the reminders
    await t.driver.clickButton(U.reviewer, { channel: reminder.channel, ts: reminder.ts }, 'Approve');
    await waitForCard(t, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *QA*'));
    const sentBefore = t.fake.dms(U.reviewer).filter((m) => textOf(m).includes(`REL-${id} is waiting on you`)).length;
    // QA is reminded next; the reviewer is not reminded again
    await t.fake.waitFor(() => t.fake.dms(U.qa).find((m) => textOf(m).includes(`REL-${id} is waiting on you`)), { timeoutMs: 15_000 });
    await t.fake.waitFor(() => t.fake.dms(U.qa).filter((m) => textOf(m).includes(`REL-${id} is waiting on you`)).length >= 2 || undefined, { timeoutMs: 15_000 });
    expect(t.fake.dms(U.reviewer).filter((m) => textOf(m).includes(`REL-${id} is waiting on you`)).length).toBe(sentBefore);
    expect(card.ts).toBeTruthy();
  }, 60_000);
});
