/**
 * A fake deploy target (records every webhook, answers with scripted statuses) and a fake health endpoint,
 * both real node:http servers on 127.0.0.1, plus a policy that points a service at them.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Harness } from './harness';
import { CHANNELS, U, approveToScheduling, openModal, policyBase, requestRelease, textOf, waitForCard } from './harness';
import type { SubmitValue } from '../../src/fake-slack';

export const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface FakeTarget {
  url: string;
  received: Received[];
  /** Statuses for the next requests, in order; then `status`. */
  script: number[];
  status: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startTarget(): Promise<FakeTarget> {
  const target: FakeTarget = { url: '', received: [], script: [], status: 200, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = target.script.shift() ?? target.status;
      target.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  target.url = await listen(server);
  target.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return target;
}

export function policyWith(svc: { webhook?: string; health?: string }, opts: { monitoring?: string; review?: string; extra?: string } = {}): string {
  const service = `${svc.webhook ? `    deploy_webhook: ${svc.webhook}\n` : ''}${svc.health ? `    health_check: ${svc.health}\n` : ''}`;
  return `${policyBase(service)}windows:
  production: [{ days: [tue], start: "10:00", end: "16:00" }]
  staging: always
reminders: { first_after: 4h, every: 4h, escalate_after: 24h, business_hours: "00:00-24:00", business_days: [mon, tue, wed, thu, fri, sat, sun] }
announcements: [start, done]
monitoring: ${opts.monitoring ?? '{ duration: 6s, check_every: 1s }'}
review: { prompt_after: ${opts.review ?? '2s'} }
rollback: { offer_for: 7d, drill_after: 90d }
${opts.extra ?? ''}`;
}

/** Requests a staging release and approves and schedules it an hour ahead; resolves when its card says Scheduled. */
export async function scheduledRelease(h: Harness, values: Record<string, SubmitValue> = {}): Promise<{ id: number; card: { channel: string; ts: string } }> {
  const { id, card } = await requestRelease(h, U.requester, { Environment: 'staging', ...values });
  await approveToScheduling(h, id, card.ts);
  await h.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: card.ts }, 'Schedule');
  const modal = await openModal(h, U.ops, 'release.schedule');
  const res = await h.driver.submitView(U.ops, modal.id, { 'Deploy date and time': Math.ceil((Date.now() + 3_600_000) / 1_800_000) * 1_800 });
  if (res.outcome.outcome !== 'closed') throw new Error(`schedule refused: ${JSON.stringify(res.body)}`);
  await waitForCard(h, CHANNELS.payments, id, (t) => t.includes('Start deploy'));
  return { id, card: { channel: CHANNELS.payments, ts: card.ts } };
}

/** The card shows the Deploying state (its Mark deployed / Mark failed buttons). */
export const DEPLOYING = ':rocket: *Deploying*';

/** Thread replies under the card, as text (message text plus blocks). */
export function threadTexts(h: Harness, card: { channel: string; ts: string }): string[] {
  return h.fake.thread(card.channel, card.ts).map((m) => textOf(m));
}

export function waitForThread(h: Harness, card: { channel: string; ts: string }, needle: string, timeoutMs = 20_000) {
  return h.fake.waitFor(() => h.fake.thread(card.channel, card.ts).find((m) => textOf(m).includes(needle)), { timeoutMs, description: `a thread reply with "${needle}"` });
}

export async function auditActions(h: Harness, id: number): Promise<{ action: string; actor: string; details: Record<string, unknown> }[]> {
  const res = await h.api('GET', `/api/v1/releases/${id}`);
  return (res.body as { audit: { action: string; actor: string; details: Record<string, unknown> }[] }).audit;
}
