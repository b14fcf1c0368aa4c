/**
 * What happens when a scheduled release's slot comes: a start a crash interrupted is finished by the retried job or
 * the timer rebuild; the `start` announcement goes out once whichever way the deploy started; a slot whose window is
 * over sends the release back to scheduling; waiting on the deploy lock says so once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { processTimer } from '../../src/usecases/timer-jobs';
import type { Harness } from '../support/harness';
import { CHANNELS, TIMER_POLICY, U, approveToScheduling, offsetToBeforeSlot, openModal, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';
import type { FakeTarget } from '../support/deploy-fixtures';
import { DEPLOYING, WEBHOOK_SECRET, auditActions, policyWith, scheduledRelease, startTarget, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
let target: FakeTarget | null = null;
afterEach(async () => {
  await h?.close();
  await target?.close();
  h = null;
  target = null;
});

interface ReleaseRow {
  state: string;
  scheduled_at: number | null;
  state_changed_at: number;
}
const row = (t: Harness, id: number) => t.gl.database.sqlite.prepare('select state, scheduled_at, state_changed_at from releases where id = ?').get(id) as ReleaseRow;
const deployRow = (t: Harness, id: number) =>
  t.gl.database.sqlite.prepare('select started_by, started_at from deploys where release_id = ?').get(id) as { started_by: string; started_at: number } | undefined;
const announced = (t: Harness, id: number, needle: string) => t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes(needle) && m.text.includes(`REL-${id} `));
const inThread = (t: Harness, card: { channel: string; ts: string }, needle: string) => t.fake.thread(card.channel, card.ts).filter((m) => textOf(m).includes(needle));
const slotOpenDms = (t: Harness, id: number) => t.fake.dms(U.ops).filter((m) => m.text.includes('deploy slot is open') && m.text.includes(`REL-${id} `));

/** The crash point: the slot's move to deploying committed, the process died before anything else happened. */
function crashAfterStateMove(t: Harness, id: number): number {
  const slot = row(t, id).scheduled_at;
  if (slot === null) throw new Error('not scheduled');
  t.gl.database.sqlite.prepare("update releases set state = 'deploying', state_changed_at = ?, updated_at = ? where id = ?").run(t.gl.deps.now(), t.gl.deps.now(), id);
  expect(deployRow(t, id)).toBeUndefined();
  return slot;
}

async function scheduleAt(t: Harness, ts: string, slot: number): Promise<void> {
  await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts }, 'Schedule');
  const modal = await openModal(t, U.ops, 'release.schedule');
  expect((await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) })).outcome.outcome).toBe('closed');
}

describe('a slot start a crash interrupted', () => {
  it('the retried slot job creates the deploy, calls the webhook and sends every message once', async () => {
    target = await startTarget();
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/deploy` }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await scheduledRelease(t);
    const slot = crashAfterStateMove(t, a.id);

    const run = processTimer(t.gl.deps);
    await run('window-start', { releaseId: a.id, at: slot });
    await run('window-start', { releaseId: a.id, at: slot }); // and once more: nothing twice
    expect(deployRow(t, a.id)?.started_by).toBe('greenlight');
    await waitForThread(t, a.card, `deploy webhook of payments-api accepted REL-${a.id}`);
    expect(target.received).toHaveLength(1);
    expect(inThread(t, a.card, 'calling the payments-api deploy webhook')).toHaveLength(1);
    expect(inThread(t, a.card, 'deploy slot is open')).toHaveLength(1);
    expect(announced(t, a.id, 'Deploying now')).toHaveLength(1);
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'deploy.started')).toHaveLength(1);
  }, 60_000);

  it('the timer rebuild at start finishes it too', async () => {
    target = await startTarget();
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/deploy` }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await scheduledRelease(t);
    crashAfterStateMove(t, a.id);

    await t.gl.timers.rebuild();
    await waitForThread(t, a.card, `deploy webhook of payments-api accepted REL-${a.id}`);
    await t.fake.waitFor(() => announced(t, a.id, 'Deploying now')[0], { description: 'the start announcement' });
    expect(deployRow(t, a.id)?.started_by).toBe('greenlight');
    expect(target.received).toHaveLength(1);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Deploying'));
  }, 60_000);
});

describe('the start announcement', () => {
  it('goes out when Start deploy starts the deploy early; the slot then does nothing, deploying or deployed', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    const slot = row(t, a.id).scheduled_at ?? 0;
    await t.driver.clickButton(U.ops, a.card, 'Start deploy');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(DEPLOYING));
    await t.fake.waitFor(() => announced(t, a.id, 'Deploying now')[0], { description: 'the start announcement' });

    const run = processTimer(t.gl.deps);
    await run('window-start', { releaseId: a.id, at: slot }); // the slot comes while it deploys
    await t.driver.clickButton(U.ops, a.card, 'Mark deployed');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring'));
    await run('window-start', { releaseId: a.id, at: slot }); // …or after it is deployed

    expect(inThread(t, a.card, 'deploy slot is open')).toHaveLength(0);
    expect(slotOpenDms(t, a.id)).toHaveLength(0);
    expect(announced(t, a.id, 'Deploying now')).toHaveLength(1);
    expect(announced(t, a.id, 'Deployed:')).toHaveLength(0);
    expect((await auditActions(t, a.id)).some((e) => e.action === 'deploy.window_opened')).toBe(false);
  }, 60_000);

  it('goes out when the pipeline reports started, or succeeded straight from scheduled, once', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'started' })).status).toBe(200);
    await t.fake.waitFor(() => announced(t, a.id, 'Deploying now')[0], { description: 'the start announcement of a reported start' });
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'succeeded' })).status).toBe(200);
    // nothing more is due: the ledger has the announcement
    expect((await t.gl.timers.pending()).filter((j) => j.name === 'announce' && j.id.startsWith(`release-${a.id}-`))).toHaveLength(0);
    expect(announced(t, a.id, 'Deploying now')).toHaveLength(1);
    expect(announced(t, a.id, 'Deployed:')).toHaveLength(0);

    const c = await scheduledRelease(t, { Version: '1.4.3' });
    expect((await t.api('POST', `/api/v1/releases/${c.id}/deployments`, { status: 'succeeded' })).status).toBe(200);
    await t.fake.waitFor(() => announced(t, c.id, 'Deployed:')[0], { description: 'the announcement of a deploy reported done' });
    expect(announced(t, c.id, 'Deploying now')).toHaveLength(0);
  }, 90_000);
});

describe('a slot whose deploy window is over', () => {
  it('missed while Greenlight was down: back to scheduling on restart, saying why, without deploying', async () => {
    const lead = 120_000;
    const { offset, slot } = offsetToBeforeSlot(lead);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const { id, card } = await requestRelease(t);
    await approveToScheduling(t, id, card.ts);
    await scheduleAt(t, card.ts, slot);
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('Scheduled'));

    // Greenlight comes back at 17:00: the Tuesday 10:00-16:00 window is over
    t.advanceClock(lead + 7 * 3_600_000);
    await t.gl.timers.rebuild();
    const at = { channel: CHANNELS.payments, ts: card.ts };
    await waitForThread(t, at, 'production is outside its deploy windows now');
    expect(inThread(t, at, `so REL-${id} did not deploy and is back in scheduling`)).toHaveLength(1);
    expect(row(t, id)).toMatchObject({ state: 'scheduling', scheduled_at: null });
    expect(deployRow(t, id)).toBeUndefined();
    const audit = await auditActions(t, id);
    expect(audit.find((e) => e.action === 'release.unscheduled')?.details).toMatchObject({ reason: 'outside_window', to_state: 'scheduling' });
    expect(audit.some((e) => e.action === 'deploy.window_opened' || e.action === 'deploy.started')).toBe(false);
    await t.fake.waitFor(() => t.fake.dms(U.requester).find((m) => m.text.includes(`REL-${id} (payments-api) was not deployed`)), { description: "the requester's DM" });
    await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => m.text.includes(`REL-${id} (payments-api) was not deployed`)), { description: "the scheduler's DM" });
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('*Scheduling*'));
    expect(announced(t, id, 'Deploying now')).toHaveLength(0);
  }, 90_000);
});

describe('waiting on the deploy lock', () => {
  it('says so once per slot, however often it retries, and gives up when the window closes', async () => {
    const lead = 120_000;
    const { offset, slot } = offsetToBeforeSlot(lead);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const lock = await requestRelease(t, U.requester, { Version: '1.4.1' });
    const b = await requestRelease(t);
    await approveToScheduling(t, b.id, b.card.ts);
    await scheduleAt(t, b.card.ts, slot);
    await waitForCard(t, CHANNELS.payments, b.id, (c) => c.includes('Scheduled'));
    t.gl.database.sqlite.prepare("update releases set state = 'deploying' where id = ?").run(lock.id);

    t.advanceClock(lead + 1_000);
    const run = processTimer(t.gl.deps);
    for (let i = 0; i < 3; i++) {
      await run('window-start', { releaseId: b.id, at: slot });
      t.advanceClock(60_000);
    }
    const at = { channel: CHANNELS.payments, ts: b.card.ts };
    expect(inThread(t, at, `REL-${lock.id} is still deploying payments-api to production`)).toHaveLength(1);
    expect(row(t, b.id).state).toBe('scheduled');

    // still locked when the window closes at 16:00: back to scheduling, naming what it waited on
    t.advanceClock(7 * 3_600_000);
    await run('window-start', { releaseId: b.id, at: slot });
    expect(row(t, b.id).state).toBe('scheduling');
    await waitForThread(t, at, `passed while REL-${lock.id} was still deploying and production is outside its deploy windows now`);
    expect(inThread(t, at, 'is still deploying')).toHaveLength(1);
  }, 90_000);
});
