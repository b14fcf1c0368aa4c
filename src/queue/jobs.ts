/**
 * Every timer Greenlight sets, in one typed map: job names, zod payload schemas, and deterministic job ids built
 * from business keys, so adding the same timer twice is harmless. SQLite is the truth; these only say *when*.
 */
import { z } from 'zod';

export const QUEUE_NAME = 'greenlight-timers';

export const jobSchemas = {
  /** The chosen slot of a scheduled release begins. `at` pins the slot, so a rescheduled release ignores old jobs. */
  'window-start': z.object({ releaseId: z.number().int().positive(), at: z.number().int() }),
  /** An announcement before/at a slot: offset is ms before the slot (0 = start). */
  announce: z.object({ releaseId: z.number().int().positive(), at: z.number().int(), offset: z.number().int().nonnegative() }),
  /** Remind one approver of a stage that waits on them. */
  reminder: z.object({ releaseId: z.number().int().positive(), stageOpenedAt: z.number().int(), userId: z.string() }),
  /** Tell the release managers a stage has waited too long. */
  escalate: z.object({ releaseId: z.number().int().positive(), stageOpenedAt: z.number().int() }),
  /** A break-glass override ends. */
  'override-expire': z.object({ overrideId: z.number().int().positive(), releaseId: z.number().int().positive() }),
  /** One outgoing deploy/rollback webhook delivery; BullMQ retries it with backoff. `key` names the delivery. */
  'deploy-webhook': z.object({ releaseId: z.number().int().positive(), type: z.enum(['deploy', 'rollback']), key: z.string().min(1).max(100) }),
  /** Probe a monitored release's health check (a job scheduler, every monitoring.check_every). */
  'health-probe': z.object({ releaseId: z.number().int().positive() }),
  /** The monitoring watch of a release ends. */
  'monitor-end': z.object({ releaseId: z.number().int().positive(), at: z.number().int() }),
  /** The rollback window of a released release closes (`rollback.offer_for` after release): its card drops Roll back. */
  'rollback-offer-end': z.object({ releaseId: z.number().int().positive(), at: z.number().int() }),
  /** Open the post-release review thread. */
  'review-open': z.object({ releaseId: z.number().int().positive() }),
  /** Remind review participants who have not answered (once). */
  'review-remind': z.object({ releaseId: z.number().int().positive() }),
  /** An action item is due: DM its owner. */
  'action-due': z.object({ itemId: z.number().int().positive() }),
  /**
   * A freeze edge: `end`, a freeze ends at `at`; `ahead`, a freeze comes within the card's look-ahead at `at`. The
   * cards of the open releases its services concern are re-rendered. One timer per edge time, whatever freezes share it.
   */
  'freeze-edge': z.object({ edge: z.enum(['end', 'ahead']), at: z.number().int() }),
  /** Morning digest (a job scheduler, daily in the policy time zone). */
  digest: z.object({}).optional(),
} as const;

export type JobName = keyof typeof jobSchemas;
export type JobPayload<N extends JobName> = z.infer<(typeof jobSchemas)[N]>;

/** Deterministic ids: the same business event always has the same id. */
export const jobIds = {
  'window-start': (p: JobPayload<'window-start'>) => `release-${p.releaseId}-window-start-${p.at}`,
  announce: (p: JobPayload<'announce'>) => `release-${p.releaseId}-announce-${p.offset}-${p.at}`,
  reminder: (p: JobPayload<'reminder'>) => `release-${p.releaseId}-reminder-${p.stageOpenedAt}-${p.userId}`,
  escalate: (p: JobPayload<'escalate'>) => `release-${p.releaseId}-escalate-${p.stageOpenedAt}`,
  'override-expire': (p: JobPayload<'override-expire'>) => `override-${p.overrideId}-expire`,
  'deploy-webhook': (p: JobPayload<'deploy-webhook'>) => `release-${p.releaseId}-webhook-${p.type}-${p.key}`,
  'health-probe': (p: JobPayload<'health-probe'>) => `release-${p.releaseId}-health-probe`,
  'monitor-end': (p: JobPayload<'monitor-end'>) => `release-${p.releaseId}-monitor-end-${p.at}`,
  'rollback-offer-end': (p: JobPayload<'rollback-offer-end'>) => `release-${p.releaseId}-rollback-offer-end-${p.at}`,
  'review-open': (p: JobPayload<'review-open'>) => `release-${p.releaseId}-review-open`,
  'review-remind': (p: JobPayload<'review-remind'>) => `release-${p.releaseId}-review-remind`,
  'action-due': (p: JobPayload<'action-due'>) => `action-item-${p.itemId}-due`,
  'freeze-edge': (p: JobPayload<'freeze-edge'>) => `freeze-${p.edge}-${p.at}`,
} as const;

export interface TimerSpec<N extends Exclude<JobName, 'digest'> = Exclude<JobName, 'digest'>> {
  name: N;
  payload: JobPayload<N>;
  /** When it should fire (epoch ms). */
  at: number;
  /** Part of the id for timers that repeat (a reminder's round). */
  round?: number;
  /** A repeating timer (a BullMQ job scheduler with the timer's id) every this many ms, from `at` on. */
  every?: number;
}

export function timerId(spec: TimerSpec): string {
  const base = (jobIds[spec.name] as (p: unknown) => string)(spec.payload);
  const id = spec.round !== undefined ? `${base}-r${spec.round}` : base;
  // A reminder's time moves without a new round (snooze, outside business hours), and a review's moves to now when
  // an issue makes it required: the time is part of their ids, so the moved timer is added even while the old job
  // still exists (BullMQ ignores an add with an existing id). The old one, when it comes, finds the work done.
  return spec.name === 'reminder' || spec.name === 'review-open' ? `${id}-at${spec.at}` : id;
}

export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return jobSchemas[name].parse(data) as JobPayload<N>;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobSchemas, name);
}
