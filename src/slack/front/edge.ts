/**
 * What the Slack front (src/slack/front/thread.ts) decides about one request to `/slack/events`. Pure: the raw body
 * and headers in, a decision out. It checks what Bolt's receiver checks (the signature and a timestamp within five
 * minutes, with Bolt's own `verifySlackRequest`; `ssl_check`; `url_verification`), parses the body as Bolt does
 * (form fields, a form `payload` holding JSON, or JSON), and sorts the delivery into one of three:
 * - `answer`: the front answers alone, nothing reaches the engine: refusals, Slack's handshakes, and the `/release`
 *   answers that depend on nothing stored (`help`, the usage line for unknown text).
 * - `ack`: acknowledged at once with an empty 200, then handed to the engine, whose listener does the work: button
 *   clicks, Events API events, a closed modal, and `/release` with no text (its modal opens after the ack).
 * - `ask`: handed to the engine, whose listener's `ack(...)` becomes the response: every other command (its answer
 *   reads the database), modal submissions (inline errors), and anything else.
 */
import { parse as parseForm } from 'node:querystring';
import { verifySlackRequest } from '@slack/bolt/dist/receivers/verify-request.js';
import { parseCommandText } from '../listeners/commands/command-text';
import { commandReply, helpMessage, usageMessage } from '../views/help.view';

export type SlackBody = Record<string, unknown>;

export interface Answer {
  status: number;
  /** Sent as JSON when an object, as text otherwise. */
  body: string | Record<string, unknown>;
  headers?: Record<string, string>;
}

export type Decision =
  | { kind: 'answer'; answer: Answer; body?: SlackBody }
  | { kind: 'ack'; body: SlackBody }
  | { kind: 'ask'; body: SlackBody };

export interface EdgeRequest {
  raw: string;
  contentType: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
}

/** The command Greenlight answers (src/slack/listeners/commands/release.command.ts). */
const RELEASE = '/release';
/** Deliveries whose ack carries nothing: acknowledged here, worked on by the engine. */
const ACK_AT_ONCE = new Set(['block_actions', 'event_callback', 'view_closed']);

/** Parses a body the way Bolt's receiver does; undefined when it is not a form or JSON object. */
export function parseSlackBody(raw: string, contentType: string | undefined): SlackBody | undefined {
  try {
    if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      const form = parseForm(raw);
      if (typeof form.payload === 'string') return asObject(JSON.parse(form.payload));
      const fields: SlackBody = {};
      for (const [k, v] of Object.entries(form)) fields[k] = v;
      return fields;
    }
    return asObject(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

function asObject(v: unknown): SlackBody | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as SlackBody) : undefined;
}

export function decide(req: EdgeRequest, signingSecret: string, nowMs: number): Decision {
  try {
    verifySlackRequest({
      signingSecret,
      body: req.raw,
      headers: { 'x-slack-signature': req.signature ?? '', 'x-slack-request-timestamp': Number(req.timestamp) },
      nowMilliseconds: nowMs,
    });
  } catch {
    // as Bolt's receiver: a missing or wrong signature, or a timestamp more than five minutes off
    return { kind: 'answer', answer: { status: 401, body: '' } };
  }
  const body = parseSlackBody(req.raw, req.contentType);
  if (!body) return { kind: 'answer', answer: { status: 400, body: 'The request body is neither a Slack form nor JSON.' } };
  if (body.ssl_check !== undefined) return { kind: 'answer', answer: { status: 200, body: '' }, body };
  if (body.type === 'url_verification') return { kind: 'answer', answer: { status: 200, body: { challenge: body.challenge } }, body };
  if (typeof body.command === 'string') {
    if (body.command !== RELEASE) return { kind: 'ask', body };
    const cmd = parseCommandText(typeof body.text === 'string' ? body.text : '');
    if (cmd.kind === 'help') return { kind: 'answer', answer: { status: 200, body: commandReply(helpMessage()) }, body };
    if (cmd.kind === 'unknown') return { kind: 'answer', answer: { status: 200, body: commandReply(usageMessage(cmd.text)) }, body };
    if (cmd.kind === 'request') return { kind: 'ack', body };
    return { kind: 'ask', body };
  }
  if (typeof body.type === 'string' && ACK_AT_ONCE.has(body.type)) return { kind: 'ack', body };
  return { kind: 'ask', body };
}
