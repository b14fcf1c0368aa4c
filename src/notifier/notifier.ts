/**
 * The one place Greenlight talks to Slack's Web API. It keeps Slack's pace (about one message a second per
 * channel, short bursts allowed), keeps each channel's messages in order, lets @slack/web-api honour
 * Retry-After and retry server errors, and records what it sent (with a ledger key for exactly-once notices).
 */
import type { Block, KnownBlock, View } from '@slack/types';
import { WebClient, WebClientEvent } from '@slack/web-api';
import type { Logger } from 'pino';
import { boltLogger } from '../logger';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { sentMessages } from '../db/schema';
import { httpFetch, postJson } from './http-client';

export type Blocks = (KnownBlock | Block)[];

const PACE_MARGIN_MS = 15;

export interface MessageArgs {
  channel: string;
  text: string;
  blocks?: Blocks;
  threadTs?: string;
  /** Ledger key: when set, a message with this key is sent at most once, ever. */
  dedupeKey?: string;
  releaseId?: number;
}

export interface PaceOptions {
  /** Messages per second per channel, on average. */
  perSecond: number;
  /** Messages a channel may send at once before pacing starts. */
  burst: number;
}

export interface NotifierOptions {
  token: string;
  slackApiUrl?: string | undefined;
  pace?: PaceOptions;
  retries?: number;
  logger: Logger;
  now?: () => number;
  onCall?: (method: string, outcome: 'ok' | 'error', error?: string) => void;
  onRateLimited?: (retryAfterSeconds: number, method: string) => void;
}

export class SlackCallError extends Error {
  readonly code = 'slack_call_failed' as const;
  constructor(
    readonly method: string,
    readonly slackError: string,
  ) {
    super(`Slack ${method} failed: ${slackError}`);
  }
}

interface Bucket {
  tokens: number;
  last: number;
  chain: Promise<unknown>;
}

function slackErrorOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const data = (err as { data?: { error?: unknown } }).data;
    if (data && typeof data.error === 'string') return data.error;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.message : String(err);
}

export class Notifier {
  readonly client: WebClient;
  private readonly pace: PaceOptions;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly dmChannels = new Map<string, string>();
  private readonly groupCache = new Map<string, { at: number; users: string[] }>();
  private readonly userCache = new Map<string, { at: number; tz: string | null; name: string | null }>();

  constructor(
    private readonly db: Db,
    private readonly opts: NotifierOptions,
  ) {
    this.pace = opts.pace ?? { perSecond: 1, burst: 3 };
    this.now = opts.now ?? Date.now;
    this.client = new WebClient(opts.token, {
      ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
      retryConfig: { retries: opts.retries ?? 4, factor: 2, minTimeout: 200, maxTimeout: 5_000, randomize: true },
      rejectRateLimitedCalls: false,
      timeout: 10_000,
      // Node's own http client with keep-alive instead of the global fetch: far less CPU and garbage per call.
      fetch: httpFetch,
      logger: boltLogger(opts.logger),
    });
    this.client.on(WebClientEvent.RATE_LIMITED, (retryAfter: number, { url }: { url: string }) => {
      opts.onRateLimited?.(retryAfter, url);
      opts.logger.warn({ retryAfter, method: url }, 'Slack rate limited a call; waiting as asked');
    });
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      const res = await fn();
      this.opts.onCall?.(method, 'ok');
      return res;
    } catch (err) {
      const code = slackErrorOf(err);
      this.opts.onCall?.(method, 'error', code);
      this.opts.logger.warn({ method, error: code }, 'Slack call failed');
      throw new SlackCallError(method, code);
    }
  }

  /** Runs `task` in the channel's FIFO after a pacing token is available. */
  private paced<T>(channel: string, task: () => Promise<T>): Promise<T> {
    let bucket = this.buckets.get(channel);
    if (!bucket) {
      bucket = { tokens: this.pace.burst, last: this.now(), chain: Promise.resolve() };
      this.buckets.set(channel, bucket);
    }
    const b = bucket;
    const run = async (): Promise<T> => {
      const refill = () => {
        const t = this.now();
        b.tokens = Math.min(this.pace.burst, b.tokens + ((t - b.last) / 1000) * this.pace.perSecond);
        b.last = t;
      };
      refill();
      if (b.tokens < 1) {
        // A small margin keeps us just under Slack's bucket rather than a few ms early (each 429 costs a whole second).
        const waitMs = Math.ceil(((1 - b.tokens) / this.pace.perSecond) * 1000) + PACE_MARGIN_MS;
        await new Promise((r) => setTimeout(r, waitMs));
        refill();
      }
      b.tokens = Math.max(0, b.tokens - 1);
      try {
        return await task();
      } finally {
        // Slack counts a message when it arrives, not when we sent it: time in flight earns no tokens.
        b.last = this.now();
      }
    };
    const result = b.chain.then(run, run);
    b.chain = result.catch(() => undefined);
    return result;
  }

  /** Claims a ledger key; false if it was already sent (or is being sent). */
  private claim(key: string, channel: string, releaseId: number | undefined): boolean {
    const row = this.db
      .insert(sentMessages)
      .values({ dedupeKey: key, method: 'chat.postMessage', channel, releaseId: releaseId ?? null, at: this.now() })
      .onConflictDoNothing()
      .returning()
      .get();
    return row !== undefined;
  }

  async post(args: MessageArgs): Promise<{ channel: string; ts: string } | null> {
    if (args.dedupeKey && !this.claim(args.dedupeKey, args.channel, args.releaseId)) return null;
    try {
      const res = await this.paced(args.channel, () =>
        this.call('chat.postMessage', () =>
          this.client.chat.postMessage({
            channel: args.channel,
            text: args.text,
            ...(args.blocks ? { blocks: args.blocks } : {}),
            ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
            unfurl_links: false,
            unfurl_media: false,
          }),
        ),
      );
      const ts = res.ts ?? '';
      const channel = res.channel ?? args.channel;
      if (args.dedupeKey) {
        this.db.update(sentMessages).set({ ts, channel }).where(eq(sentMessages.dedupeKey, args.dedupeKey)).run();
      } else {
        this.db
          .insert(sentMessages)
          .values({ method: 'chat.postMessage', channel, ts, threadTs: args.threadTs ?? null, releaseId: args.releaseId ?? null, at: this.now() })
          .run();
      }
      return { channel, ts };
    } catch (err) {
      // Not sent: release the claim so a later attempt can send it.
      if (args.dedupeKey) this.db.delete(sentMessages).where(eq(sentMessages.dedupeKey, args.dedupeKey)).run();
      throw err;
    }
  }

  /** What the ledger says was sent under `key` (channel and ts once the send has finished). */
  sentByKey(key: string): { channel: string; ts: string | null } | null {
    const row = this.db.select().from(sentMessages).where(eq(sentMessages.dedupeKey, key)).get();
    return row ? { channel: row.channel, ts: row.ts } : null;
  }

  async update(args: { channel: string; ts: string; text: string; blocks?: Blocks }): Promise<void> {
    await this.call('chat.update', () =>
      this.client.chat.update({ channel: args.channel, ts: args.ts, text: args.text, ...(args.blocks ? { blocks: args.blocks } : {}) }),
    );
  }

  async ephemeral(args: { channel: string; user: string; text: string; blocks?: Blocks; threadTs?: string }): Promise<void> {
    await this.paced(args.channel, () =>
      this.call('chat.postEphemeral', () =>
        this.client.chat.postEphemeral({
          channel: args.channel,
          user: args.user,
          text: args.text,
          ...(args.blocks ? { blocks: args.blocks } : {}),
          ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
        }),
      ),
    );
  }

  async dmChannel(user: string): Promise<string> {
    const cached = this.dmChannels.get(user);
    if (cached) return cached;
    const res = await this.call('conversations.open', () => this.client.conversations.open({ users: user }));
    const id = res.channel?.id;
    if (!id) throw new SlackCallError('conversations.open', 'no_channel');
    this.dmChannels.set(user, id);
    return id;
  }

  async dm(user: string, msg: Omit<MessageArgs, 'channel'>): Promise<{ channel: string; ts: string } | null> {
    const channel = await this.dmChannel(user);
    return this.post({ ...msg, channel });
  }

  /** Replies through an interaction's response_url (ephemeral unless told otherwise). */
  async respond(responseUrl: string, body: { text: string; blocks?: Blocks; response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean }): Promise<void> {
    await this.call('response_url', async () => {
      const payload = JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...body });
      for (let attempt = 0; ; attempt++) {
        const status = await postJson(responseUrl, payload, 10_000);
        if (status >= 200 && status < 300) return;
        // Slack's own 5xx is worth one more try; a 4xx (used or expired URL) is final.
        if (status < 500 || attempt >= 1) throw new Error(`response_url answered ${status}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    });
  }

  async openView(triggerId: string, view: View): Promise<string | undefined> {
    const res = await this.call('views.open', () => this.client.views.open({ trigger_id: triggerId, view }));
    return res.view?.id;
  }

  async updateView(viewId: string, view: View): Promise<void> {
    await this.call('views.update', () => this.client.views.update({ view_id: viewId, view }));
  }

  async publishHome(user: string, view: View): Promise<void> {
    await this.call('views.publish', () => this.client.views.publish({ user_id: user, view }));
  }

  /** Members of a user group, cached for a minute. */
  async groupMembers(group: string): Promise<string[]> {
    const hit = this.groupCache.get(group);
    if (hit && this.now() - hit.at < 60_000) return hit.users;
    const res = await this.call('usergroups.users.list', () => this.client.usergroups.users.list({ usergroup: group }));
    const users = res.users ?? [];
    this.groupCache.set(group, { at: this.now(), users });
    return users;
  }

  /** A user's time zone and name, cached for an hour. */
  async userInfo(user: string): Promise<{ tz: string | null; name: string | null }> {
    const hit = this.userCache.get(user);
    if (hit && this.now() - hit.at < 3_600_000) return hit;
    const res = await this.call('users.info', () => this.client.users.info({ user }));
    const info = { at: this.now(), tz: res.user?.tz ?? null, name: res.user?.profile?.display_name || res.user?.real_name || null };
    this.userCache.set(user, info);
    return info;
  }

  async authTest(): Promise<{ userId: string; botId: string | null; teamId: string | null }> {
    const res = await this.call('auth.test', () => this.client.auth.test());
    return { userId: res.user_id ?? '', botId: res.bot_id ?? null, teamId: res.team_id ?? null };
  }
}
