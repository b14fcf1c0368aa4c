/**
 * Work that follows a committed change (an announcement, a thread post, a timer) and that the person who made the
 * change must not wait for: a modal is answered within Slack's 3 seconds, and a post paced behind others in a busy
 * channel, or a Redis that is reconnecting, would hold the answer past them although the change was saved. Failures
 * are logged, never thrown at the person (timers are re-derived from the database whenever Redis comes back).
 */
import type { Deps } from './deps';

export function inBackground(deps: Pick<Deps, 'logger' | 'background'>, what: string, task: () => Promise<unknown>): void {
  const work = Promise.resolve()
    .then(task)
    .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, `could not ${what}`));
  // shutdown lets it finish before Redis and the database close
  void deps.background?.track(work);
}
