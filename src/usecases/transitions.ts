import { STATE_LABELS } from '../domain/types';
import { isApprovalStage } from '../domain/workflow';
import { waitingOn } from '../slack/views/release-card.view';
import type { Deps } from './deps';
import { loadSnapshot } from './snapshot';

/** "Now in QA — waiting on QA: @alice" for the thread, mentioning who is needed next. */
export function stageAdvanceText(deps: Pick<Deps, 'db' | 'policy' | 'now'>, releaseId: number): string {
  const snap = loadSnapshot(deps.db, deps.policy, releaseId, deps.now());
  if (!snap) return '';
  const state = snap.release.state;
  if (isApprovalStage(state)) return `:arrow_forward: Now in *${STATE_LABELS[state]}* — waiting on ${waitingOn(snap, state)}.`;
  return `:arrow_forward: Now *${STATE_LABELS[state]}*.`;
}
