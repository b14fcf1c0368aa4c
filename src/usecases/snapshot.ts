/** Everything there is to show about one release, read in one go. */
import type { Freeze } from '../config';
import { auditForRelease } from '../db/audit.repo';
import type { DbOrTx } from '../db/client';
import type { OverrideRow } from '../db/schedule.repo';
import { activeOverride } from '../db/schedule.repo';
import { FREEZE_AHEAD_MS, freezesOverlapping } from '../domain/calendar';
import { effectiveFreezes } from './slots';
import type { ApprovalRecord, CriterionRecord, Release } from '../db/release.repo';
import { approvalsFor, criteriaFor, criteriaMap, getRelease } from '../db/release.repo';
import type { RoleProgress } from '../domain/workflow';
import { blockingCriteria, stageProgress } from '../domain/workflow';
import type { ApprovalStage, Criterion, Role } from '../domain/types';
import { APPROVAL_STAGES } from '../domain/types';
import type { WorkflowPolicy } from './deps';
import { membersFor, rulesFor } from './roles';
import type { PostReleaseInfo } from './post-release-info';
import { postReleaseInfo } from './post-release-info';

export interface ReleaseSnapshot {
  release: Release;
  approvals: ApprovalRecord[];
  criteria: CriterionRecord[];
  members: Record<Role, string[]>;
  progress: Record<ApprovalStage, RoleProgress[]>;
  blocking: Criterion[];
  /** An emergency override in force, if any. */
  override: OverrideRow | null;
  /** A freeze that applies to this release's service now or in the next 14 days. */
  freezeAhead: Freeze | null;
  /** The policy's time zone (whole-day freezes are shown as its days). */
  zone: string;
  /** The deploy, watch, rollback and review of this release (post-release-info.ts). */
  post: PostReleaseInfo;
  /** The approval stages of the service's workflow, in pipeline order (the card shows only these). */
  stages: readonly ApprovalStage[];
  /** Where a rejected or cancelled release stopped, when that was one of its approval stages (else null). */
  stoppedAt: StopPoint | null;
}

/** The approval stage a release was in when it was rejected or cancelled, and who did it (from the audit trail). */
export interface StopPoint {
  stage: ApprovalStage;
  action: 'rejected' | 'cancelled';
  actor: string;
  at: number;
}

/** How far back the trail is read for the rejection or cancellation (only denials can follow it). */
const STOP_LOOKBACK = 200;

/**
 * The stage a rejected or cancelled release stopped at: its latest `release.rejected` (details.stage) or
 * `release.cancelled` (details.from) event. Null for other states, or when it stopped outside an approval stage
 * (cancelled while scheduled or with changes requested).
 */
function stopPoint(db: DbOrTx, release: Release): StopPoint | null {
  if (release.state !== 'rejected' && release.state !== 'cancelled') return null;
  const action = release.state;
  const events = auditForRelease(db, release.id, STOP_LOOKBACK);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (!e || e.action !== `release.${action}`) continue;
    const stage = action === 'rejected' ? e.details.stage : e.details.from;
    const known = APPROVAL_STAGES.find((s) => s === stage);
    return known ? { stage: known, action, actor: e.actor, at: e.at } : null;
  }
  return null;
}

/** The part of a snapshot that says who approved, who may, and what is still missing (denial messages need no more). */
export type ApprovalSnapshot = Pick<ReleaseSnapshot, 'release' | 'approvals' | 'criteria' | 'members' | 'progress' | 'blocking'>;

export function loadApprovalSnapshot(db: DbOrTx, policy: WorkflowPolicy, id: number): ApprovalSnapshot | undefined {
  const release = getRelease(db, id);
  if (!release) return undefined;
  return approvalSnapshotOf(policy, { release, approvals: approvalsFor(db, id), criteria: criteriaFor(db, id), members: membersFor({ db, policy }, release.service) });
}

/** The approval snapshot of rows already read (a use case that read them in its transaction need not read them again). */
export function approvalSnapshotOf(
  policy: WorkflowPolicy,
  rows: { release: Release; approvals: ApprovalRecord[]; criteria: CriterionRecord[]; members: Record<Role, string[]> },
): ApprovalSnapshot {
  const { release, approvals, criteria, members } = rows;
  const active = approvals.filter((a) => a.status === 'active');
  const highRisk = rulesFor(policy, release.service).highRisk;
  const progress = Object.fromEntries(
    APPROVAL_STAGES.map((s) => [s, stageProgress(s, release.risk, active, highRisk)]),
  ) as Record<ApprovalStage, RoleProgress[]>;
  return { release, approvals, criteria, members, progress, blocking: blockingCriteria(criteriaMap(criteria)) };
}

export function loadSnapshot(db: DbOrTx, policy: WorkflowPolicy, id: number, now: number): ReleaseSnapshot | undefined {
  const core = loadApprovalSnapshot(db, policy, id);
  if (!core) return undefined;
  const { release } = core;
  return {
    ...core,
    override: activeOverride(db, id, now) ?? null,
    freezeAhead: freezesOverlapping(effectiveFreezes(db, policy, now), release.service, now, now + FREEZE_AHEAD_MS)[0] ?? null,
    zone: policy.timezone,
    post: postReleaseInfo(db, policy, release, now),
    stages: rulesFor(policy, release.service).stages,
    stoppedAt: stopPoint(db, release),
  };
}
