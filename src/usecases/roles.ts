/** Who holds which role for a service: the policy layered with Slack edits, user groups resolved through Slack. */
import { findService, serviceWorkflow } from '../config';
import { roleOverrides } from '../db/release.repo';
import type { WorkflowRules } from '../domain/workflow';
import type { RoleMap } from '../domain/roles';
import { groupsIn, isUserGroup, resolveRoleMembers, rolesOfUser } from '../domain/roles';
import type { Role } from '../domain/types';
import type { DbOrTx } from '../db/client';
import type { Deps, WorkflowPolicy } from './deps';

export const GLOBAL_SCOPE = '*';

export function membersFor(deps: { db: DbOrTx; policy: WorkflowPolicy }, service: string | null): Record<Role, string[]> {
  const overrides = roleOverrides(deps.db);
  return resolveRoleMembers({
    policyGlobal: deps.policy.roles as RoleMap,
    policyService: service ? findService(deps.policy, service)?.roles : undefined,
    slackGlobal: overrides[GLOBAL_SCOPE] ?? {},
    slackService: service ? overrides[service] : undefined,
  });
}

/** The roles `userId` holds for `service`, resolving user groups (a group Slack cannot list counts as empty). */
export async function rolesOf(deps: Pick<Deps, 'db' | 'policy' | 'slack' | 'logger'>, service: string | null, userId: string): Promise<Role[]> {
  return rolesAmong(deps, membersFor(deps, service), userId);
}

/** The roles `userId` holds among `members` (as `membersFor` gives them), resolving user groups. */
export async function rolesAmong(deps: Pick<Deps, 'slack' | 'logger'>, members: Record<Role, string[]>, userId: string): Promise<Role[]> {
  const groups: Record<string, string[]> = {};
  for (const group of groupsIn(members)) {
    try {
      groups[group] = await deps.slack.groupMembers(group);
    } catch (err) {
      deps.logger.warn({ group, err: (err as Error).message }, 'could not list user group members');
      groups[group] = [];
    }
  }
  return rolesOfUser(userId, members, groups);
}

/** The workflow rules (stages, high-risk counts) for a service. */
export function rulesFor(policy: WorkflowPolicy, service: string): WorkflowRules {
  return serviceWorkflow(policy, service);
}

export function isAdmin(deps: Pick<Deps, 'policy'>, userId: string): boolean {
  return deps.policy.admins.includes(userId);
}

/** Role members as people: user groups expanded through Slack (a group Slack cannot list counts as empty). */
export async function expandMembers(deps: Pick<Deps, 'slack' | 'logger'>, members: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const member of members) {
    if (isUserGroup(member)) {
      try {
        for (const u of await deps.slack.groupMembers(member)) out.add(u);
      } catch (err) {
        deps.logger.warn({ group: member, err: (err as Error).message }, 'could not expand user group');
      }
    } else out.add(member);
  }
  return [...out];
}
