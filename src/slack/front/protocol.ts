/** The messages between the Slack front's thread and the engine (src/slack/front/index.ts). */
import { z } from 'zod';
import type { Answer, SlackBody } from './edge';

/** What the front thread is started with (its `workerData`), checked when it starts. */
export const FrontConfigSchema = z.object({
  /** The public port (0: any free one) and address. */
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  /** The engine's own HTTP server on loopback: every path but /slack/events is passed to it as it came. */
  enginePort: z.number().int().min(1).max(65535),
  signingSecret: z.string().min(1),
  /** Deliveries the engine may hold (working or waiting) before new ones are refused with 503. */
  capacity: z.number().int().min(1),
  maxBodyBytes: z.number().int().min(1),
});
export type FrontConfig = z.infer<typeof FrontConfigSchema>;

/** Front → engine. */
export type FrontMessage =
  | { type: 'listening'; port: number }
  | { type: 'listen-failed'; code: string; message: string }
  /** A delivery for the engine; with `answer` the listener's ack is the HTTP response, else it was acknowledged already. */
  | { type: 'delivery'; id: number; reqId: string; body: SlackBody; answer: boolean; retryNum?: number; retryReason?: string }
  /** One /slack/events request answered: the access log line and the ack metric. */
  | { type: 'access'; reqId: string; method: string; path: string; status: number; ms: number; surface: string }
  | { type: 'refused' }
  | { type: 'closed' };

/** Engine → front. */
export type EngineMessage =
  /** The listener acknowledged a delivery that waits for it. */
  | { type: 'ack'; id: number; answer: Answer }
  /** The engine has finished with a delivery (its listener's work after the ack included). */
  | { type: 'done'; id: number }
  /** Stop taking requests, finish those open, then report `closed`. */
  | { type: 'close' };
