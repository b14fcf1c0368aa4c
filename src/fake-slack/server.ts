/**
 * A fake Slack Web API over real HTTP (node:http), for integration/e2e tests and the local sandbox.
 * Point @slack/web-api at `fake.url` (`slackApiUrl`). It records every call, keeps workspace state
 * (channels, threads, ephemerals, DMs, modals, home tabs, response_url posts), rejects Block Kit that
 * Slack would reject, and can inject failures and rate limits.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { cloneJson, isObject, type JsonObject, type JsonValue } from './json.js';
import { compareTs } from './ids.js';
import {
  DEFAULT_TRIGGER_TTL_MS,
  handleResponseUrl,
  jsonArg,
  METHODS,
  replaceViewContent,
  type MethodContext,
} from './methods.js';
import { validateView } from './blockkit.js';
import {
  FakeSlackStore,
  type EphemeralMessage,
  type FakeChannel,
  type FakeUser,
  type Identity,
  type ResponseUrlContext,
  type ResponseUrlPost,
  type ScheduledMessage,
  type SlackMessage,
  type SlackView,
} from './store.js';

export type { FakeUser, FakeChannel, SlackMessage, EphemeralMessage, ScheduledMessage, SlackView, ResponseUrlPost, ResponseUrlContext };

export interface CallRecord {
  /** Web API method (`chat.postMessage`), or `response_url` for posts to a response_url. */
  method: string;
  /** Arguments as received; JSON-encoded form fields (`blocks`, `attachments`, `view`, `metadata`) decoded. The token is not kept. */
  args: Record<string, unknown>;
  /** Parsed JSON body of the answer (or `{ raw }` text for 5xx). */
  response: JsonObject;
  status: number;
  ok: boolean;
  /** epoch ms: when the fake had answered it */
  at: number;
  /** epoch ms: when the request had arrived (its body read), before the fake did anything with it */
  receivedAt: number;
}

export interface FailSpec {
  /** `ok:false` error code (HTTP 200), e.g. `channel_not_found`. */
  error?: string;
  /** HTTP status; 429 answers `ratelimited` with Retry-After, 5xx answers a text body. */
  status?: number;
  /** seconds; implies status 429 */
  retryAfter?: number;
  /** how many subsequent calls fail (default 1) */
  times?: number;
}

export interface ChannelRate {
  perSecond: number;
  burst: number;
}

export interface FakeSlackOptions {
  port?: number;
  botToken?: string;
  /** Known users. When given, unknown user ids answer `user_not_found`; when omitted any `U…`/`W…` id exists. */
  users?: FakeUser[];
  /** usergroup id (`S…`) → member user ids */
  usergroups?: Record<string, string[]>;
  /** Known channels. When given, other channel ids answer `channel_not_found`; when omitted any `C…`/`G…` id exists. */
  channels?: Array<{ id: string; name?: string; is_private?: boolean }>;
  /** chat.postMessage per channel: about `perSecond`, bursts up to `burst`, else 429 + Retry-After. */
  enforceChannelRate?: ChannelRate;
  /**
   * Per-method rate limits (per workspace), off by default: `true` uses Slack's tiers (`SLACK_METHOD_RATES`), or
   * give your own per method. A method called faster than its rate answers 429 `ratelimited` with Retry-After.
   */
  enforceMethodRates?: true | Record<string, ChannelRate>;
  /** Slack's trigger_id lifetime is 3 s (default). */
  triggerIdTtlMs?: number;
  identity?: Partial<Identity>;
}

export interface WaitForOptions {
  timeoutMs?: number;
  /** describes what is awaited, for the timeout error */
  description?: string;
  /** also re-check every `pollMs` (for predicates over state outside the fake, e.g. a database) */
  pollMs?: number;
}

export interface ViewResponseResult {
  /** `closed`, `updated`, `pushed`, `cleared`, `errors` (view stays open), `invalid` (response rejected) */
  outcome: 'closed' | 'updated' | 'pushed' | 'cleared' | 'errors' | 'invalid';
  errors: string[];
}

export interface FakeSlack {
  /** base for `slackApiUrl`, e.g. `http://127.0.0.1:PORT/api/` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/` */
  readonly baseUrl: string;
  readonly port: number;
  readonly botToken: string;
  readonly identity: Readonly<Identity>;
  readonly calls: readonly CallRecord[];
  callsTo(method: string): CallRecord[];
  /** Clears recorded calls and workspace state (messages, views, ephemerals…); keeps users, usergroups, configured channels and DMs. */
  reset(): void;
  /** Clears recorded calls only. */
  clearCalls(): void;

  /** Top-level messages of a channel (incl. thread broadcasts), oldest first. Accepts a user id for their DM. */
  messages(channel: string): SlackMessage[];
  /** Replies in a thread (without the parent), oldest first. */
  thread(channel: string, ts: string): SlackMessage[];
  /** A message (top-level or reply) by ts. */
  message(channel: string, ts: string): SlackMessage | undefined;
  /** Ephemeral messages (chat.postEphemeral and response_url), optionally for one user; excludes deleted ones. */
  ephemerals(user?: string): EphemeralMessage[];
  /** A person (say an admin) deletes a message in Slack's client; its thread replies stay. False if there was none. */
  deleteMessage(channel: string, ts: string): boolean;
  /** Messages in the bot's DM with a user. */
  dms(user: string): SlackMessage[];
  /** The stable DM channel id (`D…`) with a user (opened if needed). */
  dmChannel(user: string): string;
  scheduledMessages(channel?: string): ScheduledMessage[];
  /** Moves scheduled messages due at `nowSec` (default now) into their channels; returns them. */
  deliverScheduled(nowSec?: number): SlackMessage[];
  /** Modal views currently open (the stack, root first), optionally for one user. */
  openViews(user?: string): SlackView[];
  view(id: string): SlackView | undefined;
  /** Owner of a view. */
  viewUser(id: string): string | undefined;
  homeView(user: string): SlackView | undefined;
  responseUrlPosts(): ResponseUrlPost[];

  /** A user as the fake knows it (synthesized on demand unless users were configured). */
  user(id: string): FakeUser | undefined;
  /** A channel (or DM) as the fake knows it; accepts ids, `#name` or a user id (their DM). */
  channel(id: string): FakeChannel | undefined;
  addUser(user: FakeUser): void;
  setUsergroup(id: string, users: string[]): void;
  addChannel(channel: { id: string; name?: string; is_private?: boolean }): void;

  /** For the driver: a fresh trigger_id that views.open/push will accept once, within the TTL. */
  issueTriggerId(user: string): string;
  /** For the driver: a response_url served by this fake. */
  issueResponseUrl(ctx: ResponseUrlContext): string;
  /** For the driver: records what the user typed/selected into a view's `state`. */
  setViewState(viewId: string, values: SlackView['state']['values']): void;
  /** For the driver: applies the bot's answer to a view_submission (close, update, push, clear, errors). */
  applyViewSubmissionResponse(user: string, viewId: string, body: unknown): ViewResponseResult;
  /** For the driver: the user closes a modal (its stack, unless only that view). */
  closeView(user: string, viewId: string, opts?: { all?: boolean }): void;

  waitFor<T>(predicate: () => T | undefined | null | false, opts?: WaitForOptions): Promise<T>;
  failNext(method: string, spec?: FailSpec): void;
  /** The next `times` (default 1) calls to `method` are answered only after `ms` milliseconds (slow Slack). */
  delayNext(method: string, ms: number, times?: number): void;
  close(): Promise<void>;
}

const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];

/** Slack's rate tiers for the methods Greenlight calls most: Tier 3 about 50 a minute, Tier 4 about 100, short bursts allowed. */
export const SLACK_METHOD_RATES: Readonly<Record<string, ChannelRate>> = {
  'chat.update': { perSecond: 50 / 60, burst: 50 },
  'views.open': { perSecond: 100 / 60, burst: 100 },
  'views.publish': { perSecond: 100 / 60, burst: 100 },
};

const failSpecSchema = z.object({
  error: z.string().min(1).optional(),
  status: z.number().int().min(200).max(599).optional(),
  retryAfter: z.number().int().min(0).optional(),
  times: z.number().int().min(1).optional(),
});

function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Bucket {
  tokens: number;
  updated: number;
}

interface Waiter {
  check: () => boolean;
}

class FakeSlackImpl implements FakeSlack {
  readonly calls: CallRecord[] = [];
  /** When each request being answered had arrived (for `CallRecord.receivedAt`). */
  private readonly receivedAt = new WeakMap<ServerResponse, number>();
  readonly store: FakeSlackStore;
  url = '';
  baseUrl = '';
  port = 0;
  private readonly failures = new Map<string, Array<Required<Pick<FailSpec, 'times'>> & FailSpec>>();
  private readonly delays = new Map<string, Array<{ ms: number; times: number }>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly waiters = new Set<Waiter>();
  private readonly configuredChannels: Array<{ id: string; name?: string; is_private?: boolean }>;
  private server: Server | undefined;

  constructor(
    readonly botToken: string,
    readonly identity: Identity,
    private readonly opts: FakeSlackOptions,
  ) {
    this.configuredChannels = opts.channels ?? [];
    this.store = new FakeSlackStore(identity, opts.users !== undefined, opts.channels !== undefined);
    for (const u of opts.users ?? []) this.store.users.set(u.id, u);
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.store.usergroups.set(id, [...members]);
    for (const c of this.configuredChannels) this.store.addChannel(c);
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err instanceof Error ? err.message : String(err));
        }
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    this.port = addr.port;
    this.baseUrl = `http://127.0.0.1:${addr.port}/`;
    this.url = `${this.baseUrl}api/`;
  }

  private methodContext(receivedAt: number): MethodContext {
    return {
      store: this.store,
      triggerTtlMs: this.opts.triggerIdTtlMs ?? DEFAULT_TRIGGER_TTL_MS,
      permalinkBase: `https://${this.identity.teamDomain}.slack.com/`,
      receivedAt,
    };
  }

  private send(res: ServerResponse, status: number, body: JsonObject | string, headers: Record<string, string> = {}): void {
    const isText = typeof body === 'string';
    res.writeHead(status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      ...headers,
    });
    res.end(isText ? body : JSON.stringify(body));
  }

  private record(method: string, args: Record<string, unknown>, response: JsonObject, status: number, receivedAt?: number): void {
    const at = Date.now();
    this.calls.push({ method, args, response, status, ok: status === 200 && response['ok'] === true, at, receivedAt: receivedAt ?? at });
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w.check();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    this.receivedAt.set(res, Date.now());
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    if (url.pathname.startsWith('/api/')) {
      await this.handleApi(url, raw, contentType, req, res);
      return;
    }
    const responseUrl = this.store.responseUrls.get(url.pathname);
    if (responseUrl && req.method === 'POST') {
      let body: unknown;
      if (contentType.includes('application/json')) {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          body = undefined;
        }
      } else {
        const payload = jsonArg(parseForm(raw)['payload']);
        body = payload.kind === 'ok' ? payload.value : undefined;
      }
      const out = handleResponseUrl(this.store, responseUrl, body);
      const context: ResponseUrlContext = {
        kind: responseUrl.kind,
        user: responseUrl.user,
        ...(responseUrl.channel ? { channel: responseUrl.channel } : {}),
        ...(responseUrl.messageTs ? { messageTs: responseUrl.messageTs } : {}),
        ...(responseUrl.isEphemeral !== undefined ? { isEphemeral: responseUrl.isEphemeral } : {}),
      };
      this.store.responseUrlPosts.push({ url: responseUrl.url, context, body: (body ?? null) as JsonValue, at: Date.now() });
      this.send(res, out.status, out.body);
      this.record('response_url', { url: responseUrl.url, ...(isObject(body) ? body : { body: raw }) }, out.body, out.status, this.receivedAt.get(res));
      return;
    }
    this.send(res, 404, 'not found');
  }

  private async handleApi(url: URL, raw: string, contentType: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    let args: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) args[k] = v;
    if (raw.length > 0) {
      if (contentType.includes('application/json')) {
        try {
          const parsed = JSON.parse(raw) as unknown;
          if (!isObject(parsed)) throw new Error('not an object');
          args = { ...args, ...parsed };
        } catch {
          this.reply(res, method, args, 200, { ok: false, error: 'invalid_json' });
          return;
        }
      } else if (contentType.includes('multipart/form-data')) {
        this.reply(res, method, args, 200, { ok: false, error: 'invalid_form_data' });
        return;
      } else {
        args = { ...args, ...parseForm(raw) };
      }
    }
    const auth = req.headers['authorization'];
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    const token = bearer ?? (typeof args['token'] === 'string' ? args['token'] : undefined);
    delete args['token'];

    const handler = METHODS[method];
    if (!handler) {
      this.reply(res, method, args, 200, { ok: false, error: 'unknown_method', req_method: method });
      return;
    }
    if (!token) {
      this.reply(res, method, args, 200, { ok: false, error: 'not_authed' });
      return;
    }
    if (token !== this.botToken) {
      this.reply(res, method, args, 200, { ok: false, error: 'invalid_auth' });
      return;
    }
    const delayMs = this.takeDelay(method);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const failure = this.takeFailure(method);
    if (failure) {
      if (failure.retryAfter !== undefined || failure.status === 429) {
        const retryAfter = String(failure.retryAfter ?? 1);
        this.reply(res, method, args, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter });
        return;
      }
      if (failure.status !== undefined && failure.status >= 500) {
        this.reply(res, method, args, failure.status, { ok: false, error: failure.error ?? 'internal_error' }, {}, true);
        return;
      }
      this.reply(res, method, args, failure.status ?? 200, { ok: false, error: failure.error ?? 'internal_error' });
      return;
    }
    const methodRates = this.opts.enforceMethodRates === true ? SLACK_METHOD_RATES : this.opts.enforceMethodRates;
    const methodRate = methodRates?.[method];
    if (methodRate) {
      const wait = this.takeToken(`method:${method}`, methodRate);
      if (wait > 0) {
        this.reply(res, method, args, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
        return;
      }
    }
    if (method === 'chat.postMessage' && this.opts.enforceChannelRate) {
      const wait = this.takeToken(String(args['channel'] ?? ''), this.opts.enforceChannelRate);
      if (wait > 0) {
        this.reply(res, method, args, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
        return;
      }
    }
    const body = handler(args, this.methodContext(this.receivedAt.get(res) ?? Date.now()));
    this.reply(res, method, args, 200, body);
  }

  private reply(
    res: ServerResponse,
    method: string,
    args: Record<string, unknown>,
    status: number,
    body: JsonObject,
    headers: Record<string, string> = {},
    asText = false,
  ): void {
    if (asText) this.send(res, status, `${status} ${String(body['error'])}`, headers);
    else this.send(res, status, body, headers);
    this.record(method, decodeArgs(args), body, status, this.receivedAt.get(res));
  }

  private takeFailure(method: string): FailSpec | undefined {
    const queue = this.failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.times -= 1;
    if (head.times <= 0) queue.shift();
    return head;
  }

  private takeDelay(method: string): number {
    const queue = this.delays.get(method);
    const head = queue?.[0];
    if (!queue || !head) return 0;
    head.times -= 1;
    if (head.times <= 0) queue.shift();
    return head.ms;
  }

  /** Token bucket per channel (or `method:<name>`); returns 0 when allowed, else whole seconds to wait (≥1). */
  private takeToken(key: string, rate: ChannelRate): number {
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: rate.burst, updated: now };
    b.tokens = Math.min(rate.burst, b.tokens + ((now - b.updated) / 1000) * rate.perSecond);
    b.updated = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate.perSecond));
  }

  // ---- inspection ------------------------------------------------------------------------------

  callsTo(method: string): CallRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.failures.clear();
    this.delays.clear();
    this.buckets.clear();
    this.store.clearState();
    for (const c of this.configuredChannels) if (!this.store.channels.has(c.id)) this.store.addChannel(c);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  private channelId(channel: string): string {
    if (/^[UW][A-Z0-9]+$/.test(channel)) return this.store.dmByUser.get(channel) ?? channel;
    return this.store.resolveChannel(channel)?.id ?? channel;
  }

  messages(channel: string): SlackMessage[] {
    return this.store.messagesIn(this.channelId(channel));
  }

  thread(channel: string, ts: string): SlackMessage[] {
    return this.store.threadOf(this.channelId(channel), ts);
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    return this.store.findMessage(this.channelId(channel), ts);
  }

  ephemerals(user?: string): EphemeralMessage[] {
    return this.store.ephemeralMessages.filter((e) => !e.deleted && (user === undefined || e.user === user));
  }

  deleteMessage(channel: string, ts: string): boolean {
    const deleted = this.store.deleteMessage(this.channelId(channel), ts);
    if (deleted) this.notify();
    return deleted;
  }

  dms(user: string): SlackMessage[] {
    const id = this.store.dmByUser.get(user);
    return id ? this.store.messagesIn(id) : [];
  }

  dmChannel(user: string): string {
    return this.store.openDm(user).id;
  }

  scheduledMessages(channel?: string): ScheduledMessage[] {
    return this.store.scheduled.filter((s) => channel === undefined || s.channel === channel);
  }

  deliverScheduled(nowSec: number = Math.floor(Date.now() / 1000)): SlackMessage[] {
    const due = this.store.scheduled.filter((s) => s.post_at <= nowSec).sort((a, b) => a.post_at - b.post_at);
    const delivered: SlackMessage[] = [];
    for (const s of due) {
      this.store.scheduled.splice(this.store.scheduled.indexOf(s), 1);
      const msg = this.store.newMessage(s.channel, {
        text: s.text,
        ...(s.blocks ? { blocks: s.blocks } : {}),
        ...(s.thread_ts ? { thread_ts: s.thread_ts } : {}),
      });
      this.store.addMessage(msg);
      delivered.push(msg);
    }
    if (delivered.length > 0) this.notify();
    return delivered;
  }

  openViews(user?: string): SlackView[] {
    const out: SlackView[] = [];
    for (const [owner, stack] of this.store.modalStacks) {
      if (user !== undefined && owner !== user) continue;
      for (const id of stack) {
        const rec = this.store.views.get(id);
        if (rec?.open) out.push(rec.view);
      }
    }
    return out;
  }

  view(id: string): SlackView | undefined {
    return this.store.views.get(id)?.view;
  }

  viewUser(id: string): string | undefined {
    return this.store.views.get(id)?.user;
  }

  homeView(user: string): SlackView | undefined {
    const id = this.store.homeViews.get(user);
    return id ? this.store.views.get(id)?.view : undefined;
  }

  responseUrlPosts(): ResponseUrlPost[] {
    return [...this.store.responseUrlPosts];
  }

  user(id: string): FakeUser | undefined {
    return this.store.user(id);
  }

  channel(id: string): FakeChannel | undefined {
    return this.store.resolveChannel(id);
  }

  addUser(user: FakeUser): void {
    this.store.users.set(user.id, user);
  }

  setUsergroup(id: string, users: string[]): void {
    this.store.usergroups.set(id, [...users]);
  }

  addChannel(channel: { id: string; name?: string; is_private?: boolean }): void {
    this.configuredChannels.push(channel);
    this.store.addChannel(channel);
  }

  issueTriggerId(user: string): string {
    return this.store.issueTrigger(user);
  }

  issueResponseUrl(ctx: ResponseUrlContext): string {
    return this.store.issueResponseUrl(this.baseUrl, ctx);
  }

  setViewState(viewId: string, values: SlackView['state']['values']): void {
    const rec = this.store.views.get(viewId);
    if (rec) rec.view.state = { values: cloneJson(values) };
  }

  applyViewSubmissionResponse(user: string, viewId: string, body: unknown): ViewResponseResult {
    const record = (outcome: ViewResponseResult['outcome'], errors: string[] = []): ViewResponseResult => {
      this.record('view_submission.response', { user, view_id: viewId, body }, errors.length > 0 ? { ok: false, error: 'invalid_arguments', errors } : { ok: true, outcome }, 200);
      return { outcome, errors };
    };
    if (body === null || body === undefined || body === '') {
      this.store.closeModal(user, viewId);
      return record('closed');
    }
    if (!isObject(body)) return record('invalid', ['response must be empty or a JSON object']);
    const action = body['response_action'];
    if (action === 'clear') {
      this.store.closeModal(user, viewId, true);
      return record('cleared');
    }
    if (action === 'errors') {
      const errs = body['errors'];
      if (!isObject(errs) || Object.keys(errs).length === 0) return record('invalid', ['response_action errors needs a non-empty errors object']);
      // Slack shows each error under the input block with that block_id; any other key makes the whole answer
      // invalid (the person sees "We had some trouble connecting" and the modal stays as it was).
      const inputs = new Set(
        (this.store.views.get(viewId)?.view.blocks ?? []).flatMap((b) => (isObject(b) && b['type'] === 'input' && typeof b['block_id'] === 'string' ? [b['block_id']] : [])),
      );
      const unknown = Object.keys(errs).filter((k) => !inputs.has(k));
      if (unknown.length > 0) {
        return record('invalid', unknown.map((k) => `errors key "${k}" is not the block_id of an input block in the view [json-pointer:/errors/${k}]`));
      }
      const notText = Object.keys(errs).filter((k) => typeof errs[k] !== 'string' || errs[k] === '');
      if (notText.length > 0) return record('invalid', notText.map((k) => `errors.${k} must be a non-empty string [json-pointer:/errors/${k}]`));
      return record('errors');
    }
    if (action === 'update' || action === 'push') {
      const errors = validateView(body['view']);
      if (errors.length > 0) return record('invalid', errors);
      const view = body['view'] as JsonObject;
      if (view['type'] !== 'modal') return record('invalid', ['view type must be modal [json-pointer:/view/type]']);
      const rec = this.store.views.get(viewId);
      if (!rec) return record('invalid', [`unknown view ${viewId}`]);
      if (action === 'update') {
        replaceViewContent(this.store, rec, view);
        return record('updated');
      }
      const stack = this.store.stackOf(user);
      if (stack.length >= 3) return record('invalid', ['push_limit_reached']);
      const pushed = this.store.buildView(view, { root: rec.view.root_view_id, previous: viewId });
      this.store.views.set(pushed.id, { view: pushed, user, open: true });
      stack.push(pushed.id);
      return record('pushed');
    }
    return record('invalid', [`unknown response_action: ${String(action)}`]);
  }

  closeView(user: string, viewId: string, opts?: { all?: boolean }): void {
    const rec = this.store.views.get(viewId);
    this.store.closeModal(user, viewId, opts?.all ?? rec?.view.clear_on_close ?? false);
    this.notify();
  }

  waitFor<T>(predicate: () => T | undefined | null | false, opts: WaitForOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 5_000;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let poll: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        check: () => {
          if (done) return true;
          let value: T | undefined | null | false;
          try {
            value = predicate();
          } catch (err) {
            finish();
            reject(err instanceof Error ? err : new Error(String(err)));
            return true;
          }
          if (value === undefined || value === null || value === false) return false;
          finish();
          resolve(value);
          return true;
        },
      };
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        const recent = this.calls
          .slice(-15)
          .map((c) => `  ${c.method} → ${c.status} ${c.ok ? 'ok' : String(c.response['error'] ?? 'error')}`)
          .join('\n');
        reject(
          new Error(
            `fakeSlack.waitFor timed out after ${timeoutMs}ms${opts.description ? ` waiting for ${opts.description}` : ''}; ` +
              `${this.calls.length} calls recorded, most recent:\n${recent || '  (none)'}`,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        done = true;
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        this.waiters.delete(waiter);
      };
      if (waiter.check()) return;
      this.waiters.add(waiter);
      if (opts.pollMs !== undefined) poll = setInterval(() => waiter.check(), opts.pollMs);
    });
  }

  failNext(method: string, spec: FailSpec = {}): void {
    const parsed = failSpecSchema.parse(spec);
    const queue = this.failures.get(method) ?? [];
    queue.push({ ...parsed, times: parsed.times ?? 1 });
    this.failures.set(method, queue);
  }

  delayNext(method: string, ms: number, times = 1): void {
    if (!Number.isFinite(ms) || ms < 0 || !Number.isInteger(times) || times < 1) throw new RangeError('delayNext: ms ≥ 0 and times ≥ 1');
    const queue = this.delays.get(method) ?? [];
    queue.push({ ms, times });
    this.delays.set(method, queue);
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // let in-flight answers reach their clients; drop idle keep-alive sockets now, the rest after a grace period
      const force = setTimeout(() => server.closeAllConnections(), 1_000);
      force.unref();
      server.close((err) => {
        clearTimeout(force);
        if (err) reject(err);
        else resolve();
      });
      server.closeIdleConnections();
    });
  }
}

function decodeArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  for (const key of JSON_FIELDS) {
    const arg = jsonArg(out[key]);
    if (arg.kind === 'ok') out[key] = arg.value;
  }
  return out;
}

const DEFAULT_IDENTITY: Identity = {
  teamId: 'T0GREENLT1',
  teamDomain: 'greenlight-sandbox',
  teamName: 'Greenlight Sandbox',
  botUserId: 'U0GLBOT001',
  botId: 'B0GLBOT001',
  appId: 'A0GLAPP001',
  botName: 'greenlight',
};

export const DEFAULT_BOT_TOKEN = 'xoxb-fake-greenlight-token';

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackImpl(opts.botToken ?? DEFAULT_BOT_TOKEN, { ...DEFAULT_IDENTITY, ...opts.identity }, opts);
  await fake.listen(opts.port ?? 0);
  return fake;
}

/** Sorts messages by ts (utility for tests). */
export function byTs<T extends { ts: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareTs(a.ts, b.ts));
}
