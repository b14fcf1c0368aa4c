/**
 * Prometheus metrics (`GET /metrics`, text exposition format). One Registry per running Greenlight, so tests can
 * run several in one process. Counters and the ack histogram are fed as things happen (the /slack/events
 * middleware, the notifier's onCall/onRateLimited hooks, the timer worker's failures); queue depth, queue lag
 * and releases by state are read when Prometheus scrapes, with a short timeout so a down Redis never hangs a scrape.
 *
 * The endpoint is unauthenticated, as usual for Prometheus targets: it exposes counts and timings, never
 * release contents or people. Keep port 3000 off the public internet except for /slack/events and /api/v1.
 */
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from '../util/timeout';
import type { CheckpointStats } from '../db/checkpointer';
import { surfaceOf } from '../slack/surface';

/** Slack method names only (`chat.postMessage`), so a label can never carry anything else. */
function methodLabel(method: string): string {
  const m = /([A-Za-z]+(?:\.[A-Za-z]+)+)/.exec(method);
  return m?.[1] ?? 'unknown';
}


const JOB_STATES = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

interface QueueReading {
  name: string;
  counts: Record<string, number>;
  lagSeconds: number;
}

export interface MetricsOptions {
  /** process_* and nodejs_* metrics (on by default). */
  defaultMetrics?: boolean;
  /** How long a scrape waits for Redis or SQLite before reporting what it has (ms). */
  collectTimeoutMs?: number;
  now?: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly ackSeconds: Histogram<'surface' | 'status'>;
  readonly slackCalls: Counter<'method' | 'outcome' | 'error'>;
  readonly slackRateLimited: Counter<'method'>;
  readonly slackRetryAfterSeconds: Counter<'method'>;
  readonly jobFailures: Counter<'job' | 'final'>;
  readonly collectErrors: Counter<'collector'>;
  readonly slackRefusedCount: Counter;
  private readonly queues: Queue[] = [];
  private queueRead: Promise<QueueReading[]> | null = null;
  private releaseCounts: (() => { state: string; count: number }[]) | null = null;
  private slackBacklog: (() => number) | null = null;
  private checkpoints: (() => CheckpointStats | null) | null = null;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(opts: MetricsOptions = {}) {
    this.timeoutMs = opts.collectTimeoutMs ?? 1_000;
    this.now = opts.now ?? Date.now;
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.ackSeconds = new Histogram({
      name: 'greenlight_slack_ack_seconds',
      help: 'Time from a Slack request arriving at /slack/events to the HTTP response finishing (Slack allows 3 s), by surface.',
      labelNames: ['surface', 'status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers,
    });
    this.slackCalls = new Counter({
      name: 'greenlight_slack_api_calls_total',
      help: 'Slack Web API calls made by the notifier, by method and outcome (ok | error, with Slack\'s error code).',
      labelNames: ['method', 'outcome', 'error'],
      registers,
    });
    this.slackRateLimited = new Counter({
      name: 'greenlight_slack_rate_limited_total',
      help: 'Slack answers of 429 (rate limited); each is retried after Retry-After.',
      labelNames: ['method'],
      registers,
    });
    this.slackRetryAfterSeconds = new Counter({
      name: 'greenlight_slack_retry_after_seconds_total',
      help: 'Seconds Slack asked Greenlight to wait (Retry-After) before retrying.',
      labelNames: ['method'],
      registers,
    });
    this.jobFailures = new Counter({
      name: 'greenlight_job_failures_total',
      help: 'Timer jobs that threw, by job name; final="true" when no attempt is left.',
      labelNames: ['job', 'final'],
      registers,
    });
    this.collectErrors = new Counter({
      name: 'greenlight_metrics_collect_errors_total',
      help: 'Scrapes where a collector (queue, releases) could not read its source in time.',
      labelNames: ['collector'],
      registers,
    });
    this.slackRefusedCount = new Counter({
      name: 'greenlight_slack_refused_total',
      help: 'Slack deliveries refused (HTTP 503 + Retry-After, or left unacknowledged over Socket Mode) because too much acknowledged work was waiting (src/slack/ack-first.ts).',
      registers,
    });
    // Collected on scrape (arrow functions: `this` stays the Metrics).
    const queueJobs = new Gauge({
      name: 'greenlight_queue_jobs',
      help: 'Jobs in each BullMQ queue by state.',
      labelNames: ['queue', 'state'],
      registers,
      collect: async () => {
        queueJobs.reset();
        for (const q of await this.readQueues()) for (const [state, n] of Object.entries(q.counts)) queueJobs.set({ queue: q.name, state }, n);
      },
    });
    const queueLag = new Gauge({
      name: 'greenlight_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job that is due but not yet picked up (0 when none wait): the queue lag.',
      labelNames: ['queue'],
      registers,
      collect: async () => {
        queueLag.reset();
        for (const q of await this.readQueues()) queueLag.set({ queue: q.name }, q.lagSeconds);
      },
    });
    const backlog = new Gauge({
      name: 'greenlight_slack_work_backlog',
      help: 'Slack deliveries acknowledged whose work waits for its turn (src/slack/ack-first.ts); growing means more work than the process keeps up with.',
      registers,
      collect: () => {
        backlog.set(this.slackBacklog?.() ?? 0);
      },
    });
    const walFrames = new Gauge({
      name: 'greenlight_sqlite_wal_frames',
      help: "SQLite's write-ahead log at the last checkpoint (src/db/checkpointer.ts): frames in it, and frames copied back into the database.",
      labelNames: ['state'],
      registers,
      collect: () => {
        const stats = this.checkpoints?.();
        if (!stats) return;
        walFrames.set({ state: 'in_log' }, stats.log);
        walFrames.set({ state: 'checkpointed' }, stats.checkpointed);
      },
    });
    const checkpointThread = new Gauge({
      name: 'greenlight_sqlite_checkpoint_thread_up',
      help: '1 while WAL checkpoints run on their own thread; 0 once it failed and SQLite checkpoints inside commits again.',
      registers,
      collect: () => {
        const stats = this.checkpoints?.();
        if (stats) checkpointThread.set(stats.running ? 1 : 0);
      },
    });
    const releases = new Gauge({
      name: 'greenlight_releases',
      help: 'Releases by state.',
      labelNames: ['state'],
      registers,
      collect: () => {
        this.collectReleases(releases);
      },
    });
  }

  /** Notifier `onCall` hook. */
  slackCall = (method: string, outcome: 'ok' | 'error', error?: string): void => {
    this.slackCalls.inc({ method: methodLabel(method), outcome, error: outcome === 'ok' ? '' : (error ?? 'unknown').slice(0, 64) });
  };

  /** Notifier `onRateLimited` hook. */
  rateLimited = (retryAfterSeconds: number, method: string): void => {
    const m = methodLabel(method);
    this.slackRateLimited.inc({ method: m });
    if (Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) this.slackRetryAfterSeconds.inc({ method: m }, retryAfterSeconds);
  };

  /** After-ack lane `onRefused` hook. */
  slackRefused = (): void => {
    this.slackRefusedCount.inc();
  };

  /** Timers `onFailed` hook. */
  jobFailed = (name: string, final: boolean): void => {
    this.jobFailures.inc({ job: name, final: String(final) });
  };

  watchQueue(queue: Queue): void {
    this.queues.push(queue);
  }

  /** What `greenlight_slack_work_backlog` reports. */
  countSlackBacklogWith(fn: () => number): void {
    this.slackBacklog = fn;
  }

  /** What the `greenlight_sqlite_*` gauges report (nothing when the database has no checkpoint thread). */
  watchCheckpoints(fn: () => CheckpointStats | null): void {
    this.checkpoints = fn;
  }

  /** What `greenlight_releases` reports: one `SELECT state, count(*) … GROUP BY state` per scrape. */
  countReleasesWith(fn: () => { state: string; count: number }[]): void {
    this.releaseCounts = fn;
  }

  /** One /slack/events response, timed where it was answered (the Slack front's thread reports its own). */
  observeAck(surface: string, status: number, seconds: number): void {
    this.ackSeconds.observe({ surface, status: String(status) }, seconds);
  }

  /** Express middleware for the /slack/events path: times each request until its response has been sent. */
  ackTiming(): RequestHandler {
    return (req, res, next) => {
      const stop = this.ackSeconds.startTimer();
      res.once('finish', () => stop({ surface: surfaceOf(req.body), status: String(res.statusCode) }));
      next();
    };
  }

  /** `GET /metrics` handler. */
  handler(): RequestHandler {
    return (_req, res, next) => {
      this.registry.metrics().then(
        (text) => {
          res.setHeader('content-type', this.registry.contentType);
          res.send(text);
        },
        (err: unknown) => next(err),
      );
    };
  }

  /** One read of every queue per scrape, shared by the gauges (prom-client collects them concurrently). */
  private readQueues(): Promise<QueueReading[]> {
    this.queueRead ??= this.fetchQueues().finally(() => {
      this.queueRead = null;
    });
    return this.queueRead;
  }

  private async fetchQueues(): Promise<QueueReading[]> {
    const readings = await Promise.all(
      this.queues.map(async (queue): Promise<QueueReading | null> => {
        try {
          const [counts, oldest] = await withTimeout(
            Promise.all([queue.getJobCounts(...JOB_STATES), queue.getJobs(['waiting', 'prioritized'], 0, 0, true)]),
            this.timeoutMs,
          );
          // A job is due at its creation time plus its delay; the oldest due one shows how far behind the worker is.
          const due = oldest.filter((j) => Boolean(j)).map((j) => j.timestamp + (j.opts.delay ?? 0));
          return {
            name: queue.name,
            counts: Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])),
            lagSeconds: due.length === 0 ? 0 : Math.max(0, (this.now() - Math.min(...due)) / 1000),
          };
        } catch {
          this.collectErrors.inc({ collector: 'queue' });
          return null;
        }
      }),
    );
    return readings.filter((r): r is QueueReading => r !== null);
  }

  private collectReleases(gauge: Gauge<'state'>): void {
    gauge.reset();
    if (!this.releaseCounts) return;
    try {
      for (const { state, count } of this.releaseCounts()) gauge.set({ state }, count);
    } catch {
      this.collectErrors.inc({ collector: 'releases' });
    }
  }
}
