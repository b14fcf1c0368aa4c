/** A minimal valid body for POST /api/v1/releases, for the schema tests (each spreads its own changes over it). */
export const RELEASE_BODY = {
  service: 'payments-api',
  version: '1.2.3',
  environment: 'production',
  changelog: 'Faster checkout',
  rollback_plan: 'Redeploy 1.2.2',
  risk: 'low',
  requested_by: 'U0DEV1',
} as const;
