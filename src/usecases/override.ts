/**
 * Break-glass: a release manager who did not request the release lets it deploy during a freeze (and start outside
 * the deploy windows), with a reason. The override expires on its own, is announced, and makes the post-release
 * review mandatory.
 */
import { inBackground } from './background';
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { getRelease, updateRelease } from '../db/release.repo';
import type { OverrideRow } from '../db/schedule.repo';
import { activeOverride, insertOverride } from '../db/schedule.repo';
import { STATE_PHRASES } from '../domain/types';
import { escTrunc, mention, relId, slackDate } from '../slack/format';
import type { Deps } from './deps';
import { auditDenial } from './denials';
import { NotFoundError } from './errors';
import { rolesOf } from './roles';

export const OVERRIDE_HOURS = [4, 12, 24, 48, 72] as const;
const OVERRIDE_STATES = ['scheduling', 'scheduled'];

export type OverrideDenial = 'not_release_manager' | 'requester' | 'not_ready' | 'already';

/**
 * May `actor` grant an override now? Asked by the card's button and again by the modal's submit; a refusal changes
 * nothing, so it is audited here, once per attempt.
 */
export async function checkOverride(deps: Deps, releaseId: number, actor: string, via?: 'card'): Promise<{ release: Release; why: OverrideDenial | null }> {
  const release = getRelease(deps.db, releaseId);
  if (!release) throw new NotFoundError(`REL-${releaseId}`);
  const why = await overrideDenial(deps, release, actor);
  if (why) auditDenial(deps, { releaseId: release.id, actor, action: 'override.denied', reason: why, state: release.state, via });
  return { release, why };
}

async function overrideDenial(deps: Deps, release: Release, actor: string): Promise<OverrideDenial | null> {
  if (!OVERRIDE_STATES.includes(release.state)) return 'not_ready';
  if (actor === release.requestedBy) return 'requester';
  if (!(await rolesOf(deps, release.service, actor)).includes('release_manager')) return 'not_release_manager';
  if (activeOverride(deps.db, release.id, deps.now())) return 'already';
  return null;
}

export function overrideDenialText(release: Release, why: OverrideDenial): string {
  const id = relId(release.id);
  switch (why) {
    case 'not_release_manager':
      return `Only a release manager can grant an emergency override for ${id}.`;
    case 'requester':
      return `You requested ${id}: another release manager must confirm an emergency override.`;
    case 'not_ready':
      return `${id} is ${STATE_PHRASES[release.state]}; an override applies to releases in scheduling or scheduled.`;
    case 'already':
      return `${id} already has an emergency override in force.`;
  }
}

export type OverrideResult =
  | { kind: 'granted'; override: OverrideRow; release: Release }
  | { kind: 'denied'; release: Release; why: OverrideDenial }
  | { kind: 'invalid'; error: string };

export async function grantOverride(deps: Deps, input: { releaseId: number; actor: string; reason: string; hours: number }): Promise<OverrideResult> {
  const reason = input.reason.trim();
  if (!reason) return { kind: 'invalid', error: 'An emergency override needs a reason.' };
  if (reason.length > 2000) return { kind: 'invalid', error: 'Keep the reason under 2,000 characters.' };
  if (!(OVERRIDE_HOURS as readonly number[]).includes(input.hours)) return { kind: 'invalid', error: 'Pick how long the override lasts.' };
  const check = await checkOverride(deps, input.releaseId, input.actor);
  if (check.why) return { kind: 'denied', release: check.release, why: check.why };
  const now = deps.now();
  const result = inTransaction(deps.db, (tx) => {
    const release = getRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError(`REL-${input.releaseId}`);
    if (activeOverride(tx, release.id, now)) return { kind: 'denied', release, why: 'already' } as const;
    const override = insertOverride(tx, { releaseId: release.id, grantedBy: input.actor, reason, createdAt: now, expiresAt: now + input.hours * 3_600_000 });
    const updated = updateRelease(tx, release.id, { reviewRequired: true, updatedAt: now });
    appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.actor,
      action: 'override.granted',
      details: { reason, expires_at: new Date(override.expiresAt).toISOString(), hours: input.hours },
    });
    return { kind: 'granted', override, release: updated } as const;
  });
  if (result.kind !== 'granted') {
    // (another override was granted between the check and this transaction)
    auditDenial(deps, { releaseId: result.release.id, actor: input.actor, action: 'override.denied', reason: result.why, state: result.release.state });
    return result;
  }
  const r = result.release;
  const text = `:rotating_light: Emergency override for ${relId(r.id)} (${r.service} ${escTrunc(r.version, 64)}) by ${mention(input.actor)} until ${slackDate(result.override.expiresAt)}: ${escTrunc(reason, 1500)}. Freezes don't apply to it until then; a post-release review is mandatory.`;
  void deps.cards.refresh(r.id);
  void deps.cards.thread(r.id, text);
  const channel = deps.policy.channels.announcements;
  if (channel) inBackground(deps, 'announce the override', () => deps.slack.post({ channel, text, dedupeKey: `override-granted-${result.override.id}`, releaseId: r.id }));
  const expire = { name: 'override-expire', payload: { overrideId: result.override.id, releaseId: r.id }, at: result.override.expiresAt } as const;
  inBackground(deps, "set the override's expiry timer", () => deps.timers.add(expire));
  return result;
}
