/**
 * The engine's side of the Slack front (src/slack/front/thread.ts): starts the front's thread on the public port,
 * feeds the deliveries it forwards to Bolt (`app.processEvent`, as a receiver would), sends back the acks it waits
 * for, and turns its reports into the access log, the ack metric and refusal counts. Listeners, the duplicate check
 * and the after-ack lane run here exactly as they do for deliveries Bolt's own receiver takes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getPriority, setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { runWithLogContext } from '../../log-context';
import type { Metrics } from '../../http/metrics';
import { PACKAGE_ROOT } from '../../util/package-root';
import type { SlackSurface } from '../app';
import { DELIVERY_KEY_PROPERTY } from '../delivery-key';
import type { Answer } from './edge';
import type { EngineMessage, FrontConfig, FrontMessage } from './protocol';

export interface SlackFront {
  /** The public port the front listens on. */
  port: number;
  /** Stops taking requests, answers those waiting for an ack, and ends the thread. */
  stop(): Promise<void>;
  /** The thread now running (tests stop it to see it come back). */
  thread(): Worker | undefined;
}

export interface FrontOptions {
  port: number;
  host: string;
  enginePort: number;
  signingSecret: string;
  surface: SlackSurface;
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes?: number;
}

/** Slack's largest payloads (a modal's state) are far below this. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The front's code: the bundle's own file under `npm start`, else the TypeScript source through tsx. */
function frontEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return pathToFileURL(join(PACKAGE_ROOT, 'dist', 'slack', 'front', 'thread.js'));
  const source = pathToFileURL(join(dirname(here), 'thread.ts')).href;
  // tsx's loader must be registered inside the thread before the source is imported
  const req = createRequire(join(PACKAGE_ROOT, 'package.json'));
  const pkgFile = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const api = pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']?.import?.default ?? 'dist/esm/api/index.mjs')).href;
  const code = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(source)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

export function frontAvailable(): boolean {
  const here = fileURLToPath(import.meta.url);
  return !here.endsWith('.js') || existsSync(join(PACKAGE_ROOT, 'dist', 'slack', 'front', 'thread.js'));
}

/**
 * The engine's nice value once the front runs. Slack's 3-second deadline is on the ack, which the front's thread
 * gives; the engine's work after it can wait a little. On Linux a thread's priority is its own: lowering the
 * engine's (the calling thread's, after the front's thread was started) lets the front's thread, waking for a
 * request, go ahead of an engine busy with a burst. Measured with bench/ack.ts at 400 deliveries a second on two
 * cores (medians of four 10 s rounds each, interleaved): nice 0 gave an ack p99 of 150 ms and a click → card p99 of
 * 177 ms, nice 5 70 ms and 153 ms, nice 10 81 ms and 383 ms (the engine then falls behind on the work itself).
 * Lowering is always allowed; raising it back is not.
 */
export const DEFAULT_ENGINE_NICE = 5;

export function lowerEnginePriority(nice: number | null, logger: Logger): void {
  if (nice === null) return;
  try {
    if (getPriority(0) < nice) setPriority(0, nice);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not lower the engine thread\'s priority; Slack acks may wait for it on a busy host');
  }
}

function answerOf(response: unknown): Answer {
  if (response === undefined || response === null || response === '') return { status: 200, body: '' };
  if (typeof response === 'string') return { status: 200, body: response };
  return { status: 200, body: response as Record<string, unknown> };
}

export async function startSlackFront(opts: FrontOptions): Promise<SlackFront> {
  const { surface, logger, metrics } = opts;
  const startConfig: FrontConfig = {
    port: opts.port,
    host: opts.host,
    enginePort: opts.enginePort,
    signingSecret: opts.signingSecret,
    capacity: surface.limits.maxActive + surface.limits.maxWaiting,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
  };
  let worker: Worker | undefined;
  const post = (m: EngineMessage) => worker?.postMessage(m);
  let stopping = false;
  let closed: () => void = () => undefined;
  const whenClosed = new Promise<void>((resolve) => (closed = resolve));

  // Deliveries finished in one turn of the loop are reported together (each message wakes the front's thread).
  let doneBatch: number[] = [];
  const finished = (id: number) => {
    if (doneBatch.length === 0) {
      setImmediate(() => {
        const ids = doneBatch;
        doneBatch = [];
        post({ type: 'done', ids });
      });
    }
    doneBatch.push(id);
  };

  const deliver = (m: Extract<FrontMessage, { type: 'delivery' }>) => {
    let acked = false;
    const ack = async (response?: unknown) => {
      if (!m.answer || acked) return;
      acked = true;
      post({ type: 'ack', id: m.id, answer: answerOf(response) });
    };
    const event = { body: m.body, ack, customProperties: { [DELIVERY_KEY_PROPERTY]: m.key }, ...(m.retryNum !== undefined ? { retryNum: m.retryNum } : {}), ...(m.retryReason ? { retryReason: m.retryReason } : {}) };
    runWithLogContext({ req_id: m.reqId }, () => surface.app.processEvent(event)).then(
      () => finished(m.id),
      (err: unknown) => {
        logger.error({ err: (err as Error).message, req_id: m.reqId }, 'a Slack delivery failed before it was answered');
        if (m.answer && !acked) post({ type: 'ack', id: m.id, answer: { status: 500, body: '' } });
        finished(m.id);
      },
    );
  };

  const onMessage = (m: FrontMessage) => {
    switch (m.type) {
      case 'delivery':
        deliver(m);
        return;
      case 'access':
        for (const e of m.entries) {
          metrics.observeAck(e.surface, e.status, e.ms / 1000);
          runWithLogContext({ req_id: e.reqId }, () => logger.info({ method: e.method, path: e.path, status: e.status, ms: e.ms }, 'http request'));
        }
        return;
      case 'refused':
        surface.refused();
        return;
      case 'closed':
        closed();
        return;
      default:
        return;
    }
  };

  /** Starts the thread; resolves with the port it listens on. */
  const spawn = (config: FrontConfig) =>
    new Promise<{ worker: Worker; port: number }>((resolve, reject) => {
      const w = new Worker(entry, { workerData: config, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 } });
      w.on('message', (m: FrontMessage) => {
        if (m.type === 'listening') resolve({ worker: w, port: m.port });
        else if (m.type === 'listen-failed') {
          reject(Object.assign(new Error(m.message), { code: m.code }));
          void w.terminate();
        } else onMessage(m);
      });
      w.once('error', (err) => {
        logger.error({ err: err.message, stack: err.stack }, 'the Slack front thread failed');
        reject(err);
      });
      w.once('exit', (code) => {
        reject(new Error(`the Slack front thread exited (${code}) before it listened`));
        if (w !== worker) return;
        closed();
        if (stopping) return;
        // Slack's deliveries and every other request come in through it: start it again on the same port
        logger.error({ code }, 'the Slack front thread stopped; starting it again');
        setTimeout(() => {
          if (stopping) return;
          spawn({ ...config, port }).then(
            (next) => {
              worker = next.worker;
            },
            (err: unknown) => logger.error({ err: (err as Error).message }, 'the Slack front thread could not be started again: Greenlight takes no requests'),
          );
        }, 1_000).unref();
      });
    });

  const entry = frontEntry();
  const first = await spawn(startConfig);
  worker = first.worker;
  const port = first.port;

  return {
    port,
    thread: () => worker,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      post({ type: 'close' });
      // requests waiting for an ack are answered by listeners still running here; bounded all the same
      await Promise.race([whenClosed, new Promise((r) => setTimeout(r, 10_000).unref())]);
      await worker?.terminate();
    },
  };
}
