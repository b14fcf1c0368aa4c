/**
 * Delivery metrics (DORA's four keys) and approval turnaround. Pure: takes facts already read from the
 * database (the audit trail and the releases table) and a period; no I/O, no clock reads.
 *
 * Percentiles: the median is the middle value (the mean of the two middle values for an even count); p90 is
 * the nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest value). Both are null without samples.
 */
import type { ApprovalStage, Role } from './types';
import { APPROVAL_STAGES, ROLES } from './types';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface Period {
  /** Inclusive, epoch ms. */
  since: number;
  /** Exclusive, epoch ms. */
  until: number;
}

/** What happened to one release on its way to production, as read from the audit trail and `releases`. */
export interface DeploymentFact {
  releaseId: number;
  service: string;
  requestedAt: number;
  /** First commit of the change, when CI supplied `commit_time`. */
  commitTime: number | null;
  /** The change went live (the deploy succeeded). */
  deployedAt: number | null;
  /** The deploy itself failed (the change never went live, or broke while going live). */
  failedAt: number | null;
  /** The change was rolled back after it went live. */
  rolledBackAt: number | null;
  /** When trouble started (alert, "found an issue", failed deploy): the start of time to restore. */
  incidentAt: number | null;
  /** When service was restored (rollback done, fix deployed). */
  restoredAt: number | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile (`p` in 0–100). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1] as number;
}

export interface Distribution {
  count: number;
  median: number | null;
  p90: number | null;
}

export function distribution(values: readonly number[]): Distribution {
  return { count: values.length, median: median(values), p90: percentile(values, 90) };
}

// ---- DORA performance bands -------------------------------------------------------------------------------

export type Band = 'elite' | 'high' | 'medium' | 'low';
const BAND_ORDER: readonly Band[] = ['elite', 'high', 'medium', 'low'];

/**
 * Thresholds from DORA's *Accelerate State of DevOps Report 2023* (Google Cloud), table "Software delivery
 * performance" (elite / high / medium / low clusters):
 * - deployment frequency: elite on demand (multiple deploys per day), high between once per day and once per
 *   week, medium between once per week and once per month, low less often;
 * - lead time for changes: elite less than one day, high between one day and one week, medium between one
 *   week and one month, low longer;
 * - change failure rate: elite 5 %, high 10 %, medium 15 %, low 64 %;
 * - failed deployment recovery time: elite less than one hour, high less than one day, medium between one day
 *   and one week, low longer.
 * The report's ranges leave gaps and overlaps between clusters; here each metric is cut into contiguous
 * ranges at those boundaries (for the failure rate: up to 5 % elite, up to 10 % high, up to 15 % medium,
 * above that low).
 */
export const DORA_THRESHOLDS = {
  /** Deployments per day at or above which a band starts. */
  deploysPerDay: { elite: 1, high: 1 / 7, medium: 1 / 30 },
  /** Median lead time (ms) below (elite) or at most (high, medium) which a band holds. */
  leadTimeMs: { elite: DAY, high: 7 * DAY, medium: 30 * DAY },
  /** Change failure rate (0–1) at most which a band holds. */
  changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.15 },
  /** Median time to restore (ms) below (elite, high) or at most (medium) which a band holds. */
  restoreMs: { elite: HOUR, high: DAY, medium: 7 * DAY },
} as const;

export function frequencyBand(perDay: number): Band {
  const t = DORA_THRESHOLDS.deploysPerDay;
  return perDay >= t.elite ? 'elite' : perDay >= t.high ? 'high' : perDay >= t.medium ? 'medium' : 'low';
}

export function leadTimeBand(ms: number): Band {
  const t = DORA_THRESHOLDS.leadTimeMs;
  return ms < t.elite ? 'elite' : ms <= t.high ? 'high' : ms <= t.medium ? 'medium' : 'low';
}

export function failureRateBand(rate: number): Band {
  const t = DORA_THRESHOLDS.changeFailureRate;
  return rate <= t.elite ? 'elite' : rate <= t.high ? 'high' : rate <= t.medium ? 'medium' : 'low';
}

export function restoreBand(ms: number): Band {
  const t = DORA_THRESHOLDS.restoreMs;
  return ms < t.elite ? 'elite' : ms < t.high ? 'high' : ms <= t.medium ? 'medium' : 'low';
}

/** The overall band is the weakest of the metrics that have data (a team is as fast as its slowest key). */
export function overallBand(bands: readonly (Band | null)[]): Band | null {
  const known = bands.filter((b): b is Band => b !== null);
  if (known.length === 0) return null;
  return known.reduce((worst, b) => (BAND_ORDER.indexOf(b) > BAND_ORDER.indexOf(worst) ? b : worst));
}

// ---- the four keys over a period ----------------------------------------------------------------------------

export interface DoraFigures {
  /** Changes that went live in the period. */
  deployments: number;
  /** Deploy attempts that ended in the period: went live or failed. */
  attempts: number;
  deploysPerDay: number;
  deploysPerWeek: number;
  /** Request → live. */
  leadTime: Distribution;
  /** First commit → live, over the changes that carried `commit_time`. */
  commitLeadTime: Distribution;
  /** Failed deploys and rolled-back changes. */
  failures: number;
  /** failures ÷ attempts; null without attempts. */
  changeFailureRate: number | null;
  /** Incident → restored, over failures that were restored. */
  timeToRestore: Distribution;
  /** Failures in the period not restored (yet). */
  unrestored: number;
}

const within = (t: number | null, p: Period): t is number => t !== null && t >= p.since && t < p.until;

export function doraFigures(facts: readonly DeploymentFact[], period: Period): DoraFigures {
  const days = Math.max(1, (period.until - period.since) / DAY);
  const live = facts.filter((f) => within(f.deployedAt, period));
  const failedDeploys = facts.filter((f) => !within(f.deployedAt, period) && within(f.failedAt, period));
  const attempts = live.length + failedDeploys.length;
  // A change that went live in the period and was later rolled back (or whose deploy failed after going live) failed.
  const liveFailed = live.filter((f) => f.rolledBackAt !== null || f.failedAt !== null);
  const failing = [...failedDeploys, ...liveFailed];
  const restoreTimes: number[] = [];
  let unrestored = 0;
  for (const f of failing) {
    const start = f.incidentAt ?? f.failedAt ?? f.deployedAt;
    const end = f.restoredAt ?? f.rolledBackAt;
    if (start !== null && end !== null && end >= start) restoreTimes.push(end - start);
    else unrestored += 1;
  }
  return {
    deployments: live.length,
    attempts,
    deploysPerDay: live.length / days,
    deploysPerWeek: (live.length / days) * 7,
    leadTime: distribution(live.map((f) => (f.deployedAt as number) - f.requestedAt)),
    commitLeadTime: distribution(live.filter((f) => f.commitTime !== null).map((f) => (f.deployedAt as number) - (f.commitTime as number))),
    failures: failing.length,
    changeFailureRate: attempts === 0 ? null : failing.length / attempts,
    timeToRestore: distribution(restoreTimes),
    unrestored,
  };
}

export type Direction = 'up' | 'down' | 'same' | 'n/a';

export interface Trend {
  current: number | null;
  previous: number | null;
  direction: Direction;
  /** Whether the move is an improvement; null when unchanged or not comparable. */
  better: boolean | null;
}

export function trend(current: number | null, previous: number | null, higherIsBetter: boolean): Trend {
  if (current === null || previous === null) return { current, previous, direction: 'n/a', better: null };
  const eps = 1e-9;
  if (Math.abs(current - previous) <= eps) return { current, previous, direction: 'same', better: null };
  const direction = current > previous ? 'up' : 'down';
  return { current, previous, direction, better: (direction === 'up') === higherIsBetter };
}

export interface DoraReport {
  current: DoraFigures;
  previous: DoraFigures;
  trends: {
    deploysPerDay: Trend;
    leadTime: Trend;
    commitLeadTime: Trend;
    changeFailureRate: Trend;
    timeToRestore: Trend;
  };
  bands: {
    deploymentFrequency: Band;
    leadTime: Band | null;
    changeFailureRate: Band | null;
    timeToRestore: Band | null;
    overall: Band | null;
  };
}

/** The period before `p`, of the same length. */
export function previousPeriod(p: Period): Period {
  return { since: p.since - (p.until - p.since), until: p.since };
}

export function doraReport(facts: readonly DeploymentFact[], period: Period): DoraReport {
  const current = doraFigures(facts, period);
  const previous = doraFigures(facts, previousPeriod(period));
  const bands = {
    deploymentFrequency: frequencyBand(current.deploysPerDay),
    leadTime: current.leadTime.median === null ? null : leadTimeBand(current.leadTime.median),
    changeFailureRate: current.changeFailureRate === null ? null : failureRateBand(current.changeFailureRate),
    timeToRestore: current.timeToRestore.median === null ? null : restoreBand(current.timeToRestore.median),
  };
  return {
    current,
    previous,
    trends: {
      deploysPerDay: trend(current.deploysPerDay, previous.deploysPerDay, true),
      leadTime: trend(current.leadTime.median, previous.leadTime.median, false),
      commitLeadTime: trend(current.commitLeadTime.median, previous.commitLeadTime.median, false),
      changeFailureRate: trend(current.changeFailureRate, previous.changeFailureRate, false),
      timeToRestore: trend(current.timeToRestore.median, previous.timeToRestore.median, false),
    },
    bands: {
      ...bands,
      overall: overallBand([bands.deploymentFrequency, bands.leadTime, bands.changeFailureRate, bands.timeToRestore]),
    },
  };
}

// ---- approval turnaround ------------------------------------------------------------------------------------

/** One audit event of a release, in order (ids ascending). */
export interface TimelineEvent {
  at: number;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface TurnaroundSample {
  releaseId: number;
  stage: ApprovalStage;
  role: Role;
  userId: string;
  /** When the stage (last) opened. */
  openedAt: number;
  /** When this role decided. */
  at: number;
  ms: number;
}

const isStage = (v: unknown): v is ApprovalStage => typeof v === 'string' && (APPROVAL_STAGES as readonly string[]).includes(v);
const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Audit actions that move a release to a state named in the action itself. */
const STATE_OF_ACTION: Record<string, string> = {
  'release.requested': 'review',
  'release.changes_requested': 'changes_requested',
  'release.rejected': 'rejected',
  'release.cancelled': 'cancelled',
  'release.unscheduled': 'scheduling',
  'release.scheduled': 'scheduled',
  'release.rescheduled': 'scheduled',
};

/**
 * Walks one release's audit events and returns, for each approval, how long it took from the moment its stage
 * opened. A stage opens when the release enters it: on request (review), on an approval whose `next_state`
 * moves it on, on an edit (`state_after`), when it is unscheduled (scheduling), or on a generic
 * `details.to_state`/`details.state`-carrying transition. A move the trail does not name (sign-off completing
 * because the last readiness criterion was met) is taken to have happened at the last event that could cause
 * it: the latest approval, criterion update or edit before the approval.
 */
export function approvalTurnarounds(releaseId: number, events: readonly TimelineEvent[]): TurnaroundSample[] {
  const out: TurnaroundSample[] = [];
  let state: string | null = null;
  let openedAt = 0;
  let lastProgressAt: number | null = null;
  const enter = (next: string, at: number) => {
    if (next !== state) {
      state = next;
      openedAt = at;
    }
  };
  for (const e of events) {
    const d = e.details;
    if (e.action === 'approval.granted') {
      const stage = d.stage;
      const role = d.role;
      if (isStage(stage) && isRole(role)) {
        if (state !== stage) enter(stage, lastProgressAt ?? e.at);
        out.push({ releaseId, stage, role, userId: e.actor, openedAt, at: e.at, ms: e.at - openedAt });
        const next = str(d.next_state) ?? (d.via === 'schedule' ? 'scheduled' : null);
        if (next) enter(next, e.at);
      }
      lastProgressAt = e.at;
      continue;
    }
    if (e.action === 'release.edited') {
      const after = str(d.state_after);
      if (after) enter(after, e.at);
      lastProgressAt = e.at;
      continue;
    }
    if (e.action.startsWith('criterion.') && !e.action.endsWith('.denied')) {
      lastProgressAt = e.at;
      continue;
    }
    // (an unscheduled release names where it went since 2026-12-03; older lines went to scheduling)
    const named = (e.action === 'release.unscheduled' ? str(d.to_state) : null) ?? STATE_OF_ACTION[e.action] ?? str(d.to_state);
    if (named) {
      // A release re-entering review after an edit, or a new request, opens the stage afresh.
      if (named === state && e.action === 'release.requested') openedAt = e.at;
      enter(named, e.at);
      lastProgressAt = e.at;
    }
  }
  return out;
}

export interface GroupTurnaround extends Distribution {
  key: string;
}

export interface TurnaroundReport {
  byRole: (GroupTurnaround & { role: Role })[];
  byStage: (GroupTurnaround & { stage: ApprovalStage })[];
  /** The role with the slowest median turnaround (p90 breaks ties), or null without approvals. */
  bottleneck: Role | null;
}

/** Turnaround of the approvals given in `period`, per role and per stage. */
export function turnaroundReport(samples: readonly TurnaroundSample[], period: Period): TurnaroundReport {
  const inPeriod = samples.filter((s) => s.at >= period.since && s.at < period.until);
  const byRole = ROLES.map((role) => {
    const values = inPeriod.filter((s) => s.role === role).map((s) => s.ms);
    return { key: role, role, ...distribution(values) };
  }).filter((g) => g.count > 0);
  const byStage = APPROVAL_STAGES.map((stage) => {
    const values = inPeriod.filter((s) => s.stage === stage).map((s) => s.ms);
    return { key: stage, stage, ...distribution(values) };
  }).filter((g) => g.count > 0);
  let bottleneck: Role | null = null;
  let worst: [number, number] | null = null;
  for (const g of byRole) {
    const score: [number, number] = [g.median ?? 0, g.p90 ?? 0];
    if (worst === null || score[0] > worst[0] || (score[0] === worst[0] && score[1] > worst[1])) {
      worst = score;
      bottleneck = g.role;
    }
  }
  return { byRole, byStage, bottleneck };
}

// ---- parsing "/release stats [service] [period]" ----------------------------------------------------------

export const DEFAULT_STATS_DAYS = 30;
export const MAX_STATS_DAYS = 366;

/** `7d`, `90d`, `4w`, `12h` → ms; null when it is not a period. */
export function parseStatsPeriod(text: string): number | null {
  const m = /^(\d{1,4})\s*([hdw])$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'd').toLowerCase();
  const ms = n * (unit === 'h' ? HOUR : unit === 'w' ? 7 * DAY : DAY);
  if (ms <= 0 || ms > MAX_STATS_DAYS * DAY) return null;
  return ms;
}

/** A duration for people: `45m`, `3.5h`, `2.1d`. */
export function humanDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < HOUR) return `${Math.round(ms / 60_000)}m`;
  if (ms < DAY) return `${(ms / HOUR).toFixed(1).replace(/\.0$/, '')}h`;
  return `${(ms / DAY).toFixed(1).replace(/\.0$/, '')}d`;
}
