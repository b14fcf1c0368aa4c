/** Every action, block and callback id Greenlight uses in Slack. */
export const ACTIONS = {
  approve: 'release.approve',
  requestChanges: 'release.request_changes',
  reject: 'release.reject',
  readiness: 'release.readiness',
  edit: 'release.edit',
} as const;

export const CALLBACKS = {
  request: 'release.request',
  reason: 'release.reason',
  readiness: 'release.readiness',
  roles: 'roles.edit',
} as const;

/** Block and action ids of the request modal inputs (state.values[block][action]). */
export const REQUEST_FIELDS = {
  service: 'service',
  version: 'version',
  title: 'title',
  changelog: 'changelog',
  environment: 'environment',
  risk: 'risk',
  desiredAt: 'desired_at',
  rollbackPlan: 'rollback_plan',
  links: 'links',
} as const;

export const REASON_FIELD = 'reason';
export const READINESS_FIELDS = { criterion: 'criterion', status: 'status', url: 'url', reason: 'reason' } as const;
