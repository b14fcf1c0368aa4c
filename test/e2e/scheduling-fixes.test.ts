/**
 * Scheduling, freezes and the calendar views: the window limit counts this environment's deploys in the window
 * occurrence; a freeze refreshes the cards it concerns (Emergency override); whole-day freezes read as days; long
 * lists are cut between lines; `/release freeze new` and the "needs an operations approval" refusal are answered and
 * audited.
 */
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDay } from '../../src/domain/calendar';
import type { Harness } from '../support/harness';
import {
  API_TOKEN,
  CHANNELS,
  TIMER_POLICY,
  U,
  approveAndWait,
  offsetToBeforeSlot,
  openModal,
  policyBase,
  requestRelease,
  startHarness,
  textOf,
  waitForCard,
} from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const BERLIN = 'Europe/Berlin';
const berlinDay = (ms: number) => DateTime.fromMillis(ms, { zone: BERLIN }).toISODate() ?? '';

/** payments-api skips QA and sign-off (one review approval to scheduling); a production window on Tuesdays. */
const policy = (extra = '') => `${policyBase('    workflow: { stages: [review, scheduling] }\n')}workflow:
  high_risk: { operations: 2 }
windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
${extra}`;

async function inScheduling(t: Harness, values: Record<string, string> = {}): Promise<{ id: number; card: { channel: string; ts: string } }> {
  const { id, card } = await requestRelease(t, U.requester, values);
  const at = { channel: CHANNELS.payments, ts: card.ts };
  await approveAndWait(t, U.reviewer, at);
  await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *Scheduling*'));
  return { id, card: at };
}

/** Opens the Schedule modal as `user` and submits `at` as the deploy date and time (`modalId`: again, in the modal still open). */
async function schedule(t: Harness, user: string, card: { channel: string; ts: string }, at: number, modalId?: string) {
  let id = modalId;
  if (id === undefined) {
    const before = t.fake.openViews(user).length;
    await t.driver.clickButton(user, card, 'Schedule');
    id = (await t.fake.waitFor(() => (t.fake.openViews(user).length > before ? t.fake.openViews(user).at(-1) : undefined), { description: 'the schedule modal' })).id;
  }
  const res = await t.driver.submitView(user, id, { 'Deploy date and time': Math.floor(at / 1000) }, { skipClientValidation: true });
  return { ...res, modalId: id };
}

async function command(t: Harness, user: string, text: string): Promise<{ text: string; body: { text?: string; blocks?: { type: string; text?: { text?: string } }[] } }> {
  const res = await t.driver.command(user, text, { channelId: CHANNELS.general });
  expect(res.status).toBe(200);
  const body = res.body as { text?: string; blocks?: { type: string; text?: { text?: string } }[] };
  return { text: textOf(body), body };
}

interface AuditItem {
  action: string;
  actor: string;
  release: string | null;
  details: Record<string, unknown>;
}
async function auditOf(t: Harness): Promise<AuditItem[]> {
  return ((await t.api('GET', '/api/v1/audit')).body as { items: AuditItem[] }).items;
}

describe('max_concurrent_per_window counts the deploys of this environment in this window', () => {
  it('a staging booking leaves the production window alone; a deploying or shipped release still holds its place', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000); // Tuesday 09:00; the production window opens at 10:00
    const t = await startHarness({ policy: policy('scheduling: { max_concurrent_per_window: 1 }\n'), clockOffsetMs: offset });
    h = t;
    const staging = await inScheduling(t, { Environment: 'staging' });
    expect((await schedule(t, U.ops, staging.card, slot)).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, staging.id, (x) => x.includes('Deploy slot'));

    // production's 10:00–16:00 window is empty: the staging deploy at 10:00 is in staging's window, not in this one
    const prod = await inScheduling(t);
    const booked = await schedule(t, U.ops, prod.card, slot + 30 * 60_000);
    expect(booked.outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, prod.id, (x) => x.includes('Deploy slot'));

    // the production release starts deploying (the pipeline reports it): it still takes the window's one place
    expect((await t.api('POST', `/api/v1/releases/${prod.id}/deployments`, { status: 'started' })).status).toBe(200);
    const late = await inScheduling(t);
    let refused = await schedule(t, U.ops, late.card, slot + 60 * 60_000);
    expect(refused.body).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(refused.body)).toContain(`production window's limit of 1 deploy (REL-${prod.id})`);
    expect(JSON.stringify(refused.body)).not.toContain(`REL-${staging.id}`);

    // …and once it shipped from this window (monitoring), too
    expect((await t.api('POST', `/api/v1/releases/${prod.id}/deployments`, { status: 'succeeded' })).status).toBe(200);
    refused = await schedule(t, U.ops, late.card, slot + 90 * 60_000, refused.modalId);
    expect(JSON.stringify(refused.body)).toContain(`production window's limit of 1 deploy (REL-${prod.id})`);
    // next Tuesday's window is free
    expect((await schedule(t, U.ops, late.card, slot + 7 * 86_400_000, refused.modalId)).outcome.outcome).toBe('closed');
    expect(((await t.api('GET', `/api/v1/releases/${late.id}`)).body as { state: string }).state).toBe('scheduled');
  }, 90_000);
});

describe('the Schedule modal\'s "needs operations approvals" refusal', () => {
  it('reads right for one missing approval and for a high-risk release, and is audited as schedule.denied', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const t = await startHarness({ policy: policy(), clockOffsetMs: offset });
    h = t;
    // a release manager (not in operations) picks a slot for a normal-risk release
    const normal = await inScheduling(t);
    const res = await schedule(t, U.rm, normal.card, slot);
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: { deploy_at: `REL-${normal.id} needs an operations approval before it is scheduled: someone in operations can press Approve on the card, or schedule it themselves.` },
    });
    // operations picking for a high-risk release: their pick counts, one more is missing
    const high = await inScheduling(t, { Risk: 'high' });
    const res2 = await schedule(t, U.ops, high.card, slot);
    expect(JSON.stringify(res2.body)).toContain(
      `REL-${high.id} is high-risk: it needs 2 operations approvals before it is scheduled, and one more is missing. Ask someone else in operations to press Approve on the card.`,
    );

    const audit = await auditOf(t);
    const denied = audit.filter((e) => e.action === 'schedule.denied');
    expect(denied).toEqual([
      expect.objectContaining({ actor: U.rm, release: `REL-${normal.id}`, details: expect.objectContaining({ reason: 'needs_approvals', state: 'scheduling' }) }),
      expect.objectContaining({ actor: U.ops, release: `REL-${high.id}`, details: expect.objectContaining({ reason: 'needs_approvals', state: 'scheduling' }) }),
    ]);
    expect(((await t.api('GET', `/api/v1/releases/${normal.id}`)).body as { state: string }).state).toBe('scheduling');
  }, 60_000);
});

describe('a freeze declared in Slack', () => {
  it('refreshes the cards of releases in scheduling so the Emergency override appears; whole days read as days everywhere', async () => {
    const t = await startHarness({ policy: policy() });
    h = t;
    const rel = await inScheduling(t);
    const before = await waitForCard(t, CHANNELS.payments, rel.id);
    expect(textOf(before)).not.toContain('Emergency override');

    const first = Date.now() + 2 * 86_400_000;
    const last = first + 86_400_000;
    await t.driver.command(U.rm, 'freeze');
    const modal = await openModal(t, U.rm, 'freeze.declare');
    const ok = await t.driver.submitView(U.rm, modal.id, { 'First day': berlinDay(first), 'Last day': berlinDay(last), Reason: 'Pen test', Services: ['payments-api'] });
    expect(ok.outcome.outcome).toBe('closed');

    // the card of the release in scheduling (not moved by the freeze: it had no slot) now offers break-glass
    const card = await waitForCard(t, CHANNELS.payments, rel.id, (x) => x.includes('Emergency override'));
    expect(textOf(card)).toContain('Pen test');

    // first and last day, inclusive, never the exclusive end's midnight
    const span = `${formatDay(first, BERLIN)} – ${formatDay(last, BERLIN)} (whole days)`;
    const announcement = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes('declared a freeze')));
    expect(announcement.text).toContain(span);
    expect(announcement.text).not.toContain('00:00');
    const list = await command(t, U.rm, 'freeze list');
    expect(list.text).toContain(span);
    expect(list.text).not.toContain('00:00');

    // the Schedule modal's note
    await t.driver.clickButton(U.ops, rel.card, 'Schedule');
    const scheduleModal = await openModal(t, U.ops, 'release.schedule');
    expect(JSON.stringify(scheduleModal.blocks)).toContain(`Freeze ${span}: Pen test`);

    // /release calendar and calendar.ics: an all-day event
    const cal = await command(t, U.outsider, 'calendar');
    expect(cal.text).toContain(`${DateTime.fromMillis(first, { zone: BERLIN }).setLocale('en-GB').toFormat('ccc d LLL yyyy')} – ${DateTime.fromMillis(last, { zone: BERLIN }).setLocale('en-GB').toFormat('ccc d LLL yyyy')} (whole days)`);
    const ics = (await (await fetch(`${t.gl.url}/api/v1/calendar.ics?token=${API_TOKEN}`)).text()).replace(/\r\n[ \t]/g, '');
    const event = ics.split('BEGIN:VEVENT').find((e) => e.includes('SUMMARY:Freeze: Pen test'));
    expect(event).toContain(`DTSTART;VALUE=DATE:${berlinDay(first).replace(/-/g, '')}`);
    expect(event).toContain(`DTEND;VALUE=DATE:${berlinDay(last + 86_400_000).replace(/-/g, '')}`);
  }, 60_000);

  it('`/release freeze new` from someone who may not declare one: a private refusal, audited; a release manager gets the modal', async () => {
    const t = await startHarness({ policy: policy() });
    h = t;
    const res = await t.driver.command(U.outsider, 'freeze new', { channelId: CHANNELS.general });
    expect(res.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Only admins and release managers can declare a freeze') });
    expect(t.fake.openViews(U.outsider)).toHaveLength(0);
    const audit = await auditOf(t);
    expect(audit.filter((e) => e.action === 'freeze.denied')).toEqual([
      expect.objectContaining({ actor: U.outsider, release: null, details: { reason: 'not_release_manager', attempted: 'declare', via: 'command' } }),
    ]);
    // plain `/release freeze` still lists them for everyone
    expect((await command(t, U.outsider, 'freeze')).text).toContain('No freezes');
    await t.driver.command(U.rm, 'freeze new', { channelId: CHANNELS.general });
    await openModal(t, U.rm, 'freeze.declare');
  }, 30_000);
});

describe('long freeze lists', () => {
  it('`/release freeze` and `/release calendar` cut forty long freezes between lines, never inside an &amp;', async () => {
    const tomorrow = Date.now() + 86_400_000;
    const reason = (i: number) => `R&D freeze ${i} ${'x'.repeat(280)}`;
    const freezes = Array.from({ length: 40 }, (_, i) => `  - { start: ${berlinDay(tomorrow + (i % 10) * 86_400_000)}, end: ${berlinDay(tomorrow + (i % 10) * 86_400_000)}, reason: "${reason(i)}" }`);
    const t = await startHarness({ policy: policy(`freezes:\n${freezes.join('\n')}\n`) });
    h = t;
    const sectionsOf = (body: { blocks?: { type: string; text?: { text?: string } }[] }) =>
      (body.blocks ?? []).filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');

    const list = await command(t, U.outsider, 'freeze');
    const listSections = sectionsOf(list.body);
    expect(listSections.length).toBeGreaterThan(1);
    const listLines = listSections.flatMap((s) => s.split('\n'));
    expect(listLines).toHaveLength(40);
    for (const line of listLines) expect(line).toMatch(/^:snowflake: \*.*\* — R&amp;D freeze \d+ x+…? _\(all services\)_$/);
    for (const s of listSections) expect(s.length).toBeLessThanOrEqual(3000);

    const cal = await command(t, U.outsider, 'calendar');
    const freezeLines = sectionsOf(cal.body)
      .flatMap((s) => s.split('\n'))
      .filter((l) => l.startsWith(':snowflake:'));
    expect(freezeLines).toHaveLength(20);
    for (const line of freezeLines) expect(line).toMatch(/^:snowflake: .*: \*R&amp;D freeze \d+ x+…?\* \(all services\)$/);
    expect(cal.text).toContain('…and 20 more, starting later.');
  }, 30_000);
});

describe('snoozing a reminder until tomorrow', () => {
  it('confirms the time in the reader\'s own zone (a Slack date), not the policy zone', async () => {
    const t = await startHarness({ policy: TIMER_POLICY });
    h = t;
    t.fake.addUser({ id: U.reviewer, name: 'u0dev2', real_name: U.reviewer, tz: 'America/New_York' });
    const { id } = await requestRelease(t);
    const reminder = await t.fake.waitFor(() => t.fake.dms(U.reviewer).find((m) => textOf(m).includes(`REL-${id} is waiting on you`)), { timeoutMs: 15_000 });
    expect((await t.driver.selectOption(U.reviewer, { channel: reminder.channel, ts: reminder.ts }, 'Snooze until tomorrow')).status).toBe(200);
    const answer = await t.fake.waitFor(() => t.fake.responseUrlPosts().find((p) => p.context.user === U.reviewer && JSON.stringify(p.body).includes('Snoozed until')), {
      description: 'the snooze answer',
    });
    const row = t.gl.database.sqlite.prepare('select snoozed_until as s from reminders where release_id = ? and user_id = ?').get(id, U.reviewer) as { s: number };
    // tomorrow's start of business hours (00:00 in this policy) in New York…
    const local = DateTime.fromMillis(row.s, { zone: 'America/New_York' });
    expect([local.hour, local.minute]).toEqual([0, 0]);
    // …shown as a Slack date, which each reader's client renders in their own zone
    const text = (answer.body as { text: string }).text;
    expect(text).toContain(`<!date^${Math.floor(row.s / 1000)}^`);
    expect(text).not.toMatch(/CET|CEST/);
  }, 60_000);
});
