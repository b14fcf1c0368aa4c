/** Parses the text after `/release` into a subcommand. Pure. */
import { parseReleaseId } from '../../../domain/release-id';

export type ReleaseCommand =
  | { kind: 'request' }
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'status' | 'edit' | 'audit' | 'why' | 'schedule'; releaseId: number }
  | { kind: 'cancel'; releaseId: number; reason: string }
  | { kind: 'roles'; service: string | null }
  | { kind: 'windows' | 'freeze' | 'calendar' | 'stats'; args: string }
  | { kind: 'missing_id'; sub: string }
  | { kind: 'unknown'; text: string };

const NEEDS_ID = ['status', 'edit', 'audit', 'why', 'schedule', 'cancel'] as const;

export function parseCommandText(raw: string): ReleaseCommand {
  const text = raw.trim().replace(/\s+/g, ' ');
  if (text === '') return { kind: 'request' };
  const [head = '', ...rest] = text.split(' ');
  const sub = head.toLowerCase();
  const args = rest.join(' ');
  if (sub === 'help' || sub === '?') return { kind: 'help' };
  if (sub === 'list' || sub === 'ls') return { kind: 'list' };
  if ((NEEDS_ID as readonly string[]).includes(sub)) {
    const id = parseReleaseId(rest[0] ?? '');
    if (id === null) return { kind: 'missing_id', sub };
    if (sub === 'cancel') return { kind: 'cancel', releaseId: id, reason: rest.slice(1).join(' ') };
    return { kind: sub as 'status' | 'edit' | 'audit' | 'why' | 'schedule', releaseId: id };
  }
  if (sub === 'roles') return { kind: 'roles', service: rest[0] ?? null };
  if (sub === 'windows' || sub === 'freeze' || sub === 'calendar' || sub === 'stats') return { kind: sub, args };
  const bare = parseReleaseId(head);
  if (bare !== null && rest.length === 0) return { kind: 'status', releaseId: bare };
  return { kind: 'unknown', text };
}
