/** Approvals are bound to content: what an edit resets, what the card says, and who may edit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import {
  CHANNELS,
  U,
  activeApprovals,
  approveAndWait,
  clickOnOldCard,
  getRelease,
  openModal,
  releaseInScheduling,
  releaseState,
  requestRelease,
  responsesTo,
  startHarness,
  submitEdit,
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

describe('editing a release', () => {
  it('a version change resets review and QA approvals, says why on the card, and sends the release back to review', async () => {
    const { id, card } = await requestRelease(h);
    await approveAndWait(h, U.reviewer, at(card.ts));
    await approveAndWait(h, U.qa, at(card.ts));
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes(':arrow_forward: *Sign-off*'));
    const before = await getRelease(h, id);
    expect(before.state).toBe('signoff');

    const { view, res } = await submitEdit(h, U.requester, id, { Version: '1.4.3' });
    // the modal was prefilled with the release as it is
    const prefilled = JSON.stringify(view.blocks);
    expect(view.callback_id).toBe('release.request');
    for (const v of ['1.4.2', 'Faster checkout', 'Caches the basket between steps.', 'Redeploy 1.4.1 with the deploy pipeline.']) expect(prefilled).toContain(v);
    expect(res.outcome.outcome).toBe('closed');

    const updated = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Approvals reset') && t.includes('1.4.3'));
    const text = textOf(updated);
    expect(text).toContain(':arrow_forward: *Initial review*');
    expect(text).toContain(`Developer (<@${U.reviewer}>): version changed`);
    expect(text).toContain(`QA (<@${U.qa}>): version changed`);
    const line = await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, 'edited the version')[0]);
    expect(line).toContain(`<@${U.requester}> edited the version`);
    expect(line).toContain('Approvals reset');
    expect(line).toContain('Now in *Initial review*');

    const after = await getRelease(h, id);
    expect(after.state).toBe('review');
    expect(after.version).toBe('1.4.3');
    expect(after.content_rev).toBe(before.content_rev + 1);
    expect(activeApprovals(after)).toEqual([]);
    expect(after.approvals.map((a) => [a.role, a.status, a.reset_reason])).toEqual([
      ['developer', 'reset', 'version changed'],
      ['qa', 'reset', 'version changed'],
    ]);
    expect(after.audit.filter((e) => e.action === 'approval.reset')).toHaveLength(2);
    expect(after.audit.filter((e) => e.action === 'release.edited')).toHaveLength(1);
    // nothing else changed
    expect([after.changelog, after.rollback_plan, after.environment, after.risk, after.title]).toEqual([
      before.changelog,
      before.rollback_plan,
      before.environment,
      before.risk,
      before.title,
    ]);
    expect(after.criteria).toEqual(before.criteria);

    // and the same people can approve the new content again
    await approveAndWait(h, U.reviewer, at(card.ts));
    expect((await getRelease(h, id)).state).toBe('qa');
  });

  it('refuses an Approve click on a card rendered before the edit, with the "was edited" explanation', async () => {
    const { id, card } = await requestRelease(h);
    const oldCard = structuredClone(card);
    await submitEdit(h, U.requester, id, { Changelog: 'Caches the basket between steps. Also fixes totals.' });
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Also fixes totals.'));
    const before = await releaseState(h, id);
    expect(before.content_rev).toBe(2);

    const res = await clickOnOldCard(h, U.reviewer, oldCard, 'Approve');
    expect(res.status).toBe(200);
    const answer = await h.fake.waitFor(() => responsesTo(h, U.reviewer, `REL-${id} was edited after this card was shown to you`)[0]);
    expect(answer).toContain('Read the updated card, then approve again.');

    const after = await getRelease(h, id);
    const { audit, ...rest } = after;
    expect(rest).toEqual(before);
    expect(audit.some((e) => e.action === 'approval.denied' && e.details.reason === 'stale_view' && e.actor === U.reviewer)).toBe(true);
    expect(threadLines(h, CHANNELS.payments, card.ts, `<@${U.reviewer}> approved`)).toHaveLength(0);

    // the current card works
    await approveAndWait(h, U.reviewer, at(card.ts));
    expect(activeApprovals(await getRelease(h, id))).toEqual([['developer', U.reviewer]]);
  });

  it('a rollback-plan-only edit resets only the operations approvals', async () => {
    const { id, card } = await releaseInScheduling(h, { Risk: 'high' });
    await approveAndWait(h, U.ops, card);
    const before = await getRelease(h, id);
    expect(activeApprovals(before)).toEqual([
      ['developer', U.reviewer],
      ['qa', U.qa],
      ['release_manager', U.rm],
      ['product_manager', U.pm],
      ['operations', U.ops],
    ]);

    const { res } = await submitEdit(h, U.requester, id, { 'Rollback plan': 'Flip the checkout_cache flag off, then redeploy 1.4.1.' });
    expect(res.outcome.outcome).toBe('closed');
    const updated = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Approvals reset'));
    const text = textOf(updated);
    expect(text).toContain(`Operations (<@${U.ops}>): rollback plan changed`);
    expect(text).not.toContain(`Developer (<@${U.reviewer}>): rollback plan changed`);
    expect(text).toContain('Flip the checkout_cache flag off');
    expect(text).toContain('Operations (0 of 2)');

    const after = await getRelease(h, id);
    expect(after.state).toBe('scheduling');
    expect(activeApprovals(after)).toEqual([
      ['developer', U.reviewer],
      ['qa', U.qa],
      ['release_manager', U.rm],
      ['product_manager', U.pm],
    ]);
    const resets = after.audit.filter((e) => e.action === 'approval.reset');
    expect(resets.map((e) => [e.details.role, e.details.user, e.details.reason])).toEqual([['operations', U.ops, 'rollback plan changed']]);
  });

  it('a risk change resets sign-off only and sends the release back to sign-off', async () => {
    const { id } = await releaseInScheduling(h);
    const { res } = await submitEdit(h, U.rm, id, { Risk: 'low' });
    expect(res.outcome.outcome).toBe('closed');
    const updated = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Approvals reset'));
    const text = textOf(updated);
    expect(text).toContain(`Release manager (<@${U.rm}>): risk changed`);
    expect(text).toContain(`Product manager (<@${U.pm}>): risk changed`);
    expect(text).toContain(':arrow_forward: *Sign-off*');

    const after = await getRelease(h, id);
    expect(after.state).toBe('signoff');
    expect(after.risk).toBe('low');
    expect(activeApprovals(after)).toEqual([
      ['developer', U.reviewer],
      ['qa', U.qa],
    ]);
    expect(after.approvals.filter((a) => a.status === 'reset').map((a) => a.role)).toEqual(['release_manager', 'product_manager']);
  });

  it('an edit after "Request changes" re-opens review', async () => {
    const { id, card } = await requestRelease(h);
    await approveAndWait(h, U.reviewer, at(card.ts));
    await h.driver.clickButton(U.qa, at(card.ts), 'Request changes');
    const modal = await openModal(h, U.qa, 'release.reason');
    expect((await h.driver.submitView(U.qa, modal.id, { Reason: 'Add load-test results' })).outcome.outcome).toBe('closed');
    const sentBack = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Edit request'));
    expect((await getRelease(h, id)).state).toBe('changes_requested');

    // the requester uses the Edit request button on the card; only the title changes
    const views = h.fake.openViews(U.requester).length;
    await h.driver.clickButton(U.requester, at(sentBack.ts), 'Edit request');
    const view = await h.fake.waitFor(() => (h.fake.openViews(U.requester).length > views ? h.fake.openViews(U.requester).at(-1) : undefined));
    expect(view.callback_id).toBe('release.request');
    const res = await h.driver.submitView(U.requester, view.id, { Title: 'Faster checkout (with load tests)' });
    expect(res.outcome.outcome).toBe('closed');

    const updated = await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('with load tests') && t.includes(':arrow_forward: *Initial review*'));
    expect(textOf(updated)).toContain(`Developer (<@${U.reviewer}>): review re-opened after changes were requested`);
    const after = await getRelease(h, id);
    expect(after.state).toBe('review');
    expect(activeApprovals(after)).toEqual([]);
    expect(after.approvals.map((a) => a.reset_reason)).toEqual(['review re-opened after changes were requested']);
  });

  it('refuses an edit by someone other than the requester or a release manager, changing nothing', async () => {
    const { id } = await requestRelease(h);
    const before = await releaseState(h, id);
    const views = h.fake.openViews(U.qa).length;
    for (const user of [U.qa, U.outsider]) {
      const res = await h.driver.command(user, `edit REL-${id}`, { channelId: CHANNELS.general });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ response_type: 'ephemeral' });
      expect(JSON.stringify(res.body)).toContain(`Only the requester or a release manager can edit REL-${id}`);
    }
    expect(h.fake.openViews(U.qa)).toHaveLength(views);
    expect(h.fake.openViews(U.outsider)).toHaveLength(0);
    expect(await releaseState(h, id)).toEqual(before);
  });

  it('an edit that changes nothing resets nothing', async () => {
    const { id, card } = await requestRelease(h);
    await approveAndWait(h, U.reviewer, at(card.ts));
    const before = await releaseState(h, id);
    const { res } = await submitEdit(h, U.requester, id, {});
    expect(res.outcome.outcome).toBe('closed');
    expect(await releaseState(h, id)).toEqual(before);
  });
  it('an edit form submitted after someone else saved an edit is refused inline, keeping their change', async () => {
    const { id } = await requestRelease(h);
    const views = h.fake.openViews(U.requester).length;
    await h.driver.command(U.requester, `edit REL-${id}`);
    const stale = await h.fake.waitFor(() => (h.fake.openViews(U.requester).length > views ? h.fake.openViews(U.requester).at(-1) : undefined));
    const { res: rmRes } = await submitEdit(h, U.rm, id, { Version: '1.5.0' });
    expect(rmRes.outcome.outcome).toBe('closed');
    const before = await releaseState(h, id);

    const res = await h.driver.submitView(U.requester, stale.id, { Changelog: 'Something else entirely.' });
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: { version: 'Someone changed this release while you were editing. Close this form and open it again to see their changes.' },
    });
    expect(await releaseState(h, id)).toEqual(before);
    expect(before.version).toBe('1.5.0');
    expect(before.changelog).toBe('Caches the basket between steps.');
    await h.driver.closeView(U.requester, stale.id);
  });

  it('an invalid edit is refused inline and changes nothing; the service cannot change', async () => {
    const { id, card } = await requestRelease(h);
    await approveAndWait(h, U.reviewer, at(card.ts));
    const before = await releaseState(h, id);
    const { res } = await submitEdit(h, U.requester, id, { Version: '' }, { skipClientValidation: true });
    expect(res.body).toEqual({ response_action: 'errors', errors: { version: 'Version is required.' } });
    const view = h.fake.openViews(U.requester).at(-1);
    expect(view).toBeDefined();
    const moved = await h.driver.submitView(U.requester, view?.id ?? '', { Service: 'web' });
    expect(moved.body).toEqual({
      response_action: 'errors',
      errors: { service: "A release's service can't change. Cancel this one and request a new release for web." },
    });
    expect(await releaseState(h, id)).toEqual(before);
    await h.driver.closeView(U.requester, view?.id ?? '');
  });

  it('a cancelled release cannot be edited', async () => {
    const { id } = await requestRelease(h);
    await h.driver.command(U.requester, `cancel REL-${id}`);
    const before = await releaseState(h, id);
    expect(before.state).toBe('cancelled');
    const res = await h.driver.command(U.requester, `edit REL-${id}`);
    expect(JSON.stringify(res.body)).toContain(`can edit REL-${id}, and only before it ships`);
    expect(await releaseState(h, id)).toEqual(before);
  });
});
