/** Read-only questions people ask with `/release …`. */
import { auditForRelease } from '../db/audit.repo';
import type { AuditRow } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { countReleases, getRelease, listReleases } from '../db/release.repo';
import { OPEN_STATES } from '../domain/workflow';
import type { Deps } from './deps';
import type { ReleaseSnapshot } from './snapshot';
import { loadSnapshot } from './snapshot';

export function openReleases(deps: Pick<Deps, 'db'>, limit = 40): { releases: Release[]; total: number } {
  const states = [...OPEN_STATES, 'deploying', 'monitoring'] as const;
  return { releases: listReleases(deps.db, { states, limit }), total: countReleases(deps.db, states) };
}

export function releaseSnapshot(deps: Pick<Deps, 'db' | 'policy' | 'now'>, id: number): ReleaseSnapshot | undefined {
  return loadSnapshot(deps.db, deps.policy, id, deps.now());
}

export function releaseAudit(deps: Pick<Deps, 'db'>, id: number): { release: Release; events: AuditRow[] } | undefined {
  const release = getRelease(deps.db, id);
  if (!release) return undefined;
  return { release, events: auditForRelease(deps.db, id, 500) };
}
