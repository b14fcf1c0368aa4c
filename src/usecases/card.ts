/**
 * Keeps each release's card in step with the database: posts it once, then `chat.update`s the same message,
 * and posts the timeline as replies in its thread. Card work for one release runs one at a time and each
 * refresh re-reads the database, so the last update always shows the latest state; refreshes asked for while
 * one is waiting are folded into it. Thread replies keep their own order and wait only for the card to exist,
 * so a card update is never stuck behind a reply waiting for Slack's per-channel pace.
 */
import type { Logger } from 'pino';
import { serviceChannel } from '../config';
import type { Db } from '../db/client';
import { getRelease, updateRelease } from '../db/release.repo';
import { SlackCallError, type Blocks, type Notifier } from '../notifier/notifier';
import { releaseCard } from '../slack/views/release-card.view';
import type { WorkflowPolicy } from './deps';
import { loadSnapshot } from './snapshot';
import { runWithLogContext } from '../log-context';

/** chat.update errors that mean the card is gone (deleted, or its channel archived or out of the bot's reach). */
const CARD_GONE = new Set(['message_not_found', 'channel_not_found', 'is_archived', 'not_in_channel']);

export class CardPublisher {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waitingRefresh = new Map<number, Promise<void>>();

  constructor(
    private readonly ctx: { db: Db; policy: WorkflowPolicy; slack: Notifier; logger: Logger; now: () => number },
  ) {}

  /** The channel a service's cards go to: the service's own, else the releases channel, else `fallback`. */
  channelFor(service: string, fallback: string | null): string | null {
    return serviceChannel(this.ctx.policy, service) ?? fallback;
  }

  private enqueue<T>(id: string, task: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    // Log lines written by the task (the notifier's included) name the release.
    const release = Number(/\d+$/.exec(id)?.[0]);
    const run = () => runWithLogContext(Number.isInteger(release) ? { release } : {}, task);
    const next = prev.then(run, run);
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

  private readonly changeListeners: ((id: number) => void)[] = [];

  /** Called on every refresh: the release changed (App Home re-publishes the Homes it concerns). */
  onChange(listener: (id: number) => void): void {
    this.changeListeners.push(listener);
  }

  refresh(id: number): Promise<void> {
    for (const listener of this.changeListeners) listener(id);
    const waiting = this.waitingRefresh.get(id);
    if (waiting) return waiting;
    const run = this.enqueue(`card:${id}`, async () => {
      this.waitingRefresh.delete(id);
      const snap = loadSnapshot(this.ctx.db, this.ctx.policy, id, this.ctx.now());
      if (!snap) return;
      const { release } = snap;
      if (!release.cardChannel) return;
      const card = releaseCard(snap);
      if (!release.cardTs) {
        // The ledger key makes the card a single message even across processes or a crash before its ts was saved.
        const key = `card-${id}`;
        const posted = await this.ctx.slack.post({ channel: release.cardChannel, text: card.text, blocks: card.blocks, releaseId: id, dedupeKey: key });
        const sent = posted ?? this.ctx.slack.sentByKey(key);
        if (sent?.ts) updateRelease(this.ctx.db, id, { cardChannel: sent.channel, cardTs: sent.ts });
        if (posted || !sent?.ts) return;
        await this.ctx.slack.update({ channel: sent.channel, ts: sent.ts, text: card.text, blocks: card.blocks });
        return;
      }
      try {
        await this.ctx.slack.update({ channel: release.cardChannel, ts: release.cardTs, text: card.text, blocks: card.blocks });
      } catch (err) {
        if (!(err instanceof SlackCallError) || !CARD_GONE.has(err.slackError)) throw err;
        await this.postAgain(id, release.service, release.cardChannel, release.cardTs, err.slackError, card);
      }
    }).catch((err: unknown) => {
      this.ctx.logger.error({ release: id, err: (err as Error).message }, 'could not update the release card');
    });
    this.waitingRefresh.set(id, run);
    return run;
  }

  /**
   * The card was deleted (or its channel is out of reach): forgets it and posts it again, once per lost card (the
   * ledger key names the lost message), with a note in the new card's thread.
   */
  private async postAgain(id: number, service: string, channel: string, lostTs: string, error: string, card: { text: string; blocks: Blocks }): Promise<void> {
    this.ctx.logger.warn({ release: id, error }, 'the release card is gone from Slack; posting it again');
    updateRelease(this.ctx.db, id, { cardTs: null });
    const key = `card-${id}-again-${lostTs}`;
    const target = this.channelFor(service, channel) ?? channel;
    const posted = await this.ctx.slack.post({ channel: target, text: card.text, blocks: card.blocks, releaseId: id, dedupeKey: key });
    const sent = posted ?? this.ctx.slack.sentByKey(key);
    if (sent?.ts) updateRelease(this.ctx.db, id, { cardChannel: sent.channel, cardTs: sent.ts });
    if (!posted) return;
    const why = error === 'message_not_found' ? 'was deleted in Slack' : 'could no longer be reached in its channel';
    void this.thread(id, `:information_source: The previous card of REL-${id} ${why}, so Greenlight posted this one; the timeline before now is not repeated here.`);
  }

  /** Posts `text` as a reply in the card's thread, in order, once the card exists. */
  thread(id: number, text: string): Promise<void> {
    const cardReady = this.chains.get(`card:${id}`) ?? Promise.resolve();
    return this.enqueue(`thread:${id}`, async () => {
      await cardReady;
      const release = getRelease(this.ctx.db, id);
      if (!release?.cardChannel || !release.cardTs) return;
      await this.ctx.slack.post({ channel: release.cardChannel, threadTs: release.cardTs, text, releaseId: id });
    }).catch((err: unknown) => {
      this.ctx.logger.error({ release: id, err: (err as Error).message }, 'could not post to the release thread');
    });
  }
}
