/**
 * *Update readiness* on the card: may the actor set any criterion of this release? Checked at the click, before the
 * modal opens (submitting it is checked again, per criterion, by `updateCriterion`). A refused click opens nothing,
 * so its denial is audited here.
 */
import type { Release } from '../db/release.repo';
import { getRelease } from '../db/release.repo';
import type { Role } from '../domain/types';
import { CRITERION_OWNERS } from '../domain/types';
import { isOpen } from '../domain/workflow';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { NotFoundError } from './errors';
import { rolesOf } from './roles';

export type ReadinessClickDenial = 'closed' | 'not_owner';

/** The roles that may set some criterion: the owners, and release managers (who may set and waive any). */
export const READINESS_ROLES: readonly Role[] = [...new Set<Role>([...Object.values(CRITERION_OWNERS), 'release_manager'])];

export async function checkReadinessUpdate(
  deps: Deps,
  input: { releaseId: number; actor: string; via: 'card' | 'home' | 'dm' },
): Promise<{ release: Release; why: ReadinessClickDenial | null }> {
  const release = getRelease(deps.db, input.releaseId);
  if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
  const roles = await rolesOf(deps, release.service, input.actor);
  const why: ReadinessClickDenial | null = !isOpen(release.state) ? 'closed' : roles.some((r) => READINESS_ROLES.includes(r)) ? null : 'not_owner';
  if (why) auditDenial(deps, { releaseId: release.id, actor: input.actor, action: 'criterion.denied', reason: why, attempted: 'update_readiness', state: release.state, roles, via: input.via });
  return { release, why };
}
