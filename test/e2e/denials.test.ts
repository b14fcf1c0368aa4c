/**
 * A click by someone who may not act gets a private explanation and is audited; nothing else changes. These are the
 * refusals decided before any modal opens or any state moves (Request changes, Reject, Edit request, Schedule,
 * Emergency override, Start deploy, Mark deployed, Roll back).
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollBack } from '../../src/usecases/deploy';
import type { AuditJson, Harness } from '../support/harness';
import type { SlackMessage } from '../../src/fake-slack';
import { CHANNELS, U, approveAndWait, approveToScheduling, clickOnOldCard, findCard, getRelease, openModal, releaseState, requestRelease, responsesTo, startHarness, waitForCard } from '../support/harness';
import { DEPLOYING, policyWith, scheduledRelease } from '../support/deploy-fixtures';
import { verifyAuditChain } from '../../src/db/audit-verify';

// A freeze a few days ahead: the card offers Emergency override, and nothing deploys into it in these tests.
const FREEZE_DAY = DateTime.now().setZone('Europe/Berlin').plus({ days: 5 }).toISODate() ?? '';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ policy: policyWith({}, { extra: `freezes: [{ start: ${FREEZE_DAY}, end: ${FREEZE_DAY}, reason: Board demo }]\n` }) });
});
afterAll(async () => {
  await h?.close();
});

async function denials(id: number, action: string): Promise<AuditJson[]> {
  return (await getRelease(h, id)).audit.filter((e) => e.action === action);
}

/** Clicks `label` as `user` and waits for the private answer containing `answer`; the release and its card stay as they were. */
async function refusedClick(user: string, id: number, card: { channel: string; ts: string }, label: string, answer: string): Promise<void> {
  const before = await releaseState(h, id);
  const cardBefore = JSON.stringify(findCard(h, card.channel, id)?.blocks);
  const viewsBefore = h.fake.openViews(user).length;
  const answered = responsesTo(h, user, answer).length;
  const res = await h.driver.clickButton(user, card, label);
  expect(res.status).toBe(200);
  await h.fake.waitFor(() => responsesTo(h, user, answer).length > answered || undefined, { description: `${user}'s private answer to ${label}` });
  expect(await releaseState(h, id)).toEqual(before);
  expect(JSON.stringify(findCard(h, card.channel, id)?.blocks)).toBe(cardBefore);
  expect(h.fake.openViews(user)).toHaveLength(viewsBefore);
}

describe('refused clicks are audited', () => {
  it('Reject by someone outside the stage role and Request changes by the requester: approval.denied, like a refused Approve', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };

    await refusedClick(U.qa, id, at, 'Reject', `can reject REL-${id} at *Initial review*`);
    await refusedClick(U.requester, id, at, 'Request changes', `You requested REL-${id}`);

    const denied = await denials(id, 'approval.denied');
    expect(denied).toHaveLength(2);
    expect(denied[0]).toMatchObject({ actor: U.qa, details: { reason: 'not_in_role', attempted: 'reject', state: 'review', via: 'card' } });
    expect(denied[1]).toMatchObject({ actor: U.requester, details: { reason: 'self_action', attempted: 'request_changes', state: 'review', via: 'card' } });
  }, 60_000);

  it('a Reject form submitted after its stage moved on: an inline error in plain words (no mrkdwn), audited', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    await h.driver.clickButton(U.reviewer, at, 'Reject');
    const modal = await openModal(h, U.reviewer, 'release.reason');
    await approveAndWait(h, U.reviewer, at);
    const res = await h.driver.submitView(U.reviewer, modal.id, { Reason: 'Changed my mind' });
    expect(res.outcome.outcome).toBe('errors');
    // Slack shows inline errors as plain text: no mentions, bold marks or emoji codes
    expect(JSON.stringify(res.body)).toContain(`Only QA or a release manager can reject REL-${id} at QA.`);
    expect(JSON.stringify(res.body)).not.toMatch(/<@|\*|:no_entry_sign:/);
    expect((await denials(id, 'approval.denied')).map((e) => e.details.reason)).toEqual(['not_in_role']);
    expect((await getRelease(h, id)).state).toBe('qa');
    await h.driver.closeView(U.reviewer, modal.id);
  }, 60_000);

  it('Edit request by someone who may not edit: edit.denied', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: card.channel, ts: card.ts };
    await h.driver.clickButton(U.reviewer, at, 'Request changes');
    const modal = await openModal(h, U.reviewer, 'release.reason');
    expect((await h.driver.submitView(U.reviewer, modal.id, { Reason: 'Needs load-test results' })).outcome.outcome).toBe('closed');
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Edit request'));

    await refusedClick(U.outsider, id, at, 'Edit request', `Only the requester or a release manager can edit REL-${id}`);

    const denied = await denials(id, 'edit.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: U.outsider, details: { reason: 'not_allowed', state: 'changes_requested', via: 'card' } });
  }, 60_000);

  it('Schedule by someone outside operations and by the requester, and Emergency override by a product manager', async () => {
    const { id, card } = await requestRelease(h);
    await approveToScheduling(h, id, card.ts);
    const at = { channel: CHANNELS.payments, ts: card.ts };
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Emergency override'));

    await refusedClick(U.pm, id, at, 'Schedule', `Only operations or a release manager can schedule REL-${id}`);
    await refusedClick(U.requester, id, at, 'Schedule', `You requested REL-${id}; someone in operations schedules it.`);
    await refusedClick(U.pm, id, at, 'Emergency override', `Only a release manager can grant an emergency override for REL-${id}`);

    const scheduling = await denials(id, 'schedule.denied');
    expect(scheduling).toHaveLength(2);
    expect(scheduling[0]).toMatchObject({ actor: U.pm, details: { reason: 'not_in_role', state: 'scheduling' } });
    expect(scheduling[1]).toMatchObject({ actor: U.requester, details: { reason: 'self', state: 'scheduling' } });
    const override = await denials(id, 'override.denied');
    expect(override).toHaveLength(1);
    expect(override[0]).toMatchObject({ actor: U.pm, details: { reason: 'not_release_manager', state: 'scheduling', via: 'card' } });
  }, 60_000);

  it('Start deploy, Mark deployed and Roll back by someone outside operations: deploy.denied and rollback.denied', async () => {
    const { id, card } = await scheduledRelease(h);

    await refusedClick(U.requester, id, card, 'Start deploy', `Only operations can start the deploy of REL-${id}`);
    await h.driver.clickButton(U.ops, card, 'Start deploy');
    await waitForCard(h, CHANNELS.payments, id, (c) => c.includes(DEPLOYING) && c.includes('Roll back'));
    await refusedClick(U.outsider, id, card, 'Mark deployed', `Only operations can mark REL-${id} deployed`);
    await refusedClick(U.outsider, id, card, 'Roll back', `Only operations or release managers can roll back REL-${id}`);

    const deploy = await denials(id, 'deploy.denied');
    expect(deploy).toHaveLength(2);
    expect(deploy[0]).toMatchObject({ actor: U.requester, details: { reason: 'not_allowed', attempted: 'start', state: 'scheduled', via: 'slack' } });
    expect(deploy[1]).toMatchObject({ actor: U.outsider, details: { reason: 'not_allowed', attempted: 'succeeded', state: 'deploying', via: 'slack' } });
    const rollback = await denials(id, 'rollback.denied');
    expect(rollback).toHaveLength(1);
    expect(rollback[0]).toMatchObject({ actor: U.outsider, details: { reason: 'not_allowed', attempted: 'roll_back', state: 'deploying', via: 'slack' } });

    // once operations have rolled it back, a stale Roll back (an old DM's button) is still refused to an outsider
    // and audited, while operations hear it is under way
    await h.driver.clickButton(U.ops, card, 'Roll back');
    await expect.poll(async () => (await denials(id, 'release.rollback_requested')).length, { timeout: 10_000 }).toBe(1);
    expect(await rollBack(h.gl.deps, { releaseId: id, actor: U.outsider })).toMatchObject({ kind: 'denied' });
    expect(await rollBack(h.gl.deps, { releaseId: id, actor: U.ops })).toMatchObject({ kind: 'already' });
    const after = await denials(id, 'rollback.denied');
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ actor: U.outsider, details: { reason: 'not_allowed', attempted: 'roll_back' } });
  }, 60_000);

  it('Mark deployed from a stale card after the deploy failed: refused privately and audited as deploy.denied', async () => {
    const { id, card } = await scheduledRelease(h);
    await h.driver.clickButton(U.ops, card, 'Start deploy');
    const deploying = structuredClone(await waitForCard(h, CHANNELS.payments, id, (c) => c.includes(DEPLOYING))) as SlackMessage;
    await h.driver.clickButton(U.ops, card, 'Mark failed');
    // a failed deploy opens its post-release review: the card settles once that shows
    await waitForCard(h, CHANNELS.payments, id, (c) => c.includes('Deploy failed') && c.includes('Post-release review open'));
    const cardBefore = JSON.stringify(findCard(h, card.channel, id)?.blocks);

    await clickOnOldCard(h, U.ops2, deploying, 'Mark deployed');
    await h.fake.waitFor(() => responsesTo(h, U.ops2, `REL-${id} is failed; it cannot take a`).length > 0 || undefined, { description: 'the refusal' });
    const denied = await denials(id, 'deploy.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: U.ops2, details: { reason: 'wrong_state', attempted: 'succeeded', state: 'failed', via: 'slack' } });
    expect(JSON.stringify(findCard(h, card.channel, id)?.blocks)).toBe(cardBefore);
  }, 60_000);

  it('the card names a whole-day freeze by its day in the policy time zone, not by the midnight after it', async () => {
    const { id } = await requestRelease(h);
    const day = DateTime.fromISO(FREEZE_DAY, { zone: 'Europe/Berlin' }).setLocale('en-GB').toFormat('ccc d LLL yyyy');
    const card = await waitForCard(h, CHANNELS.payments, id);
    expect(JSON.stringify(card.blocks)).toContain(`:snowflake: Freeze ${day} (whole day): Board demo`);
  });

  it('an allowed click writes no denial', async () => {
    const { id, card } = await requestRelease(h);
    await approveAndWait(h, U.reviewer, { channel: card.channel, ts: card.ts });
    await h.driver.clickButton(U.qa, { channel: card.channel, ts: card.ts }, 'Reject');
    await openModal(h, U.qa, 'release.reason');
    expect((await getRelease(h, id)).audit.filter((e) => e.action.endsWith('.denied'))).toEqual([]);
  }, 60_000);

  it('the denials are links of the one hash chain', () => {
    expect(verifyAuditChain(h.gl.database.sqlite)).toMatchObject({ ok: true });
  });
});
