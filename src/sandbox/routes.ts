/**
 * /sandbox: the page, its script, and small JSON endpoints. Every action becomes a request signed exactly as
 * Slack signs it, sent through SlackDriver to the bot's own /slack/events, so the bot runs unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { FakeSlack, SlackDriver, SlackMessage, SubmitValue, Where } from '../fake-slack';
import type { Timers } from '../queue/timers';
import type { SandboxPerson } from './policy';
import { escapeHtml, mrkdwnToHtml, renderMessageBody, renderBlocks, renderModal } from './render';
import type { RenderContext } from './render';
import { SANDBOX_PAGE } from './page';
import { PACKAGE_ROOT } from '../util/package-root';

export interface SandboxClock {
  /** Greenlight's clock = real time + offset (time travel moves it forward) */
  offset: number;
  /** offsets in force since each real time, to know when a queued timer is due on Greenlight's clock */
  history: { since: number; offset: number }[];
}

export interface SandboxDeps {
  fake: FakeSlack;
  driver: () => SlackDriver;
  timers: () => Timers;
  clock: SandboxClock;
  people: SandboxPerson[];
  channels: { id: string; name: string }[];
}

interface AckEphemeral {
  user: string;
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
}

const userId = z.string().regex(/^[UW][A-Z0-9]+$/);
const whereSchema = z.union([
  z.object({ channel: z.string().min(1), ts: z.string().min(1) }),
  z.object({ viewId: z.string().min(1) }),
  z.object({ homeOf: userId }),
]);
const commandSchema = z.object({ user: userId, channel: z.string().min(1), text: z.string().max(4000) });
const clickSchema = z.object({ user: userId, where: whereSchema, actionId: z.string(), blockId: z.string().optional(), value: z.string().optional() });
const selectSchema = z.object({ user: userId, where: whereSchema, actionId: z.string(), value: z.string() });
const submitValue: z.ZodType<SubmitValue> = z.union([
  z.string(),
  z.number(),
  z.array(z.string()),
  z.object({ date: z.string(), time: z.string() }),
  z.null(),
]);
const submitSchema = z.object({ user: userId, viewId: z.string().min(1), values: z.record(z.string(), submitValue) });
const closeSchema = z.object({ user: userId, viewId: z.string().min(1) });
const homeSchema = z.object({ user: userId });
const travelSchema = z.object({ jobId: z.string().optional() });

function isTopLevel(m: { ts: string; thread_ts?: string }): boolean {
  return !m.thread_ts || m.thread_ts === m.ts;
}

function tsOrder(a: { ts: string }, b: { ts: string }): number {
  return Number(a.ts) - Number(b.ts);
}

function timeOf(ts: string, offset: number): string {
  return new Date(Number(ts) * 1000 + offset).toISOString().slice(11, 16);
}

function nowTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^SlackDriver: /, '');
}

/** Pending timers the page lists, soonest first. */
const SHOWN_TIMERS = 8;

export function sandboxRouter(deps: SandboxDeps): Router {
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));
  const script = readFileSync(join(PACKAGE_ROOT, 'src', 'sandbox', 'public', 'sandbox.js'), 'utf8');
  const ackEphemerals: AckEphemeral[] = [];
  const botId = deps.fake.identity.botUserId;

  const ctx = (): RenderContext => ({
    users: { ...Object.fromEntries(deps.people.map((p) => [p.id, p.name])), [botId]: 'greenlight' },
    channels: Object.fromEntries(deps.channels.map((c) => [c.id, c.name])),
  });

  /**
   * Greenlight's clock time at which a queued timer is due. One-off timers were delayed from Greenlight's clock
   * (the offset in force when added); repeating ones (job schedulers, e.g. the digest) run on real time.
   */
  const dueOnClock = (addedAt: number, delay: number, repeating: boolean): number => {
    if (repeating) return addedAt + delay + deps.clock.offset;
    const entry = [...deps.clock.history].reverse().find((h) => h.since <= addedAt) ?? { offset: 0 };
    return addedAt + delay + entry.offset;
  };

  const timerOf = (j: Job) => ({ id: j.id ?? '', name: j.name, at: dueOnClock(j.timestamp, j.opts.delay ?? 0, Boolean(j.repeatJobKey)) });
  const pendingTimers = async () => {
    // Only the first few by due time (the delayed set is ordered by it): a queue can hold many thousands.
    const jobs = (await deps.timers().queue.getJobs(['delayed'], 0, SHOWN_TIMERS - 1, true)).filter((j) => Boolean(j));
    return jobs.map(timerOf).sort((a, b) => a.at - b.at);
  };

  const messageHtml = (m: { ts: string; text?: string; blocks?: unknown[]; channel: string }, opts: { ephemeral?: boolean; replies?: number; threadOpen?: boolean }): string => {
    const c = ctx();
    const replies =
      opts.replies && opts.replies > 0 && !opts.threadOpen
        ? `<button type="button" class="replies" data-gl="thread" data-ts="${escapeHtml(m.ts)}">${opts.replies} ${opts.replies === 1 ? 'reply' : 'replies'}</button>`
        : '';
    const eph = opts.ephemeral ? '<span class="only-you">Only visible to you</span>' : '';
    return (
      `<div class="msg${opts.ephemeral ? ' ephemeral' : ''}" data-channel="${escapeHtml(m.channel)}" data-ts="${escapeHtml(m.ts)}">` +
      `<div class="msg-head"><span class="avatar">G</span><b>Greenlight</b> <span class="app-badge">APP</span> <time>${timeOf(m.ts, deps.clock.offset)}</time> ${eph}</div>` +
      `<div class="msg-body">${renderMessageBody({ ts: m.ts, ...(m.text !== undefined ? { text: m.text } : {}), ...(m.blocks ? { blocks: m.blocks } : {}) }, c)}</div>${replies}</div>`
    );
  };

  const timeline = (channel: string, user: string): string => {
    const top = deps.fake.messages(channel).filter(isTopLevel);
    const ephs = [
      ...deps.fake.ephemerals(user).filter((e) => e.channel === channel && !e.thread_ts),
      ...ackEphemerals.filter((e) => e.user === user && e.channel === channel),
    ];
    const items: { ts: string; html: string }[] = [
      ...top.map((m) => ({ ts: m.ts, html: messageHtml(m, { replies: deps.fake.thread(channel, m.ts).length }) })),
      ...ephs.map((e) => ({ ts: e.ts, html: messageHtml({ ts: e.ts, text: e.text, ...(e.blocks ? { blocks: e.blocks } : {}), channel }, { ephemeral: true }) })),
    ];
    items.sort(tsOrder);
    return items.length ? items.map((i) => i.html).join('') : '<div class="empty">No messages yet.</div>';
  };

  const threadHtml = (channel: string, ts: string, user: string): string | null => {
    const parent: SlackMessage | undefined = deps.fake.message(channel, ts);
    if (!parent) return null;
    const replies = deps.fake.thread(channel, ts);
    const ephs = deps.fake.ephemerals(user).filter((e) => e.channel === parent.channel && e.thread_ts === ts);
    const items = [
      ...replies.map((m) => ({ ts: m.ts, html: messageHtml(m, {}) })),
      ...ephs.map((e) => ({ ts: e.ts, html: messageHtml({ ts: e.ts, text: e.text, ...(e.blocks ? { blocks: e.blocks } : {}), channel: parent.channel }, { ephemeral: true }) })),
    ].sort(tsOrder);
    return `${messageHtml(parent, { threadOpen: true })}<div class="thread-count">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>${items.map((i) => i.html).join('')}`;
  };

  router.get(['/', ''], (_req: Request, res: Response) => {
    res.type('html').send(SANDBOX_PAGE);
  });
  router.get('/sandbox.js', (_req, res) => {
    res.type('text/javascript').send(script);
  });

  router.get('/api/state', async (req, res) => {
    const user = String(req.query['user'] ?? deps.people[0]?.id ?? '');
    const surface = String(req.query['surface'] ?? deps.channels[0]?.id ?? '');
    const thread = typeof req.query['thread'] === 'string' ? req.query['thread'] : null;
    const c = ctx();
    let title: string;
    let body: string;
    let channel: string | null = null;
    if (surface === 'home') {
      title = 'App Home';
      const home = deps.fake.homeView(user);
      body = home
        ? `<div class="home" data-home="${escapeHtml(user)}">${renderBlocks(home.blocks, c)}</div>`
        : '<div class="not-available"><b>App Home is not available</b> in this version of Greenlight: nothing was published to the Home tab for this person. Everything else works from the channels and <code>/release</code>.</div>';
    } else if (surface === 'dm') {
      channel = deps.fake.dmChannel(user);
      title = 'greenlight (direct messages)';
      body = timeline(channel, user);
    } else {
      channel = surface;
      title = `#${deps.channels.find((ch) => ch.id === surface)?.name ?? surface}`;
      body = timeline(channel, user);
    }
    const views = deps.fake.openViews(user);
    const top = views[views.length - 1];
    let timers: { id: string; name: string; at: string }[] = [];
    try {
      timers = (await pendingTimers()).map((t) => ({ id: t.id, name: t.name, at: new Date(t.at).toISOString() }));
    } catch {
      /* Redis hiccup: show none */
    }
    res.json({
      user,
      people: deps.people,
      channels: deps.channels,
      surface,
      channel,
      title,
      body,
      thread: channel && thread ? threadHtml(channel, thread, user) : null,
      modal: top ? { id: top.id, key: `${top.id}:${top.hash}`, html: renderModal(top, c), depth: views.length } : null,
      clock: { now: new Date(Date.now() + deps.clock.offset).toISOString(), offsetMs: deps.clock.offset },
      timers,
    });
  });

  /** Runs an action; driver errors (what Slack's client would refuse) come back as 422 with the reason. */
  const act = (schema: z.ZodType, run: (body: never) => Promise<unknown>) => async (req: Request, res: Response) => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return;
    }
    try {
      res.json((await run(parsed.data as never)) ?? { ok: true });
    } catch (err) {
      res.status(422).json({ error: errorText(err) });
    }
  };

  router.post(
    '/api/command',
    act(commandSchema, async (b: z.infer<typeof commandSchema>) => {
      const m = /^\s*\/release(?:\s+([\s\S]*))?$/.exec(b.text);
      if (!m) throw new Error('Only the /release command talks to Greenlight here, e.g. "/release" or "/release help".');
      const channel = b.channel === 'dm' ? deps.fake.dmChannel(b.user) : b.channel;
      const res = await deps.driver().command(b.user, (m[1] ?? '').trim(), { channelId: channel });
      if (res.status !== 200) throw new Error(`Greenlight answered HTTP ${res.status}`);
      const reply = res.body;
      if (reply && typeof reply === 'object' && ('text' in reply || 'blocks' in reply)) {
        const r = reply as { text?: unknown; blocks?: unknown };
        ackEphemerals.push({
          user: b.user,
          channel,
          ts: nowTs(),
          text: typeof r.text === 'string' ? r.text : '',
          ...(Array.isArray(r.blocks) ? { blocks: r.blocks as unknown[] } : {}),
        });
      }
      return { ok: true };
    }),
  );

  router.post(
    '/api/click',
    act(clickSchema, async (b: z.infer<typeof clickSchema>) => {
      const res = await deps.driver().clickButton(b.user, b.where as Where, {
        actionId: b.actionId,
        ...(b.blockId ? { blockId: b.blockId } : {}),
        ...(b.value !== undefined ? { value: b.value } : {}),
      });
      return { ok: res.status === 200, status: res.status };
    }),
  );

  router.post(
    '/api/select',
    act(selectSchema, async (b: z.infer<typeof selectSchema>) => {
      const res = await deps.driver().selectOption(b.user, b.where as Where, b.value, { actionId: b.actionId });
      return { ok: res.status === 200, status: res.status };
    }),
  );

  router.post(
    '/api/submit',
    act(submitSchema, async (b: z.infer<typeof submitSchema>) => {
      const res = await deps.driver().submitView(b.user, b.viewId, b.values);
      const body = res.body as { response_action?: unknown; errors?: unknown } | null;
      const errors = body && body.response_action === 'errors' && body.errors && typeof body.errors === 'object' ? (body.errors as Record<string, unknown>) : {};
      const c = ctx();
      return {
        ok: res.status === 200,
        outcome: res.outcome.outcome,
        problems: res.outcome.errors,
        errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, mrkdwnToHtml(String(v), c)])),
      };
    }),
  );

  router.post(
    '/api/close',
    act(closeSchema, async (b: z.infer<typeof closeSchema>) => {
      await deps.driver().closeView(b.user, b.viewId);
      return { ok: true };
    }),
  );

  router.post(
    '/api/home',
    act(homeSchema, async (b: z.infer<typeof homeSchema>) => {
      const before = deps.fake.callsTo('views.publish').length;
      await deps.driver().appHomeOpened(b.user);
      const published = await deps.fake
        .waitFor(() => deps.fake.callsTo('views.publish').length > before, { timeoutMs: 1_500 })
        .then(() => true)
        .catch(() => false);
      return { ok: true, available: published || deps.fake.homeView(b.user) !== undefined };
    }),
  );

  /** Time travel: moves Greenlight's clock to the next due timer (or the one named) and runs it now. */
  router.post(
    '/api/time-travel',
    act(travelSchema, async (b: z.infer<typeof travelSchema>) => {
      const timers = deps.timers();
      const named = b.jobId ? await timers.queue.getJob(b.jobId) : undefined;
      const target = b.jobId ? (named && (await named.isDelayed()) ? timerOf(named) : undefined) : (await pendingTimers())[0];
      if (!target) return { ok: true, fired: null };
      const needed = target.at - Date.now() + 1;
      if (needed > deps.clock.offset) {
        deps.clock.offset = needed;
        deps.clock.history.push({ since: Date.now(), offset: needed });
      }
      // The earliest on Greenlight's clock (what timers.fireNext() picks, but aware of earlier time travel).
      const job = await timers.queue.getJob(target.id);
      if (!job) throw new Error(`no timer ${target.id}`);
      await job.promote();
      return { ok: true, fired: { id: target.id, name: target.name, at: new Date(target.at).toISOString() } };
    }),
  );

  return router;
}
