/** Every action, block and callback id Greenlight uses in Slack. */
export const ACTIONS = {
  approve: 'release.approve',
  requestChanges: 'release.request_changes',
  reject: 'release.reject',
  readiness: 'release.readiness',
  edit: 'release.edit',
  schedule: 'release.schedule',
  snooze: 'reminder.snooze',
} as const;

export const CALLBACKS = {
  request: 'release.request',
  reason: 'release.reason',
  readiness: 'release.readiness',
  roles: 'roles.edit',
  schedule: 'release.schedule',
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

export const SCHEDULE_FIELDS = { slot: 'slot', at: 'deploy_at' } as const;
