import type { DbOrTx } from '../db/client';
import type { ApprovalRecord, CriterionRecord, Release } from '../db/release.repo';
import { approvalsFor, criteriaFor, criteriaMap } from '../db/release.repo';
import type { ReleaseFacts } from '../domain/workflow';

export interface LoadedFacts extends ReleaseFacts {
  approvals: ApprovalRecord[];
}

export function factsOf(tx: DbOrTx, release: Release): LoadedFacts {
  return factsFrom(release, approvalsFor(tx, release.id), criteriaFor(tx, release.id));
}

/** The facts of rows already read: `approvals` as stored (only the active ones count), `criteria` as stored. */
export function factsFrom(release: Release, approvals: ApprovalRecord[], criteria: CriterionRecord[]): LoadedFacts {
  return {
    state: release.state,
    requestedBy: release.requestedBy,
    risk: release.risk,
    approvals: approvals.filter((a) => a.status === 'active'),
    criteria: criteriaMap(criteria),
  };
}

export { parseReleaseId } from '../domain/release-id';
