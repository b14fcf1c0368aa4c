/**
 * A slot already announced in the announcements channel ("In 30 seconds: REL-n … deploys at …") that then changes
 * gets one follow-up there: moved, off (readiness failed, back to sign-off), or its release cancelled. A slot moved
 * before anyone was told gets none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, TEST_POLICY, U, approveToScheduling, offsetToBeforeSlot, openModal, requestRelease, startHarness, textOf, threadLines, waitForCard } from '../support/harness';

const POLICY = `${TEST_POLICY}
windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
announcements: [30s, start, done]
`;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const HALF_HOUR = 1_800_000;

/** Opens the schedule modal from the card and picks `slot`; resolves when the card's thread says so. */
async function schedule(t: Harness, card: { channel: string; ts: string }, slot: number): Promise<void> {
  const before = threadLines(t, card.channel, card.ts, ':calendar:').length;
  await t.driver.clickButton(U.ops, card, 'Schedule');
  const modal = await openModal(t, U.ops, 'release.schedule');
  const res = await t.driver.submitView(U.ops, modal.id, { 'Deploy date and time': slot / 1_000 });
  expect(res.outcome.outcome).toBe('closed');
  await t.fake.waitFor(() => threadLines(t, card.channel, card.ts, ':calendar:').length > before || undefined, { description: 'the schedule line in the thread' });
}

const announced = (t: Harness, id: number, needle: string) => t.fake.messages(CHANNELS.announce).filter((m) => textOf(m).includes(needle) && textOf(m).includes(`REL-${id}`));

function ledgerKeys(t: Harness, prefix: string): string[] {
  const rows = t.gl.database.sqlite.prepare('select dedupe_key as k from sent_messages where dedupe_key like ?').all(`${prefix}%`) as { k: string }[];
  return rows.map((r) => r.k);
}

describe('announced slots that change get one follow-up in the announcements channel', () => {
  it('moved, off (readiness failed) and cancelled each get one follow-up; a slot moved before it was announced gets none', async () => {
    // Greenlight's clock starts ten minutes before Tuesday 10:00 (slot S), so the approvals take no slot's time.
    const { offset, slot: S } = offsetToBeforeSlot(600_000);
    const t = await startHarness({ policy: POLICY, clockOffsetMs: offset });
    h = t;
    const a = await requestRelease(t); // payments-api to production
    const b = await requestRelease(t, U.requester, { Version: '1.5.0', Environment: 'staging' });
    const c = await requestRelease(t, U.requester, { Version: '1.6.0' });
    const d = await requestRelease(t, U.requester, { Service: 'web', Version: '3.0.0' }, CHANNELS.releases);
    const cardOf = (x: { card: { ts: string } }, channel: string = CHANNELS.payments) => ({ channel, ts: x.card.ts });
    for (const x of [a, b, c]) await approveToScheduling(t, x.id, x.card.ts);
    await approveToScheduling(t, d.id, d.card.ts, CHANNELS.releases);

    // C: scheduled and moved long before its slot would be announced.
    await schedule(t, cardOf(c), S + HALF_HOUR);
    await schedule(t, cardOf(c), S + 2 * HALF_HOUR);
    await t.fake.waitFor(() => threadLines(t, CHANNELS.payments, c.card.ts, 'moved the deploy')[0], { description: "C's move in its thread" });

    // Now 50 s before S: A, B and D take slot S, announced 30 s ahead.
    t.advanceClock(S - 50_000 - t.gl.deps.now());
    await schedule(t, cardOf(a), S);
    await schedule(t, cardOf(b), S);
    await schedule(t, cardOf(d, CHANNELS.releases), S);
    for (const x of [a, b, d]) {
      await t.fake.waitFor(() => announced(t, x.id, 'In 30 seconds')[0], { timeoutMs: 40_000, description: `REL-${x.id}'s announcement` });
    }

    // A moves to S + 30 min; B is cancelled; D's tests fail (back to sign-off): all before S comes.
    await schedule(t, cardOf(a), S + HALF_HOUR);
    const cancel = await t.driver.command(U.requester, `cancel REL-${b.id} wrong build`, { channelId: CHANNELS.general });
    expect(cancel.status).toBe(200);
    const check = await t.api('POST', `/api/v1/releases/${d.id}/checks`, { criterion: 'tests', status: 'failed' });
    expect(check.status).toBe(200);
    expect(t.gl.deps.now()).toBeLessThan(S);

    const moved = await t.fake.waitFor(() => announced(t, a.id, ':arrows_counterclockwise:')[0], { description: "A's move follow-up" });
    expect(textOf(moved)).toContain(`REL-${a.id} (payments-api \`1.4.2\` to production) moved from <!date^${S / 1000}^`);
    expect(textOf(moved)).toContain(`to <!date^${(S + HALF_HOUR) / 1000}^`);
    expect(textOf(moved)).toMatch(/\(Tue .*10:00.*\) to .*\(Tue .*10:30/);

    const cancelled = await t.fake.waitFor(() => announced(t, b.id, ':no_entry_sign:')[0], { description: "B's cancellation follow-up" });
    expect(textOf(cancelled)).toContain(`REL-${b.id} (payments-api \`1.5.0\` to staging) was cancelled: its deploy at <!date^${S / 1000}^`);
    expect(textOf(cancelled)).toContain('is off.');

    const off = await t.fake.waitFor(() => announced(t, d.id, ':no_entry_sign:')[0], { description: "D's follow-up" });
    expect(textOf(off)).toContain(`REL-${d.id}'s deploy (web \`3.0.0\` to production) at <!date^${S / 1000}^`);
    expect(textOf(off)).toContain('is off: readiness is not met: Tests complete is marked failed; it is back in sign-off.');
    await waitForCard(t, CHANNELS.releases, d.id, (x) => x.includes('Sign-off'));

    // Exactly one follow-up per change, none for C (moved before its slot was announced).
    expect(announced(t, a.id, ':arrows_counterclockwise:')).toHaveLength(1);
    expect(announced(t, b.id, ':no_entry_sign:')).toHaveLength(1);
    expect(announced(t, d.id, ':no_entry_sign:')).toHaveLength(1);
    expect(ledgerKeys(t, `announce-change-${a.id}-${S}-`)).toHaveLength(1);
    expect(ledgerKeys(t, `announce-change-${b.id}-${S}-`)).toHaveLength(1);
    expect(ledgerKeys(t, `announce-change-${d.id}-${S}-`)).toHaveLength(1);
    expect(ledgerKeys(t, `announce-change-${c.id}-`)).toEqual([]);
    expect(t.fake.messages(CHANNELS.announce).filter((m) => textOf(m).includes(`REL-${c.id} `) || textOf(m).includes(`REL-${c.id}'s`))).toEqual([]);
  }, 120_000);
});
