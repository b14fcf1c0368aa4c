/** The example policy from DESIGN.md ("Policy file"); the tests check that it parses. */
export const SAMPLE_POLICY_YAML = `timezone: Europe/Berlin
admins: [U0ADMIN]                      # may edit roles, windows, freezes
channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }
roles:                                 # global members: users U… or user groups S…
  developer: [U0DEV1, U0DEV2]
  qa: [U0QA]
  release_manager: [U0RM]
  product_manager: [U0PM]
  operations: [U0OPS]
services:
  payments-api:
    channel: C0PAYMENTS                # release cards go here (else channels.releases)
    roles: { qa: [U0QA2] }             # per-service members replace the global ones for that role
    deploy_webhook: https://deploy.example/hooks/payments
    health_check: https://payments.example/healthz
windows:                               # per environment; a release deploys only inside one
  production: [{ days: [tue, wed, thu], start: "10:00", end: "16:00" }]
  staging: always
freezes: [{ start: 2026-12-20, end: 2027-01-04, reason: Holiday freeze }]
workflow:
  high_risk: { operations: 2 }         # extra approvals per role when risk is high
scheduling: { max_concurrent_per_window: 3 }
rollback: { offer_for: 7d, drill_after: 90d }
reminders: { first_after: 4h, every: 4h, escalate_after: 24h, business_hours: "09:00-18:00" }
announcements: [24h, 1h, start, done]
monitoring: { duration: 60m, check_every: 1m }
review: { prompt_after: 24h }
`;
