import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, findCard, responsesTo, startHarness, textOf, waitForCard } from '../support/harness';
import type { FakeTarget } from '../support/deploy-fixtures';
import { DEPLOYING, WEBHOOK_SECRET, auditActions, policyWith, scheduledRelease, startTarget, threadTexts, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
const servers: FakeTarget[] = [];
afterEach(async () => {
  await h?.close();
  h = null;
  for (const s of servers.splice(0)) await s.close();
});

describe('rollback', () => {
  it('failing health checks raise an alert with Roll back; the rollback webhook runs once however often it is clicked; the card shows the time to restore', async () => {
    const target = await startTarget();
    const health = await startTarget();
    servers.push(target, health);
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/hook`, health: `${health.url}/healthz` }, { monitoring: '{ duration: 30s, check_every: 1s }' }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await scheduledRelease(t);
    await t.driver.clickButton(U.ops, a.card, 'Start deploy');
    await waitForThread(t, a.card, `deploy webhook of payments-api accepted REL-${a.id}`);
    const res = await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'succeeded' });
    expect(res.status).toBe(200);
    await t.fake.waitFor(() => (health.received.length >= 1 ? true : undefined), { timeoutMs: 10_000 });

    health.status = 500;
    const alert = await waitForThread(t, a.card, 'failed 2 times in a row');
    expect(textOf(alert)).toContain(`<@${U.ops}>`);
    expect(textOf(alert)).toContain('Roll back');
    expect(JSON.stringify(alert.blocks)).toContain('"confirm"');

    // a developer may not roll back
    await t.driver.clickButton(U.requester, { channel: alert.channel, ts: alert.ts }, 'Roll back');
    await t.fake.waitFor(() => responsesTo(t, U.requester, 'Only operations or release managers').length > 0 || undefined);

    // a double click (ops, then the release manager on the card) rolls back once
    await Promise.all([
      t.driver.clickButton(U.ops, { channel: alert.channel, ts: alert.ts }, 'Roll back'),
      t.driver.clickButton(U.ops, { channel: alert.channel, ts: alert.ts }, 'Roll back'),
    ]);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('*Rolled back*') && c.includes('time to restore'), );
    await t.fake.waitFor(() => responsesTo(t, U.ops, 'already').length > 0 || undefined);
    const rollbacks = target.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === 'rollback');
    expect(rollbacks).toHaveLength(1);
    const payload = new Webhook(WEBHOOK_SECRET).verify(rollbacks[0]?.body ?? '', rollbacks[0]?.headers as Record<string, string>) as { type: string; release: { id: string } };
    expect(payload).toMatchObject({ type: 'rollback', release: { id: `REL-${a.id}` } });
    await waitForThread(t, a.card, `REL-${a.id} is *rolled back* (<@${U.ops}>). Time to restore:`);
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).not.toContain('"text":"Roll back"');

    const audit = await auditActions(t, a.id);
    expect(audit.filter((e) => e.action === 'release.rollback_requested')).toHaveLength(1);
    const done = audit.find((e) => e.action === 'release.rolled_back');
    expect(done?.actor).toBe(U.ops);
    expect(typeof done?.details.time_to_restore_ms).toBe('number');
    expect(audit.map((e) => e.action)).toContain('monitoring.health_alert');
    // probing stopped with the rollback
    expect((await t.gl.timers.queue.getJobSchedulers()).map((s) => s.key)).not.toContain(`release-${a.id}-health-probe`);
  }, 60_000);

  it('a failed deploy offers rollback at once; without a webhook it is a guided manual rollback; the card warns when the rollback was not exercised', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    // never rolled back: the card warns
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).toContain('The rollback of payments-api has not been exercised for 90d (last: never)');
    await t.driver.clickButton(U.ops, a.card, 'Start deploy');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(DEPLOYING));
    await t.driver.clickButton(U.ops, a.card, 'Mark failed');
    const offer = await waitForThread(t, a.card, `The deploy of REL-${a.id} failed`);
    expect(textOf(offer)).toContain('Redeploy 1.4.1 with the deploy pipeline.');
    expect(textOf(offer)).toContain('Roll back');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':x: *Failed*') && c.includes('Roll back'));

    // the manual rollback confirm text points at the plan
    expect(JSON.stringify(offer.blocks)).toContain('rolled back by hand following the rollback plan');
    await t.driver.clickButton(U.rm, { channel: offer.channel, ts: offer.ts }, 'Roll back');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('*Rolled back*') && c.includes(`<@${U.rm}>`));
    await waitForThread(t, a.card, 'Rollback plan followed: Redeploy 1.4.1');

    // the next release of the service shows when the rollback last ran, without the warning
    const b = await scheduledRelease(t, { Version: '1.4.4' });
    const cardB = textOf(findCard(t, CHANNELS.payments, b.id) ?? {});
    expect(cardB).toContain('Rollback of payments-api last exercised');
    expect(cardB).not.toContain('has not been exercised');
    expect(threadTexts(t, a.card).filter((m) => m.includes('is *rolled back*'))).toHaveLength(1);
  }, 60_000);

  it('a rollback webhook that keeps failing gives up after 5 attempts and hands over: roll back by hand, then Mark rolled back', async () => {
    const target = await startTarget();
    servers.push(target);
    target.script = [200]; // the deploy webhook is accepted; every call after it fails
    target.status = 500;
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/hook` }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await scheduledRelease(t);
    await t.driver.clickButton(U.ops, a.card, 'Start deploy');
    await waitForThread(t, a.card, `deploy webhook of payments-api accepted REL-${a.id}`);
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'succeeded' })).status).toBe(200);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring') && c.includes('Roll back'));

    await t.driver.clickButton(U.ops, a.card, 'Roll back');
    const handover = await waitForThread(t, a.card, 'The rollback webhook of payments-api failed 5 times', 60_000);
    expect(textOf(handover)).toContain(`Roll REL-${a.id} back by hand following the rollback plan`);
    expect(target.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === 'rollback')).toHaveLength(5);
    expect((await auditActions(t, a.id)).filter((e) => e.action === 'webhook.failed')).toHaveLength(1);
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).not.toContain('*Rolled back*');

    // a developer may not mark it; operations may, once
    await t.driver.clickButton(U.requester, { channel: handover.channel, ts: handover.ts }, 'Mark rolled back');
    await t.fake.waitFor(() => responsesTo(t, U.requester, 'Only operations or release managers').length > 0 || undefined);
    await t.driver.clickButton(U.ops, { channel: handover.channel, ts: handover.ts }, 'Mark rolled back');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('*Rolled back*') && c.includes('time to restore'));
    const audit = await auditActions(t, a.id);
    expect(audit.find((e) => e.action === 'release.rolled_back')?.actor).toBe(U.ops);
    expect(target.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === 'rollback')).toHaveLength(5);
  }, 120_000);
});
