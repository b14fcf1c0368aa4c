/** The release card: one message per release in its service's channel, updated in place. */
import { formatFreezeSpan, wholeDays } from '../../domain/calendar';
import type { ApprovalStage, CriterionStatus, ReleaseState } from '../../domain/types';
import { APPROVAL_STAGES, CRITERION_LABELS, CRITERION_OWNERS, ROLE_LABELS, STAGE_ROLES, STATE_LABELS, STATE_PHRASES } from '../../domain/types';
import { isApprovalStage } from '../../domain/workflow';
import type { ApprovalSnapshot, ReleaseSnapshot } from '../../usecases/snapshot';
import { actorText, esc, escTrunc, mention, mentions, relId, safeLink, slackDate } from '../format';
import { ACTIONS } from '../ids';
import { deployButtons, deployCardLines } from './deploy.view';
import type { Blocks } from './kit';
import { actions, button, context, divider, fields, header, lineSections, section } from './kit';

export const STATE_EMOJI: Record<ReleaseState, string> = {
  review: ':eyes:',
  qa: ':test_tube:',
  signoff: ':memo:',
  scheduling: ':calendar:',
  scheduled: ':alarm_clock:',
  deploying: ':rocket:',
  monitoring: ':satellite_antenna:',
  released: ':white_check_mark:',
  changes_requested: ':leftwards_arrow_with_hook:',
  rejected: ':no_entry:',
  cancelled: ':heavy_multiplication_x:',
  failed: ':x:',
  rolled_back: ':rewind:',
};

const CRITERION_EMOJI: Record<CriterionStatus, string> = {
  pending: ':hourglass_flowing_sand:',
  met: ':white_check_mark:',
  failed: ':x:',
  waived: ':heavy_minus_sign:',
};

/** States whose card says when the service's rollback last ran (and warns when a drill is due). */
const DRILL_STATES: readonly ReleaseState[] = ['scheduling', 'scheduled', 'deploying', 'monitoring'];

/** Button values carry the release id and the content revision the clicker saw. */
export function cardValue(id: number, contentRev: number): string {
  return `${id}:${contentRev}`;
}

/** "Waiting on …" for the current stage, naming who can act. */
export function waitingOn(s: ApprovalSnapshot, stage: ApprovalStage): string {
  const parts = s.progress[stage]
    .filter((p) => p.missing > 0)
    .map((p) => {
      const who = mentions(s.members[p.role].filter((m) => m !== s.release.requestedBy));
      const count = p.required > 1 ? ` (${p.approvers.length} of ${p.required})` : '';
      return `${ROLE_LABELS[p.role]}${count}: ${who}`;
    });
  // every role approved and still in sign-off: readiness holds it
  if (parts.length === 0 && stage === 'signoff' && s.blocking.length > 0) {
    return `readiness: ${s.blocking.map((c) => CRITERION_LABELS[c]).join(', ')}`;
  }
  if (parts.length === 0 && stage === 'scheduling') return 'Operations to pick a deploy slot';
  return parts.join(' · ');
}

/**
 * The approval pipeline: the stages of the service's workflow (plus any stage outside it the release is in, stopped
 * at or holds approvals for, e.g. after the workflow changed). A stage is ticked only when the release really went
 * past it with its approvals: before the current stage, or (shipped, scheduled or later) any stage approved. A rejected
 * or cancelled release marks the stage it stopped at (from the audit trail) and ticks the stages whose required
 * approvals were all given (scheduling only when a slot had been picked); the rest stay neutral.
 */
function pipelineLines(s: ReleaseSnapshot): string[] {
  const state = s.release.state;
  const current = isApprovalStage(state) ? APPROVAL_STAGES.indexOf(state) : -1;
  const stopped = state === 'rejected' || state === 'cancelled';
  const shipped = !isApprovalStage(state) && state !== 'changes_requested' && !stopped;
  const shown = APPROVAL_STAGES.filter(
    (stage, i) =>
      s.stages.includes(stage) ||
      i === current ||
      s.stoppedAt?.stage === stage ||
      s.approvals.some((a) => a.status === 'active' && a.stage === stage),
  );
  return shown.map((stage) => {
    const i = APPROVAL_STAGES.indexOf(stage);
    const approved = s.approvals.filter((a) => a.status === 'active' && a.stage === stage);
    const who = approved.map((a) => `${mention(a.userId)} ${slackDate(a.at, '{date_short} {time}')}`).join(', ');
    const roles = STAGE_ROLES[stage].map((r) => ROLE_LABELS[r]).join(' + ');
    const name = STATE_LABELS[stage];
    if (i === current) {
      return `:arrow_forward: *${name}* (${roles}) — waiting on ${waitingOn(s, stage)}${who ? ` · approved: ${who}` : ''}`;
    }
    if (stopped && s.stoppedAt?.stage === stage) {
      const stop = s.stoppedAt;
      const by = `${STATE_PHRASES[stop.action]} here by ${actorText(stop.actor, 'Greenlight')} ${slackDate(stop.at, '{date_short} {time}')}`;
      return `${STATE_EMOJI[stop.action]} *${name}* (${roles}) — ${by}${who ? ` · approved: ${who}` : ''}`;
    }
    const rolesDone = s.progress[stage].every((p) => p.missing === 0);
    const passed =
      approved.length > 0 &&
      (i < current || shipped || (stopped && rolesDone && (stage !== 'scheduling' || s.release.scheduledAt !== null)));
    if (passed) return `:white_check_mark: *${name}* — ${who}`;
    return `:white_circle: *${name}* (${roles})${who ? ` — ${who}` : ''}`;
  });
}

function readinessLines(s: ReleaseSnapshot): string[] {
  return s.criteria.map((c) => {
    const owner = ROLE_LABELS[CRITERION_OWNERS[c.criterion]];
    const evidence = c.url ? ` · ${safeLink(c.url, 'evidence')}` : '';
    const details = c.details ? ` — ${escTrunc(c.details, 150)}` : '';
    const by = c.updatedBy && c.status !== 'pending' && /^[UW]/.test(c.updatedBy) ? ` by ${mention(c.updatedBy)}` : '';
    return `${CRITERION_EMOJI[c.status]} ${CRITERION_LABELS[c.criterion]} _(${owner})_ — ${c.status}${by}${details}${evidence}`;
  });
}

function resetNotice(s: ReleaseSnapshot): string | null {
  const resets = s.approvals.filter((a) => a.status === 'reset' && a.resetAt !== null);
  if (resets.length === 0) return null;
  const latest = Math.max(...resets.map((a) => a.resetAt ?? 0));
  const last = resets.filter((a) => a.resetAt === latest);
  const items = last.map((a) => `${ROLE_LABELS[a.role]} (${mention(a.userId)}): ${esc(a.resetReason ?? 'edited')}`);
  return `:arrows_counterclockwise: *Approvals reset* by the edit ${slackDate(latest)}: ${items.join('; ')}`;
}

export function cardText(s: ReleaseSnapshot): string {
  const r = s.release;
  return `${relId(r.id)} ${esc(r.service)} ${escTrunc(r.version, 64)} (${r.environment}): ${STATE_LABELS[r.state]}`;
}

export function releaseCard(s: ReleaseSnapshot): { text: string; blocks: Blocks } {
  const r = s.release;
  const value = cardValue(r.id, r.contentRev);
  const blocks: Blocks = [
    header(`${relId(r.id)} · ${r.service} ${r.version}`),
    section(`*${escTrunc(r.title, 150)}*\n${STATE_EMOJI[r.state]} *${STATE_LABELS[r.state]}*${isApprovalStage(r.state) ? ` — waiting on ${waitingOn(s, r.state)}` : ''}`),
    fields([
      `*Service*\n${esc(r.service)}`,
      `*Version*\n\`${escTrunc(r.version, 64)}\``,
      `*Environment*\n${r.environment}`,
      `*Risk*\n${r.risk === 'high' ? ':warning: high' : r.risk}`,
      `*Requested by*\n${mention(r.requestedBy)}`,
      r.scheduledAt && (r.state === 'scheduled' || r.state === 'deploying')
        ? `*Deploy slot*\n${slackDate(r.scheduledAt)}`
        : `*Deploy date and time*\n${r.desiredAt ? `${slackDate(r.desiredAt)} (requested)` : '_next free slot_'}`,
    ]),
  ];
  if (r.lastReason && (r.state === 'changes_requested' || r.state === 'rejected' || r.state === 'cancelled')) {
    blocks.push(section(`${STATE_EMOJI[r.state]} *${STATE_LABELS[r.state]}:* ${escTrunc(r.lastReason, 2000)}`));
  }
  if (s.override) {
    blocks.push(
      section(`:rotating_light: *Emergency override* by ${mention(s.override.grantedBy)} until ${slackDate(s.override.expiresAt)}: ${escTrunc(s.override.reason, 1000)}`),
    );
  } else if (s.freezeAhead && (r.state === 'scheduling' || r.state === 'scheduled' || isApprovalStage(r.state))) {
    const f = s.freezeAhead;
    const span = wholeDays(f.start, f.end, s.zone) ? formatFreezeSpan(f.start, f.end, s.zone) : `from ${slackDate(f.start)} to ${slackDate(f.end)}`;
    blocks.push(context([`:snowflake: Freeze ${span}: ${escTrunc(f.reason, 300)}`]));
  }
  blocks.push(divider(), ...lineSections(['*Approvals*', ...pipelineLines(s)]));
  const notice = resetNotice(s);
  if (notice) blocks.push(context([notice]));
  // five criteria, each with details and an evidence link, can pass a section's 3,000 characters: split by line, never mid-link
  blocks.push(...lineSections(['*Readiness*', ...readinessLines(s)]));
  blocks.push(section(`*Changelog*\n${escTrunc(r.changelog, 1500)}`));
  blocks.push(section(`*Rollback plan*\n${escTrunc(r.rollbackPlan, 1500)}`));
  if (r.links.length > 0) blocks.push(...lineSections(['*Links*', ...r.links.map((l) => safeLink(l))]));
  const post = deployCardLines(r, s.post, DRILL_STATES.includes(r.state));
  for (const text of post.sections) blocks.push(section(text));
  if (post.notes.length > 0) blocks.push(context(post.notes));

  const buttons = [];
  if (isApprovalStage(r.state)) {
    buttons.push(button('Approve', ACTIONS.approve, value, { style: 'primary' }));
    buttons.push(button('Request changes', ACTIONS.requestChanges, value));
    buttons.push(button('Reject', ACTIONS.reject, value, { style: 'danger' }));
  }
  if (r.state === 'scheduling' || r.state === 'scheduled') {
    buttons.push(button('Schedule', ACTIONS.schedule, value, r.state === 'scheduling' ? { style: 'primary' } : {}));
  }
  if ((r.state === 'scheduling' || r.state === 'scheduled') && s.freezeAhead && !s.override) {
    buttons.push(
      button('Emergency override', ACTIONS.override, value, {
        style: 'danger',
        confirm: { title: 'Break the freeze?', text: 'An emergency override lets this release deploy during a freeze. It is announced and needs a reason.', confirm: 'Continue' },
      }),
    );
  }
  if (r.state === 'changes_requested') buttons.push(button('Edit request', ACTIONS.edit, value, { style: 'primary' }));
  if (isApprovalStage(r.state) || r.state === 'changes_requested' || r.state === 'scheduled') {
    buttons.push(button('Update readiness', ACTIONS.readiness, value));
  }
  buttons.push(...deployButtons(r, s.post));
  if (buttons.length > 0) blocks.push(actions(`card-${r.id}`, buttons));
  blocks.push(context([`${relId(r.id)} · updated ${slackDate(r.updatedAt)} · \`/release status ${relId(r.id)}\` for details`]));
  return { text: cardText(s), blocks };
}
