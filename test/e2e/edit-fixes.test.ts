/**
 * Editing a release: a generated title follows the version, a save that changes nothing posts nothing (also when
 * the requested deploy time has passed), and an edit that resets approvals frees a scheduled release's slot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { API_TOKEN, CHANNELS, U, apiRequest, findCard, startHarness, requestRelease, submitEdit, textOf, threadLines, waitForCard } from '../support/harness';
import { auditActions, policyWith, scheduledRelease, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

interface Row {
  state: string;
  title: string;
  version: string;
  desired_at: number | null;
  scheduled_at: number | null;
  content_rev: number;
}
function row(t: Harness, id: number): Row {
  return t.gl.database.sqlite.prepare('select state, title, version, desired_at, scheduled_at, content_rev from releases where id = ?').get(id) as Row;
}

/** The bold first line of the card's title section. */
function cardTitle(t: Harness, id: number): string {
  const card = findCard(t, CHANNELS.payments, id);
  return /\*([^*\n]+)\*\\n/.exec(JSON.stringify(card?.blocks ?? []))?.[1] ?? '';
}

function titleInput(view: { blocks: unknown[] }): { initial_value?: string } | undefined {
  const block = view.blocks.find((b) => (b as { block_id?: string }).block_id === 'title') as { element?: { initial_value?: string } } | undefined;
  return block?.element;
}

describe('the title after a version edit', () => {
  it('a release requested without a Title shows the new version in its title after the version is edited', async () => {
    const t = await startHarness();
    h = t;
    const { id } = await requestRelease(t, U.requester, { Title: '' });
    expect(row(t, id).title).toBe('payments-api 1.4.2');
    await waitForCard(t, CHANNELS.payments, id);
    expect(cardTitle(t, id)).toBe('payments-api 1.4.2');

    const { view, res } = await submitEdit(t, U.requester, id, { Version: '1.4.3' });
    expect(res.outcome.outcome).toBe('closed');
    // the generated title is not typed into the form for the person: the field is empty, the default applies
    expect(titleInput(view)).toBeDefined();
    expect(titleInput(view)?.initial_value).toBeUndefined();

    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('payments-api 1.4.3'));
    expect(cardTitle(t, id)).toBe('payments-api 1.4.3');
    expect(row(t, id)).toMatchObject({ title: 'payments-api 1.4.3', version: '1.4.3' });

    // a typed title stays as typed through the next version edit
    await submitEdit(t, U.requester, id, { Title: 'Faster checkout' });
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('Faster checkout'));
    const again = await submitEdit(t, U.requester, id, { Version: '1.4.4' });
    expect(titleInput(again.view)?.initial_value).toBe('Faster checkout');
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('1.4.4'));
    expect(row(t, id)).toMatchObject({ title: 'Faster checkout', version: '1.4.4' });
    expect(cardTitle(t, id)).toBe('Faster checkout');
  }, 30_000);

  it('an API-created release without a title, and a form still showing the generated title, follow the version too', async () => {
    const t = await startHarness();
    h = t;
    const created = await apiRequest(t, 'POST', '/api/v1/releases', {
      token: API_TOKEN,
      body: {
        service: 'payments-api',
        version: '5.0.0',
        environment: 'production',
        changelog: 'New ledger format.',
        rollback_plan: 'Redeploy 4.9.3.',
        risk: 'medium',
        requested_by: U.requester,
      },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { number: number }).number;
    expect(row(t, id).title).toBe('payments-api 5.0.0');
    await waitForCard(t, CHANNELS.payments, id);

    // a form that sends the generated title back as it was (e.g. opened before this fix) is read as "no title given"
    const { res } = await submitEdit(t, U.requester, id, { Version: '5.0.1', Title: 'payments-api 5.0.0' });
    expect(res.outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, id, (c) => c.includes('payments-api 5.0.1'));
    expect(row(t, id)).toMatchObject({ title: 'payments-api 5.0.1', version: '5.0.1' });
    expect(cardTitle(t, id)).toBe('payments-api 5.0.1');
  }, 30_000);
});

describe('a save with no changes', () => {
  it('leaves a requested deploy time that has passed as it is: nothing changes, nothing is posted', async () => {
    const t = await startHarness();
    h = t;
    const desired = Math.ceil((Date.now() + 2 * 3_600_000) / 1_800_000) * 1_800_000;
    const { id, card } = await requestRelease(t, U.requester, { 'Deploy date and time': desired / 1000 });
    expect(row(t, id).desired_at).toBe(desired);
    t.advanceClock(3 * 3_600_000);
    const before = row(t, id);
    const auditBefore = (await auditActions(t, id)).length;

    // the form leaves the past time empty; saving it as it is changes nothing
    const { view, res } = await submitEdit(t, U.requester, id, {});
    expect(JSON.stringify(view.blocks)).not.toContain('initial_date_time');
    expect(res.outcome.outcome).toBe('closed');
    expect(row(t, id)).toEqual(before);
    expect((await auditActions(t, id)).length).toBe(auditBefore);

    // a real edit afterwards is the only edit in the thread, and keeps the requested time
    await submitEdit(t, U.requester, id, { Changelog: 'Caches the basket between steps. Also fixes totals.' });
    await t.fake.waitFor(() => threadLines(t, CHANNELS.payments, card.ts, 'edited the changelog')[0]);
    expect(threadLines(t, CHANNELS.payments, card.ts, 'edited the')).toHaveLength(1);
    expect(row(t, id).desired_at).toBe(desired);
    expect((await auditActions(t, id)).filter((e) => e.action === 'release.edited')).toHaveLength(1);
  }, 30_000);

  it('a deploy time that passes while the form is open is not refused as "in the past"; a future one can still be cleared', async () => {
    const t = await startHarness();
    h = t;
    const desired = Math.ceil((Date.now() + 2 * 3_600_000) / 1_800_000) * 1_800_000;
    const { id, card } = await requestRelease(t, U.requester, { 'Deploy date and time': desired / 1000 });

    // clearing a future time is a change
    const cleared = await submitEdit(t, U.requester, id, { 'Deploy date and time': null });
    expect(JSON.stringify(cleared.view.blocks)).toContain(`"initial_date_time":${desired / 1000}`);
    expect(cleared.res.outcome.outcome).toBe('closed');
    await t.fake.waitFor(() => threadLines(t, CHANNELS.payments, card.ts, 'edited the details')[0]);
    expect(row(t, id).desired_at).toBeNull();

    // set it again, open the form, let the time pass, save unchanged
    const reset = await submitEdit(t, U.requester, id, { 'Deploy date and time': desired / 1000 });
    expect(reset.res.outcome.outcome).toBe('closed');
    expect(row(t, id).desired_at).toBe(desired);
    const views = t.fake.openViews(U.requester).length;
    await t.driver.command(U.requester, `edit REL-${id}`, { channelId: CHANNELS.general });
    const open = await t.fake.waitFor(() => (t.fake.openViews(U.requester).length > views ? t.fake.openViews(U.requester).at(-1) : undefined));
    expect(JSON.stringify(open.blocks)).toContain(`"initial_date_time":${desired / 1000}`);
    t.advanceClock(3 * 3_600_000);
    const before = row(t, id);
    const edits = threadLines(t, CHANNELS.payments, card.ts, 'edited the').length;
    const res = await t.driver.submitView(U.requester, open.id, {});
    expect(res.outcome.outcome).toBe('closed');
    expect(row(t, id)).toEqual(before);
    expect(threadLines(t, CHANNELS.payments, card.ts, 'edited the')).toHaveLength(edits);
  }, 30_000);
});

describe('an edit that resets the approvals of a scheduled release', () => {
  it('frees the slot, audits release.unscheduled, says so in the thread, and the old slot timer does nothing', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const { id, card } = await scheduledRelease(t);
    const slot = row(t, id).scheduled_at;
    expect(slot).not.toBeNull();
    const windowJob = `release-${id}-window-start-${String(slot)}`;
    expect((await t.gl.timers.pending()).some((j) => j.id === windowJob)).toBe(true);

    const { res } = await submitEdit(t, U.requester, id, { Version: '1.4.3' });
    expect(res.outcome.outcome).toBe('closed');
    expect(row(t, id)).toMatchObject({ state: 'review', scheduled_at: null, version: '1.4.3' });

    const audit = await auditActions(t, id);
    const unscheduled = audit.filter((e) => e.action === 'release.unscheduled');
    expect(unscheduled).toHaveLength(1);
    expect(unscheduled[0]?.details).toMatchObject({ reason: 'edited', fields: ['version'], slot: new Date(slot ?? 0).toISOString() });
    expect(unscheduled[0]?.actor).toBe(U.requester);

    const line = await waitForThread(t, card, 'edited the version');
    expect(textOf(line)).toContain(`The deploy slot <!date^${Math.floor((slot ?? 0) / 1000)}^`);
    expect(textOf(line)).toContain('is freed');
    expect(textOf(line)).toContain('Now in *Initial review*');
    const updated = await waitForCard(t, CHANNELS.payments, id, (c) => c.includes(':arrow_forward: *Initial review*'));
    expect(textOf(updated)).not.toContain('Start deploy');
    expect(textOf(updated)).not.toContain('Deploy slot');

    // the old slot's timer, run now, starts nothing
    const job = await t.gl.timers.queue.getJob(windowJob);
    await job?.promote();
    await expect.poll(async () => (await t.gl.timers.queue.getJob(windowJob))?.finishedOn ?? (job ? undefined : 0), { timeout: 10_000 }).toBeDefined();
    expect(row(t, id)).toMatchObject({ state: 'review', scheduled_at: null });
    expect((await auditActions(t, id)).some((e) => e.action === 'deploy.window_opened')).toBe(false);
  }, 90_000);

  it('a rollback-plan edit sends it back to scheduling without its slot; a title-only edit keeps the slot', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const { id, card } = await scheduledRelease(t);
    const slot = row(t, id).scheduled_at;

    await submitEdit(t, U.requester, id, { Title: 'Faster checkout, take two' });
    await waitForThread(t, card, 'edited the details');
    expect(row(t, id)).toMatchObject({ state: 'scheduled', scheduled_at: slot });

    await submitEdit(t, U.requester, id, { 'Rollback plan': 'Flip the checkout_cache flag off.' });
    const line = await waitForThread(t, card, 'edited the rollback plan');
    expect(textOf(line)).toContain('is freed');
    expect(row(t, id)).toMatchObject({ state: 'scheduling', scheduled_at: null });
    const unscheduled = (await auditActions(t, id)).filter((e) => e.action === 'release.unscheduled');
    expect(unscheduled.map((e) => e.details.reason)).toEqual(['edited']);
  }, 90_000);
});
