/** Private answers to a click or submission: only the person who acted sees them. */
import type { Deps } from '../../usecases/deps';
import type { SlackMessage } from '../views/messages.view';

/** The answer to a button whose value can't be read (an old message, a changed layout, a forged click). */
export const BUTTON_OUT_OF_DATE = 'That button is out of date. Use `/release list` to find the release.';

/** The inline error for a modal whose hidden state can't be read (opened before an upgrade, or forged). */
export const FORM_OUT_OF_DATE = 'This form is out of date. Close it and start again.';

/** The parts of an interaction payload a private reply needs. */
export interface ReplyTarget {
  response_url?: string;
  user: { id: string };
}

/**
 * Tells only the person who acted: through the interaction's response_url when there is one (ephemeral), else by
 * DM. Failures are logged and swallowed: a reply that cannot be delivered must not fail the listener.
 */
export async function replyPrivately(deps: Pick<Deps, 'slack' | 'logger'>, body: ReplyTarget, msg: SlackMessage | string): Promise<void> {
  const m: SlackMessage = typeof msg === 'string' ? { text: msg } : msg;
  const payload = { text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) };
  try {
    if (body.response_url) await deps.slack.respond(body.response_url, payload);
    else await deps.slack.dm(body.user.id, payload);
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'could not tell the user');
  }
}
