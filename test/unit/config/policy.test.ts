import { Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultPolicy,
  freezeBoundToMillis,
  parsePolicyText,
  parsePolicyValue,
  policySchema,
  requiredApprovals,
  roleMembers,
  serviceChannel,
  serviceNames,
  serviceWorkflow,
} from '../../../src/config/policy';
import type { Policy } from '../../../src/config/policy';
import { SAMPLE_POLICY_YAML } from '../../../src/config/sample-policy';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function policyOf(text: string): Policy {
  const result = parsePolicyText(text);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.policy;
}

function errorsOf(text: string): string[] {
  const result = parsePolicyText(text);
  return result.ok ? [] : result.errors;
}

describe('the DESIGN example policy', () => {
  const policy = policyOf(SAMPLE_POLICY_YAML);

  it('parses to the normalised values', () => {
    expect(policy.timezone).toBe('Europe/Berlin');
    expect(policy.admins).toEqual(['U0ADMIN']);
    expect(policy.channels).toEqual({ releases: 'C0RELEASES', announcements: 'C0ANNOUNCE' });
    expect(policy.roles).toEqual({
      developer: ['U0DEV1', 'U0DEV2'],
      qa: ['U0QA'],
      release_manager: ['U0RM'],
      product_manager: ['U0PM'],
      operations: ['U0OPS'],
    });
    expect(policy.services).toEqual({
      'payments-api': {
        name: 'payments-api',
        channel: 'C0PAYMENTS',
        roles: { qa: ['U0QA2'] },
        deployWebhook: 'https://deploy.example/hooks/payments',
        healthCheck: 'https://payments.example/healthz',
        workflow: null,
      },
    });
    expect(policy.windows).toEqual({
      production: {
        kind: 'slots',
        slots: [{ days: ['tue', 'wed', 'thu'], weekdays: [2, 3, 4], start: 10 * 60, end: 16 * 60 }],
      },
      staging: { kind: 'always' },
    });
    expect(policy.workflow).toEqual({ stages: ['review', 'qa', 'signoff', 'scheduling'], highRisk: { operations: 2 } });
    expect(policy.scheduling).toEqual({ maxConcurrentPerWindow: 3 });
    expect(policy.rollback).toEqual({ offerFor: 7 * DAY, drillAfter: 90 * DAY });
    expect(policy.reminders).toEqual({
      firstAfter: 4 * HOUR,
      every: 4 * HOUR,
      escalateAfter: 24 * HOUR,
      businessHours: { start: 9 * 60, end: 18 * 60, days: [1, 2, 3, 4, 5] },
    });
    expect(policy.announcements).toEqual({ before: [24 * HOUR, HOUR], atStart: true, onDone: true });
    expect(policy.monitoring).toEqual({ duration: 60 * 60_000, checkEvery: 60_000 });
    expect(policy.review).toEqual({ promptAfter: 24 * HOUR });
  });

  it('turns the holiday freeze into whole Berlin days, end inclusive', () => {
    expect(policy.freezes).toEqual([
      {
        // 2026-12-20 00:00 CET (UTC+1) up to, not including, 2027-01-05 00:00 CET.
        start: Date.UTC(2026, 11, 19, 23, 0),
        end: Date.UTC(2027, 0, 4, 23, 0),
        reason: 'Holiday freeze',
        services: null,
        startText: '2026-12-20',
        endText: '2027-01-04',
      },
    ]);
  });
});

describe('defaults', () => {
  it('an empty file is the default policy', () => {
    for (const text of ['', '# nothing yet\n', '---\n']) {
      expect(policyOf(text)).toEqual(defaultPolicy());
    }
  });

  it('the default policy has empty roles, unset channels and the documented timings', () => {
    const policy = defaultPolicy();
    expect(policy).toEqual({
      timezone: 'UTC',
      admins: [],
      channels: { releases: null, announcements: null },
      roles: { developer: [], qa: [], release_manager: [], product_manager: [], operations: [] },
      services: {},
      windows: { staging: { kind: 'always' }, production: { kind: 'always' } },
      freezes: [],
      workflow: { stages: ['review', 'qa', 'signoff', 'scheduling'], highRisk: {} },
      scheduling: { maxConcurrentPerWindow: null },
      rollback: { offerFor: 7 * DAY, drillAfter: 90 * DAY },
      reminders: { firstAfter: 4 * HOUR, every: 4 * HOUR, escalateAfter: 24 * HOUR, businessHours: { start: 540, end: 1080, days: [1, 2, 3, 4, 5] } },
      announcements: { before: [24 * HOUR, HOUR], atStart: true, onDone: true },
      monitoring: { duration: HOUR, checkEvery: 60_000 },
      review: { promptAfter: 24 * HOUR },
    });
  });

  it('keys left out of a section keep their defaults', () => {
    const policy = policyOf('reminders: { every: 2h }\nrollback: { offer_for: 3d }\n');
    expect(policy.reminders.every).toBe(2 * HOUR);
    expect(policy.reminders.firstAfter).toBe(4 * HOUR);
    expect(policy.rollback).toEqual({ offerFor: 3 * DAY, drillAfter: 90 * DAY });
  });

  it('an empty announcements list announces nothing', () => {
    expect(policyOf('announcements: []').announcements).toEqual({ before: [], atStart: false, onDone: false });
  });
});

describe('policy errors name the key path', () => {
  it.each([
    ['services: { payments-api: { channel: payments } }', 'services.payments-api.channel: expected a channel id like C0123'],
    ['channels: { releases: "#releases" }', 'channels.releases: expected a channel id like C0123'],
    [
      'timezone: Mars/Olympus_Mons',
      'timezone: unknown time zone "Mars/Olympus_Mons"; expected an IANA name like Europe/Berlin',
    ],
    [
      'reminders: { business_hours: "9am-6pm" }',
      'reminders.business_hours: expected "HH:MM-HH:MM" like "09:00-18:00", got "9am-6pm"',
    ],
    [
      'reminders: { business_hours: "18:00-09:00" }',
      'reminders.business_hours: the end must be after the start, got "18:00-09:00"',
    ],
    ['rollbak: { offer_for: 7d }', 'rollbak: unknown key; did you mean rollback?'],
    ['services: { api: { chanel: C0API } }', 'services.api.chanel: unknown key; did you mean channel?'],
    [
      'roles: { developers: [U0DEV] }',
      'roles.developers: unknown key; did you mean developer?',
    ],
    [
      'roles: { qa: [U0QA, alice] }',
      'roles.qa[1]: expected a user id like U0123 or a user group id like S0123',
    ],
    ['admins: [S0GROUP]', 'admins[0]: expected a user id like U0123'],
    [
      'windows: { production: [{ days: [mon], start: "10:00", end: "25:00" }] }',
      'windows.production[0].end: expected a time "HH:MM" like "09:30", got "25:00"',
    ],
    [
      'windows: { production: [{ days: [mon], start: "16:00", end: "10:00" }] }',
      'windows.production[0].end: must be after start (split a window that crosses midnight into two)',
    ],
    [
      'windows: { production: [{ days: [monday], start: "10:00", end: "16:00" }] }',
      'windows.production[0].days[0]: expected one of mon, tue, wed, thu, fri, sat, sun',
    ],
    ['windows: { staging: sometimes }', 'windows.staging: expected always, never or a list of { days, start, end }, got "sometimes"'],
    ['windows: { prod: always }', 'windows.prod: unknown key; expected one of staging, production'],
    [
      'services: { api: {} }\nfreezes: [{ start: 2026-12-20, end: 2027-01-04, reason: x, services: [api, web] }]',
      'freezes[0].services[1]: unknown service "web" (known: api)',
    ],
    [
      'freezes: [{ start: 2026-12-20, end: 2026-12-19, reason: x }]',
      'freezes[0].end: must be after start (2026-12-20)',
    ],
    [
      'freezes: [{ start: "2026-12-20T18:00", end: "2026-12-20T18:00", reason: x }]',
      'freezes[0].end: must be after start (2026-12-20T18:00)',
    ],
    [
      'freezes: [{ start: 20.12.2026, end: 2027-01-04, reason: x }]',
      'freezes[0].start: expected a date like 2026-12-20 or an ISO date-time like 2026-12-20T18:00+01:00, got "20.12.2026"',
    ],
    ['freezes: [{ start: 2026-02-30, end: 2026-03-04, reason: x }]', 'freezes[0].start: not a real date or time: "2026-02-30"'],
    ['freezes: [{ start: 2026-12-20, end: 2027-01-04 }]', 'freezes[0].reason: required'],
    ['workflow: { high_risk: { operations: 0 } }', 'workflow.high_risk.operations: expected a whole number of at least 1'],
    ['workflow: { high_risk: { operations: 1.5 } }', 'workflow.high_risk.operations: expected a whole number of at least 1'],
    [
      'workflow: { stages: [qa, review] }',
      'workflow.stages[1]: stages must be distinct and in pipeline order (review, qa, signoff, scheduling)',
    ],
    ['scheduling: { max_concurrent_per_window: 0 }', 'scheduling.max_concurrent_per_window: expected a whole number of at least 1'],
    ['rollback: { offer_for: 7 }', 'rollback.offer_for: expected a duration like "30s", "5m", "4h" or "1d"'],
    ['review: { prompt_after: tomorrow }', 'review.prompt_after: expected a duration like "30s", "5m", "4h" or "1d", got "tomorrow"'],
    ['monitoring: { duration: 5m, check_every: 10m }', 'monitoring.check_every: must not be longer than monitoring.duration'],
    [
      'announcements: [24h, soon]',
      'announcements[1]: expected a duration like "24h" or "1h", or the word start or done, got "soon"',
    ],
    ['announcements: [1h, 60m]', 'announcements[1]: "60m" is listed twice'],
    [
      'services: { api: { deploy_webhook: "not a url" } }',
      'services.api.deploy_webhook: expected an http(s) URL like https://example.com/hook',
    ],
    ['services: { api: { roles: { qa: U0QA } } }', 'services.api.roles.qa: expected a list, got text'],
    ['channels: C0RELEASES', 'channels: expected a mapping (key: value), got text'],
    [
      'services: { "payments api": {} }',
      'services.payments api: a service name uses letters, digits, ".", "_" and "-" (up to 64 characters)',
    ],
    ['- timezone: UTC', 'greenlight.yml: expected a mapping (key: value) at the top level'],
  ])('%s', (text, line) => {
    expect(errorsOf(text)).toEqual([line]);
  });

  it('reports YAML syntax errors with the line number', () => {
    expect(errorsOf('timezone: UTC\nadmins: [U0A\nchannels: {}\n')).toEqual([
      expect.stringMatching(/^greenlight\.yml: line 3: /),
    ]);
  });

  it('reports duplicate keys as YAML errors naming the source', () => {
    const result = parsePolicyText('timezone: UTC\ntimezone: Europe/Berlin\n', 'config/policy.yml');
    expect(result).toEqual({ ok: false, errors: ['config/policy.yml: line 2: Map keys must be unique'] });
  });

  it('reports every problem together', () => {
    const errors = errorsOf(
      [
        'timezone: Nowhere/City',
        'channels: { releases: releases }',
        'services: { api: { channel: C0API } }',
        'freezes: [{ start: 2026-12-20, end: 2026-12-01, reason: x, services: [web] }]',
        'reminders: { business_hours: "late" }',
        'colour: blue',
      ].join('\n'),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        'timezone: unknown time zone "Nowhere/City"; expected an IANA name like Europe/Berlin',
        'channels.releases: expected a channel id like C0123',
        'reminders.business_hours: expected "HH:MM-HH:MM" like "09:00-18:00", got "late"',
        'colour: unknown key; expected one of timezone, admins, channels, roles, services, windows, freezes, workflow, scheduling, rollback, reminders, announcements, monitoring, review',
        'freezes[0].services[0]: unknown service "web" (known: api)',
        'freezes[0].end: must be after start (2026-12-20)',
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('policySchema exposes the same problems as zod issues with key paths', () => {
    const result = policySchema.safeParse({ channels: { releases: 'x' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['channels', 'releases']]);
  });
});

describe('freeze normalisation', () => {
  afterEach(() => {
    Settings.defaultZone = 'system';
  });

  it('date-times without an offset are local to the policy time zone; with one they are exact', () => {
    const policy = policyOf(
      [
        'timezone: Europe/Berlin',
        'freezes:',
        '  - { start: "2026-07-01T18:00", end: "2026-07-02 06:30", reason: local }',
        '  - { start: "2026-07-01T18:00Z", end: "2026-07-01T22:30:00+02:00", reason: offset }',
      ].join('\n'),
    );
    expect(policy.freezes.map((f) => [f.reason, f.start, f.end])).toEqual([
      ['local', Date.UTC(2026, 6, 1, 16, 0), Date.UTC(2026, 6, 2, 4, 30)],
      ['offset', Date.UTC(2026, 6, 1, 18, 0), Date.UTC(2026, 6, 1, 20, 30)],
    ]);
  });

  it('a freeze across a DST change covers whole local days (47 hours for the spring-forward weekend)', () => {
    // Berlin moves from UTC+1 to UTC+2 on 2026-03-29.
    const policy = policyOf('timezone: Europe/Berlin\nfreezes: [{ start: 2026-03-28, end: 2026-03-29, reason: dst }]');
    const [freeze] = policy.freezes;
    expect(freeze?.start).toBe(Date.UTC(2026, 2, 27, 23, 0));
    expect(freeze?.end).toBe(Date.UTC(2026, 2, 29, 22, 0));
    expect((freeze?.end ?? 0) - (freeze?.start ?? 0)).toBe(47 * HOUR);
  });

  it('does not depend on the host time zone', () => {
    const text = 'timezone: America/New_York\nfreezes: [{ start: 2026-11-01, end: 2026-11-01, reason: x }, { start: "2026-11-01T01:30", end: "2026-11-01T03:00", reason: y }]';
    Settings.defaultZone = 'Asia/Tokyo';
    const inTokyo = policyOf(text).freezes;
    Settings.defaultZone = 'UTC';
    const inUtc = policyOf(text).freezes;
    expect(inTokyo).toEqual(inUtc);
    // 2026-11-01 is the fall-back day in New York: 00:00 EDT (UTC-4) to 00:00 EST (UTC-5) next day, 25 hours.
    expect(inUtc[0]?.start).toBe(Date.UTC(2026, 10, 1, 4, 0));
    expect(inUtc[0]?.end).toBe(Date.UTC(2026, 10, 2, 5, 0));
  });

  it('freezeBoundToMillis treats an end date as inclusive and rejects other text', () => {
    expect(freezeBoundToMillis('2026-01-01', 'UTC', 'start')).toBe(Date.UTC(2026, 0, 1));
    expect(freezeBoundToMillis('2026-01-01', 'UTC', 'end')).toBe(Date.UTC(2026, 0, 2));
    expect(freezeBoundToMillis('2026-01-01T12:00', 'UTC', 'end')).toBe(Date.UTC(2026, 0, 1, 12));
    expect(freezeBoundToMillis('next week', 'UTC', 'start')).toBeNull();
  });

  it('keeps per-service freezes and sorts freezes by start', () => {
    const policy = policyOf(
      'services: { api: {} }\nfreezes: [{ start: 2026-06-01, end: 2026-06-01, reason: later, services: [api] }, { start: 2026-05-01, end: 2026-05-01, reason: sooner }]',
    );
    expect(policy.freezes.map((f) => [f.reason, f.services])).toEqual([
      ['sooner', null],
      ['later', ['api']],
    ]);
  });
});

describe('windows', () => {
  it('accepts never, several slots, and 24:00 as an end', () => {
    const policy = policyOf(
      'windows:\n  production: [{ days: [fri, mon], start: "9:00", end: "12:00" }, { days: [sat], start: "20:00", end: "24:00" }]\n  staging: never',
    );
    expect(policy.windows).toEqual({
      production: {
        kind: 'slots',
        slots: [
          { days: ['mon', 'fri'], weekdays: [1, 5], start: 540, end: 720 },
          { days: ['sat'], weekdays: [6], start: 1200, end: 1440 },
        ],
      },
      staging: { kind: 'never' },
    });
  });
});

describe('helpers', () => {
  const policy = policyOf(
    `${SAMPLE_POLICY_YAML.replace('services:\n', 'services:\n  web: {}\n  search:\n    workflow: { stages: [review, signoff, scheduling], high_risk: { qa: 3, operations: 1 } }\n')}`,
  );

  it('serviceChannel: the service channel, else channels.releases, else null', () => {
    expect(serviceChannel(policy, 'payments-api')).toBe('C0PAYMENTS');
    expect(serviceChannel(policy, 'web')).toBe('C0RELEASES');
    expect(serviceChannel(policy, 'unknown')).toBe('C0RELEASES');
    expect(serviceChannel(policy, 'constructor')).toBe('C0RELEASES');
    expect(serviceChannel(defaultPolicy(), 'web')).toBeNull();
  });

  it('roleMembers: a service list replaces the global one for that role only', () => {
    expect(roleMembers(policy, 'qa')).toEqual(['U0QA']);
    expect(roleMembers(policy, 'qa', 'payments-api')).toEqual(['U0QA2']);
    expect(roleMembers(policy, 'operations', 'payments-api')).toEqual(['U0OPS']);
    expect(roleMembers(policy, 'qa', 'web')).toEqual(['U0QA']);
  });

  it('serviceNames lists services sorted', () => {
    expect(serviceNames(policy)).toEqual(['payments-api', 'search', 'web']);
    expect(serviceNames(defaultPolicy())).toEqual([]);
  });

  it('requiredApprovals: 1 normally, workflow.high_risk for high risk, never below 1', () => {
    expect(requiredApprovals(policy, 'operations', 'low')).toBe(1);
    expect(requiredApprovals(policy, 'operations', 'medium')).toBe(1);
    expect(requiredApprovals(policy, 'operations', 'high')).toBe(2);
    expect(requiredApprovals(policy, 'qa', 'high')).toBe(1);
    expect(requiredApprovals(policy, 'qa', 'high', 'search')).toBe(3);
    expect(requiredApprovals(policy, 'operations', 'high', 'search')).toBe(1);
    expect(requiredApprovals(policy, 'operations', 'high', 'web')).toBe(2);
    const zero: Policy = { ...policy, workflow: { ...policy.workflow, highRisk: { operations: 0 } } };
    expect(requiredApprovals(zero, 'operations', 'high')).toBe(1);
  });

  it('serviceWorkflow: a service may skip stages', () => {
    expect(serviceWorkflow(policy, 'search').stages).toEqual(['review', 'signoff', 'scheduling']);
    expect(serviceWorkflow(policy, 'web').stages).toEqual(['review', 'qa', 'signoff', 'scheduling']);
  });

  it('parsePolicyValue accepts an already-parsed object', () => {
    expect(parsePolicyValue({ admins: ['W0ADMIN'] })).toMatchObject({ ok: true, policy: { admins: ['W0ADMIN'] } });
  });
});

describe('reminders.business_days', () => {
  it('maps day names to luxon weekdays and rejects unknown days', () => {
    const ok = parsePolicyText('reminders: { business_days: [sat, sun] }');
    expect(ok.ok && ok.policy.reminders.businessHours.days).toEqual([6, 7]);
    const bad = parsePolicyText('reminders: { business_days: [funday] }');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors[0]).toMatch(/^reminders\.business_days\[0\]: /);
  });
});
