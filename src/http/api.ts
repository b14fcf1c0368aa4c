/** The CI-facing HTTP API under /api/v1: bearer token, JSON in and out, zod-validated, problem+json errors. */
import { timingSafeEqual, createHash } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { findService } from '../config';
import { strictObject } from '../config/errors';
import { auditForRelease, auditPage } from '../db/audit.repo';
import type { AuditRow } from '../db/audit.repo';
import { CRITERIA, STATE_PHRASES } from '../domain/types';
import type { Deps } from '../usecases/deps';
import { AppError } from '../usecases/errors';
import { parseReleaseId } from '../usecases/facts';
import { announceRequest, createRelease } from '../usecases/request-release';
import { releaseSnapshot } from '../usecases/queries';
import type { ReleaseSnapshot } from '../usecases/snapshot';
import { updateCriterion } from '../usecases/update-criterion';
import { DEPLOY_REPORTS } from '../domain/deploy';
import { reportDeployment } from '../usecases/deploy';
import { sendProblem } from './problem';
import { noteRelease } from '../log-context';
import { calendarIcsHandler } from './calendar-ics';
import { isoInstant } from './iso-instant';
import { statsHandler } from './stats';

export { ISO_DATE_FIRST, isoInstant } from './iso-instant';

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id like U0123ABCD');

/**
 * An optional body field that also takes `null` as "not given" (CI templates often send `"title": null`): it
 * parses to the field's own type or `undefined`, never `null`, so the code below sees what it always did.
 */
function optionalOrNull<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined);
}

/**
 * Bodies stay strict about unknown keys (a typo such as `rollback_pan` would otherwise be dropped silently);
 * the 422 names each unknown key, with the known key it is closest to when there is one (see `issues`).
 */
export const createReleaseBodySchema = strictObject({
  service: z.string(),
  version: z.string(),
  title: optionalOrNull(z.string()),
  environment: z.string(),
  changelog: z.string(),
  rollback_plan: z.string(),
  risk: z.string(),
  requested_by: userId,
  links: optionalOrNull(z.array(z.string())),
  commit_time: optionalOrNull(isoInstant),
  desired_at: optionalOrNull(z.iso.datetime({ offset: true })),
});

export const checkBodySchema = strictObject({
  criterion: z.enum(CRITERIA),
  status: z.enum(['passed', 'failed']),
  url: optionalOrNull(z.url({ protocol: /^https?$/ }).max(500)),
  details: optionalOrNull(z.string().max(2000)),
});

export const deploymentBodySchema = strictObject({
  status: z.enum(DEPLOY_REPORTS),
  url: optionalOrNull(z.url({ protocol: /^https?$/ }).max(500)),
});

function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerAuth(token: string | null, opts: { allowQuery?: boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!token) {
      sendProblem(res, { status: 404, detail: 'The HTTP API is off: set GREENLIGHT_API_TOKEN to turn it on.' });
      return;
    }
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = m?.[1] ?? (opts.allowQuery && typeof req.query.token === 'string' ? req.query.token : '');
    if (!given) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendProblem(res, { status: 401, detail: 'Missing bearer token: send Authorization: Bearer <GREENLIGHT_API_TOKEN>.' });
      return;
    }
    if (!tokenMatches(given, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendProblem(res, { status: 401, detail: 'The bearer token is not valid.' });
      return;
    }
    next();
  };
}

/** One entry per problem; an unknown key is its own entry, named by its path (`colour`, not `(body)`). */
function issues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((key) => ({ path: [...i.path, key].join('.'), message: i.message }));
    return [{ path: i.path.join('.') || '(body)', message: i.message }];
  });
}

/** A problem detail that names each invalid field, e.g. `The release request is invalid: rollback_plan: Invalid input…`. */
function invalidDetail(what: string, error: z.ZodError): string {
  return `${what}: ${issues(error).map((i) => `${i.path}: ${i.message}`).join('; ')}`;
}

export function releaseJson(s: ReleaseSnapshot, audit?: AuditRow[]) {
  const r = s.release;
  return {
    id: `REL-${r.id}`,
    number: r.id,
    service: r.service,
    version: r.version,
    title: r.title,
    environment: r.environment,
    risk: r.risk,
    changelog: r.changelog,
    rollback_plan: r.rollbackPlan,
    links: r.links,
    requested_by: r.requestedBy,
    source: r.source,
    state: r.state,
    state_changed_at: new Date(r.stateChangedAt).toISOString(),
    desired_at: r.desiredAt ? new Date(r.desiredAt).toISOString() : null,
    commit_time: r.commitTime ? new Date(r.commitTime).toISOString() : null,
    scheduled_at: r.scheduledAt ? new Date(r.scheduledAt).toISOString() : null,
    review_required: r.reviewRequired,
    override: s.override ? { granted_by: s.override.grantedBy, reason: s.override.reason, expires_at: new Date(s.override.expiresAt).toISOString() } : null,
    content_rev: r.contentRev,
    card: r.cardChannel && r.cardTs ? { channel: r.cardChannel, ts: r.cardTs } : null,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
    approvals: s.approvals.map((a) => ({
      stage: a.stage,
      role: a.role,
      user: a.userId,
      at: new Date(a.at).toISOString(),
      status: a.status,
      reset_reason: a.resetReason,
    })),
    criteria: s.criteria.map((c) => ({
      criterion: c.criterion,
      status: c.status,
      url: c.url,
      details: c.details,
      updated_by: c.updatedBy,
      updated_at: c.updatedAt ? new Date(c.updatedAt).toISOString() : null,
    })),
    ...(audit ? { audit: audit.map(auditJson) } : {}),
  };
}

export function auditJson(e: AuditRow) {
  return { id: e.id, at: new Date(e.at).toISOString(), release: e.releaseId ? `REL-${e.releaseId}` : null, actor: e.actor, action: e.action, details: e.details };
}

export function apiRouter(deps: Deps, token: string | null): Router {
  const router = express.Router();
  // Calendar apps can't send headers: the feed also takes the token as ?token=.
  router.get('/calendar.ics', bearerAuth(token, { allowQuery: true }), calendarIcsHandler(deps));
  router.use(bearerAuth(token));
  router.use(express.json({ limit: '256kb', type: () => true }));

  const releaseFrom = (req: Request, res: Response): ReleaseSnapshot | null => {
    const id = parseReleaseId(String(req.params.id ?? ''));
    if (id !== null) noteRelease(id);
    const snap = id === null ? undefined : releaseSnapshot(deps, id);
    if (!snap) {
      sendProblem(res, { status: 404, detail: `Release ${String(req.params.id)} does not exist.` });
      return null;
    }
    return snap;
  };

  router.post('/releases', (req, res) => {
    const body = createReleaseBodySchema.safeParse(req.body);
    if (!body.success) return sendProblem(res, { status: 422, detail: invalidDetail('The release request is invalid', body.error), errors: issues(body.error) });
    const b = body.data;
    // A release from CI has no channel /release was typed in: without the service's channel or channels.releases its
    // card could be posted nowhere, so nobody could see or approve it. (An unknown service is refused just below.)
    if (findService(deps.policy, b.service) && deps.cards.channelFor(b.service, null) === null) {
      return sendProblem(res, {
        status: 422,
        detail: `Greenlight has no channel for ${b.service}'s release card: set services.${b.service}.channel or channels.releases in the policy. Nothing was created.`,
        errors: [{ path: 'service', message: `no channel: set services.${b.service}.channel or channels.releases` }],
      });
    }
    const key = req.header('idempotency-key');
    const result = createRelease(deps, {
      fields: {
        service: b.service,
        version: b.version,
        title: b.title,
        changelog: b.changelog,
        environment: b.environment,
        risk: b.risk,
        rollback_plan: b.rollback_plan,
        links: b.links ?? [],
        desired_at: b.desired_at ? Date.parse(b.desired_at) : null,
      },
      requestedBy: b.requested_by,
      source: 'api',
      idempotencyKey: key ? `api:${key.slice(0, 200)}` : null,
      commitTime: b.commit_time ? Date.parse(b.commit_time) : null,
    });
    if (result.kind === 'invalid') {
      return sendProblem(res, {
        status: 422,
        detail: Object.values(result.errors).join(' '),
        errors: Object.entries(result.errors).map(([path, message]) => ({ path, message })),
      });
    }
    const snap = releaseSnapshot(deps, result.release.id);
    if (!snap) return sendProblem(res, { status: 500, detail: 'The release vanished after it was created.' });
    if (result.kind === 'created') {
      void announceRequest(deps, result.release).catch((err: unknown) => deps.logger.error({ err: (err as Error).message }, 'announce failed'));
    }
    res.status(result.kind === 'created' ? 201 : 200).location(`/api/v1/releases/${result.release.id}`).json(releaseJson(snap));
  });

  router.get('/releases/:id', (req, res) => {
    const snap = releaseFrom(req, res);
    if (!snap) return;
    res.json(releaseJson(snap, auditForRelease(deps.db, snap.release.id, 1000)));
  });

  router.post('/releases/:id/checks', async (req, res, next) => {
    try {
      const snap = releaseFrom(req, res);
      if (!snap) return;
      const body = checkBodySchema.safeParse(req.body);
      if (!body.success) return sendProblem(res, { status: 422, detail: invalidDetail('The check report is invalid', body.error), errors: issues(body.error) });
      const result = await updateCriterion(deps, {
        releaseId: snap.release.id,
        criterion: body.data.criterion,
        status: body.data.status === 'passed' ? 'met' : 'failed',
        url: body.data.url ?? null,
        details: body.data.details ?? null,
        actor: 'ci',
        via: 'api',
      });
      if (result.kind === 'invalid') {
        return sendProblem(res, { status: 422, detail: Object.values(result.errors).join(' ') });
      }
      if (result.kind === 'denied') {
        return sendProblem(res, { status: 409, detail: `REL-${snap.release.id} is ${STATE_PHRASES[snap.release.state]}; its readiness can no longer change.` });
      }
      const after = releaseSnapshot(deps, snap.release.id);
      res.status(200).json(after ? releaseJson(after) : {});
    } catch (err) {
      next(err);
    }
  });

  router.post('/releases/:id/deployments', async (req, res, next) => {
    try {
      const snap = releaseFrom(req, res);
      if (!snap) return;
      const body = deploymentBodySchema.safeParse(req.body);
      if (!body.success) return sendProblem(res, { status: 422, detail: invalidDetail('The deployment report is invalid', body.error), errors: issues(body.error) });
      const result = await reportDeployment(deps, { releaseId: snap.release.id, status: body.data.status, url: body.data.url ?? null, actor: 'ci', via: 'api' });
      if (result.kind === 'not_found') return sendProblem(res, { status: 404, detail: `Release ${String(req.params.id)} does not exist.` });
      if (result.kind === 'conflict' || result.kind === 'denied') return sendProblem(res, { status: 409, detail: result.why });
      const after = releaseSnapshot(deps, snap.release.id);
      res.status(200).json({ ...(after ? releaseJson(after) : {}), changed: result.kind === 'applied' });
    } catch (err) {
      next(err);
    }
  });

  const pageCursor = z.coerce.number().int().nonnegative();
  const PAGE_CURSOR_NAMES = ['after', 'cursor', 'next'] as const;
  const auditQuery = z.object({
    since: isoInstant.optional(),
    until: isoInstant.optional(),
    release: z.string().optional(),
    format: z.enum(['json', 'csv']).default('json'),
    after: pageCursor.optional(),
    // the name most paging APIs use for what `next` hands back; the same thing as `after`
    cursor: pageCursor.optional(),
    // and the name the answer itself gives it (`?next=<next>`): a name left unread would serve page 1 forever
    next: pageCursor.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(500),
  });

  router.get('/audit', (req, res) => {
    // A blank parameter (`since=`, as a form or a script with an unset variable sends it) means "not given".
    const given = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ''));
    const q = auditQuery.safeParse(given);
    if (!q.success) return sendProblem(res, { status: 422, detail: invalidDetail('The audit query is invalid', q.error), errors: issues(q.error) });
    // after, cursor and next are three names for one cursor: send any of them, or several that agree.
    const named: { name: (typeof PAGE_CURSOR_NAMES)[number]; value: number }[] = [];
    for (const name of PAGE_CURSOR_NAMES) {
      const value = q.data[name];
      if (value !== undefined) named.push({ name, value });
    }
    const [first] = named;
    const clash = named.find((n) => n.value !== first?.value);
    if (first && clash) {
      return sendProblem(res, {
        status: 422,
        detail: `after, cursor and next are three names for the same thing (the previous page's next); send one: ${first.name}=${first.value} and ${clash.name}=${clash.value} differ.`,
        errors: [{ path: clash.name, message: `differs from ${first.name}` }],
      });
    }
    const releaseId = q.data.release ? parseReleaseId(q.data.release) : undefined;
    if (releaseId === null) return sendProblem(res, { status: 422, detail: 'release must be REL-n or n.' });
    const base = {
      since: q.data.since ? Date.parse(q.data.since) : undefined,
      until: q.data.until ? Date.parse(q.data.until) : undefined,
      releaseId,
    };
    if (q.data.format === 'csv') return streamCsv(deps, base, res);
    const rows = auditPage(deps.db, { ...base, afterId: first?.value, limit: q.data.limit + 1 });
    const items = rows.slice(0, q.data.limit);
    const last = items[items.length - 1];
    res.json({ items: items.map(auditJson), ...(rows.length > q.data.limit && last ? { next: String(last.id) } : {}) });
  });

  router.get('/stats', statsHandler(deps));

  router.use((req, res) => sendProblem(res, { status: 404, detail: `No API route ${req.method} ${req.originalUrl}.` }));
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as HttpError;
    // Malformed JSON is an invalid body like any other: 422, as the contract says, not body-parser's 400.
    if (e.type === 'entity.parse.failed') {
      return sendProblem(res, { status: 422, detail: 'The body is not valid JSON.', errors: [{ path: '(body)', message: e.message ?? 'not valid JSON' }] });
    }
    if (e.type === 'entity.too.large') return sendProblem(res, { status: 413, detail: 'The body is larger than 256 KB.' });
    if (err instanceof AppError && err.code === 'not_found') return sendProblem(res, { status: 404, detail: err.message });
    // The rest of what body-parser refuses is the client's doing too (an unknown charset or Content-Encoding, a
    // body cut short or not the length announced): answer with its status rather than a logged 500.
    if (typeof e.status === 'number' && Number.isInteger(e.status) && e.status >= 400 && e.status < 500) return sendProblem(res, { status: e.status, detail: clientErrorDetail(e) });
    deps.logger.error({ err: e.message }, 'API error');
    return sendProblem(res, { status: 500, detail: 'Something went wrong; it has been logged.' });
  });
  return router;
}

/** What body-parser (and the router, through http-errors) attach to the errors they pass on. */
interface HttpError {
  type?: string;
  status?: number;
  /** true when the message was written to be shown to the client (http-errors sets it for every 4xx) */
  expose?: boolean;
  message?: string;
  charset?: string;
  encoding?: string;
}

function clientErrorDetail(e: HttpError): string {
  if (e.type === 'charset.unsupported') return `The body's charset ${String(e.charset)} is not supported: send JSON in UTF-8.`;
  if (e.type === 'encoding.unsupported') return `The body's Content-Encoding ${String(e.encoding)} is not supported: send it as is, or gzip, deflate or br.`;
  if (e.type === 'request.aborted') return 'The request was aborted before its body arrived.';
  return e.expose && e.message ? e.message : 'The request could not be read.';
}

function csvCell(v: unknown): string {
  const raw = typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
  // A cell a spreadsheet would run as a formula is prefixed with ' (CSV injection).
  const s = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Streams the audit trail as CSV page by page, so memory stays bounded however long it is. */
function streamCsv(deps: Deps, base: { since?: number; until?: number; releaseId?: number }, res: Response): void {
  res.status(200).type('text/csv; charset=utf-8');
  res.write('id,at,release,actor,action,details,hash\n');
  let afterId: number | undefined;
  const pump = (): void => {
    for (;;) {
      const rows = auditPage(deps.db, { ...base, afterId, limit: 1000 });
      if (rows.length === 0) {
        res.end();
        return;
      }
      const chunk = rows
        .map((e) => [e.id, new Date(e.at).toISOString(), e.releaseId ? `REL-${e.releaseId}` : '', e.actor, e.action, e.details, e.hash].map(csvCell).join(','))
        .join('\n');
      afterId = rows[rows.length - 1]?.id;
      if (!res.write(chunk + '\n')) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}
