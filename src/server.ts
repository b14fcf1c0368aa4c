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
import { Notifier } from './notifier/notifier';
import { createSlackApp } from './slack/app';
import { CardPublisher } from './usecases/card';
import type { Deps } from './usecases/deps';

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  pace?: PaceOptions;
  /** Listen address; defaults to all interfaces in production, tests pass 127.0.0.1. */
  host?: string;
}

export interface Greenlight {
  url: string;
  port: number;
  deps: Deps;
  database: DatabaseHandle;
  redis: Redis;
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
  const deps: Deps = { db: database.db, now, policy, slack, cards, logger };

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

  await surface.start();
  const server = createServer(http);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: env.mode }, 'Greenlight is listening');

  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    database,
    redis,
    server,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await surface.stop();
      await cards.idle();
      redis.disconnect();
      database.close();
    },
  };
}
