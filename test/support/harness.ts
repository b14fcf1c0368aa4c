/**
 * Starts a real Greenlight (real HTTP, a real SQLite file, the real Redis) against the fake Slack, and a driver
 * that signs requests like Slack. Helpers here only drive the app the way a person would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { parseEnv, parsePolicyText } from '../../src/config';
import type { FakeSlack, SlackMessage, SlackView, SubmitValue } from '../../src/fake-slack';
import { SlackDriver, startFakeSlack } from '../../src/fake-slack';
import { createLogger } from '../../src/logger';
import type { Greenlight } from '../../src/server';
import { startGreenlight } from '../../src/server';
import type { LaneLimits } from '../../src/slack/ack-first';

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

/** The people, channels and services every test policy shares; `paymentsApi` adds lines to that service. */
export function policyBase(paymentsApi = ''): string {
  return `
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
${paymentsApi}  web: {}
`;
}

export const TEST_POLICY = `${policyBase()}workflow:
  high_risk: { operations: 2 }
`;

export interface Harness {
  fake: FakeSlack;
  gl: Greenlight;
  driver: SlackDriver;
  logs: string[];
  /** Moves Greenlight's clock (not BullMQ's): use with `gl.timers.fireNext()` to time-travel. */
  advanceClock(ms: number): void;
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  policy?: string;
  env?: Record<string, string>;
  /** Greenlight's clock runs this far ahead of real time (so a test can start just before a deploy slot). */
  clockOffsetMs?: number;
  reconcileEveryMs?: number;
  /** Limits of the after-ack lane (src/slack/ack-first.ts). */
  lane?: LaneLimits;
}

/** Deletes every Redis key under `prefix` (a test's timers, their sentinel, its pub/sub-free leftovers). */
export async function purgeRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const fake = await startFakeSlack({
    botToken: BOT_TOKEN,
    triggerIdTtlMs: 3_000,
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
  let offset = opts.clockOffsetMs ?? 0;
  const prefix = `gl-test-${randomBytes(4).toString('hex')}`;
  const gl = await startGreenlight(
    { env: env.env, policy: policy.policy },
    {
      host: '127.0.0.1',
      logger,
      pace: { perSecond: 100, burst: 100 },
      now: () => Date.now() + offset,
      timers: { prefix, reconcileEveryMs: opts.reconcileEveryMs ?? 250 },
      ...(opts.lane ? { lane: opts.lane } : {}),
      // (the engine runs on the test's own thread: its priority stays; test/integration/startup.test.ts checks it)
      engineNice: null,
    },
  );
  const driver = new SlackDriver({ baseUrl: gl.url, signingSecret: SIGNING_SECRET, fake, defaultChannel: CHANNELS.general });
  return {
    fake,
    gl,
    driver,
    logs,
    advanceClock: (ms: number) => {
      offset += ms;
    },
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
      // stopped first: a running instance re-derives its timers when it finds its keys gone
      await gl.stop();
      await purgeRedisPrefix(prefix);
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

/**
 * Submits `view` (open for `owner`) as `asUser` instead, with `values` by label: what a forged or replayed payload
 * looks like, signed like any other, since Slack's client never lets one person submit another's modal.
 */
export async function forgedSubmission(h: Harness, owner: string, asUser: string, view: SlackView, values: Record<string, SubmitValue>): Promise<{ status: number; body: unknown }> {
  const state = h.driver.buildViewState(owner, view, values);
  const payload = {
    type: 'view_submission',
    team: { id: h.driver.teamId, domain: h.fake.identity.teamDomain },
    user: { id: asUser, username: asUser.toLowerCase(), name: asUser.toLowerCase(), team_id: h.driver.teamId },
    api_app_id: h.driver.appId,
    token: 'fake-verification-token',
    trigger_id: h.fake.issueTriggerId(asUser),
    view: { ...view, state: { values: state } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return h.driver.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}

/** A channel message that is not a reply (a thread parent carries its own ts as thread_ts). */
export function isTopLevel(m: SlackMessage): boolean {
  return !m.thread_ts || m.thread_ts === m.ts;
}

/** A release card: a top-level message whose header block reads "REL-n · service version" (not a review or a notice). */
export function isCard(m: SlackMessage): boolean {
  const first = (m.blocks ?? [])[0] as { type?: string; text?: { text?: string } } | undefined;
  return isTopLevel(m) && first?.type === 'header' && /^REL-\d+ · /.test(first.text?.text ?? '');
}

/** Finds the release card (the top-level bot message whose header names REL-n) in a channel. */
export function findCard(h: Harness, channel: string, id: number): SlackMessage | undefined {
  return h.fake.messages(channel).find((m) => isCard(m) && JSON.stringify(m.blocks ?? []).includes(`REL-${id} ·`));
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
  const cardsBefore = h.fake.messages(channel).filter(isCard).length;
  const cmd = await h.driver.command(user, '', { channelId: CHANNELS.general });
  if (cmd.status !== 200) throw new Error(`/release answered ${cmd.status}`);
  const view = await h.fake.waitFor(() => (h.fake.openViews(user).length > before ? h.fake.openViews(user).at(-1) : undefined), {
    description: 'the request modal',
  });
  const res = await h.driver.submitView(user, view.id, { ...DEFAULT_REQUEST, ...values });
  if (res.body && typeof res.body === 'object' && 'response_action' in res.body) {
    throw new Error(`request modal refused: ${JSON.stringify(res.body)}`);
  }
  const cards = () => h.fake.messages(channel).filter(isCard);
  const card = await h.fake.waitFor(() => (cards().length > cardsBefore ? cards().at(-1) : undefined), { description: 'a new release card' });
  const id = Number(/REL-(\d+) ·/.exec(JSON.stringify(card.blocks))?.[1]);
  return { id, card };
}

/** Text of every block of a message, for assertions on what a person reads. */
export function textOf(m: { text?: string; blocks?: unknown }): string {
  return `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
}

// ---- helpers for the failure-mode suites (edits, integrity, commands, API, readiness) ----------------------------

export interface ApprovalJson {
  stage: string;
  role: string;
  user: string;
  at: string;
  status: string;
  reset_reason: string | null;
}

export interface CriterionJson {
  criterion: string;
  status: string;
  url: string | null;
  details: string | null;
  updated_by: string | null;
}

export interface AuditJson {
  id: number;
  at: string;
  release: string | null;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface ReleaseJson {
  id: string;
  number: number;
  service: string;
  version: string;
  title: string;
  environment: string;
  risk: string;
  changelog: string;
  rollback_plan: string;
  requested_by: string;
  state: string;
  content_rev: number;
  updated_at: string;
  card: { channel: string; ts: string } | null;
  approvals: ApprovalJson[];
  criteria: CriterionJson[];
  audit: AuditJson[];
}

/** GET /api/v1/releases/{id}, typed. */
export async function getRelease(h: Harness, id: number | string): Promise<ReleaseJson> {
  const res = await h.api('GET', `/api/v1/releases/${id}`);
  if (res.status !== 200) throw new Error(`GET release ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as ReleaseJson;
}

/** What must not change when a request is refused: the release without its audit trail. */
export async function releaseState(h: Harness, id: number): Promise<Omit<ReleaseJson, 'audit'>> {
  const { audit: _audit, ...rest } = await getRelease(h, id);
  return rest;
}

export function activeApprovals(r: Pick<ReleaseJson, 'approvals'>): [string, string][] {
  return r.approvals.filter((a) => a.status === 'active').map((a) => [a.role, a.user]);
}

/** A raw API call with extra headers (Idempotency-Key, content-type…); body is sent as given when a string. */
export async function apiRequest(
  h: Harness,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; token?: string | null } = {},
): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const token = opts.token === undefined ? API_TOKEN : opts.token;
  const res = await fetch(`${h.gl.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** Every string under a `text` key in Block Kit (sections, fields, context, buttons, headers), plus the fallback text. */
export function allTexts(m: { text?: string; blocks?: unknown }): string[] {
  const out: string[] = m.text ? [m.text] : [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'text' && typeof child === 'string') out.push(child);
        else walk(child);
      }
    }
  };
  walk(m.blocks ?? []);
  return out;
}

/** Ephemeral answers (response_url posts) a user got whose body contains `includes`. */
export function responsesTo(h: Harness, user: string, includes: string): string[] {
  return h.fake
    .responseUrlPosts()
    .filter((p) => p.context.user === user)
    .map((p) => JSON.stringify(p.body))
    .filter((b) => b.includes(includes));
}

/** Thread replies under a card whose text contains `includes`. */
export function threadLines(h: Harness, channel: string, ts: string, includes: string): string[] {
  return h.fake
    .thread(channel, ts)
    .map((m) => m.text)
    .filter((t) => t.includes(includes));
}

/** Clicks Approve on the card and waits until the approval shows in the thread. */
export async function approveAndWait(h: Harness, user: string, card: { channel: string; ts: string }): Promise<void> {
  const marker = `<@${user}> approved`;
  const before = threadLines(h, card.channel, card.ts, marker).length;
  const res = await h.driver.clickButton(user, card, 'Approve');
  if (res.status !== 200) throw new Error(`Approve answered ${res.status}`);
  await h.fake.waitFor(() => threadLines(h, card.channel, card.ts, marker).length > before, { description: `${user}'s approval in the thread` });
}

/** CI reports every readiness criterion passed. */
export async function passAllChecks(h: Harness, id: number, except: readonly string[] = []): Promise<void> {
  for (const criterion of ['tests', 'performance', 'security', 'business', 'feedback'].filter((c) => !except.includes(c))) {
    const res = await h.api('POST', `/api/v1/releases/REL-${id}/checks`, { criterion, status: 'passed' });
    if (res.status !== 200) throw new Error(`check ${criterion} answered ${res.status}`);
  }
}

/** Requests a release and approves it through review, QA and sign-off (criteria passed by CI) into scheduling. */
export async function releaseInScheduling(
  h: Harness,
  values: Record<string, SubmitValue> = {},
): Promise<{ id: number; card: { channel: string; ts: string } }> {
  const { id, card } = await requestRelease(h, U.requester, values);
  const at = { channel: card.channel, ts: card.ts };
  await approveAndWait(h, U.reviewer, at);
  await approveAndWait(h, U.qa, at);
  await passAllChecks(h, id);
  await approveAndWait(h, U.rm, at);
  await approveAndWait(h, U.pm, at);
  await waitForCard(h, card.channel, id, (t) => t.includes(':arrow_forward: *Scheduling*'));
  return { id, card: at };
}

/** `/release edit REL-n`, then submits the prefilled modal with `values` changed. */
export async function submitEdit(
  h: Harness,
  user: string,
  id: number,
  values: Record<string, SubmitValue>,
  opts: { skipClientValidation?: boolean } = {},
) {
  const before = h.fake.openViews(user).length;
  const cmd = await h.driver.command(user, `edit REL-${id}`, { channelId: CHANNELS.general });
  if (cmd.status !== 200) throw new Error(`/release edit answered ${cmd.status}`);
  if (cmd.body && typeof cmd.body === 'object' && 'text' in cmd.body) throw new Error(`/release edit refused: ${JSON.stringify(cmd.body)}`);
  const view = await h.fake.waitFor(() => (h.fake.openViews(user).length > before ? h.fake.openViews(user).at(-1) : undefined), {
    description: 'the edit modal',
  });
  return { view, res: await h.driver.submitView(user, view.id, values, opts) };
}

/**
 * Clicks a button the way Slack sends it from a card as it looked earlier (`message` is that old copy), so the
 * button value is the one that card carried, e.g. a revision before an edit.
 */
export async function clickOnOldCard(h: Harness, user: string, message: SlackMessage, label: string, opts: { retryNum?: number } = {}) {
  const blocks = (message.blocks ?? []) as { type?: string; block_id?: string; elements?: { type?: string; text?: { text?: string }; action_id?: string; value?: string; style?: string }[] }[];
  let found: { blockId: string; el: NonNullable<(typeof blocks)[number]['elements']>[number] } | undefined;
  for (const b of blocks) for (const el of b.elements ?? []) if (el.type === 'button' && el.text?.text === label) found = { blockId: b.block_id ?? '', el };
  if (!found) throw new Error(`no button "${label}" on the old card`);
  const { ts, channel } = message;
  const { channel: _c, ...msg } = message;
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: h.driver.teamId },
    api_app_id: h.driver.appId,
    token: 'fake-verification-token',
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
    trigger_id: h.fake.issueTriggerId(user),
    team: { id: h.driver.teamId, domain: h.fake.identity.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: channel.toLowerCase() },
    message: msg,
    state: { values: {} },
    response_url: h.fake.issueResponseUrl({ kind: 'actions', user, channel, messageTs: ts, isEphemeral: false }),
    actions: [
      {
        action_id: found.el.action_id ?? '',
        block_id: found.blockId,
        text: found.el.text,
        value: found.el.value,
        ...(found.el.style ? { style: found.el.style } : {}),
        type: 'button',
        action_ts: `${Math.floor(Date.now() / 1000)}.000001`,
      },
    ],
  };
  return h.driver.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', opts);
}

/** Opens the *Update readiness* modal from the card and submits it. */
export async function submitReadiness(h: Harness, user: string, card: { channel: string; ts: string }, values: Record<string, SubmitValue>, opts: { skipClientValidation?: boolean } = {}) {
  const before = h.fake.openViews(user).length;
  await h.driver.clickButton(user, card, 'Update readiness');
  const view = await h.fake.waitFor(() => (h.fake.openViews(user).length > before ? h.fake.openViews(user).at(-1) : undefined), {
    description: 'the readiness modal',
  });
  return h.driver.submitView(user, view.id, values, opts);
}

export const TIMER_POLICY = `${TEST_POLICY}
windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
reminders: { first_after: 2s, every: 3s, escalate_after: 5s, business_hours: "00:00-24:00", business_days: [mon, tue, wed, thu, fri, sat, sun] }
announcements: [24h, 3s, start, done]
`;

/** A clock offset that puts Greenlight `leadMs` before the next Tuesday 10:00 in Berlin (a window opening). */
export function offsetToBeforeSlot(leadMs: number): { offset: number; slot: number } {
  let t = DateTime.now().setZone('Europe/Berlin').plus({ days: 1 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
  while (t.weekday !== 2) t = t.plus({ days: 1 });
  const slot = t.toMillis();
  return { offset: slot - leadMs - Date.now(), slot };
}

/** Drives a release through review, QA, readiness (via the CI API) and sign-off; resolves when it is in scheduling. */
export async function approveToScheduling(h: Harness, id: number, cardTs: string, channel: string = CHANNELS.payments): Promise<void> {
  const at = { channel, ts: cardTs };
  const cardSays = (needle: string) =>
    h.fake.waitFor(() => (textOf(findCard(h, channel, id) ?? {}).includes(needle) ? true : undefined), { description: `REL-${id} card showing ${needle}` });
  await h.driver.clickButton(U.reviewer, at, 'Approve');
  await cardSays(':arrow_forward: *QA*');
  await h.driver.clickButton(U.qa, at, 'Approve');
  await cardSays(':arrow_forward: *Sign-off*');
  for (const criterion of ['tests', 'performance', 'security', 'business', 'feedback']) {
    const res = await h.api('POST', `/api/v1/releases/${id}/checks`, { criterion, status: 'passed' });
    if (res.status !== 200) throw new Error(`check ${criterion}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await h.driver.clickButton(U.rm, at, 'Approve');
  await cardSays(`<@${U.rm}>`);
  await h.driver.clickButton(U.pm, at, 'Approve');
  await cardSays(':arrow_forward: *Scheduling*');
}
