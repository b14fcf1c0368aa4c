/** What the Slack front decides about each request (src/slack/front/edge.ts): checked, answered, acked or asked. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decide, parseSlackBody } from '../../../src/slack/front/edge';

const SECRET = 'front-edge-secret-0123456789';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const FORM = 'application/x-www-form-urlencoded';

function signed(raw: string, contentType: string, at = NOW, secret = SECRET) {
  const timestamp = String(Math.floor(at / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
  return { raw, contentType, signature, timestamp };
}

const command = (text: string, name = '/release') => signed(new URLSearchParams({ command: name, text, user_id: 'U0DEV1', trigger_id: 't.1', response_url: 'http://x/r' }).toString(), FORM);
const interaction = (payload: object) => signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM);

describe('the Slack front: checks', () => {
  it('answers 401 to a wrong signature, another secret, a missing one, and a timestamp more than five minutes off', () => {
    const good = command('help');
    expect(decide({ ...good, signature: 'v0=00' }, SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 401 } });
    expect(decide(command('help'), 'another-secret', NOW)).toMatchObject({ kind: 'answer', answer: { status: 401 } });
    expect(decide({ ...good, signature: undefined }, SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 401 } });
    expect(decide({ ...good, timestamp: undefined }, SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 401 } });
    const stale = signed(good.raw, FORM, NOW - 6 * 60_000);
    expect(decide(stale, SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 401 } });
    // within five minutes is fine
    expect(decide(signed(good.raw, FORM, NOW - 4 * 60_000), SECRET, NOW).kind).toBe('answer');
    expect(decide(signed(good.raw, FORM, NOW - 4 * 60_000), SECRET, NOW)).toMatchObject({ answer: { status: 200 } });
  });

  it('answers 400 to a signed body that is neither a form nor a JSON object', () => {
    expect(decide(signed('{nope', 'application/json'), SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 400 } });
    expect(decide(signed('[1,2]', 'application/json'), SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 400 } });
    expect(decide(signed('payload=%7Bnope', FORM), SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 400 } });
  });

  it("answers Slack's handshakes itself", () => {
    expect(decide(signed(JSON.stringify({ type: 'url_verification', challenge: 'abc' }), 'application/json'), SECRET, NOW)).toMatchObject({
      kind: 'answer',
      answer: { status: 200, body: { challenge: 'abc' } },
    });
    expect(decide(signed('ssl_check=1&token=x', FORM), SECRET, NOW)).toMatchObject({ kind: 'answer', answer: { status: 200, body: '' } });
  });
});

describe('the Slack front: who answers', () => {
  it('answers /release help and unknown text itself, with the same ephemeral answer the listener gives', () => {
    const help = decide(command('  HELP '), SECRET, NOW);
    expect(help).toMatchObject({ kind: 'answer', answer: { status: 200, body: { response_type: 'ephemeral', text: 'Greenlight: /release commands' } } });
    expect(JSON.stringify(help)).toContain('/release status REL-n');
    const unknown = decide(command('deploy <!channel> now'), SECRET, NOW);
    expect(unknown).toMatchObject({ kind: 'answer', answer: { status: 200, body: { response_type: 'ephemeral' } } });
    // typed text is escaped: it pings nobody
    expect(JSON.stringify(unknown)).toContain('&lt;!channel&gt;');
  });

  it('acks /release with no text at once (its modal opens after), and asks the engine for answers that read the database', () => {
    expect(decide(command(''), SECRET, NOW)).toMatchObject({ kind: 'ack', body: { command: '/release', text: '' } });
    for (const text of ['list', 'status REL-4', 'REL-4', 'why REL-4', 'cancel REL-4 wrong build', 'roles', 'windows', 'freeze', 'calendar', 'stats', 'status']) {
      expect(decide(command(text), SECRET, NOW).kind, text).toBe('ask');
    }
    // a command Greenlight does not own goes to the engine too (Bolt logs it as unhandled)
    expect(decide(command('help', '/other'), SECRET, NOW).kind).toBe('ask');
  });

  it('acks clicks, events and closed modals at once; modal submissions and the rest wait for the engine', () => {
    expect(decide(interaction({ type: 'block_actions', actions: [{ action_id: 'approve' }] }), SECRET, NOW)).toMatchObject({ kind: 'ack', body: { type: 'block_actions' } });
    expect(decide(signed(JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_home_opened' } }), 'application/json'), SECRET, NOW).kind).toBe('ack');
    expect(decide(interaction({ type: 'view_closed', view: {} }), SECRET, NOW).kind).toBe('ack');
    expect(decide(interaction({ type: 'view_submission', view: { callback_id: 'x' } }), SECRET, NOW).kind).toBe('ask');
    expect(decide(interaction({ type: 'block_suggestion' }), SECRET, NOW).kind).toBe('ask');
    expect(decide(interaction({ type: 'shortcut', callback_id: 'x' }), SECRET, NOW).kind).toBe('ask');
  });

  it('parses bodies as Bolt does: form fields, a form payload of JSON, or JSON', () => {
    expect(parseSlackBody('command=%2Frelease&text=a+b', FORM)).toEqual({ command: '/release', text: 'a b' });
    expect(parseSlackBody(`payload=${encodeURIComponent('{"type":"block_actions"}')}`, `${FORM}; charset=utf-8`)).toEqual({ type: 'block_actions' });
    expect(parseSlackBody('{"type":"event_callback"}', 'application/json')).toEqual({ type: 'event_callback' });
    expect(parseSlackBody('"text"', 'application/json')).toBeUndefined();
  });
});
