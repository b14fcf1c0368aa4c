import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, isTopLevel, openModal, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const cardAt = (ts: string) => ({ channel: CHANNELS.payments, ts });

async function approve(user: string, ts: string) {
  const res = await h.driver.clickButton(user, cardAt(ts), 'Approve');
  expect(res.status).toBe(200);
}

async function markCriterion(user: string, ts: string, criterion: string, status: string, extra: Record<string, string> = {}) {
  const before = h.fake.openViews(user).length;
  await h.driver.clickButton(user, cardAt(ts), 'Update readiness');
  const view = await h.fake.waitFor(() => (h.fake.openViews(user).length > before ? h.fake.openViews(user).at(-1) : undefined));
  return h.driver.submitView(user, view.id, { Criterion: criterion, Status: status, ...extra });
}

describe('a release from /release to scheduling', () => {
  it('walks review → QA → sign-off → scheduling with five people, one card updated in place', async () => {
    const { id, card } = await requestRelease(h);
    expect(id).toBeGreaterThan(0);
    const text = textOf(card);
    for (const expected of ['payments-api', '1.4.2', 'production', 'medium', `<@${U.requester}>`, 'Initial review', 'Approve', 'Request changes', 'Reject']) {
      expect(text).toContain(expected);
    }
    // the requester is told
    await h.fake.waitFor(() => h.fake.dms(U.requester).find((m) => m.text.includes(`REL-${id}`)));

    await approve(U.reviewer, card.ts);
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *QA*'));
    await approve(U.qa, card.ts);
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *Sign-off*'));

    // sign-off needs the readiness criteria; CI reports two, owners mark the rest
    for (const criterion of ['tests', 'performance']) {
      const res = await h.api('POST', `/api/v1/releases/REL-${id}/checks`, { criterion, status: 'passed', url: `https://ci.example/run/${criterion}` });
      expect(res.status).toBe(200);
    }
    expect((await markCriterion(U.ops, card.ts, 'No new vulnerabilities (pending)', 'Met')).outcome.outcome).toBe('closed');
    expect((await markCriterion(U.pm, card.ts, 'Business alignment (pending)', 'Met')).outcome.outcome).toBe('closed');
    expect((await markCriterion(U.pm, card.ts, 'User feedback (pending)', 'Met')).outcome.outcome).toBe('closed');

    await approve(U.rm, card.ts);
    await approve(U.pm, card.ts);
    const final = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *Scheduling*'));
    expect(final.ts).toBe(card.ts);
    // one card only: every change was a chat.update of the same message
    expect(h.fake.messages(CHANNELS.payments).filter((m) => isTopLevel(m) && textOf(m).includes(`REL-${id} ·`))).toHaveLength(1);
    expect(h.fake.callsTo('chat.update').length).toBeGreaterThan(4);

    const thread = await h.fake.waitFor(() => {
      const replies = h.fake.thread(CHANNELS.payments, card.ts);
      return replies.some((m) => m.text.includes('Now in *Scheduling*')) ? replies : undefined;
    });
    const threadText = thread.map((m) => m.text).join('\n');
    for (const who of [U.reviewer, U.qa, U.rm, U.pm]) expect(threadText).toContain(`<@${who}> approved`);

    const api = await h.api('GET', `/api/v1/releases/${id}`);
    expect(api.status).toBe(200);
    const body = api.body as { state: string; approvals: { role: string; user: string }[]; audit: { action: string }[] };
    expect(body.state).toBe('scheduling');
    expect(body.approvals.map((a) => [a.role, a.user])).toEqual([
      ['developer', U.reviewer],
      ['qa', U.qa],
      ['release_manager', U.rm],
      ['product_manager', U.pm],
    ]);
    expect(body.audit.filter((e) => e.action === 'approval.granted')).toHaveLength(4);
    expect(body.audit[0]?.action).toBe('release.requested');
  });

  it('refuses self-approval with an explanation and changes nothing', async () => {
    const { id, card } = await requestRelease(h);
    const before = h.fake.callsTo('chat.update').length;
    await h.driver.clickButton(U.requester, cardAt(card.ts), 'Approve');
    const post = await h.fake.waitFor(() => h.fake.responseUrlPosts().find((p) => JSON.stringify(p.body).includes(`You requested REL-${id}`)));
    expect(JSON.stringify(post.body)).toContain(`<@${U.reviewer}>`);
    const api = await h.api('GET', `/api/v1/releases/${id}`);
    const body = api.body as { state: string; approvals: unknown[]; audit: { action: string; details: { reason?: string } }[] };
    expect(body.state).toBe('review');
    expect(body.approvals).toHaveLength(0);
    expect(body.audit.some((e) => e.action === 'approval.denied' && e.details.reason === 'self_approval')).toBe(true);
    expect(h.fake.callsTo('chat.update').filter((c) => JSON.stringify(c.args).includes(`REL-${id} ·`)).length).toBe(
      h.fake.callsTo('chat.update').slice(0, before).filter((c) => JSON.stringify(c.args).includes(`REL-${id} ·`)).length,
    );
  });

  it('explains a click by someone without the stage role, naming who can act', async () => {
    const { id, card } = await requestRelease(h);
    await h.driver.clickButton(U.qa, cardAt(card.ts), 'Approve');
    const post = await h.fake.waitFor(() => h.fake.responseUrlPosts().find((p) => JSON.stringify(p.body).includes(`REL-${id} is waiting on *Initial review*`)));
    expect(JSON.stringify(post.body)).toContain(`<@${U.reviewer}>`);
    expect(JSON.stringify(post.body)).not.toContain(`<@${U.requester}>`);
    expect(((await h.api('GET', `/api/v1/releases/${id}`)).body as { state: string }).state).toBe('review');
  });

  it('opens the reason modal for Request changes, requires a reason, and sends the release back', async () => {
    const { id, card } = await requestRelease(h);
    await h.driver.clickButton(U.reviewer, cardAt(card.ts), 'Request changes');
    const modal = await openModal(h, U.reviewer, 'release.reason');
    const empty = await h.driver.submitView(U.reviewer, modal.id, { Reason: '   ' }, { skipClientValidation: true });
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { reason: 'A reason is required.' } });
    expect(((await h.api('GET', `/api/v1/releases/${id}`)).body as { state: string }).state).toBe('review');
    const ok = await h.driver.submitView(U.reviewer, modal.id, { Reason: 'Please add the migration notes' });
    expect(ok.outcome.outcome).toBe('closed');
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Changes requested') && t.includes('Please add the migration notes') && t.includes('Edit request'));
    await h.fake.waitFor(() => h.fake.dms(U.requester).find((m) => m.text.includes('requested changes to') && m.text.includes(`REL-${id}`)));
  });
});
