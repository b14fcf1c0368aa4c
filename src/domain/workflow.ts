/**
 * The release state machine and approval policy. Pure: no I/O, no clock reads (callers pass `now`).
 * Decisions are returned values, never exceptions.
 */
import type { ApprovalStage, ContentField, Criterion, CriterionStatus, ReleaseState, Risk, Role } from './types';
import { APPROVAL_STAGES, CRITERIA, STAGE_ROLES } from './types';

export interface ApprovalView {
  stage: ApprovalStage;
  role: Role;
  userId: string;
  at: number;
}

export type CriteriaMap = Record<Criterion, CriterionStatus>;

export interface ReleaseFacts {
  state: ReleaseState;
  requestedBy: string;
  risk: Risk;
  /** Active (not reset) approvals. */
  approvals: readonly ApprovalView[];
  criteria: CriteriaMap;
}

export type HighRiskCounts = Partial<Record<Role, number>>;

/** A service's workflow: which approval stages it uses (in pipeline order) and its high-risk counts. */
export interface WorkflowRules {
  stages: readonly ApprovalStage[];
  highRisk: HighRiskCounts;
}

export const DEFAULT_RULES: WorkflowRules = { stages: APPROVAL_STAGES, highRisk: {} };

/** The states in which approval buttons act. */
export function isApprovalStage(state: ReleaseState): state is ApprovalStage {
  return (APPROVAL_STAGES as readonly string[]).includes(state);
}

/** States from which the release can still be edited or cancelled (nothing has shipped yet). */
export const OPEN_STATES: readonly ReleaseState[] = ['review', 'qa', 'signoff', 'scheduling', 'scheduled', 'changes_requested'];
export const TERMINAL_STATES: readonly ReleaseState[] = ['released', 'rejected', 'cancelled', 'failed', 'rolled_back'];

export function isOpen(state: ReleaseState): boolean {
  return OPEN_STATES.includes(state);
}

export function requiredCount(role: Role, risk: Risk, highRisk: HighRiskCounts): number {
  if (risk !== 'high') return 1;
  return Math.max(1, highRisk[role] ?? 1);
}

export interface RoleProgress {
  role: Role;
  required: number;
  approvers: string[];
  missing: number;
}

/** How far each role of a stage is towards its required count. */
export function stageProgress(
  stage: ApprovalStage,
  risk: Risk,
  approvals: readonly ApprovalView[],
  highRisk: HighRiskCounts,
): RoleProgress[] {
  return STAGE_ROLES[stage].map((role) => {
    const approvers = approvals.filter((a) => a.stage === stage && a.role === role).map((a) => a.userId);
    const required = requiredCount(role, risk, highRisk);
    return { role, required, approvers, missing: Math.max(0, required - approvers.length) };
  });
}

/** Criteria that block sign-off: pending or failed, not waived. */
export function blockingCriteria(criteria: CriteriaMap): Criterion[] {
  return CRITERIA.filter((c) => criteria[c] === 'pending' || criteria[c] === 'failed');
}

/**
 * The stage that holds a release to its readiness criteria: sign-off (DESIGN: "sign-off cannot complete while any is
 * pending or failed"). A service whose workflow leaves sign-off out is not held by them: null.
 */
export function readinessStage(rules: WorkflowRules): ApprovalStage | null {
  return rules.stages.includes('signoff') ? 'signoff' : null;
}

/** The first stage of the workflow: where a new release starts. */
export function firstStage(rules: WorkflowRules): ApprovalStage {
  return rules.stages[0] ?? 'scheduling';
}

export function stageComplete(stage: ApprovalStage, facts: ReleaseFacts, rules: WorkflowRules): boolean {
  const rolesDone = stageProgress(stage, facts.risk, facts.approvals, rules.highRisk).every((p) => p.missing === 0);
  if (!rolesDone) return false;
  if (stage === readinessStage(rules)) return blockingCriteria(facts.criteria).length === 0;
  return true;
}

/**
 * Where an approval-stage release stands given its approvals and criteria: the first stage that is not complete.
 * `scheduling` completes only when operations pick a slot, so approvals alone never move past it.
 */
export function deriveApprovalState(facts: ReleaseFacts, rules: WorkflowRules): ApprovalStage {
  for (const stage of APPROVAL_STAGES) {
    if (stage === 'scheduling') return stage;
    if (!rules.stages.includes(stage)) continue;
    if (!stageComplete(stage, facts, rules)) return stage;
  }
  return 'scheduling';
}

export type ApprovalDenial =
  | { kind: 'self_approval' }
  | { kind: 'not_in_role'; stage: ApprovalStage; roles: readonly Role[] }
  | { kind: 'already_approved'; stage: ApprovalStage }
  | { kind: 'not_awaiting'; state: ReleaseState }
  | { kind: 'role_satisfied'; stage: ApprovalStage; roles: readonly Role[] };

export type ApprovalDecision =
  | { kind: 'approve'; stage: ApprovalStage; role: Role; nextState: ApprovalStage; stageComplete: boolean }
  | { kind: 'deny'; denial: ApprovalDenial };

/**
 * May `actor` (holding `actorRoles` for this release's service) approve the current stage, and what follows?
 * A person gives at most one approval per stage; when they hold several of the stage's roles their approval
 * counts for the first role that still needs one.
 */
export function decideApproval(
  facts: ReleaseFacts,
  actor: string,
  actorRoles: readonly Role[],
  rules: WorkflowRules,
): ApprovalDecision {
  const { state } = facts;
  if (!isApprovalStage(state)) return { kind: 'deny', denial: { kind: 'not_awaiting', state } };
  if (actor === facts.requestedBy) return { kind: 'deny', denial: { kind: 'self_approval' } };
  const stageRoles = STAGE_ROLES[state];
  const held = stageRoles.filter((r) => actorRoles.includes(r));
  if (held.length === 0) return { kind: 'deny', denial: { kind: 'not_in_role', stage: state, roles: stageRoles } };
  if (facts.approvals.some((a) => a.stage === state && a.userId === actor)) {
    return { kind: 'deny', denial: { kind: 'already_approved', stage: state } };
  }
  const progress = stageProgress(state, facts.risk, facts.approvals, rules.highRisk);
  const role = held.find((r) => (progress.find((p) => p.role === r)?.missing ?? 0) > 0);
  if (!role) return { kind: 'deny', denial: { kind: 'role_satisfied', stage: state, roles: held } };
  const after: ReleaseFacts = { ...facts, approvals: [...facts.approvals, { stage: state, role, userId: actor, at: 0 }] };
  const nextState = deriveApprovalState(after, rules);
  return { kind: 'approve', stage: state, role, nextState, stageComplete: stageComplete(state, after, rules) };
}

export type StageActionDenial =
  | { kind: 'self_action' }
  | { kind: 'not_in_role'; stage: ApprovalStage; roles: readonly Role[] }
  | { kind: 'not_awaiting'; state: ReleaseState };

/** Request changes or reject: someone who could approve the current stage, or any release manager; never the requester. */
export function decideStageAction(
  facts: Pick<ReleaseFacts, 'state' | 'requestedBy'>,
  actor: string,
  actorRoles: readonly Role[],
): { kind: 'allow' } | { kind: 'deny'; denial: StageActionDenial } {
  const { state } = facts;
  if (!isApprovalStage(state)) return { kind: 'deny', denial: { kind: 'not_awaiting', state } };
  if (actor === facts.requestedBy) return { kind: 'deny', denial: { kind: 'self_action' } };
  const stageRoles = STAGE_ROLES[state];
  const ok = actorRoles.includes('release_manager') || stageRoles.some((r) => actorRoles.includes(r));
  if (!ok) return { kind: 'deny', denial: { kind: 'not_in_role', stage: state, roles: [...new Set<Role>([...stageRoles, 'release_manager'])] } };
  return { kind: 'allow' };
}

/** Cancel: the requester or a release manager, while nothing has shipped. */
export function canCancel(state: ReleaseState, actor: string, requestedBy: string, actorRoles: readonly Role[]): boolean {
  return isOpen(state) && (actor === requestedBy || actorRoles.includes('release_manager'));
}

/** Edit: the requester or a release manager, while nothing has shipped. */
export function canEdit(state: ReleaseState, actor: string, requestedBy: string, actorRoles: readonly Role[]): boolean {
  return isOpen(state) && (actor === requestedBy || actorRoles.includes('release_manager'));
}

/** Which roles' approvals an edit to each field invalidates. */
export const FIELD_CONCERNS: Record<ContentField, readonly Role[]> = {
  version: ['developer', 'qa'],
  changelog: ['developer', 'qa'],
  rollback_plan: ['operations'],
  risk: ['release_manager', 'product_manager'],
  environment: ['qa', 'release_manager', 'product_manager', 'operations'],
};

export type ReleaseContent = Record<ContentField, string>;

export function changedFields(before: ReleaseContent, after: ReleaseContent): ContentField[] {
  return (Object.keys(FIELD_CONCERNS) as ContentField[]).filter((f) => before[f] !== after[f]);
}

export interface ApprovalReset<A extends ApprovalView = ApprovalView> {
  approval: A;
  fields: ContentField[];
}

/**
 * The approvals an edit makes stale, each with the changed fields that concern its role.
 * An edit after "changes requested" re-opens review, so review approvals are reset then too.
 */
export function approvalsToReset<A extends ApprovalView>(
  approvals: readonly A[],
  changed: readonly ContentField[],
  reopenReview: boolean,
): ApprovalReset<A>[] {
  const resets: ApprovalReset<A>[] = [];
  for (const approval of approvals) {
    const fields = changed.filter((f) => FIELD_CONCERNS[f].includes(approval.role));
    if (fields.length > 0) resets.push({ approval, fields });
    else if (reopenReview && approval.stage === 'review') resets.push({ approval, fields: [] });
  }
  return resets;
}

/** The state after an edit: back into the approval pipeline at the first incomplete stage. */
export function stateAfterEdit(facts: ReleaseFacts, rules: WorkflowRules): ApprovalStage {
  return deriveApprovalState(facts, rules);
}

/** Who may set a criterion: its owner role (met/failed/pending) or a release manager (also waive). */
export function decideCriterionUpdate(
  state: ReleaseState,
  owner: Role,
  status: CriterionStatus,
  actorRoles: readonly Role[],
  reason: string | null,
): { kind: 'allow' } | { kind: 'deny'; why: 'closed' | 'not_owner' | 'waive_needs_release_manager' | 'waive_needs_reason' } {
  if (!isOpen(state)) return { kind: 'deny', why: 'closed' };
  if (status === 'waived') {
    if (!actorRoles.includes('release_manager')) return { kind: 'deny', why: 'waive_needs_release_manager' };
    if (!reason || reason.trim().length === 0) return { kind: 'deny', why: 'waive_needs_reason' };
    return { kind: 'allow' };
  }
  if (!actorRoles.includes(owner) && !actorRoles.includes('release_manager')) return { kind: 'deny', why: 'not_owner' };
  return { kind: 'allow' };
}
