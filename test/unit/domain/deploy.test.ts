import { describe, expect, it } from 'vitest';
import { decideDeployReport, decideRollback, probeAlertDue, rollbackDrillDue, rollbackOfferEnds, rollbackOffered, rollbackOfferedSince, timeToRestore, watchOutcome } from '../../../src/domain/deploy';

describe('deploy reports', () => {
  it('applies in order, ignores duplicates and late reports, refuses what the state cannot take', () => {
    expect(decideDeployReport('scheduled', 'started')).toEqual({ kind: 'apply', to: 'deploying' });
    expect(decideDeployReport('deploying', 'started')).toEqual({ kind: 'noop' });
    expect(decideDeployReport('deploying', 'succeeded')).toEqual({ kind: 'apply', to: 'monitoring' });
    expect(decideDeployReport('monitoring', 'succeeded')).toEqual({ kind: 'noop' });
    expect(decideDeployReport('monitoring', 'started')).toEqual({ kind: 'noop' });
    expect(decideDeployReport('monitoring', 'failed')).toEqual({ kind: 'conflict' });
    expect(decideDeployReport('deploying', 'failed')).toEqual({ kind: 'apply', to: 'failed' });
    expect(decideDeployReport('scheduled', 'failed')).toEqual({ kind: 'apply', to: 'failed' });
    expect(decideDeployReport('scheduled', 'succeeded')).toEqual({ kind: 'apply', to: 'monitoring' });
    expect(decideDeployReport('qa', 'failed')).toEqual({ kind: 'conflict' });
    expect(decideDeployReport('failed', 'rolled_back')).toEqual({ kind: 'apply', to: 'rolled_back' });
    expect(decideDeployReport('rolled_back', 'rolled_back')).toEqual({ kind: 'noop' });
    expect(decideDeployReport('review', 'started')).toEqual({ kind: 'conflict' });
    expect(decideDeployReport('cancelled', 'succeeded')).toEqual({ kind: 'conflict' });
  });
});

describe('rollback', () => {
  const base = { now: 10_000, offerFor: 1_000 };
  it('is for operations and release managers, while deploying, monitoring, failed, and within the offer after release', () => {
    expect(decideRollback({ ...base, state: 'monitoring', releasedAt: null }, ['developer'])).toEqual({ kind: 'deny', why: 'not_allowed' });
    expect(decideRollback({ ...base, state: 'monitoring', releasedAt: null }, ['operations'])).toEqual({ kind: 'allow' });
    expect(decideRollback({ ...base, state: 'failed', releasedAt: null }, ['release_manager'])).toEqual({ kind: 'allow' });
    expect(decideRollback({ ...base, state: 'released', releasedAt: 9_500 }, ['operations'])).toEqual({ kind: 'allow' });
    expect(decideRollback({ ...base, state: 'released', releasedAt: 8_000 }, ['operations'])).toEqual({ kind: 'deny', why: 'offer_expired' });
    expect(decideRollback({ ...base, state: 'scheduled', releasedAt: null }, ['operations'])).toEqual({ kind: 'deny', why: 'wrong_state' });
  });
  it('has one window: offered up to offerFor after release, both ends included; the timer boundary and the SQL cutoff agree', () => {
    const offerFor = 1_000;
    for (const releasedAt of [0, 500, 8_999, 9_000, 9_001]) {
      for (const now of [9_000, 9_999, 10_000, 10_001]) {
        const offered = rollbackOffered({ state: 'released', releasedAt, now, offerFor });
        expect(offered).toBe(now - releasedAt <= offerFor);
        expect(now < rollbackOfferEnds(releasedAt, offerFor)).toBe(offered);
        expect(releasedAt >= rollbackOfferedSince(now, offerFor)).toBe(offered);
      }
    }
  });
  it('measures time to restore from the incident, else from the request', () => {
    expect(timeToRestore({ incidentAt: 100, rollbackRequestedAt: 150, restoredAt: 400 })).toBe(300);
    expect(timeToRestore({ incidentAt: null, rollbackRequestedAt: 150, restoredAt: 400 })).toBe(250);
    expect(timeToRestore({ incidentAt: 100, rollbackRequestedAt: 150, restoredAt: null })).toBeNull();
  });
  it('warns when a drill is due', () => {
    expect(rollbackDrillDue(null, 1_000, 500)).toBe(true);
    expect(rollbackDrillDue(400, 1_000, 500)).toBe(true);
    expect(rollbackDrillDue(600, 1_000, 500)).toBe(false);
  });
});

describe('monitoring', () => {
  it('alerts once on the second consecutive failure and releases only a healthy watch', () => {
    expect(probeAlertDue(1, false)).toBe(false);
    expect(probeAlertDue(2, false)).toBe(true);
    expect(probeAlertDue(3, true)).toBe(false);
    expect(watchOutcome({ hasHealthCheck: true, probesOk: 3, consecutiveFailures: 0, alerted: false, incident: false })).toBe('healthy');
    expect(watchOutcome({ hasHealthCheck: true, probesOk: 3, consecutiveFailures: 1, alerted: false, incident: false })).toBe('failing');
    expect(watchOutcome({ hasHealthCheck: true, probesOk: 0, consecutiveFailures: 0, alerted: false, incident: false })).toBe('failing');
    expect(watchOutcome({ hasHealthCheck: false, probesOk: 0, consecutiveFailures: 0, alerted: false, incident: false })).toBe('unchecked');
    // recovered after an alert, or an issue reported: a person signs off
    expect(watchOutcome({ hasHealthCheck: true, probesOk: 3, consecutiveFailures: 0, alerted: false, incident: true })).toBe('recovered');
    expect(watchOutcome({ hasHealthCheck: true, probesOk: 3, consecutiveFailures: 0, alerted: true, incident: true })).toBe('failing');
  });
});
