import type { Release } from '../../db/release.repo';
import { formatSlot } from '../../domain/calendar';
import { STATE_LABELS } from '../../domain/types';
import type { ReleaseState } from '../../domain/types';
import { esc, escTrunc, mentions, relId, slackDate } from '../format';
import type { Blocks } from './kit';
import { LIMIT, boundedLineSections, header } from './kit';

/** Releases waiting on approvals listed by name; the rest are counted. */
const WAITING_LISTED = 25;

export function digestMessage(d: {
  date: string;
  today: Release[];
  waiting: { id: number; state: string; since: number; on: string[] }[];
  zone: string;
}): { text: string; blocks: Blocks } {
  const deploys = d.today.length
    ? d.today.map((r) => `• ${formatSlot(r.scheduledAt ?? 0, d.zone)} — *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment})`)
    : ['_No deploys scheduled today._'];
  const waits = d.waiting.length
    ? d.waiting
        .slice(0, WAITING_LISTED)
        .map((w) => `• *${relId(w.id)}* ${STATE_LABELS[w.state as ReleaseState] ?? w.state} since ${slackDate(w.since, '{date_short} {time}')} — ${mentions(w.on)}`)
    : ['_Nothing is waiting on anyone._'];
  if (d.waiting.length > WAITING_LISTED) waits.push(`_…and ${d.waiting.length - WAITING_LISTED} more: \`/release list\` shows them._`);
  // Cut between lines (never inside a mention or an `&amp;`), within a message's 50 blocks: the header takes one, the
  // two lists share the rest.
  const room = LIMIT.messageBlocks - 1;
  const deploySections = boundedLineSections(['*Deploying today*', ...deploys], Math.ceil(room / 2), (n) => `_…and ${n} more: \`/release calendar\` shows them._`);
  const waitSections = boundedLineSections(['*Waiting on approvals*', ...waits], room - deploySections.length, (n) => `_…and ${n} more: \`/release list\` shows them._`);
  return {
    text: `Release digest for ${d.date}: ${d.today.length} deploy(s) today, ${d.waiting.length} waiting on approvals`,
    blocks: [header(`Releases today · ${d.date}`), ...deploySections, ...waitSections],
  };
}
