/**
 * Release changes made in one Greenlight process, told to the others through Redis pub/sub: a timer run by a
 * separate `npm run worker` (or by another `npm start` instance) changes a release, and the process that knows who
 * has their App Home open re-publishes those Homes. Best effort: a message missed while Redis is away costs a Home
 * that is refreshed the next time it is opened.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const messageSchema = z.object({ from: z.string().min(1), release: z.number().int().positive() });

export class ReleaseEvents {
  private readonly self = randomUUID();
  private readonly channel: string;
  private subscriber: Redis | null = null;

  /** `prefix`: the deployment's BullMQ key prefix, so two deployments on one Redis don't hear each other. */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    this.channel = `${prefix}:release-changed`;
  }

  /** Tells the other processes that a release changed here. */
  publish(release: number): void {
    this.redis.publish(this.channel, JSON.stringify({ from: this.self, release })).catch((err: unknown) => {
      this.onError(`could not tell other processes that release ${release} changed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Calls `listener` for each release another process changed (ioredis subscribes again after a reconnect). */
  async subscribe(listener: (release: number) => void): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // the main connection reports Redis being away
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      const msg = messageSchema.safeParse(parsed);
      if (msg.success && msg.data.from !== this.self) listener(msg.data.release);
    });
    await subscriber.subscribe(this.channel);
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
