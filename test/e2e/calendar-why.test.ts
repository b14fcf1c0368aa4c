/** `/release why`, `/release calendar`, `/release windows` and the iCalendar feed. */
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSlot } from '../../src/domain/calendar';
import type { Harness } from '../support/harness';
import { API_TOKEN, CHANNELS, TEST_POLICY, U, approveToScheduling, offsetToBeforeSlot, openModal, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const BERLIN = 'Europe/Berlin';
const day = (ms: number) => DateTime.fromMillis(ms, { zone: BERLIN }).toISODate() ?? '';
const policyWith = (freezeDay: string) => `${TEST_POLICY}
windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
freezes: [{ start: ${freezeDay}, end: ${freezeDay}, reason: Quarter close }]
`;

async function command(t: Harness, user: string, text: string): Promise<string> {
  const res = await t.driver.command(user, text, { channelId: CHANNELS.general });
  expect(res.status).toBe(200);
  return textOf(res.body as { text?: string; blocks?: unknown });
}

/** A tiny RFC 5545 reader: unfolds lines and returns each VEVENT's properties (name with parameters → value). */
function parseIcs(text: string): { calendar: Record<string, string>; events: Record<string, string>[] } {
  expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  expect(text.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
  const calendar: Record<string, string> = {};
  const events: Record<string, string>[] = [];
  let current: Record<string, string> | null = null;
  for (const line of lines) {
    const colon = line.indexOf(':');
    expect(colon).toBeGreaterThan(0);
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (name === 'BEGIN' && value === 'VEVENT') current = {};
    else if (name === 'END' && value === 'VEVENT') {
      if (current) events.push(current);
      current = null;
    } else (current ?? calendar)[name] = value;
  }
  return { calendar, events };
}
const icsUtc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('/release why', () => {
  it('lists every missing approval with who can give it and every unmet criterion by its label', async () => {
    const t = await startHarness();
    h = t;
    const { id } = await requestRelease(t);
    expect((await t.api('POST', `/api/v1/releases/${id}/checks`, { criterion: 'security', status: 'failed' })).status).toBe(200);
    expect((await t.api('POST', `/api/v1/releases/${id}/checks`, { criterion: 'tests', status: 'passed' })).status).toBe(200);
    const why = await command(t, U.qa, `why REL-${id}`);
    expect(why).toContain(`REL-${id} is *Initial review*`);
    expect(why).toContain(`1 more Developer approval for *Initial review* — from <@${U.reviewer}>`);
    expect(why).not.toContain(`<@${U.requester}>, `); // the requester can't approve
    expect(why).toContain('Readiness *No new vulnerabilities* is failed');
    expect(why).toContain('Readiness *Performance benchmarks met* is pending');
    expect(why).toContain('Readiness *Business alignment* is pending');
    expect(why).toContain('Readiness *User feedback* is pending');
    expect(why).not.toContain('Tests complete'); // met
    expect(why).not.toContain('Readiness *security*');
    expect(why).toContain('Held by 5 thing(s)');
    expect(await command(t, U.qa, 'why REL-999')).toContain("REL-999 doesn't exist");
  }, 30_000);

  it('for a release in scheduling: the freeze, the window, the deploy lock, and the earliest slot when all allow', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000); // Tuesday 09:00: before the window opens
    const t = await startHarness({ policy: policyWith(day(slot)), clockOffsetMs: offset });
    h = t;
    const lock = await requestRelease(t, U.requester, { Version: '1.4.1' });
    const a = await requestRelease(t);
    await approveToScheduling(t, a.id, a.card.ts);
    // REL-lock is deploying payments-api to production (set directly: the lock is what is under test here)
    t.gl.database.sqlite.prepare("update releases set state = 'deploying' where id = ?").run(lock.id);

    const why = await command(t, U.rm, `why REL-${a.id}`);
    expect(why).toContain(`REL-${a.id} is *Scheduling*`);
    expect(why).toContain(':snowflake: Freeze *Quarter close*');
    expect(why).toContain(`Outside the production deploy windows now; the next one opens`);
    expect(why).toContain(formatSlot(slot, BERLIN)); // today's window opening…
    expect(why).toContain(`Deploy lock: REL-${lock.id} is deploying payments-api to production`);
    expect(why).toContain(`Operations pick a deploy slot — <@${U.ops}>, <@${U.ops2}>`);
    // …but today is frozen, so the earliest slot is next Tuesday's window
    expect(why).toContain(`Earliest slot when all of this allows: *`);
    expect(why).toContain(`(${formatSlot(slot + 7 * 86_400_000, BERLIN)})*`);
    expect(why).toContain('Held by 4 thing(s)');
  }, 60_000);
});

describe('/release calendar, /release windows and calendar.ics', () => {
  it('show the scheduled deploy, the window occurrences and the freeze; the feed parses and needs the token', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const nextWeek = slot + 7 * 86_400_000;
    const t = await startHarness({ policy: policyWith(day(nextWeek)), clockOffsetMs: offset });
    h = t;
    const a = await requestRelease(t);
    await approveToScheduling(t, a.id, a.card.ts);
    await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: a.card.ts }, 'Schedule');
    const modal = await openModal(t, U.ops, 'release.schedule');
    expect((await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) })).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, a.id, (x) => x.includes('Scheduled'));

    const cal = await command(t, U.outsider, 'calendar');
    expect(cal).toContain('Deploy calendar · next 14 days');
    expect(cal).toContain(`${formatSlot(slot, BERLIN)} — *REL-${a.id}* payments-api \`1.4.2\` → production`);
    expect(cal).toContain(`${formatSlot(slot, BERLIN).replace(/ CET$| CEST$/, '')}–16:00`); // today's window
    expect(cal).toContain(`${formatSlot(nextWeek, BERLIN).replace(/ CET$| CEST$/, '')}–16:00`);
    expect(cal).toContain('*Quarter close* (all services)');
    expect(cal).toContain('(whole days)');
    expect(cal).toContain('staging* — always open');
    expect(cal).toContain(`Times in ${BERLIN}`);

    const windows = await command(t, U.outsider, 'windows');
    expect(windows).toContain('*production* — Tue 10:00–16:00');
    expect(windows).toContain('*staging* — always open');
    expect(windows).toContain(`${formatSlot(slot, BERLIN).replace(/ CET$| CEST$/, '')}–16:00`);
    expect(windows).toContain('greenlight.yml');

    // the feed, with the token as a query parameter (calendar apps can't send headers)
    const res = await fetch(`${t.gl.url}/api/v1/calendar.ics?token=${API_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const { calendar, events } = parseIcs(await res.text());
    expect(calendar.VERSION).toBe('2.0');
    const rel = events.find((e) => e.UID === `rel-${a.id}@greenlight`);
    expect(rel).toMatchObject({ SUMMARY: `REL-${a.id} payments-api 1.4.2 → production`, DTSTART: icsUtc(slot), DTEND: icsUtc(slot + 30 * 60_000) });
    const freeze = events.find((e) => e.SUMMARY === 'Freeze: Quarter close');
    expect(freeze?.['DTSTART;VALUE=DATE']).toBe(day(nextWeek).replace(/-/g, ''));
    expect(freeze?.['DTEND;VALUE=DATE']).toBe(day(nextWeek + 86_400_000).replace(/-/g, ''));
    const windowEvents = events.filter((e) => e.SUMMARY === 'Deploy window: production');
    expect(windowEvents.map((e) => e.DTSTART)).toContain(icsUtc(slot));
    expect(windowEvents.find((e) => e.DTSTART === icsUtc(slot))?.DTEND).toBe(icsUtc(slot + 6 * 3_600_000));
    expect(events.some((e) => e.SUMMARY === 'Deploy window: staging')).toBe(false); // `always` is not listed

    // the bearer header works too; no token or a wrong one is 401
    expect((await fetch(`${t.gl.url}/api/v1/calendar.ics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
    const none = await fetch(`${t.gl.url}/api/v1/calendar.ics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${t.gl.url}/api/v1/calendar.ics?token=wrong-token-0123456789`)).status).toBe(401);
    // other routes still refuse the query token
    expect((await fetch(`${t.gl.url}/api/v1/releases/${a.id}?token=${API_TOKEN}`)).status).toBe(401);
  }, 60_000);
});
