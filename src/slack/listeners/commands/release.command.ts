/** `/release …`: thin — parse, call one use case, render one view. */
import { serviceNames } from '../../../config';
import type { SlackRouter } from '../../router';
import type { Deps } from '../../../usecases/deps';
import { checkEdit } from '../../../usecases/edit-release';
import { cancelRelease } from '../../../usecases/cancel-release';
import { openReleases, releaseAudit, releaseSnapshot } from '../../../usecases/queries';
import { isAdmin, membersFor } from '../../../usecases/roles';
import { STATE_PHRASES } from '../../../domain/types';
import { esc, relId } from '../../format';
import type { SlackMessage } from '../../views/messages.view';
import { auditMessage, commandReply, editDenialMessage, helpMessage, listMessage, simple, statusMessage, usageMessage, whyMessage } from '../../views/messages.view';
import { requestModal } from '../../views/request-release.view';
import { rolesMessage, rolesModal } from '../../views/roles.view';
import { parseCommandText } from './command-text';
import { freezeListFor, openFreezeModal } from '../actions/freeze.actions';
import { openScheduleModal } from '../actions/schedule.actions';
import { WINDOWS_DENIED, openWindowsModal } from '../actions/windows.actions';
import { checkScheduler, scheduleDenialText } from '../../../usecases/schedule-release';
import { explainHolds } from '../../../usecases/why';
import { parseStatsArgs, releaseStats, statsServices } from '../../../usecases/stats';
import { statsMessage } from '../../views/stats.view';
import { deployCalendar, windowsOverview } from '../../../usecases/calendar';
import { calendarMessage, windowsMessage } from '../../views/calendar.view';
import { mayEditWindows } from '../../../usecases/windows';

const CALENDAR_DAYS = 14;

export function registerReleaseCommand(app: SlackRouter, deps: Deps): void {
  app.command('/release', async ({ command, ack }) => {
    const reply = async (m: SlackMessage) => ack(commandReply(m));
    const user = command.user_id;
    const cmd = parseCommandText(command.text ?? '');
    const notFound = (id: number) => reply(simple(`${relId(id)} doesn't exist. \`/release list\` shows open releases.`));
    switch (cmd.kind) {
      case 'request': {
        await ack();
        await deps.slack.openView(
          command.trigger_id,
          requestModal({ services: serviceNames(deps.policy), meta: { mode: 'create', channel: command.channel_id }, now: deps.now() }),
        );
        return;
      }
      case 'help':
        return reply(helpMessage());
      case 'list': {
        const { releases, total } = openReleases(deps);
        return reply(listMessage(releases, total));
      }
      case 'status': {
        const snap = releaseSnapshot(deps, cmd.releaseId);
        return snap ? reply(statusMessage(snap)) : notFound(cmd.releaseId);
      }
      case 'why': {
        const report = explainHolds(deps, cmd.releaseId);
        return report ? reply(whyMessage(report)) : notFound(cmd.releaseId);
      }
      case 'audit': {
        const trail = releaseAudit(deps, cmd.releaseId);
        return trail ? reply(auditMessage(trail.release, trail.events, trail.cut)) : notFound(cmd.releaseId);
      }
      case 'edit': {
        const snap = releaseSnapshot(deps, cmd.releaseId);
        if (!snap) return notFound(cmd.releaseId);
        const { release, allowed } = await checkEdit(deps, cmd.releaseId, user, 'command');
        if (!allowed) return reply(editDenialMessage(release));
        await ack();
        await deps.slack.openView(
          command.trigger_id,
          requestModal({
            services: serviceNames(deps.policy),
            meta: { mode: 'edit', channel: command.channel_id, releaseId: release.id, rev: release.contentRev },
            release,
            now: deps.now(),
          }),
        );
        return;
      }
      case 'cancel': {
        if (!releaseSnapshot(deps, cmd.releaseId)) return notFound(cmd.releaseId);
        const res = await cancelRelease(deps, { releaseId: cmd.releaseId, actor: user, reason: cmd.reason });
        if (res.kind === 'cancelled') return reply(simple(`:heavy_multiplication_x: ${relId(cmd.releaseId)} is cancelled.`));
        return reply(
          simple(
            res.why === 'closed'
              ? `${relId(cmd.releaseId)} can't be cancelled now: it is ${STATE_PHRASES[res.release.state]}.`
              : `:no_entry_sign: Only the requester or a release manager can cancel ${relId(cmd.releaseId)}.`,
          ),
        );
      }
      case 'roles': {
        if (cmd.service !== null && !serviceNames(deps.policy).includes(cmd.service)) {
          return reply(simple(`Unknown service "${esc(cmd.service)}". Known services: ${serviceNames(deps.policy).join(', ') || 'none'}.`));
        }
        const members = membersFor(deps, cmd.service);
        if (!isAdmin(deps, user)) return reply(rolesMessage(cmd.service, members, false));
        await ack();
        await deps.slack.openView(command.trigger_id, rolesModal(cmd.service, members));
        return;
      }
      case 'missing_id':
        return reply(simple(`\`/release ${cmd.sub}\` needs a release id, like \`/release ${cmd.sub} REL-12\`.`));
      case 'schedule': {
        if (!releaseSnapshot(deps, cmd.releaseId)) return notFound(cmd.releaseId);
        const check = await checkScheduler(deps, cmd.releaseId, user, 'command');
        if (check.why) return reply(simple(`:no_entry_sign: ${scheduleDenialText(check.release, check.why)}`));
        await ack();
        await openScheduleModal(deps, cmd.releaseId, user, command.trigger_id);
        return;
      }
      case 'freeze': {
        const list = await freezeListFor(deps, user, cmd.args);
        if (list) return reply(list);
        await ack();
        await openFreezeModal(deps, command.trigger_id);
        return;
      }
      case 'windows': {
        const admin = isAdmin(deps, user);
        if (!/^edit$/i.test(cmd.args.trim())) return reply(windowsMessage(windowsOverview(deps, deps.now()), deps.policy.timezone, admin));
        if (!mayEditWindows(deps, user, 'command')) return reply(simple(WINDOWS_DENIED));
        await ack();
        await openWindowsModal(deps, command.trigger_id);
        return;
      }
      case 'calendar':
        return reply(calendarMessage(deployCalendar(deps, { from: deps.now(), days: CALENDAR_DAYS }), CALENDAR_DAYS));
      case 'stats': {
        const args = parseStatsArgs(cmd.args, statsServices(deps));
        if (!args.ok) return reply(simple(esc(args.error)));
        const now = deps.now();
        return reply(statsMessage(releaseStats(deps, { service: args.service, since: now - args.ms, until: now })));
      }
      case 'unknown':
        return reply(usageMessage(cmd.text));
    }
  });
}
