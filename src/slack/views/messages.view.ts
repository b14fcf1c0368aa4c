/** Ephemeral answers to `/release …` and explanations of refusals. */
import type { AuditRow } from '../../db/audit.repo';
import type { Release } from '../../db/release.repo';
import type { ApprovalStage, Role } from '../../domain/types';
import { ROLE_LABELS, STAGE_ROLES, STATE_LABELS } from '../../domain/types';
import type { StageActionDenial } from '../../domain/workflow';
import { isApprovalStage } from '../../domain/workflow';
import type { ApproveDenial } from '../../usecases/approve-release';
import type { ApprovalSnapshot, ReleaseSnapshot } from '../../usecases/snapshot';
import type { WhyReport } from '../../usecases/why';
import { formatFreezeSpan, formatSlot, wholeDays } from '../../domain/calendar';
import { esc, escTrunc, mention, mentions, mrkdwnToPlain, relId, slackDate } from '../format';
import type { Blocks } from './kit';
import { LIMIT, context, divider, header, lineSections, section, sectionsWithin } from './kit';
import { STATE_EMOJI, releaseCard, waitingOn } from './release-card.view';

import type { SlackMessage } from './help.view';

export type { SlackMessage } from './help.view';
export { COMMANDS_HELP, commandReply, helpMessage, usageMessage } from './help.view';

export function simple(text: string): SlackMessage {
  return { text };
}

export function listMessage(releases: Release[], total: number): SlackMessage {
  if (releases.length === 0) return { text: 'No open releases. `/release` requests one.' };
  const lines = releases.map(
    (r) => `${STATE_EMOJI[r.state]} *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment}) — ${STATE_LABELS[r.state]} · ${mention(r.requestedBy)}`,
  );
  // the header, the sections, and one context line when some are left out
  const { sections, shown } = sectionsWithin(lines, LIMIT.messageBlocks - 2);
  const blocks: Blocks = [header('Open releases'), ...sections];
  if (total > shown) blocks.push(context([`…and ${total - shown} more. Showing ${shown} of ${total}.`]));
  return { text: `${total} open release(s)`, blocks };
}

export function statusMessage(snap: ReleaseSnapshot): SlackMessage {
  const card = releaseCard(snap);
  // The status answer is the card without its buttons (they act on the card itself).
  return { text: card.text, blocks: card.blocks.filter((b) => b.type !== 'actions') };
}

/** `/release audit`: the events oldest first; `cut` when earlier ones were left out (the latest matter most). */
export function auditMessage(release: Release, events: AuditRow[], cut = false): SlackMessage {
  const lines = events.map((e) => {
    const details = Object.entries(e.details)
      .filter(([k]) => !['before', 'after'].includes(k))
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
    const actor = /^[UW][A-Z0-9]+$/.test(e.actor) ? mention(e.actor) : esc(e.actor);
    return `${slackDate(e.at, '{date_short} {time_secs}')} · \`${e.action}\` · ${actor}${details ? ` — ${escTrunc(details, 300)}` : ''}`;
  });
  const blocks: Blocks = [header(`Audit trail of ${relId(release.id)}`)];
  const chunks = lineSections(lines, 2900);
  // the latest events matter most: a long trail loses its earliest ones
  if (cut || chunks.length > 45) blocks.push(context([`Earlier events are cut; \`GET /api/v1/audit?release=${relId(release.id)}\` has them all.`]));
  blocks.push(...chunks.slice(-45));
  if (events.length === 0) blocks.push(section('_No events._'));
  return { text: `Audit trail of ${relId(release.id)} (${cut || chunks.length > 45 ? 'the latest events' : `${events.length} events`})`, blocks };
}

function whoCan(snap: ApprovalSnapshot, roles: readonly Role[]): string {
  return roles.map((r) => `${ROLE_LABELS[r]}: ${mentions(snap.members[r].filter((m) => m !== snap.release.requestedBy))}`).join(' · ');
}

/** Roles as a sentence names them: "QA or a release manager". */
const ROLE_NOUNS: Record<Role, string> = {
  developer: 'a developer',
  qa: 'QA',
  release_manager: 'a release manager',
  product_manager: 'a product manager',
  operations: 'operations',
};

/** `stageDenialMessage` for a modal's inline error, which Slack shows as plain text: roles by name, no mentions. */
export function stageDenialError(snap: ApprovalSnapshot, denial: StageActionDenial, verb: string): string {
  if (denial.kind === 'not_in_role') {
    return `Only ${denial.roles.map((r) => ROLE_NOUNS[r]).join(' or ')} can ${verb} ${relId(snap.release.id)} at ${STATE_LABELS[snap.release.state]}.`;
  }
  return mrkdwnToPlain(stageDenialMessage(snap, denial, verb).text);
}

export function approveDenialMessage(snap: ApprovalSnapshot, denial: ApproveDenial): SlackMessage {
  const id = relId(snap.release.id);
  const state = snap.release.state;
  switch (denial.kind) {
    case 'self_approval': {
      const stage = isApprovalStage(state) ? state : 'review';
      return { text: `:no_entry_sign: You requested ${id}, so you can't approve it. Someone else must — ${whoCan(snap, STAGE_ROLES[stage])}.` };
    }
    case 'not_in_role':
      return {
        text: `:no_entry_sign: ${id} is waiting on *${STATE_LABELS[denial.stage]}*, which needs ${whoCan(snap, denial.roles)}. You don't hold that role for ${esc(snap.release.service)}.`,
      };
    case 'already_approved':
      return { text: `:ballot_box_with_check: You already approved *${STATE_LABELS[denial.stage]}* of ${id}. ${isApprovalStage(state) ? `Still waiting on ${waitingOn(snap, state)}.` : ''}`.trim() };
    case 'role_satisfied':
      return {
        text: `:ballot_box_with_check: *${STATE_LABELS[denial.stage]}* of ${id} already has the ${denial.roles.map((r) => ROLE_LABELS[r]).join(' and ')} approvals it needs. ${isApprovalStage(state) ? `It is waiting on ${waitingOn(snap, state)}.` : ''}`.trim(),
      };
    case 'not_awaiting':
      return { text: `${id} is *${STATE_LABELS[denial.state]}*; there is nothing to approve now.` };
    case 'stale_view':
      return { text: `:arrows_counterclockwise: ${id} was edited after this card was shown to you. Read the updated card, then approve again.` };
  }
}

export function stageDenialMessage(snap: ApprovalSnapshot, denial: StageActionDenial, verb: string): SlackMessage {
  const id = relId(snap.release.id);
  switch (denial.kind) {
    case 'self_action':
      return { text: `:no_entry_sign: You requested ${id}; to change it use \`/release edit ${id}\`, to withdraw it \`/release cancel ${id}\`.` };
    case 'not_in_role':
      return { text: `:no_entry_sign: Only ${whoCan(snap, denial.roles)} can ${verb} ${id} at *${STATE_LABELS[snap.release.state]}*.` };
    case 'not_awaiting':
      return { text: `${id} is *${STATE_LABELS[denial.state]}*; it can't be ${verb === 'reject' ? 'rejected' : 'sent back'} now.` };
  }
}

/** Why someone may not edit a release (requester or release manager, before it ships). */
export function editDenialMessage(release: Pick<Release, 'id'>): SlackMessage {
  return { text: `:no_entry_sign: Only the requester or a release manager can edit ${relId(release.id)}, and only before it ships.` };
}

export function stageLabel(stage: ApprovalStage): string {
  return STATE_LABELS[stage];
}

export function withDivider(blocks: Blocks): Blocks {
  return [...blocks, divider()];
}

/** `/release why`: everything that holds the release now (the holds come from usecases/why.ts). */
export function whyMessage(report: WhyReport): SlackMessage {
  const r = report.release;
  const id = relId(r.id);
  const zone = report.zone;
  const when = (at: number) => `${slackDate(at)} (${formatSlot(at, zone)})`;
  const lines = holdLines(report);
  const head = `${STATE_EMOJI[r.state]} ${id} is *${STATE_LABELS[r.state]}*.`;
  const extra: string[] = [];
  if (report.overridden) extra.push(':rotating_light: An emergency override is active: freezes do not apply to it.');
  if (report.schedulable) {
    extra.push(
      report.earliestSlot !== null
        ? `:dart: Earliest slot when all of this allows: *${when(report.earliestSlot)}*`
        : ':dart: No slot satisfies the windows and freezes in the next 90 days.',
    );
  }
  if (lines.length === 0) return { text: `${head} Nothing holds it.`, ...(extra.length ? { blocks: [section(head), section('Nothing holds it.'), context(extra)] } : {}) };
  // the head, the holds, a line for those left out, and the extra section
  const { sections, shown } = sectionsWithin(lines, LIMIT.messageBlocks - 3);
  const blocks: Blocks = [section(head), ...sections];
  if (shown < lines.length) blocks.push(context([`…and ${lines.length - shown} more.`]));
  if (extra.length) blocks.push(section(extra.join('\n')));
  return { text: `${head} Held by ${lines.length} thing(s).`, blocks };
}

/** One line per hold of a `/release why` report (App Home shows them too). */
export function holdLines(report: WhyReport): string[] {
  const id = relId(report.release.id);
  const when = (at: number) => `${slackDate(at)} (${formatSlot(at, report.zone)})`;
  return report.holds.map((h): string => {
    switch (h.kind) {
      case 'changes_requested':
        return `:leftwards_arrow_with_hook: Changes were requested${h.reason ? `: ${escTrunc(h.reason, 500)}` : ''} — ${mention(h.requester)} edits it with \`/release edit ${id}\`.`;
      case 'approval':
        return `:hourglass_flowing_sand: ${h.missing} more ${ROLE_LABELS[h.role]} approval${h.missing > 1 ? 's' : ''} for *${STATE_LABELS[h.stage]}* — from ${mentions(h.who)}`;
      case 'criterion':
        return `:clipboard: Readiness *${h.label}* is ${h.status} — ${ROLE_LABELS[h.owner]} (${mentions(h.who)}) report it, or a release manager waives it; it blocks sign-off`;
      case 'freeze':
        return wholeDays(h.start, h.end, report.zone)
          ? `:snowflake: Freeze *${escTrunc(h.reason, 200)}* ${formatFreezeSpan(h.start, h.end, report.zone)}`
          : `:snowflake: Freeze *${escTrunc(h.reason, 200)}* from ${when(h.start)} until ${when(h.end)}`;
      case 'window':
        if (h.never) return `:no_entry: ${h.environment} has no deploy windows (\`never\`)`;
        return h.atSlot
          ? `:no_entry: The booked slot is outside the ${h.environment} deploy windows${h.opensAt !== null ? `; the next allowed slot is ${when(h.opensAt)}` : ''}`
          : `:no_entry: Outside the ${h.environment} deploy windows now${h.opensAt !== null ? `; the next one opens ${when(h.opensAt)}` : ''}`;
      case 'deploy_lock':
        return `:lock: Deploy lock: ${relId(h.holder)} is deploying ${esc(h.service)} to ${h.environment}; this one waits until it finishes`;
      case 'slot_busy':
        return `:lock: The booked slot collides with ${h.conflict}`;
      case 'needs_slot':
        return `:calendar: Operations pick a deploy slot — ${mentions(h.who)} (\`/release schedule ${id}\`)`;
      case 'awaiting_slot':
        return `:clock3: Waits for its slot ${when(h.at)}`;
    }
  });
}
