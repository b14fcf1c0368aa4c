/** Admins edit role members in Slack; the edit is stored and layered over the policy file. */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import { releasesWithTimers, setRoleMembers } from '../db/release.repo';
import type { Role } from '../domain/types';
import { isApprovalStage } from '../domain/workflow';
import { inBackground } from './background';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { GLOBAL_SCOPE, isAdmin, membersFor } from './roles';

export type SetRolesResult = { kind: 'saved'; changed: Role[] } | { kind: 'denied' };

export function setRoles(deps: Deps, input: { actor: string; service: string | null; members: Partial<Record<Role, string[]>> }): SetRolesResult {
  const scope = input.service ?? GLOBAL_SCOPE;
  if (!isAdmin(deps, input.actor)) {
    auditDenial(deps, { releaseId: null, actor: input.actor, action: 'roles.denied', reason: 'not_admin', attempted: 'save', scope, via: 'modal' });
    return { kind: 'denied' };
  }
  const now = deps.now();
  const result = inTransaction(deps.db, (tx): SetRolesResult => {
    const current = membersFor({ db: tx, policy: deps.policy }, input.service);
    const changed: Role[] = [];
    for (const [role, members] of Object.entries(input.members) as [Role, string[]][]) {
      // Keep user groups from the current layer: the picker only shows users.
      const groups = current[role].filter((m) => m.startsWith('S'));
      const next = [...new Set([...members, ...groups])];
      if (JSON.stringify([...next].sort()) === JSON.stringify([...current[role]].sort())) continue;
      setRoleMembers(tx, scope, role, next, input.actor, now);
      appendAudit(tx, { at: now, releaseId: null, actor: input.actor, action: 'roles.updated', details: { scope, role, before: current[role], after: next } });
      changed.push(role);
    }
    return { kind: 'saved', changed };
  });
  if (result.kind === 'saved' && result.changed.length > 0) {
    inBackground(deps, 're-derive reminders after a roles change', () => resyncWaitingReleases(deps, input.service));
  }
  return result;
}

/**
 * Who a release waits on follows the roles: the reminders and escalations of every release waiting on approvals
 * (of `service`, or all of them after a global change) are re-derived, so a new member is reminded without a restart.
 * (A removed member's pending reminder finds them no longer waited on when it fires, and says nothing.)
 */
async function resyncWaitingReleases(deps: Deps, service: string | null): Promise<void> {
  for (let after = 0; ; ) {
    const page = releasesWithTimers(deps.db, after, 500);
    for (const r of page) {
      if (isApprovalStage(r.state) && (service === null || r.service === service)) await deps.timers.syncRelease(r.id);
    }
    const last = page[page.length - 1];
    if (!last) return;
    after = last.id;
  }
}
