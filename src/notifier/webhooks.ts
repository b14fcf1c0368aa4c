/**
 * Outgoing deploy/rollback webhooks, signed per Standard Webhooks (https://www.standardwebhooks.com):
 * `webhook-id` (the same for every retry of one delivery), `webhook-timestamp` (unix seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the `whsec_` secret).
 */
import { Webhook } from 'standardwebhooks';

export interface WebhookPayload {
  type: 'deploy' | 'rollback';
  release: {
    id: string;
    service: string;
    version: string;
    environment: string;
    title: string;
    changelog: string;
    rollback_plan: string;
    risk: string;
    requested_by: string;
    links: string[];
  };
}

export interface WebhookResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** Headers for one signed delivery. Without a secret the delivery goes unsigned (and the caller logs it). */
export function signedHeaders(secret: string | null, msgId: string, at: Date, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Greenlight',
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  };
  if (secret) headers['webhook-signature'] = new Webhook(secret).sign(msgId, at, body);
  return headers;
}

/** POSTs one attempt; any 2xx is success. Never throws: network errors and timeouts come back as results. */
export async function postWebhook(url: string, secret: string | null, msgId: string, payload: WebhookPayload, at: Date, timeoutMs = 10_000): Promise<WebhookResult> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(url, { method: 'POST', headers: signedHeaders(secret, msgId, at, body), body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, status: null, error: (e.cause?.code ?? e.name ?? 'error') + ': ' + e.message.slice(0, 200) };
  }
}

/** One health probe: healthy on any 2xx within the timeout. */
export async function probeHealth(url: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: { 'user-agent': 'Greenlight' } });
    await res.arrayBuffer().catch(() => undefined);
    return { ok: res.status >= 200 && res.status < 300, detail: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message.slice(0, 200) };
  }
}
