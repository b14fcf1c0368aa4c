/**
 * The audit trail of refusals decided outside a use case's own transaction: a click by someone who may not act is
 * answered privately and changes nothing, yet the contract audits every denial, so each one leaves an event.
 */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { ReleaseState } from '../domain/types';
import type { Deps } from './deps';

/** `<area>.denied`, in the vocabulary of the events the area writes when it succeeds. */
export type DeniedAction =
  | 'approval.denied'
  | 'criterion.denied'
  | 'edit.denied'
  | 'schedule.denied'
  | 'override.denied'
  | 'deploy.denied'
  | 'rollback.denied'
  | 'monitoring.denied'
  | 'review.denied'
  | 'freeze.denied'
  | 'windows.denied'
  | 'roles.denied';

export interface Denial {
  /** The release refused, or null for settings that belong to no release (freezes, windows, roles). */
  releaseId: number | null;
  actor: string;
  action: DeniedAction;
  /** The refusal's kind (`not_in_role`, `self_action`, `wrong_state`…), not its wording. */
  reason: string;
  /** The release's state when it was refused (left out when there is no release). */
  state?: ReleaseState;
  /** Where the attempt came from (`card`, `home`, `dm`, `command`, `slack`, `api`), when the use case knows. */
  via?: string;
  /** Anything else worth keeping, such as what was attempted. */
  [detail: string]: unknown;
}

/** Appends one denial event in a short transaction of its own: call it after any transaction, never inside one. */
export function auditDenial(deps: Pick<Deps, 'db' | 'now'>, denial: Denial): void {
  const { releaseId, actor, action, ...rest } = denial;
  // (a detail the caller did not know, such as `via`, is left out rather than stored as null)
  const details = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const at = deps.now();
  inTransaction(deps.db, (tx) => {
    appendAudit(tx, { at, releaseId, actor, action, details });
  });
}
