/** `/release roles`: admins pick the members of each role, globally or for one service. */
import type { ModalView } from '@slack/types';
import type { Role } from '../../domain/types';
import { ROLE_LABELS, ROLES } from '../../domain/types';
import { esc, mentions } from '../format';
import { CALLBACKS } from '../ids';
import type { Blocks } from './kit';
import { context, header, plain, section } from './kit';

export interface RolesMeta {
  service: string | null;
}

export function rolesModal(service: string | null, members: Record<Role, string[]>): ModalView {
  const meta: RolesMeta = { service };
  const groups = ROLES.flatMap((r) => members[r].filter((m) => m.startsWith('S')).map((g) => `${ROLE_LABELS[r]}: ${mentions([g])}`));
  return {
    type: 'modal',
    callback_id: CALLBACKS.roles,
    private_metadata: JSON.stringify(meta),
    title: plain(service ? 'Service roles' : 'Global roles', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(service ? `Members for *${esc(service)}* replace the global members of that role.` : 'Global members apply to every service without its own.'),
      ...ROLES.map((role) => {
        const users = members[role].filter((m) => !m.startsWith('S'));
        return {
          type: 'input' as const,
          block_id: `role_${role}`,
          label: plain(ROLE_LABELS[role]),
          optional: true,
          element: { type: 'multi_users_select' as const, action_id: `role_${role}`, ...(users.length ? { initial_users: users } : {}) },
        };
      }),
      ...(groups.length ? [context([`User groups (kept as they are): ${groups.join(' · ')}`])] : []),
    ],
  };
}

export function rolesMessage(service: string | null, members: Record<Role, string[]>, canEdit: boolean): { text: string; blocks: Blocks } {
  const lines = ROLES.map((r) => `*${ROLE_LABELS[r]}*: ${mentions(members[r])}`);
  return {
    text: `Roles${service ? ` for ${service}` : ''}`,
    blocks: [
      header(service ? `Roles for ${service}` : 'Roles'),
      section(lines.join('\n')),
      context([canEdit ? 'You are an admin: `/release roles` or `/release roles <service>` opens the editor.' : 'Only admins (policy `admins`) can change roles.']),
    ],
  };
}
