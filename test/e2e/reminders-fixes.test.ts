/**
 * Reminders, escalation and announcements: user groups are expanded for escalation, a stage held only by readiness
 * criteria reminds the criteria's owners, a roles change re-derives reminders at once, announcements say their lead
 * in words and skip a frozen slot, and an expired override says nothing about a closed release.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Freeze } from '../../src/config';
import { grantOverride } from '../../src/usecases/override';
import { processTimer } from '../../src/usecases/timer-jobs';
import { leadInWords } from '../../src/slack/views/timers.view';
import type { Harness } from '../support/harness';
import {
  CHANNELS,
  U,
  approveAndWait,
  approveToScheduling,
  offsetToBeforeSlot,
  openModal,
  policyBase,
  releaseInScheduling,
  requestRelease,
  startHarness,
  textOf,
  waitForCard,
} from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** Timers far enough out that only the jobs a test runs itself fire. */
const SLOW = `windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
reminders: { first_after: 1h, every: 1h, escalate_after: 1h, business_hours: "00:00-24:00", business_days: [mon, tue, wed, thu, fri, sat, sun] }
announcements: [24h, 1h, start, done]
`;

const stageOpenedAt = (t: Harness, id: number) => (t.gl.database.sqlite.prepare('select state_changed_at as at from releases where id = ?').get(id) as { at: number }).at;
/** The card's ts is saved once chat.postMessage has answered, a moment after the card appears. */
const cardSaved = (t: Harness, id: number) =>
  expect.poll(() => (t.gl.database.sqlite.prepare('select card_ts as ts from releases where id = ?').get(id) as { ts: string | null }).ts).toBeTruthy();
const inThread = (t: Harness, card: { channel: string; ts: string }, needle: string) => t.fake.thread(card.channel, card.ts).filter((m) => textOf(m).includes(needle));

describe('escalation', () => {
  it('expands a user group of release managers, and says so honestly when nobody can be told', async () => {
    // global release managers are a group; payments-api's are a group with nobody in it
    const policy = `${policyBase('    roles: { release_manager: [S0NOBODY] }\n').replace('release_manager: [U0RM]', 'release_manager: [S0RMGROUP]')}${SLOW}`;
    const t = await startHarness({ policy });
    h = t;
    t.fake.setUsergroup('S0RMGROUP', [U.rm]);
    t.fake.setUsergroup('S0NOBODY', []);
    const run = processTimer(t.gl.deps);

    const web = await requestRelease(t, U.requester, { Service: 'web' }, CHANNELS.releases);
    await cardSaved(t, web.id);
    await run('escalate', { releaseId: web.id, stageOpenedAt: stageOpenedAt(t, web.id) });
    expect(t.fake.dms(U.rm).filter((m) => m.text.includes(`:rotating_light: REL-${web.id} `))).toHaveLength(1);
    const webCard = { channel: CHANNELS.releases, ts: web.card.ts };
    expect(inThread(t, webCard, 'Release managers have been told.')).toHaveLength(1);

    const pay = await requestRelease(t);
    await cardSaved(t, pay.id);
    await run('escalate', { releaseId: pay.id, stageOpenedAt: stageOpenedAt(t, pay.id) });
    const payCard = { channel: CHANNELS.payments, ts: pay.card.ts };
    expect(inThread(t, payCard, 'No release manager could be told: nobody holds the role for payments-api.')).toHaveLength(1);
    expect(inThread(t, payCard, 'have been told')).toHaveLength(0);
    expect(t.fake.dms(U.rm).filter((m) => m.text.includes(`REL-${pay.id} `))).toHaveLength(0);
  }, 60_000);
});

describe('a sign-off held only by readiness criteria', () => {
  it("reminds the criteria's owners (no Approve button) and names them in the escalation", async () => {
    const policy = `${policyBase()}${SLOW.replace('first_after: 1h', 'first_after: 1s')}`;
    const t = await startHarness({ policy });
    h = t;
    const { id, card } = await requestRelease(t);
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(t, U.reviewer, at);
    await approveAndWait(t, U.qa, at);
    // CI reports all but tests and security; both sign-off approvals come in
    for (const criterion of ['performance', 'business', 'feedback']) {
      expect((await t.api('POST', `/api/v1/releases/${id}/checks`, { criterion, status: 'passed' })).status).toBe(200);
    }
    expect((await t.api('POST', `/api/v1/releases/${id}/checks`, { criterion: 'security', status: 'failed' })).status).toBe(200);
    await approveAndWait(t, U.rm, at);
    await approveAndWait(t, U.pm, at);
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('*Sign-off*'));

    const reminder = await t.fake.waitFor(() => t.fake.dms(U.qa).find((m) => textOf(m).includes(`REL-${id} is waiting on you for readiness`)), {
      description: 'the QA reminder about Tests complete',
    });
    expect(textOf(reminder)).toContain('Tests complete');
    expect(textOf(reminder)).not.toContain('"Approve"');
    const ops = await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => textOf(m).includes(`REL-${id} is waiting on you for readiness`)), {
      description: 'the operations reminder about the failed security criterion',
    });
    expect(textOf(ops)).toContain('No new vulnerabilities* (failed');
    // the product manager's criteria are met: nothing waits on them
    expect(t.fake.dms(U.pm).filter((m) => textOf(m).includes(`REL-${id} is waiting on you for readiness`))).toHaveLength(0);

    await processTimer(t.gl.deps)('escalate', { releaseId: id, stageOpenedAt: stageOpenedAt(t, id) });
    const line = inThread(t, at, ':rotating_light:')[0];
    expect(line?.text).toContain(`Still waiting on <@${U.qa}>`);
    expect(line?.text).toContain(`<@${U.ops}>`);
    expect(line?.text).not.toContain('nobody assigned');
  }, 60_000);
});

describe('a roles change', () => {
  it('gives a newly added member their reminder timer without a restart', async () => {
    const t = await startHarness({ policy: `${policyBase()}${SLOW}` });
    h = t;
    const { id, card } = await requestRelease(t);
    await approveAndWait(t, U.reviewer, { channel: card.channel, ts: card.ts });
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes(':arrow_forward: *QA*'));
    const opened = stageOpenedAt(t, id);
    const reminderOf = async (user: string) => (await t.gl.timers.pending()).find((j) => j.name === 'reminder' && j.id.startsWith(`release-${id}-reminder-${opened}-${user}-`));
    await expect.poll(() => reminderOf(U.qa)).toBeDefined();

    const cmd = await t.driver.command(U.admin, 'roles');
    expect(cmd.status).toBe(200);
    const modal = await t.fake.waitFor(() => t.fake.openViews(U.admin).find((v) => v.callback_id === 'roles.edit'));
    expect((await t.driver.submitView(U.admin, modal.id, { QA: [U.qa, U.outsider] })).outcome.outcome).toBe('closed');
    await expect.poll(() => reminderOf(U.outsider), { timeout: 10_000 }).toBeDefined();
  }, 60_000);
});

describe('announcements', () => {
  async function scheduledAtSlot() {
    const lead = 2 * 3_600_000;
    const { offset, slot } = offsetToBeforeSlot(lead);
    const t = await startHarness({ policy: `${policyBase()}${SLOW}`, clockOffsetMs: offset });
    h = t;
    const a = await requestRelease(t);
    await approveToScheduling(t, a.id, a.card.ts);
    await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: a.card.ts }, 'Schedule');
    const modal = await openModal(t, U.ops, 'release.schedule');
    expect((await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) })).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Scheduled'));
    const announced = (needle: string) => t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes(needle) && m.text.includes(`REL-${a.id} `));
    return { t, id: a.id, slot, announced, run: processTimer(t.gl.deps) };
  }

  it('say the lead in words: "In 24 hours", "In 1 hour"', async () => {
    const { id, slot, announced, run } = await scheduledAtSlot();
    await run('announce', { releaseId: id, at: slot, offset: 86_400_000 });
    expect(announced(':mega: In 24 hours: ')).toHaveLength(1);
    await run('announce', { releaseId: id, at: slot, offset: 3_600_000 });
    expect(announced(':mega: In 1 hour: ')).toHaveLength(1);
  }, 60_000);

  it('skip a slot that a freeze added to the policy file since now covers', async () => {
    const { t, id, slot, announced, run } = await scheduledAtSlot();
    // (Greenlight restarted with the new policy: the release is still scheduled, the slot job will unschedule it)
    const freeze: Freeze = { start: slot - 3_600_000, end: slot + 3_600_000, reason: 'Incident', services: ['payments-api'], startText: '', endText: '' };
    t.gl.deps.policy.freezes.push(freeze);
    await run('announce', { releaseId: id, at: slot, offset: 3_600_000 });
    expect(announced(':mega:')).toHaveLength(0);
    // the same job without the freeze announces (so the one above was skipped for the freeze alone)
    t.gl.deps.policy.freezes.pop();
    await run('announce', { releaseId: id, at: slot, offset: 5_400_000 });
    expect(announced(':mega:')).toHaveLength(1);
  }, 60_000);

  it('words for leads', () => {
    expect(leadInWords(86_400_000)).toBe('24 hours');
    expect(leadInWords(3_600_000)).toBe('1 hour');
    expect(leadInWords(30 * 60_000)).toBe('30 minutes');
    expect(leadInWords(2 * 86_400_000)).toBe('2 days');
    expect(leadInWords(90 * 60_000)).toBe('1 hour 30 minutes');
    expect(leadInWords(3_000)).toBe('3 seconds');
  });
});

describe('an emergency override that expires', () => {
  it('says freezes apply again only to a release still to deploy, not to a cancelled one', async () => {
    const t = await startHarness({ policy: `${policyBase()}${SLOW}` });
    h = t;
    const open = await releaseInScheduling(t);
    const gone = await releaseInScheduling(t, { Version: '1.4.3' });
    const grant = async (id: number) => {
      const res = await grantOverride(t.gl.deps, { releaseId: id, actor: U.rm, reason: 'Card payments are failing', hours: 4 });
      if (res.kind !== 'granted') throw new Error(`override refused: ${res.kind}`);
      return res.override.id;
    };
    const openOverride = await grant(open.id);
    const goneOverride = await grant(gone.id);
    const cancel = await t.driver.command(U.requester, `cancel REL-${gone.id} not needed`);
    expect(cancel.status).toBe(200);
    await waitForCard(t, CHANNELS.payments, gone.id, (c) => c.includes('Cancelled'));

    t.advanceClock(5 * 3_600_000);
    const run = processTimer(t.gl.deps);
    await run('override-expire', { overrideId: goneOverride, releaseId: gone.id });
    await run('override-expire', { overrideId: openOverride, releaseId: open.id });
    const expired = (id: number) => t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes(`emergency override for REL-${id} `) && m.text.includes('has expired'));
    expect(expired(open.id)).toHaveLength(1);
    expect(inThread(t, open.card, 'freezes apply to it again')).toHaveLength(1);
    expect(expired(gone.id)).toHaveLength(0);
    expect(inThread(t, gone.card, 'freezes apply to it again')).toHaveLength(0);
  }, 90_000);
});
