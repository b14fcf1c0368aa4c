import { describe, expect, it } from 'vitest';
import type { DeploymentFact, TimelineEvent } from '../../../src/domain/stats';
import {
  DAY,
  HOUR,
  approvalTurnarounds,
  doraReport,
  failureRateBand,
  frequencyBand,
  leadTimeBand,
  median,
  parseStatsPeriod,
  percentile,
  restoreBand,
  turnaroundReport,
} from '../../../src/domain/stats';

const T0 = Date.UTC(2026, 2, 1);
const period = { since: T0, until: T0 + 10 * DAY };

function fact(id: number, f: Partial<DeploymentFact> & { requestedAt: number }): DeploymentFact {
  return { releaseId: id, service: 'payments-api', commitTime: null, deployedAt: null, failedAt: null, rolledBackAt: null, incidentAt: null, restoredAt: null, ...f };
}

/** A seeded history; the expected answers below are worked out by hand in the comments. */
const HISTORY: DeploymentFact[] = [
  // current period (10 days from T0)
  fact(1, { requestedAt: T0, deployedAt: T0 + 2 * DAY, commitTime: T0 - DAY }), // lead 48h, commit lead 72h
  fact(2, { requestedAt: T0 + DAY, deployedAt: T0 + DAY + 4 * HOUR }), // lead 4h
  fact(3, { requestedAt: T0 + 2 * DAY, deployedAt: T0 + 3 * DAY, incidentAt: T0 + 3 * DAY + 30 * 60_000, rolledBackAt: T0 + 3 * DAY + 2 * HOUR }), // lead 24h, restore 1.5h
  fact(4, { requestedAt: T0 + 3 * DAY, failedAt: T0 + 5 * DAY }), // failed deploy, not restored
  fact(5, { requestedAt: T0 + 4 * DAY, deployedAt: T0 + 6.5 * DAY, commitTime: T0 + 3.5 * DAY }), // lead 60h, commit lead 72h
  fact(6, { requestedAt: T0 + 9 * DAY, deployedAt: T0 + 10 * DAY }), // at `until`: next period, not counted
  // previous period (10 days before T0)
  fact(7, { requestedAt: T0 - 9 * DAY, deployedAt: T0 - 8 * DAY }), // lead 24h
  fact(8, { requestedAt: T0 - 6 * DAY, deployedAt: T0 - 5.5 * DAY }), // lead 12h
];

describe('percentiles', () => {
  it('median averages the two middle values; p90 is nearest-rank', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([4, 1, 3])).toBe(3);
    expect(median([4, 24, 48, 60])).toBe(36);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([4, 24, 48, 60], 90)).toBe(60);
    expect(percentile([7], 90)).toBe(7);
  });
});

describe('DORA figures on a seeded history', () => {
  const r = doraReport(HISTORY, period);

  it('deployment frequency counts changes that went live in the period, beside the previous period', () => {
    expect(r.current.deployments).toBe(4);
    expect(r.current.deploysPerDay).toBeCloseTo(0.4);
    expect(r.previous.deployments).toBe(2);
    expect(r.trends.deploysPerDay).toMatchObject({ direction: 'up', better: true });
    expect(r.bands.deploymentFrequency).toBe('high');
  });

  it('lead time: request → live median 36h, p90 60h; first commit → live 72h', () => {
    expect(r.current.leadTime).toEqual({ count: 4, median: 36 * HOUR, p90: 60 * HOUR });
    expect(r.current.commitLeadTime).toEqual({ count: 2, median: 72 * HOUR, p90: 72 * HOUR });
    expect(r.previous.leadTime.median).toBe(18 * HOUR);
    expect(r.trends.leadTime).toMatchObject({ direction: 'up', better: false, current: 36 * HOUR, previous: 18 * HOUR });
    expect(r.bands.leadTime).toBe('high');
  });

  it('change failure rate: a rollback and a failed deploy out of five attempts', () => {
    expect(r.current.attempts).toBe(5);
    expect(r.current.failures).toBe(2);
    expect(r.current.changeFailureRate).toBeCloseTo(0.4);
    expect(r.previous.changeFailureRate).toBe(0);
    expect(r.trends.changeFailureRate).toMatchObject({ direction: 'up', better: false });
    expect(r.bands.changeFailureRate).toBe('low');
  });

  it('time to restore: incident → rollback 1.5h; the failed deploy is not restored yet', () => {
    expect(r.current.timeToRestore).toEqual({ count: 1, median: 1.5 * HOUR, p90: 1.5 * HOUR });
    expect(r.current.unrestored).toBe(1);
    expect(r.trends.timeToRestore.direction).toBe('n/a');
    expect(r.bands.timeToRestore).toBe('high');
  });

  it('the overall band is the weakest key', () => {
    expect(r.bands.overall).toBe('low');
  });

  it('an empty history has no rates and a low frequency', () => {
    const empty = doraReport([], period);
    expect(empty.current.changeFailureRate).toBeNull();
    expect(empty.current.leadTime.median).toBeNull();
    expect(empty.bands).toMatchObject({ deploymentFrequency: 'low', leadTime: null, changeFailureRate: null, timeToRestore: null, overall: 'low' });
  });
});

describe('DORA band thresholds (State of DevOps 2023)', () => {
  it('cuts each key at the report boundaries', () => {
    expect(frequencyBand(3)).toBe('elite');
    expect(frequencyBand(1)).toBe('elite');
    expect(frequencyBand(1 / 7)).toBe('high');
    expect(frequencyBand(1 / 8)).toBe('medium');
    expect(frequencyBand(1 / 31)).toBe('low');
    expect(leadTimeBand(23 * HOUR)).toBe('elite');
    expect(leadTimeBand(DAY)).toBe('high');
    expect(leadTimeBand(8 * DAY)).toBe('medium');
    expect(leadTimeBand(31 * DAY)).toBe('low');
    expect(failureRateBand(0.05)).toBe('elite');
    expect(failureRateBand(0.1)).toBe('high');
    expect(failureRateBand(0.15)).toBe('medium');
    expect(failureRateBand(0.16)).toBe('low');
    expect(restoreBand(59 * 60_000)).toBe('elite');
    expect(restoreBand(HOUR)).toBe('high');
    expect(restoreBand(2 * DAY)).toBe('medium');
    expect(restoreBand(8 * DAY)).toBe('low');
  });
});

const ev = (at: number, action: string, details: Record<string, unknown> = {}, actor = 'U0X'): TimelineEvent => ({ at, action, details, actor });
const grant = (at: number, stage: string, role: string, next: string, actor: string) => ev(at, 'approval.granted', { stage, role, next_state: next }, actor);

describe('approval turnaround from the audit trail', () => {
  // Release 1: straight through; sign-off completes when the last criterion is met (an event that names no state).
  const r1 = T0;
  const rel1 = [
    ev(r1, 'release.requested'),
    grant(r1 + 2 * HOUR, 'review', 'developer', 'qa', 'U0DEV2'), // review 2h
    grant(r1 + 5 * HOUR, 'qa', 'qa', 'signoff', 'U0QA'), // qa 3h
    ev(r1 + 6 * HOUR, 'criterion.updated'),
    grant(r1 + 8 * HOUR, 'signoff', 'release_manager', 'signoff', 'U0RM'), // 3h after sign-off opened
    grant(r1 + 10 * HOUR, 'signoff', 'product_manager', 'signoff', 'U0PM'), // 5h
    ev(r1 + 11 * HOUR, 'reminder.sent'),
    ev(r1 + 12 * HOUR, 'criterion.updated'), // completes sign-off: scheduling opens here
    ev(r1 + 20 * HOUR, 'approval.granted', { stage: 'scheduling', role: 'operations', via: 'schedule' }, 'U0OPS'), // 8h
  ];
  // Release 2: changes requested in QA, an edit re-opens review.
  const r2 = T0 + DAY;
  const rel2 = [
    ev(r2, 'release.requested'),
    grant(r2 + HOUR, 'review', 'developer', 'qa', 'U0DEV2'), // 1h
    ev(r2 + 2 * HOUR, 'release.changes_requested', { stage: 'qa' }),
    ev(r2 + 4 * HOUR, 'release.edited', { state_before: 'changes_requested', state_after: 'review' }),
    grant(r2 + 7 * HOUR, 'review', 'developer', 'qa', 'U0DEV2'), // 3h after the edit
    grant(r2 + 13 * HOUR, 'qa', 'qa', 'signoff', 'U0QA'), // 6h
  ];
  // Release 3: approved before the period: not counted.
  const rel3 = [ev(T0 - 5 * HOUR, 'release.requested'), grant(T0 - HOUR, 'review', 'developer', 'qa', 'U0DEV1')];

  const samples = [...approvalTurnarounds(1, rel1), ...approvalTurnarounds(2, rel2), ...approvalTurnarounds(3, rel3)];

  it('measures each approval from its stage opening', () => {
    expect(approvalTurnarounds(1, rel1).map((s) => [s.stage, s.role, s.userId, s.ms / HOUR])).toEqual([
      ['review', 'developer', 'U0DEV2', 2],
      ['qa', 'qa', 'U0QA', 3],
      ['signoff', 'release_manager', 'U0RM', 3],
      ['signoff', 'product_manager', 'U0PM', 5],
      ['scheduling', 'operations', 'U0OPS', 8],
    ]);
    expect(approvalTurnarounds(2, rel2).map((s) => s.ms / HOUR)).toEqual([1, 3, 6]);
  });

  it('a release unscheduled back to sign-off (a failed criterion) opens sign-off again there, not scheduling', () => {
    const r = T0;
    const events = [
      ev(r, 'release.requested'),
      grant(r + HOUR, 'review', 'developer', 'qa', 'U0DEV2'),
      grant(r + 2 * HOUR, 'qa', 'qa', 'signoff', 'U0QA'),
      grant(r + 3 * HOUR, 'signoff', 'release_manager', 'signoff', 'U0RM'),
      grant(r + 4 * HOUR, 'signoff', 'product_manager', 'scheduling', 'U0PM'),
      ev(r + 5 * HOUR, 'approval.granted', { stage: 'scheduling', role: 'operations', via: 'schedule' }, 'U0OPS'),
      ev(r + 6 * HOUR, 'release.unscheduled', { reason: 'readiness', to_state: 'signoff' }),
      ev(r + 8 * HOUR, 'criterion.updated'), // CI passes the criterion again
      grant(r + 9 * HOUR, 'signoff', 'release_manager', 'scheduling', 'U0RM'), // 3h after sign-off re-opened
    ];
    expect(approvalTurnarounds(4, events).map((s) => [s.stage, s.ms / HOUR]).at(-1)).toEqual(['signoff', 3]);
    // a line from before to_state was recorded still means scheduling
    const old = events.map((e) => (e.action === 'release.unscheduled' ? ev(e.at, e.action, { reason: 'freeze' }) : e));
    old[8] = ev(r + 9 * HOUR, 'approval.granted', { stage: 'scheduling', role: 'operations', via: 'schedule' }, 'U0OPS2');
    expect(approvalTurnarounds(4, old).map((s) => [s.stage, s.ms / HOUR]).at(-1)).toEqual(['scheduling', 3]);
  });

  it('gives median and p90 per role and per stage, and names the bottleneck', () => {
    const rep = turnaroundReport(samples, period);
    const byRole = Object.fromEntries(rep.byRole.map((g) => [g.role, [g.count, (g.median ?? 0) / HOUR, (g.p90 ?? 0) / HOUR]]));
    expect(byRole).toEqual({
      developer: [3, 2, 3],
      qa: [2, 4.5, 6],
      release_manager: [1, 3, 3],
      product_manager: [1, 5, 5],
      operations: [1, 8, 8],
    });
    const byStage = Object.fromEntries(rep.byStage.map((g) => [g.stage, [g.count, (g.median ?? 0) / HOUR, (g.p90 ?? 0) / HOUR]]));
    expect(byStage).toEqual({ review: [3, 2, 3], qa: [2, 4.5, 6], signoff: [2, 4, 5], scheduling: [1, 8, 8] });
    expect(rep.bottleneck).toBe('operations');
  });

  it('has no bottleneck without approvals', () => {
    expect(turnaroundReport([], period)).toEqual({ byRole: [], byStage: [], bottleneck: null });
  });
});

describe('stats period', () => {
  it('accepts days, weeks and hours up to a year', () => {
    expect(parseStatsPeriod('7d')).toBe(7 * DAY);
    expect(parseStatsPeriod('90D')).toBe(90 * DAY);
    expect(parseStatsPeriod('2w')).toBe(14 * DAY);
    expect(parseStatsPeriod('0d')).toBeNull();
    expect(parseStatsPeriod('400d')).toBeNull();
    expect(parseStatsPeriod('payments')).toBeNull();
  });
});
