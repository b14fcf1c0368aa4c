/** Everything there is to show about one release, read in one go. */
import type { DbOrTx } from '../db/client';
import type { ApprovalRecord, CriterionRecord, Release } from '../db/release.repo';
import { approvalsFor, criteriaFor, criteriaMap, getRelease } from '../db/release.repo';
import type { RoleProgress } from '../domain/workflow';
import { blockingCriteria, stageProgress } from '../domain/workflow';
import type { ApprovalStage, Criterion, Role } from '../domain/types';
import { APPROVAL_STAGES } from '../domain/types';
import type { WorkflowPolicy } from './deps';
import { membersFor, rulesFor } from './roles';

export interface ReleaseSnapshot {
  release: Release;
  approvals: ApprovalRecord[];
  criteria: CriterionRecord[];
  members: Record<Role, string[]>;
  progress: Record<ApprovalStage, RoleProgress[]>;
  blocking: Criterion[];
}

export function loadSnapshot(db: DbOrTx, policy: WorkflowPolicy, id: number): ReleaseSnapshot | undefined {
  const release = getRelease(db, id);
  if (!release) return undefined;
  const approvals = approvalsFor(db, id);
  const active = approvals.filter((a) => a.status === 'active');
  const criteria = criteriaFor(db, id);
  const highRisk = rulesFor(policy, release.service).highRisk;
  const progress = Object.fromEntries(
    APPROVAL_STAGES.map((s) => [s, stageProgress(s, release.risk, active, highRisk)]),
  ) as Record<ApprovalStage, RoleProgress[]>;
  return {
    release,
    approvals,
    criteria,
    members: membersFor({ db, policy }, release.service),
    progress,
    blocking: blockingCriteria(criteriaMap(criteria)),
  };
}
