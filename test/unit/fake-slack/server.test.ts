import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../../../src/fake-slack/server.js';

const TS_RE = /^\d{10}\.\d{6}$/;

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const card = (label = 'Approve') => [
  { type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*REL-1*' } },
  { type: 'actions' as const, elements: [{ type: 'button' as const, text: plain(label), action_id: 'approve', value: 'REL-1' }] },
];
const modal = (title = 'Request a release') => ({
  type: 'modal' as const,
  callback_id: 'req',
  title: plain(title),
  submit: plain('Request'),
  blocks: [{ type: 'input' as const, label: plain('Version'), element: { type: 'plain_text_input' as const, action_id: 'v' } }],
});

let fake: FakeSlack;
let client: WebClient;

async function setup(opts: FakeSlackOptions = {}): Promise<void> {
  fake = await startFakeSlack(opts);
  client = new WebClient(fake.botToken, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
}

/** Runs a call that must fail and returns the WebClient error. */
async function failure(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  try {
    await call;
  } catch (err) {
    return err as WebAPIPlatformError;
  }
  throw new Error('expected the call to fail');
}

afterEach(async () => {
  await fake.close();
});

describe('fake Slack Web API over HTTP with @slack/web-api', () => {
  beforeEach(async () => {
    await setup({
      users: [
        { id: 'U0DEV1', name: 'dana', real_name: 'Dana Dev', display_name: 'dana', tz: 'Europe/Berlin', tz_offset: 3600 },
        { id: 'U0QA', name: 'quinn' },
      ],
      usergroups: { S0OPS: ['U0DEV1', 'U0QA'] },
    });
  });

  it('answers auth.test with the bot identity', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: fake.identity.botUserId, bot_id: fake.identity.botId, team_id: fake.identity.teamId });
    expect(fake.identity.teamId).toMatch(/^T/);
    expect(fake.identity.botUserId).toMatch(/^U/);
    expect(fake.identity.botId).toMatch(/^B/);
  });

  it('posts, updates and threads messages with realistic, strictly increasing ts', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0PAYMENTS', text: 'REL-1 requested', blocks: card() });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0PAYMENTS');
    expect(posted.ts).toMatch(TS_RE);
    expect(posted.message).toMatchObject({ user: fake.identity.botUserId, bot_id: fake.identity.botId, text: 'REL-1 requested' });
    const ts = posted.ts as string;

    const replies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.chat.postMessage({ channel: 'C0PAYMENTS', thread_ts: ts, text: `timeline ${i}` });
      replies.push(r.ts as string);
    }
    const all = [ts, ...replies];
    for (let i = 1; i < all.length; i++) expect(Number(all[i]) > Number(all[i - 1])).toBe(true);

    await client.chat.postMessage({ channel: 'C0PAYMENTS', thread_ts: ts, text: 'shipped', reply_broadcast: true });

    const updated = await client.chat.update({ channel: 'C0PAYMENTS', ts, text: 'REL-1 approved', blocks: card('Approved') });
    expect(updated).toMatchObject({ ok: true, channel: 'C0PAYMENTS', ts, text: 'REL-1 approved' });

    const top = fake.messages('C0PAYMENTS');
    expect(top.map((m) => m.text)).toEqual(['REL-1 approved', 'shipped']);
    expect(top[1]?.subtype).toBe('thread_broadcast');
    expect(fake.thread('C0PAYMENTS', ts).map((m) => m.text)).toEqual(['timeline 0', 'timeline 1', 'timeline 2', 'timeline 3', 'timeline 4', 'shipped']);
    const parent = fake.message('C0PAYMENTS', ts);
    expect(parent?.reply_count).toBe(6);
    expect(parent?.edited?.user).toBe(fake.identity.botUserId);
    expect(JSON.stringify(parent?.blocks)).toContain('Approved');

    // blocks are kept when chat.update sends only text
    await client.chat.update({ channel: 'C0PAYMENTS', ts, text: 'text only' });
    expect(JSON.stringify(fake.message('C0PAYMENTS', ts)?.blocks)).toContain('Approved');
  });

  it('records every call in order with decoded arguments and no token', async () => {
    await client.chat.postMessage({ channel: 'C1', text: 'a', blocks: card() });
    await client.users.info({ user: 'U0QA' });
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'users.info']);
    const call = fake.callsTo('chat.postMessage')[0];
    expect(call?.args['blocks']).toEqual(card());
    expect(call?.args['token']).toBeUndefined();
    expect(call?.ok).toBe(true);
    fake.reset();
    expect(fake.calls).toHaveLength(0);
    expect(fake.messages('C1')).toHaveLength(0);
  });

  it('records when a call arrived apart from when it was answered', async () => {
    fake.delayNext('chat.update', 150);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'a' });
    const before = Date.now();
    await client.chat.update({ channel: 'C1', ts: String(posted.ts), text: 'b' });
    const call = fake.callsTo('chat.update')[0];
    expect(call?.receivedAt).toBeGreaterThanOrEqual(before);
    // the fake held the answer for 150 ms after the request had arrived
    expect((call?.at ?? 0) - (call?.receivedAt ?? 0)).toBeGreaterThanOrEqual(100);
    const plainCall = fake.callsTo('chat.postMessage')[0];
    expect(plainCall?.receivedAt).toBeLessThanOrEqual(plainCall?.at ?? 0);
  });

  it('accepts JSON bodies as well as form encoding', async () => {
    const res = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${fake.botToken}` },
      body: JSON.stringify({ channel: 'C0JSON', text: 'hi', blocks: card() }),
    });
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(fake.message('C0JSON', body.ts)?.blocks).toHaveLength(2);
  });

  it('surfaces ok:false errors as WebClient platform errors', async () => {
    const noText = await failure(client.chat.postMessage({ channel: 'C1', text: '' }));
    expect(noText.code).toBe(ErrorCode.PlatformError);
    expect(noText.data.error).toBe('no_text');
    expect((await failure(client.chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_001) }))).data.error).toBe('msg_too_long');
    expect((await failure(client.chat.update({ channel: 'C1', ts: '1700000000.000001', text: 'x' }))).data.error).toBe('message_not_found');
    expect((await failure(client.chat.postMessage({ channel: 'not-a-channel', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await failure(client.chat.postMessage({ channel: 'C1', text: 'x', thread_ts: 'not-a-ts' }))).data.error).toBe(
      'invalid_thread_ts',
    );
    expect((await failure(client.users.info({ user: 'U0NOBODY' }))).data.error).toBe('user_not_found');
    expect((await failure(client.usergroups.users.list({ usergroup: 'S0NONE' }))).data.error).toBe('no_such_subteam');
    expect(await client.usergroups.users.list({ usergroup: 'S0OPS' })).toMatchObject({ users: ['U0DEV1', 'U0QA'] });
    expect((await failure(client.apiCall('chat.postMessagee', { channel: 'C1', text: 'x' }))).data.error).toBe('unknown_method');
    expect(fake.calls.every((c) => !c.ok)).toBe(false);
  });

  it('rejects invalid Block Kit with invalid_blocks and pointers', async () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' as const }));
    const err = await failure(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: tooMany }));
    expect(err.data.error).toBe('invalid_blocks');
    const data = err.data as unknown as { errors: string[]; response_metadata: { messages: string[] } };
    expect(data.errors).toEqual(['must provide no more than 50 items [json-pointer:/blocks]']);
    expect(data.response_metadata.messages).toEqual(['[ERROR] must provide no more than 50 items [json-pointer:/blocks]']);

    const long = await failure(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: card('b'.repeat(76)) }));
    expect(long.data.error).toBe('invalid_blocks');
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'x', blocks: card('b'.repeat(75)) });
    const upd = await failure(client.chat.update({ channel: 'C1', ts: posted.ts as string, text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }] }));
    expect(upd.data.error).toBe('invalid_blocks');
    const eph = await failure(client.chat.postEphemeral({ channel: 'C1', user: 'U0QA', text: 'x', blocks: [{ type: 'bogus' }] as never }));
    expect(eph.data.error).toBe('invalid_blocks');
    const badJson = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${fake.botToken}` },
      body: 'channel=C1&text=x&blocks=%5Bnot-json',
    });
    expect(await badJson.json()).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
  });

  it('rejects missing and wrong tokens', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    expect((await failure(anonymous.chat.postMessage({ channel: 'C1', text: 'x' }))).data.error).toBe('not_authed');
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    expect((await failure(wrong.auth.test())).data.error).toBe('invalid_auth');
    expect(fake.messages('C1')).toHaveLength(0);
  });

  it('injects failures: ok:false, 5xx and 429 with Retry-After', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect((await failure(client.chat.postMessage({ channel: 'C1', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await client.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);

    fake.failNext('chat.update', { status: 503, times: 2 });
    const http = (await failure(client.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' }))) as unknown as { code: string; statusCode: number };
    expect(http.code).toBe(ErrorCode.HTTPError);
    expect(http.statusCode).toBe(503);
    expect(fake.callsTo('chat.update')[0]?.status).toBe(503);

    const strict = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    fake.failNext('chat.postMessage', { retryAfter: 7 });
    const limited = (await failure(strict.chat.postMessage({ channel: 'C1', text: 'x' }))) as unknown as { code: string; retryAfter: number };
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBe(7);

    fake.failNext('chat.postMessage', { retryAfter: 3 });
    const raw = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'channel=C1&text=x',
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('opens DMs with stable D ids and delivers posts to a user id there', async () => {
    const a = await client.conversations.open({ users: 'U0DEV1' });
    const b = await client.conversations.open({ users: 'U0DEV1' });
    expect(a.channel?.id).toMatch(/^D/);
    expect(b.channel?.id).toBe(a.channel?.id);
    const posted = await client.chat.postMessage({ channel: 'U0DEV1', text: 'you were mentioned' });
    expect(posted.channel).toBe(a.channel?.id);
    expect(fake.dms('U0DEV1').map((m) => m.text)).toEqual(['you were mentioned']);
    const info = await client.conversations.info({ channel: a.channel?.id as string });
    expect(info.channel).toMatchObject({ is_im: true, user: 'U0DEV1' });
    expect((await failure(client.conversations.open({ users: 'U0GHOST' }))).data.error).toBe('user_not_found');
  });

  it('returns configured users with time zones', async () => {
    const res = await client.users.info({ user: 'U0DEV1' });
    expect(res.user).toMatchObject({
      id: 'U0DEV1',
      real_name: 'Dana Dev',
      tz: 'Europe/Berlin',
      tz_offset: 3600,
      profile: { display_name: 'dana', real_name: 'Dana Dev' },
    });
  });

  it('keeps ephemerals per user, deletes, permalinks and schedules', async () => {
    expect((await failure(client.chat.postEphemeral({ channel: 'C1', text: 'x' } as never))).data.error).toBe('invalid_arguments');
    const e = await client.chat.postEphemeral({ channel: 'C1', user: 'U0QA', text: 'not your stage' });
    expect(e.message_ts).toMatch(TS_RE);
    expect(fake.ephemerals('U0QA').map((m) => m.text)).toEqual(['not your stage']);
    expect(fake.ephemerals('U0DEV1')).toHaveLength(0);

    const p = await client.chat.postMessage({ channel: 'C1', text: 'bye' });
    const link = await client.chat.getPermalink({ channel: 'C1', message_ts: p.ts as string });
    expect(link.permalink).toContain(`/archives/C1/p${(p.ts as string).replace('.', '')}`);
    await client.chat.delete({ channel: 'C1', ts: p.ts as string });
    expect(fake.message('C1', p.ts as string)).toBeUndefined();
    expect((await failure(client.chat.delete({ channel: 'C1', ts: p.ts as string }))).data.error).toBe('message_not_found');

    const now = Math.floor(Date.now() / 1000);
    expect((await failure(client.chat.scheduleMessage({ channel: 'C1', text: 'x', post_at: now - 10 }))).data.error).toBe('time_in_past');
    const s = await client.chat.scheduleMessage({ channel: 'C1', text: 'deploy in 1h', post_at: now + 3600 });
    expect(s.scheduled_message_id).toMatch(/^Q/);
    expect(fake.scheduledMessages('C1')).toHaveLength(1);
    expect(fake.deliverScheduled(now + 3600).map((m) => m.text)).toEqual(['deploy in 1h']);
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['deploy in 1h']);
  });

  it('opens modals once per trigger_id, updates, pushes and publishes home tabs', async () => {
    const trigger = fake.issueTriggerId('U0DEV1');
    const opened = await client.views.open({ trigger_id: trigger, view: modal() });
    const view = opened.view as { id: string; hash: string; root_view_id: string };
    expect(view.id).toMatch(/^V/);
    expect(view.root_view_id).toBe(view.id);
    expect(fake.openViews('U0DEV1').map((v) => v.id)).toEqual([view.id]);
    expect((await failure(client.views.open({ trigger_id: trigger, view: modal() }))).data.error).toBe('exchanged_trigger_id');
    expect((await failure(client.views.open({ trigger_id: '123.456.abc', view: modal() }))).data.error).toBe('invalid_trigger_id');

    const bad = await failure(client.views.open({ trigger_id: fake.issueTriggerId('U0DEV1'), view: modal('t'.repeat(25)) }));
    expect(bad.data.error).toBe('invalid_arguments');
    expect(bad.data.response_metadata?.messages).toEqual(['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);

    const stale = await failure(client.views.update({ view_id: view.id, hash: 'old', view: modal('Edited') }));
    expect(stale.data.error).toBe('hash_conflict');
    const upd = await client.views.update({ view_id: view.id, hash: view.hash, view: modal('Edited') });
    expect((upd.view as { hash: string }).hash).not.toBe(view.hash);
    expect(fake.view(view.id)?.title).toEqual(plain('Edited'));
    expect((await failure(client.views.update({ view_id: 'V0NOPE', view: modal() }))).data.error).toBe('not_found');

    await client.views.push({ trigger_id: fake.issueTriggerId('U0DEV1'), view: { ...modal('Reason'), external_id: 'reason-1' } });
    await client.views.update({ external_id: 'reason-1', view: { ...modal('Reason (edited)'), external_id: 'reason-1' } });
    expect(fake.openViews('U0DEV1').map((v) => (v.title as { text: string }).text)).toEqual(['Edited', 'Reason (edited)']);
    await client.views.push({ trigger_id: fake.issueTriggerId('U0DEV1'), view: modal('Third') });
    expect((await failure(client.views.push({ trigger_id: fake.issueTriggerId('U0DEV1'), view: modal('Fourth') }))).data.error).toBe(
      'push_limit_reached',
    );

    const home = { type: 'home' as const, blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'Waiting on you' } }] };
    const h1 = await client.views.publish({ user_id: 'U0DEV1', view: home });
    const h2 = await client.views.publish({ user_id: 'U0DEV1', view: home });
    expect((h2.view as { id: string }).id).toBe((h1.view as { id: string }).id);
    expect(fake.homeView('U0DEV1')?.type).toBe('home');
    expect((await failure(client.views.publish({ user_id: 'U0GHOST', view: home }))).data.error).toBe('invalid_arguments');
  });

  it('expires trigger_ids', async () => {
    await fake.close();
    await setup({ triggerIdTtlMs: -1 });
    const err = await failure(client.views.open({ trigger_id: fake.issueTriggerId('U1'), view: modal() }));
    expect(err.data.error).toBe('expired_trigger_id');
  });

  it('waitFor resolves on the call that satisfies it and explains a timeout', async () => {
    const waiting = fake.waitFor(() => fake.messages('C9').find((m) => m.text === 'second'));
    await client.chat.postMessage({ channel: 'C9', text: 'first' });
    await client.chat.postMessage({ channel: 'C9', text: 'second' });
    expect((await waiting).text).toBe('second');
    await expect(fake.waitFor(() => fake.messages('C9').length > 5, { timeoutMs: 30, description: 'six messages' })).rejects.toThrow(
      /timed out after 30ms waiting for six messages.*\n.*chat.postMessage/s,
    );
  });
});

describe('strict channels and per-channel rate limits', () => {
  it('rejects unknown channels when channels are configured', async () => {
    await setup({ channels: [{ id: 'C0RELEASES', name: 'releases' }] });
    expect((await client.chat.postMessage({ channel: '#releases', text: 'x' })).channel).toBe('C0RELEASES');
    expect((await failure(client.chat.postMessage({ channel: 'C0OTHER', text: 'x' }))).data.error).toBe('channel_not_found');
  });

  it('answers 429 with Retry-After past the burst, per channel', async () => {
    await setup({ enforceChannelRate: { perSecond: 1, burst: 3 } });
    const strict = new WebClient(fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    for (let i = 0; i < 3; i++) await strict.chat.postMessage({ channel: 'C1', text: `m${i}` });
    const limited = (await failure(strict.chat.postMessage({ channel: 'C1', text: 'm3' }))) as unknown as { code: string; retryAfter: number };
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await strict.chat.postMessage({ channel: 'C2', text: 'other channel' })).ok).toBe(true);
    expect(fake.messages('C1')).toHaveLength(3);
  });
});
