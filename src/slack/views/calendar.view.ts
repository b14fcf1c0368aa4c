/** `/release calendar` and `/release windows`: ephemeral answers, times in the policy time zone. */
import { DateTime } from 'luxon';
import type { WindowSpec } from '../../config';
import { formatClock } from '../../config';
import type { Interval } from '../../domain/calendar';
import { formatSlot } from '../../domain/calendar';
import type { CalendarFreeze, CalendarWindows, DeployCalendar } from '../../usecases/calendar';
import { esc, escTrunc, relId } from '../format';
import { ACTIONS } from '../ids';
import type { Blocks } from './kit';
import { LIMIT, actions, boundedLineSections, button, context, header, section } from './kit';
import type { SlackMessage } from './messages.view';

const DAY_LABELS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The policy syntax of a window spec, e.g. "tue, wed, thu 10:00–16:00". */
export function describeWindowSpec(spec: WindowSpec): string {
  if (spec.kind === 'always') return 'always open';
  if (spec.kind === 'never') return 'never (no deploys)';
  return spec.slots
    .map((s) => `${[...s.weekdays].sort((a, b) => a - b).map((d) => DAY_LABELS[d - 1] ?? '?').join(', ')} ${formatClock(s.start)}–${formatClock(s.end)}`)
    .join('; ');
}

/** "Tue 8 Dec 10:00–16:00 CET" (a window occurrence never crosses local midnight). */
export function formatOccurrence(o: Interval, zone: string): string {
  const end = DateTime.fromMillis(o.end, { zone });
  const endText = end.hour === 0 && end.minute === 0 ? '24:00' : end.toFormat('HH:mm');
  const start = formatSlot(o.start, zone); // "Tue 8 Dec 10:00 CET"
  const abbr = start.slice(start.lastIndexOf(' ') + 1);
  return `${start.slice(0, start.lastIndexOf(' '))}–${endText} ${abbr}`;
}

function formatDay(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).setLocale('en-GB').toFormat('ccc d LLL yyyy');
}

export function formatFreeze(f: CalendarFreeze, zone: string): string {
  const span = f.allDay
    ? `${formatDay(f.start, zone)} – ${formatDay(f.end - 1, zone)} (whole days)`
    : `${formatSlot(f.start, zone)} – ${formatSlot(f.end, zone)}`;
  const scope = f.services === null ? 'all services' : f.services.map(esc).join(', ');
  return `:snowflake: ${span}: *${escTrunc(f.reason, 200)}* (${scope})`;
}

function windowLines(w: CalendarWindows, zone: string, limit: number): string {
  const head = `*${w.environment}* — ${describeWindowSpec(w.spec)}`;
  if (w.spec.kind !== 'slots') return head;
  if (w.occurrences.length === 0) return `${head}\n_no openings in this period_`;
  const shown = w.occurrences.slice(0, limit).map((o) => `• ${formatOccurrence(o, zone)}`);
  const more = w.occurrences.length > limit ? `\n_…and ${w.occurrences.length - limit} more_` : '';
  return `${head}\n${shown.join('\n')}${more}`;
}

/** More than this many listed (deploys, freezes) and the rest are counted, not listed. */
const LISTED = { deploys: 40, freezes: 20 } as const;

/** A list with "…and N more" past `limit`. */
function listed(lines: readonly string[], limit: number, more: string): string[] {
  return lines.length > limit ? [...lines.slice(0, limit), `_…and ${lines.length - limit} more${more}._`] : [...lines];
}

export function calendarMessage(cal: DeployCalendar, days: number): SlackMessage {
  const zone = cal.zone;
  const deploys = cal.deploys.map(
    (r) => `:rocket: ${r.scheduledAt !== null ? formatSlot(r.scheduledAt, zone) : '?'} — *${relId(r.id)}* ${esc(r.service)} \`${escTrunc(r.version, 64)}\` → ${r.environment}`,
  );
  const freezes = cal.freezes.map((f) => formatFreeze(f, zone));
  // Each list is cut between lines (never inside a mention or an `&amp;`), and the whole stays within a message's
  // 50 blocks: the header, one section per environment and the note take theirs; the deploys and freezes share the rest.
  const room = LIMIT.messageBlocks - 2 - cal.windows.length;
  const deploySections = boundedLineSections(['*Scheduled deploys*', ...(deploys.length ? listed(deploys, LISTED.deploys, ' later') : ['_none_'])], Math.ceil(room / 2));
  const freezeSections = boundedLineSections(['*Freezes*', ...(freezes.length ? listed(freezes, LISTED.freezes, ', starting later') : ['_none_'])], room - deploySections.length);
  const blocks: Blocks = [
    header(`Deploy calendar · next ${days} days`),
    ...deploySections,
    ...cal.windows.map((w) => section(windowLines(w, zone, 20))),
    ...freezeSections,
    context([`Times in ${zone}. Subscribe in a calendar app: \`GET /api/v1/calendar.ics?token=…\`.`]),
  ];
  return { text: `Deploy calendar: ${cal.deploys.length} scheduled deploy(s), ${cal.freezes.length} freeze(s) in the next ${days} days`, blocks };
}

export function windowsMessage(windows: CalendarWindows[], zone: string, canEdit: boolean): SlackMessage {
  const blocks: Blocks = [
    header('Deploy windows'),
    ...windows.map((w) => section(windowLines(w, zone, 10))),
    context([
      `Times in ${zone}. A deploy slot (30 minutes, starting on :00 or :30) must fit inside a window and outside every freeze.`,
      canEdit
        ? 'You are an admin: *Edit windows* (or `/release windows edit`) changes them; a Slack edit replaces greenlight.yml\'s windows for that environment.'
        : 'Admins (policy `admins`) edit them in Slack; the defaults come from greenlight.yml.',
    ]),
    ...(canEdit ? [actions('windows_actions', [button('Edit windows', ACTIONS.editWindows, 'edit')])] : []),
  ];
  return { text: windows.map((w) => `${w.environment}: ${describeWindowSpec(w.spec)}`).join(' · '), blocks };
}
