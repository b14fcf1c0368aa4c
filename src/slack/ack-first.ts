/**
 * Acks first, work after. Slack measures us by how fast each delivery is acknowledged, and Greenlight does all
 * its work on one event loop: an approval's transaction, its audit line, the card it re-renders and the Slack calls
 * it makes. Left in arrival order, that work sits in front of the next deliveries' acks and, under a burst, the
 * acks queue behind it. So every listener's `ack()` also hands the rest of the listener to an after-ack lane: the
 * lane starts one piece of work per turn of the event loop, and each turn first takes in every request that arrived
 * (Node polls I/O before it runs `setImmediate` callbacks). An ack then waits for at most one piece of work, never
 * for the backlog. Nothing is dropped: a listener simply resumes a little later. Each person's work keeps its order,
 * and people take turns, so one person's flood of clicks does not hold up everyone else's (see `turn`).
 *
 * The lane is bounded, so a flood can't exhaust memory: at most `maxActive` listeners run at once (the rest wait,
 * acknowledged, in arrival order), and once `maxWaiting` wait, new deliveries are refused before they are
 * acknowledged: over HTTP with `503` and `Retry-After` (Slack retries events; a person sees the command fail and
 * can run it again), over Socket Mode by not acknowledging them. Each refusal is logged and counted.
 */
import type { App } from '@slack/bolt';
import type { RequestHandler } from 'express';
import { userOf } from './surface';

export interface LaneLimits {
  /** Listeners running after their ack at once (each may be waiting on a Slack call). */
  maxActive: number;
  /** Acknowledged deliveries waiting to start; beyond this new deliveries are refused. */
  maxWaiting: number;
}

export const DEFAULT_LANE_LIMITS: LaneLimits = { maxActive: 64, maxWaiting: 250 };

export class AfterAckLane {
  /** Each person's waiting work, in the order it arrived. */
  private readonly queues = new Map<string, (() => void)[]>();
  /** The people with work waiting, in the order their turns come. */
  private readonly ring: string[] = [];
  private waitingCount = 0;
  private scheduled = false;
  private running = 0;
  private refusedCount = 0;

  constructor(private readonly limitsGiven: LaneLimits = DEFAULT_LANE_LIMITS) {}

  /** Pieces of work waiting for their turn (a metric: a growing number means more work than one process can do). */
  get backlog(): number {
    return this.waitingCount;
  }

  /** Listeners that had their turn and have not finished. */
  get active(): number {
    return this.running;
  }

  /** Deliveries refused because the lane was full, since start. */
  get refused(): number {
    return this.refusedCount;
  }

  /** The lane's limits. */
  get limits(): LaneLimits {
    return this.limitsGiven;
  }

  /** Counts a delivery refused before it reached the lane (by the Slack front, src/slack/front/thread.ts). */
  countRefusal(): void {
    this.refusedCount++;
  }

  /** True when a new delivery must be refused; counts the refusal. */
  refuse(): boolean {
    if (this.backlog < this.limitsGiven.maxWaiting) return false;
    this.refusedCount++;
    return true;
  }

  /**
   * Resolves when it is this caller's turn: after the requests that arrived meanwhile have been taken in, and once
   * fewer than `maxActive` listeners run. The caller must call `done()` when its work ends.
   *
   * `who` is the person the delivery came from (see `laneKeyOf`). Each person's work runs in the order it arrived,
   * and the people with work waiting take turns: one piece each, round after round. So someone (or a script)
   * clicking a hundred times a second makes the backlog longer for themselves, not for everyone: an approval by
   * someone else waits for at most one piece of each other person's work.
   */
  turn(who = ''): Promise<void> {
    return new Promise<void>((resolve) => {
      let queue = this.queues.get(who);
      if (!queue) {
        queue = [];
        this.queues.set(who, queue);
        this.ring.push(who);
      }
      queue.push(resolve);
      this.waitingCount++;
      this.schedule();
    });
  }

  /** A listener that had its turn has finished. */
  done(): void {
    this.running = Math.max(0, this.running - 1);
    this.schedule();
  }

  /** The next piece of work: the first of the person whose turn it is; they go to the back of the ring. */
  private take(): (() => void) | undefined {
    const who = this.ring.shift();
    if (who === undefined) return undefined;
    const queue = this.queues.get(who);
    const next = queue?.shift();
    if (queue && queue.length > 0) this.ring.push(who);
    else this.queues.delete(who);
    if (next) this.waitingCount--;
    return next;
  }

  private schedule(): void {
    if (this.scheduled || this.backlog === 0 || this.running >= this.limitsGiven.maxActive) return;
    this.scheduled = true;
    // setImmediate from inside a setImmediate callback runs on the next loop turn, after the I/O poll.
    setImmediate(() => {
      this.scheduled = false;
      if (this.running >= this.limitsGiven.maxActive) return; // done() schedules again
      const next = this.take();
      if (next) {
        this.running++;
        next();
      }
      this.schedule();
    });
  }
}

/**
 * Whose turn a delivery waits for in the lane: the Slack user who clicked, submitted, ran the command or caused the
 * event; deliveries with no user (app_rate_limited, a bot's event) share one turn.
 */
export function laneKeyOf(body: unknown): string {
  return userOf(body) ?? '';
}

/**
 * Makes every `ack()` the app's receiver hands to listeners (HTTP or Socket Mode) acknowledge at once and then wait
 * for its turn in `lane`. Listeners stay as they are (`await ack()` first, then the work); Bolt acknowledges Events
 * API deliveries itself before any middleware runs, so events' work goes through the lane too. With `onRefused`
 * (Socket Mode), a delivery that arrives while the lane is full is left unacknowledged; over HTTP `refuseWhenFull`
 * answers before Bolt sees the request.
 */
export function ackFirst(app: App, lane: AfterAckLane, onRefused?: () => void): void {
  const process = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    if (onRefused && lane.refuse()) {
      onRefused();
      return;
    }
    let myTurn: Promise<void> | undefined;
    const who = laneKeyOf(event.body);
    try {
      await process({
        ...event,
        ack: async (response?: unknown) => {
          await event.ack(response);
          myTurn ??= lane.turn(who);
          await myTurn;
        },
      });
    } finally {
      // a listener that did not await its ack may finish before its turn came; the turn is still handed back
      if (myTurn) void myTurn.then(() => lane.done());
    }
  };
}

/** Express middleware for `/slack/events`: `503` with `Retry-After` while the lane is full, before Bolt reads the body. */
export function refuseWhenFull(lane: AfterAckLane, onRefused: () => void): RequestHandler {
  return (_req, res, next) => {
    if (!lane.refuse()) {
      next();
      return;
    }
    onRefused();
    res.status(503).set('retry-after', '1').type('text/plain').send('Greenlight is busy; try again in a moment.');
  };
}
