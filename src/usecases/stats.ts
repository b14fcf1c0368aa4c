/** Release stats: DORA's four keys for production and approval turnaround, for a service (or all) over a period. */
import { approvalTimelines, deploymentFacts } from '../db/stats.repo';
import type { DoraReport, Period, TurnaroundReport } from '../domain/stats';
import { DAY, DEFAULT_STATS_DAYS, approvalTurnarounds, doraReport, parseStatsPeriod, previousPeriod, turnaroundReport } from '../domain/stats';
import type { Deps } from './deps';

export interface StatsQuery {
  service: string | null;
  since: number;
  until: number;
  /** DORA measures deployments to production. */
  environment?: string;
}

export interface StatsResult {
  service: string | null;
  environment: string;
  period: Period;
  previous: Period;
  dora: DoraReport;
  turnaround: TurnaroundReport;
}

export function releaseStats(deps: Pick<Deps, 'db'>, q: StatsQuery): StatsResult {
  const period: Period = { since: q.since, until: q.until };
  const previous = previousPeriod(period);
  const environment = q.environment ?? 'production';
  const facts = deploymentFacts(deps.db, { from: previous.since, until: period.until, service: q.service, environment });
  const timelines = approvalTimelines(deps.db, { from: period.since, until: period.until, service: q.service });
  const samples = timelines.flatMap((t) => approvalTurnarounds(t.releaseId, t.events));
  return {
    service: q.service,
    environment,
    period,
    previous,
    dora: doraReport(facts, period),
    turnaround: turnaroundReport(samples, period),
  };
}

export type StatsArgs = { ok: true; service: string | null; ms: number } | { ok: false; error: string };

/** `/release stats [service] [period]`, in either order: the period like `7d`, `90d`, `4w`; the service by name. */
export function parseStatsArgs(args: string, services: readonly string[]): StatsArgs {
  let service: string | null = null;
  let ms: number | null = null;
  for (const token of args.trim().split(/\s+/).filter(Boolean)) {
    const period = parseStatsPeriod(token);
    if (period !== null && ms === null) ms = period;
    else if (services.includes(token) && service === null) service = token;
    else if (/^\d+\s*[a-z]*$/i.test(token)) return { ok: false, error: `"${token}" is not a period: use days like \`7d\`, \`30d\` or \`90d\` (up to a year).` };
    else return { ok: false, error: `Unknown service "${token}". Known services: ${services.join(', ') || 'none'}.` };
  }
  return { ok: true, service, ms: ms ?? DEFAULT_STATS_DAYS * DAY };
}
