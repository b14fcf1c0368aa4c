/** Core vocabulary of the release model (DESIGN.md "Who does what"). Pure: no I/O. */
export const ROLES = ['developer', 'qa', 'release_manager', 'product_manager', 'operations'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  developer: 'Developer',
  qa: 'QA',
  release_manager: 'Release manager',
  product_manager: 'Product manager',
  operations: 'Operations',
};

/** Stages that wait on approvals, in pipeline order. */
export const APPROVAL_STAGES = ['review', 'qa', 'signoff', 'scheduling'] as const;
export type ApprovalStage = (typeof APPROVAL_STAGES)[number];

export const STATES = [
  'review',
  'qa',
  'signoff',
  'scheduling',
  'scheduled',
  'deploying',
  'monitoring',
  'released',
  'changes_requested',
  'rejected',
  'cancelled',
  'failed',
  'rolled_back',
] as const;
export type ReleaseState = (typeof STATES)[number];

export const STATE_LABELS: Record<ReleaseState, string> = {
  review: 'Initial review',
  qa: 'QA',
  signoff: 'Sign-off',
  scheduling: 'Scheduling',
  scheduled: 'Scheduled',
  deploying: 'Deploying',
  monitoring: 'Monitoring',
  released: 'Released',
  changes_requested: 'Changes requested',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  failed: 'Failed',
  rolled_back: 'Rolled back',
};

/** How a sentence says where a release is: "REL-4 is ___" ("in sign-off", "scheduled", "rolled back"). */
export const STATE_PHRASES: Record<ReleaseState, string> = {
  review: 'in initial review',
  qa: 'in QA',
  signoff: 'in sign-off',
  scheduling: 'in scheduling',
  scheduled: 'scheduled',
  deploying: 'deploying',
  monitoring: 'being monitored after its deploy',
  released: 'released',
  changes_requested: 'waiting for changes',
  rejected: 'rejected',
  cancelled: 'cancelled',
  failed: 'failed',
  rolled_back: 'rolled back',
};

/** Which roles a stage waits on (each needs its own count of approvals). */
export const STAGE_ROLES: Record<ApprovalStage, readonly Role[]> = {
  review: ['developer'],
  qa: ['qa'],
  signoff: ['release_manager', 'product_manager'],
  scheduling: ['operations'],
};

export const ENVIRONMENTS = ['staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const RISKS = ['low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];

export const CRITERIA = ['tests', 'performance', 'security', 'business', 'feedback'] as const;
export type Criterion = (typeof CRITERIA)[number];

export const CRITERION_STATUSES = ['pending', 'met', 'failed', 'waived'] as const;
export type CriterionStatus = (typeof CRITERION_STATUSES)[number];

export const CRITERION_OWNERS: Record<Criterion, Role> = {
  tests: 'qa',
  performance: 'qa',
  security: 'operations',
  business: 'product_manager',
  feedback: 'product_manager',
};

export const CRITERION_LABELS: Record<Criterion, string> = {
  tests: 'Tests complete',
  performance: 'Performance benchmarks met',
  security: 'No new vulnerabilities',
  business: 'Business alignment',
  feedback: 'User feedback',
};

/** The fields an approval is bound to. */
export const CONTENT_FIELDS = ['version', 'changelog', 'rollback_plan', 'environment', 'risk'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];
