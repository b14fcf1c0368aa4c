/** Admins edit deploy windows from Slack (`/release windows`): stored, layered over the policy, honoured everywhere. */
import { afterEach, describe, expect, it } from 'vitest';
import type { SlackView, SubmitValue } from '../../src/fake-slack';
import type { Harness } from '../support/harness';
import { API_TOKEN, CHANNELS, TIMER_POLICY, U, approveToScheduling, forgedSubmission, offsetToBeforeSlot, requestRelease, startHarness, waitForCard } from '../support/harness';

const DAY = 86_400_000;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** What `/release <text>` answers privately, as one string. */
async function command(t: Harness, user: string, text: string): Promise<string> {
  const res = await t.driver.command(user, text);
  expect(res.status).toBe(200);
  return JSON.stringify(res.body ?? '');
}

/** A click on the *Edit windows* button of the `/release windows` answer (an ephemeral the fake does not keep). */
async function clickEditWindows(t: Harness, user: string) {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: t.driver.teamId },
    api_app_id: t.driver.appId,
    token: 'fake-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: CHANNELS.general, is_ephemeral: true },
    channel: { id: CHANNELS.general, name: CHANNELS.general.toLowerCase() },
    trigger_id: t.fake.issueTriggerId(user),
    team: { id: t.driver.teamId, domain: t.fake.identity.teamDomain },
    response_url: t.fake.issueResponseUrl({ kind: 'actions', user, channel: CHANNELS.general, isEphemeral: true }),
    actions: [{ action_id: 'windows.open_editor', block_id: 'windows_actions', value: 'edit', type: 'button', action_ts: `${Math.floor(Date.now() / 1000)}.000002` }],
  };
  const res = await t.driver.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
  expect(res.status).toBe(200);
}

async function openEditor(t: Harness): Promise<SlackView> {
  const before = t.fake.openViews(U.admin).length;
  await t.driver.command(U.admin, 'windows edit');
  return t.fake.waitFor(() => (t.fake.openViews(U.admin).length > before ? t.fake.openViews(U.admin).at(-1) : undefined), { description: 'the windows editor' });
}

async function openSchedule(t: Harness, ts: string, channel: string = CHANNELS.payments): Promise<SlackView> {
  const before = t.fake.openViews(U.ops).length;
  await t.driver.clickButton(U.ops, { channel, ts }, 'Schedule');
  const view = await t.fake.waitFor(() => (t.fake.openViews(U.ops).length > before ? t.fake.openViews(U.ops).at(-1) : undefined), { description: 'the schedule modal' });
  expect(view.callback_id).toBe('release.schedule');
  return view;
}

async function schedule(t: Harness, ts: string, values: Record<string, SubmitValue>, channel: string = CHANNELS.payments) {
  const modal = await openSchedule(t, ts, channel);
  return t.driver.submitView(U.ops, modal.id, values, { skipClientValidation: true });
}

interface AuditItem {
  action: string;
  actor: string;
  release: string | null;
  details: Record<string, unknown>;
}

async function auditItems(t: Harness): Promise<AuditItem[]> {
  return ((await t.api('GET', '/api/v1/audit')).body as { items: AuditItem[] }).items;
}

async function ics(t: Harness): Promise<string> {
  return (await fetch(`${t.gl.url}/api/v1/calendar.ics?token=${API_TOKEN}`)).text();
}

describe('deploy windows edited in Slack', () => {
  it('an admin moves production to Wednesday: /release windows, scheduling, the schedule modal and the feed follow; bad text is refused inline', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000); // a Tuesday 10:00 in Berlin, an hour from now
    const wednesday = slot + DAY;
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;

    // everyone sees the windows; only an admin gets the button
    const asOutsider = await command(t, U.outsider, 'windows');
    expect(asOutsider).toContain('*production* — Tue 10:00–16:00');
    expect(asOutsider).not.toContain('Edit windows');
    expect(await command(t, U.admin, 'windows')).toContain('Edit windows');

    const { id, card } = await requestRelease(t);
    await approveToScheduling(t, id, card.ts);
    const before = await openSchedule(t, card.ts);
    expect(JSON.stringify(before.blocks)).toContain(`"value":"${slot}"`);
    expect(JSON.stringify(before.blocks)).not.toContain(`"value":"${wednesday}"`);
    expect(await ics(t)).toContain(`window-production-${slot}@greenlight`);
    await t.driver.closeView(U.ops, before.id);

    const editor = await openEditor(t);
    expect(editor.callback_id).toBe('windows.edit');
    expect(JSON.stringify(editor.blocks)).toContain('"initial_value":"tue 10:00-16:00"');
    expect(JSON.stringify(editor.blocks)).toContain('"initial_value":"always"');

    // invalid text: an inline error on that input, nothing stored
    let res = await t.driver.submitView(U.admin, editor.id, { Production: 'tue 10:00-25:00' });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { window_production: expect.stringContaining('"tue 10:00-25:00": the end time is wrong: expected a time') } });
    res = await t.driver.submitView(U.admin, editor.id, { Production: 'funday 10:00-12:00' });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { window_production: expect.stringContaining('"funday" is not a day') } });
    res = await t.driver.submitView(U.admin, editor.id, { Production: 'wed 16:00-10:00', Staging: 'sometimes' });
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: { window_production: expect.stringContaining('must be after start'), window_staging: expect.stringContaining('always, never') },
    });
    expect(await command(t, U.outsider, 'windows')).toContain('Tue 10:00–16:00');

    res = await t.driver.submitView(U.admin, editor.id, { Production: 'wed 10:00-16:00' });
    expect(res.outcome.outcome).toBe('closed');

    const after = await command(t, U.outsider, 'windows');
    expect(after).toContain('*production* — Wed 10:00–16:00');
    expect(after).toContain('*staging* — always open');
    expect(after).not.toContain('Tue 10:00–16:00');
    const announcement = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('changed the deploy windows')));
    expect(announcement.text).toContain(`<@${U.admin}>`);
    expect(announcement.text).toContain('tue 10:00-16:00 → *wed 10:00-16:00*');

    // the schedule modal suggests Wednesday now; Tuesday is refused, Wednesday accepted
    const suggested = await openSchedule(t, card.ts);
    expect(JSON.stringify(suggested.blocks)).toContain(`"value":"${wednesday}"`);
    expect(JSON.stringify(suggested.blocks)).not.toContain(`"value":"${slot}"`);
    const refused = await t.driver.submitView(U.ops, suggested.id, { 'Deploy date and time': Math.floor(slot / 1000) }, { skipClientValidation: true });
    expect(JSON.stringify(refused.body)).toContain('outside the deploy windows');
    expect(JSON.stringify(refused.body)).toContain('Wed');
    expect((await t.driver.submitView(U.ops, suggested.id, { Slot: String(wednesday) })).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('Scheduled'));

    // the feed and the calendar follow the edit
    const feed = await ics(t);
    expect(feed).toContain(`window-production-${wednesday}@greenlight`);
    expect(feed).not.toContain(`window-production-${slot}@greenlight`);
    expect(await command(t, U.outsider, 'calendar')).toContain('Wed');

    // audited with before and after
    const events = (await auditItems(t)).filter((e) => e.action === 'windows.updated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: U.admin, release: null, details: { environment: 'production', before: 'tue 10:00-16:00', after: 'wed 10:00-16:00' } });

    // saving the same text again changes nothing and says nothing
    const again = await openEditor(t);
    expect(JSON.stringify(again.blocks)).toContain('"initial_value":"wed 10:00-16:00"');
    expect((await t.driver.submitView(U.admin, again.id, {})).outcome.outcome).toBe('closed');
    expect((await auditItems(t)).filter((e) => e.action === 'windows.updated')).toHaveLength(1);
  }, 90_000);

  it('non-admins cannot open or submit the editor', async () => {
    const t = await startHarness({ policy: TIMER_POLICY });
    h = t;
    const denied = await command(t, U.rm, 'windows edit');
    expect(denied).toContain('Only admins');
    await clickEditWindows(t, U.ops);
    await t.fake.waitFor(() => t.fake.responseUrlPosts().find((p) => JSON.stringify(p.body).includes('Only admins')), { description: 'the private refusal' });
    expect(t.fake.openViews(U.rm)).toHaveLength(0);
    expect(t.fake.openViews(U.ops)).toHaveLength(0);

    // a submission of the editor by someone else (a forged or replayed payload) is refused inline
    const view = await openEditor(t);
    const res = await forgedSubmission(t, U.admin, U.outsider, view, { Production: 'always' });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { window_production: expect.stringContaining('Only admins') } });
    expect(await command(t, U.outsider, 'windows')).toContain('Tue 10:00–16:00');
    const audit = await auditItems(t);
    expect(audit.some((e) => e.action === 'windows.updated')).toBe(false);
    // each refusal is audited: the command, the button and the forged submission
    expect(audit.filter((e) => e.action === 'windows.denied').map((e) => [e.actor, e.release, e.details])).toEqual([
      [U.rm, null, { reason: 'not_admin', attempted: 'open_editor', via: 'command' }],
      [U.ops, null, { reason: 'not_admin', attempted: 'open_editor', via: 'slack' }],
      [U.outsider, null, { reason: 'not_admin', attempted: 'save', via: 'modal' }],
    ]);
  }, 60_000);

  it('a scheduled release whose slot leaves the windows goes back to scheduling and its owners are told', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const kept = await requestRelease(t, U.requester, { Service: 'web', Environment: 'staging' }, CHANNELS.releases);
    await approveToScheduling(t, kept.id, kept.card.ts, CHANNELS.releases);
    expect((await schedule(t, kept.card.ts, { Slot: String(slot) }, CHANNELS.releases)).outcome.outcome).toBe('closed');
    const { id, card } = await requestRelease(t);
    await approveToScheduling(t, id, card.ts);
    expect((await schedule(t, card.ts, { Slot: String(slot) })).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('Scheduled'));

    // the admin uses the button on /release windows
    expect(await command(t, U.admin, 'windows')).toContain('windows.open_editor');
    const before = t.fake.openViews(U.admin).length;
    await clickEditWindows(t, U.admin);
    const editor = await t.fake.waitFor(() => (t.fake.openViews(U.admin).length > before ? t.fake.openViews(U.admin).at(-1) : undefined), { description: 'the windows editor' });
    const res = await t.driver.submitView(U.admin, editor.id, { Production: 'Wed, Thu 10:00–16:00; sat 09:00-12:00', Staging: 'mon-fri 08:00-20:00' });
    expect(res.outcome.outcome).toBe('closed');

    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('*Scheduling*'));
    const body = (await t.api('GET', `/api/v1/releases/${id}`)).body as { state: string; scheduled_at: string | null; audit: { action: string; details: Record<string, unknown> }[] };
    expect(body.state).toBe('scheduling');
    expect(body.scheduled_at).toBeNull();
    expect(body.audit.find((e) => e.action === 'release.unscheduled')?.details).toMatchObject({ reason: 'windows', environment: 'production' });
    const dm = await t.fake.waitFor(() => t.fake.dms(U.requester).find((m) => m.text.includes(`REL-${id}`) && m.text.includes('unscheduled')), { description: 'the DM to the requester' });
    expect(dm.text).toContain('outside the new production deploy windows (wed,thu 10:00-16:00; sat 09:00-12:00)');
    await t.fake.waitFor(() => t.fake.dms(U.ops).find((m) => m.text.includes(`REL-${id}`) && m.text.includes('unscheduled')), { description: 'the DM to the scheduler' });
    const announcement = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('changed the deploy windows')));
    expect(announcement.text).toContain(`REL-${id}`);
    expect(announcement.text).toContain('*staging*: always → *mon,tue,wed,thu,fri 08:00-20:00*');

    // a staging release whose slot is still inside the new staging windows keeps it; /release why names the next opening
    const stays = (await t.api('GET', `/api/v1/releases/${kept.id}`)).body as { state: string; scheduled_at: string };
    expect(stays.state).toBe('scheduled');
    expect(Date.parse(stays.scheduled_at)).toBe(slot);
    const actions = (await auditItems(t)).filter((e) => e.action === 'windows.updated').map((e) => e.details['environment']);
    expect(actions.sort()).toEqual(['production', 'staging']);
    const why = await command(t, U.requester, `why REL-${id}`);
    expect(why).toContain('Outside the production deploy windows now; the next one opens');
  }, 90_000);
});
