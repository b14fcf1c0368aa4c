/**
 * Deploy windows: greenlight.yml's, with the ones admins edit in Slack (`/release windows`) stored in the database and
 * layered over them per environment. Every use case reads windows through `windowsFor`, so scheduling, `/release why`,
 * the calendar and the iCalendar feed all honour an edit.
 */
import { inBackground } from './background';
import type { WindowSpec } from '../config';
import { formatWindowSpecText, windowSpecTextSchema } from '../config/window-text';
import type { DbOrTx } from '../db/client';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { scheduledBetween } from '../db/schedule.repo';
import { setWindowOverride, windowOverridesByEnvironment } from '../db/windows.repo';
import { SLOT_MINUTES, formatSlot, windowOccurrenceAt } from '../domain/calendar';
import type { Environment } from '../domain/types';
import { ENVIRONMENTS } from '../domain/types';
import { mention, relId } from '../slack/format';
import { windowsAnnouncement } from '../slack/views/windows.view';
import type { Deps, WorkflowPolicy } from './deps';
import { auditDenial } from './denials';
import { isAdmin } from './roles';
import { tellUnscheduled, unscheduleInTx } from './unschedule';

const SLOT_MS = SLOT_MINUTES * 60_000;

/** The windows in force for `environment`: the Slack edit if there is one, else the policy file's. */
export function windowsFor(deps: { db: DbOrTx; policy: WorkflowPolicy }, environment: Environment): WindowSpec {
  return windowOverridesByEnvironment(deps.db)[environment]?.spec ?? deps.policy.windows[environment];
}

/** `windowsFor` every environment (one read). */
export function allWindows(deps: { db: DbOrTx; policy: WorkflowPolicy }): Record<Environment, WindowSpec> {
  const edited = windowOverridesByEnvironment(deps.db);
  return Object.fromEntries(ENVIRONMENTS.map((env) => [env, edited[env]?.spec ?? deps.policy.windows[env]])) as Record<Environment, WindowSpec>;
}

/** Whether a slot starting at `at` fits inside one occurrence of `spec`. */
function slotFits(spec: WindowSpec, zone: string, at: number): boolean {
  const occurrence = windowOccurrenceAt(spec, zone, at);
  return occurrence !== null && at + SLOT_MS <= occurrence.end;
}

export interface WindowChange {
  environment: Environment;
  before: WindowSpec;
  after: WindowSpec;
}

export type WindowsInputErrors = Partial<Record<Environment, string>>;

export type SetWindowsResult =
  | { kind: 'saved'; changed: WindowChange[]; moved: Release[] }
  | { kind: 'invalid'; errors: WindowsInputErrors }
  | { kind: 'denied' };

/**
 * An admin saves the windows (one line of text per environment, in the policy syntax). Changed environments are
 * stored and audited (`windows.updated`, before and after), the change is announced, and every scheduled release of
 * those environments whose slot is now outside the windows goes back to scheduling, its owners told.
 */
/**
 * May `actor` edit the deploy windows (open the editor from `via`)? Admins only; anyone else is refused, and the
 * refusal is audited (`windows.denied`) like every other.
 */
export function mayEditWindows(deps: Deps, actor: string, via: 'command' | 'slack' | 'modal'): boolean {
  if (isAdmin(deps, actor)) return true;
  auditDenial(deps, { releaseId: null, actor, action: 'windows.denied', reason: 'not_admin', attempted: via === 'modal' ? 'save' : 'open_editor', via });
  return false;
}

export function setWindows(deps: Deps, input: { actor: string; texts: Partial<Record<Environment, string>> }): SetWindowsResult {
  if (!mayEditWindows(deps, input.actor, 'modal')) return { kind: 'denied' };
  const errors: WindowsInputErrors = {};
  const parsed: Partial<Record<Environment, WindowSpec>> = {};
  for (const env of ENVIRONMENTS) {
    const text = input.texts[env];
    if (text === undefined) continue;
    const result = windowSpecTextSchema.safeParse(text);
    if (result.success) parsed[env] = result.data;
    else errors[env] = result.error.issues.map((i) => i.message).join(' ');
  }
  if (Object.keys(errors).length > 0) return { kind: 'invalid', errors };

  const now = deps.now();
  const zone = deps.policy.timezone;
  const slots = new Map<number, number>();
  const result = inTransaction(deps.db, (tx) => {
    const current = allWindows({ db: tx, policy: deps.policy });
    const changed: WindowChange[] = [];
    const moved: Release[] = [];
    let auditId = 0;
    for (const environment of ENVIRONMENTS) {
      const after = parsed[environment];
      const before = current[environment];
      if (after === undefined || formatWindowSpecText(after) === formatWindowSpecText(before)) continue;
      setWindowOverride(tx, environment, after, input.actor, now);
      const row = appendAudit(tx, {
        at: now,
        releaseId: null,
        actor: input.actor,
        action: 'windows.updated',
        details: { environment, before: formatWindowSpecText(before), after: formatWindowSpecText(after) },
      });
      auditId ||= row.id;
      changed.push({ environment, before, after });
      for (const r of scheduledBetween(tx, now, Number.MAX_SAFE_INTEGER, { environment })) {
        if (r.scheduledAt === null || slotFits(after, zone, r.scheduledAt)) continue;
        slots.set(r.id, r.scheduledAt);
        moved.push(unscheduleInTx(tx, r, r.scheduledAt, input.actor, now, { reason: 'windows', environment, windows: formatWindowSpecText(after) }));
      }
    }
    return { changed, moved, auditId };
  });
  if (result.changed.length === 0) return { kind: 'saved', changed: [], moved: [] };

  const channel = deps.policy.channels.announcements;
  if (channel) {
    const text = windowsAnnouncement(result.changed, input.actor, zone, result.moved.map((r) => r.id));
    inBackground(deps, 'announce the windows', () => deps.slack.post({ channel, text, dedupeKey: `windows-updated-${result.auditId}` }));
  }
  const slotText = (r: Release) => {
    const at = slots.get(r.id);
    return at === undefined ? 'its slot' : `its slot (${formatSlot(at, zone)})`;
  };
  const windowsText = (r: Release) => {
    const change = result.changed.find((c) => c.environment === r.environment);
    return change ? formatWindowSpecText(change.after) : 'changed';
  };
  tellUnscheduled(deps, result.moved, {
    thread: (r) =>
      `:calendar: ${mention(input.actor)} changed the ${r.environment} deploy windows (now: ${windowsText(r)}): ${slotText(r)} is outside them, so this release is back in scheduling. Operations pick a new slot.`,
    dm: (r) => `:calendar: ${relId(r.id)} (${r.service}) was unscheduled: ${slotText(r)} is outside the new ${r.environment} deploy windows (${windowsText(r)}). Operations pick a new slot.`,
    dedupeKey: (r, owner) => `windows-${result.auditId}-moved-${r.id}-${owner}`,
  });
  return { kind: 'saved', changed: result.changed, moved: result.moved };
}
