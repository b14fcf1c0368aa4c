/**
 * Keeps each release's card in step with the database: posts it once, then `chat.update`s the same message,
 * and posts the timeline as replies in its thread. Work for one release runs one at a time, in order, and
 * each refresh re-reads the database, so the last update always shows the latest state.
 */
import type { Logger } from 'pino';
import { serviceChannel } from '../config';
import type { Db } from '../db/client';
import { getRelease, updateRelease } from '../db/release.repo';
import type { Notifier } from '../notifier/notifier';
import { releaseCard } from '../slack/views/release-card.view';
import type { WorkflowPolicy } from './deps';
import { loadSnapshot } from './snapshot';

export class CardPublisher {
  private readonly chains = new Map<number, Promise<unknown>>();

  constructor(
    private readonly ctx: { db: Db; policy: WorkflowPolicy; slack: Notifier; logger: Logger },
  ) {}

  /** The channel a service's cards go to: the service's own, else the releases channel, else `fallback`. */
  channelFor(service: string, fallback: string | null): string | null {
    return serviceChannel(this.ctx.policy, service) ?? fallback;
  }

  private enqueue<T>(id: number, task: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(task, task);
    const settled = next.catch(() => undefined);
    this.chains.set(id, settled);
    void settled.then(() => {
      if (this.chains.get(id) === settled) this.chains.delete(id);
    });
    return next;
  }

  /** Resolves when every queued card/thread task has finished (used at shutdown and by tests). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  refresh(id: number): Promise<void> {
    return this.enqueue(id, async () => {
      const snap = loadSnapshot(this.ctx.db, this.ctx.policy, id);
      if (!snap) return;
      const { release } = snap;
      if (!release.cardChannel) return;
      const card = releaseCard(snap);
      if (!release.cardTs) {
        const posted = await this.ctx.slack.post({ channel: release.cardChannel, text: card.text, blocks: card.blocks, releaseId: id });
        if (posted) updateRelease(this.ctx.db, id, { cardChannel: posted.channel, cardTs: posted.ts });
        return;
      }
      await this.ctx.slack.update({ channel: release.cardChannel, ts: release.cardTs, text: card.text, blocks: card.blocks });
    }).catch((err: unknown) => {
      this.ctx.logger.error({ release: id, err: (err as Error).message }, 'could not update the release card');
    });
  }

  /** Posts `text` as a reply in the card's thread (after any pending card work). */
  thread(id: number, text: string): Promise<void> {
    return this.enqueue(id, async () => {
      const release = getRelease(this.ctx.db, id);
      if (!release?.cardChannel || !release.cardTs) return;
      await this.ctx.slack.post({ channel: release.cardChannel, threadTs: release.cardTs, text, releaseId: id });
    }).catch((err: unknown) => {
      this.ctx.logger.error({ release: id, err: (err as Error).message }, 'could not post to the release thread');
    });
  }
}
