/** The fake Slack keeps Slack's rules: inline modal errors keyed by input blocks, trigger_id age at arrival, thread_ts, method rate tiers. */
import { afterEach, describe, expect, it } from 'vitest';
import { LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../../../src/fake-slack/server.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const modal = {
  type: 'modal' as const,
  callback_id: 'req',
  title: plain('Request a release'),
  submit: plain('Request'),
  blocks: [
    { type: 'section' as const, block_id: 'intro', text: { type: 'mrkdwn' as const, text: 'Fill in the release' } },
    { type: 'input' as const, block_id: 'version', label: plain('Version'), element: { type: 'plain_text_input' as const, action_id: 'v' } },
  ],
};

let fake: FakeSlack;
let client: WebClient;

async function setup(opts: FakeSlackOptions = {}): Promise<void> {
  fake = await startFakeSlack(opts);
  client = new WebClient(fake.botToken, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, rejectRateLimitedCalls: true });
}

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

describe('response_action errors', () => {
  it('accepts errors keyed by input blocks of the view and rejects any other key as Slack does', async () => {
    await setup();
    const opened = await client.views.open({ trigger_id: fake.issueTriggerId('U0DEV1'), view: modal });
    const id = (opened.view as { id: string }).id;

    expect(fake.applyViewSubmissionResponse('U0DEV1', id, { response_action: 'errors', errors: { version: 'Version is required.' } }).outcome).toBe('errors');

    const unknown = fake.applyViewSubmissionResponse('U0DEV1', id, { response_action: 'errors', errors: { version: 'x', Version: 'y' } });
    expect(unknown.outcome).toBe('invalid');
    expect(unknown.errors).toEqual(['errors key "Version" is not the block_id of an input block in the view [json-pointer:/errors/Version]']);
    // a section block is no place for an error either
    expect(fake.applyViewSubmissionResponse('U0DEV1', id, { response_action: 'errors', errors: { intro: 'x' } }).outcome).toBe('invalid');
    expect(fake.applyViewSubmissionResponse('U0DEV1', id, { response_action: 'errors', errors: { version: '' } }).outcome).toBe('invalid');
    // the modal stays open, and the bad answer is recorded as a failed call
    expect(fake.openViews('U0DEV1').map((v) => v.id)).toEqual([id]);
    expect(fake.callsTo('view_submission.response').map((c) => c.ok)).toEqual([true, false, false, false]);
  });
});

describe('trigger_id', () => {
  it('is judged when the call arrives, not when a slow answer goes out', async () => {
    await setup({ triggerIdTtlMs: 300 });
    fake.delayNext('views.open', 600);
    const opened = await client.views.open({ trigger_id: fake.issueTriggerId('U0DEV1'), view: modal });
    expect(opened.ok).toBe(true);
  });
});

describe('thread_ts', () => {
  it('answers ok for a reply to a deleted message or to a reply, and keeps it where it was sent (lost), as Slack does', async () => {
    await setup();
    const top = await client.chat.postMessage({ channel: 'C1', text: 'card' });
    const reply = await client.chat.postMessage({ channel: 'C1', text: 'first', thread_ts: top.ts ?? '' });
    const nested = await client.chat.postMessage({ channel: 'C1', text: 'reply to a reply', thread_ts: reply.ts ?? '' });
    expect(nested.ok).toBe(true);
    expect(fake.thread('C1', top.ts ?? '').map((m) => m.text)).toEqual(['first']);

    expect(fake.deleteMessage('C1', top.ts ?? '')).toBe(true);
    const orphan = await client.chat.postMessage({ channel: 'C1', text: 'after the delete', thread_ts: top.ts ?? '' });
    expect(orphan.ok).toBe(true);
    expect(fake.messages('C1')).toEqual([]);
    expect((await failure(client.chat.update({ channel: 'C1', ts: top.ts ?? '', text: 'edited' }))).data.error).toBe('message_not_found');
  });
});

describe('per-method rate limits', () => {
  it('are off by default', async () => {
    await setup();
    for (let i = 0; i < 5; i++) await client.views.publish({ user_id: 'U0DEV1', view: { type: 'home', blocks: [] } });
    expect(fake.callsTo('views.publish').every((c) => c.ok)).toBe(true);
  });

  it('answer 429 with Retry-After when a method is called faster than its rate, per method', async () => {
    await setup({ enforceMethodRates: { 'chat.update': { perSecond: 1 / 60, burst: 2 } } });
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'card' });
    const ts = posted.ts ?? '';
    await client.chat.update({ channel: 'C1', ts, text: 'one' });
    await client.chat.update({ channel: 'C1', ts, text: 'two' });
    const limited = await failure(client.chat.update({ channel: 'C1', ts, text: 'three' }));
    expect(limited.code).toBe('slack_webapi_rate_limited_error');
    const last = fake.callsTo('chat.update').at(-1);
    expect(last?.status).toBe(429);
    expect(last?.response).toEqual({ ok: false, error: 'ratelimited' });
    expect(fake.message('C1', ts)?.text).toBe('two');
    // other methods keep their own budget
    expect((await client.chat.postMessage({ channel: 'C1', text: 'still fine' })).ok).toBe(true);
  });

  it("uses Slack's tiers when asked to", async () => {
    await setup({ enforceMethodRates: true });
    const opened = await Promise.allSettled(
      Array.from({ length: 110 }, () => client.views.open({ trigger_id: fake.issueTriggerId('U0DEV1'), view: modal })),
    );
    // Tier 4: a burst of 100, then about 100 a minute (a few tokens may come back while the 110 calls are answered)
    expect(opened.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(100);
    expect(fake.callsTo('views.open').filter((c) => c.status === 429).length).toBeGreaterThan(0);
  });
});
