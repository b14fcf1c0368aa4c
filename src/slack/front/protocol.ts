/** The messages between the Slack front's thread and the engine (src/slack/front/index.ts). */
import type { Answer, SlackBody } from './edge';

/** What the front thread is started with (its `workerData`). */
export interface FrontConfig {
  /** The public port (0: any free one) and address. */
  port: number;
  host: string;
  /** The engine's own HTTP server on loopback: every path but /slack/events is passed to it as it came. */
  enginePort: number;
  signingSecret: string;
  /** Deliveries the engine may hold (working or waiting) before new ones are refused with 503. */
  capacity: number;
  maxBodyBytes: number;
}

/**
 * Checks the front's `workerData`. By hand, not with zod: the engine builds it, and the front's thread stays small
 * (it loads only what acknowledging needs; see src/slack/front/thread.ts).
 */
export function parseFrontConfig(data: unknown): FrontConfig {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const int = (key: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = d[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`Slack front: ${key} must be an integer from ${min} to ${max}`);
    return v;
  };
  const str = (key: string): string => {
    const v = d[key];
    if (typeof v !== 'string' || v === '') throw new Error(`Slack front: ${key} must be a non-empty string`);
    return v;
  };
  return {
    port: int('port', 0, 65535),
    host: str('host'),
    enginePort: int('enginePort', 1, 65535),
    signingSecret: str('signingSecret'),
    capacity: int('capacity', 1),
    maxBodyBytes: int('maxBodyBytes', 1),
  };
}

/** One /slack/events request as the front answered it. */
export interface AccessEntry {
  reqId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  surface: string;
}

/** Front → engine. */
export type FrontMessage =
  | { type: 'listening'; port: number }
  | { type: 'listen-failed'; code: string; message: string }
  /**
   * A delivery for the engine, with its exactly-once key (src/slack/delivery-key.ts); with `answer` the listener's ack
   * is the HTTP response, else it was acknowledged already.
   */
  | { type: 'delivery'; id: number; reqId: string; body: SlackBody; key: string; answer: boolean; retryNum?: number; retryReason?: string }
  /** /slack/events requests answered (the access log lines and the ack metric), sent in batches. */
  | { type: 'access'; entries: AccessEntry[] }
  | { type: 'refused' }
  | { type: 'closed' };

/** Engine → front. */
export type EngineMessage =
  /** The listener acknowledged a delivery that waits for it. */
  | { type: 'ack'; id: number; answer: Answer }
  /** The engine has finished with these deliveries (their listeners' work after the ack included). */
  | { type: 'done'; ids: number[] }
  /** Stop taking requests, finish those open, then report `closed`. */
  | { type: 'close' };
