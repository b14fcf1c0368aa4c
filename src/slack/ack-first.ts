/**
 * Acks first, work after. Slack measures us by how fast each delivery is acknowledged, and Greenlight does all
 * its work on one event loop: an approval's transaction, its audit line, the card it re-renders and the Slack calls
 * it makes. Left in arrival order, that work sits in front of the next deliveries' acks and, under a burst, the
 * acks queue behind it. So every listener's `ack()` also hands the rest of the listener to an after-ack lane: the
 * lane runs one piece of work per turn of the event loop, and each turn first takes in every request that arrived
 * (Node polls I/O before it runs `setImmediate` callbacks). An ack then waits for at most one piece of work, never
 * for the backlog. The work itself keeps its order and nothing is dropped: a listener simply resumes a little later.
 */
import type { App } from '@slack/bolt';

export class AfterAckLane {
  private readonly waiting: (() => void)[] = [];
  private head = 0;
  private scheduled = false;

  /** Pieces of work waiting for their turn (a metric: a growing number means more work than one process can do). */
  get backlog(): number {
    return this.waiting.length - this.head;
  }

  /** Resolves when it is this caller's turn: after the requests that arrived meanwhile have been taken in. */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.backlog === 0) return;
    this.scheduled = true;
    // setImmediate from inside a setImmediate callback runs on the next loop turn, after the I/O poll.
    setImmediate(() => {
      this.scheduled = false;
      const next = this.waiting[this.head];
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next?.();
      this.schedule();
    });
  }
}

/**
 * Makes every `ack()` the app's receiver hands to listeners (HTTP or Socket Mode) acknowledge at once and then wait
 * for its turn in `lane`. Listeners stay as they are (`await ack()` first, then the work); Bolt acknowledges Events
 * API deliveries itself before any middleware runs, so events' work goes through the lane too.
 */
export function ackFirst(app: App, lane: AfterAckLane): void {
  const process = app.processEvent.bind(app);
  app.processEvent = (event) =>
    process({
      ...event,
      ack: async (response?: unknown) => {
        await event.ack(response);
        await lane.turn();
      },
    });
}
