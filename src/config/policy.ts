import { DateTime, IANAZone } from 'luxon';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { APPROVAL_STAGES, ENVIRONMENTS, ROLES } from '../domain/types';
import type { ApprovalStage, Environment, Risk, Role } from '../domain/types';
import { durationSchema, parseDuration } from './duration';
import type { ConfigIssue } from './errors';
import { flattenIssues, formatConfigIssues, friendlyErrors, strictObject, typeError } from './errors';

// ---------------------------------------------------------------------------------------------------------
// Output types (normalised: durations in ms, freezes in epoch ms, windows as structured data)
// ---------------------------------------------------------------------------------------------------------

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One weekly deploy slot. `start`/`end` are minutes after local midnight (end exclusive, up to 1440). */
export interface WindowSlot {
  days: Weekday[];
  /** ISO weekdays (1 = Monday … 7 = Sunday), as luxon's `DateTime#weekday`. */
  weekdays: number[];
  start: number;
  end: number;
}

export type WindowSpec = { kind: 'always' } | { kind: 'never' } | { kind: 'slots'; slots: WindowSlot[] };

export interface Freeze {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive (a date `end` means the whole day is frozen). */
  end: number;
  reason: string;
  /** null: every service. */
  services: string[] | null;
  /** The bounds as written in the policy, for display. */
  startText: string;
  endText: string;
}

export interface WorkflowPolicy {
  /** Approval stages in pipeline order. */
  stages: ApprovalStage[];
  /** Approvals a role must give when risk is high. */
  highRisk: Partial<Record<Role, number>>;
}

export interface ServicePolicy {
  name: string;
  channel: string | null;
  /** Per-service members replace the global ones for the roles listed here. */
  roles: Partial<Record<Role, string[]>>;
  deployWebhook: string | null;
  healthCheck: string | null;
  /** Overrides of the global workflow: `stages` replaces, `highRisk` replaces per role. */
  workflow: { stages: ApprovalStage[] | null; highRisk: Partial<Record<Role, number>> } | null;
}

export interface Policy {
  timezone: string;
  admins: string[];
  channels: { releases: string | null; announcements: string | null };
  roles: Record<Role, string[]>;
  services: Record<string, ServicePolicy>;
  windows: Record<Environment, WindowSpec>;
  freezes: Freeze[];
  workflow: WorkflowPolicy;
  scheduling: { maxConcurrentPerWindow: number | null };
  rollback: { offerFor: number; drillAfter: number };
  reminders: {
    firstAfter: number;
    every: number;
    escalateAfter: number;
    /** Minutes after local midnight: start inclusive, end exclusive. */
    /** Minutes after local midnight, and working days as luxon weekdays (1 = Monday). */
    businessHours: { start: number; end: number; days: number[] };
  };
  announcements: {
    /** Offsets before the deploy time, in ms, largest first. */
    before: number[];
    atStart: boolean;
    onDone: boolean;
  };
  monitoring: { duration: number; checkEvery: number };
  review: { promptAfter: number };
}

// ---------------------------------------------------------------------------------------------------------
// Field schemas
// ---------------------------------------------------------------------------------------------------------

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const MEMBER_ID = /^[UWS][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const userIdSchema = z.string({ error: typeError('expected a user id like U0123') }).regex(USER_ID, 'expected a user id like U0123');
const memberSchema = z
  .string({ error: typeError('expected a user id like U0123 or a user group id like S0123') })
  .regex(MEMBER_ID, 'expected a user id like U0123 or a user group id like S0123');
const channelSchema = z
  .string({ error: typeError('expected a channel id like C0123') })
  .regex(CHANNEL_ID, 'expected a channel id like C0123');
const httpUrlSchema = z.url({ protocol: /^https?$/, error: typeError('expected an http(s) URL like https://example.com/hook') });
const positiveIntSchema = z
  .number({ error: typeError('expected a whole number of at least 1') })
  .int('expected a whole number of at least 1')
  .min(1, 'expected a whole number of at least 1');

export const timezoneSchema = z
  .string({ error: typeError('expected an IANA time zone like Europe/Berlin') })
  .superRefine((zone, ctx) => {
    if (!IANAZone.isValidZone(zone)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown time zone ${JSON.stringify(zone)}; expected an IANA name like Europe/Berlin`,
      });
    }
  });

/** "HH:MM" → minutes after midnight; "24:00" only when `allowMidnightEnd`. */
export function parseClock(text: string, allowMidnightEnd = false): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return null;
  if (hours === 24 && minutes === 0 && allowMidnightEnd) return 1440;
  if (hours > 23) return null;
  return hours * 60 + minutes;
}

/** Minutes after midnight → "HH:MM". */
export function formatClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

const CLOCK_MESSAGE = 'expected a time "HH:MM" like "09:30"';
const clockSchema = (allowMidnightEnd: boolean) =>
  z.string({ error: typeError(CLOCK_MESSAGE) }).transform((text, ctx) => {
    const minutes = parseClock(text, allowMidnightEnd);
    if (minutes === null) {
      ctx.issues.push({ code: 'custom', message: `${CLOCK_MESSAGE}, got ${JSON.stringify(text)}`, input: text });
      return z.NEVER;
    }
    return minutes;
  });

const HOURS_MESSAGE = 'expected "HH:MM-HH:MM" like "09:00-18:00"';
const businessHoursSchema = z.string({ error: typeError(HOURS_MESSAGE) }).transform((text, ctx) => {
  const [from, to, extra] = text.split('-');
  const start = from === undefined ? null : parseClock(from);
  const end = to === undefined ? null : parseClock(to, true);
  if (extra !== undefined || start === null || end === null) {
    ctx.issues.push({ code: 'custom', message: `${HOURS_MESSAGE}, got ${JSON.stringify(text)}`, input: text });
    return z.NEVER;
  }
  if (end <= start) {
    ctx.issues.push({ code: 'custom', message: `the end must be after the start, got ${JSON.stringify(text)}`, input: text });
    return z.NEVER;
  }
  return { start, end };
});

const rolesShape = <T extends z.ZodType>(member: T) =>
  Object.fromEntries(ROLES.map((role) => [role, member.optional()])) as { [R in Role]: z.ZodOptional<T> };

const roleMembersSchema = z.array(memberSchema);
const highRiskSchema = strictObject(rolesShape(positiveIntSchema));

const stagesSchema = z
  .array(z.enum(APPROVAL_STAGES, { error: `expected one of ${APPROVAL_STAGES.join(', ')}` }))
  .min(1, 'must list at least one stage')
  .superRefine((stages, ctx) => {
    for (let i = 1; i < stages.length; i += 1) {
      const prev = APPROVAL_STAGES.indexOf(stages[i - 1] ?? 'review');
      const cur = APPROVAL_STAGES.indexOf(stages[i] ?? 'review');
      if (cur <= prev) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `stages must be distinct and in pipeline order (${APPROVAL_STAGES.join(', ')})`,
        });
        return;
      }
    }
  });

const workflowOverrideSchema = strictObject({ stages: stagesSchema.optional(), high_risk: highRiskSchema.optional() });

const serviceSchema = strictObject({
  channel: channelSchema.optional(),
  roles: strictObject(rolesShape(roleMembersSchema)).optional(),
  deploy_webhook: httpUrlSchema.optional(),
  health_check: httpUrlSchema.optional(),
  workflow: workflowOverrideSchema.optional(),
});

const DAY_MESSAGE = `expected one of ${WEEKDAYS.join(', ')}`;
const windowSlotSchema = strictObject({
  days: z.array(z.enum(WEEKDAYS, { error: DAY_MESSAGE })).min(1, 'must list at least one day'),
  start: clockSchema(false),
  end: clockSchema(true),
}).transform((slot, ctx): WindowSlot => {
  if (slot.end <= slot.start) {
    ctx.issues.push({
      code: 'custom',
      path: ['end'],
      message: 'must be after start (split a window that crosses midnight into two)',
      input: slot,
    });
  }
  const days = WEEKDAYS.filter((day) => slot.days.includes(day));
  return { days, weekdays: days.map((day) => WEEKDAYS.indexOf(day) + 1), start: slot.start, end: slot.end };
});

const WINDOW_MESSAGE = 'expected always, never or a list of { days, start, end }';
/** `always` | `never` | [{ days, start, end }, …] */
export const windowSpecSchema = z.unknown().transform((value, ctx): WindowSpec => {
  if (value === 'always' || value === 'never') return { kind: value };
  if (!Array.isArray(value)) {
    const got = typeof value === 'string' ? `, got ${JSON.stringify(value)}` : '';
    ctx.issues.push({ code: 'custom', message: `${WINDOW_MESSAGE}${got}`, input: value });
    return { kind: 'never' };
  }
  if (value.length === 0) {
    ctx.issues.push({ code: 'custom', message: 'must list at least one window (use never to block deploys)', input: value });
    return { kind: 'never' };
  }
  const result = z.array(windowSlotSchema).safeParse(value, { error: friendlyErrors });
  if (!result.success) {
    for (const issue of flattenIssues(result.error.issues)) {
      ctx.issues.push({ code: 'custom', path: [...issue.path], message: issue.message, input: value });
    }
    return { kind: 'never' };
  }
  return { kind: 'slots', slots: result.data };
});

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const BOUND_MESSAGE = 'expected a date like 2026-12-20 or an ISO date-time like 2026-12-20T18:00+01:00';

type FreezeBound = { kind: 'date' | 'datetime'; text: string };

const freezeBoundSchema = z.string({ error: typeError(BOUND_MESSAGE) }).transform((raw, ctx): FreezeBound => {
  const text = raw.trim();
  const kind = DATE_RE.test(text) ? 'date' : DATE_TIME_RE.test(text) ? 'datetime' : null;
  if (kind === null) {
    ctx.issues.push({ code: 'custom', message: `${BOUND_MESSAGE}, got ${JSON.stringify(raw)}`, input: raw });
    return { kind: 'date', text };
  }
  const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone: 'UTC' });
  if (!parsed.isValid) {
    ctx.issues.push({ code: 'custom', message: `not a real date or time: ${JSON.stringify(raw)}`, input: raw });
  }
  return { kind, text };
});

const freezeItemSchema = strictObject({
  start: freezeBoundSchema,
  end: freezeBoundSchema,
  reason: z.string({ error: typeError('expected a reason, e.g. Holiday freeze') }).trim().min(1, 'must not be empty'),
  services: z.array(z.string({ error: typeError('expected a service name') })).optional(),
});

/**
 * A freeze bound in epoch ms. Dates are whole days in `zone` (a `start` date is its midnight; an `end` date is
 * inclusive, so it becomes the next day's midnight); date-times without an offset are local to `zone`.
 */
export function freezeBoundToMillis(text: string, zone: string, edge: 'start' | 'end'): number | null {
  const trimmed = text.trim();
  if (DATE_RE.test(trimmed)) {
    const day = DateTime.fromISO(trimmed, { zone });
    if (!day.isValid) return null;
    return (edge === 'end' ? day.plus({ days: 1 }) : day).startOf('day').toMillis();
  }
  if (!DATE_TIME_RE.test(trimmed)) return null;
  const instant = DateTime.fromISO(trimmed.replace(' ', 'T'), { zone });
  return instant.isValid ? instant.toMillis() : null;
}

const ANNOUNCEMENT_MESSAGE = 'expected a duration like "24h" or "1h", or the word start or done';
const announcementsSchema = z
  .array(z.string({ error: typeError(ANNOUNCEMENT_MESSAGE) }))
  .superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const word = item.trim().toLowerCase();
      const key = word === 'start' || word === 'done' ? word : String(parseDuration(word));
      if (key === 'null' || key === '0') {
        ctx.addIssue({ code: 'custom', path: [index], message: `${ANNOUNCEMENT_MESSAGE}, got ${JSON.stringify(item)}` });
      } else if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `${JSON.stringify(item)} is listed twice` });
      }
      seen.add(key);
    });
  })
  .transform((items): Policy['announcements'] => {
    const words = items.map((item) => item.trim().toLowerCase());
    const before = words
      .filter((word) => word !== 'start' && word !== 'done')
      .map((word) => parseDuration(word) ?? 0)
      .sort((a, b) => b - a);
    return { before, atStart: words.includes('start'), onDone: words.includes('done') };
  });

const d = (text: string): number => parseDuration(text) ?? 0;

export const DEFAULTS = {
  timezone: 'UTC',
  rollback: { offerFor: d('7d'), drillAfter: d('90d') },
  reminders: { firstAfter: d('4h'), every: d('4h'), escalateAfter: d('24h'), businessHours: '09:00-18:00' },
  announcements: ['24h', '1h', 'start', 'done'],
  monitoring: { duration: d('60m'), checkEvery: d('1m') },
  review: { promptAfter: d('24h') },
} as const;

/** The file's structure: everything that can be checked without looking at other keys. */
const policyFileSchema = strictObject({
  timezone: timezoneSchema.optional(),
  admins: z.array(userIdSchema).optional(),
  channels: strictObject({ releases: channelSchema.optional(), announcements: channelSchema.optional() }).optional(),
  roles: strictObject(rolesShape(roleMembersSchema)).optional(),
  services: z.record(z.string(), serviceSchema).optional(),
  windows: strictObject(
    Object.fromEntries(ENVIRONMENTS.map((env) => [env, windowSpecSchema.optional()])) as {
      [E in Environment]: z.ZodOptional<typeof windowSpecSchema>;
    },
  ).optional(),
  freezes: z.array(freezeItemSchema).optional(),
  workflow: strictObject({ stages: stagesSchema.optional(), high_risk: highRiskSchema.optional() }).optional(),
  scheduling: strictObject({ max_concurrent_per_window: positiveIntSchema.optional() }).optional(),
  rollback: strictObject({ offer_for: durationSchema.optional(), drill_after: durationSchema.optional() }).optional(),
  reminders: strictObject({
    first_after: durationSchema.optional(),
    every: durationSchema.optional(),
    escalate_after: durationSchema.optional(),
    business_hours: businessHoursSchema.optional(),
    business_days: z.array(z.enum(WEEKDAYS, { error: DAY_MESSAGE })).min(1, 'must list at least one day').optional(),
  }).optional(),
  announcements: announcementsSchema.optional(),
  monitoring: strictObject({ duration: durationSchema.optional(), check_every: durationSchema.optional() })
    .superRefine((monitoring, ctx) => {
      const duration = monitoring.duration ?? DEFAULTS.monitoring.duration;
      const every = monitoring.check_every ?? DEFAULTS.monitoring.checkEvery;
      if (every > duration) {
        ctx.addIssue({ code: 'custom', path: ['check_every'], message: 'must not be longer than monitoring.duration' });
      }
    })
    .optional(),
  review: strictObject({ prompt_after: durationSchema.optional() }).optional(),
});
type PolicyFile = z.output<typeof policyFileSchema>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that need more than one key: service names, freezes against the time zone and the services. */
function crossCheck(raw: Record<string, unknown>): { issues: ConfigIssue[]; freezes: Freeze[] } {
  const issues: ConfigIssue[] = [];
  const freezes: Freeze[] = [];

  const services = isRecord(raw.services) ? Object.keys(raw.services) : raw.services === undefined ? [] : null;
  for (const name of services ?? []) {
    if (!SERVICE_NAME.test(name)) {
      issues.push({
        path: ['services', name],
        message: 'a service name uses letters, digits, ".", "_" and "-" (up to 64 characters)',
      });
    }
  }

  const zone = timezoneSchema.safeParse(raw.timezone ?? DEFAULTS.timezone);
  if (!Array.isArray(raw.freezes)) return { issues, freezes };
  raw.freezes.forEach((item: unknown, index) => {
    const parsed = freezeItemSchema.safeParse(item);
    if (!parsed.success) return; // reported by the structural pass
    const freeze = parsed.data;
    freeze.services?.forEach((name, j) => {
      if (services !== null && !services.includes(name)) {
        const known = services.length > 0 ? `known: ${services.join(', ')}` : 'no services are defined under services';
        issues.push({ path: ['freezes', index, 'services', j], message: `unknown service ${JSON.stringify(name)} (${known})` });
      }
    });
    // With a bad time zone (reported elsewhere) the order is still checked, in UTC.
    const start = freezeBoundToMillis(freeze.start.text, zone.success ? zone.data : 'UTC', 'start');
    const end = freezeBoundToMillis(freeze.end.text, zone.success ? zone.data : 'UTC', 'end');
    if (start === null || end === null) return;
    if (end <= start) {
      issues.push({ path: ['freezes', index, 'end'], message: `must be after start (${freeze.start.text})` });
      return;
    }
    freezes.push({
      start,
      end,
      reason: freeze.reason,
      services: freeze.services ?? null,
      startText: freeze.start.text,
      endText: freeze.end.text,
    });
  });
  return { issues, freezes };
}

function normaliseHighRisk(input: Partial<Record<Role, number | undefined>> | undefined): Partial<Record<Role, number>> {
  const out: Partial<Record<Role, number>> = {};
  for (const role of ROLES) {
    const count = input?.[role];
    if (count !== undefined) out[role] = count;
  }
  return out;
}

function normaliseRoles(input: Partial<Record<Role, string[] | undefined>> | undefined): Partial<Record<Role, string[]>> {
  const out: Partial<Record<Role, string[]>> = {};
  for (const role of ROLES) {
    const members = input?.[role];
    if (members !== undefined) out[role] = [...new Set(members)];
  }
  return out;
}

function buildPolicy(file: PolicyFile, freezes: Freeze[]): Policy {
  const globalRoles = normaliseRoles(file.roles);
  const services: Record<string, ServicePolicy> = {};
  for (const [name, service] of Object.entries(file.services ?? {})) {
    services[name] = {
      name,
      channel: service.channel ?? null,
      roles: normaliseRoles(service.roles),
      deployWebhook: service.deploy_webhook ?? null,
      healthCheck: service.health_check ?? null,
      workflow:
        service.workflow === undefined
          ? null
          : { stages: service.workflow.stages ?? null, highRisk: normaliseHighRisk(service.workflow.high_risk) },
    };
  }
  const announcements = file.announcements ?? announcementsSchema.parse(DEFAULTS.announcements);
  return {
    timezone: file.timezone ?? DEFAULTS.timezone,
    admins: [...new Set(file.admins ?? [])],
    channels: { releases: file.channels?.releases ?? null, announcements: file.channels?.announcements ?? null },
    roles: Object.fromEntries(ROLES.map((role) => [role, globalRoles[role] ?? []])) as Record<Role, string[]>,
    services,
    windows: Object.fromEntries(
      ENVIRONMENTS.map((env): [Environment, WindowSpec] => [env, file.windows?.[env] ?? { kind: 'always' }]),
    ) as Record<Environment, WindowSpec>,
    freezes: freezes.sort((a, b) => a.start - b.start),
    workflow: { stages: file.workflow?.stages ?? [...APPROVAL_STAGES], highRisk: normaliseHighRisk(file.workflow?.high_risk) },
    scheduling: { maxConcurrentPerWindow: file.scheduling?.max_concurrent_per_window ?? null },
    rollback: {
      offerFor: file.rollback?.offer_for ?? DEFAULTS.rollback.offerFor,
      drillAfter: file.rollback?.drill_after ?? DEFAULTS.rollback.drillAfter,
    },
    reminders: {
      firstAfter: file.reminders?.first_after ?? DEFAULTS.reminders.firstAfter,
      every: file.reminders?.every ?? DEFAULTS.reminders.every,
      escalateAfter: file.reminders?.escalate_after ?? DEFAULTS.reminders.escalateAfter,
      businessHours: {
        ...(file.reminders?.business_hours ?? businessHoursSchema.parse(DEFAULTS.reminders.businessHours)),
        days: (file.reminders?.business_days ?? ['mon', 'tue', 'wed', 'thu', 'fri']).map((d) => WEEKDAYS.indexOf(d) + 1),
      },
    },
    announcements,
    monitoring: {
      duration: file.monitoring?.duration ?? DEFAULTS.monitoring.duration,
      checkEvery: file.monitoring?.check_every ?? DEFAULTS.monitoring.checkEvery,
    },
    review: { promptAfter: file.review?.prompt_after ?? DEFAULTS.review.promptAfter },
  };
}

/**
 * greenlight.yml (as parsed YAML) → Policy. An empty document (`null`/`undefined`) is the default policy.
 * Unknown keys are errors. Each problem is a zod issue whose path is the key path.
 */
export const policySchema = z.unknown().transform((input, ctx): Policy => {
  const raw = input === null || input === undefined ? {} : input;
  if (!isRecord(raw)) {
    ctx.issues.push({ code: 'custom', message: 'expected a mapping (key: value) at the top level', input });
    return z.NEVER;
  }
  const structural = policyFileSchema.safeParse(raw, { error: friendlyErrors });
  const issues = structural.success ? [] : flattenIssues(structural.error.issues);
  const cross = crossCheck(raw);
  issues.push(...cross.issues);
  if (!structural.success || issues.length > 0) {
    for (const issue of issues) ctx.issues.push({ code: 'custom', path: [...issue.path], message: issue.message, input });
    return z.NEVER;
  }
  return buildPolicy(structural.data, cross.freezes);
});

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; errors: string[] };

/** Parsed YAML value → Policy, or one line per problem. */
export function parsePolicyValue(value: unknown, sourceName = 'greenlight.yml'): PolicyResult {
  const result = policySchema.safeParse(value, { error: friendlyErrors });
  if (result.success) return { ok: true, policy: result.data };
  const issues = flattenIssues(result.error.issues);
  return {
    ok: false,
    errors: issues.map((issue) => formatConfigIssues([issue], issue.path.length === 0 ? sourceName : undefined)[0] ?? ''),
  };
}

/**
 * greenlight.yml text → Policy. YAML syntax errors read `greenlight.yml: line N: …` (with `sourceName`);
 * policy errors name the key path, e.g. `services.payments-api.channel: expected a channel id like C0123`.
 */
export function parsePolicyText(text: string, sourceName = 'greenlight.yml'): PolicyResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const where = error.linePos?.[0]?.line;
        const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
        return where === undefined ? `${sourceName}: ${message}` : `${sourceName}: line ${where}: ${message}`;
      }),
    };
  }
  return parsePolicyValue(doc.toJS({ maxAliasCount: 100 }), sourceName);
}

/** The policy used when there is no greenlight.yml. */
export function defaultPolicy(): Policy {
  const result = parsePolicyValue({});
  if (!result.ok) throw new Error(`default policy is invalid: ${result.errors.join('; ')}`);
  return result.policy;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for the rest of the app
// ---------------------------------------------------------------------------------------------------------

export function findService(policy: Policy, service: string): ServicePolicy | null {
  return Object.hasOwn(policy.services, service) ? (policy.services[service] ?? null) : null;
}

export function serviceNames(policy: Policy): string[] {
  return Object.keys(policy.services).sort((a, b) => a.localeCompare(b));
}

/** Where a service's release cards go: its own channel, else `channels.releases`, else null. */
export function serviceChannel(policy: Policy, service: string): string | null {
  return findService(policy, service)?.channel ?? policy.channels.releases;
}

/** Members (users `U…`/`W…` and groups `S…`) of a role; a service's own list replaces the global one. */
export function roleMembers(policy: Policy, role: Role, service?: string): string[] {
  const own = service === undefined ? undefined : findService(policy, service)?.roles[role];
  return own ?? policy.roles[role];
}

/** The workflow for a service: its stages override and its high-risk counts layered over the global ones. */
export function serviceWorkflow(policy: Policy, service?: string): WorkflowPolicy {
  const own = service === undefined ? null : (findService(policy, service)?.workflow ?? null);
  return {
    stages: own?.stages ?? policy.workflow.stages,
    highRisk: { ...policy.workflow.highRisk, ...own?.highRisk },
  };
}

/** Approvals a role must give: 1, or `workflow.high_risk[role]` when risk is high; never less than 1. */
export function requiredApprovals(policy: Policy, role: Role, risk: Risk, service?: string): number {
  if (risk !== 'high') return 1;
  const count = serviceWorkflow(policy, service).highRisk[role] ?? 1;
  return Math.max(1, Math.floor(count));
}

/** Whether a user may edit roles, windows and freezes. */
export function isAdmin(policy: Policy, userId: string): boolean {
  return policy.admins.includes(userId);
}
