/**
 * Greenlight's listeners, found by id. Bolt hands every delivery to every registered listener, each of which runs
 * its own middleware chain to decide whether the delivery is its own: with Greenlight's thirty-odd listeners that
 * fan-out cost more CPU and garbage per delivery than the listener that does the work (bench/ack.ts). The router
 * keeps the same listener signatures and finds the one listener in a map: one global Bolt middleware, after the
 * duplicate check, looks up the action id, view callback id, command or event type and calls that listener with
 * Bolt's own arguments (`ack`, `body`, `respond`, `client`, ...). A delivery no listener claims goes on to Bolt as
 * before (which logs it as unhandled).
 */
import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  BlockAction,
  Middleware,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

type Listener = (args: AnyMiddlewareArgs & AllMiddlewareArgs) => Promise<unknown>;
type Kind = 'action' | 'view' | 'command' | 'event';

/** The key a delivery is routed by, or undefined for a kind Greenlight does not route (view_closed, options...). */
export function routeKey(body: unknown): { kind: Kind; id: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { type?: unknown; command?: unknown; actions?: unknown; view?: { callback_id?: unknown }; event?: { type?: unknown } };
  if (b.type === 'block_actions' && Array.isArray(b.actions)) {
    // Bolt's payload for block_actions is the first action; listeners match on its action_id
    const first = b.actions[0] as { action_id?: unknown } | undefined;
    return typeof first?.action_id === 'string' ? { kind: 'action', id: first.action_id } : undefined;
  }
  if (b.type === 'view_submission') return typeof b.view?.callback_id === 'string' ? { kind: 'view', id: b.view.callback_id } : undefined;
  if (b.type === 'event_callback') return typeof b.event?.type === 'string' ? { kind: 'event', id: b.event.type } : undefined;
  if (b.type === undefined && typeof b.command === 'string') return { kind: 'command', id: b.command };
  return undefined;
}

export class SlackRouter {
  private readonly listeners = new Map<string, Listener>();

  /** A block action (button, select) by its action_id. */
  action<B extends SlackAction = BlockAction>(actionId: string, fn: Middleware<SlackActionMiddlewareArgs<B>>): void {
    this.add('action', actionId, fn as unknown as Listener);
  }

  /** A modal's submission (`view_submission`) by the view's callback_id. */
  view(callbackId: string, fn: Middleware<SlackViewMiddlewareArgs>): void {
    this.add('view', callbackId, fn as unknown as Listener);
  }

  /** A slash command, e.g. `/release`. */
  command(name: string, fn: Middleware<SlackCommandMiddlewareArgs>): void {
    this.add('command', name, fn as unknown as Listener);
  }

  /** An Events API event by its type. */
  event<T extends string>(type: T, fn: Middleware<SlackEventMiddlewareArgs<T>>): void {
    this.add('event', type, fn as unknown as Listener);
  }

  /** The listener a delivery goes to, if any. */
  private find(body: unknown): Listener | undefined {
    const key = routeKey(body);
    return key ? this.listeners.get(`${key.kind}:${key.id}`) : undefined;
  }

  /** The Bolt global middleware that calls the delivery's listener (and nothing after it). */
  middleware(): Middleware<AnyMiddlewareArgs> {
    return async (args) => {
      const listener = this.find(args.body);
      if (!listener) {
        await args.next();
        return;
      }
      await listener(args);
    };
  }

  private add(kind: Kind, id: string, fn: Listener): void {
    const key = `${kind}:${id}`;
    if (this.listeners.has(key)) throw new Error(`two listeners for the ${kind} ${id}`);
    this.listeners.set(key, fn);
  }
}
