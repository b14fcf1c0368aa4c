import type { Release } from '../../db/release.repo';
import { formatSlot } from '../../domain/calendar';
import { STATE_LABELS } from '../../domain/types';
import type { ReleaseState } from '../../domain/types';
import { esc, escTrunc, mentions, relId, slackDate } from '../format';
import type { Blocks } from './kit';
import { header, section } from './kit';

export function digestMessage(d: {
  date: string;
  today: Release[];
  waiting: { id: number; state: string; since: number; on: string[] }[];
  zone: string;
}): { text: string; blocks: Blocks } {
  const deploys = d.today.length
    ? d.today.map((r) => `• ${formatSlot(r.scheduledAt ?? 0, d.zone)} — *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment})`).join('\n')
    : '_No deploys scheduled today._';
  const waits = d.waiting.length
    ? d.waiting
        .slice(0, 25)
        .map((w) => `• *${relId(w.id)}* ${STATE_LABELS[w.state as ReleaseState] ?? w.state} since ${slackDate(w.since, '{date_short} {time}')} — ${mentions(w.on)}`)
        .join('\n')
    : '_Nothing is waiting on anyone._';
  return {
    text: `Release digest for ${d.date}: ${d.today.length} deploy(s) today, ${d.waiting.length} waiting on approvals`,
    blocks: [header(`Releases today · ${d.date}`), section(`*Deploying today*\n${deploys}`), section(`*Waiting on approvals*\n${waits}`)],
  };
}
