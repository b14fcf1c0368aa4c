/**
 * The Slack front: a thread of its own that owns Greenlight's public port. Slack measures an app by how fast each
 * delivery is acknowledged; on the engine's event loop an ack waits for whatever runs there (an approval's
 * transaction, a card re-render, a Slack call, a garbage collection). Here nothing else runs: a request to
 * `/slack/events` is checked, sorted (src/slack/front/edge.ts) and acknowledged, and the engine gets the delivery
 * as a message. Every other path (the API, probes, metrics, the sandbox's pages) is passed through to the engine's
 * HTTP server on loopback unchanged.
 *
 * Bounded like the engine's after-ack lane: once `capacity` deliveries are with the engine and not finished, new
 * ones are refused with 503 and Retry-After before their body is read (Slack retries events; a person sees the
 * command fail and can run it again).
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { requestIdFrom } from '../../http/request-log';
import { deliveryKey } from '../delivery-key';
import { surfaceOf } from '../surface';
import type { Answer, SlackBody } from './edge';
import { decide } from './edge';
import type { AccessEntry, EngineMessage, FrontMessage } from './protocol';
import { parseFrontConfig } from './protocol';

const SLACK_PATH = '/slack/events';
/** Headers that belong to one connection, not to the request or response passed along. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

interface Open {
  res: ServerResponse;
  /** The response waits for the engine's ack. */
  waiting: boolean;
}

function main(port: MessagePort): void {
  const config = parseFrontConfig(workerData);
  const post = (m: FrontMessage) => port.postMessage(m);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const open = new Map<number, Open>();
  let nextId = 1;
  let closing = false;
  // Access lines go to the engine in batches (each message wakes its thread): every 50 ms, or at 64.
  let accessBatch: AccessEntry[] = [];
  let accessTimer: NodeJS.Timeout | null = null;
  const flushAccess = () => {
    if (accessTimer) clearTimeout(accessTimer);
    accessTimer = null;
    if (accessBatch.length === 0) return;
    post({ type: 'access', entries: accessBatch });
    accessBatch = [];
  };
  const report = (entry: AccessEntry) => {
    accessBatch.push(entry);
    if (accessBatch.length >= 64) flushAccess();
    else accessTimer ??= setTimeout(flushAccess, 50);
  };

  const send = (res: ServerResponse, answer: Answer) => {
    if (res.headersSent) return;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const type = typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    res.writeHead(answer.status, { 'content-type': type, ...answer.headers, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const slack = (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const reqId = requestIdFrom(header(req.headers, 'x-request-id'));
    res.setHeader('x-request-id', reqId);
    let body: SlackBody | undefined;
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      report({ reqId, method: req.method ?? 'POST', path: SLACK_PATH, status: res.statusCode, ms, surface: surfaceOf(body) });
    });
    if (open.size >= config.capacity) {
      post({ type: 'refused' });
      req.resume();
      send(res, { status: 503, body: 'Greenlight is busy; try again in a moment.', headers: { 'retry-after': '1' } });
      return;
    }
    // Too large: answered at once (the connection closes after the answer) and the rest of the body is not kept.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > config.maxBodyBytes) {
      tooLarge(res, config.maxBodyBytes);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (res.headersSent) return; // refused: the rest is read and dropped
      size += c.length;
      if (size > config.maxBodyBytes) {
        chunks.length = 0;
        tooLarge(res, config.maxBodyBytes);
        return;
      }
      chunks.push(c);
    });
    req.once('error', () => res.destroy());
    req.once('end', () => {
      if (res.headersSent) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      const decision = decide(
        {
          raw,
          contentType: header(req.headers, 'content-type'),
          signature: header(req.headers, 'x-slack-signature'),
          timestamp: header(req.headers, 'x-slack-request-timestamp'),
        },
        config.signingSecret,
        Date.now(),
      );
      body = decision.body;
      if (decision.kind === 'answer') {
        send(res, decision.answer);
        return;
      }
      const id = nextId++;
      const waiting = decision.kind === 'ask';
      open.set(id, { res, waiting });
      const retryNum = Number(header(req.headers, 'x-slack-retry-num'));
      const retryReason = header(req.headers, 'x-slack-retry-reason');
      if (!waiting) send(res, { status: 200, body: '' });
      post({
        type: 'delivery',
        id,
        reqId,
        body: decision.body,
        key: deliveryKey(decision.body, raw),
        answer: waiting,
        ...(Number.isInteger(retryNum) && header(req.headers, 'x-slack-retry-num') !== undefined ? { retryNum } : {}),
        ...(retryReason ? { retryReason } : {}),
      });
    });
  };

  const pass = (req: IncomingMessage, res: ServerResponse) => {
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    const upstream = httpRequest({ host: '127.0.0.1', port: config.enginePort, method: req.method, path: req.url, headers, agent }, (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upstream.once('error', () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const problem = { type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'Greenlight could not answer this request.' };
      send(res, { status: 502, body: problem, headers: { 'content-type': 'application/problem+json' } });
    });
    // a client that goes away (a closed page, an aborted download) ends the request passed along too
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === SLACK_PATH && req.method === 'POST') slack(req, res);
    else pass(req, res);
  });
  server.keepAliveTimeout = 5_000;

  const finishClose = () => {
    if (closing && !server.listening && [...open.values()].every((o) => !o.waiting)) {
      agent.destroy();
      flushAccess();
      post({ type: 'closed' });
      port.close();
    }
  };

  port.on('message', (m: EngineMessage) => {
    if (m.type === 'ack') {
      const o = open.get(m.id);
      if (o?.waiting) {
        o.waiting = false;
        send(o.res, m.answer);
      }
      finishClose();
    } else if (m.type === 'done') {
      for (const id of m.ids) {
        const o = open.get(id);
        open.delete(id);
        // the listener ended without acknowledging: an empty 200, as Slack expects an answer
        if (o?.waiting) send(o.res, { status: 200, body: '' });
      }
      finishClose();
    } else if (m.type === 'close') {
      closing = true;
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(sweep);
        finishClose();
      });
      server.closeIdleConnections();
    }
  });

  server.once('error', (err: NodeJS.ErrnoException) => post({ type: 'listen-failed', code: err.code ?? 'ERROR', message: err.message }));
  server.listen(config.port, config.host, () => {
    post({ type: 'listening', port: (server.address() as AddressInfo).port });
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function tooLarge(res: ServerResponse, limit: number): void {
  if (res.headersSent) return;
  const body = `The request body is larger than ${limit} bytes.`;
  res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

if (parentPort) main(parentPort);
