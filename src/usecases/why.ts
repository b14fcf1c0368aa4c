/**
 * `/release why REL-n`: everything that holds a release now, as structured holds (the view renders them).
 * Approvals still missing (with who can give them), unmet readiness criteria, changes requested, and for releases
 * in scheduling or scheduled: the freeze, the deploy window, the deploy lock, and the earliest slot at which all
 * of them would be satisfied.
 */
import type { Freeze } from '../config';
import type { Release } from '../db/release.repo';
import { deployingFor } from '../db/schedule.repo';
import { activeFreeze, checkSlot, nextSlots, nextWindowOpening, windowOccurrenceAt } from '../domain/calendar';
import type { ApprovalStage, Criterion, CriterionStatus, Role } from '../domain/types';
import { CRITERION_LABELS, CRITERION_OWNERS } from '../domain/types';
import { isApprovalStage } from '../domain/workflow';
import type { Deps } from './deps';
import { slotContext } from './slots';
import { loadSnapshot } from './snapshot';

export type Hold =
  | { kind: 'approval'; stage: ApprovalStage; role: Role; missing: number; who: string[] }
  | { kind: 'criterion'; criterion: Criterion; label: string; status: Extract<CriterionStatus, 'pending' | 'failed'>; owner: Role; who: string[] }
  | { kind: 'changes_requested'; reason: string | null; requester: string }
  /** A freeze in force now (scheduling) or over the booked slot (scheduled). */
  | { kind: 'freeze'; reason: string; start: number; end: number }
  /** Outside the environment's deploy windows: now (scheduling; `opensAt` is the next opening) or at the booked slot. */
  | { kind: 'window'; environment: string; never: boolean; opensAt: number | null; atSlot: boolean }
  /** Another release is deploying the same service to the same environment. */
  | { kind: 'deploy_lock'; holder: number; service: string; environment: string }
  /** The booked slot collides with another booking (deploy lock at the slot, or the window's limit). */
  | { kind: 'slot_busy'; conflict: string }
  /** Operations still have to pick a slot. */
  | { kind: 'needs_slot'; who: string[] }
  /** Scheduled: it waits for its slot. */
  | { kind: 'awaiting_slot'; at: number };

export interface WhyReport {
  release: Release;
  holds: Hold[];
  /** For scheduling/scheduled releases: the earliest slot where window, freezes and locks all allow a deploy. */
  earliestSlot: number | null;
  /** Whether `earliestSlot` applies (the release is in scheduling or scheduled). */
  schedulable: boolean;
  zone: string;
  overridden: boolean;
}

export function explainHolds(deps: Pick<Deps, 'db' | 'policy' | 'now'>, releaseId: number): WhyReport | undefined {
  const now = deps.now();
  const snap = loadSnapshot(deps.db, deps.policy, releaseId, now);
  if (!snap) return undefined;
  const r = snap.release;
  const zone = deps.policy.timezone;
  const others = (members: string[]) => members.filter((m) => m !== r.requestedBy);
  const holds: Hold[] = [];

  if (r.state === 'changes_requested') holds.push({ kind: 'changes_requested', reason: r.lastReason, requester: r.requestedBy });

  if (isApprovalStage(r.state)) {
    const stage = r.state;
    for (const p of snap.progress[stage].filter((x) => x.missing > 0)) {
      // In scheduling the pick of a slot is the operations approval: shown as needs_slot below, unless more are needed.
      if (stage === 'scheduling' && p.role === 'operations' && p.required <= 1) continue;
      holds.push({ kind: 'approval', stage, role: p.role, missing: p.missing, who: others(snap.members[p.role]) });
    }
  }

  if ((isApprovalStage(r.state) && r.state !== 'scheduling') || r.state === 'changes_requested') {
    for (const c of snap.criteria) {
      if (c.status !== 'pending' && c.status !== 'failed') continue;
      const owner = CRITERION_OWNERS[c.criterion];
      holds.push({ kind: 'criterion', criterion: c.criterion, label: CRITERION_LABELS[c.criterion], status: c.status, owner, who: snap.members[owner] });
    }
  }

  const schedulable = r.state === 'scheduling' || r.state === 'scheduled';
  let earliestSlot: number | null = null;
  let overridden = false;
  if (schedulable) {
    const ctx = slotContext(deps.db, deps.policy, r, now);
    overridden = ctx.overridden;
    const lock = deployingFor(deps.db, r.service, r.environment, r.id)[0];
    if (lock) holds.push({ kind: 'deploy_lock', holder: lock.id, service: r.service, environment: r.environment });

    if (r.state === 'scheduling') {
      const freeze = activeFreeze(ctx.freezes, r.service, now);
      if (freeze) holds.push(freezeHold(freeze));
      if (windowOccurrenceAt(ctx.spec, zone, now) === null) {
        const next = nextWindowOpening(ctx.spec, zone, now);
        holds.push({ kind: 'window', environment: r.environment, never: ctx.spec.kind === 'never', opensAt: next, atSlot: false });
      }
      holds.push({ kind: 'needs_slot', who: others(snap.members.operations) });
      earliestSlot = nextSlots({ ...ctx, from: now, count: 1 })[0] ?? null;
    } else if (r.scheduledAt !== null) {
      const at = r.scheduledAt;
      const check = checkSlot({ ...ctx, at: Math.max(at, now), now });
      if (!check.ok) {
        const p = check.problem;
        if (p.kind === 'frozen') holds.push(freezeHold(p.freeze));
        else if (p.kind === 'outside_window') holds.push({ kind: 'window', environment: r.environment, never: ctx.spec.kind === 'never', opensAt: check.next, atSlot: true });
        else if (p.kind === 'busy') holds.push({ kind: 'slot_busy', conflict: p.conflict });
      }
      if (at > now) holds.push({ kind: 'awaiting_slot', at });
      earliestSlot = check.ok ? at : check.next;
    }
  }
  return { release: r, holds, earliestSlot, schedulable, zone, overridden };
}

function freezeHold(f: Freeze): Hold {
  return { kind: 'freeze', reason: f.reason, start: f.start, end: f.end };
}

/** The next time a window of `spec` opens after `now` (within 90 days), or null. */
