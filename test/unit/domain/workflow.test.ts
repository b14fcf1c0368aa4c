import { describe, expect, it } from 'vitest';
import type { ApprovalStage, ContentField, CriterionStatus, ReleaseState, Role } from '../../../src/domain/types';
import { APPROVAL_STAGES, CRITERIA, ROLES, STAGE_ROLES, STATES } from '../../../src/domain/types';
import {
  DEFAULT_RULES,
  FIELD_CONCERNS,
  OPEN_STATES,
  TERMINAL_STATES,
  approvalsToReset,
  blockingCriteria,
  canCancel,
  canEdit,
  changedFields,
  decideApproval,
  decideCriterionUpdate,
  decideStageAction,
  deriveApprovalState,
  isApprovalStage,
  isOpen,
  requiredCount,
  stageComplete,
  stageProgress,
  stateAfterEdit,
} from '../../../src/domain/workflow';
import type { ApprovalView, CriteriaMap, ReleaseContent, ReleaseFacts, WorkflowRules } from '../../../src/domain/workflow';

// ---------------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------------

const REQUESTER = 'U0REQ';

function criteriaAll(status: CriterionStatus): CriteriaMap {
  return { tests: status, performance: status, security: status, business: status, feedback: status };
}
const MET = criteriaAll('met');
const PENDING = criteriaAll('pending');

function ap(stage: ApprovalStage, role: Role, userId: string, at = 1): ApprovalView {
  return { stage, role, userId, at };
}

function facts(over: Partial<ReleaseFacts> = {}): ReleaseFacts {
  return { state: 'review', requestedBy: REQUESTER, risk: 'low', approvals: [], criteria: MET, ...over };
}

const REVIEW_DONE = [ap('review', 'developer', 'U0DEV')];
const QA_DONE = [...REVIEW_DONE, ap('qa', 'qa', 'U0QA')];
const SIGNOFF_DONE = [...QA_DONE, ap('signoff', 'release_manager', 'U0RM'), ap('signoff', 'product_manager', 'U0PM')];

const NON_APPROVAL_STATES = STATES.filter((s) => !(APPROVAL_STAGES as readonly string[]).includes(s));
const HIGH_RISK_RULES: WorkflowRules = { stages: APPROVAL_STAGES, highRisk: { operations: 2, qa: 2 } };

/** Roles that are not part of a stage (so holding only them gives no right to approve it). */
function rolesOutside(stage: ApprovalStage): Role[] {
  return ROLES.filter((r) => !STAGE_ROLES[stage].includes(r));
}

// ---------------------------------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------------------------------

describe('state classification', () => {
  it('treats exactly the four approval stages as approval states', () => {
    expect(STATES.filter((s) => isApprovalStage(s))).toEqual(['review', 'qa', 'signoff', 'scheduling']);
  });

  it('considers a release open until something ships', () => {
    expect(STATES.filter((s) => isOpen(s))).toEqual(['review', 'qa', 'signoff', 'scheduling', 'scheduled', 'changes_requested']);
    expect(OPEN_STATES).toEqual(['review', 'qa', 'signoff', 'scheduling', 'scheduled', 'changes_requested']);
    expect(isOpen('deploying')).toBe(false);
    expect(isOpen('monitoring')).toBe(false);
  });

  it('lists the terminal states, none of which is open', () => {
    expect(TERMINAL_STATES).toEqual(['released', 'rejected', 'cancelled', 'failed', 'rolled_back']);
    expect(TERMINAL_STATES.filter((s) => isOpen(s))).toEqual([]);
  });

  it('uses every approval stage by default and asks for no extra high-risk approvals', () => {
    expect(DEFAULT_RULES).toEqual({ stages: ['review', 'qa', 'signoff', 'scheduling'], highRisk: {} });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Counts and progress
// ---------------------------------------------------------------------------------------------------------------

describe('requiredCount', () => {
  it('needs one approval per role unless the risk is high', () => {
    expect(requiredCount('operations', 'low', { operations: 2 })).toBe(1);
    expect(requiredCount('operations', 'medium', { operations: 2 })).toBe(1);
  });

  it('uses the high-risk count for a high-risk release', () => {
    expect(requiredCount('operations', 'high', { operations: 2 })).toBe(2);
    expect(requiredCount('qa', 'high', { operations: 2, qa: 3 })).toBe(3);
  });

  it('falls back to one for roles without a high-risk count, and never asks for fewer than one', () => {
    expect(requiredCount('developer', 'high', { operations: 2 })).toBe(1);
    expect(requiredCount('operations', 'high', {})).toBe(1);
    expect(requiredCount('operations', 'high', { operations: 0 })).toBe(1);
  });
});

describe('stageProgress', () => {
  it('reports each role of the stage with its approvers and what is missing', () => {
    const approvals = [
      ap('signoff', 'release_manager', 'U0RM'),
      ap('qa', 'qa', 'U0QA'),
      ap('review', 'release_manager', 'U0OTHER'), // another stage: ignored
    ];
    expect(stageProgress('signoff', 'low', approvals, {})).toEqual([
      { role: 'release_manager', required: 1, approvers: ['U0RM'], missing: 0 },
      { role: 'product_manager', required: 1, approvers: [], missing: 1 },
    ]);
  });

  it('counts high-risk requirements and never reports a negative shortfall', () => {
    const approvals = [ap('scheduling', 'operations', 'U0OPS1'), ap('scheduling', 'operations', 'U0OPS2'), ap('scheduling', 'operations', 'U0OPS3')];
    expect(stageProgress('scheduling', 'high', approvals.slice(0, 1), { operations: 2 })).toEqual([
      { role: 'operations', required: 2, approvers: ['U0OPS1'], missing: 1 },
    ]);
    expect(stageProgress('scheduling', 'high', approvals, { operations: 2 })).toEqual([
      { role: 'operations', required: 2, approvers: ['U0OPS1', 'U0OPS2', 'U0OPS3'], missing: 0 },
    ]);
  });
});

describe('blockingCriteria', () => {
  it('blocks on pending and failed criteria, in criterion order', () => {
    expect(blockingCriteria({ tests: 'met', performance: 'failed', security: 'waived', business: 'pending', feedback: 'met' })).toEqual([
      'performance',
      'business',
    ]);
  });

  it('does not block on met or waived criteria', () => {
    expect(blockingCriteria(MET)).toEqual([]);
    expect(blockingCriteria(criteriaAll('waived'))).toEqual([]);
    expect(blockingCriteria(PENDING)).toEqual([...CRITERIA]);
    expect(blockingCriteria(criteriaAll('failed'))).toEqual([...CRITERIA]);
  });
});

describe('stageComplete', () => {
  const signedOff = facts({ state: 'signoff', approvals: SIGNOFF_DONE });

  it('completes sign-off only when both roles approved and no criterion blocks', () => {
    expect(stageComplete('signoff', signedOff, DEFAULT_RULES)).toBe(true);
    expect(stageComplete('signoff', { ...signedOff, approvals: SIGNOFF_DONE.slice(0, 3) }, DEFAULT_RULES)).toBe(false);
  });

  it.each<[string, CriterionStatus, boolean]>([
    ['pending', 'pending', false],
    ['failed', 'failed', false],
    ['met', 'met', true],
    ['waived', 'waived', true],
  ])('sign-off with one %s criterion complete=%s', (_label, status, complete) => {
    expect(stageComplete('signoff', { ...signedOff, criteria: { ...MET, security: status } }, DEFAULT_RULES)).toBe(complete);
  });

  it('ignores criteria for stages other than sign-off', () => {
    expect(stageComplete('review', facts({ approvals: REVIEW_DONE, criteria: PENDING }), DEFAULT_RULES)).toBe(true);
    expect(stageComplete('qa', facts({ approvals: QA_DONE, criteria: criteriaAll('failed') }), DEFAULT_RULES)).toBe(true);
  });
});

describe('deriveApprovalState', () => {
  it('walks review → qa → signoff → scheduling as approvals arrive', () => {
    expect(deriveApprovalState(facts({ approvals: [] }), DEFAULT_RULES)).toBe('review');
    expect(deriveApprovalState(facts({ approvals: REVIEW_DONE }), DEFAULT_RULES)).toBe('qa');
    expect(deriveApprovalState(facts({ approvals: QA_DONE }), DEFAULT_RULES)).toBe('signoff');
    expect(deriveApprovalState(facts({ approvals: SIGNOFF_DONE.slice(0, 3) }), DEFAULT_RULES)).toBe('signoff');
    expect(deriveApprovalState(facts({ approvals: SIGNOFF_DONE }), DEFAULT_RULES)).toBe('scheduling');
  });

  it('stays at scheduling even when operations approved (a slot must be picked)', () => {
    const all = [...SIGNOFF_DONE, ap('scheduling', 'operations', 'U0OPS')];
    expect(deriveApprovalState(facts({ approvals: all }), DEFAULT_RULES)).toBe('scheduling');
  });

  it('returns the first incomplete stage even if later stages have approvals', () => {
    const later = [ap('qa', 'qa', 'U0QA'), ap('signoff', 'release_manager', 'U0RM'), ap('signoff', 'product_manager', 'U0PM')];
    expect(deriveApprovalState(facts({ approvals: later }), DEFAULT_RULES)).toBe('review');
  });

  it('holds at sign-off while a criterion is pending', () => {
    expect(deriveApprovalState(facts({ approvals: SIGNOFF_DONE, criteria: { ...MET, feedback: 'pending' } }), DEFAULT_RULES)).toBe('signoff');
  });

  it('skips stages the service does not use', () => {
    const noReview: WorkflowRules = { stages: ['qa', 'signoff', 'scheduling'], highRisk: {} };
    expect(deriveApprovalState(facts(), noReview)).toBe('qa');
    const onlyScheduling: WorkflowRules = { stages: ['scheduling'], highRisk: {} };
    expect(deriveApprovalState(facts({ criteria: PENDING }), onlyScheduling)).toBe('scheduling');
    const noQa: WorkflowRules = { stages: ['review', 'signoff', 'scheduling'], highRisk: {} };
    expect(deriveApprovalState(facts({ approvals: REVIEW_DONE }), noQa)).toBe('signoff');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// decideApproval
// ---------------------------------------------------------------------------------------------------------------

describe('decideApproval: the pipeline', () => {
  it('moves a low-risk release through every stage, one approval at a time', () => {
    expect(decideApproval(facts({ state: 'review' }), 'U0DEV', ['developer'], DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'review',
      role: 'developer',
      nextState: 'qa',
      stageComplete: true,
    });
    expect(decideApproval(facts({ state: 'qa', approvals: REVIEW_DONE }), 'U0QA', ['qa'], DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'qa',
      role: 'qa',
      nextState: 'signoff',
      stageComplete: true,
    });
    expect(decideApproval(facts({ state: 'signoff', approvals: QA_DONE }), 'U0RM', ['release_manager'], DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'signoff',
      role: 'release_manager',
      nextState: 'signoff',
      stageComplete: false,
    });
    expect(
      decideApproval(facts({ state: 'signoff', approvals: SIGNOFF_DONE.slice(0, 3) }), 'U0PM', ['product_manager'], DEFAULT_RULES),
    ).toEqual({ kind: 'approve', stage: 'signoff', role: 'product_manager', nextState: 'scheduling', stageComplete: true });
    expect(decideApproval(facts({ state: 'scheduling', approvals: SIGNOFF_DONE }), 'U0OPS', ['operations'], DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'scheduling',
      role: 'operations',
      nextState: 'scheduling',
      stageComplete: true,
    });
  });

  it('lets product management sign off before the release manager', () => {
    expect(decideApproval(facts({ state: 'signoff', approvals: QA_DONE }), 'U0PM', ['product_manager'], DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'signoff',
      role: 'product_manager',
      nextState: 'signoff',
      stageComplete: false,
    });
  });

  it('lets someone who approved an earlier stage approve a later one with another role', () => {
    const d = decideApproval(facts({ state: 'qa', approvals: REVIEW_DONE }), 'U0DEV', ['developer', 'qa'], DEFAULT_RULES);
    expect(d).toEqual({ kind: 'approve', stage: 'qa', role: 'qa', nextState: 'signoff', stageComplete: true });
  });

  it('does not mutate the facts it was given', () => {
    const f = facts({ state: 'review' });
    decideApproval(f, 'U0DEV', ['developer'], DEFAULT_RULES);
    expect(f.approvals).toEqual([]);
  });
});

describe('decideApproval: who may approve', () => {
  it.each(APPROVAL_STAGES)('never lets the requester approve at %s, whatever roles they hold', (stage) => {
    expect(decideApproval(facts({ state: stage }), REQUESTER, [...ROLES], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'self_approval' },
    });
  });

  it.each(APPROVAL_STAGES)('denies at %s someone outside the stage roles, naming the roles', (stage) => {
    expect(decideApproval(facts({ state: stage }), 'U0OTHER', rolesOutside(stage), DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'not_in_role', stage, roles: STAGE_ROLES[stage] },
    });
  });

  it('names both sign-off roles when a non-signer clicks at sign-off', () => {
    expect(decideApproval(facts({ state: 'signoff' }), 'U0DEV', ['developer', 'qa'], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'not_in_role', stage: 'signoff', roles: ['release_manager', 'product_manager'] },
    });
  });

  it('denies someone holding no role at all', () => {
    expect(decideApproval(facts({ state: 'review' }), 'U0NOBODY', [], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'not_in_role', stage: 'review', roles: ['developer'] },
    });
  });

  it.each(NON_APPROVAL_STATES)('has nothing to approve in state %s', (state) => {
    expect(decideApproval(facts({ state }), 'U0RM', [...ROLES], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'not_awaiting', state },
    });
  });

  it('accepts one approval per person per stage', () => {
    const f = facts({ state: 'signoff', approvals: [...QA_DONE, ap('signoff', 'release_manager', 'U0RM')] });
    expect(decideApproval(f, 'U0RM', ['release_manager'], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'already_approved', stage: 'signoff' },
    });
  });
});

describe('decideApproval: a person holding both sign-off roles', () => {
  const both: Role[] = ['release_manager', 'product_manager'];

  it('counts for the first role still missing, in stage order', () => {
    expect(decideApproval(facts({ state: 'signoff', approvals: QA_DONE }), 'U0BOTH', both, DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'signoff',
      role: 'release_manager',
      nextState: 'signoff',
      stageComplete: false,
    });
    // The order in which the roles are held does not matter.
    expect(decideApproval(facts({ state: 'signoff', approvals: QA_DONE }), 'U0BOTH', ['product_manager', 'release_manager'], DEFAULT_RULES)).toMatchObject({
      kind: 'approve',
      role: 'release_manager',
    });
  });

  it('counts for product management when the release manager already signed', () => {
    const f = facts({ state: 'signoff', approvals: [...QA_DONE, ap('signoff', 'release_manager', 'U0RM')] });
    expect(decideApproval(f, 'U0BOTH', both, DEFAULT_RULES)).toEqual({
      kind: 'approve',
      stage: 'signoff',
      role: 'product_manager',
      nextState: 'scheduling',
      stageComplete: true,
    });
  });

  it('cannot approve a second time to fill the other role', () => {
    const f = facts({ state: 'signoff', approvals: [...QA_DONE, ap('signoff', 'release_manager', 'U0BOTH')] });
    expect(decideApproval(f, 'U0BOTH', both, DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'already_approved', stage: 'signoff' },
    });
  });

  it('is told the roles are satisfied when both already have their approvals (criteria still blocking)', () => {
    const f = facts({ state: 'signoff', approvals: SIGNOFF_DONE, criteria: { ...MET, tests: 'pending' } });
    expect(decideApproval(f, 'U0BOTH', both, DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'role_satisfied', stage: 'signoff', roles: ['release_manager', 'product_manager'] },
    });
    expect(decideApproval(f, 'U0RM2', ['release_manager'], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'role_satisfied', stage: 'signoff', roles: ['release_manager'] },
    });
  });

  it('tells a second release manager the role is satisfied while product management is still missing', () => {
    const f = facts({ state: 'signoff', approvals: [...QA_DONE, ap('signoff', 'release_manager', 'U0RM')] });
    expect(decideApproval(f, 'U0RM2', ['release_manager'], DEFAULT_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'role_satisfied', stage: 'signoff', roles: ['release_manager'] },
    });
  });
});

describe('decideApproval: high-risk counts', () => {
  it('needs two distinct QA approvals for a high-risk release', () => {
    const first = decideApproval(facts({ state: 'qa', risk: 'high', approvals: REVIEW_DONE }), 'U0QA1', ['qa'], HIGH_RISK_RULES);
    expect(first).toEqual({ kind: 'approve', stage: 'qa', role: 'qa', nextState: 'qa', stageComplete: false });

    const afterOne = facts({ state: 'qa', risk: 'high', approvals: [...REVIEW_DONE, ap('qa', 'qa', 'U0QA1')] });
    expect(decideApproval(afterOne, 'U0QA1', ['qa'], HIGH_RISK_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'already_approved', stage: 'qa' },
    });
    expect(decideApproval(afterOne, 'U0QA2', ['qa'], HIGH_RISK_RULES)).toEqual({
      kind: 'approve',
      stage: 'qa',
      role: 'qa',
      nextState: 'signoff',
      stageComplete: true,
    });
  });

  it('needs two distinct operations approvals at scheduling, then refuses a third', () => {
    const base = facts({ state: 'scheduling', risk: 'high', approvals: [...SIGNOFF_DONE, ap('qa', 'qa', 'U0QA2')] });
    expect(decideApproval(base, 'U0OPS1', ['operations'], HIGH_RISK_RULES)).toEqual({
      kind: 'approve',
      stage: 'scheduling',
      role: 'operations',
      nextState: 'scheduling',
      stageComplete: false,
    });
    const one = { ...base, approvals: [...base.approvals, ap('scheduling', 'operations', 'U0OPS1')] };
    expect(decideApproval(one, 'U0OPS2', ['operations'], HIGH_RISK_RULES)).toEqual({
      kind: 'approve',
      stage: 'scheduling',
      role: 'operations',
      nextState: 'scheduling',
      stageComplete: true,
    });
    const two = { ...one, approvals: [...one.approvals, ap('scheduling', 'operations', 'U0OPS2')] };
    expect(decideApproval(two, 'U0OPS3', ['operations'], HIGH_RISK_RULES)).toEqual({
      kind: 'deny',
      denial: { kind: 'role_satisfied', stage: 'scheduling', roles: ['operations'] },
    });
  });

  it('needs only one approval when the same rules apply to a medium-risk release', () => {
    expect(decideApproval(facts({ state: 'qa', risk: 'medium', approvals: REVIEW_DONE }), 'U0QA1', ['qa'], HIGH_RISK_RULES)).toEqual({
      kind: 'approve',
      stage: 'qa',
      role: 'qa',
      nextState: 'signoff',
      stageComplete: true,
    });
  });

  it('needs one approval for roles without a high-risk count', () => {
    expect(decideApproval(facts({ state: 'review', risk: 'high' }), 'U0DEV', ['developer'], HIGH_RISK_RULES)).toEqual({
      kind: 'approve',
      stage: 'review',
      role: 'developer',
      nextState: 'qa',
      stageComplete: true,
    });
  });
});

describe('decideApproval: readiness criteria at sign-off', () => {
  const lastSigner = (criteria: CriteriaMap) =>
    decideApproval(facts({ state: 'signoff', approvals: SIGNOFF_DONE.slice(0, 3), criteria }), 'U0PM', ['product_manager'], DEFAULT_RULES);

  it('does not complete sign-off while a criterion is pending', () => {
    expect(lastSigner({ ...MET, performance: 'pending' })).toEqual({
      kind: 'approve',
      stage: 'signoff',
      role: 'product_manager',
      nextState: 'signoff',
      stageComplete: false,
    });
  });

  it('does not complete sign-off while a criterion has failed', () => {
    expect(lastSigner({ ...MET, security: 'failed' })).toMatchObject({ kind: 'approve', nextState: 'signoff', stageComplete: false });
  });

  it('completes sign-off when every criterion is met or waived', () => {
    expect(lastSigner({ ...MET, business: 'waived', feedback: 'waived' })).toMatchObject({
      kind: 'approve',
      nextState: 'scheduling',
      stageComplete: true,
    });
    expect(lastSigner(criteriaAll('waived'))).toMatchObject({ kind: 'approve', nextState: 'scheduling', stageComplete: true });
  });

  it('lets criteria block only sign-off, not QA', () => {
    expect(decideApproval(facts({ state: 'qa', approvals: REVIEW_DONE, criteria: PENDING }), 'U0QA', ['qa'], DEFAULT_RULES)).toMatchObject({
      kind: 'approve',
      nextState: 'signoff',
      stageComplete: true,
    });
  });
});

describe('decideApproval: skipped stages', () => {
  it('goes from review straight to sign-off when the service has no QA stage', () => {
    const rules: WorkflowRules = { stages: ['review', 'signoff', 'scheduling'], highRisk: {} };
    expect(decideApproval(facts({ state: 'review' }), 'U0DEV', ['developer'], rules)).toEqual({
      kind: 'approve',
      stage: 'review',
      role: 'developer',
      nextState: 'signoff',
      stageComplete: true,
    });
  });

  it('goes from QA straight to scheduling, ignoring criteria, when the service has no sign-off', () => {
    const rules: WorkflowRules = { stages: ['qa', 'scheduling'], highRisk: {} };
    expect(decideApproval(facts({ state: 'qa', criteria: PENDING }), 'U0QA', ['qa'], rules)).toEqual({
      kind: 'approve',
      stage: 'qa',
      role: 'qa',
      nextState: 'scheduling',
      stageComplete: true,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Request changes / reject, cancel, edit
// ---------------------------------------------------------------------------------------------------------------

describe('decideStageAction', () => {
  it.each(APPROVAL_STAGES)('lets a %s approver act on their stage', (stage) => {
    for (const role of STAGE_ROLES[stage]) {
      expect(decideStageAction({ state: stage, requestedBy: REQUESTER }, 'U0X', [role])).toEqual({ kind: 'allow' });
    }
  });

  it.each(APPROVAL_STAGES)('lets a release manager act at %s', (stage) => {
    expect(decideStageAction({ state: stage, requestedBy: REQUESTER }, 'U0RM', ['release_manager'])).toEqual({ kind: 'allow' });
  });

  it.each(APPROVAL_STAGES)('never lets the requester act at %s', (stage) => {
    expect(decideStageAction({ state: stage, requestedBy: REQUESTER }, REQUESTER, [...ROLES])).toEqual({
      kind: 'deny',
      denial: { kind: 'self_action' },
    });
  });

  it.each<[ApprovalStage, Role[], Role[]]>([
    ['review', ['qa', 'operations', 'product_manager'], ['developer', 'release_manager']],
    ['qa', ['developer', 'operations', 'product_manager'], ['qa', 'release_manager']],
    ['scheduling', ['developer', 'qa', 'product_manager'], ['operations', 'release_manager']],
  ])('denies at %s someone outside the stage, naming the stage roles and the release manager', (stage, held, named) => {
    expect(decideStageAction({ state: stage, requestedBy: REQUESTER }, 'U0X', held)).toEqual({
      kind: 'deny',
      denial: { kind: 'not_in_role', stage, roles: named },
    });
  });

  it.each(NON_APPROVAL_STATES)('has nothing to act on in state %s', (state) => {
    expect(decideStageAction({ state, requestedBy: REQUESTER }, 'U0RM', ['release_manager'])).toEqual({
      kind: 'deny',
      denial: { kind: 'not_awaiting', state },
    });
  });
});

describe.each([
  ['canCancel', canCancel],
  ['canEdit', canEdit],
] as const)('%s', (_name, can) => {
  it.each(STATES)('in state %s: requester or release manager while open, nobody afterwards', (state: ReleaseState) => {
    const open = OPEN_STATES.includes(state);
    expect(can(state, REQUESTER, REQUESTER, [])).toBe(open);
    expect(can(state, 'U0RM', REQUESTER, ['release_manager'])).toBe(open);
    expect(can(state, 'U0X', REQUESTER, ['developer', 'qa', 'product_manager', 'operations'])).toBe(false);
    expect(can(state, 'U0X', REQUESTER, [])).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Edits: stale approvals
// ---------------------------------------------------------------------------------------------------------------

interface IdApproval extends ApprovalView {
  id: number;
}

const D1: IdApproval = { id: 1, ...ap('review', 'developer', 'U0DEV') };
const Q1: IdApproval = { id: 2, ...ap('qa', 'qa', 'U0QA') };
const R1: IdApproval = { id: 3, ...ap('signoff', 'release_manager', 'U0RM') };
const P1: IdApproval = { id: 4, ...ap('signoff', 'product_manager', 'U0PM') };
const O1: IdApproval = { id: 5, ...ap('scheduling', 'operations', 'U0OPS') };
const ALL: IdApproval[] = [D1, Q1, R1, P1, O1];

function resetIds(changed: ContentField[], reopen = false): [number, ContentField[]][] {
  return approvalsToReset(ALL, changed, reopen).map((r) => [r.approval.id, r.fields]);
}

describe('FIELD_CONCERNS and changedFields', () => {
  it('maps each content field to the roles whose approval it invalidates', () => {
    expect(FIELD_CONCERNS).toEqual({
      version: ['developer', 'qa'],
      changelog: ['developer', 'qa'],
      rollback_plan: ['operations'],
      risk: ['release_manager', 'product_manager'],
      environment: ['qa', 'release_manager', 'product_manager', 'operations'],
    });
  });

  it('lists the fields that differ, in FIELD_CONCERNS order', () => {
    const before: ReleaseContent = { version: '1.0.0', changelog: 'a', rollback_plan: 'revert', environment: 'production', risk: 'low' };
    expect(changedFields(before, { ...before })).toEqual([]);
    expect(changedFields(before, { ...before, risk: 'high', version: '1.0.1' })).toEqual(['version', 'risk']);
    expect(changedFields(before, { version: '2', changelog: 'b', rollback_plan: 'x', environment: 'staging', risk: 'high' })).toEqual([
      'version',
      'changelog',
      'rollback_plan',
      'risk',
      'environment',
    ]);
  });
});

describe('approvalsToReset', () => {
  it('resets developer and QA approvals when the version changes', () => {
    expect(resetIds(['version'])).toEqual([
      [1, ['version']],
      [2, ['version']],
    ]);
  });

  it('resets developer and QA approvals when the changelog changes', () => {
    expect(resetIds(['changelog'])).toEqual([
      [1, ['changelog']],
      [2, ['changelog']],
    ]);
  });

  it('resets only operations when the rollback plan changes', () => {
    expect(resetIds(['rollback_plan'])).toEqual([[5, ['rollback_plan']]]);
  });

  it('resets release and product management when the risk changes', () => {
    expect(resetIds(['risk'])).toEqual([
      [3, ['risk']],
      [4, ['risk']],
    ]);
  });

  it('resets QA, sign-off and operations, but not the peer review, when the environment changes', () => {
    expect(resetIds(['environment'])).toEqual([
      [2, ['environment']],
      [3, ['environment']],
      [4, ['environment']],
      [5, ['environment']],
    ]);
  });

  it('names every changed field that concerns each approval', () => {
    expect(resetIds(['version', 'environment'])).toEqual([
      [1, ['version']],
      [2, ['version', 'environment']],
      [3, ['environment']],
      [4, ['environment']],
      [5, ['environment']],
    ]);
  });

  it('resets nothing when nothing that approvals are bound to changed', () => {
    expect(resetIds([])).toEqual([]);
  });

  it('resets review approvals with no fields when an edit re-opens review after changes were requested', () => {
    expect(resetIds([], true)).toEqual([[1, []]]);
    expect(resetIds(['rollback_plan'], true)).toEqual([
      [1, []],
      [5, ['rollback_plan']],
    ]);
  });

  it('reports a review approval once, with its fields, when a field also concerns it', () => {
    expect(resetIds(['changelog'], true)).toEqual([
      [1, ['changelog']],
      [2, ['changelog']],
    ]);
  });

  it('returns the caller’s approval objects unchanged', () => {
    const [first] = approvalsToReset(ALL, ['rollback_plan'], false);
    expect(first?.approval).toBe(O1);
  });

  it('follows the role of the approval, not its stage', () => {
    // A release manager's approval recorded at review (e.g. a custom flow) goes stale on a risk change.
    const odd: IdApproval = { id: 9, ...ap('review', 'release_manager', 'U0RM') };
    expect(approvalsToReset([odd], ['risk'], false).map((r) => r.approval.id)).toEqual([9]);
    expect(approvalsToReset([odd], ['version'], false)).toEqual([]);
  });
});

describe('stateAfterEdit', () => {
  const withoutReset = (changed: ContentField[], reopen = false): ApprovalView[] => {
    const gone = new Set(approvalsToReset(ALL, changed, reopen).map((r) => r.approval.id));
    return ALL.filter((a) => !gone.has(a.id));
  };

  it('goes back to review when a version change makes the peer review stale', () => {
    expect(stateAfterEdit(facts({ state: 'signoff', approvals: withoutReset(['version']) }), DEFAULT_RULES)).toBe('review');
  });

  it('goes back to QA when an environment change makes QA stale', () => {
    expect(stateAfterEdit(facts({ state: 'scheduling', approvals: withoutReset(['environment']) }), DEFAULT_RULES)).toBe('qa');
  });

  it('goes back to sign-off when a risk change makes sign-off stale', () => {
    expect(stateAfterEdit(facts({ state: 'scheduling', approvals: withoutReset(['risk']) }), DEFAULT_RULES)).toBe('signoff');
  });

  it('stays at scheduling when only the rollback plan changed', () => {
    expect(stateAfterEdit(facts({ state: 'scheduled', approvals: withoutReset(['rollback_plan']) }), DEFAULT_RULES)).toBe('scheduling');
  });

  it('re-opens review after changes were requested', () => {
    expect(stateAfterEdit(facts({ state: 'changes_requested', approvals: withoutReset([], true) }), DEFAULT_RULES)).toBe('review');
  });

  it('goes back to QA when raising the risk to high needs a second QA approval', () => {
    const remaining = withoutReset(['risk']);
    expect(stateAfterEdit(facts({ state: 'scheduling', risk: 'high', approvals: remaining }), HIGH_RISK_RULES)).toBe('qa');
  });

  it('holds at sign-off when the criteria still block it', () => {
    expect(stateAfterEdit(facts({ state: 'scheduling', approvals: ALL, criteria: { ...MET, tests: 'failed' } }), DEFAULT_RULES)).toBe('signoff');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------------------------------------------

describe('decideCriterionUpdate', () => {
  it.each(['met', 'failed', 'pending'] as const)('lets the owner role or a release manager set %s', (status) => {
    expect(decideCriterionUpdate('signoff', 'qa', status, ['qa'], null)).toEqual({ kind: 'allow' });
    expect(decideCriterionUpdate('signoff', 'qa', status, ['release_manager'], null)).toEqual({ kind: 'allow' });
  });

  it('refuses other roles', () => {
    expect(decideCriterionUpdate('qa', 'qa', 'met', ['developer', 'operations', 'product_manager'], null)).toEqual({
      kind: 'deny',
      why: 'not_owner',
    });
    expect(decideCriterionUpdate('qa', 'product_manager', 'failed', [], 'because')).toEqual({ kind: 'deny', why: 'not_owner' });
  });

  it('lets only a release manager waive, even the owner cannot', () => {
    expect(decideCriterionUpdate('signoff', 'qa', 'waived', ['qa'], 'flaky suite, tracked in JIRA-1')).toEqual({
      kind: 'deny',
      why: 'waive_needs_release_manager',
    });
    expect(decideCriterionUpdate('signoff', 'qa', 'waived', ['release_manager'], 'flaky suite, tracked in JIRA-1')).toEqual({ kind: 'allow' });
  });

  it.each([null, '', '   ', '\n\t '])('refuses a waiver with blank reason %j', (reason) => {
    expect(decideCriterionUpdate('signoff', 'operations', 'waived', ['release_manager'], reason)).toEqual({
      kind: 'deny',
      why: 'waive_needs_reason',
    });
  });

  it('checks the role before the reason', () => {
    expect(decideCriterionUpdate('signoff', 'qa', 'waived', ['qa'], null)).toEqual({ kind: 'deny', why: 'waive_needs_release_manager' });
  });

  it.each(OPEN_STATES)('accepts updates in open state %s', (state) => {
    expect(decideCriterionUpdate(state, 'qa', 'met', ['qa'], null)).toEqual({ kind: 'allow' });
  });

  it.each(STATES.filter((s) => !OPEN_STATES.includes(s)))('refuses any update once the release is %s', (state) => {
    expect(decideCriterionUpdate(state, 'qa', 'met', ['qa', 'release_manager'], null)).toEqual({ kind: 'deny', why: 'closed' });
    expect(decideCriterionUpdate(state, 'qa', 'waived', ['release_manager'], 'ok')).toEqual({ kind: 'deny', why: 'closed' });
  });
});
