import { describe, expect, it } from 'vitest';
import type { CriteriaMap, ReleaseFacts, WorkflowRules } from '../../../src/domain/workflow';
import { decideApproval, deriveApprovalState, firstStage, readinessStage } from '../../../src/domain/workflow';

const pending: CriteriaMap = { tests: 'pending', performance: 'pending', security: 'pending', business: 'pending', feedback: 'pending' };
const met: CriteriaMap = { tests: 'met', performance: 'met', security: 'met', business: 'met', feedback: 'waived' };
const rules = (stages: WorkflowRules['stages']): WorkflowRules => ({ stages, highRisk: {} });
const facts = (over: Partial<ReleaseFacts>): ReleaseFacts => ({ state: 'review', requestedBy: 'U1', risk: 'low', approvals: [], criteria: pending, ...over });

describe('workflow stages', () => {
  it('a release starts in the first configured stage', () => {
    expect(firstStage(rules(['review', 'qa', 'signoff', 'scheduling']))).toBe('review');
    expect(firstStage(rules(['qa', 'signoff', 'scheduling']))).toBe('qa');
    expect(firstStage(rules(['scheduling']))).toBe('scheduling');
  });

  it('readiness holds sign-off; a workflow without sign-off is not held by the criteria', () => {
    expect(readinessStage(rules(['review', 'qa', 'signoff', 'scheduling']))).toBe('signoff');
    expect(readinessStage(rules(['review', 'qa', 'scheduling']))).toBeNull();
    expect(readinessStage(rules(['scheduling']))).toBeNull();
  });

  it('a workflow without sign-off passes its last approval stage with criteria pending (as before)', () => {
    const r = rules(['review', 'qa', 'scheduling']);
    const approvals = [
      { stage: 'review' as const, role: 'developer' as const, userId: 'U2', at: 1 },
      { stage: 'qa' as const, role: 'qa' as const, userId: 'U3', at: 2 },
    ];
    expect(deriveApprovalState(facts({ approvals }), r)).toBe('scheduling');
    expect(deriveApprovalState(facts({ approvals, criteria: met }), r)).toBe('scheduling');
  });

  it('a QA-first workflow refuses a developer at its first stage', () => {
    const r = rules(['qa', 'signoff', 'scheduling']);
    const f = facts({ state: firstStage(r) });
    expect(decideApproval(f, 'U2', ['developer'], r)).toMatchObject({ kind: 'deny', denial: { kind: 'not_in_role', stage: 'qa' } });
    expect(decideApproval(f, 'U3', ['qa'], r)).toMatchObject({ kind: 'approve', nextState: 'signoff' });
  });
});
