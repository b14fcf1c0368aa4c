/** Every action, block and callback id Greenlight uses in Slack. */
export const ACTIONS = {
  approve: 'release.approve',
  requestChanges: 'release.request_changes',
  reject: 'release.reject',
  readiness: 'release.readiness',
  edit: 'release.edit',
  schedule: 'release.schedule',
  snooze: 'reminder.snooze',
  startDeploy: 'release.start_deploy',
  markDeployed: 'release.mark_deployed',
  markFailed: 'release.mark_failed',
  rollBack: 'release.roll_back',
  markRolledBack: 'release.mark_rolled_back',
  allGood: 'monitoring.all_good',
  foundIssue: 'monitoring.found_issue',
  addReview: 'review.add',
  closeReview: 'review.close',
  actionDone: 'review.action_done',
  override: 'release.override',
  editWindows: 'windows.open_editor',
} as const;

export const CALLBACKS = {
  request: 'release.request',
  reason: 'release.reason',
  readiness: 'release.readiness',
  roles: 'roles.edit',
  schedule: 'release.schedule',
  review: 'review.answer',
  reviewClose: 'review.close_summary',
  freeze: 'freeze.declare',
  override: 'release.override',
  windows: 'windows.edit',
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
export const FREEZE_FIELDS = { start: 'freeze_start', end: 'freeze_end', reason: 'freeze_reason', services: 'freeze_services' } as const;
export const OVERRIDE_FIELDS = { reason: 'override_reason', hours: 'override_hours' } as const;
/** `/release windows` editor: one text input per environment. */
export const WINDOW_FIELDS = { production: 'window_production', staging: 'window_staging' } as const;

/** Review modal inputs; action items come in numbered slots (item_1, owner_1, due_1…). */
export const REVIEW_FIELDS = { wentWell: 'went_well', improve: 'improve', incidents: 'incidents', item: 'item_', owner: 'owner_', due: 'due_', summary: 'summary' } as const;
