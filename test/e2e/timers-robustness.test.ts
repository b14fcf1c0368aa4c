/**
 * Timers under stress: Redis loses its data mid-schedule, a job's effect runs twice (a worker killed mid-job, a
 * second Greenlight over the same SQLite file and Redis prefix), Slack rate-limits a burst, and a snoozed reminder.
 * Runs on Redis logical DB 5 so the FLUSHDB cannot touch the other suites' timers.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv, parsePolicyText } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Greenlight } from '../../src/server';
import { startGreenlight } from '../../src/server';
import { processTimer } from '../../src/usecases/timer-jobs';
import type { Harness } from '../support/harness';
import {
  API_TOKEN,
  BOT_TOKEN,
  CHANNELS,
  SIGNING_SECRET,
  TEST_POLICY,
  TIMER_POLICY,
  U,
  approveToScheduling,
  offsetToBeforeSlot,
  openModal,
  requestRelease,
  startHarness,
  textOf,
  waitForCard,
} from '../support/harness';

const REDIS_DB5 = 'redis://127.0.0.1:6379/5';

/** Polls an async condition (BullMQ state) until it holds; the fake's waitFor takes synchronous predicates only. */
async function until<T>(check: () => Promise<T | undefined | null | false>, description: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One reminder per stage (every: 1h), announcements 4s before and at the slot. */
const ONCE_POLICY = `${TEST_POLICY}
windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
reminders: { first_after: 6s, every: 1h, escalate_after: 1h, business_hours: "00:00-24:00", business_days: [mon, tue, wed, thu, fri, sat, sun] }
announcements: [24h, 4s, start, done]
`;

let h: Harness | null = null;
const extra: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of extra.splice(0)) await x.stop().catch(() => undefined);
  await h?.close();
  h = null;
});

async function schedule(t: Harness, ts: string, slot: number): Promise<void> {
  await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts }, 'Schedule');
  const modal = await openModal(t, U.ops, 'release.schedule');
  const res = await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) });
  expect(res.outcome.outcome).toBe('closed');
}

const announcements = (t: Harness, id: number, needle: string) => t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes(needle) && m.text.includes(`REL-${id} `));
const reminders = (t: Harness, user: string, id: number) => t.fake.dms(user).filter((m) => textOf(m).includes(`REL-${id} is waiting on you`));
const windowOpen = (t: Harness, cardTs: string) => t.fake.thread(CHANNELS.payments, cardTs).filter((m) => m.text.includes('deploy slot is open'));
const opsDms = (t: Harness, id: number) => t.fake.dms(U.ops).filter((m) => m.text.includes('deploy slot is open') && m.text.includes(`REL-${id} `));

function auditCount(t: Harness, id: number, action: string): number {
  return (t.gl.database.sqlite.prepare('select count(*) as n from audit_events where release_id = ? and action = ?').get(id, action) as { n: number }).n;
}

/** A second Greenlight over the same SQLite file, the same Redis and the same BullMQ prefix. */
async function secondInstance(t: Harness, policyText: string, offset: number): Promise<Greenlight> {
  const policy = parsePolicyText(policyText, 'test-policy.yml');
  if (!policy.ok) throw new Error(policy.errors.join('\n'));
  const env = parseEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: t.fake.url,
    PORT: '0',
    DATABASE_URL: `file:${t.gl.database.sqlite.name}`,
    REDIS_URL: REDIS_DB5,
    GREENLIGHT_API_TOKEN: API_TOKEN,
  });
  if (!env.ok) throw new Error(env.errors.join('\n'));
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const gl = await startGreenlight(
    { env: env.env, policy: policy.policy },
    {
      host: '127.0.0.1',
      logger: createLogger({ level: 'info', destination: sink, secrets: [BOT_TOKEN, SIGNING_SECRET, API_TOKEN] }),
      pace: { perSecond: 100, burst: 100 },
      now: () => Date.now() + offset,
      timers: { prefix: t.gl.timers.queue.opts.prefix, reconcileEveryMs: 250 },
      engineNice: null,
    },
  );
  extra.push(gl);
  return gl;
}

/** Release A scheduled at `slot`, release B waiting on its review (so it has a reminder). */
async function scheduledAndWaiting(t: Harness, slot: number) {
  const a = await requestRelease(t);
  await approveToScheduling(t, a.id, a.card.ts);
  await schedule(t, a.card.ts, slot);
  await waitForCard(t, CHANNELS.payments, a.id, (x) => x.includes('Scheduled'));
  const b = await requestRelease(t, U.requester, { Version: '2.0.0' });
  return { a, b };
}

describe('timers survive Redis losing its data', () => {
  it('after FLUSHDB mid-schedule, the window start, a pending reminder and the announcements each happen exactly once', async () => {
    const { offset, slot } = offsetToBeforeSlot(30_000);
    const t = await startHarness({ policy: ONCE_POLICY, clockOffsetMs: offset, env: { REDIS_URL: REDIS_DB5 } });
    h = t;
    const { a, b } = await scheduledAndWaiting(t, slot);
    const hasTimer = async (prefix: string) => ((await t.gl.timers.pending()).some((j) => j.id.startsWith(prefix)) ? true : undefined);
    await until(() => hasTimer(`release-${b.id}-reminder-`), "REL-b's reminder timer");
    expect(await hasTimer(`release-${a.id}-window-start-${slot}`)).toBe(true);
    expect(t.gl.deps.now()).toBeLessThan(slot - 8_000); // the flush happens before the 4s announcement is due

    const rebuildsBefore = t.gl.timers.rebuilds;
    const admin = new Redis(REDIS_DB5);
    try {
      await admin.flushdb();
    } finally {
      admin.disconnect();
    }
    // reconcile() notices the sentinel is gone and re-derives every timer from SQLite
    await t.fake.waitFor(() => t.gl.timers.rebuilds > rebuildsBefore || undefined, { pollMs: 50, description: 'a timer rebuild' });
    const pending = await t.gl.timers.pending();
    expect(pending.some((j) => j.id === `release-${a.id}-window-start-${slot}`)).toBe(true);
    expect(pending.some((j) => j.id.startsWith(`release-${b.id}-reminder-`))).toBe(true);

    await t.fake.waitFor(() => reminders(t, U.reviewer, b.id)[0], { timeoutMs: 20_000, description: 'the reminder for REL-b' });
    await t.fake.waitFor(() => announcements(t, a.id, 'In 4 seconds')[0], { timeoutMs: 30_000, description: 'the 4s announcement' });
    await t.fake.waitFor(() => announcements(t, a.id, 'Deploying now')[0], { timeoutMs: 30_000, description: 'the start announcement' });
    await waitForCard(t, CHANNELS.payments, a.id, (x) => x.includes('Deploying'));
    await t.fake.waitFor(() => opsDms(t, a.id)[0], { description: 'the ops DM' });

    // a second flush and rebuild must not repeat anything that already happened
    const again = t.gl.timers.rebuilds;
    const admin2 = new Redis(REDIS_DB5);
    await admin2.flushdb().finally(() => admin2.disconnect());
    await t.fake.waitFor(() => t.gl.timers.rebuilds > again || undefined, { pollMs: 50 });
    const jobId = `release-${b.id}-reminder-`;
    const next = (await t.gl.timers.pending()).filter((j) => j.id.startsWith(jobId));
    expect(next.length).toBeGreaterThan(0);
    for (const j of next) expect(j.at).toBeGreaterThan(t.gl.deps.now() + 3_500_000); // round 2 is an hour away

    expect(announcements(t, a.id, 'In 4 seconds')).toHaveLength(1);
    expect(announcements(t, a.id, 'Deploying now')).toHaveLength(1);
    expect(windowOpen(t, a.card.ts)).toHaveLength(1);
    expect(opsDms(t, a.id)).toHaveLength(1);
    expect(reminders(t, U.reviewer, b.id)).toHaveLength(1);
    expect(auditCount(t, a.id, 'deploy.window_opened')).toBe(1);
    expect(auditCount(t, b.id, 'reminder.sent')).toBe(1);
  }, 90_000);
});

describe('a job whose effect runs twice', () => {
  it('two Greenlight instances over one SQLite file and Redis prefix, and re-delivered jobs, act once', async () => {
    const { offset, slot } = offsetToBeforeSlot(25_000);
    const t = await startHarness({ policy: ONCE_POLICY, clockOffsetMs: offset, env: { REDIS_URL: REDIS_DB5 } });
    h = t;
    const { a, b } = await scheduledAndWaiting(t, slot);
    const gl2 = await secondInstance(t, ONCE_POLICY, offset);
    const p1 = processTimer(t.gl.deps);
    const p2 = processTimer(gl2.deps);

    // The reminder: both workers run it at once (a stalled job re-delivered while the first run is still going)…
    const rel = (await t.api('GET', `/api/v1/releases/${b.id}`)).body as { state_changed_at: string };
    const reminder = { releaseId: b.id, stageOpenedAt: Date.parse(rel.state_changed_at), userId: U.reviewer };
    await t.fake.waitFor(() => t.gl.deps.now() >= reminder.stageOpenedAt + 6_000 || undefined, { pollMs: 100, timeoutMs: 15_000 });
    await Promise.all([p1('reminder', reminder), p2('reminder', reminder), p1('reminder', reminder)]);
    // …and the queued job fires afterwards, like a retry after a worker died before marking the job done.
    await p2('reminder', reminder);
    const firstRound = `release-${b.id}-reminder-${reminder.stageOpenedAt}-${U.reviewer}-r0-at${reminder.stageOpenedAt + 6_000}`;
    const reminderJob = await t.gl.timers.queue.getJob(firstRound);
    expect(reminderJob).toBeTruthy();
    await until(async () => reminderJob?.isCompleted(), 'the queued reminder job');
    expect(reminders(t, U.reviewer, b.id)).toHaveLength(1);
    expect(auditCount(t, b.id, 'reminder.sent')).toBe(1);

    // The window start: run by both instances at once, ahead of the queued job.
    const win = { releaseId: a.id, at: slot };
    await Promise.all([p1('window-start', win), p2('window-start', win), p2('window-start', win)]);
    await waitForCard(t, CHANNELS.payments, a.id, (x) => x.includes('Deploying'));
    // the queued job fires at the slot on one of the two workers and finds the work done
    const winJob = await t.gl.timers.queue.getJob(`release-${a.id}-window-start-${slot}`);
    expect(winJob).toBeTruthy();
    await until(async () => winJob?.isCompleted(), 'the queued window-start job', 40_000);
    await t.fake.waitFor(() => announcements(t, a.id, 'Deploying now')[0]);
    expect(auditCount(t, a.id, 'deploy.window_opened')).toBe(1);
    expect(announcements(t, a.id, 'Deploying now')).toHaveLength(1);
    expect(windowOpen(t, a.card.ts)).toHaveLength(1);
    expect(opsDms(t, a.id)).toHaveLength(1);
    // the 4s announcement was not sent: the release had already started when its job came due
    expect(announcements(t, a.id, 'In 4 seconds')).toHaveLength(0);
  }, 90_000);
});

describe('Slack rate limits a burst', () => {
  it('every message of a burst to one channel arrives once, in order, after 429s with Retry-After', async () => {
    const t = await startHarness({ env: { REDIS_URL: REDIS_DB5 } });
    h = t;
    const parent = await t.gl.deps.slack.post({ channel: CHANNELS.announce, text: 'thread parent' });
    expect(parent).not.toBeNull();
    t.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1, times: 3 });
    const started = Date.now();
    const sends = Array.from({ length: 10 }, (_, i) =>
      t.gl.deps.slack.post({ channel: CHANNELS.announce, threadTs: parent?.ts ?? '', text: `burst ${i}`, dedupeKey: `burst-${i}` }),
    );
    // the same keys again (a retried job): sent at most once
    const repeats = Array.from({ length: 10 }, (_, i) => t.gl.deps.slack.post({ channel: CHANNELS.announce, threadTs: parent?.ts ?? '', text: `burst ${i}`, dedupeKey: `burst-${i}` }));
    const results = await Promise.all([...sends, ...repeats]);
    expect(results.slice(0, 10).every((r) => r !== null)).toBe(true);
    expect(results.slice(10).every((r) => r === null)).toBe(true);
    const limited = t.fake.callsTo('chat.postMessage').filter((c) => c.status === 429);
    expect(limited).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900); // Retry-After was honoured, three times
    const replies = t.fake.thread(CHANNELS.announce, parent?.ts ?? '').map((m) => m.text);
    expect(replies).toEqual(Array.from({ length: 10 }, (_, i) => `burst ${i}`));
  }, 60_000);
});

describe('snoozing a reminder', () => {
  it('"Snooze 1 hour" answers "Snoozed until …", moves the next reminder past the snooze, and sends none before', async () => {
    // Greenlight's clock runs two days ahead: timer times are on its clock, not BullMQ's.
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: 2 * 86_400_000, env: { REDIS_URL: REDIS_DB5 } });
    h = t;
    const { id } = await requestRelease(t);
    const first = await t.fake.waitFor(() => reminders(t, U.reviewer, id)[0], { timeoutMs: 15_000, description: 'the first reminder' });
    const res = await t.driver.selectOption(U.reviewer, { channel: first.channel, ts: first.ts }, 'Snooze 1 hour');
    expect(res.status).toBe(200);
    const snoozedAt = t.gl.deps.now();
    await t.fake.waitFor(() => t.fake.responseUrlPosts().find((p) => p.context.user === U.reviewer && JSON.stringify(p.body).includes('Snoozed until')), {
      description: 'the snooze answer',
    });
    const sentAfterSnooze = reminders(t, U.reviewer, id).length;
    // every reminder timer of the reviewer for this release is now at or after the snooze's end
    const snoozedTimer = async () =>
      (await t.gl.timers.pending()).find((j) => j.name === 'reminder' && j.id.startsWith(`release-${id}-reminder-`) && j.id.includes(U.reviewer) && j.at >= snoozedAt + 3_600_000 - 5_000);
    expect(await snoozedTimer()).toBeTruthy();

    // Another release keeps reminding (every 3s): after two more of its rounds, the snoozed reviewer got nothing new.
    const other = await requestRelease(t, U.reviewer, { Version: '9.9.9' });
    await t.fake.waitFor(() => reminders(t, U.requester, other.id).length >= 3 || undefined, { timeoutMs: 30_000, description: 'three rounds of the other reminder' });
    expect(reminders(t, U.reviewer, id)).toHaveLength(sentAfterSnooze);
    // the reminder the snooze replaced has come and gone as a no-op; the snoozed one is still waiting
    expect(await snoozedTimer()).toBeTruthy();
    const stale = (await t.gl.timers.pending()).filter((j) => j.name === 'reminder' && j.id.startsWith(`release-${id}-reminder-`) && j.at < snoozedAt + 3_600_000 - 5_000);
    expect(stale).toEqual([]);
    const row = t.gl.database.sqlite.prepare('select snoozed_until as s from reminders where release_id = ? and user_id = ?').get(id, U.reviewer) as { s: number };
    expect(row.s).toBeGreaterThanOrEqual(snoozedAt + 3_600_000 - 5_000);
  }, 90_000);
});
