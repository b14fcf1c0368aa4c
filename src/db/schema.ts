import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const releases = sqliteTable(
  'releases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    service: text('service').notNull(),
    version: text('version').notNull(),
    title: text('title').notNull(),
    changelog: text('changelog').notNull(),
    environment: text('environment').notNull(),
    risk: text('risk').notNull(),
    rollbackPlan: text('rollback_plan').notNull(),
    links: text('links', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    desiredAt: integer('desired_at'),
    commitTime: integer('commit_time'),
    requestedBy: text('requested_by').notNull(),
    source: text('source').notNull(),
    state: text('state').notNull(),
    stateChangedAt: integer('state_changed_at').notNull(),
    contentRev: integer('content_rev').notNull().default(1),
    lastReason: text('last_reason'),
    cardChannel: text('card_channel'),
    cardTs: text('card_ts'),
    scheduledAt: integer('scheduled_at'),
    scheduledBy: text('scheduled_by'),
    /** Set by a break-glass override (and later by rollbacks/failures): the post-release review is mandatory. */
    reviewRequired: integer('review_required', { mode: 'boolean' }).notNull().default(false),
    /** Makes a retried submission (same modal view, same API idempotency key) create one release. */
    idempotencyKey: text('idempotency_key'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('releases_idempotency_key_uq').on(t.idempotencyKey),
    index('releases_state_idx').on(t.state, t.createdAt),
    index('releases_requested_by_idx').on(t.requestedBy, t.createdAt),
    index('releases_service_env_idx').on(t.service, t.environment, t.state),
    // App Home and stats: oldest-first per state, upcoming deploys, releases that shipped or failed in a period.
    index('releases_state_changed_idx').on(t.state, t.stateChangedAt),
    index('releases_state_scheduled_idx').on(t.state, t.scheduledAt),
  ],
);

export const approvals = sqliteTable(
  'approvals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    stage: text('stage').notNull(),
    role: text('role').notNull(),
    userId: text('user_id').notNull(),
    contentRev: integer('content_rev').notNull(),
    status: text('status').notNull().default('active'),
    resetReason: text('reset_reason'),
    createdAt: integer('created_at').notNull(),
    resetAt: integer('reset_at'),
  },
  (t) => [
    // One live approval per person per stage: a double click or a retry cannot add a second.
    uniqueIndex('approvals_one_active_uq').on(t.releaseId, t.stage, t.userId).where(sql`status = 'active'`),
    index('approvals_release_idx').on(t.releaseId),
  ],
);

export const criteria = sqliteTable(
  'criteria',
  {
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    criterion: text('criterion').notNull(),
    status: text('status').notNull().default('pending'),
    url: text('url'),
    details: text('details'),
    updatedBy: text('updated_by'),
    updatedAt: integer('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.criterion] })],
);

/** Role members edited in Slack, layered over the policy file. scope is '*' (global) or a service name. */
export const roleAssignments = sqliteTable(
  'role_assignments',
  {
    scope: text('scope').notNull(),
    role: text('role').notNull(),
    members: text('members', { mode: 'json' }).$type<string[]>().notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.role] })],
);

/** Deploy windows edited in Slack, per environment, replacing the policy file's. spec: the normalised WindowSpec (JSON). */
export const windowOverrides = sqliteTable('window_overrides', {
  environment: text('environment').primaryKey(),
  spec: text('spec', { mode: 'json' }).$type<unknown>().notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Append-only, hash-chained record of everything that happened. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    releaseId: integer('release_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_release_idx').on(t.releaseId, t.id),
    index('audit_at_idx').on(t.at),
    // Stats read one kind of event over a period (deploys, approvals).
    index('audit_action_at_idx').on(t.action, t.at),
  ],
);

/** Slack deliveries already handled (event ids, exact request replays). */
export const processedDeliveries = sqliteTable('processed_deliveries', {
  key: text('key').primaryKey(),
  at: integer('at').notNull(),
});

/** Everything the notifier sent; dedupe_key makes an announcement go out once. */
export const sentMessages = sqliteTable(
  'sent_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    dedupeKey: text('dedupe_key'),
    method: text('method').notNull(),
    channel: text('channel').notNull(),
    ts: text('ts'),
    threadTs: text('thread_ts'),
    releaseId: integer('release_id'),
    at: integer('at').notNull(),
  },
  (t) => [uniqueIndex('sent_messages_dedupe_uq').on(t.dedupeKey), index('sent_messages_release_idx').on(t.releaseId)],
);

/** Freezes declared in Slack, layered over the policy file's. */
export const freezes = sqliteTable(
  'freezes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    start: integer('start').notNull(),
    end: integer('end').notNull(),
    reason: text('reason').notNull(),
    /** JSON list of service names, or null for all services. */
    services: text('services', { mode: 'json' }).$type<string[] | null>(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    liftedAt: integer('lifted_at'),
  },
  (t) => [index('freezes_end_idx').on(t.end)],
);

/** Break-glass: a release manager lets one release deploy during a freeze, until `expires_at`. */
export const overrides = sqliteTable(
  'overrides',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    grantedBy: text('granted_by').notNull(),
    reason: text('reason').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('overrides_release_idx').on(t.releaseId, t.expiresAt)],
);

/** Reminder bookkeeping per approver and stage occurrence (the stage is identified by when it opened). */
export const reminders = sqliteTable(
  'reminders',
  {
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    stageOpenedAt: integer('stage_opened_at').notNull(),
    userId: text('user_id').notNull(),
    sentCount: integer('sent_count').notNull().default(0),
    lastSentAt: integer('last_sent_at'),
    snoozedUntil: integer('snoozed_until'),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.stageOpenedAt, t.userId] })],
);

/** One row per release that reached the deploy: when it started, ended, was watched and (maybe) rolled back. */
export const deploys = sqliteTable(
  'deploys',
  {
    releaseId: integer('release_id')
      .primaryKey()
      .references(() => releases.id, { onDelete: 'cascade' }),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    startedAt: integer('started_at').notNull(),
    startedBy: text('started_by').notNull(),
    /** How the deploy started: `slack` (Start deploy or the slot opening: Greenlight calls the deploy webhook) or `api` (the pipeline reported it had started: no webhook). */
    startedVia: text('started_via').notNull().default('slack'),
    url: text('url'),
    succeededAt: integer('succeeded_at'),
    failedAt: integer('failed_at'),
    monitoringUntil: integer('monitoring_until'),
    probeFailures: integer('probe_failures').notNull().default(0),
    probeOk: integer('probe_ok').notNull().default(0),
    alertedAt: integer('alerted_at'),
    checkinAt: integer('checkin_at'),
    releasedAt: integer('released_at'),
    /** When something went wrong (failed deploy, probe alert, "found an issue"): the start of time to restore. */
    incidentAt: integer('incident_at'),
    rollbackRequestedAt: integer('rollback_requested_at'),
    rollbackBy: text('rollback_by'),
    restoredAt: integer('restored_at'),
  },
  (t) => [index('deploys_service_idx').on(t.service, t.restoredAt)],
);

/** Every outgoing deploy/rollback webhook attempt. `key` ties the attempts of one delivery together. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    key: text('key').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    at: integer('at').notNull(),
  },
  (t) => [index('webhook_deliveries_key_idx').on(t.releaseId, t.key)],
);

/** The post-release review of a release: its thread, and how it was closed. */
export const reviews = sqliteTable('reviews', {
  releaseId: integer('release_id')
    .primaryKey()
    .references(() => releases.id, { onDelete: 'cascade' }),
  channel: text('channel').notNull(),
  ts: text('ts'),
  openedAt: integer('opened_at').notNull(),
  participants: text('participants', { mode: 'json' }).$type<string[]>().notNull(),
  remindedAt: integer('reminded_at'),
  closedAt: integer('closed_at'),
  closedBy: text('closed_by'),
  summary: text('summary'),
});

export const reviewAnswers = sqliteTable(
  'review_answers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    wentWell: text('went_well').notNull(),
    improve: text('improve').notNull(),
    incidents: text('incidents').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('review_answers_release_idx').on(t.releaseId)],
);

export const actionItems = sqliteTable(
  'action_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    answerId: integer('answer_id').notNull(),
    text: text('text').notNull(),
    owner: text('owner').notNull(),
    /** YYYY-MM-DD in the policy time zone. */
    due: text('due').notNull(),
    dueAt: integer('due_at').notNull(),
    remindedAt: integer('reminded_at'),
    doneAt: integer('done_at'),
    doneBy: text('done_by'),
  },
  (t) => [index('action_items_open_idx').on(t.doneAt, t.dueAt)],
);
