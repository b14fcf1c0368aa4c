/**
 * The router: a real Bolt App hands each delivery to exactly the listener registered for its action id, view
 * callback id, command or event type, with Bolt's own arguments; anything else goes on to Bolt's listeners; a
 * listener's error reaches the app's error handler.
 */
import { App } from '@slack/bolt';
import type { ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { SlackRouter, routeKey } from '../../../src/slack/router';

function boltApp(): App {
  // authorize answers locally: no auth.test call leaves the test
  return new App({ signingSecret: 'secret', authorize: async () => ({ botToken: 'xoxb-test', botId: 'B1', botUserId: 'U0BOT' }) });
}

function delivery(body: Record<string, unknown>, acks: unknown[]): ReceiverEvent {
  return {
    body,
    ack: async (response?: unknown) => {
      acks.push(response ?? null);
    },
  };
}

const action = (actionId: string) => ({
  type: 'block_actions',
  team: { id: 'T1' },
  user: { id: 'U1' },
  api_app_id: 'A1',
  token: 't',
  trigger_id: 'trig',
  actions: [{ type: 'button', action_id: actionId, block_id: 'b', action_ts: '1.2', value: 'v' }],
});

describe('SlackRouter', () => {
  it('routes each kind of delivery by its id', () => {
    expect(routeKey(action('release.approve'))).toEqual({ kind: 'action', id: 'release.approve' });
    expect(routeKey({ type: 'view_submission', view: { callback_id: 'release.request' } })).toEqual({ kind: 'view', id: 'release.request' });
    expect(routeKey({ type: 'view_closed', view: { callback_id: 'release.request' } })).toBeUndefined();
    expect(routeKey({ command: '/release', text: 'help' })).toEqual({ kind: 'command', id: '/release' });
    expect(routeKey({ type: 'event_callback', event: { type: 'app_home_opened' } })).toEqual({ kind: 'event', id: 'app_home_opened' });
    expect(routeKey({ type: 'block_actions', actions: [] })).toBeUndefined();
    expect(routeKey(null)).toBeUndefined();
  });

  it('calls only the listener for the clicked action, with Bolt’s arguments', async () => {
    const app = boltApp();
    const router = new SlackRouter();
    const called: string[] = [];
    router.action('release.approve', async ({ ack, body, action: a }) => {
      await ack();
      called.push(`approve by ${body.user.id} (${(a as { value?: string }).value ?? ''})`);
    });
    router.action('release.reject', async ({ ack }) => {
      await ack();
      called.push('reject');
    });
    router.command('/release', async ({ ack, command }) => {
      await ack({ text: `you said ${command.text}` });
      called.push('command');
    });
    app.use(router.middleware());
    const acks: unknown[] = [];
    await app.processEvent(delivery(action('release.approve'), acks));
    expect(called).toEqual(['approve by U1 (v)']);
    await app.processEvent(delivery({ command: '/release', text: 'help', user_id: 'U1', team_id: 'T1', channel_id: 'C1', token: 't', trigger_id: 'x', response_url: 'http://x', api_app_id: 'A1' }, acks));
    expect(called).toEqual(['approve by U1 (v)', 'command']);
    expect(acks).toEqual([null, { text: 'you said help' }]);
  });

  it('passes a view submission to its callback id and leaves other kinds to Bolt', async () => {
    const app = boltApp();
    const router = new SlackRouter();
    const seen: string[] = [];
    router.view('release.request', async ({ ack, view }) => {
      await ack({ response_action: 'errors', errors: { version: 'needed' } });
      seen.push(`submitted ${view.callback_id}`);
    });
    app.use(router.middleware());
    // a Bolt listener still gets what the router does not route
    app.view({ callback_id: 'release.request', type: 'view_closed' }, async ({ ack }) => {
      await ack();
      seen.push('closed (Bolt)');
    });
    const acks: unknown[] = [];
    const view = { id: 'V1', callback_id: 'release.request', state: { values: {} }, private_metadata: '' };
    await app.processEvent(delivery({ type: 'view_submission', team: { id: 'T1' }, user: { id: 'U1' }, view, api_app_id: 'A1', token: 't' }, acks));
    await app.processEvent(delivery({ type: 'view_closed', team: { id: 'T1' }, user: { id: 'U1' }, view, api_app_id: 'A1', token: 't' }, acks));
    expect(seen).toEqual(['submitted release.request', 'closed (Bolt)']);
    expect(acks[0]).toEqual({ response_action: 'errors', errors: { version: 'needed' } });
  });

  it('hands a listener’s error to the app’s error handler', async () => {
    const app = boltApp();
    const router = new SlackRouter();
    router.action('release.approve', async ({ ack }) => {
      await ack();
      throw new Error('boom');
    });
    app.use(router.middleware());
    const errors: string[] = [];
    app.error(async (err) => {
      const original = (err as { original?: Error }).original ?? err;
      errors.push(original.message);
    });
    await app.processEvent(delivery(action('release.approve'), []));
    expect(errors).toEqual(['boom']);
  });

  it('refuses two listeners for the same id', () => {
    const router = new SlackRouter();
    router.action('release.approve', async () => undefined);
    expect(() => router.action('release.approve', async () => undefined)).toThrow(/two listeners for the action release.approve/);
    // the same id in another kind is a different listener
    expect(() => router.view('release.approve', async () => undefined)).not.toThrow();
  });
});
