import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, findCard, responsesTo, startHarness, textOf, waitForCard } from '../support/harness';
import type { FakeTarget } from '../support/deploy-fixtures';
import { DEPLOYING, auditActions, policyWith, scheduledRelease, startTarget, threadTexts, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
let health: FakeTarget | null = null;
afterEach(async () => {
  await h?.close();
  await health?.close();
  h = null;
  health = null;
});

async function deployed(t: Harness) {
  const a = await scheduledRelease(t);
  await t.driver.clickButton(U.ops, a.card, 'Start deploy');
  await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(DEPLOYING));
  await t.driver.clickButton(U.ops, a.card, 'Mark deployed');
  await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring'));
  return a;
}

describe('post-release monitoring', () => {
  it('probes the health check during the watch; a healthy watch ends released, announced, with a check-in to operations', async () => {
    health = await startTarget();
    const t = await startHarness({ policy: policyWith({ health: `${health.url}/healthz` }) });
    h = t;
    const a = await deployed(t);
    await waitForThread(t, a.card, 'probing');
    // the probe runs from a job scheduler with a stable id while the watch lasts (set just after the thread line)
    const schedulerKeys = async () => (await t.gl.timers.queue.getJobSchedulers()).map((s) => s.key);
    await expect.poll(schedulerKeys, { timeout: 10_000 }).toContain(`release-${a.id}-health-probe`);
    // Redis loses everything mid-watch: the probe scheduler and the end of the watch come back from SQLite
    // (no assertion that the queue is empty in between: a probe already running may re-sync its own timers)
    await t.gl.timers.queue.obliterate({ force: true });
    await t.gl.timers.rebuild();
    expect((await t.gl.timers.queue.getJobSchedulers()).map((s) => s.key)).toContain(`release-${a.id}-health-probe`);
    expect((await t.gl.timers.pending()).map((j) => j.name)).toContain('monitor-end');
    await t.fake.waitFor(() => (health && health.received.length >= 2 ? true : undefined), { timeoutMs: 10_000 });

    const done = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes(`Released: REL-${a.id}`)), { timeoutMs: 15_000 });
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));
    expect(done.text).toContain('payments-api');
    const checkin = await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => textOf(m).includes(`The watch of REL-${a.id}`)));
    expect(textOf(checkin)).toContain('stayed healthy');
    expect(textOf(checkin)).toContain('All good');
    expect(textOf(checkin)).toContain('Found an issue');
    await waitForThread(t, a.card, 'the watch ended with healthy checks');
    // the scheduler is gone once the watch ended, and probing stopped
    expect((await t.gl.timers.queue.getJobSchedulers()).map((s) => s.key)).not.toContain(`release-${a.id}-health-probe`);
    const probes = health.received.length;
    // "All good" afterwards changes nothing
    await t.driver.clickButton(U.ops, { channel: checkin.channel, ts: checkin.ts }, 'All good');
    await t.fake.waitFor(() => responsesTo(t, U.ops, 'already released').length > 0 || undefined);
    expect(health.received.length).toBeLessThanOrEqual(probes + 1);
    expect(t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes(`Released: REL-${a.id}`))).toHaveLength(1);
    const audit = (await auditActions(t, a.id)).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['deploy.succeeded', 'monitoring.ended', 'release.released']));
  }, 60_000);

  it('without a health check, operations sign off the watch from the check-in DM', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await deployed(t);
    const checkin = await t.fake.waitFor(() => t.fake.dms(U.ops2).find((m) => textOf(m).includes(`The watch of REL-${a.id}`)), { timeoutMs: 15_000 });
    expect(textOf(checkin)).toContain('How does it look?');
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).toContain('Monitoring');
    await t.driver.clickButton(U.ops2, { channel: checkin.channel, ts: checkin.ts }, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));
    await waitForThread(t, a.card, `<@${U.ops2}>: all good`);
    expect(threadTexts(t, a.card).filter((m) => m.includes('is *released*'))).toHaveLength(1);
  }, 60_000);

  it('"Found an issue" from the check-in DM tells the thread, offers Roll back, makes the review mandatory; only operations or release managers may', async () => {
    const t = await startHarness({ policy: policyWith({}, { review: '1h' }) }); // reviews normally wait an hour
    h = t;
    const a = await deployed(t);
    const checkin = await t.fake.waitFor(() => t.fake.dms(U.ops2).find((m) => textOf(m).includes(`The watch of REL-${a.id}`)), { timeoutMs: 15_000 });
    const dm = { channel: checkin.channel, ts: checkin.ts };

    // a developer who gets hold of the button is refused, and nothing is told
    await t.driver.clickButton(U.requester, dm, 'Found an issue');
    await t.fake.waitFor(() => responsesTo(t, U.requester, 'Only operations or release managers can report an issue').length > 0 || undefined);
    expect(threadTexts(t, a.card).some((m) => m.includes('found an issue'))).toBe(false);

    // signed off first: released; then an issue turns up while the rollback is still offered
    await t.driver.clickButton(U.ops2, dm, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));
    // the release's review is set for an hour from now (review.prompt_after) before the issue turns up
    const laterReview = async () => (await t.gl.timers.pending()).some((j) => j.name === 'review-open' && j.at > Date.now() + 60_000);
    await expect.poll(laterReview, { timeout: 10_000 }).toBe(true);
    await t.driver.clickButton(U.ops2, dm, 'Found an issue');
    await t.fake.waitFor(() => responsesTo(t, U.ops2, `Told the REL-${a.id} thread; Roll back is there`).length > 0 || undefined);
    const told = await waitForThread(t, a.card, `<@${U.ops2}> found an issue with REL-${a.id}`);
    expect(textOf(told)).toContain('roll back if needed');
    expect(textOf(told)).toContain('Roll back');
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'monitoring.issue_reported')).toHaveLength(1);
    // the issue makes the post-release review mandatory, so it opens now rather than after the usual wait
    const review = await t.fake.waitFor(() => t.fake.messages(CHANNELS.payments).find((m) => textOf(m).includes(`Post-release review of REL-${a.id}`)), { timeoutMs: 10_000 });
    expect(textOf(review)).toBeTruthy();

    // Roll back from that message: one click, the card and the thread say so
    await t.driver.clickButton(U.ops2, { channel: told.channel, ts: told.ts }, 'Roll back');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('*Rolled back*'));
    await waitForThread(t, a.card, `REL-${a.id} is *rolled back*`);
    expect((await auditActions(t, a.id)).map((e) => e.action)).toContain('release.rolled_back');
  }, 60_000);

  it('the card offers Roll back for rollback.offer_for after release, then drops it; the timer survives a Redis flush', async () => {
    // rollback: { offer_for: 7d }; the review waits 30 days, so nothing else re-renders the card in between
    const t = await startHarness({ policy: policyWith({}, { review: '30d' }) });
    h = t;
    const a = await deployed(t);
    const checkin = await t.fake.waitFor(() => t.fake.dms(U.ops2).find((m) => textOf(m).includes(`The watch of REL-${a.id}`)), { timeoutMs: 15_000 });
    await t.driver.clickButton(U.ops2, { channel: checkin.channel, ts: checkin.ts }, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*') && c.includes('Roll back'));
    const names = async () => (await t.gl.timers.pending()).map((j) => j.name);
    await expect.poll(names, { timeout: 10_000 }).toContain('rollback-offer-end');
    // Redis loses everything: the end of the rollback window comes back from SQLite
    await t.gl.timers.queue.obliterate({ force: true });
    await t.gl.timers.rebuild();
    expect(await names()).toContain('rollback-offer-end');

    // eight days later the window has closed: firing the due timers re-renders the card without Roll back
    t.advanceClock(8 * 24 * 3_600_000);
    // (the morning digest may come first: fire in order until the window's end has fired)
    for (let i = 0; i < 5; i++) {
      const fired = await t.gl.timers.fireNext();
      if (!fired || fired.includes('rollback-offer-end')) break;
    }
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*') && !c.includes('Roll back'));
    await expect.poll(names, { timeout: 10_000 }).not.toContain('rollback-offer-end');
  }, 60_000);

  it('a health check that fails and recovers during the watch is told in the thread, and the watch is not signed off without a person', async () => {
    health = await startTarget();
    const probe = health;
    const t = await startHarness({ policy: policyWith({ health: `${probe.url}/healthz` }, { monitoring: '{ duration: 20s, check_every: 1s }' }) });
    h = t;
    const a = await deployed(t);
    await t.fake.waitFor(() => (probe.received.length >= 1 ? true : undefined), { timeoutMs: 10_000 });
    probe.status = 503;
    await waitForThread(t, a.card, 'failed 2 times in a row');
    probe.status = 200;
    await waitForThread(t, a.card, `The health check of payments-api answers again after REL-${a.id}`);
    expect((await auditActions(t, a.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['monitoring.health_alert', 'monitoring.health_recovered']));

    // the watch ends healthy, but it had an incident: operations are asked, nothing is released on its own
    const checkin = await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => textOf(m).includes(`The watch of REL-${a.id}`)), { timeoutMs: 30_000 });
    expect(textOf(checkin)).toContain('failed during the watch');
    expect(textOf(checkin)).toContain('How does it look?');
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).not.toContain('*Released*');
    await t.driver.clickButton(U.ops, { channel: checkin.channel, ts: checkin.ts }, 'All good');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));
    expect(threadTexts(t, a.card).filter((m) => m.includes('answers again'))).toHaveLength(1);
  }, 90_000);
});
