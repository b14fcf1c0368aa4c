/** The key that makes Slack's deliveries exactly-once: the same for a Slack retry or an exact replay, different otherwise. */
import { createHash } from 'node:crypto';

/**
 * An event's own id, else a hash of the delivery: of its raw body as it came over HTTP (the Slack front has it, and
 * a replay is byte for byte the same), or of the parsed body where there is no raw one (Socket Mode).
 */
export function deliveryKey(body: Record<string, unknown>, raw?: string): string {
  if (typeof body.event_id === 'string') return `event:${body.event_id}`;
  return `body:${createHash('sha256').update(raw ?? JSON.stringify(body)).digest('hex')}`;
}

/** The name of the Bolt context property the Slack front's precomputed key arrives under. */
export const DELIVERY_KEY_PROPERTY = 'greenlightDeliveryKey';
