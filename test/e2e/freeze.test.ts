import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { Harness } from '../support/harness';
import { CHANNELS, TIMER_POLICY, U, approveToScheduling, forgedSubmission, offsetToBeforeSlot, openModal, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const berlinDay = (ms: number) => DateTime.fromMillis(ms, { zone: 'Europe/Berlin' }).toISODate() ?? '';

async function schedule(t: Harness, ts: string, at: number) {
  await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts }, 'Schedule');
  const modal = await openModal(t, U.ops, 'release.schedule');
  return t.driver.submitView(U.ops, modal.id, { 'Deploy date and time': Math.floor(at / 1000) }, { skipClientValidation: true });
}

describe('freezes declared in Slack', () => {
  it('announces the freeze, unschedules the releases inside it and tells their owners', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const { id, card } = await requestRelease(t);
    await approveToScheduling(t, id, card.ts);
    expect((await schedule(t, card.ts, slot)).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('Scheduled'));

    // someone without the right sees the list, not the modal
    const listed = await t.driver.command(U.outsider, 'freeze');
    expect(JSON.stringify(listed.body)).toContain('No freezes');
    expect(t.fake.openViews(U.outsider)).toHaveLength(0);

    await t.driver.command(U.rm, 'freeze');
    const modal = await openModal(t, U.rm, 'freeze.declare');
    const bad = await t.driver.submitView(U.rm, modal.id, { 'First day': berlinDay(slot), 'Last day': berlinDay(slot), Reason: '  ' }, { skipClientValidation: true });
    expect(bad.body).toMatchObject({ response_action: 'errors', errors: { freeze_reason: expect.stringContaining('reason') } });
    const ok = await t.driver.submitView(U.rm, modal.id, { 'First day': berlinDay(slot), 'Last day': berlinDay(slot), Reason: 'Payments incident <!channel>', Services: ['payments-api'] });
    expect(ok.outcome.outcome).toBe('closed');

    const announcement = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('declared a freeze')));
    expect(announcement.text).toContain('payments-api');
    expect(announcement.text).toContain('&lt;!channel&gt;');
    expect(announcement.text).toContain(`REL-${id}`);
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *Scheduling*') || x.includes('*Scheduling*'));
    await t.fake.waitFor(() => t.fake.dms(U.requester).find((m) => m.text.includes(`REL-${id}`) && m.text.includes('unscheduled')));
    await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => m.text.includes(`REL-${id}`) && m.text.includes('unscheduled')));
    const body = (await t.api('GET', `/api/v1/releases/${id}`)).body as { state: string; scheduled_at: string | null; audit: { action: string }[] };
    expect(body.state).toBe('scheduling');
    expect(body.scheduled_at).toBeNull();
    expect(body.audit.map((e) => e.action)).toContain('release.unscheduled');

    // the slot is now refused, naming the freeze
    const refused = await schedule(t, card.ts, slot);
    expect(JSON.stringify(refused.body)).toContain('Payments incident');
  }, 60_000);

  it('answers the freeze modal at once while the announcement still waits on Slack', async () => {
    const t = await startHarness({ policy: TIMER_POLICY });
    h = t;
    await t.driver.command(U.rm, 'freeze');
    const modal = await openModal(t, U.rm, 'freeze.declare');
    const day = berlinDay(Date.now() + 40 * 86_400_000);
    // the announcement takes longer than the 3 s Slack gives a modal's answer (a busy channel, a slow Slack)
    t.fake.delayNext('chat.postMessage', 6_000);
    const ok = await t.driver.submitView(U.rm, modal.id, { 'First day': day, 'Last day': day, Reason: 'Quiet week' });
    expect(ok.outcome.outcome).toBe('closed');
    const announced = () => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('declared a freeze'));
    // answered before the announcement went through, not after it
    expect(announced()).toBeUndefined();
    await t.fake.waitFor(announced, { timeoutMs: 20_000 });

    // the same modal submitted by someone who may not declare freezes (a forged or replayed payload): refused
    // inline, nothing declared, and the refusal audited
    const forged = await forgedSubmission(t, U.rm, U.outsider, modal, { 'First day': day, 'Last day': day, Reason: 'Not mine to call' });
    expect(forged.body).toEqual({ response_action: 'errors', errors: { freeze_reason: 'Only admins and release managers can declare freezes.' } });
    const audit = ((await t.api('GET', '/api/v1/audit')).body as { items: { action: string; actor: string; release: unknown; details: Record<string, unknown> }[] }).items;
    expect(audit.filter((e) => e.action === 'freeze.declared')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'freeze.denied')).toEqual([
      expect.objectContaining({ actor: U.outsider, release: null, details: { reason: 'not_release_manager', attempted: 'declare', via: 'modal' } }),
    ]);
  }, 40_000);

  it('break-glass: needs a release manager who is not the requester and a reason; lifts the freeze until it expires', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const day = berlinDay(slot);
    const t = await startHarness({ policy: `${TIMER_POLICY}freezes: [{ start: ${day}, end: ${day}, reason: Board demo }]\n`, clockOffsetMs: offset });
    h = t;
    const { id, card } = await requestRelease(t);
    await approveToScheduling(t, id, card.ts);
    const frozenCard = await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('Emergency override'));
    expect(textOf(frozenCard)).toContain('Board demo');
    expect(JSON.stringify((await schedule(t, card.ts, slot)).body)).toContain('Board demo');

    // the product manager may not break the glass
    await t.driver.clickButton(U.pm, { channel: CHANNELS.payments, ts: card.ts }, 'Emergency override');
    await t.fake.waitFor(() => t.fake.responseUrlPosts().find((p) => JSON.stringify(p.body).includes('Only a release manager')));
    expect(t.fake.openViews(U.pm)).toHaveLength(0);

    await t.driver.clickButton(U.rm, { channel: CHANNELS.payments, ts: card.ts }, 'Emergency override');
    const modal = await openModal(t, U.rm, 'release.override');
    const noReason = await t.driver.submitView(U.rm, modal.id, { Reason: ' ', 'Lasts for': '4 hours' }, { skipClientValidation: true });
    expect(noReason.body).toMatchObject({ response_action: 'errors', errors: { override_reason: 'An emergency override needs a reason.' } });
    const granted = await t.driver.submitView(U.rm, modal.id, { Reason: 'Fix for a payment outage', 'Lasts for': '4 hours' });
    expect(granted.outcome.outcome).toBe('closed');
    await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('Emergency override') && m.text.includes(`REL-${id}`)));
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('*Emergency override* by'));

    // inside the freeze, now allowed
    expect((await schedule(t, card.ts, slot)).outcome.outcome).toBe('closed');
    const body = (await t.api('GET', `/api/v1/releases/${id}`)).body as { state: string; review_required: boolean; audit: { action: string }[] };
    expect(body.state).toBe('scheduled');
    expect(body.review_required).toBe(true);
    expect(body.audit.map((e) => e.action)).toContain('override.granted');

    // time travel past the expiry: the expiry is announced once
    t.advanceClock(5 * 3_600_000);
    const expiry = (await t.gl.timers.pending()).find((j) => j.name === 'override-expire');
    expect(expiry).toBeDefined();
    await t.gl.timers.queue.getJob(expiry?.id ?? '').then((job) => job?.promote());
    await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('has expired') && m.text.includes(`REL-${id}`)), { timeoutMs: 10_000 });
    expect(t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes('has expired'))).toHaveLength(1);
  }, 60_000);
});
