/** Composition root: wires the database, Redis, notifier, use cases, Slack and HTTP into one running Greenlight. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import type { Env, Policy } from './config';
import { openDatabase } from './db/client';
import { pruneDeliveries } from './db/release.repo';
import type { DatabaseHandle } from './db/client';
import { apiRouter } from './http/api';
import { healthRouter } from './http/health';
import { Metrics } from './http/metrics';
import { openApiHandler } from './http/openapi';
import { requestLogging } from './http/request-log';
import { assertMigrationsApplied } from './db/migrations-check';
import { MIGRATIONS_DIR } from './db/client';
import { InFlight } from './inflight';
import { sendProblem } from './http/problem';
import type { Logger } from './logger';
import { createLogger } from './logger';
import type { PaceOptions } from './notifier/notifier';
import { Notifier, SlackCallError } from './notifier/notifier';
import { ReleaseEvents } from './queue/release-events';
import { Timers } from './queue/timers';
import type { LaneLimits } from './slack/ack-first';
import { createSlackApp } from './slack/app';
import type { SlackFront } from './slack/front';
import { DEFAULT_ENGINE_NICE, frontAvailable, lowerEnginePriority, startSlackFront } from './slack/front';
import { processTimer } from './usecases/timer-jobs';
import { deriveAllTimers, deriveReleaseTimers } from './usecases/timers';
import { CardPublisher } from './usecases/card';
import { deploymentsPort } from './usecases/deploy';
import type { Deps } from './usecases/deps';
import { HomePublisher } from './usecases/home';

/** How long a Slack delivery id is remembered (see pruneDeliveries). */
const DELIVERY_MEMORY_MS = 3_600_000;

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  pace?: PaceOptions;
  /** Listen address; defaults to all interfaces in production, tests pass 127.0.0.1. */
  host?: string;
  /** BullMQ key prefix (tests use their own) and how often to check Redis still holds the timers. */
  timers?: { prefix?: string; reconcileEveryMs?: number; runWorker?: boolean };
  /** Only the timer worker: no HTTP server, no Slack listeners (`npm run worker`). */
  workerOnly?: boolean;
  /** How much Slack work may run and wait after its ack (src/slack/ack-first.ts); tests make it small. */
  lane?: LaneLimits;
  /**
   * Over HTTP, a thread of its own owns the public port and acknowledges Slack's deliveries (src/slack/front/);
   * false serves everything from the engine's loop (the after-ack lane alone). Default true.
   */
  front?: boolean;
  /**
   * With the front, the engine's thread lowers its own CPU priority to this nice value, so that on a busy host the
   * front's thread (which only acknowledges) runs first (src/slack/front/index.ts). Default 5; null leaves it.
   */
  engineNice?: number | null;
  /** Mounts extra routes on the HTTP app before the 404 handler (the local sandbox UI uses it). */
  mount?: (http: express.Express, deps: Deps) => void;
}

export interface Greenlight {
  url: string;
  port: number;
  deps: Deps;
  database: DatabaseHandle;
  redis: Redis;
  timers: Timers;
  server: Server;
  /** The Slack front (HTTP mode): its thread owns the public port and `server` listens on loopback behind it. */
  front: SlackFront | null;
  metrics: Metrics;
  stop(): Promise<void>;
}

export async function startGreenlight(config: { env: Env; policy: Policy }, opts: StartOptions = {}): Promise<Greenlight> {
  const { env, policy } = config;
  const logger =
    opts.logger ??
    createLogger({ level: env.logLevel, secrets: [env.slackBotToken, env.slackSigningSecret, env.slackAppToken, env.apiToken, env.webhookSecret] });
  // WAL checkpoints on a thread of their own: a checkpoint inside a commit stalls the loop that acks Slack.
  const database = openDatabase(env.databasePath, { checkpoints: { onError: (message) => logger.warn({ component: 'sqlite' }, message) } });
  try {
    assertMigrationsApplied(database.sqlite, MIGRATIONS_DIR);
  } catch (err) {
    database.close();
    throw err;
  }
  const metrics = new Metrics({ now: opts.now ?? Date.now });
  const now = opts.now ?? Date.now;

  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
  let redisErrorLogged = false;
  redis.on('error', (err: Error) => {
    if (!redisErrorLogged) logger.warn({ err: err.message }, 'Redis is unreachable; retrying');
    redisErrorLogged = true;
  });
  redis.on('ready', () => {
    redisErrorLogged = false;
  });

  const slack = new Notifier(database.db, {
    token: env.slackBotToken ?? '',
    slackApiUrl: env.slackApiUrl,
    logger: logger.child({ component: 'notifier' }),
    now,
    onCall: metrics.slackCall,
    onRateLimited: metrics.rateLimited,
    ...(opts.pace ? { pace: opts.pace } : {}),
  });
  const cards = new CardPublisher({ db: database.db, policy, slack, logger, now });
  const hours = policy.reminders.businessHours;
  // One prefix for this deployment's Redis keys: its timers and the channel its processes share release changes on.
  const keyPrefix = opts.timers?.prefix ?? 'greenlight';
  const timers: Timers = new Timers({
    redisUrl: env.redisUrl,
    prefix: keyPrefix,
    logger: logger.child({ component: 'timers' }),
    now,
    runWorker: opts.timers?.runWorker ?? true,
    onFailed: metrics.jobFailed,
    ...(opts.timers?.reconcileEveryMs ? { reconcileEveryMs: opts.timers.reconcileEveryMs } : {}),
    deriveAll: () => deriveAllTimers(deps),
    deriveRelease: (id) => deriveReleaseTimers(deps, id),
    process: (name, payload) => processTimer(deps)(name, payload),
    digest: policy.channels.announcements
      ? { pattern: `${hours.start % 60} ${Math.floor(hours.start / 60)} * * ${hours.days.map((d) => d % 7).join(',')}`, tz: policy.timezone }
      : null,
  });
  const background = new InFlight();
  const deps: Deps = { db: database.db, now, policy, slack, cards, timers, logger, webhookSecret: env.webhookSecret, background };
  deps.deployments = deploymentsPort(deps);
  const homes = new HomePublisher(() => deps);
  deps.homes = homes;
  cards.onChange((id) => homes.releaseChanged(id));
  // Changes made here reach the Homes other processes know of, and theirs reach ours (src/queue/release-events.ts).
  const releaseEvents = new ReleaseEvents(redis, keyPrefix, (message) => logger.warn(message));
  cards.onChange((id) => releaseEvents.publish(id));

  metrics.watchQueue(timers.queue);
  metrics.countReleasesWith(() => database.sqlite.prepare('select state, count(*) as count from releases group by state').all() as { state: string; count: number }[]);

  const http = express();
  http.disable('x-powered-by');
  http.use(requestLogging(logger));
  http.get('/metrics', metrics.handler());
  http.use('/slack/events', metrics.ackTiming());
  // Listeners keep working after their ack (an approval being recorded, its card update queued): shutdown waits.
  const inflight = new InFlight();
  // Slack's endpoint first: every delivery passes the routes mounted before it
  const surface = createSlackApp({ env, deps, http, inflight, onRefused: metrics.slackRefused, ...(opts.lane ? { lane: opts.lane } : {}) });
  const health = healthRouter([
    { name: 'sqlite', check: async () => database.sqlite.prepare('select 1 as ok').get() !== undefined },
    { name: 'redis', check: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG' },
  ]);
  http.use(health);
  // The API description needs no token (it holds no data): src/http/openapi.ts.
  http.get('/api/v1/openapi.json', openApiHandler());
  http.use('/api/v1', apiRouter(deps, env.apiToken));
  metrics.countSlackBacklogWith(() => surface.lane.backlog);
  metrics.watchCheckpoints(() => database.checkpointer?.stats ?? null);
  opts.mount?.(http, deps);
  http.use((req, res) => sendProblem(res, { status: 404, detail: `No route ${req.method} ${req.path}.` }));

  await assertRedisAnswers(redis, env.redisUrl, logger);
  warnAboutWeakApiToken(env.apiToken, logger);
  await assertSlackAnswers(slack, env);
  if (!opts.workerOnly) await surface.start();
  // (a worker has no Homes to refresh: only processes that take Slack's deliveries know who opened theirs)
  if (!opts.workerOnly) await releaseEvents.subscribe((id) => homes.releaseChanged(id));
  await timers.start();
  // `npm run worker` serves only its probes and metrics (its queue, its failed jobs): no Slack, no API.
  const server = createServer(opts.workerOnly ? workerHttp(metrics, health) : http);
  // Over HTTP the Slack front's thread takes the public port and this server listens on loopback behind it.
  const withFront = env.mode === 'http' && !opts.workerOnly && (opts.front ?? true) && frontAvailable();
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (withFront) server.listen(0, '127.0.0.1', () => resolve());
    else server.listen(env.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  let front: SlackFront | null = null;
  if (withFront) {
    await listening;
    try {
      front = await startSlackFront({
        port: env.port,
        host: opts.host ?? '0.0.0.0',
        enginePort: (server.address() as AddressInfo).port,
        signingSecret: env.slackSigningSecret ?? '',
        surface,
        logger,
        metrics,
      });
      lowerEnginePriority(opts.engineNice === undefined ? DEFAULT_ENGINE_NICE : opts.engineNice, logger);
    } catch (err) {
      await closeServer(server, 1_000);
      await timers.close();
      releaseEvents.close();
      redis.disconnect();
      await database.checkpointer?.stop();
      database.close();
      throw err;
    }
  } else if (!opts.workerOnly) await listening;
  else {
    // A worker next to `npm start` on one host may find PORT taken: it runs on, without its metrics.
    await listening.catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      logger.warn({ port: env.port }, `PORT ${env.port} is in use: this worker serves no /metrics or /healthz; give it a PORT of its own`);
    });
  }
  const port = front ? front.port : server.listening ? (server.address() as AddressInfo).port : 0;
  logger.info({ port, mode: env.mode, workerOnly: opts.workerOnly ?? false }, opts.workerOnly ? 'Greenlight worker is running' : 'Greenlight is listening');

  // Delivery ids are only needed while Slack may still retry or a replay could still pass the signature check.
  const pruner = setInterval(() => {
    try {
      pruneDeliveries(database.db, now() - DELIVERY_MEMORY_MS);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not prune processed deliveries');
    }
  }, 10 * 60_000);
  pruner.unref();
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    database,
    redis,
    timers,
    server,
    front,
    metrics,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(pruner);
      // 1. Take no new requests; those being handled finish (keep-alive sockets close once idle).
      if (!opts.workerOnly) await surface.stop();
      await front?.stop();
      if (server.listening) await closeServer(server, 10_000);
      // 2. Slack listeners still working after their ack, 3. timer jobs running now (worker.close waits for them),
      // 4. the card updates and thread posts all of those queued, and only then 5. Redis and the database.
      if (!(await inflight.idle(15_000))) logger.warn('shutdown: Slack listeners still running after 15 s; stopping anyway');
      // (announcements and timers that follow a saved change, sent after its answer)
      if (!(await background.idle(10_000))) logger.warn('shutdown: work after a saved change still running after 10 s; stopping anyway');
      await timers.close();
      await cards.idle();
      releaseEvents.close();
      homes.close();
      await homes.idle();
      redis.disconnect();
      await database.checkpointer?.stop();
      database.close();
      logger.info('stopped');
    },
  };
}

/** The HTTP surface of `npm run worker`: `/metrics`, `/healthz`, `/readyz`, and problem+json 404s for the rest. */
function workerHttp(metrics: Metrics, health: express.Router): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metrics.handler());
  app.use(health);
  app.use((req, res) => sendProblem(res, { status: 404, detail: `No route ${req.method} ${req.path}: this is a timer worker (npm run worker).` }));
  return app;
}

/** Stops listening and resolves once in-flight requests have answered; after `graceMs` it drops what is left. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Start-up check: Redis answers, and warns when it may evict keys (timers would vanish; they are re-derived, but late). */
/** A token anyone could guess opens the API all the same (it is the operator's call), with a warning. */
export function warnAboutWeakApiToken(token: string | null, logger: Logger): void {
  if (token !== null && token.length < 16) {
    logger.warn(`GREENLIGHT_API_TOKEN is ${token.length} characters long: use a random one of at least 16, anyone who guesses it can use the API`);
  }
}

async function assertRedisAnswers(redis: Redis, url: string, logger: Logger): Promise<void> {
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
  const answered = await Promise.race([
    redis.ping().then(() => true, () => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref()),
  ]);
  if (!answered) {
    redis.disconnect();
    throw new Error(`REDIS_URL: nothing answers at ${safeUrl}; start Redis (redis-server) or point REDIS_URL at one`);
  }
  try {
    const res = (await redis.config('GET', 'maxmemory-policy')) as unknown;
    const policy = Array.isArray(res) ? String(res[1] ?? '') : '';
    if (policy && policy !== 'noeviction') {
      logger.warn({ maxmemoryPolicy: policy }, `Redis maxmemory-policy is "${policy}": set it to noeviction so timers are never evicted`);
    }
  } catch {
    /* CONFIG may be disabled on managed Redis */
  }
}

/** Start-up check: the bot token works against the Slack Web API (one clear line when it does not). */
async function assertSlackAnswers(slack: Notifier, env: Env): Promise<void> {
  try {
    await slack.authTest();
  } catch (err) {
    const code = err instanceof SlackCallError ? err.slackError : (err as Error).message;
    if (['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'].includes(code)) {
      throw new Error(`SLACK_BOT_TOKEN: Slack refused the token (${code})`, { cause: err });
    }
    throw new Error(`SLACK_API_URL: Slack did not answer auth.test at ${env.slackApiUrl} (${code})`, { cause: err });
  }
}
