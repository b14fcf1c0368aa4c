/**
 * One request id per HTTP request: taken from `x-request-id` when it looks like one, else generated, echoed in the
 * response, and carried by every log line written while the request is handled (src/log-context.ts). One access
 * line per request when it finishes. Only the path is logged, never the query string (`calendar.ics?token=`).
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { currentLogContext, runWithLogContext } from '../log-context';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes and scrapes are logged at debug, so they don't drown the rest. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** The request's id: the caller's `x-request-id` when it looks like one, else a new one. */
export function requestIdFrom(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const reqId = requestIdFrom(req.header('x-request-id'));
    res.setHeader('x-request-id', reqId);
    const started = process.hrtime.bigint();
    const path = req.originalUrl.split('?')[0] ?? '/';
    let ctx: { req_id?: string; release?: number } = { req_id: reqId };
    res.once('finish', () => {
      // The request's own context object: a release noted while handling it (noteRelease) is on this line too.
      runWithLogContext(ctx, () => {
        const fields = { method: req.method, path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 };
        if (QUIET.has(path)) logger.debug(fields, 'http request');
        else logger.info(fields, 'http request');
      });
    });
    runWithLogContext({ req_id: reqId }, () => {
      ctx = currentLogContext();
      next();
    });
  };
}
