/** Approval integrity: retries, replays, double clicks, races, signatures and the high-risk count. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import {
  CHANNELS,
  DEFAULT_REQUEST,
  TEST_POLICY,
  U,
  activeApprovals,
  apiRequest,
  approveAndWait,
  getRelease,
  isTopLevel,
  passAllChecks,
  releaseInScheduling,
  releaseState,
  requestRelease,
  responsesTo,
  startHarness,
  textOf,
  threadLines,
  waitForCard,
} from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const at = (ts: string) => ({ channel: CHANNELS.payments, ts });
const cards = () => h.fake.messages(CHANNELS.payments).filter((m) => isTopLevel(m) && textOf(m).includes('REL-'));

async function requestedCount(): Promise<number> {
  const res = await apiRequest(h, 'GET', '/api/v1/audit?limit=1000');
  return (res.body as { items: { action: string }[] }).items.filter((e) => e.action === 'release.requested').length;
}

async function inSignoff() {
  const { id, card } = await requestRelease(h);
  await approveAndWait(h, U.reviewer, at(card.ts));
  await approveAndWait(h, U.qa, at(card.ts));
  return { id, card };
}

describe('exactly once', () => {
  it('a Slack retry and an exact replay of the request submission create one release', async () => {
    const before = await requestedCount();
    const cardsBefore = cards().length;
    const views = h.fake.openViews(U.requester).length;
    await h.driver.command(U.requester, '');
    const view = await h.fake.waitFor(() => (h.fake.openViews(U.requester).length > views ? h.fake.openViews(U.requester).at(-1) : undefined));
    const first = await h.driver.submitView(U.requester, view.id, { ...DEFAULT_REQUEST, Version: '9.9.1' });
    expect(first.outcome.outcome).toBe('closed');
    // Slack retries the same body with X-Slack-Retry-Num: 1 (freshly signed); an attacker replays it byte for byte
    const retry = await h.driver.send(first.request.body, 'application/x-www-form-urlencoded', { retryNum: 1, retryReason: 'http_timeout' });
    const replay = await h.driver.replay(first.request);
    expect(retry.status).toBe(200);
    expect(replay.status).toBe(200);

    await h.fake.waitFor(() => cards().length > cardsBefore);
    expect(await requestedCount()).toBe(before + 1);
    expect(cards().filter((m) => textOf(m).includes('9.9.1'))).toHaveLength(1);
    await h.fake.waitFor(() => h.fake.dms(U.requester).some((m) => m.text.includes('9.9.1')));
    expect(h.fake.dms(U.requester).filter((m) => m.text.includes('9.9.1'))).toHaveLength(1);
  });

  it('two submissions of the same request modal at once create one release', async () => {
    const before = await requestedCount();
    const cardsBefore = cards().length;
    const views = h.fake.openViews(U.requester).length;
    await h.driver.command(U.requester, '');
    const view = await h.fake.waitFor(() => (h.fake.openViews(U.requester).length > views ? h.fake.openViews(U.requester).at(-1) : undefined));
    const values = { ...DEFAULT_REQUEST, Version: '9.9.2' };
    const [a, b] = await Promise.all([h.driver.submitView(U.requester, view.id, values), h.driver.submitView(U.requester, view.id, values)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await h.fake.waitFor(() => h.fake.dms(U.requester).some((m) => m.text.includes('9.9.2')));
    expect(await requestedCount()).toBe(before + 1);
    expect(cards().length).toBe(cardsBefore + 1);
    expect(h.fake.dms(U.requester).filter((m) => m.text.includes('9.9.2'))).toHaveLength(1);
  });

  it('a replayed Approve click gives one approval', async () => {
    const { id, card } = await requestRelease(h);
    const first = await h.driver.clickButton(U.reviewer, at(card.ts), 'Approve');
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.reviewer}> approved`).length === 1);
    const replay = await h.driver.replay(first.request);
    expect(replay.status).toBe(200);
    const retry = await h.driver.send(first.request.body, 'application/x-www-form-urlencoded', { retryNum: 1 });
    expect(retry.status).toBe(200);
    // a fresh click afterwards is answered, so the replays before it have been handled
    await h.driver.clickButton(U.reviewer, at(card.ts), 'Approve');
    await h.fake.waitFor(() => responsesTo(h, U.reviewer, `REL-${id}`).length > 0);
    const r = await getRelease(h, id);
    expect(r.approvals).toHaveLength(1);
    expect(r.audit.filter((e) => e.action === 'approval.granted')).toHaveLength(1);
    expect(threadLines(h, CHANNELS.payments, card.ts, `<@${U.reviewer}> approved`)).toHaveLength(1);
  });

  it('a double click by the same user gives one approval and an "already approved" explanation', async () => {
    const { id, card } = await inSignoff();
    await h.driver.clickButton(U.rm, at(card.ts), 'Approve');
    await h.driver.clickButton(U.rm, at(card.ts), 'Approve');
    const answer = await h.fake.waitFor(() => responsesTo(h, U.rm, `You already approved *Sign-off* of REL-${id}`)[0]);
    expect(answer).toContain(`Still waiting on Product manager: <@${U.pm}>`);
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.rm}> approved`).length === 1);
    const r = await getRelease(h, id);
    expect(r.state).toBe('signoff');
    expect(activeApprovals(r)).toEqual([
      ['developer', U.reviewer],
      ['qa', U.qa],
      ['release_manager', U.rm],
    ]);
    expect(r.audit.filter((e) => e.action === 'approval.denied' && e.details.reason === 'already_approved')).toHaveLength(1);
  });

  it('20 concurrent Approve clicks by one user give one approval row and one approval.granted event', async () => {
    const { id, card } = await inSignoff();
    const results = await Promise.all(Array.from({ length: 20 }, () => h.driver.clickButton(U.rm, at(card.ts), 'Approve')));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    await h.fake.waitFor(() => responsesTo(h, U.rm, `You already approved *Sign-off* of REL-${id}`).length === 19, {
      description: '19 "already approved" answers',
    });
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.rm}> approved`).length === 1);
    const r = await getRelease(h, id);
    expect(r.approvals.filter((a) => a.user === U.rm)).toHaveLength(1);
    expect(r.audit.filter((e) => e.action === 'approval.granted' && e.actor === U.rm)).toHaveLength(1);
    expect(r.audit.filter((e) => e.action === 'approval.denied' && e.actor === U.rm)).toHaveLength(19);
    expect(r.state).toBe('signoff');
  });
});

describe('signed requests', () => {
  it('a forged signature is 401 and nothing happens', async () => {
    const { id, card } = await requestRelease(h);
    const before = await releaseState(h, id);
    const views = h.fake.openViews(U.outsider).length;
    const cmd = await h.driver.command(U.outsider, '', { signature: 'v0=' + 'ab'.repeat(32) });
    expect(cmd.status).toBe(401);
    const click = await h.driver.clickButton(U.reviewer, at(card.ts), 'Approve', { signature: 'v0=' + '00'.repeat(32) });
    expect(click.status).toBe(401);
    // signed with another secret
    const other = await h.driver.send(click.request.body, 'application/x-www-form-urlencoded', {
      signature: `v0=${createHmac('sha256', 'wrong-secret').update(`v0:${click.request.headers['x-slack-request-timestamp']}:${click.request.body}`).digest('hex')}`,
      timestamp: Number(click.request.headers['x-slack-request-timestamp']),
    });
    expect(other.status).toBe(401);
    // a later, genuine request proves the forged ones were not merely slow
    await h.driver.command(U.outsider, `status REL-${id}`);
    expect(h.fake.openViews(U.outsider)).toHaveLength(views);
    const after = await getRelease(h, id);
    const { audit, ...rest } = after;
    expect(rest).toEqual(before);
    expect(audit.filter((e) => e.actor === U.reviewer)).toHaveLength(0);
  });

  it('a timestamp older than five minutes is 401, even correctly signed', async () => {
    const { id, card } = await requestRelease(h);
    const before = await releaseState(h, id);
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const click = await h.driver.clickButton(U.reviewer, at(card.ts), 'Approve', { timestamp: old });
    expect(click.status).toBe(401);
    const cmd = await h.driver.command(U.requester, '', { timestamp: old });
    expect(cmd.status).toBe(401);
    const after = await getRelease(h, id);
    const { audit, ...rest } = after;
    expect(rest).toEqual(before);
    expect(audit.filter((e) => e.actor === U.reviewer)).toHaveLength(0);
  });
});

describe('high risk: two operations approvals at scheduling', () => {
  it('needs two distinct operations approvals; the same person twice counts once', async () => {
    const { id, card } = await releaseInScheduling(h, { Risk: 'high' });
    const start = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Operations (0 of 2)'));
    expect(textOf(start)).toContain(':warning: high');

    await approveAndWait(h, U.ops, card);
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Operations (1 of 2)'));
    await h.driver.clickButton(U.ops, card, 'Approve');
    await h.fake.waitFor(() => responsesTo(h, U.ops, `You already approved *Scheduling* of REL-${id}`)[0]);
    expect((await getRelease(h, id)).approvals.filter((a) => a.role === 'operations')).toHaveLength(1);

    await approveAndWait(h, U.ops2, card);
    const done = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Operations to pick a deploy slot'));
    expect(textOf(done)).toContain(`<@${U.ops}>`);
    expect(textOf(done)).toContain(`<@${U.ops2}>`);
    const r = await getRelease(h, id);
    expect(r.state).toBe('scheduling');
    expect(r.approvals.filter((a) => a.role === 'operations' && a.status === 'active').map((a) => a.user)).toEqual([U.ops, U.ops2]);
  });

  it('a medium-risk release needs one operations approval', async () => {
    const { id, card } = await releaseInScheduling(h);
    await approveAndWait(h, U.ops, card);
    await h.driver.clickButton(U.ops2, card, 'Approve');
    await h.fake.waitFor(() => responsesTo(h, U.ops2, `*Scheduling* of REL-${id} already has the Operations approvals it needs`)[0]);
    expect((await getRelease(h, id)).approvals.filter((a) => a.role === 'operations')).toHaveLength(1);
  });
});

describe('different eligible users racing', () => {
  let h3: Harness;
  const OPS3 = 'U0OPS3';
  beforeAll(async () => {
    h3 = await startHarness({ policy: TEST_POLICY.replace('operations: [U0OPS, U0OPS2]', `operations: [U0OPS, U0OPS2, ${OPS3}]`) });
    h3.fake.addUser({ id: OPS3, name: 'u0ops3', real_name: OPS3, tz: 'Europe/Berlin' });
  });
  afterAll(async () => {
    await h3?.close();
  });

  it('21 concurrent clicks by three operations people on a high-risk release give exactly two approvals', async () => {
    const { id, card } = await requestRelease(h3, U.requester, { Risk: 'high' });
    const c = { channel: CHANNELS.payments, ts: card.ts };
    await approveAndWait(h3, U.reviewer, c);
    await approveAndWait(h3, U.qa, c);
    await passAllChecks(h3, id);
    await approveAndWait(h3, U.rm, c);
    await approveAndWait(h3, U.pm, c);
    expect((await getRelease(h3, id)).state).toBe('scheduling');

    const users = [U.ops, U.ops2, OPS3];
    const clicks = Array.from({ length: 21 }, (_, i) => users[i % 3] as string);
    const results = await Promise.all(clicks.map((u) => h3.driver.clickButton(u, c, 'Approve')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    // every click is answered: two approvals in the thread, 19 explanations
    await h3.fake.waitFor(
      () => users.flatMap((u) => responsesTo(h3, u, `REL-${id}`)).length === 19 && threadLines(h3, CHANNELS.payments, card.ts, 'approved *Scheduling*').length === 2,
      { description: '2 approvals and 19 refusals' },
    );
    const r = await getRelease(h3, id);
    const ops = r.approvals.filter((a) => a.role === 'operations');
    expect(ops).toHaveLength(2);
    expect(new Set(ops.map((a) => a.user)).size).toBe(2);
    expect(r.audit.filter((e) => e.action === 'approval.granted' && e.details.role === 'operations')).toHaveLength(2);
    expect(r.audit.filter((e) => e.action === 'approval.denied')).toHaveLength(19);
  });
});
