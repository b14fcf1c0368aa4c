/** postJson (the response_url client) and httpFetch (the Web API client's transport). Real HTTP on loopback. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { httpFetch, postJson } from '../../../src/notifier/http-client';

const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/actions/T1/B2`;
}

async function closeAll(): Promise<void> {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

afterEach(closeAll);

describe('postJson', () => {
  it('posts the JSON body with its type and length and resolves with the status', async () => {
    const seen: { method?: string; type?: string; length?: string; body: string }[] = [];
    const url = await serve((req, body, res) => {
      seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body });
      res.writeHead(seen.length === 1 ? 200 : 404).end('ok');
    });
    const payload = JSON.stringify({ text: 'Only the release manager may approve — ünïcode' });
    expect(await postJson(url, payload, 5_000)).toBe(200);
    expect(await postJson(url, payload, 5_000)).toBe(404);
    expect(seen[0]).toEqual({ method: 'POST', type: 'application/json', length: String(Buffer.byteLength(payload)), body: payload });
  });

  it('rejects when the server does not answer in time, and for a URL that is not http(s)', async () => {
    const url = await serve(() => undefined); // never answers
    await expect(postJson(url, '{}', 200)).rejects.toThrow(/no answer within 200 ms/);
    await expect(postJson('ftp://example.com/x', '{}', 200)).rejects.toThrow(/not an http/);
  });

  it('rejects when nothing listens', async () => {
    const url = await serve((_req, _body, res) => res.end());
    await closeAll();
    await expect(postJson(url, '{}', 2_000)).rejects.toThrow();
  });
});

describe('httpFetch', () => {
  it('sends method, headers and body, and gives back status, headers and the body as text or JSON', async () => {
    const seen: { method?: string; type?: string; length?: string; auth?: string; body: string }[] = [];
    const url = await serve((req, body, res) => {
      seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], auth: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] }).end(JSON.stringify({ ok: true, echo: body }));
    });
    const body = 'channel=C1&text=h%C3%A9llo';
    const res = await httpFetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer xoxb-1' }, body });
    expect(seen[0]).toEqual({ method: 'POST', type: 'application/x-www-form-urlencoded', length: String(Buffer.byteLength(body)), auth: 'Bearer xoxb-1', body });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(res.headers.get('x-absent')).toBeNull();
    expect(Object.fromEntries(res.headers.entries())['content-type']).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true, echo: body });
    const again = await httpFetch(url, { method: 'POST', body: 'x=1' });
    expect(JSON.parse(await again.text())).toEqual({ ok: true, echo: 'x=1' });
    expect(new TextDecoder().decode(await again.arrayBuffer())).toBe(JSON.stringify({ ok: true, echo: 'x=1' }));
  });

  it('rejects on a redirect when told to, when the signal aborts, and for a body it cannot send', async () => {
    const redirect = await serve((_req, _body, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end());
    await expect(httpFetch(redirect, { method: 'POST', body: '', redirect: 'error' })).rejects.toThrow(/redirect/);
    const silent = await serve(() => undefined);
    await expect(httpFetch(silent, { method: 'POST', body: 'a=1', signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await expect(httpFetch(silent, { method: 'POST', body: new FormData() })).rejects.toThrow(/string bodies/);
    await expect(httpFetch('ftp://example.com/x', { method: 'POST', body: '' })).rejects.toThrow(/not an http/);
  });

  it('carries a Web API client: the call, a Slack error (ok:false) and a 429 with Retry-After, waited out', async () => {
    let calls = 0;
    const base = (await serve((req, body, res) => {
      calls++;
      if (req.url?.endsWith('/chat.postMessage') && calls === 1) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      if (req.url?.endsWith('/chat.postMessage')) {
        const text = new URLSearchParams(body).get('text');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, channel: 'C1', ts: '1700000000.000100', message: { text } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'channel_not_found' }));
    })).replace(/\/actions\/T1\/B2$/, '/api/');
    const limited: number[] = [];
    const client = new WebClient('xoxb-test', { slackApiUrl: base, fetch: httpFetch, logLevel: LogLevel.ERROR, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 } });
    client.on(WebClientEvent.RATE_LIMITED, (secs: number) => limited.push(secs));
    const res = await client.chat.postMessage({ channel: 'C1', text: 'héllo' });
    expect(res.ts).toBe('1700000000.000100');
    expect(limited).toEqual([1]);
    expect(calls).toBe(2);
    await expect(client.chat.update({ channel: 'C9', ts: '1.2', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });
});
