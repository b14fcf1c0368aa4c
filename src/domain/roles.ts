/** Role membership: the policy file layered with edits made in Slack. Pure. */
import type { Role } from './types';
import { ROLES } from './types';

export type RoleMap = Partial<Record<Role, readonly string[]>>;

export interface RoleLayers {
  policyGlobal: RoleMap;
  policyService?: RoleMap | undefined;
  slackGlobal: RoleMap;
  slackService?: RoleMap | undefined;
}

/** Most specific wins: Slack edit for the service, policy for the service, Slack global edit, policy global. */
export function resolveRoleMembers(layers: RoleLayers): Record<Role, string[]> {
  const out = {} as Record<Role, string[]>;
  for (const role of ROLES) {
    const members =
      layers.slackService?.[role] ?? layers.policyService?.[role] ?? layers.slackGlobal[role] ?? layers.policyGlobal[role] ?? [];
    out[role] = [...members];
  }
  return out;
}

export function isUserGroup(id: string): boolean {
  return id.startsWith('S');
}

/** Roles a user holds, directly or through a user group whose members are given. */
export function rolesOfUser(
  userId: string,
  members: Record<Role, readonly string[]>,
  groupMembers: Readonly<Record<string, readonly string[]>>,
): Role[] {
  return ROLES.filter((role) =>
    members[role].some((m) => m === userId || (isUserGroup(m) && (groupMembers[m] ?? []).includes(userId))),
  );
}

/** User groups mentioned anywhere in the members, to resolve before deciding. */
export function groupsIn(members: Record<Role, readonly string[]>): string[] {
  return [...new Set(ROLES.flatMap((r) => members[r].filter(isUserGroup)))];
}
