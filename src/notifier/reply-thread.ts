/**
 * response_url replies from a thread of their own. Every click someone may not make is answered privately through
 * its response_url, and under a burst that is most of the engine's outgoing HTTP: writing each request wakes the
 * process that reads it (on one host, the benchmark's fake Slack), which then often takes the engine's core in the
 * middle of the write, and reading each answer is another turn of the engine's loop: in a CPU profile of
 * bench/ack.ts at 400 deliveries a second, a fifth of the engine thread's busy time. Measured with the replies here
 * against on the engine's loop (2026-12-03, four interleaved runs of three 20 s rounds each): click → card p99 median
 * 28.5 ms against 31 ms, and against the same round's ack p99, 4.7× against 5.7× (at most 9× against 12.9×): a
 * modest gain at this machine's noise, for about 0.1 ms more CPU a request in all (the messages between threads).
 *
 * The thread only posts: the engine hands it the URL and the JSON already built, and it answers with the HTTP
 * status (or why there was none), its answers batched by turn of its loop. If the thread stops, the replies it had
 * are failed (the caller logs them) and the next reply starts a new one.
 */
import { Worker } from 'node:worker_threads';
import { z } from 'zod';

/** Plain JavaScript run by the thread (no TypeScript loader there): Node's http(s) client with keep-alive. */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const https = require('node:https');
const clients = {
  'http:': { request: http.request, agent: new http.Agent({ keepAlive: true, maxSockets: 32 }) },
  'https:': { request: https.request, agent: new https.Agent({ keepAlive: true, maxSockets: 32 }) },
};
let answers = [];
const answer = (a) => {
  if (answers.length === 0) setImmediate(() => { const batch = answers; answers = []; parentPort.postMessage(batch); });
  answers.push(a);
};
parentPort.on('message', (m) => {
  let url;
  try { url = new URL(m.url); } catch { answer({ id: m.id, error: 'not a URL' }); return; }
  const client = clients[url.protocol];
  if (!client) { answer({ id: m.id, error: 'not an http(s) URL: ' + url.protocol }); return; }
  let done = false;
  const once = (a) => { if (!done) { done = true; answer(a); } };
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(m.payload) };
  const req = client.request(url, { method: 'POST', agent: client.agent, headers, timeout: m.timeoutMs }, (res) => {
    res.resume();
    res.once('end', () => once({ id: m.id, status: res.statusCode || 0 }));
    res.once('error', (e) => once({ id: m.id, error: e.message }));
  });
  req.once('timeout', () => req.destroy(new Error('no answer within ' + m.timeoutMs + ' ms')));
  req.once('error', (e) => once({ id: m.id, error: e.message }));
  req.end(m.payload);
});
`;

const answersSchema = z.array(z.object({ id: z.number(), status: z.number().optional(), error: z.string().optional() }));

interface Waiting {
  worker: Worker;
  resolve: (status: number) => void;
  reject: (err: Error) => void;
}

export class ReplyThread {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, Waiting>();

  /** `onError` hears why the thread stopped (each reply it had fails on its own as well). */
  constructor(private readonly onError: (message: string) => void = () => undefined) {}

  /** Posts `payload` (JSON) to `url`; resolves with the HTTP status once the answer was read. */
  post(url: string, payload: string, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = this.worker ?? this.start();
      } catch (err) {
        reject(err as Error);
        return;
      }
      const id = ++this.seq;
      this.waiting.set(id, { worker, resolve, reject });
      worker.postMessage({ id, url, payload, timeoutMs });
    });
  }

  /** Replies waiting for their answer (for tests and shutdown). */
  get pending(): number {
    return this.waiting.size;
  }

  /** The thread now running, if any (tests stop it to see replies go on). */
  thread(): Worker | undefined {
    return this.worker;
  }

  /** Ends the thread; replies still waiting fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private start(): Worker {
    // A few MB: it keeps sockets and a batch of answers, nothing more.
    const w = new Worker(THREAD_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } });
    // Replies in flight never keep a process alive that has nothing else to do.
    w.unref();
    w.on('message', (raw: unknown) => {
      const parsed = answersSchema.safeParse(raw);
      if (!parsed.success) return;
      for (const a of parsed.data) {
        const waiting = this.waiting.get(a.id);
        if (!waiting) continue;
        this.waiting.delete(a.id);
        if (a.status !== undefined) waiting.resolve(a.status);
        else waiting.reject(new Error(a.error ?? 'no answer'));
      }
    });
    w.once('error', (err) => this.onError(`the response_url thread failed: ${err.message}`));
    w.once('exit', () => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, waiting] of this.waiting) {
        if (waiting.worker !== w) continue;
        this.waiting.delete(id);
        waiting.reject(new Error('the response_url thread stopped before the answer came'));
      }
    });
    this.worker = w;
    return w;
  }
}
