import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { API_TOKEN, CHANNELS, U, approveToScheduling, findCard, offsetToBeforeSlot, openModal, requestRelease, responsesTo, startHarness, textOf, waitForCard } from '../support/harness';
import { grantOverride } from '../../src/usecases/override';
import { derivePostReleaseTimers } from '../../src/usecases/post-release-timers';
import type { FakeTarget } from '../support/deploy-fixtures';
import { DEPLOYING, WEBHOOK_SECRET, auditActions, policyWith, scheduledRelease, startTarget, threadTexts, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
let target: FakeTarget | null = null;
afterEach(async () => {
  await h?.close();
  await target?.close();
  h = null;
  target = null;
});

describe('deploy', () => {
  it('calls the signed deploy webhook when the slot opens, retries it after a 500, and it arrives once', async () => {
    target = await startTarget();
    target.script = [500];
    const { offset, slot } = offsetToBeforeSlot(6_000);
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/deploy` }), clockOffsetMs: offset, env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const { id, card } = await requestRelease(t, U.requester, { Links: 'https://ci.example/run/1' });
    await approveToScheduling(t, id, card.ts);
    await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: card.ts }, 'Schedule');
    const modal = await openModal(t, U.ops, 'release.schedule');
    expect((await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) })).outcome.outcome).toBe('closed');

    const at = { channel: CHANNELS.payments, ts: card.ts };
    await waitForThread(t, at, `deploy webhook of payments-api accepted REL-${id} after 2 attempts`, 30_000);
    expect(target.received.map((r) => r.status)).toEqual([500, 200]);
    const wh = new Webhook(WEBHOOK_SECRET);
    for (const req of target.received) {
      // verify() throws on a bad signature or a timestamp outside its tolerance
      const payload = wh.verify(req.body, req.headers as Record<string, string>) as { type: string; release: Record<string, unknown> };
      expect(payload.type).toBe('deploy');
      expect(payload.release).toMatchObject({
        id: `REL-${id}`,
        service: 'payments-api',
        version: '1.4.2',
        environment: 'production',
        title: 'Faster checkout',
        rollback_plan: 'Redeploy 1.4.1 with the deploy pipeline.',
        risk: 'medium',
        requested_by: U.requester,
        links: ['https://ci.example/run/1'],
      });
    }
    // one delivery: the retry carries the same webhook-id
    expect(new Set(target.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    // a forged signature does not verify
    const first = target.received[0];
    if (!first) throw new Error('no request');
    expect(() => new Webhook(`whsec_${Buffer.from('another-secret-another-secret-xx').toString('base64')}`).verify(first.body, first.headers as Record<string, string>)).toThrow();

    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('Deploying') && c.includes('Mark deployed') && c.includes('Mark failed') && c.includes('Roll back'));
    const audit = await auditActions(t, id);
    expect(audit.filter((a) => a.action === 'deploy.started')).toHaveLength(1);
    expect(audit.find((a) => a.action === 'webhook.delivered')?.details).toMatchObject({ type: 'deploy', attempts: 2, status: 200 });
    // the window start was announced once and the webhook was not sent again (e.g. by a timer rebuild)
    await t.gl.timers.rebuild();
    await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('Deploying now') && m.text.includes(`REL-${id}`)));
    expect(target.received).toHaveLength(2);
  }, 60_000);

  it('Start deploy asks for confirmation; without a webhook operations deploy by hand and Mark deployed; the deploy lock ends with the deploy', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    const startButton = JSON.stringify(findCard(t, CHANNELS.payments, a.id)?.blocks);
    expect(startButton).toMatch(/"text":"Start deploy".*"confirm"/);

    // only operations start deploys
    await t.driver.clickButton(U.requester, a.card, 'Start deploy');
    await t.fake.waitFor(() => responsesTo(t, U.requester, 'Only operations can start').length > 0 || undefined);
    expect(textOf(findCard(t, CHANNELS.payments, a.id) ?? {})).toContain('Scheduled');

    await t.driver.clickButton(U.ops, a.card, 'Start deploy');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(DEPLOYING));
    await waitForThread(t, a.card, 'has no deploy webhook: deploy `1.4.2` by hand');

    // a second release of the same service and environment waits for the lock
    const b = await scheduledRelease(t, { Version: '1.4.3' });
    await t.driver.clickButton(U.ops2, b.card, 'Start deploy');
    await t.fake.waitFor(() => responsesTo(t, U.ops2, `REL-${a.id} is still deploying`).length > 0 || undefined);

    await t.driver.clickButton(U.outsider, a.card, 'Mark deployed');
    await t.fake.waitFor(() => responsesTo(t, U.outsider, 'Only operations can mark').length > 0 || undefined);
    await t.driver.clickButton(U.ops, a.card, 'Mark deployed');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring') && c.includes('Watching until'));
    await waitForThread(t, a.card, `REL-${a.id} is deployed (<@${U.ops}>)`);

    // the lock ended with the deploy
    await t.driver.clickButton(U.ops2, b.card, 'Start deploy');
    await waitForCard(t, CHANNELS.payments, b.id, (c) => c.includes('Deploying'));
    const audit = (await auditActions(t, a.id)).map((e) => `${e.action}:${e.actor}`);
    expect(audit).toContain(`deploy.started:${U.ops}`);
    expect(audit).toContain(`deploy.succeeded:${U.ops}`);
  }, 60_000);

  it('Start deploy outside every deploy window is refused, privately and audited, until an emergency override', async () => {
    // an hour before Tuesday's 10:00 production window opens
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const t = await startHarness({ policy: policyWith({}), clockOffsetMs: offset });
    h = t;
    const { id, card } = await requestRelease(t, U.requester);
    await approveToScheduling(t, id, card.ts);
    await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: card.ts }, 'Schedule');
    const modal = await openModal(t, U.ops, 'release.schedule');
    expect((await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) })).outcome.outcome).toBe('closed');
    const at = { channel: CHANNELS.payments, ts: card.ts };
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('Start deploy'));
    const cardBefore = JSON.stringify(findCard(t, CHANNELS.payments, id)?.blocks);

    await t.driver.clickButton(U.ops, at, 'Start deploy');
    const answer = await t.fake.waitFor(() => responsesTo(t, U.ops, 'outside its deploy windows')[0], { description: 'the refusal' });
    expect(answer).toContain('the next opens Tue');
    expect(answer).toContain('10:00');
    const denied = (await auditActions(t, id)).filter((e) => e.action === 'deploy.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: U.ops, details: { reason: 'outside_window', attempted: 'start', state: 'scheduled' } });
    expect(JSON.stringify(findCard(t, CHANNELS.payments, id)?.blocks)).toBe(cardBefore);

    // break-glass: an emergency override lets operations start now
    expect(await grantOverride(t.gl.deps, { releaseId: id, actor: U.rm, reason: 'Card payments are failing', hours: 4 })).toMatchObject({ kind: 'granted' });
    await t.driver.clickButton(U.ops, at, 'Start deploy');
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes(DEPLOYING));
  }, 60_000);

  it('a deploy the pipeline reports as started through the API does not call the deploy webhook (it would deploy twice)', async () => {
    target = await startTarget();
    const t = await startHarness({ policy: policyWith({ webhook: `${target.url}/deploy` }), env: { GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    h = t;
    const a = await scheduledRelease(t);
    const res = await t.api('POST', `/api/v1/releases/REL-${a.id}/deployments`, { status: 'started', url: 'https://ci.example/deploy/11' });
    expect(res.body).toMatchObject({ state: 'deploying', changed: true });
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(DEPLOYING));
    // the report derived the release's timers before it answered: no webhook delivery among them, none queued or run
    expect(derivePostReleaseTimers(t.gl.deps, a.id).map((s) => s.name)).not.toContain('deploy-webhook');
    const jobs = await t.gl.timers.queue.getJobs(['delayed', 'waiting', 'prioritized', 'active', 'completed', 'failed']);
    expect(jobs.filter((j) => j?.name === 'deploy-webhook')).toEqual([]);
    // a rebuild of every timer from SQLite (as after a Redis flush) adds none either
    await t.gl.timers.rebuild();
    expect((await t.gl.timers.queue.getJobs(['delayed', 'waiting', 'prioritized', 'active', 'completed', 'failed'])).filter((j) => j?.name === 'deploy-webhook')).toEqual([]);
    expect(target.received).toEqual([]);
    expect(((await auditActions(t, a.id)).find((e) => e.action === 'deploy.started'))?.details).toMatchObject({ via: 'api' });
  }, 60_000);

  it('a deploy the pipeline reports during a freeze is recorded, not refused: audited with the freeze, said in the thread, review required', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    // a freeze in force now that ends before the slot an hour ahead
    const freeze = `freezes: [{ start: "${iso(Date.now() - 3_600_000)}", end: "${iso(Date.now() + 20 * 60_000)}", reason: Incident 42 }]\n`;
    const t = await startHarness({ policy: policyWith({}, { extra: freeze }) });
    h = t;
    const a = await scheduledRelease(t);
    const res = await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'started' });
    expect(res.body).toMatchObject({ state: 'deploying', changed: true });
    expect((await auditActions(t, a.id)).find((e) => e.action === 'deploy.started')?.details).toMatchObject({ via: 'api', during_freeze: 'Incident 42' });
    await waitForThread(t, a.card, `deployed REL-${a.id} during a freeze (Incident 42) without an emergency override`);
    expect(t.gl.database.sqlite.prepare('select review_required as r from releases where id = ?').get(a.id)).toEqual({ r: 1 });
  }, 60_000);

  it('takes a failure reported straight from scheduled, as a pipeline that failed before it could report a start', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    const res = await t.api('POST', `/api/v1/releases/REL-${a.id}/deployments`, { status: 'failed', url: 'https://ci.example/deploy/9' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'failed', changed: true });
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Deploy failed'));
    expect((await auditActions(t, a.id)).map((e) => e.action)).toContain('deploy.failed');
    // a duplicate changes nothing
    expect((await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'failed' })).body).toMatchObject({ state: 'failed', changed: false });
  }, 60_000);

  it('takes deployment reports over the API: bearer auth, validation, duplicates and out-of-order reports', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    const path = `/api/v1/releases/REL-${a.id}/deployments`;

    const forged = await t.api('POST', path, { status: 'started' }, 'not-the-token');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    expect((await t.api('POST', path, { status: 'started' }, null)).status).toBe(401);
    expect((await t.api('POST', path, { status: 'shipped' })).status).toBe(422);
    expect((await t.api('POST', path, { status: 'started', url: 'javascript:alert(1)' })).status).toBe(422);
    expect((await t.api('POST', '/api/v1/releases/REL-9999/deployments', { status: 'started' })).status).toBe(404);
    // nothing changed through the refused calls
    expect(((await t.api('GET', `/api/v1/releases/${a.id}`)).body as { state: string }).state).toBe('scheduled');

    // a release still in review cannot take a deployment report
    const inReview = await requestRelease(t);
    const early = await t.api('POST', `/api/v1/releases/${inReview.id}/deployments`, { status: 'failed' });
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toBe('application/problem+json');

    let res = await t.api('POST', path, { status: 'started', url: 'https://ci.example/deploy/7' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'deploying', changed: true });
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Deploying') && c.includes('https://ci.example/deploy/7'));
    res = await t.api('POST', path, { status: 'started' });
    expect(res.body).toMatchObject({ state: 'deploying', changed: false });

    res = await t.api('POST', `/api/v1/releases/${a.id}/deployments`, { status: 'succeeded' });
    expect(res.body).toMatchObject({ state: 'monitoring', changed: true });
    // a duplicate succeeded and a late started change nothing
    res = await t.api('POST', path, { status: 'succeeded' });
    expect(res.body).toMatchObject({ state: 'monitoring', changed: false });
    res = await t.api('POST', path, { status: 'started' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'monitoring', changed: false });
    // a failure after success is out of order: refused
    expect((await t.api('POST', path, { status: 'failed' })).status).toBe(409);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring'));
    expect(threadTexts(t, a.card).filter((m) => m.includes('is deployed'))).toHaveLength(1);

    const audit = (await auditActions(t, a.id)).map((e) => e.action);
    expect(audit.filter((x) => x === 'deploy.started')).toHaveLength(1);
    expect(audit.filter((x) => x === 'deploy.succeeded')).toHaveLength(1);
    expect(audit.filter((x) => x === 'deploy.report_ignored')).toHaveLength(3);
    expect(API_TOKEN).toBeTruthy();
  }, 60_000);
});
