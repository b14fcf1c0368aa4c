/**
 * App Home fixes: a release waiting for a deploy slot offers *Schedule* and stays in operations' "Waiting on you"
 * until it is scheduled (an approval alone does not take it off); the calendar splits into sections between lines
 * (no cut <!date^…>, the "…and N more" line kept); whole-day freezes read as their days, timed ones as times.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateView } from '../../src/fake-slack';
import type { SlackView } from '../../src/fake-slack';
import { homeView } from '../../src/slack/views/home.view';
import { loadHome } from '../../src/usecases/home';
import type { Harness } from '../support/harness';
import { CHANNELS, U, approveToScheduling, findCard, openModal, requestRelease, startHarness, textOf, threadLines, waitForCard } from '../support/harness';
import { policyWith } from '../support/deploy-fixtures';

const today = DateTime.now().setZone('Europe/Berlin').startOf('day');
const whole = { first: today.plus({ days: 3 }), last: today.plus({ days: 5 }) };
const timed = { start: today.plus({ days: 8, hours: 14 }), end: today.plus({ days: 8, hours: 16 }) };
const iso = (d: DateTime) => d.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
const FREEZES = `freezes:
  - { start: ${whole.first.toISODate()}, end: ${whole.last.toISODate()}, reason: Launch freeze }
  - { start: "${iso(timed.start)}", end: "${iso(timed.end)}", reason: Database migration }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ policy: policyWith({}, { extra: FREEZES }) });
});
afterAll(async () => {
  await h?.close();
});

async function openHome(user: string, until: (v: SlackView) => boolean = () => true): Promise<SlackView> {
  const before = h.fake.homeView(user)?.hash;
  expect((await h.driver.appHomeOpened(user)).status).toBe(200);
  return h.fake.waitFor(
    () => {
      const v = h.fake.homeView(user);
      return v && v.hash !== before && until(v) ? v : undefined;
    },
    { description: `${user}'s Home` },
  );
}

type Block = { type?: string; block_id?: string; text?: { text?: string }; elements?: { type?: string; text?: { text?: string }; action_id?: string; value?: string }[] };

function waitingButtons(view: SlackView | undefined, id: number): { label: string; actionId: string; value: string }[] {
  const block = ((view?.blocks ?? []) as Block[]).find((b) => b.type === 'actions' && b.block_id === `home-waiting-${id}`);
  return (block?.elements ?? []).map((e) => ({ label: e.text?.text ?? '', actionId: e.action_id ?? '', value: e.value ?? '' }));
}

describe('App Home in scheduling', () => {
  it('offers Schedule (the card’s action) and keeps the release waiting on operations until a slot is picked', async () => {
    const { id, card } = await requestRelease(h, U.requester, { Environment: 'staging' });
    await approveToScheduling(h, id, card.ts);
    const at = { channel: CHANNELS.payments, ts: card.ts };
    type CardBlock = { elements?: { text?: { text?: string }; action_id?: string; value?: string }[] };
    const cardButton = ((findCard(h, CHANNELS.payments, id)?.blocks ?? []) as CardBlock[]).flatMap((b) => b.elements ?? []).find((e) => e.text?.text === 'Schedule');
    expect(cardButton).toBeDefined();

    let home = await openHome(U.ops, (v) => waitingButtons(v, id).length > 0);
    expect(waitingButtons(home, id).map((b) => b.label)).toEqual(['Schedule', 'Approve', 'Request changes', 'Reject']);
    expect(waitingButtons(home, id)[0]).toMatchObject({ actionId: cardButton?.action_id, value: cardButton?.value });

    // operations approve from Home: the release still waits for its slot, so it stays
    await h.driver.clickButton(U.ops, { homeOf: U.ops }, { label: 'Approve', blockId: `home-waiting-${id}` });
    await h.fake.waitFor(() => (threadLines(h, at.channel, at.ts, `<@${U.ops}> approved`).length > 0 ? true : undefined), { description: 'the approval' });
    home = await openHome(U.ops);
    expect(waitingButtons(home, id).map((b) => b.label)).toContain('Schedule');

    // Schedule from Home opens the schedule modal; once scheduled the release leaves the list
    await h.driver.clickButton(U.ops, { homeOf: U.ops }, { label: 'Schedule', blockId: `home-waiting-${id}` });
    const modal = await openModal(h, U.ops, 'release.schedule');
    const res = await h.driver.submitView(U.ops, modal.id, { 'Deploy date and time': Math.ceil((Date.now() + 3_600_000) / 1_800_000) * 1_800 });
    expect(res.outcome.outcome).toBe('closed');
    await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Start deploy'));
    home = await openHome(U.ops);
    expect(waitingButtons(home, id)).toEqual([]);
  }, 90_000);
});

describe('App Home freezes', () => {
  it('shows a whole-day freeze as its first and last day, and a timed one as times', async () => {
    const text = textOf(await openHome(U.outsider));
    const day = (d: DateTime) => d.setLocale('en-GB').toFormat('ccc d LLL yyyy');
    expect(text).toContain(`*Launch freeze* (all services): ${day(whole.first)} – ${day(whole.last)} (whole days)`);
    expect(text).not.toContain(`<!date^${whole.first.toSeconds()}^`);
    expect(text).toContain(`*Database migration* (all services): <!date^${timed.start.toSeconds()}^{date_short} {time}|`);
    expect(text).toContain(`→ <!date^${timed.end.toSeconds()}^{date_short} {time}|`);
  });
});

describe('App Home calendar with long names', () => {
  it('splits between lines: every <!date^…> whole, the "…and N more" line kept, within Slack’s limits', async () => {
    const sqlite = h.gl.database.sqlite;
    const insert = sqlite.prepare(
      `INSERT INTO releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, scheduled_at, created_at, updated_at)
       VALUES (?, ?, 't', 'c', 'staging', 'low', 'r', '[]', 'U0BULK', 'api', 'scheduled', ?, 1, ?, ?, ?)`,
    );
    const now = Date.now();
    sqlite.transaction(() => {
      for (let i = 0; i < 12; i++) insert.run(`svc-${i}-${'a&'.repeat(30)}`, `${i}.${'9'.repeat(60)}`, now, now + (i + 2) * 86_400_000, now, now);
    })();
    const view = homeView(await loadHome(h.gl.deps, U.outsider));
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(validateView(view)).toEqual([]);
    const sections = (view.blocks as Block[]).filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');
    for (const s of sections) {
      expect(s.length).toBeLessThanOrEqual(3000);
      expect(s).not.toMatch(/<!date\^[^>]*$/);
      expect(s.endsWith('…')).toBe(false);
    }
    const all = sections.join('\n');
    expect(all).toContain('*:calendar: Deploys in the next 14 days* (');
    expect(all).toMatch(/…and \d+ more — `\/release calendar` shows the calendar/);
    // every booked deploy shown (ten), each on a whole line
    expect(all.split('\n').filter((l) => l.startsWith(':alarm_clock: <!date^') && l.endsWith('(staging)'))).toHaveLength(10);
    // and Slack takes it
    const published = await openHome(U.outsider, (v) => textOf(v).includes('svc-0-'));
    expect(published.blocks.length).toBeLessThanOrEqual(100);
  });
});
