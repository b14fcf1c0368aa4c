/**
 * Redis restarts are normal events: Greenlight on a private redis-server (no persistence, so a restart loses every
 * timer) keeps answering while Redis is down, and once it is back re-derives its timers from SQLite. Also: a timer
 * job that fails for good (Slack down through every attempt) is tried again once Slack recovers.
 * The private redis-server runs on a free port; the shared one on 6379 is never restarted or flushed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, TEST_POLICY, U, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';
import type { FakeTarget } from '../support/deploy-fixtures';
import { policyWith, scheduledRelease, startTarget } from '../support/deploy-fixtures';
import { freePort } from '../support/processes';

interface PrivateRedis {
  url: string;
  port: number;
  child: ChildProcess;
}

const servers = new Set<ChildProcess>();

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A redis-server of this file's own, without persistence (a restart comes back empty); resolves once it answers. */
async function startRedis(port: number): Promise<PrivateRedis> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  servers.add(child);
  child.once('exit', () => servers.delete(child));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited (${child.exitCode})`);
    if (await redisAnswers(url)) return { url, port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

async function stopRedis(r: PrivateRedis): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => r.child.once('exit', () => resolve()));
  r.child.kill('SIGKILL'); // a crash: whatever it held is gone
  await exited;
}

/** Polls a condition until it holds (for state outside the fake Slack). */
async function until(check: () => boolean | Promise<boolean>, description: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let h: Harness | null = null;
let redis: PrivateRedis | null = null;
let health: FakeTarget | null = null;
afterEach(async () => {
  // (a test that failed with its Redis down: bring it back so Greenlight can stop cleanly)
  if (redis && (redis.child.exitCode !== null || redis.child.signalCode !== null)) redis = await startRedis(redis.port);
  await h?.close();
  h = null;
  await health?.close();
  health = null;
  if (redis) await stopRedis(redis);
  redis = null;
});
afterAll(() => {
  for (const child of servers) child.kill('SIGKILL');
});

describe('Redis restarts', () => {
  it('while Redis is down the API still answers; once it is back (empty) the timers are re-derived and a later one fires', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    health = await startTarget();
    const t = await startHarness({ policy: policyWith({ health: `${health.url}/healthz` }, { monitoring: '{ duration: 10s, check_every: 1s }' }), env: { REDIS_URL: redis.url } });
    h = t;
    const a = await scheduledRelease(t);
    const rebuildsBefore = t.gl.timers.rebuilds;

    await stopRedis(redis);
    await until(() => !t.gl.timers.redisReady, 'Greenlight to notice Redis is gone');

    // The pipeline reports the deploy while Redis is down: both reports are answered (not held until Redis is back).
    const report = async (status: string) => {
      const res = await fetch(`${t.gl.url}/api/v1/releases/${a.id}/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer test-api-token-0123456789`, 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
        signal: AbortSignal.timeout(10_000),
      });
      return res.status;
    };
    expect(await report('started')).toBe(200);
    expect(await report('succeeded')).toBe(200);
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes('Monitoring'));

    // Redis comes back with nothing in it: the reconnect rebuild re-derives the health probes and the end of the watch
    // from SQLite (neither was ever in Redis: their sync was skipped while it was down); the healthy watch ends released.
    redis = await startRedis(port);
    await until(() => t.gl.timers.rebuilds > rebuildsBefore, 'the timers to be rebuilt after the reconnect');
    const done = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.includes(`Released: REL-${a.id}`)), { timeoutMs: 20_000 });
    expect(done.text).toContain('payments-api');
    await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':white_check_mark: *Released*'));
    expect(t.fake.messages(CHANNELS.announce).filter((m) => m.text.includes(`Released: REL-${a.id}`))).toHaveLength(1);
  }, 60_000);
});

/** One reminder per stage, 3 s after it opens (every 1h). */
const REMIND_POLICY = `${TEST_POLICY}
windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
reminders: { first_after: 3s, every: 1h, escalate_after: 1h, business_hours: "00:00-24:00", business_days: [mon, tue, wed, thu, fri, sat, sun] }
`;

describe('a timer job that fails for good', () => {
  it('is re-derived once Slack recovers: the reminder Slack refused through every attempt is delivered, once', async () => {
    const t = await startHarness({ policy: REMIND_POLICY });
    h = t;
    const { id, card } = await requestRelease(t, U.requester);
    const isReminder = (text: string) => text.includes(`REL-${id} is waiting on you`);
    // the request's own messages (thread line, the requester's DM) are out before Slack starts failing
    await t.fake.waitFor(() => t.fake.thread(CHANNELS.payments, card.ts).find((m) => textOf(m).includes('requested this release')), { description: 'the request thread line' });
    await t.fake.waitFor(() => t.fake.dms(U.requester).find((m) => textOf(m).includes(`REL-${id}`)), { description: "the requester's DM" });
    // Slack refuses the next 5 messages (the job's 5 attempts); the reminder is due 3 s after the request.
    t.fake.failNext('chat.postMessage', { error: 'internal_error', times: 5 });
    const reminder = await t.fake.waitFor(() => t.fake.dms(U.reviewer).find((m) => isReminder(textOf(m))), { timeoutMs: 45_000, description: 'the reminder, after Slack recovered' });
    expect(textOf(reminder)).toContain(`REL-${id}`);
    // every refused call was this reminder (so the job really ran out of attempts), and it went out once
    const refused = t.fake.callsTo('chat.postMessage').filter((c) => !c.ok);
    expect(refused).toHaveLength(5);
    for (const c of refused) expect(isReminder(String(c.args['text'] ?? '') + JSON.stringify(c.args['blocks'] ?? ''))).toBe(true);
    expect(t.fake.dms(U.reviewer).filter((m) => isReminder(textOf(m)))).toHaveLength(1);
  }, 75_000);
});
