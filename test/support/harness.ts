/**
 * Starts a real Greenlight (real HTTP, a real SQLite file, the real Redis) against the fake Slack, and a driver
 * that signs requests like Slack. Helpers here only drive the app the way a person would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseEnv, parsePolicyText } from '../../src/config';
import type { FakeSlack, SlackMessage, SlackView, SubmitValue } from '../../src/fake-slack';
import { SlackDriver, startFakeSlack } from '../../src/fake-slack';
import { createLogger } from '../../src/logger';
import type { Greenlight } from '../../src/server';
import { startGreenlight } from '../../src/server';

export const BOT_TOKEN = 'xoxb-1111-2222-testtokenvalue';
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const API_TOKEN = 'test-api-token-0123456789';

export const U = {
  requester: 'U0DEV1',
  reviewer: 'U0DEV2',
  qa: 'U0QA',
  rm: 'U0RM',
  pm: 'U0PM',
  ops: 'U0OPS',
  ops2: 'U0OPS2',
  admin: 'U0ADMIN',
  outsider: 'U0OUT',
} as const;

export const CHANNELS = { payments: 'C0PAYMENTS', releases: 'C0RELEASES', announce: 'C0ANNOUNCE', general: 'C0GENERAL' } as const;

export const TEST_POLICY = `
timezone: Europe/Berlin
admins: [U0ADMIN]
channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }
roles:
  developer: [U0DEV1, U0DEV2]
  qa: [U0QA]
  release_manager: [U0RM]
  product_manager: [U0PM]
  operations: [U0OPS, U0OPS2]
services:
  payments-api:
    channel: C0PAYMENTS
  web: {}
workflow:
  high_risk: { operations: 2 }
`;

export interface Harness {
  fake: FakeSlack;
  gl: Greenlight;
  driver: SlackDriver;
  logs: string[];
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

export async function startHarness(opts: { policy?: string; env?: Record<string, string> } = {}): Promise<Harness> {
  const fake = await startFakeSlack({
    botToken: BOT_TOKEN,
    triggerIdTtlMs: 30_000,
    users: Object.values(U).map((id) => ({ id, name: id.toLowerCase(), real_name: id, tz: 'Europe/Berlin' })),
    channels: Object.values(CHANNELS).map((id) => ({ id, name: id.toLowerCase() })),
  });
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-test-'));
  const policy = parsePolicyText(opts.policy ?? TEST_POLICY, 'test-policy.yml');
  if (!policy.ok) throw new Error(policy.errors.join('\n'));
  const env = parseEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    PORT: '0',
    DATABASE_URL: `file:${join(dir, 'greenlight.db')}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    GREENLIGHT_API_TOKEN: API_TOKEN,
    ...opts.env,
  });
  if (!env.ok) throw new Error(env.errors.join('\n'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination: sink, secrets: [BOT_TOKEN, SIGNING_SECRET, API_TOKEN] });
  const gl = await startGreenlight({ env: env.env, policy: policy.policy }, { host: '127.0.0.1', logger, pace: { perSecond: 100, burst: 100 } });
  const driver = new SlackDriver({ baseUrl: gl.url, signingSecret: SIGNING_SECRET, fake, defaultChannel: CHANNELS.general });
  return {
    fake,
    gl,
    driver,
    logs,
    api: async (method, path, body, token = API_TOKEN) => {
      const res = await fetch(`${gl.url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: async () => {
      await gl.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const DEFAULT_REQUEST: Record<string, SubmitValue> = {
  Service: 'payments-api',
  Version: '1.4.2',
  Title: 'Faster checkout',
  Changelog: 'Caches the basket between steps.',
  Environment: 'production',
  Risk: 'medium',
  'Rollback plan': 'Redeploy 1.4.1 with the deploy pipeline.',
};

/** The newest modal a user has open (waits for views.open to have happened). */
export async function openModal(h: Harness, user: string, callbackId?: string): Promise<SlackView> {
  return h.fake.waitFor(
    () => {
      const views = h.fake.openViews(user).filter((v) => !callbackId || v.callback_id === callbackId);
      return views[views.length - 1];
    },
    { description: `a modal for ${user}` },
  );
}

/** A channel message that is not a reply (a thread parent carries its own ts as thread_ts). */
export function isTopLevel(m: SlackMessage): boolean {
  return !m.thread_ts || m.thread_ts === m.ts;
}

/** Finds the release card (the top-level bot message whose header names REL-n) in a channel. */
export function findCard(h: Harness, channel: string, id: number): SlackMessage | undefined {
  return h.fake.messages(channel).find((m) => isTopLevel(m) && JSON.stringify(m.blocks ?? []).includes(`REL-${id} ·`));
}

export async function waitForCard(h: Harness, channel: string, id: number, predicate: (text: string) => boolean = () => true): Promise<SlackMessage> {
  return h.fake.waitFor(
    () => {
      const card = findCard(h, channel, id);
      return card && predicate(JSON.stringify(card.blocks)) ? card : undefined;
    },
    { description: `card of REL-${id} in ${channel}` },
  );
}

/** Types `/release`, fills the modal by its labels and submits; resolves with the new release's id and card. */
export async function requestRelease(
  h: Harness,
  user: string = U.requester,
  values: Record<string, SubmitValue> = {},
  channel: string = CHANNELS.payments,
): Promise<{ id: number; card: SlackMessage }> {
  const before = h.fake.openViews(user).length;
  const cardsBefore = h.fake.messages(channel).filter((m) => isTopLevel(m) && JSON.stringify(m.blocks ?? []).includes('REL-')).length;
  const cmd = await h.driver.command(user, '', { channelId: CHANNELS.general });
  if (cmd.status !== 200) throw new Error(`/release answered ${cmd.status}`);
  const view = await h.fake.waitFor(() => (h.fake.openViews(user).length > before ? h.fake.openViews(user).at(-1) : undefined), {
    description: 'the request modal',
  });
  const res = await h.driver.submitView(user, view.id, { ...DEFAULT_REQUEST, ...values });
  if (res.body && typeof res.body === 'object' && 'response_action' in res.body) {
    throw new Error(`request modal refused: ${JSON.stringify(res.body)}`);
  }
  const cards = () => h.fake.messages(channel).filter((m) => isTopLevel(m) && JSON.stringify(m.blocks ?? []).includes('REL-'));
  const card = await h.fake.waitFor(() => (cards().length > cardsBefore ? cards().at(-1) : undefined), { description: 'a new release card' });
  const id = Number(/REL-(\d+) ·/.exec(JSON.stringify(card.blocks))?.[1]);
  return { id, card };
}

/** Text of every block of a message, for assertions on what a person reads. */
export function textOf(m: { text?: string; blocks?: unknown }): string {
  return `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
}
