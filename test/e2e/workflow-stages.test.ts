/**
 * Per-service workflow stages: a release starts in its workflow's first stage; a workflow without sign-off holds
 * readiness at its last approval stage; the card ticks only stages a release really went past; a risk raised on a
 * scheduled release re-checks operations' count; an API release with no channel for its card is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import {
  CHANNELS,
  U,
  approveAndWait,
  getRelease,
  openModal,
  passAllChecks,
  policyBase,
  requestRelease,
  responsesTo,
  startHarness,
  submitEdit,
  textOf,
  threadLines,
  waitForCard,
} from '../support/harness';
import { RELEASE_BODY } from '../support/api-samples';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const withStages = (stages: string) => `${policyBase(`    workflow: { stages: [${stages}] }\n`)}workflow:
  high_risk: { operations: 2 }
windows:
  production: always
  staging: always
`;

/** The Approvals lines of a card, one per stage. */
function pipeline(card: { blocks?: unknown }): string {
  const text = textOf(card);
  return text.slice(text.indexOf('*Approvals*'), text.indexOf('*Readiness*'));
}

describe('a workflow without review', () => {
  it('starts in QA: the card, the first thread line and the approve button wait on QA, not a developer', async () => {
    const t = await startHarness({ policy: withStages('qa, signoff, scheduling') });
    h = t;
    const { id, card } = await requestRelease(t);
    const at = { channel: card.channel, ts: card.ts };
    expect((await getRelease(t, id)).state).toBe('qa');
    const shown = await waitForCard(t, CHANNELS.payments, id);
    expect(textOf(shown)).toContain(':arrow_forward: *QA*');
    expect(textOf(shown)).not.toContain(':arrow_forward: *Initial review*');
    await t.fake.waitFor(() => threadLines(t, card.channel, card.ts, 'requested this release. QA is next.')[0], { description: 'the first thread line' });
    expect(threadLines(t, card.channel, card.ts, 'Initial review')).toEqual([]);

    // a developer's approval does not count; QA's does
    await t.driver.clickButton(U.reviewer, at, 'Approve');
    await t.fake.waitFor(() => responsesTo(t, U.reviewer, `REL-${id}`)[0], { description: 'the refusal' });
    expect((await getRelease(t, id)).approvals).toEqual([]);
    await approveAndWait(t, U.qa, at);
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *Sign-off*'));
  }, 60_000);
});

describe('the pipeline of a rejected or cancelled release', () => {
  it('ticks only the stages it went past, with their approvers; the rest stay neutral', async () => {
    const t = await startHarness();
    h = t;
    const { id, card } = await requestRelease(t);
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(t, U.reviewer, at);
    await t.driver.clickButton(U.qa, at, 'Reject');
    const modal = await openModal(t, U.qa, 'release.reason');
    expect((await t.driver.submitView(U.qa, modal.id, { Reason: 'Broken build' })).outcome.outcome).toBe('closed');
    const rejected = await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('*Rejected:* Broken build'));
    const lines = pipeline(rejected);
    expect(lines).toContain(`:white_check_mark: *Initial review* — <@${U.reviewer}>`);
    // where it stopped is marked; the stages after it stay neutral
    expect(lines).toContain(`:no_entry: *QA* (QA) — rejected here by <@${U.qa}>`);
    for (const stage of ['QA', 'Sign-off', 'Scheduling']) {
      expect(lines).not.toContain(`:white_check_mark: *${stage}*`);
      if (stage !== 'QA') expect(lines).toContain(`:white_circle: *${stage}*`);
    }

    // cancelled with no approval at all: nothing ticked
    const other = await requestRelease(t);
    const res = await t.driver.command(U.requester, `cancel REL-${other.id} wrong build`, { channelId: CHANNELS.general });
    expect(res.status).toBe(200);
    const cancelled = await waitForCard(t, CHANNELS.payments, other.id, (x) => x.includes('*Cancelled:* wrong build'));
    expect(pipeline(cancelled)).not.toContain(':white_check_mark:');
  }, 60_000);
});

/** Requests a staging release through [review, scheduling] (readiness passed), approves and schedules it. */
async function scheduled(t: Harness): Promise<{ id: number; at: { channel: string; ts: string } }> {
  const { id, card } = await requestRelease(t, U.requester, { Environment: 'staging' });
  const at = { channel: card.channel, ts: card.ts };
  await passAllChecks(t, id);
  await approveAndWait(t, U.reviewer, at);
  await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *Scheduling*'));
  await t.driver.clickButton(U.ops, at, 'Schedule');
  const modal = await openModal(t, U.ops, 'release.schedule');
  const res = await t.driver.submitView(U.ops, modal.id, { 'Deploy date and time': Math.ceil((Date.now() + 3_600_000) / 1_800_000) * 1_800 });
  expect(res.outcome.outcome).toBe('closed');
  await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('*Deploy slot*'));
  expect((await getRelease(t, id)).state).toBe('scheduled');
  return { id, at };
}

describe('a workflow without sign-off', () => {
  it('is not held by readiness (that holds sign-off): one review approval with criteria pending reaches scheduling, and a failed criterion keeps the slot', async () => {
    const t = await startHarness({ policy: withStages('review, scheduling') });
    h = t;
    const { id, card } = await requestRelease(t);
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(t, U.reviewer, at);
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *Scheduling*'));
    expect((await getRelease(t, id)).state).toBe('scheduling');

    const s = await scheduled(t);
    expect((await t.api('POST', `/api/v1/releases/${s.id}/checks`, { criterion: 'security', status: 'failed' })).status).toBe(200);
    expect((await getRelease(t, s.id)).state).toBe('scheduled');
    // ...and Start deploy agrees with the slot: not refused as "not ready" (staging is always open)
    await t.driver.clickButton(U.ops, s.at, 'Start deploy');
    await waitForCard(t, CHANNELS.payments, s.id, (x) => x.includes(':rocket: *Deploying*'));
  }, 90_000);
});

describe('raising the risk of a scheduled release', () => {
  it('re-checks operations: high risk needs two, so the slot is freed even though no approval was reset', async () => {
    const t = await startHarness({ policy: withStages('review, scheduling') });
    h = t;
    const s = await scheduled(t);
    const { res } = await submitEdit(t, U.requester, s.id, { Risk: 'high' });
    expect(res.outcome.outcome).toBe('closed');
    const after = await getRelease(t, s.id);
    expect(after.state).toBe('scheduling');
    expect((after as unknown as { scheduled_at: string | null }).scheduled_at).toBeNull();
    expect(after.audit.some((e) => e.action === 'release.unscheduled')).toBe(true);
    const card = await waitForCard(t, CHANNELS.payments, s.id, (x) => x.includes(':arrow_forward: *Scheduling*'));
    expect(textOf(card)).toContain('(1 of 2)');
  }, 60_000);

  it('lowering it keeps the slot', async () => {
    const t = await startHarness({ policy: withStages('review, scheduling') });
    h = t;
    const s = await scheduled(t);
    const { res } = await submitEdit(t, U.requester, s.id, { Risk: 'low' });
    expect(res.outcome.outcome).toBe('closed');
    expect((await getRelease(t, s.id)).state).toBe('scheduled');
  }, 60_000);
});

describe('POST /api/v1/releases with no channel for the card', () => {
  it('is refused with 422 naming the policy keys, and creates nothing', async () => {
    const policy = `${policyBase()}`.replace('channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }', 'channels: { announcements: C0ANNOUNCE }');
    const t = await startHarness({ policy });
    h = t;
    const res = await t.api('POST', '/api/v1/releases', { ...RELEASE_BODY, service: 'web' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const detail = (res.body as { detail: string }).detail;
    expect(detail).toContain('services.web.channel');
    expect(detail).toContain('channels.releases');
    expect((await t.api('GET', '/api/v1/releases/1')).status).toBe(404);
    // a service with its own channel is fine
    expect((await t.api('POST', '/api/v1/releases', RELEASE_BODY)).status).toBe(201);
  }, 30_000);
});
