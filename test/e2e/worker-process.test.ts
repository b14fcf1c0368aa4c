/**
 * `npm run worker` (startGreenlight with `workerOnly`) beside a running Greenlight: it shares the database, runs
 * timers, and serves only its own probes and metrics on its PORT; a PORT already taken costs it its metrics, not
 * its start.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, parsePolicyText } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Greenlight } from '../../src/server';
import { startGreenlight } from '../../src/server';
import type { Harness } from '../support/harness';
import { API_TOKEN, BOT_TOKEN, SIGNING_SECRET, TEST_POLICY, U, purgeRedisPrefix, startHarness } from '../support/harness';
import { cancelRelease } from '../../src/usecases/cancel-release';

describe('npm run worker', () => {
  let h: Harness;
  const workers: Greenlight[] = [];
  const logs: string[] = [];

  const startWorker = async (port: number, prefix = `gl-test-${randomBytes(4).toString('hex')}`): Promise<Greenlight> => {
    const env = parseEnv({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: h.fake.url,
      PORT: String(port),
      DATABASE_URL: `file:${h.gl.database.sqlite.name}`,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      GREENLIGHT_API_TOKEN: API_TOKEN,
    });
    if (!env.ok) throw new Error(env.errors.join('\n'));
    const policy = parsePolicyText(TEST_POLICY, 'test-policy.yml');
    if (!policy.ok) throw new Error(policy.errors.join('\n'));
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    });
    const worker = await startGreenlight(
      { env: env.env, policy: policy.policy },
      { workerOnly: true, host: '127.0.0.1', logger: createLogger({ level: 'info', destination: sink }), timers: { prefix } },
    );
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    h = await startHarness();
    // one release, so the releases gauge has a state to report
    const created = await h.api('POST', '/api/v1/releases', { service: 'payments-api', version: '1.2.3', environment: 'production', changelog: 'Fixes', rollback_plan: 'Redeploy 1.2.2', risk: 'low', requested_by: 'U0DEV1' });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    for (const w of workers) {
      const prefix = w.timers.queue.opts.prefix ?? '';
      await w.stop();
      if (prefix !== h.gl.timers.queue.opts.prefix) await purgeRedisPrefix(prefix);
    }
    await h.close();
  });

  it('serves /metrics, /healthz and /readyz on its own port, and nothing of Slack or the API', async () => {
    const worker = await startWorker(0);
    expect(worker.port).toBeGreaterThan(0);
    expect(worker.port).not.toBe(h.gl.port);
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^greenlight_queue_jobs\{/m);
    expect(text).toMatch(/^greenlight_releases\{/m);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${worker.url}/readyz`)).status, { timeout: 5_000 }).toBe(200);
    for (const [method, path] of [
      ['POST', '/slack/events'],
      ['GET', '/api/v1/releases'],
    ] as const) {
      const res = await fetch(`${worker.url}${path}`, { method, headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/timer worker/);
    }
  });

  it('still starts when its PORT is taken (by npm start on the same host), and says why it serves no metrics', async () => {
    const worker = await startWorker(h.gl.port);
    expect(worker.port).toBe(0);
    expect(worker.server.listening).toBe(false);
    expect(logs.join('')).toContain(`PORT ${h.gl.port} is in use: this worker serves no /metrics or /healthz`);
    // the Greenlight on that port is untouched
    expect((await fetch(`${h.gl.url}/healthz`)).status).toBe(200);
  });

  it('a release the worker changes re-publishes the App Homes open in the Greenlight that takes Slack\'s deliveries', async () => {
    const worker = await startWorker(0, h.gl.timers.queue.opts.prefix);
    const homesOf = (user: string) => h.fake.callsTo('views.publish').filter((c) => c.args.user_id === user).length;
    // the requester opens their Home in the main process (the worker never sees app_home_opened)
    await h.driver.appHomeOpened(U.requester);
    await h.fake.waitFor(() => homesOf(U.requester) > 0, { timeoutMs: 5_000 });
    const before = homesOf(U.requester);
    const res = await cancelRelease(worker.deps, { releaseId: 1, actor: U.requester, reason: 'changed in the worker' });
    expect(res.kind).toBe('cancelled');
    await h.fake.waitFor(() => homesOf(U.requester) > before, { timeoutMs: 5_000, description: "the requester's Home re-published" });
  });
});
