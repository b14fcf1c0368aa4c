/**
 * The end of the watch and rollbacks: operations as a user group get the check-in and can sign off from the card,
 * a rollback under way is never overridden by "released", the pipeline is named as such, time to restore runs from
 * the incident the rollback answers, and every refusal is audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, clickOnOldCard, findCard, requestRelease, responsesTo, startHarness, textOf, waitForCard } from '../support/harness';
import type { FakeTarget } from '../support/deploy-fixtures';
import { DEPLOYING, WEBHOOK_SECRET, auditActions, policyWith, scheduledRelease, startTarget, threadTexts, waitForThread } from '../support/deploy-fixtures';
import { ACTIONS } from '../../src/slack/ids';

let h: Harness | null = null;
const servers: FakeTarget[] = [];
afterEach(async () => {
  await h?.close();
  h = null;
  for (const s of servers.splice(0)) await s.close();
});

const OPS_GROUP = 'S0OPSGROUP';
/** A watch long enough that it ends only when a test fires its end (endWatch). */
const LONG_WATCH = '{ duration: 1h, check_every: 1m }';

async function deployed(t: Harness) {
  const a = await scheduledRelease(t);
  await t.driver.clickButton(U.ops, a.card, 'Start deploy');
  await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(DEPLOYING));
  await t.driver.clickButton(U.ops, a.card, 'Mark deployed');
  await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring'));
  return a;
}

/** Deployed through a (fake) deploy webhook whose rollback calls fail: a rollback stays under way. */
async function deployedWithFailingRollback(t: Harness, target: FakeTarget) {
  const a = await scheduledRelease(t);
  await t.driver.clickButton(U.ops, a.card, 'Start deploy');
  await waitForThread(t, a.card, `deploy webhook of payments-api accepted REL-${a.id}`);
  expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'succeeded' })).status).toBe(200);
  await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring') && c.includes('Roll back'));
  expect(target.received).toHaveLength(1);
  return a;
}

/** Fires the end of the release's watch now (the job queued at deploy success) and waits until it has run. */
async function endWatch(t: Harness, id: number): Promise<void> {
  const find = async () => (await t.gl.timers.queue.getJobs(['delayed'])).find((j) => j.name === 'monitor-end' && (j.data as { releaseId: number }).releaseId === id)?.id ?? null;
  await expect.poll(find, { timeout: 10_000 }).not.toBeNull();
  const jobId = (await find()) ?? '';
  await (await t.gl.timers.queue.getJob(jobId))?.promote();
  const jobState = async () => (await t.gl.timers.queue.getJob(jobId))?.getState();
  await expect.poll(jobState, { timeout: 15_000 }).toBe('completed');
}

async function state(t: Harness, id: number): Promise<string> {
  return ((await t.api('GET', `/api/v1/releases/${id}`)).body as { state: string }).state;
}

const checkinFor = (t: Harness, user: string, id: number) => t.fake.dms(user).find((m) => textOf(m).includes(`The watch of REL-${id}`));

describe('the end of the watch', () => {
  it('operations as a user group: every member gets the check-in, the thread says who signs off, the card offers All good / Found an issue', async () => {
    const t = await startHarness({ policy: policyWith({}).replace('operations: [U0OPS, U0OPS2]', `operations: [${OPS_GROUP}]`) });
    h = t;
    t.fake.setUsergroup(OPS_GROUP, [U.ops, U.ops2]);
    const a = await deployed(t);

    // the check-in DM reaches the group's members
    const dm = await t.fake.waitFor(() => checkinFor(t, U.ops2, a.id), { timeoutMs: 20_000, description: 'the check-in DM to a group member' });
    expect(checkinFor(t, U.ops, a.id)).toBeDefined();
    // the thread says the watch ended and names who should sign it off
    const ended = await waitForThread(t, a.card, `The watch of REL-${a.id} has ended`);
    expect(textOf(ended)).toContain(`<!subteam^${OPS_GROUP}>`);
    expect(textOf(ended)).toContain('*All good* or *Found an issue* on the card');
    // the card says the watch ended (not "Watching until" a time in the past) and carries the check-in buttons
    const card = textOf(await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Watch ended')));
    expect(card).toContain('waiting for operations to check in');
    expect(card).not.toContain('Watching until');
    expect(card).toContain('All good');
    expect(card).toContain('Found an issue');
    expect(card).toContain('Roll back');

    // someone outside operations is refused privately, audited, and nothing changes
    await t.driver.clickButton(U.requester, a.card, 'All good');
    await t.fake.waitFor(() => responsesTo(t, U.requester, 'Only operations or release managers can sign off the watch').length > 0 || undefined);
    const denied = (await auditActions(t, a.id)).filter((e) => e.action === 'monitoring.denied');
    expect(denied).toEqual([expect.objectContaining({ actor: U.requester, details: expect.objectContaining({ reason: 'not_allowed', attempted: 'all_good' }) })]);
    expect(await state(t, a.id)).toBe('monitoring');

    // a group member signs it off from the card
    await t.driver.clickButton(U.ops, a.card, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*') && !c.includes('All good'));
    await waitForThread(t, a.card, `<@${U.ops}>: all good`);
    // the DM's buttons still work
    await t.driver.clickButton(U.ops2, { channel: dm.channel, ts: dm.ts }, 'All good');
    await t.fake.waitFor(() => responsesTo(t, U.ops2, `REL-${a.id} is already released`).length > 0 || undefined);
    expect(threadTexts(t, a.card).filter((m) => m.includes('is *released*'))).toHaveLength(1);
  }, 60_000);

  it('a rollback under way is not overridden: the watch ending does not release it nor ask for a check-in', async () => {
    const target = await startTarget();
    servers.push(target);
    target.script = [200]; // the deploy webhook is accepted; the rollback's calls fail
    target.status = 500;
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/hook` }, { monitoring: LONG_WATCH }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await deployedWithFailingRollback(t, target);
    await t.driver.clickButton(U.ops, a.card, 'Roll back');
    await waitForThread(t, a.card, `is rolling back REL-${a.id}`);

    // the end of the watch, queued at deploy success, fires while the rollback webhook is still failing
    await endWatch(t, a.id);
    expect(await state(t, a.id)).toBe('monitoring');
    const actions = (await auditActions(t, a.id)).map((e) => e.action);
    expect(actions).toContain('release.rollback_requested');
    expect(actions).not.toContain('monitoring.ended');
    expect(actions).not.toContain('release.released');
    expect(checkinFor(t, U.ops, a.id)).toBeUndefined();
    expect(checkinFor(t, U.ops2, a.id)).toBeUndefined();
    expect(threadTexts(t, a.card).some((m) => m.includes('has ended'))).toBe(false);
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).not.toContain('All good');
  }, 60_000);

  it('All good while a rollback is under way is refused privately and audited; nothing is released or announced', async () => {
    const target = await startTarget();
    servers.push(target);
    target.script = [200];
    target.status = 500;
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/hook` }, { monitoring: LONG_WATCH }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await deployedWithFailingRollback(t, target);
    await endWatch(t, a.id);
    const dm = await t.fake.waitFor(() => checkinFor(t, U.ops, a.id), { description: 'the check-in DM' });
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('All good'));

    // an issue turns up: Roll back from the card; its webhook keeps failing
    await t.driver.clickButton(U.ops, a.card, 'Roll back');
    await waitForThread(t, a.card, `is rolling back REL-${a.id}`);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Rollback requested') && !c.includes('All good') && !c.includes('Watch ended'));

    // the check-in DM's All good must not turn the rollback into a release
    await t.driver.clickButton(U.ops, { channel: dm.channel, ts: dm.ts }, 'All good');
    await t.fake.waitFor(() => responsesTo(t, U.ops, `A rollback of REL-${a.id} is under way`).length > 0 || undefined);
    expect(await state(t, a.id)).toBe('monitoring');
    const audit = await auditActions(t, a.id);
    expect(audit.map((e) => e.action)).not.toContain('release.released');
    expect(audit.filter((e) => e.action === 'monitoring.denied')).toEqual([
      expect.objectContaining({ actor: U.ops, details: expect.objectContaining({ reason: 'rollback_pending', attempted: 'all_good' }) }),
    ]);
    expect(t.fake.messages(CHANNELS.announce).some((m) => m.text.includes(`Released: REL-${a.id}`))).toBe(false);
    expect(threadTexts(t, a.card).some((m) => m.includes('is *released*'))).toBe(false);
  }, 60_000);
});

describe('rolled back', () => {
  it('reported by the pipeline days after an answered incident: named as the deploy pipeline, time to restore from the rollback', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await deployed(t);
    const checkin = await t.fake.waitFor(() => checkinFor(t, U.ops, a.id), { timeoutMs: 20_000, description: 'the check-in DM' });
    const dm = { channel: checkin.channel, ts: checkin.ts };
    // an issue during the watch, looked into and answered: released
    await t.driver.clickButton(U.ops, dm, 'Found an issue');
    await waitForThread(t, a.card, `<@${U.ops}> found an issue with REL-${a.id}`);
    await t.driver.clickButton(U.ops, dm, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));

    // three days later the pipeline rolls it back
    t.advanceClock(3 * 24 * 3_600_000);
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'rolled_back' })).status).toBe(200);
    const told = await waitForThread(t, a.card, `REL-${a.id} is *rolled back*`);
    expect(textOf(told)).toContain('(reported by the deploy pipeline)');
    expect(textOf(told)).not.toContain('ci');
    const card = textOf(await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('*Rolled back*')));
    expect(card).toContain('*Rolled back* by the deploy pipeline');
    expect(card).not.toContain('by ci');
    const done = (await auditActions(t, a.id)).find((e) => e.action === 'release.rolled_back');
    expect(done?.details.time_to_restore_ms).toEqual(expect.any(Number));
    expect(done?.details.time_to_restore_ms as number).toBeLessThan(60_000);
  }, 60_000);

  it('Mark rolled back on a release that cannot take it is refused privately and audited', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const { id, card } = await requestRelease(t, U.requester, { Environment: 'staging' });
    // an old "Mark rolled back" message (its button carries this release) clicked while the release is in review
    const old = {
      ...card,
      blocks: [{ type: 'actions', block_id: `rollback-manual-${id}`, elements: [{ type: 'button', text: { type: 'plain_text', text: 'Mark rolled back' }, action_id: ACTIONS.markRolledBack, value: `${id}:1` }] }],
    };
    await clickOnOldCard(t, U.ops, old, 'Mark rolled back');
    await t.fake.waitFor(() => responsesTo(t, U.ops, 'it cannot be rolled back').length > 0 || undefined);
    const denied = (await auditActions(t, id)).filter((e) => e.action === 'rollback.denied');
    expect(denied).toEqual([expect.objectContaining({ actor: U.ops, details: expect.objectContaining({ reason: 'wrong_state', attempted: 'mark_rolled_back', state: 'review' }) })]);
    expect(await state(t, id)).toBe('review');
  }, 60_000);
});
