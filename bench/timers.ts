/**
 * Timer precision at scale: the lateness of 1,000 timers due over a minute, first with an empty queue (the
 * baseline), then with 100,000 other timers pending in Redis. Then the cost of re-deriving every timer from
 * SQLite after a Redis flush, for 1,000 and for 100,000 scheduled releases.
 * Usage: npm run bench:timers  (BENCH_TIMERS, BENCH_PENDING, BENCH_WINDOW_MS to change the sizes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parsePolicyText } from '../src/config';
import { openDatabase } from '../src/db/client';
import type { TimerSpec } from '../src/queue/jobs';
import { Timers } from '../src/queue/timers';
import { fmt, header, median, percentile, ratio } from './lib';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DUE = Number(process.env.BENCH_TIMERS ?? 1_000);
const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 60_000);
const logger = pino({ level: 'warn' });

async function precision(pending: number): Promise<number[]> {
  const prefix = `gl-bench-${randomBytes(4).toString('hex')}`;
  const lateness: number[] = [];
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const timers = new Timers({
    redisUrl: REDIS_URL,
    prefix,
    logger,
    reconcileEveryMs: 3_600_000,
    concurrency: 8,
    deriveAll: async () => [],
    deriveRelease: async () => [],
    process: async (_name, payload) => {
      const p = payload as { at: number };
      lateness.push(Date.now() - p.at);
      if (lateness.length >= DUE) resolveDone();
    },
  });
  await timers.start();
  const far = Date.now() + 86_400_000;
  const filler: TimerSpec[] = Array.from({ length: pending }, (_, i) => ({ name: 'window-start', payload: { releaseId: i + 1, at: far + i }, at: far + i }));
  await timers.addMany(filler);
  const start = Date.now() + 2_000;
  const due: TimerSpec[] = Array.from({ length: DUE }, (_, i) => {
    const at = start + Math.floor((i * WINDOW_MS) / DUE);
    return { name: 'window-start', payload: { releaseId: 10_000_000 + i, at }, at };
  });
  await timers.addMany(due);
  await done;
  await timers.queue.obliterate({ force: true });
  await timers.close();
  return lateness;
}

async function rebuildCost(releases: number): Promise<{ ms: number; timers: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bench-'));
  const { db, sqlite, close } = openDatabase(join(dir, 'gl.db'));
  const policy = parsePolicyText('windows: { production: always }\nannouncements: [24h, 1h, start, done]\n');
  if (!policy.ok) throw new Error(policy.errors.join('\n'));
  const now = Date.now();
  const insert = sqlite.prepare(
    `insert into releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, scheduled_at, created_at, updated_at)
     values ('svc', ?, 'bench', 'bench', 'production', 'low', 'redeploy', '[]', 'U0DEV1', 'api', 'scheduled', ?, 1, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < releases; i++) insert.run(`1.0.${i}`, now, now + 2 * 86_400_000 + i * 60_000, now, now);
  })();
  const { deriveAllTimers, deriveReleaseTimers } = await import('../src/usecases/timers');
  const prefix = `gl-bench-${randomBytes(4).toString('hex')}`;
  const deps = { db, policy: policy.policy, now: Date.now, logger } as unknown as Parameters<typeof deriveAllTimers>[0];
  const timers = new Timers({
    redisUrl: REDIS_URL,
    prefix,
    logger,
    runWorker: false,
    reconcileEveryMs: 3_600_000,
    deriveAll: () => deriveAllTimers(deps),
    deriveRelease: (id) => deriveReleaseTimers(deps, id),
    process: async () => undefined,
  });
  await timers.start();
  const redis = new Redis(REDIS_URL);
  await redis.del(`${prefix}:timers:built`); // as after FLUSHALL: the sentinel is gone
  const t0 = performance.now();
  const count = await timers.rebuild();
  const ms = performance.now() - t0;
  await timers.queue.obliterate({ force: true });
  await timers.close();
  redis.disconnect();
  close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, timers: count };
}

export async function benchTimers(): Promise<void> {
  header(`Timer precision: ${DUE} timers due over ${WINDOW_MS / 1000}s`);
  const base = await precision(0);
  const loaded = await precision(PENDING);
  process.stdout.write(`${''.padEnd(34)}${'median'.padStart(12)}${'p99'.padStart(12)}\n`);
  process.stdout.write(`${'empty queue (baseline)'.padEnd(34)}${fmt(median(base)).padStart(12)}${fmt(percentile(base, 99)).padStart(12)}\n`);
  process.stdout.write(`${`${PENDING.toLocaleString('en-US')} other timers pending`.padEnd(34)}${fmt(median(loaded)).padStart(12)}${fmt(percentile(loaded, 99)).padStart(12)}\n`);
  process.stdout.write(`median ratio (loaded / empty): ${ratio(median(loaded), median(base))}; target median ≤ 50 ms ${median(loaded) <= 50 ? 'MET' : 'MISSED'}\n`);

  header('Re-deriving every timer from SQLite after a Redis flush');
  const small = await rebuildCost(1_000);
  const largeCount = Number(process.env.BENCH_REBUILD ?? 100_000);
  const large = await rebuildCost(largeCount);
  process.stdout.write(`1,000 releases: ${small.timers.toLocaleString('en-US')} timers in ${fmt(small.ms)} (${(small.ms / small.timers).toFixed(3)} ms/timer)\n`);
  process.stdout.write(`${largeCount.toLocaleString('en-US')} releases: ${large.timers.toLocaleString('en-US')} timers in ${fmt(large.ms)} (${(large.ms / large.timers).toFixed(3)} ms/timer)\n`);
  process.stdout.write(`growth: ${ratio(large.ms, small.ms)} the time for ${ratio(large.timers, small.timers)} the timers (linear = equal ratios)\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTimers();
