/**
 * App Home: what waits on me, my releases and what holds them, upcoming deploys, freezes, my review action items,
 * and (for release managers) delivery stats. `loadHome` reads one person's Home with bounded, indexed queries;
 * `HomePublisher` publishes it when they open the tab and re-publishes, debounced, the Homes a release change
 * concerns.
 */
import type { Freeze } from '../config';
import { serviceNames } from '../config';
import type { OpenReviewItem, WaitingScope } from '../db/home.repo';
import { liveNow, openReviewItemsOf, releasesOf, upcomingDeploys, waitingOn } from '../db/home.repo';
import type { Release } from '../db/release.repo';
import { getRelease } from '../db/release.repo';
import { DAY } from '../domain/stats';
import type { ApprovalStage, ReleaseState, Role } from '../domain/types';
import { APPROVAL_STAGES, STAGE_ROLES } from '../domain/types';
import { OPEN_STATES, isApprovalStage } from '../domain/workflow';
import { homeView } from '../slack/views/home.view';
import type { Deps } from './deps';
import { rolesOf, rulesFor } from './roles';
import { effectiveFreezes } from './slots';
import type { StatsResult } from './stats';
import { releaseStats } from './stats';
import type { WhyReport } from './why';
import { explainHolds } from './why';

/** How much of each list a Home shows; the rest is counted ("and N more"). Keeps a Home well under 100 blocks. */
export const HOME_LIMITS = { waiting: 10, mine: 6, deploys: 10, live: 5, freezes: 6, reviewItems: 6 } as const;
export const HOME_HORIZON_MS = 14 * DAY;

const MY_STATES: readonly ReleaseState[] = [...OPEN_STATES, 'deploying', 'monitoring'];
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface HomeModel {
  user: string;
  now: number;
  zone: string;
  waiting: { releases: Release[]; total: number };
  mine: { reports: WhyReport[]; total: number };
  deploys: { releases: Release[]; total: number };
  live: Release[];
  /** `allDay`: both bounds were written as dates (whole days in the policy time zone, `end` the next day's midnight). */
  freezes: { freezes: (Freeze & { allDay: boolean })[]; total: number };
  reviewItems: { items: OpenReviewItem[]; total: number };
  /** Delivery stats, for release managers only. */
  stats: StatsResult | null;
  isReleaseManager: boolean;
}

/** The viewer's approval reach: per group of services sharing their roles and rules, the stages they can approve. */
export async function waitingScopes(deps: Pick<Deps, 'db' | 'policy' | 'slack' | 'logger'>, user: string): Promise<{ scopes: WaitingScope[]; anyRoles: Set<Role> }> {
  const known = serviceNames(deps.policy);
  const groups = new Map<string, WaitingScope>();
  const anyRoles = new Set<Role>();
  const add = async (service: string | null) => {
    const roles = await rolesOf(deps, service, user);
    roles.forEach((r) => anyRoles.add(r));
    const highRisk = rulesFor(deps.policy, service ?? '').highRisk;
    const stages = APPROVAL_STAGES.map((stage: ApprovalStage) => ({
      stage,
      roles: STAGE_ROLES[stage].filter((r) => roles.includes(r)).map((role) => ({ role, highRiskCount: highRisk[role] ?? 1 })),
    })).filter((s) => s.roles.length > 0);
    if (stages.length === 0) return;
    const key = JSON.stringify(stages);
    const existing = groups.get(key);
    if (service === null) groups.set(`${key}|others`, { services: null, exclude: known, stages });
    else if (existing && existing.services) groups.set(key, { ...existing, services: [...existing.services, service] });
    else groups.set(key, { services: [service], stages });
  };
  for (const service of known) await add(service);
  // Releases of services no longer in the policy fall back to the global roles.
  await add(null);
  return { scopes: [...groups.values()], anyRoles };
}

export async function loadHome(deps: Deps, user: string, opts: { stats?: () => StatsResult } = {}): Promise<HomeModel> {
  const now = deps.now();
  const { scopes, anyRoles } = await waitingScopes(deps, user);
  const waiting = waitingOn(deps.db, user, scopes, HOME_LIMITS.waiting);
  const mineRows = releasesOf(deps.db, user, MY_STATES, HOME_LIMITS.mine);
  const reports = mineRows.releases.map((r) => explainHolds(deps, r.id)).filter((x): x is WhyReport => x !== undefined);
  const deploys = upcomingDeploys(deps.db, now, now + HOME_HORIZON_MS, HOME_LIMITS.deploys);
  const allFreezes = effectiveFreezes(deps.db, deps.policy, now).filter((f) => f.start < now + HOME_HORIZON_MS * 4);
  const isReleaseManager = anyRoles.has('release_manager');
  let stats: StatsResult | null = null;
  if (isReleaseManager) {
    stats = opts.stats ? opts.stats() : releaseStats(deps, { service: null, since: now - 30 * DAY, until: now });
  }
  return {
    user,
    now,
    zone: deps.policy.timezone,
    waiting,
    mine: { reports, total: mineRows.total },
    deploys,
    live: liveNow(deps.db, HOME_LIMITS.live),
    freezes: { freezes: allFreezes.slice(0, HOME_LIMITS.freezes).map((f) => ({ ...f, allDay: DATE_ONLY.test(f.startText.trim()) && DATE_ONLY.test(f.endText.trim()) })), total: allFreezes.length },
    reviewItems: openReviewItemsOf(deps.db, user, HOME_LIMITS.reviewItems),
    stats,
    isReleaseManager,
  };
}

/** Publishes one person's Home now. */
export async function publishHome(deps: Deps, user: string, opts: { stats?: () => StatsResult } = {}): Promise<void> {
  const model = await loadHome(deps, user, opts);
  await deps.slack.publishHome(user, homeView(model));
}

export interface HomeRefresher {
  opened(user: string): Promise<void>;
  releaseChanged(releaseId: number): void;
}

/**
 * Keeps Homes current. It knows who opened their Home since start (only they are re-published) and which
 * releases each Home listed; a change to a release re-publishes, after a short debounce, the Homes that listed
 * it, its requester's, and those of viewers who hold a role its current stage waits on.
 */
export class HomePublisher implements HomeRefresher {
  private readonly shown = new Map<string, Set<number>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private statsCache: { at: number; result: StatsResult } | null = null;
  private closed = false;

  constructor(
    private readonly deps: () => Deps,
    private readonly opts: { debounceMs?: number; statsTtlMs?: number } = {},
  ) {}

  /** Release-manager stats are the same for everyone; computed at most once a minute. */
  private stats = (): StatsResult => {
    const deps = this.deps();
    const now = deps.now();
    if (this.statsCache && now - this.statsCache.at < (this.opts.statsTtlMs ?? 60_000)) return this.statsCache.result;
    const result = releaseStats(deps, { service: null, since: now - 30 * DAY, until: now });
    this.statsCache = { at: now, result };
    return result;
  };

  private async publishNow(user: string): Promise<void> {
    const deps = this.deps();
    const model = await loadHome(deps, user, { stats: this.stats });
    this.shown.set(user, new Set([...model.waiting.releases.map((r) => r.id), ...model.mine.reports.map((r) => r.release.id)]));
    await deps.slack.publishHome(user, homeView(model));
  }

  /** One publish per user at a time; a request during one runs once more after it. */
  private run(user: string): Promise<void> {
    const current = this.running.get(user);
    if (current) {
      this.again.add(user);
      return current;
    }
    const task = (async () => {
      try {
        do {
          this.again.delete(user);
          await this.publishNow(user);
        } while (this.again.has(user) && !this.closed);
      } catch (err) {
        this.deps().logger.warn({ user, err: (err as Error).message }, 'could not publish App Home');
      } finally {
        this.running.delete(user);
      }
    })();
    this.running.set(user, task);
    return task;
  }

  /** The person opened their Home: publish it now. */
  opened(user: string): Promise<void> {
    if (!this.shown.has(user)) this.shown.set(user, new Set());
    return this.run(user);
  }

  private schedule(user: string): void {
    if (this.closed || this.pending.has(user)) return;
    const t = setTimeout(() => {
      this.pending.delete(user);
      void this.run(user);
    }, this.opts.debounceMs ?? 300);
    t.unref();
    this.pending.set(user, t);
  }

  releaseChanged(releaseId: number): void {
    if (this.closed || this.shown.size === 0) return;
    void this.concerned(releaseId)
      .then((users) => users.forEach((u) => this.schedule(u)))
      .catch((err: unknown) => this.deps().logger.warn({ release: releaseId, err: (err as Error).message }, 'could not work out whose Home to refresh'));
  }

  private async concerned(releaseId: number): Promise<string[]> {
    const deps = this.deps();
    const release = getRelease(deps.db, releaseId);
    const out: string[] = [];
    for (const [user, ids] of this.shown) {
      if (ids.has(releaseId) || release?.requestedBy === user) {
        out.push(user);
        continue;
      }
      if (release && isApprovalStage(release.state)) {
        const roles = await rolesOf(deps, release.service, user);
        if (STAGE_ROLES[release.state].some((r) => roles.includes(r))) out.push(user);
      }
    }
    return out;
  }

  /** Resolves when no publish is pending or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.running.size > 0) {
      if (this.running.size > 0) await Promise.all([...this.running.values()]);
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
