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
} as const;

export interface TimerSpec<N extends Exclude<JobName, 'digest'> = Exclude<JobName, 'digest'>> {
  name: N;
  payload: JobPayload<N>;
  /** When it should fire (epoch ms). */
  at: number;
  /** Part of the id for timers that repeat (a reminder's round). */
  round?: number;
}

export function timerId(spec: TimerSpec): string {
  const base = (jobIds[spec.name] as (p: unknown) => string)(spec.payload);
  return spec.round !== undefined ? `${base}-r${spec.round}` : base;
}

export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return jobSchemas[name].parse(data) as JobPayload<N>;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobSchemas, name);
}
