/**
 * BullMQ timing. Redis only says *when*: on start, whenever the Redis connection comes back, and whenever the
 * sentinel key has vanished (a FLUSHALL, an evicting Redis), every pending timer is re-derived from SQLite.
 * Job ids are deterministic, so re-adding an existing timer changes nothing.
 *
 * Redis being away never holds up a request: the queue's connection fails fast (no offline queue, in-flight commands
 * given up after one reconnect attempt), `syncRelease` skips while Redis is away, and the reconnect rebuild re-derives
 * whatever was missed. A job that fails for good is removed (BullMQ would ignore re-adding its id while it was kept)
 * and its release is re-synced after a back-off, so a timer SQLite still calls for is tried again.
 */
import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobName, TimerSpec } from './jobs';
import { QUEUE_NAME, isJobName, parsePayload, timerId } from './jobs';

export interface TimerPort {
  add(spec: TimerSpec): Promise<void>;
  /** Re-derive and add every timer one release needs now. */
  syncRelease(releaseId: number): Promise<void>;
  /** Removes a repeating timer (a job scheduler) by its timer id. */
  removeRepeating?(id: string): Promise<void>;
}

export type Processor = (name: JobName, payload: unknown, job: Job) => Promise<void>;

export interface TimersOptions {
  redisUrl: string;
  prefix?: string;
  logger: Logger;
  now?: () => number;
  /** How often to check that Redis still holds our timers (ms). */
  reconcileEveryMs?: number;
  /** Run a worker in this process. */
  runWorker?: boolean;
  concurrency?: number;
  /** Every timer that should exist now, from the database. */
  deriveAll: () => Promise<TimerSpec[]>;
  deriveRelease: (releaseId: number) => Promise<TimerSpec[]>;
  process: Processor;
  digest?: { pattern: string; tz: string } | null;
  /** A job threw (for metrics); `final` when it has no attempt left. */
  onFailed?: (name: string, final: boolean) => void;
  /** First back-off before re-deriving the timers of a job that failed for good (doubles per failure, up to 30 min). */
  resyncAfterFailMs?: number;
}

const LOOKAHEAD_MS = 2_000;
const LOOKAHEAD_EVERY_MS = 1_000;
/** BullMQ's delayed-set score is the due time in ms times this, plus a counter below it. */
const DELAYED_SCORE = 0x1000;

const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600 },
  // Removed when it fails for good: a kept failed job would make every later add of its (deterministic) id a no-op,
  // so a timer SQLite still calls for could never be re-derived. The failure is logged and counted instead.
  removeOnFail: true,
} as const;

const RESYNC_AFTER_FAIL_MS = 5_000;
const RESYNC_MAX_MS = 30 * 60_000;
/** After this many final failures of the same timer its re-derivation stops (logged as an error): it can't succeed. */
const RESYNC_MAX_FAILURES = 3;

export class Timers implements TimerPort {
  readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly connection: Redis;
  private readonly workerConnection: Redis | null;
  private readonly prefix: string;
  private readonly sentinel: string;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private lookaheadTimer: NodeJS.Timeout | null = null;
  /** In-process wake-ups for delayed jobs due within LOOKAHEAD_MS (Redis wakes blocked clients only every 1/hz s). */
  private readonly armed = new Map<string, NodeJS.Timeout>();
  private rebuilding: Promise<number> | null = null;
  private closed = false;
  private wasDisconnected = false;
  /** Re-syncs waiting out their back-off after a job failed for good, and how often each key has failed in a row. */
  private readonly resyncs = new Set<NodeJS.Timeout>();
  private readonly finalFailures = new Map<string, number>();
  /** Job schedulers whose removal Redis was away for: removed on the next rebuild unless the database wants them. */
  private readonly staleSchedulers = new Set<string>();
  rebuilds = 0;

  constructor(private readonly opts: TimersOptions) {
    this.prefix = opts.prefix ?? 'greenlight';
    this.sentinel = `${this.prefix}:timers:built`;
    // Fail fast while Redis is away (BullMQ's "failing fast when Redis is down"): request paths await timer syncs.
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.connection.on('error', () => {
      /* logged by the readiness probe; ioredis retries */
    });
    this.connection.on('close', () => {
      this.wasDisconnected = true;
    });
    this.connection.on('ready', () => {
      if (this.wasDisconnected && !this.closed) {
        this.wasDisconnected = false;
        this.opts.logger.info('Redis is back: re-deriving timers from the database');
        void this.rebuildAfterReconnect();
      }
    });
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.prefix });
    this.queue.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'queue error'));
    this.workerConnection = opts.runWorker === false ? null : new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection?.on('error', () => undefined);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Whether the queue's Redis connection is up (timer syncs are skipped, and re-derived on reconnect, while not). */
  get redisReady(): boolean {
    return this.connection.status === 'ready';
  }

  private failureKey(job: Job): string {
    const data: unknown = job.data;
    const releaseId = typeof data === 'object' && data !== null && 'releaseId' in data ? data.releaseId : undefined;
    return typeof releaseId === 'number' ? `${job.name}:release-${releaseId}` : `${job.name}:${job.id ?? ''}`;
  }

  /**
   * A job failed for good (BullMQ removed it): after a back-off, re-derive what its release needs (everything, for a
   * job without one), so a timer the database still calls for is added again. Jobs of a job scheduler are skipped:
   * the scheduler makes the next one.
   */
  private resyncAfterFinalFailure(job: Job): void {
    if (this.closed || job.repeatJobKey) return;
    const key = this.failureKey(job);
    const failures = (this.finalFailures.get(key) ?? 0) + 1;
    this.finalFailures.set(key, failures);
    if (failures > RESYNC_MAX_FAILURES) {
      // (a timer that failed every attempt of every round is not retried for ever; the next start or reconnect rebuild
      // tries it again)
      this.opts.logger.error({ job: job.id, name: job.name, failures }, 'timer job keeps failing: not re-derived again until the next rebuild');
      return;
    }
    const delay = Math.min((this.opts.resyncAfterFailMs ?? RESYNC_AFTER_FAIL_MS) * 2 ** (failures - 1), RESYNC_MAX_MS);
    const data: unknown = job.data;
    const releaseId = typeof data === 'object' && data !== null && 'releaseId' in data && typeof data.releaseId === 'number' ? data.releaseId : null;
    this.opts.logger.warn({ job: job.id, name: job.name, failures, retryInMs: delay }, 'timer job failed for good: its timers are re-derived after a back-off');
    const t = setTimeout(() => {
      this.resyncs.delete(t);
      if (this.closed) return;
      if (releaseId !== null) void this.syncRelease(releaseId);
      else void this.rebuild().catch((err: unknown) => this.opts.logger.warn({ err: (err as Error).message }, 'timer rebuild failed'));
    }, delay);
    t.unref();
    this.resyncs.add(t);
  }

  async start(): Promise<void> {
    if (this.workerConnection) {
      this.worker = new Worker(
        QUEUE_NAME,
        async (job) => {
          if (!isJobName(job.name)) throw new Error(`unknown job ${job.name}`);
          parsePayload(job.name, job.data);
          await this.opts.process(job.name, job.data, job);
        },
        { connection: this.workerConnection, prefix: this.prefix, concurrency: this.opts.concurrency ?? 4, lockDuration: 30_000 },
      );
      this.worker.on('failed', (job, err) => {
        const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
        this.opts.onFailed?.(job?.name ?? 'unknown', final);
        this.opts.logger.warn({ job: job?.id, name: job?.name, err: err.message }, 'timer job failed');
        if (job && final) this.resyncAfterFinalFailure(job);
      });
      this.worker.on('completed', (job) => {
        if (this.finalFailures.size > 0) this.finalFailures.delete(this.failureKey(job));
      });
      this.worker.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'worker error'));
    }
    await this.rebuild();
    const every = this.opts.reconcileEveryMs ?? 15_000;
    this.reconcileTimer = setInterval(() => void this.reconcile(), every);
    if (this.worker) {
      this.lookaheadTimer = setInterval(() => void this.lookahead(), LOOKAHEAD_EVERY_MS);
      this.lookaheadTimer.unref();
    }
    this.reconcileTimer.unref();
  }

  /** Re-derives everything when the sentinel is gone (Redis lost our data). */
  async reconcile(): Promise<boolean> {
    if (this.closed || this.connection.status !== 'ready') return false;
    try {
      const exists = await this.connection.exists(this.sentinel);
      if (exists) return false;
      this.opts.logger.warn('timers are missing from Redis: re-deriving them from the database');
      await this.rebuild();
      return true;
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'timer reconcile failed');
      return false;
    }
  }

  /**
   * The rebuild after Redis came back. One already running may have started before the drop and fail with it: then
   * it is tried again (while the connection is up; a new drop brings a new reconnect rebuild).
   */
  private async rebuildAfterReconnect(attempt = 1): Promise<void> {
    try {
      // (a rebuild already under way may predate the drop: wait for it, then make sure one runs after the reconnect)
      if (this.rebuilding) await this.rebuilding.catch(() => undefined);
      await this.rebuild();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message, attempt }, 'timer rebuild after a Redis reconnect failed');
      if (this.closed || this.connection.status !== 'ready' || attempt >= 5) {
        this.wasDisconnected = true;
        return;
      }
      const t = setTimeout(() => {
        this.resyncs.delete(t);
        if (!this.closed) void this.rebuildAfterReconnect(attempt + 1);
      }, 1_000 * attempt);
      t.unref();
      this.resyncs.add(t);
    }
  }

  /** Adds every timer the database calls for. Safe to run at any time and concurrently with itself. */
  rebuild(): Promise<number> {
    if (this.rebuilding) return this.rebuilding;
    this.rebuilding = (async () => {
      try {
        // (the connection fails fast: wait for it at start-up instead of failing the first commands)
        await this.queue.waitUntilReady();
        const specs = await this.opts.deriveAll();
        await this.addMany(specs);
        const wanted = new Set(specs.filter((s) => s.every !== undefined).map((s) => timerId(s)));
        for (const id of [...this.staleSchedulers]) {
          if (!wanted.has(id)) await this.queue.removeJobScheduler(id);
          this.staleSchedulers.delete(id);
        }
        if (this.opts.digest) {
          await this.queue.upsertJobScheduler('morning-digest', { pattern: this.opts.digest.pattern, tz: this.opts.digest.tz }, { name: 'digest', data: {} });
        }
        await this.connection.set(this.sentinel, String(this.now()));
        this.rebuilds += 1;
        return specs.length;
      } finally {
        this.rebuilding = null;
      }
    })();
    return this.rebuilding;
  }

  async add(spec: TimerSpec): Promise<void> {
    if (spec.every !== undefined) {
      // Upserting a scheduler with the same id and interval changes nothing, so re-deriving is harmless.
      await this.queue.upsertJobScheduler(timerId(spec), { every: spec.every }, { name: spec.name, data: spec.payload, opts: { removeOnComplete: true, removeOnFail: { age: 3_600 } } });
      return;
    }
    const delay = Math.max(0, spec.at - this.now());
    await this.queue.add(spec.name, spec.payload, { ...JOB_OPTIONS, jobId: timerId(spec), delay });
    if (delay > 0 && delay <= LOOKAHEAD_MS) this.arm(timerId(spec), Date.now() + delay);
  }

  async removeRepeating(id: string): Promise<void> {
    try {
      if (!this.redisReady) throw new Error('Redis is not connected');
      await this.queue.removeJobScheduler(id);
      this.staleSchedulers.delete(id);
    } catch (err) {
      // Not held up by Redis being away: the next rebuild (on reconnect) removes it unless the database wants it.
      this.staleSchedulers.add(id);
      this.opts.logger.warn({ id, err: (err as Error).message }, 'could not remove a repeating timer (retried when Redis is back)');
    }
  }

  /**
   * Precision: BullMQ wakes a worker for a delayed job through a Redis blocking timeout, which Redis only checks
   * every 1/hz seconds (100 ms by default), so timers fire ~50 ms late on average. For jobs due within the next
   * LOOKAHEAD_MS we also keep an in-process timer that promotes the job at its due time. Promoting a job BullMQ
   * already moved is a harmless no-op; the job still runs once.
   */
  private arm(jobId: string, dueRealMs: number): void {
    if (!this.worker || this.closed || this.armed.has(jobId)) return;
    const t = setTimeout(() => {
      this.armed.delete(jobId);
      void this.queue
        .getJob(jobId)
        .then(async (job) => {
          if (job && (await job.isDelayed())) await job.promote();
        })
        .catch(() => undefined);
    }, Math.max(0, dueRealMs - Date.now()));
    t.unref();
    this.armed.set(jobId, t);
  }

  private async lookahead(): Promise<void> {
    if (this.closed || this.connection.status !== 'ready') return;
    try {
      // BullMQ keeps delayed jobs in a sorted set scored by due time × 0x1000 plus a counter
      // (commands/includes/getDelayedScore.lua): the ids due before the horizon are one ZRANGEBYSCORE, without reading
      // the jobs. (Reading the first 200 delayed jobs every second, as this did, was a burst of decoding on the loop
      // that acknowledges Slack requests.) Should that encoding change, the jobs still run, only less precisely.
      const key = this.queue.keys.delayed;
      if (!key) return;
      const horizon = Date.now() + LOOKAHEAD_MS;
      const due = await this.connection.zrangebyscore(key, '-inf', horizon * DELAYED_SCORE + (DELAYED_SCORE - 1), 'WITHSCORES', 'LIMIT', 0, 200);
      for (let i = 0; i + 1 < due.length; i += 2) {
        const id = due[i];
        const at = Math.floor(Number(due[i + 1]) / DELAYED_SCORE);
        if (id && Number.isFinite(at)) this.arm(id, at);
      }
    } catch {
      /* the next round tries again; BullMQ still runs the jobs, only less precisely */
    }
  }

  /** Adds many timers in bulk (one round trip per chunk); repeating ones one by one. */
  async addMany(specs: readonly TimerSpec[]): Promise<void> {
    const now = this.now();
    const once = specs.filter((s) => s.every === undefined);
    for (const spec of specs) if (spec.every !== undefined) await this.add(spec);
    for (let i = 0; i < once.length; i += 500) {
      await this.queue.addBulk(
        once.slice(i, i + 500).map((spec) => ({
          name: spec.name,
          data: spec.payload,
          opts: { ...JOB_OPTIONS, jobId: timerId(spec), delay: Math.max(0, spec.at - now) },
        })),
      );
    }
  }

  async syncRelease(releaseId: number): Promise<void> {
    if (!this.redisReady) {
      // Never wait for Redis on a request path: the rebuild when it is back re-derives this release's timers.
      this.opts.logger.warn({ release: releaseId }, 'Redis is away: timers are re-derived when it is back');
      return;
    }
    try {
      for (const spec of await this.opts.deriveRelease(releaseId)) await this.add(spec);
    } catch (err) {
      this.opts.logger.warn({ release: releaseId, err: (err as Error).message }, 'could not set timers (they are re-derived on reconnect)');
    }
  }

  /** Jobs waiting or delayed, for /metrics and tests. */
  async pending(): Promise<{ id: string; name: string; at: number }[]> {
    const jobs = await this.queue.getJobs(['delayed', 'waiting', 'prioritized']);
    // BullMQ stamps jobs with the real clock; `at` is on Greenlight's clock (`now`), like TimerSpec.at.
    const skew = this.now() - Date.now();
    return jobs.filter((j): j is Job => Boolean(j)).map((j) => ({ id: j.id ?? '', name: j.name, at: j.timestamp + (j.opts.delay ?? 0) + skew }));
  }

  /** Runs the earliest pending timer now (the sandbox's "time travel"). */
  async fireNext(): Promise<string | null> {
    const jobs = (await this.queue.getJobs(['delayed'])).filter((j): j is Job => Boolean(j));
    jobs.sort((a, b) => a.timestamp + (a.opts.delay ?? 0) - (b.timestamp + (b.opts.delay ?? 0)));
    const next = jobs[0];
    if (!next) return null;
    await next.promote();
    return next.id ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    if (this.lookaheadTimer) clearInterval(this.lookaheadTimer);
    for (const t of this.resyncs) clearTimeout(t);
    this.resyncs.clear();
    for (const t of this.armed.values()) clearTimeout(t);
    this.armed.clear();
    await this.worker?.close();
    await this.queue.close();
    this.connection.disconnect();
    this.workerConnection?.disconnect();
  }
}
