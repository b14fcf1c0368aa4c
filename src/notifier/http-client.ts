/**
 * Outgoing HTTP on Node's own http(s) client with keep-alive: response_url replies (`postJson`) and the transport the
 * Web API client sends through (`httpFetch`). The global `fetch` does the same through web streams, an undici
 * dispatcher and an AbortController per request, which under a burst of Slack calls costs several times the CPU and
 * garbage of the request itself, on the event loop that also acknowledges Slack's deliveries.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchFunction } from '@slack/web-api';

type FetchResponse = Awaited<ReturnType<FetchFunction>>;
type FetchRequestInit = NonNullable<Parameters<FetchFunction>[1]>;
type FetchHeaders = FetchResponse['headers'];

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

function target(url: string | URL): URL {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`not an http(s) URL: ${u.protocol}`);
  return u;
}

function send(
  url: URL,
  opts: { method: string; headers: Record<string, string | number>; body: string | undefined; timeoutMs?: number; signal?: AbortSignal | undefined },
  onResponse: (res: IncomingMessage) => void,
  reject: (err: Error) => void,
): void {
  const secure = url.protocol === 'https:';
  if (opts.signal?.aborted) {
    reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
    return;
  }
  const req = (secure ? httpsRequest : httpRequest)(
    url,
    { method: opts.method, agent: secure ? httpsAgent : httpAgent, headers: opts.headers, ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}) },
    onResponse,
  );
  if (opts.timeoutMs) req.once('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
  if (opts.signal) {
    const signal = opts.signal;
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  req.once('error', reject);
  req.end(opts.body);
}

/** Resolves with the HTTP status once the response has been read; rejects on a network error or after `timeoutMs`. */
export function postJson(url: string, payload: string, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    send(
      target(url),
      { method: 'POST', headers, body: payload, timeoutMs },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
      reject,
    );
  });
}

class Headers_ implements FetchHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  *entries(): Iterable<[string, string]> {
    for (const [k, v] of Object.entries(this.raw)) if (v !== undefined) yield [k, Array.isArray(v) ? v.join(', ') : v];
  }
}

class BufferedResponse implements FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: FetchHeaders;
  constructor(
    readonly url: string,
    res: IncomingMessage,
    private readonly body: Buffer,
  ) {
    this.status = res.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = res.statusMessage ?? '';
    this.headers = new Headers_(res.headers);
  }
  async text(): Promise<string> {
    return this.body.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.body.toString('utf8')) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.body).buffer;
  }
}

/**
 * The `fetch` the Web API client is given: string bodies only (Greenlight uploads no files), the response read whole
 * (Slack's answers are small JSON), the caller's AbortSignal honoured, and redirects not followed (`redirect: 'error'`
 * rejects on a 3xx, as `fetch` would).
 */
export const httpFetch: FetchFunction = (url: string | URL, init: FetchRequestInit = {}) =>
  new Promise<FetchResponse>((resolve, reject) => {
    if (init.body !== undefined && typeof init.body !== 'string') {
      reject(new Error('httpFetch sends string bodies only'));
      return;
    }
    let u: URL;
    try {
      u = target(url);
    } catch (err) {
      reject(err as Error);
      return;
    }
    const body = init.body;
    const headers: Record<string, string | number> = { ...init.headers };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    send(
      u,
      { method: init.method ?? 'GET', headers, body, signal: init.signal },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && init.redirect === 'error') {
          res.resume();
          reject(new Error(`redirected (${status}) and redirects are refused`));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve(new BufferedResponse(u.href, res, Buffer.concat(chunks))));
        res.once('error', reject);
      },
      reject,
    );
  });
