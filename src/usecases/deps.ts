import type { InFlight } from '../inflight';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Policy } from '../config';
import type { Notifier } from '../notifier/notifier';
import type { TimerPort } from '../queue/timers';
import type { CardPublisher } from './card';
import type { HomeRefresher } from './home';
import type { Release } from '../db/release.repo';

/** The policy the use cases work with. */
export type WorkflowPolicy = Policy;

export interface Deps {
  db: Db;
  now: () => number;
  policy: WorkflowPolicy;
  slack: Notifier;
  cards: CardPublisher;
  timers: TimerPort;
  /** The deploy seam: what happens when a release's slot opens (webhooks, in the deploy capability). */
  deployments?: { onWindowOpen(release: Release): Promise<void> };
  /** `whsec_…` secret that signs outgoing deploy/rollback webhooks (GREENLIGHT_WEBHOOK_SECRET), or null. */
  webhookSecret?: string | null;
  /** App Home: publishes a Home when it is opened and re-publishes the Homes a release change concerns. */
  homes?: HomeRefresher;
  /** Work that follows a saved change without holding up its answer (src/usecases/background.ts); shutdown waits for it. */
  background?: InFlight;
  logger: Logger;
}
