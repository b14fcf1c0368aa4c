/** ReplyThread: response_url replies posted from a thread of their own. Real HTTP on loopback. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ReplyThread } from '../../../src/notifier/reply-thread';

const errors: string[] = [];
const replies = new ReplyThread((m) => errors.push(m));
afterAll(() => replies.close());
const postJson = (url: string, payload: string, timeoutMs: number) => replies.post(url, payload, timeoutMs);

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

describe('ReplyThread', () => {
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

  it('a reply waiting when the thread stops fails, and the next one starts a new thread', async () => {
    const silent = await serve(() => undefined); // never answers
    const waiting = postJson(silent, '{}', 30_000);
    const first = replies.thread();
    expect(first).toBeDefined();
    await first?.terminate();
    await expect(waiting).rejects.toThrow(/thread stopped before the answer came/);
    expect(replies.pending).toBe(0);
    const url = await serve((_req, _body, res) => res.writeHead(200).end('ok'));
    expect(await postJson(url, '{"text":"again"}', 5_000)).toBe(200);
    expect(replies.thread()).not.toBe(first);
  });
});
