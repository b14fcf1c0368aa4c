/**
 * Observability as an operator sees it: /metrics (Prometheus), request ids and secret-free logs, /readyz while
 * Redis is away, and the OpenAPI document served without a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { API_TOKEN, BOT_TOKEN, CHANNELS, SIGNING_SECRET, U, approveAndWait, requestRelease, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${h.gl.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

/** Sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function logLines(): Record<string, unknown>[] {
  return h.logs
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('GET /metrics', () => {
  it('times Slack acks per surface, counts Slack calls by method and outcome, and counts releases by state', async () => {
    const before = await scrape();
    const { id, card } = await requestRelease(h); // a slash command and a view submission
    await approveAndWait(h, U.reviewer, { channel: CHANNELS.payments, ts: card.ts }); // a button click
    await h.gl.deps.cards.idle();
    const acks = (surface: string, s: Sample[]) => total(s, 'greenlight_slack_ack_seconds_count', { surface });
    // The Slack front reports its acks in batches (within 50 ms): wait for the click's
    let after = await scrape();
    for (let i = 0; i < 100 && acks('action', after) === acks('action', before); i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await scrape();
    }

    expect(acks('command', after) - acks('command', before)).toBe(1);
    expect(acks('view', after) - acks('view', before)).toBe(1);
    expect(acks('action', after) - acks('action', before)).toBe(1);
    // Histogram buckets are cumulative and end at +Inf = count.
    expect(total(after, 'greenlight_slack_ack_seconds_bucket', { surface: 'command', le: '+Inf' })).toBe(acks('command', after));

    const calls = (method: string, s: Sample[]) => total(s, 'greenlight_slack_api_calls_total', { method, outcome: 'ok' });
    expect(calls('views.open', after) - calls('views.open', before)).toBe(1);
    expect(calls('chat.postMessage', after) - calls('chat.postMessage', before)).toBeGreaterThanOrEqual(2); // the card and a thread line
    expect(calls('chat.update', after) - calls('chat.update', before)).toBeGreaterThanOrEqual(1);
    expect(calls('chat.update', after)).toBe(h.fake.callsTo('chat.update').filter((c) => c.ok).length);

    const r = await h.api('GET', `/api/v1/releases/${id}`);
    const state = (r.body as { state: string }).state;
    expect(state).toBe('qa');
    const qa = h.gl.database.sqlite.prepare("select count(*) as n from releases where state = 'qa'").get() as { n: number };
    expect(total(after, 'greenlight_releases', { state: 'qa' })).toBe(qa.n);

    // Default process metrics are there too.
    expect(after.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts Slack errors by code, and 429s with the seconds Slack asked to wait', async () => {
    const before = await scrape();
    h.fake.failNext('chat.postMessage', { retryAfter: 1 });
    await requestRelease(h); // the card post is rate limited once, then retried
    await h.gl.deps.cards.idle();
    const after = await scrape();
    expect(total(after, 'greenlight_slack_rate_limited_total', { method: 'chat.postMessage' }) - total(before, 'greenlight_slack_rate_limited_total', { method: 'chat.postMessage' })).toBe(1);
    expect(total(after, 'greenlight_slack_retry_after_seconds_total') - total(before, 'greenlight_slack_retry_after_seconds_total')).toBe(1);
    // An error is counted with Slack's code.
    h.fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    await h.gl.deps.slack.post({ channel: CHANNELS.general, text: 'hello' }).catch(() => undefined);
    const errs = await scrape();
    expect(total(errs, 'greenlight_slack_api_calls_total', { method: 'chat.postMessage', outcome: 'error', error: 'channel_not_found' })).toBe(1);
  });

  it('reports queue depth, lag and job failures', async () => {
    const queue = h.gl.timers.queue;
    const before = await scrape();
    // A job the worker does not know: it fails (one attempt) and is counted.
    await queue.add('no-such-job', {}, { jobId: 'metrics-failing-job', attempts: 1 });
    let after = await scrape();
    for (let i = 0; i < 50 && total(after, 'greenlight_job_failures_total', { job: 'no-such-job' }) === total(before, 'greenlight_job_failures_total', { job: 'no-such-job' }); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape();
    }
    expect(total(after, 'greenlight_job_failures_total', { job: 'no-such-job', final: 'true' })).toBe(1);
    expect(total(after, 'greenlight_queue_jobs', { queue: queue.name, state: 'failed' })).toBeGreaterThanOrEqual(1);
    const counts = await queue.getJobCounts('delayed');
    expect(total(after, 'greenlight_queue_jobs', { queue: queue.name, state: 'delayed' })).toBe(counts.delayed);

    // Lag: with the queue paused, a due job waits and the oldest waiting age grows.
    await queue.pause();
    try {
      await queue.add('no-such-job', {}, { jobId: 'metrics-waiting-job', attempts: 1 });
      await new Promise((r) => setTimeout(r, 1_100));
      const paused = await scrape();
      expect(total(paused, 'greenlight_queue_jobs', { queue: queue.name, state: 'waiting' })).toBeGreaterThanOrEqual(1);
      expect(total(paused, 'greenlight_queue_oldest_waiting_seconds', { queue: queue.name })).toBeGreaterThanOrEqual(1);
    } finally {
      await queue.remove('metrics-waiting-job');
      await queue.resume();
    }
  });
});

describe('GET /metrics: SQLite', () => {
  it('reports the checkpoint thread up and the write-ahead log as it last saw it', async () => {
    const cp = h.gl.database.checkpointer;
    if (!cp) throw new Error('Greenlight runs without a checkpoint thread');
    // some writes, then the thread's next checkpoint (every 500 ms) has copied the log back
    for (let i = 0; i < 3; i++) await h.api('POST', '/api/v1/releases', { service: 'payments-api', version: `9.9.${i}`, environment: 'production', changelog: 'x', rollback_plan: 'y', risk: 'low', requested_by: U.requester });
    await expect.poll(() => cp.stats.log > 0 && cp.stats.checkpointed === cp.stats.log, { timeout: 5_000 }).toBe(true);
    const samples = await scrape();
    expect(total(samples, 'greenlight_sqlite_checkpoint_thread_up')).toBe(1);
    const inLog = total(samples, 'greenlight_sqlite_wal_frames', { state: 'in_log' });
    expect(inLog).toBeGreaterThan(0);
    expect(total(samples, 'greenlight_sqlite_wal_frames', { state: 'checkpointed' })).toBeLessThanOrEqual(inLog);
  });
});

describe('logs', () => {
  it('every line written while a request is handled carries its request id, from x-request-id or generated', async () => {
    const event = JSON.stringify({
      token: 'legacy-verification-token',
      team_id: h.fake.identity.teamId,
      api_app_id: h.fake.identity.appId,
      type: 'event_callback',
      event_id: 'Ev0OBSERVE1',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'greenlight_test_event', user: U.outsider },
    });
    const first = await h.driver.send(event, 'application/json', { headers: { 'x-request-id': 'obs-first' } });
    expect(first.status).toBe(200);
    // The same delivery again: Bolt's middleware drops it, and says so in a line that carries this request's id.
    const again = await h.driver.send(event, 'application/json', { headers: { 'x-request-id': 'obs-again' } });
    expect(again.status).toBe(200);
    // (logged once the delivery is worked on, after its ack: polled, as no Slack call follows it)
    const dup = await h.fake.waitFor(() => logLines().find((l) => l.msg === 'duplicate Slack delivery ignored' && String(l.key) === 'event:Ev0OBSERVE1'), { pollMs: 20 });
    expect(dup.req_id).toBe('obs-again');

    await h.fake.waitFor(() => logLines().filter((l) => l.msg === 'http request' && String(l.req_id).startsWith('obs-')).length >= 2, { pollMs: 20 });
    const access = logLines().filter((l) => l.msg === 'http request' && l.path === '/slack/events');
    expect(access.find((l) => l.req_id === 'obs-first')).toMatchObject({ method: 'POST', status: 200 });
    expect(access.find((l) => l.req_id === 'obs-again')).toMatchObject({ method: 'POST', status: 200 });

    // Without a usable x-request-id, one is generated and echoed back.
    const res = await fetch(`${h.gl.url}/api/v1/releases/REL-99999`, { headers: { authorization: `Bearer ${API_TOKEN}`, 'x-request-id': 'bad id with spaces' } });
    await res.arrayBuffer();
    const generated = res.headers.get('x-request-id') ?? '';
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    await h.fake.waitFor(() => logLines().find((l) => l.req_id === generated && l.msg === 'http request'));
    expect(logLines().find((l) => l.req_id === generated && l.msg === 'http request')).toMatchObject({ status: 404, path: '/api/v1/releases/REL-99999' });

    // Lines outside any request carry no request id.
    expect(logLines().find((l) => l.msg === 'Greenlight is listening')?.req_id).toBeUndefined();
  });

  it('after a full flow, no log line contains the bot token, the signing secret or the API token', async () => {
    const { id, card } = await requestRelease(h);
    const at = { channel: CHANNELS.payments, ts: card.ts };
    await approveAndWait(h, U.reviewer, at);
    await approveAndWait(h, U.qa, at);
    // The token in the query string of the calendar feed, and a wrong token in a header.
    const ics = await fetch(`${h.gl.url}/api/v1/calendar.ics?token=${API_TOKEN}`);
    await ics.arrayBuffer();
    expect(await h.api('GET', `/api/v1/releases/${id}`, undefined, `${API_TOKEN}-wrong`)).toMatchObject({ status: 401 });
    // Slack refusing a call logs the failure; a forged Slack request is refused.
    h.fake.failNext('chat.update', { error: 'invalid_auth' });
    await h.gl.deps.cards.refresh(id);
    await h.driver.command(U.requester, 'help', { signature: 'v0=forged' });
    await h.gl.deps.cards.idle();

    // Lines about one release name it: the failed card update (from inside the card publisher) and the API call.
    const failed = logLines().find((l) => l.msg === 'Slack call failed' && l.method === 'chat.update' && l.error === 'invalid_auth');
    expect(failed?.release).toBe(id);
    const wrongToken = logLines().find((l) => l.msg === 'http request' && l.path === `/api/v1/releases/${id}` && l.status === 401);
    expect(wrongToken).toBeDefined();
    const got = await h.api('GET', `/api/v1/releases/REL-${id}`);
    expect(got.status).toBe(200);
    const access = await h.fake.waitFor(() => logLines().find((l) => l.msg === 'http request' && l.path === `/api/v1/releases/REL-${id}` && l.status === 200));
    expect(access.release).toBe(id);

    const text = h.logs.join('');
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, API_TOKEN]) expect(text).not.toContain(secret);
    expect(text).toContain('"path":"/api/v1/calendar.ics"');
  });
});

describe('GET /readyz', () => {
  it('is 503 naming redis while Redis does not answer, and 200 again once it does', async () => {
    const ready = async () => {
      const res = await fetch(`${h.gl.url}/readyz`);
      return { status: res.status, body: (await res.json()) as unknown };
    };
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', checks: { sqlite: 'ok', redis: 'ok' } } });
    h.gl.redis.disconnect();
    expect(await ready()).toEqual({ status: 503, body: { status: 'not ready', checks: { sqlite: 'ok', redis: 'failing' } } });
    await h.gl.redis.connect();
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', checks: { sqlite: 'ok', redis: 'ok' } } });
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('is served without a token, as OpenAPI 3.1 JSON', async () => {
    const res = await fetch(`${h.gl.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(Object.keys(doc.paths)).toContain('/releases/{id}/checks');
    // The rest of the API still wants the token.
    expect((await h.api('GET', '/api/v1/audit', undefined, null)).status).toBe(401);
  });
});
