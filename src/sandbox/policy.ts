/** The sandbox's own policy and pretend workspace: a few services, one person per role, windows open now. */
import type { Role } from '../domain/types';

export interface SandboxPerson {
  id: string;
  name: string;
  /** what they play in the walk-through */
  plays: string;
}

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = [
  { id: 'U0DEV1', name: 'Dana (developer)', plays: 'requests releases' },
  { id: 'U0DEV2', name: 'Rui (developer)', plays: 'reviews others’ releases' },
  { id: 'U0QA', name: 'Quinn (QA)', plays: 'validates' },
  { id: 'U0RM', name: 'Rosa (release manager)', plays: 'signs off, waives, overrides' },
  { id: 'U0PM', name: 'Pat (product manager)', plays: 'business sign-off' },
  { id: 'U0OPS', name: 'Omar (operations)', plays: 'schedules and deploys' },
];

export const SANDBOX_CHANNELS: readonly { id: string; name: string }[] = [
  { id: 'C0GENERAL', name: 'general' },
  { id: 'C0RELEASES', name: 'releases' },
  { id: 'C0PAYMENTS', name: 'payments-releases' },
  { id: 'C0ANNOUNCE', name: 'announcements' },
];

export const SANDBOX_ROLES: Readonly<Record<Role, readonly string[]>> = {
  developer: ['U0DEV1', 'U0DEV2'],
  qa: ['U0QA'],
  release_manager: ['U0RM'],
  product_manager: ['U0PM'],
  operations: ['U0OPS'],
};

/** The sandbox's `greenlight.yml` (used unless GREENLIGHT_POLICY or ./greenlight.yml exists). */
export const SANDBOX_POLICY_YAML = `# Greenlight sandbox policy: everyone is a pretend person in the browser sandbox.
timezone: UTC
admins: [U0RM]
channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }
roles:
  developer: [U0DEV1, U0DEV2]
  qa: [U0QA]
  release_manager: [U0RM]
  product_manager: [U0PM]
  operations: [U0OPS]
services:
  payments-api:
    channel: C0PAYMENTS
  web: {}
  search: {}
windows:
  production: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00" }]
  staging: always
scheduling: { max_concurrent_per_window: 3 }
reminders: { first_after: 2m, every: 5m, escalate_after: 15m, business_hours: "00:00-24:00", business_days: [mon, tue, wed, thu, fri, sat, sun] }
announcements: [1h, 5m, start, done]
monitoring: { duration: 5m, check_every: 1m }
review: { prompt_after: 10m }
rollback: { offer_for: 1d, drill_after: 30d }
`;
