/**
 * The card's Approvals section lists only the stages of the service's workflow, and a rejected or cancelled release
 * marks the stage where it stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, approveAndWait, getRelease, openModal, policyBase, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const withStages = (stages: string) => `${policyBase(`    workflow: { stages: [${stages}] }\n`)}windows:
  production: always
  staging: always
`;

/** The Approvals lines of a card. */
function pipeline(card: { blocks?: unknown }): string {
  const text = textOf(card);
  return text.slice(text.indexOf('*Approvals*'), text.indexOf('*Readiness*'));
}

describe('a workflow of QA and scheduling', () => {
  it('shows QA and Scheduling only, on the card and in /release status', async () => {
    const t = await startHarness({ policy: withStages('qa, scheduling') });
    h = t;
    const { id } = await requestRelease(t);
    const card = await waitForCard(t, CHANNELS.payments, id);
    const lines = pipeline(card);
    expect(lines).toContain(':arrow_forward: *QA* (QA)');
    expect(lines).toContain(':white_circle: *Scheduling* (Operations)');
    expect(lines).not.toContain('Initial review');
    expect(lines).not.toContain('Sign-off');

    const res = await t.driver.command(U.outsider, `status REL-${id}`);
    const status = pipeline(res.body as { blocks: unknown });
    expect(status).toContain('*QA*');
    expect(status).toContain('*Scheduling*');
    expect(status).not.toContain('Initial review');
    expect(status).not.toContain('Sign-off');
  }, 60_000);

  it('rejected at QA: marks QA as where it stopped, by whom; Scheduling stays neutral', async () => {
    const t = await startHarness({ policy: withStages('qa, scheduling') });
    h = t;
    const { id, card } = await requestRelease(t);
    await t.driver.clickButton(U.qa, { channel: card.channel, ts: card.ts }, 'Reject');
    const modal = await openModal(t, U.qa, 'release.reason');
    expect((await t.driver.submitView(U.qa, modal.id, { Reason: 'Broken build' })).outcome.outcome).toBe('closed');
    const rejected = await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('*Rejected:* Broken build'));
    const lines = pipeline(rejected);
    expect(lines).toContain(`:no_entry: *QA* (QA) — rejected here by <@${U.qa}>`);
    expect(lines).toContain(':white_circle: *Scheduling* (Operations)');
    expect(lines).not.toContain('Initial review');
    expect(lines).not.toContain('Sign-off');
  }, 60_000);
});

describe('a cancelled release (default workflow)', () => {
  it('ticks the review it passed and marks QA, where it was cancelled', async () => {
    const t = await startHarness();
    h = t;
    const { id, card } = await requestRelease(t);
    await approveAndWait(t, U.reviewer, { channel: card.channel, ts: card.ts });
    expect((await getRelease(t, id)).state).toBe('qa');
    const res = await t.driver.command(U.requester, `cancel REL-${id} wrong build`, { channelId: CHANNELS.general });
    expect(res.status).toBe(200);
    const cancelled = await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('*Cancelled:* wrong build'));
    const lines = pipeline(cancelled);
    expect(lines).toContain(`:white_check_mark: *Initial review* — <@${U.reviewer}>`);
    expect(lines).toContain(`:heavy_multiplication_x: *QA* (QA) — cancelled here by <@${U.requester}>`);
    expect(lines).toContain(':white_circle: *Sign-off*');
    expect(lines).toContain(':white_circle: *Scheduling*');
  }, 60_000);
});
