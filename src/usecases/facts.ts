import type { DbOrTx } from '../db/client';
import type { ApprovalRecord, Release } from '../db/release.repo';
import { activeApprovals, criteriaFor, criteriaMap } from '../db/release.repo';
import type { ReleaseFacts } from '../domain/workflow';

export interface LoadedFacts extends ReleaseFacts {
  approvals: ApprovalRecord[];
}

export function factsOf(tx: DbOrTx, release: Release): LoadedFacts {
  return {
    state: release.state,
    requestedBy: release.requestedBy,
    risk: release.risk,
    approvals: activeApprovals(tx, release.id),
    criteria: criteriaMap(criteriaFor(tx, release.id)),
  };
}

export { parseReleaseId } from '../domain/release-id';
