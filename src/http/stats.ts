/**
 * `GET /api/v1/stats?service=&since=&until=`: DORA's four keys and approval turnaround as JSON (durations in
 * seconds, rates 0–1, ISO 8601 periods). `since` is an ISO 8601 date-time or a period back from `until` like
 * `7d`/`90d` (default 30 days); `until` defaults to now.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Distribution, Trend } from '../domain/stats';
import { DAY, DEFAULT_STATS_DAYS, MAX_STATS_DAYS, parseStatsPeriod } from '../domain/stats';
import type { Deps } from '../usecases/deps';
import type { StatsResult } from '../usecases/stats';
import { releaseStats, statsServices } from '../usecases/stats';
import { isoInstant } from './iso-instant';
import { sendProblem } from './problem';

const statsQuerySchema = z.object({
  service: z.string().min(1).max(64).optional(),
  since: z.string().min(1).max(40).optional(),
  until: isoInstant.optional(),
});

export function statsHandler(deps: Pick<Deps, 'db' | 'now' | 'policy'>) {
  return (req: Request, res: Response): void => {
    const q = statsQuerySchema.safeParse(req.query);
    if (!q.success) {
      sendProblem(res, { status: 422, detail: `Invalid stats query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
      return;
    }
    const { service, since, until } = q.data;
    // a service the policy lists or that has releases (as `/release stats <service>` takes)
    const services = statsServices(deps);
    if (service !== undefined && !services.has(service)) {
      sendProblem(res, { status: 422, detail: `Unknown service "${service}". Known services: ${services.names().join(', ') || 'none'}.` });
      return;
    }
    const end = until ? Date.parse(until) : deps.now();
    let start = end - DEFAULT_STATS_DAYS * DAY;
    if (since !== undefined) {
      const period = parseStatsPeriod(since);
      const iso = isoInstant.safeParse(since);
      if (period !== null) start = end - period;
      else if (iso.success) start = Date.parse(iso.data);
      else {
        sendProblem(res, { status: 422, detail: 'since must be an ISO 8601 date or date-time (2026-03-01, 2026-03-01T00:00Z) or a period like 7d, 30d or 90d.' });
        return;
      }
    }
    if (start >= end) {
      sendProblem(res, { status: 422, detail: 'since must be before until.' });
      return;
    }
    if (end - start > MAX_STATS_DAYS * DAY) {
      sendProblem(res, { status: 422, detail: `The period is longer than ${MAX_STATS_DAYS} days.` });
      return;
    }
    res.json(statsJson(releaseStats(deps, { service: service ?? null, since: start, until: end })));
  };
}

/** The stats answer as JSON for `GET /api/v1/stats` (durations in seconds, rates 0–1). */
export function statsJson(r: StatsResult) {
  const secs = (v: number | null) => (v === null ? null : Math.round(v / 1000));
  const d = (x: Distribution) => ({ count: x.count, median_seconds: secs(x.median), p90_seconds: secs(x.p90) });
  const tr = (x: Trend, scale: (v: number | null) => number | null = (v) => v) => ({
    current: scale(x.current),
    previous: scale(x.previous),
    direction: x.direction,
    better: x.better,
  });
  const c = r.dora.current;
  const p = r.dora.previous;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    service: r.service,
    environment: r.environment,
    period: { since: iso(r.period.since), until: iso(r.period.until) },
    previous_period: { since: iso(r.previous.since), until: iso(r.previous.until) },
    deployment_frequency: {
      deployments: c.deployments,
      per_day: c.deploysPerDay,
      per_week: c.deploysPerWeek,
      previous: { deployments: p.deployments, per_day: p.deploysPerDay },
      trend: tr(r.dora.trends.deploysPerDay),
      band: r.dora.bands.deploymentFrequency,
    },
    lead_time: {
      request_to_live: d(c.leadTime),
      first_commit_to_live: d(c.commitLeadTime),
      previous: { request_to_live: d(p.leadTime), first_commit_to_live: d(p.commitLeadTime) },
      trend: tr(r.dora.trends.leadTime, secs),
      commit_trend: tr(r.dora.trends.commitLeadTime, secs),
      band: r.dora.bands.leadTime,
    },
    change_failure_rate: {
      rate: c.changeFailureRate,
      failures: c.failures,
      attempts: c.attempts,
      previous: { rate: p.changeFailureRate, failures: p.failures, attempts: p.attempts },
      trend: tr(r.dora.trends.changeFailureRate),
      band: r.dora.bands.changeFailureRate,
    },
    time_to_restore: {
      ...d(c.timeToRestore),
      unrestored: c.unrestored,
      previous: d(p.timeToRestore),
      trend: tr(r.dora.trends.timeToRestore, secs),
      band: r.dora.bands.timeToRestore,
    },
    performance_band: r.dora.bands.overall,
    approval_turnaround: {
      by_role: r.turnaround.byRole.map((g) => ({ role: g.role, count: g.count, median_seconds: secs(g.median), p90_seconds: secs(g.p90) })),
      by_stage: r.turnaround.byStage.map((g) => ({ stage: g.stage, count: g.count, median_seconds: secs(g.median), p90_seconds: secs(g.p90) })),
      bottleneck: r.turnaround.bottleneck,
    },
  };
}
