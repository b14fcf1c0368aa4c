/** Read-only questions people ask with `/release …`. */
import { auditForRelease } from '../db/audit.repo';
import type { AuditRow } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { countReleases, getRelease, listReleases } from '../db/release.repo';
import { OPEN_STATES } from '../domain/workflow';
import type { Deps } from './deps';
import type { ApprovalSnapshot, ReleaseSnapshot } from './snapshot';
import { loadApprovalSnapshot, loadSnapshot } from './snapshot';

export function openReleases(deps: Pick<Deps, 'db'>, limit = 40): { releases: Release[]; total: number } {
  const states = [...OPEN_STATES, 'deploying', 'monitoring'] as const;
  return { releases: listReleases(deps.db, { states, limit }), total: countReleases(deps.db, states) };
}

export function releaseSnapshot(deps: Pick<Deps, 'db' | 'policy' | 'now'>, id: number): ReleaseSnapshot | undefined {
  return loadSnapshot(deps.db, deps.policy, id, deps.now());
}

/** Only who approved and who may: enough to explain a refused click, at a fraction of a full snapshot's reads. */
export function approvalSnapshot(deps: Pick<Deps, 'db' | 'policy'>, id: number): ApprovalSnapshot | undefined {
  return loadApprovalSnapshot(deps.db, deps.policy, id);
}

/** The latest 500 events of a release's trail, oldest first; `cut` when there are earlier ones. */
export function releaseAudit(deps: Pick<Deps, 'db'>, id: number): { release: Release; events: AuditRow[]; cut: boolean } | undefined {
  const release = getRelease(deps.db, id);
  if (!release) return undefined;
  const events = auditForRelease(deps.db, id, 501);
  const cut = events.length > 500;
  return { release, events: cut ? events.slice(1) : events, cut };
}
