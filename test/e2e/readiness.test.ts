/** Readiness criteria hold sign-off; only a release manager, with a reason, waives one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import {
  CHANNELS,
  U,
  approveAndWait,
  getRelease,
  passAllChecks,
  releaseState,
  requestRelease,
  startHarness,
  submitReadiness,
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

/** A release with review, QA, RM and PM approvals, held in sign-off by `pending` (and CI passing the rest). */
async function heldInSignoff(pending: string[]) {
  const { id, card } = await requestRelease(h);
  const at = { channel: CHANNELS.payments, ts: card.ts };
  await approveAndWait(h, U.reviewer, at);
  await approveAndWait(h, U.qa, at);
  await passAllChecks(h, id, pending);
  await approveAndWait(h, U.rm, at);
  await approveAndWait(h, U.pm, at);
  return { id, at };
}

describe('readiness criteria at sign-off', () => {
  it('five long CI reports with long evidence links: the card splits Readiness by line and keeps every link whole', async () => {
    const { id } = await requestRelease(h);
    for (const criterion of ['tests', 'performance', 'security', 'business', 'feedback']) {
      const url = `https://ci.example/${criterion}/${'x'.repeat(460)}`;
      const res = await h.api('POST', `/api/v1/releases/${id}/checks`, { criterion, status: 'failed', url, details: 'd'.repeat(2000) });
      expect(res.status).toBe(200);
    }
    const card = await waitForCard(h, CHANNELS.payments, id, (t) => (t.match(/\|evidence>/g) ?? []).length === 5);
    const texts = (card.blocks ?? []).map((b) => (b as { text?: { text?: string } }).text?.text ?? '');
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
    for (const criterion of ['tests', 'performance', 'security', 'business', 'feedback']) {
      expect(texts.some((t) => t.includes(`<https://ci.example/${criterion}/${'x'.repeat(460)}|evidence>`))).toBe(true);
    }
  });

  it('a pending criterion blocks sign-off after both approvals; the card and /release why name it', async () => {
    const { id } = await heldInSignoff(['feedback']);
    const r = await getRelease(h, id);
    expect(r.state).toBe('signoff');
    expect(r.approvals.filter((a) => a.stage === 'signoff' && a.status === 'active')).toHaveLength(2);

    const card = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('waiting on readiness: User feedback'));
    expect(textOf(card)).toContain(':arrow_forward: *Sign-off*');
    expect(textOf(card)).toContain(':hourglass_flowing_sand: User feedback _(Product manager)_ — pending');

    const why = await h.driver.command(U.outsider, `why REL-${id}`);
    const whyText = JSON.stringify(why.body);
    expect(whyText).toContain(`REL-${id} is *Sign-off*`);
    expect(whyText).toContain('Readiness *User feedback* is pending');
    expect(whyText).not.toContain('Readiness *Tests complete*');
  });

  it('a release manager waives the blocking criterion with a reason and the release advances to scheduling', async () => {
    const { id, at } = await heldInSignoff(['feedback']);
    const res = await submitReadiness(h, U.rm, at, { Criterion: 'feedback', Status: 'waived', Reason: 'Internal tool; no user survey needed' });
    expect(res.outcome.outcome).toBe('closed');
    const card = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *Scheduling*'));
    expect(textOf(card)).toContain(`User feedback _(Product manager)_ — waived by <@${U.rm}> — Internal tool; no user survey needed`);
    const line = await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, at.ts, '*User feedback* waived')[0]);
    expect(line).toContain('Internal tool; no user survey needed');
    expect(line).toContain('Now in *Scheduling*');

    const r = await getRelease(h, id);
    expect(r.state).toBe('scheduling');
    expect(r.criteria.find((c) => c.criterion === 'feedback')).toMatchObject({ status: 'waived', details: 'Internal tool; no user survey needed', updated_by: U.rm });
    expect(r.audit.filter((e) => e.action === 'criterion.waived')).toHaveLength(1);
  });

  it('waiving without a reason is an inline error on Reason and changes nothing', async () => {
    const { id, at } = await heldInSignoff(['feedback']);
    const before = await releaseState(h, id);
    const res = await submitReadiness(h, U.rm, at, { Criterion: 'feedback', Status: 'waived', Reason: '  ' }, { skipClientValidation: true });
    expect(res.body).toEqual({ response_action: 'errors', errors: { reason: 'Waiving needs a reason.' } });
    expect(res.outcome.outcome).toBe('errors');
    expect(await releaseState(h, id)).toEqual(before);
  });

  it('waiving by someone who is not a release manager is an inline error, audited, and changes nothing', async () => {
    const { id, at } = await heldInSignoff(['feedback']);
    const before = await releaseState(h, id);
    const res = await submitReadiness(h, U.pm, at, { Criterion: 'feedback', Status: 'waived', Reason: 'We know our users' });
    expect(res.body).toEqual({ response_action: 'errors', errors: { status: 'Only a release manager can waive a criterion.' } });
    const r = await getRelease(h, id);
    const { audit, ...rest } = r;
    expect(rest).toEqual(before);
    expect(audit.some((e) => e.action === 'criterion.denied' && e.actor === U.pm && e.details.reason === 'waive_needs_release_manager')).toBe(true);
  });

  it('a failed check from CI keeps sign-off blocked and shows on the card', async () => {
    const { id, at } = await heldInSignoff(['tests']);
    const res = await h.api('POST', `/api/v1/releases/REL-${id}/checks`, {
      criterion: 'tests',
      status: 'failed',
      url: 'https://ci.example/run/991',
      details: '3 failing specs',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'signoff' });
    const card = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('3 failing specs'));
    const text = textOf(card);
    expect(text).toContain(':x: Tests complete _(QA)_ — failed — 3 failing specs · <https://ci.example/run/991|evidence>');
    expect(text).toContain('waiting on readiness: Tests complete');
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, at.ts, 'CI marked *Tests complete* failed')[0]);
    const r = await getRelease(h, id);
    expect(r.state).toBe('signoff');
    expect(r.criteria.find((c) => c.criterion === 'tests')?.status).toBe('failed');

    // once CI passes it, sign-off completes
    await h.api('POST', `/api/v1/releases/REL-${id}/checks`, { criterion: 'tests', status: 'passed' });
    expect((await getRelease(h, id)).state).toBe('scheduling');
  });
});
