/**
 * The OpenAPI 3.1 description of /api/v1, generated from the zod schemas the API validates with (request bodies
 * come from api.ts; responses are described here). Served at `GET /api/v1/openapi.json` without a token: it
 * describes the API, it holds no data, and clients and code generators need it before they have a token.
 *
 * ROUTES is the route table; test/unit/http/openapi.test.ts checks it against the routes registered on the
 * router, so a route added to api.ts without a line here fails the suite.
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { CRITERIA, STATES } from '../domain/types';
import { ISO_DATE_FIRST, checkBodySchema, createReleaseBodySchema, deploymentBodySchema } from './api';

const isoTime = z.iso.datetime({ offset: true });

export const problemSchema = z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json).');

export const auditItemSchema = z.object({
    id: z.number().int(),
    at: isoTime,
    release: z.string().nullable().describe('REL-n'),
    actor: z.string().describe('a Slack user id, or ci / system'),
    action: z.string().describe('e.g. release.requested, approval.granted, approval.denied, approval.reset'),
    details: z.record(z.string(), z.unknown()),
  });

export const auditPageSchema = z.object({ items: z.array(auditItemSchema), next: z.string().optional().describe('present when there is more: pass it back as `next`, `after` or `cursor` (three names for the same thing) for the next page') });

export const releaseResponseSchema = z.object({
    id: z.string().describe('REL-n'),
    number: z.number().int(),
    service: z.string(),
    version: z.string(),
    title: z.string(),
    environment: z.string(),
    risk: z.string(),
    changelog: z.string(),
    rollback_plan: z.string(),
    links: z.array(z.string()),
    requested_by: z.string(),
    source: z.string(),
    state: z.enum(STATES),
    state_changed_at: isoTime,
    desired_at: isoTime.nullable(),
    commit_time: isoTime.nullable(),
    scheduled_at: isoTime.nullable(),
    review_required: z.boolean(),
    override: z.object({ granted_by: z.string(), reason: z.string(), expires_at: isoTime }).nullable(),
    content_rev: z.number().int(),
    card: z.object({ channel: z.string(), ts: z.string() }).nullable(),
    created_at: isoTime,
    updated_at: isoTime,
    approvals: z.array(
      z.object({ stage: z.string(), role: z.string(), user: z.string(), at: isoTime, status: z.string(), reset_reason: z.string().nullable() }),
    ),
    criteria: z.array(
      z.object({
        criterion: z.enum(CRITERIA),
        status: z.string(),
        url: z.string().nullable(),
        details: z.string().nullable(),
        updated_by: z.string().nullable(),
        updated_at: isoTime.nullable(),
      }),
    ),
    audit: z.array(auditItemSchema).optional().describe('GET /releases/{id} only'),
  });

const createReleaseBody = createReleaseBodySchema;
const checkBody = checkBodySchema;
const deploymentBody = deploymentBodySchema;
const deploymentResponseSchema = releaseResponseSchema.extend({ changed: z.boolean().describe('false when the report repeated what was already recorded') });

interface Param {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  description: string;
  schema: Record<string, unknown>;
}

interface Answer {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json (application/problem+json for 4xx/5xx). */
  contentType?: string;
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path under /api/v1, e.g. `/releases/:id`. */
  path: string;
  summary: string;
  /** bearer: Authorization header; bearer-or-query: also `?token=`; none: open. */
  auth: 'bearer' | 'bearer-or-query' | 'none';
  body?: z.ZodType;
  params?: Param[];
  responses: Record<string, Answer>;
}

/** since/until of the audit trail, as isoInstant in api.ts reads them. */
const AUDIT_TIME =
  'an ISO 8601 date or date-time: 2026-01-01, 2026-01-01T10:00Z, 2026-01-01T10:00:00+02:00 or +0200; without an offset it is read as UTC (a date alone is its UTC midnight); a + left unencoded, which arrives as a space (`…T10:00:00 02:00`), is read as +';
const auditTime = { type: 'string', pattern: ISO_DATE_FIRST.source };

const idParam: Param = { name: 'id', in: 'path', required: true, description: 'REL-n or n', schema: { type: 'string', pattern: '^(REL-)?[0-9]+$' } };
const problem = (description: string): Answer => ({ description, schema: problemSchema });
const authProblems = { '401': problem('missing or wrong bearer token'), '404': problem('unknown release, or the API is off (no GREENLIGHT_API_TOKEN)') };

export const ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    auth: 'none',
    responses: { '200': { description: 'the OpenAPI 3.1 description of /api/v1' } },
  },
  {
    method: 'get',
    path: '/calendar.ics',
    summary: 'Deploy calendar feed: scheduled releases, deploy windows and freezes (iCalendar)',
    auth: 'bearer-or-query',
    params: [{ name: 'token', in: 'query', description: 'the API token, for calendar apps that cannot send headers', schema: { type: 'string' } }],
    responses: { '200': { description: 'an iCalendar feed', contentType: 'text/calendar' }, '401': authProblems['401'] },
  },
  {
    method: 'post',
    path: '/releases',
    summary: 'Request a release from CI (the card is posted as for /release)',
    auth: 'bearer',
    body: createReleaseBody,
    params: [{ name: 'Idempotency-Key', in: 'query', description: 'send as a header: a retried request with the same key returns the same release (200)', schema: { type: 'string' } }],
    responses: {
      '201': { description: 'created; Location names the release', schema: releaseResponseSchema },
      '200': { description: 'already created with this Idempotency-Key', schema: releaseResponseSchema },
      ...authProblems,
      '422': problem('invalid body; errors names each field'),
    },
  },
  {
    method: 'get',
    path: '/releases/:id',
    summary: 'A release with its approvals, readiness criteria and audit trail',
    auth: 'bearer',
    params: [idParam],
    responses: { '200': { description: 'the release', schema: releaseResponseSchema }, ...authProblems },
  },
  {
    method: 'post',
    path: '/releases/:id/checks',
    summary: 'Report a readiness check from CI (passed marks the criterion met)',
    auth: 'bearer',
    params: [idParam],
    body: checkBody,
    responses: {
      '200': { description: 'the release after the update', schema: releaseResponseSchema },
      ...authProblems,
      '409': problem('the release is past the point where readiness can change'),
      '422': problem('invalid body'),
    },
  },
  {
    method: 'post',
    path: '/releases/:id/deployments',
    summary: 'Report a deployment from the pipeline: started, succeeded (monitoring starts), failed, rolled_back',
    auth: 'bearer',
    params: [idParam],
    body: deploymentBody,
    responses: {
      '200': { description: 'the release after the report', schema: deploymentResponseSchema },
      ...authProblems,
      '409': problem('the release is not in a state where this report applies'),
      '422': problem('invalid body'),
    },
  },
  {
    method: 'get',
    path: '/stats',
    summary: "DORA's four keys and approval turnaround (durations in seconds, rates 0–1)",
    auth: 'bearer',
    params: [
      { name: 'service', in: 'query', description: 'one service (default: all)', schema: { type: 'string', maxLength: 64 } },
      { name: 'since', in: 'query', description: 'ISO 8601 date-time, or a period back from until like 7d, 30d, 90d (default 30d)', schema: { type: 'string' } },
      { name: 'until', in: 'query', description: 'ISO 8601 date-time (default now)', schema: { type: 'string', format: 'date-time' } },
    ],
    responses: {
      '200': { description: 'the statistics for the period and the one before it (see README, /release stats)', contentType: 'application/json' },
      '401': authProblems['401'],
      '422': problem('invalid query, unknown service, or a period longer than allowed'),
    },
  },
  {
    method: 'get',
    path: '/audit',
    summary: 'The audit trail, paged (JSON) or streamed (CSV); a parameter left blank (`since=`) counts as not given',
    auth: 'bearer',
    params: [
      { name: 'since', in: 'query', description: `events at or after this; ${AUDIT_TIME}`, schema: auditTime },
      { name: 'until', in: 'query', description: `events before this; ${AUDIT_TIME}`, schema: auditTime },
      { name: 'release', in: 'query', description: 'REL-n or n', schema: { type: 'string' } },
      { name: 'format', in: 'query', description: 'json (default) or csv', schema: { type: 'string', enum: ['json', 'csv'] } },
      { name: 'after', in: 'query', description: 'the `next` of the previous page, passed back as is', schema: { type: 'integer', minimum: 0 } },
      { name: 'cursor', in: 'query', description: 'another name for `after`', schema: { type: 'integer', minimum: 0 } },
      { name: 'next', in: 'query', description: 'another name for `after`, as the page names it; after, cursor and next that differ are a 422', schema: { type: 'integer', minimum: 0 } },
      { name: 'limit', in: 'query', description: 'page size, 1–1000 (default 500)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
    ],
    responses: {
      '200': { description: 'a page of audit entries (or CSV with a header row when format=csv)', schema: auditPageSchema },
      '401': authProblems['401'],
      '422': problem('invalid query'),
    },
  },
];

/** `/releases/:id` → `/releases/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** A standalone JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) for `schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline', cycles: 'throw' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function componentSchemas(): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  const add = (id: string, schema: z.ZodType, io: 'input' | 'output') => {
    out[id] = jsonSchema(schema, io);
  };
  add('CreateReleaseBody', createReleaseBody, 'input');
  add('CheckBody', checkBody, 'input');
  add('DeploymentBody', deploymentBody, 'input');
  add('DeploymentResult', deploymentResponseSchema, 'output');
  add('Release', releaseResponseSchema, 'output');
  add('AuditPage', auditPageSchema, 'output');
  add('AuditEntry', auditItemSchema, 'output');
  add('Problem', problemSchema, 'output');
  for (const id of ['CreateReleaseBody', 'CheckBody', 'DeploymentBody']) {
    const properties = (out[id]?.properties ?? {}) as Record<string, JsonSchema>;
    for (const property of Object.values(properties)) describeNullable(property);
    // z.url({ protocol: /^https?$/ }) has no JSON Schema keyword: say it with a pattern (on the string, not the null).
    const url = properties.url;
    if (url) valueBranch(url).pattern = '^[Hh][Tt][Tt][Pp][Ss]?://';
  }
  return out;
}

type JsonSchema = Record<string, unknown>;

/** An optional field that also takes null is `anyOf: [<the value's schema>, {type: null}]`: the value's schema. */
function valueBranch(property: JsonSchema): JsonSchema {
  const branches = Array.isArray(property.anyOf) ? (property.anyOf as JsonSchema[]) : [];
  return branches.find((b) => b.type !== 'null') ?? property;
}

/** Says on each field that takes null what null means, lifting a description from the value's branch to the field. */
function describeNullable(property: JsonSchema): void {
  const nullable = (Array.isArray(property.type) && property.type.includes('null')) || valueBranch(property) !== property;
  if (!nullable || property.description !== undefined) return;
  const branch = valueBranch(property);
  const inner = typeof branch.description === 'string' ? branch.description : undefined;
  if (branch !== property) delete branch.description;
  property.description = inner === undefined ? 'optional; null counts as not given' : `${inner}; null counts as not given`;
}

const IDS = new Map<z.ZodType, string>([
  [createReleaseBody, 'CreateReleaseBody'],
  [checkBody, 'CheckBody'],
  [deploymentBody, 'DeploymentBody'],
  [deploymentResponseSchema, 'DeploymentResult'],
  [releaseResponseSchema, 'Release'],
  [auditPageSchema, 'AuditPage'],
  [auditItemSchema, 'AuditEntry'],
  [problemSchema, 'Problem'],
]);

function schemaRef(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const id = IDS.get(schema);
  return id ? { $ref: `#/components/schemas/${id}` } : jsonSchema(schema, io);
}

export function openApiDocument(opts: { version?: string } = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const path = openApiPath(r.path);
    const responses: Record<string, unknown> = {};
    for (const [status, a] of Object.entries(r.responses)) {
      const type = a.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
      responses[status] = { description: a.description, ...(a.schema ? { content: { [type]: { schema: schemaRef(a.schema, 'output') } } } : a.contentType ? { content: { [type]: {} } } : {}) };
    }
    const params = (r.params ?? []).filter((p) => p.name !== 'Idempotency-Key');
    const headerParams = (r.params ?? []).filter((p) => p.name === 'Idempotency-Key').map((p) => ({ ...p, in: 'header' }));
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: r.auth === 'none' ? [] : r.auth === 'bearer-or-query' ? [{ bearer: [] }, { queryToken: [] }] : [{ bearer: [] }],
      ...(params.length || headerParams.length ? { parameters: [...params, ...headerParams] } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaRef(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Greenlight API',
      version: opts.version ?? '1',
      description: 'The CI-facing API of Greenlight. JSON in and out; errors are RFC 9457 problem+json. Bearer token: GREENLIGHT_API_TOKEN.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'GREENLIGHT_API_TOKEN' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'GREENLIGHT_API_TOKEN as ?token= (calendar.ics only)' },
      },
      schemas: componentSchemas(),
    },
    paths,
  };
}

/** `GET /api/v1/openapi.json` (built once, on first request). */
export function openApiHandler(): RequestHandler {
  let text: string | null = null;
  return (_req, res) => {
    text ??= JSON.stringify(openApiDocument());
    res.type('application/json').send(text);
  };
}
