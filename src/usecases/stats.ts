/** Release stats: DORA's four keys for production and approval turnaround, for a service (or all) over a period. */
import { serviceNames } from '../config';
import { approvalTimelines, deploymentFacts, serviceHasReleases, servicesWithReleases } from '../db/stats.repo';
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

/** The services stats can be asked of: those the policy lists and those with releases (e.g. dropped from the policy). */
export interface StatsServices {
  has(name: string): boolean;
  /** The known names, for the refusal of an unknown one. */
  names(): readonly string[];
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAMES_SHOWN = 30;

export function statsServices(deps: Pick<Deps, 'db' | 'policy'>): StatsServices {
  const listed = serviceNames(deps.policy);
  return {
    has: (name) => listed.includes(name) || (SERVICE_NAME.test(name) && serviceHasReleases(deps.db, name)),
    names: () => [...new Set([...listed, ...servicesWithReleases(deps.db, NAMES_SHOWN + 1)])].sort(),
  };
}

/** `/release stats [service] [period]`, in either order: the period like `7d`, `90d`, `4w`; the service by name. */
export function parseStatsArgs(args: string, services: readonly string[] | StatsServices): StatsArgs {
  const known: StatsServices = 'names' in services ? services : { has: (n) => services.includes(n), names: () => services };
  let service: string | null = null;
  let ms: number | null = null;
  for (const token of args.trim().split(/\s+/).filter(Boolean)) {
    const period = parseStatsPeriod(token);
    if (period !== null && ms === null) ms = period;
    else if (service === null && known.has(token)) service = token;
    else if (/^\d+\s*[a-z]*$/i.test(token)) return { ok: false, error: `"${token}" is not a period: use days like \`7d\`, \`30d\` or \`90d\` (up to a year).` };
    else return { ok: false, error: `Unknown service "${token}". ${knownList(known.names())}` };
  }
  return { ok: true, service, ms: ms ?? DEFAULT_STATS_DAYS * DAY };
}

function knownList(names: readonly string[]): string {
  if (names.length === 0) return 'No service has releases yet.';
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return `Known services: ${shown}${names.length > NAMES_SHOWN ? ', …' : ''}.`;
}
