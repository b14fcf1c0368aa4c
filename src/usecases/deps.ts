import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Policy } from '../config';
import type { Notifier } from '../notifier/notifier';
import type { CardPublisher } from './card';

/** The policy the use cases work with. */
export type WorkflowPolicy = Policy;

export interface Deps {
  db: Db;
  now: () => number;
  policy: WorkflowPolicy;
  slack: Notifier;
  cards: CardPublisher;
  logger: Logger;
}
