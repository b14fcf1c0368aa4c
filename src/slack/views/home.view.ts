/**
 * App Home. Most relevant first (what waits on you, then your releases, the calendar, your review items, stats),
 * each list capped with "and N more", so a Home stays well within Slack's 100 blocks however much data there is.
 * The Schedule / Approve / Request changes / Reject buttons carry the card's action ids and value, so the card's
 * listeners handle them with the same rules and audit.
 */
import type { HomeView } from '@slack/types';
import { formatFreezeSpan, formatSlot } from '../../domain/calendar';
import { STATE_LABELS } from '../../domain/types';
import type { HomeModel } from '../../usecases/home';
import { esc, escTrunc, mention, relId, slackDate } from '../format';
import { ACTIONS } from '../ids';
import type { Blocks } from './kit';
import { LIMIT, actions, button, context, divider, header, lineSections, section } from './kit';
import { holdLines } from './messages.view';
import { STATE_EMOJI, cardValue } from './release-card.view';
import { statsBlocks } from './stats.view';

export const HOME_BLOCK_IDS = { waitingPrefix: 'home-waiting-' } as const;

function more(shown: number, total: number, how: string): string | null {
  return total > shown ? `…and ${total - shown} more — ${how}` : null;
}

/** A titled list as lines: the title, the items (or `none`), and the "…and N more" line when there is one. */
function listLines(title: string, lines: readonly string[], none: string, moreLine: string | null): string[] {
  return [title, ...(lines.length ? lines : [none]), ...(moreLine ? [moreLine] : [])];
}

/**
 * A freeze's span. Whole-day freezes (dates in the policy) are days in the policy time zone, first and last
 * inclusive: shown in the viewer's zone they would start and end at odd hours, and end at the midnight after.
 * Timed ones are times, in the viewer's zone.
 */
function freezeSpan(f: HomeModel['freezes']['freezes'][number], zone: string): string {
  if (f.allDay) return formatFreezeSpan(f.start, f.end, zone);
  return `${slackDate(f.start, '{date_short} {time}')} → ${slackDate(f.end, '{date_short} {time}')}`;
}

export function homeBlocks(m: HomeModel): Blocks {
  const blocks: Blocks = [header('Greenlight'), context([`Updated ${slackDate(m.now, '{date_short_pretty} {time}')} · \`/release help\` for commands`])];

  // Waiting on you
  blocks.push(divider(), section(`*:inbox_tray: Waiting on you* (${m.waiting.total})`));
  if (m.waiting.releases.length === 0) blocks.push(section('_Nothing waits on you._'));
  for (const r of m.waiting.releases) {
    const stage = STATE_LABELS[r.state];
    blocks.push(
      section(
        `${STATE_EMOJI[r.state]} *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment}${r.risk === 'high' ? ', :warning: high risk' : ''}) — *${stage}* since ${slackDate(r.stateChangedAt, '{date_short} {time}')}\n${escTrunc(r.title, 150)} · requested by ${mention(r.requestedBy)}`,
      ),
      actions(`${HOME_BLOCK_IDS.waitingPrefix}${r.id}`, [
        // (in scheduling the release waits for a slot: Schedule, the card's button, comes first)
        ...(r.state === 'scheduling' ? [button('Schedule', ACTIONS.schedule, cardValue(r.id, r.contentRev), { style: 'primary' })] : []),
        button('Approve', ACTIONS.approve, cardValue(r.id, r.contentRev), r.state === 'scheduling' ? {} : { style: 'primary' }),
        button('Request changes', ACTIONS.requestChanges, cardValue(r.id, r.contentRev)),
        button('Reject', ACTIONS.reject, cardValue(r.id, r.contentRev), { style: 'danger' }),
      ]),
    );
  }
  const moreWaiting = more(m.waiting.releases.length, m.waiting.total, 'oldest shown first; `/release list` shows every open release');
  if (moreWaiting) blocks.push(context([moreWaiting]));

  // Your releases
  blocks.push(divider(), section(`*:package: Your releases* (${m.mine.total})`));
  if (m.mine.reports.length === 0) blocks.push(section('_You have no releases in flight. `/release` requests one._'));
  for (const report of m.mine.reports) {
    const r = report.release;
    const holds = holdLines(report);
    const held = holds.length ? holds.slice(0, 4).join('\n') + (holds.length > 4 ? `\n…and ${holds.length - 4} more (\`/release why ${relId(r.id)}\`)` : '') : '_Nothing holds it._';
    blocks.push(section(`${STATE_EMOJI[r.state]} *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment}) — *${STATE_LABELS[r.state]}*\n${held}`));
  }
  const moreMine = more(m.mine.reports.length, m.mine.total, '`/release list` shows them all');
  if (moreMine) blocks.push(context([moreMine]));

  // Calendar: live deploys, next 14 days, freezes
  const deployLines = [
    ...m.live.map((r) => `${STATE_EMOJI[r.state]} *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment}) — ${STATE_LABELS[r.state]} now`),
    ...m.deploys.releases.map((r) => `:alarm_clock: ${slackDate(r.scheduledAt ?? 0)} (${formatSlot(r.scheduledAt ?? 0, m.zone)}) — *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` (${r.environment})`),
  ];
  const moreDeploys = more(m.deploys.releases.length, m.deploys.total, '`/release calendar` shows the calendar');
  // (one section per ~3,000 characters, cut between lines: a cut inside one would split a <!date^…> or a mention)
  blocks.push(divider(), ...lineSections(listLines(`*:calendar: Deploys in the next 14 days* (${m.deploys.total})`, deployLines, '_No deploys booked._', moreDeploys)));

  const freezeLines = m.freezes.freezes.map((f) => {
    const active = f.start <= m.now;
    const scope = f.services && f.services.length ? ` (${f.services.map(esc).join(', ')})` : ' (all services)';
    return `${active ? ':snowflake: *Active*' : ':cloud: Coming'} — *${escTrunc(f.reason, 150)}*${scope}: ${freezeSpan(f, m.zone)}`;
  });
  const moreFreezes = more(m.freezes.freezes.length, m.freezes.total, '`/release freeze` lists them');
  blocks.push(...lineSections(listLines('*Freezes*', freezeLines, '_No freezes active or coming._', moreFreezes)));

  // Review action items
  const itemLines = m.reviewItems.items.map((i) => `• ${escTrunc(i.text, 200)} — from the review of *${relId(i.releaseId)}*, due ${slackDate(i.dueAt, '{date_short}')}`);
  const moreItems = more(m.reviewItems.items.length, m.reviewItems.total, 'see the review threads');
  blocks.push(divider(), ...lineSections(listLines(`*:memo: Your review action items* (${m.reviewItems.total})`, itemLines, '_None open._', moreItems)));

  // Stats for release managers
  if (m.stats) blocks.push(divider(), section('*:bar_chart: Delivery stats*'), ...statsBlocks(m.stats, { withHeader: false }));

  // The lists above are capped; this only guards against a future section that is not.
  if (blocks.length > LIMIT.surfaceBlocks) {
    return [...blocks.slice(0, LIMIT.surfaceBlocks - 1), context(['Some sections are cut; `/release list` shows every open release.'])];
  }
  return blocks;
}

export function homeView(m: HomeModel): HomeView {
  return { type: 'home', blocks: homeBlocks(m) };
}
