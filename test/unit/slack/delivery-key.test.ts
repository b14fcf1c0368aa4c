/** The exactly-once key of a Slack delivery: an event's id, else a hash of the raw body (HTTP) or the parsed one (Socket Mode). */
import { describe, expect, it } from 'vitest';
import { deliveryKey } from '../../../src/slack/delivery-key';

describe('deliveryKey', () => {
  it('is the event id for Events API deliveries, whatever else differs (Slack retries re-send the event)', () => {
    expect(deliveryKey({ event_id: 'Ev1', event: { type: 'app_home_opened' } }, 'raw-1')).toBe('event:Ev1');
    expect(deliveryKey({ event_id: 'Ev1', event: { type: 'app_home_opened' } }, 'raw-2')).toBe('event:Ev1');
  });

  it('hashes the raw body when there is one: a byte-for-byte replay has the same key, any other body another', () => {
    const body = { type: 'block_actions', trigger_id: '1.2.abc' };
    const raw = `payload=${encodeURIComponent(JSON.stringify(body))}`;
    expect(deliveryKey(body, raw)).toBe(deliveryKey(body, raw));
    expect(deliveryKey(body, raw)).toMatch(/^body:[0-9a-f]{64}$/);
    expect(deliveryKey(body, raw)).not.toBe(deliveryKey(body, raw.replace('abc', 'abd')));
  });

  it('hashes the parsed body without a raw one (Socket Mode): the same payload, the same key', () => {
    const key = deliveryKey({ type: 'view_submission', view: { id: 'V1' } });
    expect(deliveryKey({ type: 'view_submission', view: { id: 'V1' } })).toBe(key);
    expect(deliveryKey({ type: 'view_submission', view: { id: 'V2' } })).not.toBe(key);
  });
});
