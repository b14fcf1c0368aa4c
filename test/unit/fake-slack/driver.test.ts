import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App, LogLevel, type BlockAction, type ButtonAction, type SlashCommand } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from '../../../src/fake-slack/server.js';
import { SlackDriver } from '../../../src/fake-slack/driver.js';

// Slack's documented example (api.slack.com/docs/verifying-requests-from-slack), as in bolt-js tests.
const KNOWN = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

const SECRET = 'greenlight-test-signing-secret';
const CHANNEL = 'C0PAYMENTS';
const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (text: string, value: string) => ({ text: plain(text), value });

const requestModal = {
  type: 'modal' as const,
  callback_id: 'release_request',
  title: plain('Request a release'),
  submit: plain('Request'),
  blocks: [
    { type: 'input' as const, block_id: 'service', label: plain('Service'), element: { type: 'static_select' as const, action_id: 'v', options: [option('payments-api', 'payments-api'), option('web', 'web')] } },
    { type: 'input' as const, block_id: 'version', label: plain('Version'), element: { type: 'plain_text_input' as const, action_id: 'v', max_length: 20 } },
    { type: 'input' as const, block_id: 'changelog', label: plain('Changelog'), element: { type: 'plain_text_input' as const, action_id: 'v', multiline: true, initial_value: 'fixes' } },
    { type: 'input' as const, block_id: 'risk', label: plain('Risk'), element: { type: 'radio_buttons' as const, action_id: 'v', options: [option('Low', 'low'), option('High', 'high')] } },
    { type: 'input' as const, block_id: 'when', label: plain('Deploy date and time'), element: { type: 'datetimepicker' as const, action_id: 'v' } },
    { type: 'input' as const, block_id: 'reviewers', optional: true, label: plain('Reviewers'), element: { type: 'multi_users_select' as const, action_id: 'v' } },
    { type: 'input' as const, block_id: 'day', optional: true, label: plain('Day'), element: { type: 'datepicker' as const, action_id: 'v' } },
    { type: 'input' as const, block_id: 'links', optional: true, label: plain('Links'), element: { type: 'url_text_input' as const, action_id: 'v' } },
  ],
};

const reasonModal = {
  type: 'modal' as const,
  callback_id: 'reason',
  notify_on_close: true,
  title: plain('Request changes'),
  submit: plain('Send'),
  blocks: [{ type: 'input' as const, block_id: 'reason', label: plain('Reason'), element: { type: 'plain_text_input' as const, action_id: 'v' } }],
};

interface Seen {
  commands: SlashCommand[];
  submissions: Array<Record<string, Record<string, unknown>>>;
  clicks: BlockAction[];
  retryNums: Array<number | undefined>;
  closed: number;
}

let fake: FakeSlack;
let app: App;
let server: Server;
let driver: SlackDriver;
let seen: Seen;

beforeEach(async () => {
  seen = { commands: [], submissions: [], clicks: [], retryNums: [], closed: 0 };
  fake = await startFakeSlack({
    users: [
      { id: 'U0DEV1', name: 'dana', tz: 'Europe/Berlin', tz_offset: 7200 },
      { id: 'U0QA', name: 'quinn' },
    ],
  });
  app = new App({
    token: fake.botToken,
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
  });
  app.command('/release', async ({ ack, body, client, respond }) => {
    seen.commands.push(body);
    await ack();
    if (body.text === '') await client.views.open({ trigger_id: body.trigger_id, view: requestModal });
    else await respond({ text: `Unknown subcommand: ${body.text}` });
  });
  app.view('release_request', async ({ ack, view, client, body }) => {
    seen.submissions.push(view.state.values);
    const version = view.state.values['version']?.['v']?.value ?? '';
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      await ack({ response_action: 'errors', errors: { version: 'Use semantic versioning, e.g. 1.2.3' } });
      return;
    }
    await ack();
    await client.chat.postMessage({
      channel: CHANNEL,
      text: `REL-1 ${version} requested by <@${body.user.id}>`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*REL-1* payments-api ${version}` } },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: plain('Approve'), action_id: 'approve', value: 'REL-1', style: 'primary' },
            { type: 'button', text: plain('Request changes'), action_id: 'changes', value: 'REL-1' },
          ],
        },
      ],
    });
  });
  app.view({ callback_id: 'reason', type: 'view_closed' }, async ({ ack }) => {
    seen.closed += 1;
    await ack();
  });
  app.action<BlockAction<ButtonAction>>('approve', async ({ ack, body, client }) => {
    seen.clicks.push(body);
    await ack();
    const channel = body.channel?.id ?? '';
    const ts = body.message?.ts ?? '';
    await client.chat.update({ channel, ts, text: `approved by <@${body.user.id}>`, blocks: [] });
  });
  app.action<BlockAction<ButtonAction>>('changes', async ({ ack, body, client }) => {
    seen.clicks.push(body);
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: reasonModal });
  });
  app.action<BlockAction>(/^(menu|env)$/, async ({ ack, body }) => {
    seen.clicks.push(body);
    await ack();
  });
  app.action<BlockAction<ButtonAction>>('home_refresh', async ({ ack, body }) => {
    seen.clicks.push(body);
    await ack();
  });
  app.event('app_home_opened', async ({ event, client, context }) => {
    seen.retryNums.push(context.retryNum);
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Waiting on you: nothing' } },
          { type: 'actions', elements: [{ type: 'button', text: plain('Refresh'), action_id: 'home_refresh' }] },
        ],
      },
    });
  });
  server = await app.start(0);
  // Bolt verifies its token with auth.test at start-up; let that finish so no call is in flight at teardown.
  await fake.waitFor(() => fake.callsTo('auth.test')[0]);
  const { port } = server.address() as AddressInfo;
  driver = new SlackDriver({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SECRET, fake, defaultChannel: CHANNEL });
});

afterEach(async () => {
  await app.stop();
  await fake.close();
});

async function openRequestModal(user = 'U0DEV1'): Promise<string> {
  const res = await driver.command(user, '');
  expect(res.status).toBe(200);
  const view = await fake.waitFor(() => fake.openViews(user)[0]);
  return view.id;
}

const validValues = {
  Service: 'payments-api',
  Version: '1.2.3',
  Risk: 'High',
  'Deploy date and time': { date: '2026-05-05', time: '10:00' },
  Reviewers: ['U0QA'],
};

describe('SlackDriver', () => {
  it('reproduces Slack’s signing known answer', () => {
    const known = new SlackDriver({ baseUrl: 'http://127.0.0.1:1', signingSecret: KNOWN.secret, fake });
    expect(known.sign(KNOWN.body, KNOWN.timestamp)).toBe(KNOWN.signature);
    expect(known.sign(`${KNOWN.body}x`, KNOWN.timestamp)).not.toBe(KNOWN.signature);
  });

  it('sends slash commands Bolt accepts, with Slack’s fields, a live trigger_id and response_url', async () => {
    const res = await driver.command('U0DEV1', 'frobnicate');
    expect(res.status).toBe(200);
    expect(Object.keys(res.payload)).toEqual([
      'token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text',
      'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id',
    ]);
    expect(res.request.body).toContain('command=%2Frelease');
    const body = seen.commands[0];
    expect(body).toMatchObject({ user_id: 'U0DEV1', user_name: 'dana', channel_id: CHANNEL, command: '/release', text: 'frobnicate' });
    expect(body?.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]{32}$/);
    const eph = await fake.waitFor(() => fake.ephemerals('U0DEV1')[0]);
    expect(eph).toMatchObject({ channel: CHANNEL, text: 'Unknown subcommand: frobnicate', via: 'response_url' });
    expect(fake.callsTo('response_url')).toHaveLength(1);
  });

  it('fills a modal by labels, typing each value like Slack, and closes it on an empty ack', async () => {
    const viewId = await openRequestModal();
    const res = await driver.submitView('U0DEV1', viewId, validValues);
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
    expect(res.outcome.outcome).toBe('closed');
    expect(fake.openViews('U0DEV1')).toHaveLength(0);
    const values = seen.submissions[0];
    expect(values).toEqual({
      service: { v: { type: 'static_select', selected_option: { text: plain('payments-api'), value: 'payments-api' } } },
      version: { v: { type: 'plain_text_input', value: '1.2.3' } },
      changelog: { v: { type: 'plain_text_input', value: 'fixes' } },
      risk: { v: { type: 'radio_buttons', selected_option: { text: plain('High'), value: 'high' } } },
      // 10:00 in the user's UTC+2 offset
      when: { v: { type: 'datetimepicker', selected_date_time: Date.UTC(2026, 4, 5, 8, 0) / 1000 } },
      reviewers: { v: { type: 'multi_users_select', selected_users: ['U0QA'] } },
      day: { v: { type: 'datepicker', selected_date: null } },
      links: { v: { type: 'url_text_input', value: null } },
    });
    const card = await fake.waitFor(() => fake.messages(CHANNEL)[0]);
    expect(card.text).toBe('REL-1 1.2.3 requested by <@U0DEV1>');
  });

  it('keeps the modal open when the bot answers response_action errors', async () => {
    const viewId = await openRequestModal();
    const res = await driver.submitView('U0DEV1', viewId, { ...validValues, Version: 'one' });
    expect(res.body).toEqual({ response_action: 'errors', errors: { version: 'Use semantic versioning, e.g. 1.2.3' } });
    expect(res.outcome.outcome).toBe('errors');
    expect(fake.openViews('U0DEV1').map((v) => v.id)).toEqual([viewId]);
  });

  it('refuses what the Slack client would not submit and unknown labels', async () => {
    const viewId = await openRequestModal();
    await expect(driver.submitView('U0DEV1', viewId, { ...validValues, Versoin: '1.0.0' })).rejects.toThrow(
      /no input labelled "Versoin".*"Service", "Version", "Changelog"/,
    );
    const { Version: _v, ...withoutVersion } = validValues;
    await expect(driver.submitView('U0DEV1', viewId, withoutVersion)).rejects.toThrow(/"Version" is required/);
    await expect(driver.submitView('U0DEV1', viewId, { ...validValues, Version: 'x'.repeat(21) })).rejects.toThrow(/max_length 20/);
    await expect(driver.submitView('U0DEV1', viewId, { ...validValues, Service: 'billing' })).rejects.toThrow(/no option "billing"/);
    await expect(driver.submitView('U0QA', viewId, validValues)).rejects.toThrow(/belongs to U0DEV1/);
    expect(seen.submissions).toHaveLength(0);
  });

  it('clicks buttons by label: the actor comes from the payload, and the click’s trigger_id opens a modal', async () => {
    const viewId = await openRequestModal();
    await driver.submitView('U0DEV1', viewId, validValues);
    const card = await fake.waitFor(() => fake.messages(CHANNEL)[0]);

    await expect(driver.clickButton('U0QA', { channel: CHANNEL, ts: card.ts }, 'Aprove')).rejects.toThrow(
      /no button "Aprove".*"Approve" \(action_id approve.*"Request changes"/,
    );

    const changes = await driver.clickButton('U0QA', { channel: CHANNEL, ts: card.ts }, 'Request changes');
    expect(changes.status).toBe(200);
    const reason = await fake.waitFor(() => fake.openViews('U0QA')[0]);
    expect(reason.callback_id).toBe('reason');
    const closed = await driver.closeView('U0QA', reason.id);
    expect(closed?.status).toBe(200);
    expect(seen.closed).toBe(1);

    const res = await driver.clickButton('U0QA', { channel: CHANNEL, ts: card.ts }, 'Approve');
    expect(res.status).toBe(200);
    expect(res.payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0QA', username: 'quinn' },
      container: { type: 'message', message_ts: card.ts, channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL },
      message: { ts: card.ts, bot_id: fake.identity.botId },
      actions: [{ action_id: 'approve', value: 'REL-1', type: 'button', style: 'primary', text: plain('Approve') }],
    });
    await fake.waitFor(() => fake.message(CHANNEL, card.ts)?.text.startsWith('approved') || undefined);
    expect(fake.message(CHANNEL, card.ts)?.text).toBe('approved by <@U0QA>');
    expect(seen.clicks.at(-1)?.user.id).toBe('U0QA');
  });

  it('selects options in overflow menus and static selects by option text or value', async () => {
    const posted = await app.client.chat.postMessage({
      channel: CHANNEL,
      text: 'menu',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'REL-2' },
          accessory: { type: 'overflow', action_id: 'menu', options: [option('Edit', 'edit'), option('Cancel release', 'cancel')] },
        },
        { type: 'actions', elements: [{ type: 'static_select', action_id: 'env', placeholder: plain('Environment'), options: [option('Staging', 'staging'), option('Production', 'production')] }] },
      ],
    });
    const where = { channel: CHANNEL, ts: posted.ts as string };
    const a = await driver.selectOption('U0DEV1', where, 'Cancel release');
    expect(a.status).toBe(200);
    expect(a.payload['actions']).toEqual([
      expect.objectContaining({ type: 'overflow', action_id: 'menu', selected_option: { text: plain('Cancel release'), value: 'cancel' } }),
    ]);
    const b = await driver.selectOption('U0DEV1', where, 'production');
    expect(b.payload['actions']).toEqual([
      expect.objectContaining({ type: 'static_select', action_id: 'env', selected_option: { text: plain('Production'), value: 'production' } }),
    ]);
    await expect(driver.selectOption('U0DEV1', where, 'Delete')).rejects.toThrow(/no option "Delete".*Cancel release/);
    expect(seen.clicks.map((c) => c.actions[0]?.action_id)).toEqual(['menu', 'env']);
  });

  it('sends events with retry headers, publishes the home tab, and clicks in it', async () => {
    const first = await driver.appHomeOpened('U0DEV1');
    expect(first.status).toBe(200);
    expect(first.payload).toMatchObject({ type: 'event_callback', event: { type: 'app_home_opened', user: 'U0DEV1', tab: 'home' } });
    const home = await fake.waitFor(() => fake.homeView('U0DEV1'));
    expect(home.type).toBe('home');
    await driver.appHomeOpened('U0DEV1', { retryNum: 1, retryReason: 'http_timeout' });
    await fake.waitFor(() => fake.callsTo('views.publish').length === 2);
    expect(seen.retryNums).toEqual([undefined, 1]);

    const click = await driver.clickButton('U0DEV1', { homeOf: 'U0DEV1' }, 'Refresh');
    expect(click.status).toBe(200);
    expect(click.payload).toMatchObject({ container: { type: 'view', view_id: home.id }, view: { id: home.id, type: 'home' } });
    expect(seen.clicks).toHaveLength(1);
  });

  it('forges signatures, sends stale timestamps and replays requests byte for byte', async () => {
    const forged = await driver.command('U0DEV1', 'help', { signature: 'v0=deadbeef' });
    expect(forged.status).toBe(401);
    const stale = await driver.command('U0DEV1', 'help', { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
    expect(stale.status).toBe(401);
    expect(seen.commands).toHaveLength(0);

    const ok = await driver.command('U0DEV1', 'help');
    expect(ok.status).toBe(200);
    const again = await driver.replay(ok.request);
    expect(again.status).toBe(200);
    expect(again.request.body).toBe(ok.request.body);
    expect(seen.commands.map((c) => c.trigger_id)).toEqual([ok.payload.trigger_id, ok.payload.trigger_id]);
    // both deliveries answered through the same response_url
    await fake.waitFor(() => fake.ephemerals('U0DEV1').length === 2);
  });
});
