/**
 * Bolt wiring: HTTP on /slack/events (signature and timestamp checked by Bolt's receiver) or Socket Mode,
 * one middleware that drops deliveries already handled, the listeners, and one error boundary.
 */
import { App, ExpressReceiver } from '@slack/bolt';
import type { App as BoltApp } from '@slack/bolt';

/** Bolt's extended error handler (the last overload of App.error), which also receives the request body. */
type ExtendedErrorHandler = Parameters<BoltApp['error']>[0];
import type { Application } from 'express';
import type { Env } from '../config';
import { markDelivery } from '../db/release.repo';
import { boltLogger } from '../logger';
import type { InFlight } from '../inflight';
import type { Deps } from '../usecases/deps';
import { AppError } from '../usecases/errors';
import { SlackCallError } from '../notifier/notifier';
import { AfterAckLane, ackFirst, refuseWhenFull } from './ack-first';
import type { LaneLimits } from './ack-first';
import { registerCardActions } from './listeners/actions/card.actions';
import { registerScheduleActions } from './listeners/actions/schedule.actions';
import { registerDeployActions } from './listeners/actions/deploy.actions';
import { registerReviewActions } from './listeners/actions/review.actions';
import { registerFreezeHandlers } from './listeners/actions/freeze.actions';
import { registerWindowsHandlers } from './listeners/actions/windows.actions';
import { registerReleaseCommand } from './listeners/commands/release.command';
import { registerHomeEvents } from './listeners/events/home.events';
import { registerViewSubmissions } from './listeners/views/submissions';
import { SlackRouter } from './router';
import { DELIVERY_KEY_PROPERTY, deliveryKey } from './delivery-key';
import { userOf } from './surface';

export interface SlackSurface {
  app: BoltApp;
  /** Where listeners' work waits after their ack (src/slack/ack-first.ts). */
  lane: AfterAckLane;
  /** How much work may run and wait after acks; beyond both, deliveries are refused. */
  limits: LaneLimits;
  /** A delivery was refused before it reached Bolt (the Slack front's 503): counted and logged like the lane's own. */
  refused(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Slack refused to open or push a modal because its trigger_id was too old (3 s), already used or not valid. */
function staleTrigger(err: unknown): boolean {
  return (
    err instanceof SlackCallError &&
    (err.method === 'views.open' || err.method === 'views.push') &&
    ['expired_trigger_id', 'invalid_trigger_id', 'exchanged_trigger_id', 'trigger_id'].includes(err.slackError)
  );
}

export function createSlackApp(opts: {
  env: Env;
  deps: Deps;
  http: Application;
  onRefused?: () => void;
  lane?: LaneLimits;
  /** Tracks each listener until it finishes, work after its ack included (shutdown waits for them). */
  inflight: InFlight;
}): SlackSurface {
  const { env, deps } = opts;
  const logger = boltLogger(deps.logger);
  // Acknowledge at once; the rest of each listener waits its turn, behind the acks of requests that arrived meanwhile.
  const lane = new AfterAckLane(opts.lane);
  const onRefused = () => {
    opts.onRefused?.();
    if (lane.refused % 100 === 1) deps.logger.warn({ refused: lane.refused, waiting: lane.backlog, active: lane.active }, 'Slack delivery refused: too much work waiting');
  };
  // Bolt's own client only verifies the token at start; the notifier makes every other call. Bolt's conversation
  // store (convoStore) is off: no listener reads it, and it cost a lookup and a promise on every delivery.
  const clientOptions = { slackApiUrl: env.slackApiUrl, retryConfig: { retries: 2, maxTimeout: 2_000 } };
  let app: BoltApp;
  if (env.mode === 'socket') {
    app = new App({
      token: env.slackBotToken ?? '',
      appToken: env.slackAppToken ?? '',
      signingSecret: env.slackSigningSecret ?? undefined,
      socketMode: true,
      logger,
      clientOptions,
      deferInitialization: true,
      extendedErrorHandler: true,
      convoStore: false,
    });
  } else {
    opts.http.use('/slack/events', refuseWhenFull(lane, onRefused));
    const receiver = new ExpressReceiver({
      signingSecret: env.slackSigningSecret ?? '',
      endpoints: '/slack/events',
      app: opts.http,
      logger,
      processBeforeResponse: false,
      // Bolt answers 401 for a bad signature or a timestamp older than five minutes.
    });
    app = new App({ token: env.slackBotToken ?? '', receiver, logger, clientOptions, deferInitialization: true, extendedErrorHandler: true, convoStore: false });
  }

  ackFirst(app, lane, env.mode === 'socket' ? onRefused : undefined);

  // Exactly once: a retried event (X-Slack-Retry-Num) or a replayed request is acknowledged and dropped.
  app.use(async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    // (the Slack front hashed the raw body on its own thread already; Socket Mode's deliveries are hashed here)
    const given: unknown = args.context[DELIVERY_KEY_PROPERTY];
    const key = typeof given === 'string' ? given : deliveryKey(body);
    const fresh = markDelivery(deps.db, key, deps.now());
    if (!fresh) {
      deps.logger.info({ key, retry: args.context.retryNum ?? null }, 'duplicate Slack delivery ignored');
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await args.next();
  });

  // Each delivery goes straight to its one listener (src/slack/router.ts), not through Bolt's per-listener fan-out.
  const router = new SlackRouter();
  app.use(async ({ next }) => {
    await opts.inflight.track(next());
  });
  registerReleaseCommand(router, deps);
  registerCardActions(router, deps);
  registerViewSubmissions(router, deps);
  registerScheduleActions(router, deps);
  registerDeployActions(router, deps);
  registerReviewActions(router, deps);
  registerFreezeHandlers(router, deps);
  registerWindowsHandlers(router, deps);
  registerHomeEvents(router, deps);
  app.use(router.middleware());

  // The one error boundary: coded errors become a private explanation to the person, anything else an apology;
  // both are logged. (Modal input errors are answered inline by the listeners themselves.)
  const onError: ExtendedErrorHandler = async ({ error, body }) => {
    const original = (error as { original?: unknown }).original ?? error;
    const coded = original instanceof AppError;
    const stale = !coded && staleTrigger(original);
    if (coded) deps.logger.warn({ code: original.code, err: original.message }, 'request refused');
    else if (stale) deps.logger.warn({ err: (original as Error).message }, 'Slack would not open the modal: its trigger_id was expired or not valid');
    else deps.logger.error({ err: (original as Error).message, stack: (original as Error).stack }, 'unhandled error in a Slack listener');
    const b = (body ?? {}) as { response_url?: string; event?: unknown };
    const user = userOf(body);
    if (!user || b.event) return;
    const text = coded
      ? `:warning: ${original.message}`
      : stale
        ? ":warning: Slack's 3-second window to open the form passed; run the command or press the button again."
        : ':warning: Something went wrong on our side; nothing was changed by that click. It has been logged — please try again.';
    try {
      if (b.response_url) await deps.slack.respond(b.response_url, { text });
      else await deps.slack.dm(user, { text });
    } catch {
      /* already logged above */
    }
  };
  app.error(onError);

  return {
    app,
    lane,
    limits: lane.limits,
    refused: () => {
      lane.countRefusal();
      onRefused();
    },
    start: async () => {
      await app.init();
      if (env.mode === 'socket') await app.start();
    },
    stop: async () => {
      if (env.mode === 'socket') await app.stop();
    },
  };
}
