/** Composition root: wires the database, Redis, notifier, use cases, Slack and HTTP into one running Greenlight. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import type { Env, Policy } from './config';
import { openDatabase } from './db/client';
import type { DatabaseHandle } from './db/client';
import { apiRouter } from './http/api';
import { healthRouter } from './http/health';
import { sendProblem } from './http/problem';
import type { Logger } from './logger';
import { createLogger } from './logger';
import type { PaceOptions } from './notifier/notifier';
import { Notifier, SlackCallError } from './notifier/notifier';
import { Timers } from './queue/timers';
import { createSlackApp } from './slack/app';
import { processTimer } from './usecases/timer-jobs';
import { deriveAllTimers, deriveReleaseTimers } from './usecases/timers';
import { CardPublisher } from './usecases/card';
import type { Deps } from './usecases/deps';

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
}

export interface Greenlight {
  url: string;
  port: number;
  deps: Deps;
  database: DatabaseHandle;
  redis: Redis;
  timers: Timers;
  server: Server;
  stop(): Promise<void>;
}

export async function startGreenlight(config: { env: Env; policy: Policy }, opts: StartOptions = {}): Promise<Greenlight> {
  const { env, policy } = config;
  const logger =
    opts.logger ??
    createLogger({ level: env.logLevel, secrets: [env.slackBotToken, env.slackSigningSecret, env.slackAppToken, env.apiToken, env.webhookSecret] });
  const database = openDatabase(env.databasePath);
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
    ...(opts.pace ? { pace: opts.pace } : {}),
  });
  const cards = new CardPublisher({ db: database.db, policy, slack, logger });
  const hours = policy.reminders.businessHours;
  const timers: Timers = new Timers({
    redisUrl: env.redisUrl,
    prefix: opts.timers?.prefix ?? 'greenlight',
    logger: logger.child({ component: 'timers' }),
    now,
    runWorker: opts.timers?.runWorker ?? true,
    ...(opts.timers?.reconcileEveryMs ? { reconcileEveryMs: opts.timers.reconcileEveryMs } : {}),
    deriveAll: () => deriveAllTimers(deps),
    deriveRelease: (id) => deriveReleaseTimers(deps, id),
    process: (name, payload, job) => processTimer(deps)(name, payload, job.attemptsMade),
    digest: policy.channels.announcements
      ? { pattern: `${hours.start % 60} ${Math.floor(hours.start / 60)} * * ${hours.days.map((d) => d % 7).join(',')}`, tz: policy.timezone }
      : null,
  });
  const deps: Deps = { db: database.db, now, policy, slack, cards, timers, logger };

  const http = express();
  http.disable('x-powered-by');
  http.use(
    healthRouter([
      { name: 'sqlite', check: async () => database.sqlite.prepare('select 1 as ok').get() !== undefined },
      { name: 'redis', check: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG' },
    ]),
  );
  http.use('/api/v1', apiRouter(deps, env.apiToken));
  const surface = createSlackApp({ env, deps, http });
  http.use((req, res) => sendProblem(res, { status: 404, detail: `No route ${req.method} ${req.path}.` }));

  await assertRedisAnswers(redis, env.redisUrl, logger);
  await assertSlackAnswers(slack, env);
  if (!opts.workerOnly) await surface.start();
  await timers.start();
  const server = createServer(http);
  if (!opts.workerOnly) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(env.port, opts.host ?? '0.0.0.0', () => resolve());
    });
  }
  const port = opts.workerOnly ? 0 : (server.address() as AddressInfo).port;
  logger.info({ port, mode: env.mode, workerOnly: opts.workerOnly ?? false }, opts.workerOnly ? 'Greenlight worker is running' : 'Greenlight is listening');

  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    database,
    redis,
    timers,
    server,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (server.listening) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      }
      if (!opts.workerOnly) await surface.stop();
      await timers.close();
      await cards.idle();
      redis.disconnect();
      database.close();
    },
  };
}

/** Start-up check: Redis answers, and warns when it may evict keys (timers would vanish; they are re-derived, but late). */
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
