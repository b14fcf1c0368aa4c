/**
 * Plays Slack toward the bot's `/slack/events` endpoint over real HTTP: signed slash commands,
 * block_actions, view_submission / view_closed and Events API callbacks, shaped like Slack's payloads
 * (see shared/slack-fixtures). Works with a FakeSlack for state (messages, views, trigger_ids, response_urls).
 */
import { createHmac, randomInt } from 'node:crypto';
import { z } from 'zod';
import { cloneJson, isObject, type JsonObject, type JsonValue } from './json.js';
import { randomAlnum } from './ids.js';
import type { FakeSlack, SlackView, ViewResponseResult } from './server.js';

export interface SlackDriverOptions {
  /** the bot's base URL, e.g. `http://127.0.0.1:3000` */
  baseUrl: string;
  signingSecret: string;
  fake: FakeSlack;
  /** defaults to the fake's team / app */
  teamId?: string;
  appId?: string;
  /** request path, default `/slack/events` */
  path?: string;
  /** channel used by `command` when none is given */
  defaultChannel?: string;
  /** legacy verification token sent in payloads */
  verificationToken?: string;
}

export interface SendOptions {
  /** `X-Slack-Retry-Num` */
  retryNum?: number;
  /** `X-Slack-Retry-Reason`, e.g. `http_timeout` */
  retryReason?: string;
  /** unix seconds for `X-Slack-Request-Timestamp` (and the signature); default now */
  timestamp?: number;
  /** forge `X-Slack-Signature` */
  signature?: string;
  /** extra headers */
  headers?: Record<string, string>;
}

export interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface DriverResponse<P = JsonObject> {
  status: number;
  /** parsed JSON, text, or null for an empty body */
  body: unknown;
  headers: Record<string, string>;
  /** the exact request, for `replay` */
  request: SentRequest;
  /** the payload sent (decoded) */
  payload: P;
}

export type Where = { channel: string; ts: string } | { viewId: string } | { homeOf: string };

export type ButtonSelector = string | { label?: string; actionId?: string; value?: string; blockId?: string };

export interface InteractionOptions extends SendOptions {
  /** `state.values` to send along (e.g. inputs in a message or view) */
  state?: Record<string, Record<string, JsonObject>>;
}

export interface SelectOptions extends InteractionOptions {
  /** which select/overflow, when several contain the option */
  actionId?: string;
}

export type SubmitValue =
  | string
  | number
  | string[]
  | { date: string; time: string }
  | { text: string; value: string }
  | null;

export interface SubmitOptions extends SendOptions {
  /** skip the checks Slack's client does before submitting (required inputs, lengths, formats) */
  skipClientValidation?: boolean;
}

export interface SubmitResponse extends DriverResponse {
  /** what the fake did with the bot's answer (closed, updated, pushed, cleared, errors, invalid) */
  outcome: ViewResponseResult;
}

interface FoundElement {
  block: JsonObject;
  blockId: string;
  element: JsonObject;
}

const sendOptionsSchema = z.object({
  retryNum: z.number().int().min(0).optional(),
  retryReason: z.string().optional(),
  timestamp: z.number().int().optional(),
  signature: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

function textOf(value: unknown): string | undefined {
  return isObject(value) && typeof value['text'] === 'string' ? value['text'] : undefined;
}

function actionTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + randomInt(1000)).padStart(6, '0')}`;
}

/** Every element (with its block) in a list of blocks: section accessories, actions elements, input elements. */
function elementsOf(blocks: readonly JsonValue[]): FoundElement[] {
  const out: FoundElement[] = [];
  for (const b of blocks) {
    if (!isObject(b)) continue;
    const block = b as JsonObject;
    const blockId = typeof block['block_id'] === 'string' ? block['block_id'] : '';
    const push = (el: JsonValue | undefined): void => {
      if (isObject(el)) out.push({ block, blockId, element: el as JsonObject });
    };
    push(block['accessory']);
    push(block['element']);
    if (block['type'] === 'actions' && Array.isArray(block['elements'])) block['elements'].forEach(push);
  }
  return out;
}

function optionsOf(element: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const add = (list: JsonValue | undefined): void => {
    if (Array.isArray(list)) for (const o of list) if (isObject(o)) out.push(o as JsonObject);
  };
  add(element['options']);
  if (Array.isArray(element['option_groups'])) {
    for (const g of element['option_groups']) if (isObject(g)) add(g['options']);
  }
  return out;
}

function optionPayload(o: JsonObject): JsonObject {
  const out: JsonObject = { text: cloneJson(o['text'] ?? null), value: o['value'] ?? '' };
  if (o['description'] !== undefined) out['description'] = cloneJson(o['description']);
  return out;
}

function matchOption(element: JsonObject, wanted: string): JsonObject | undefined {
  const options = optionsOf(element);
  return options.find((o) => textOf(o['text']) === wanted) ?? options.find((o) => o['value'] === wanted);
}

export class SlackDriver {
  readonly fake: FakeSlack;
  readonly teamId: string;
  readonly appId: string;
  lastRequest: SentRequest | undefined;
  private readonly url: string;
  private readonly signingSecret: string;
  private readonly defaultChannel: string;
  private readonly verificationToken: string;

  constructor(opts: SlackDriverOptions) {
    this.fake = opts.fake;
    this.teamId = opts.teamId ?? opts.fake.identity.teamId;
    this.appId = opts.appId ?? opts.fake.identity.appId;
    this.url = `${opts.baseUrl.replace(/\/$/, '')}${opts.path ?? '/slack/events'}`;
    this.signingSecret = opts.signingSecret;
    this.defaultChannel = opts.defaultChannel ?? 'C0GENERAL01';
    this.verificationToken = opts.verificationToken ?? 'fake-verification-token';
  }

  /** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret. */
  sign(body: string, timestamp: number = Math.floor(Date.now() / 1000)): string {
    return `v0=${createHmac('sha256', this.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  }

  /** Sends a raw body, signed (unless forged via `opts.signature`). */
  async send(body: string, contentType: string, opts: SendOptions = {}): Promise<Omit<DriverResponse, 'payload'>> {
    const o = sendOptionsSchema.parse(opts);
    const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': o.signature ?? this.sign(body, timestamp),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...(o.retryNum !== undefined ? { 'x-slack-retry-num': String(o.retryNum) } : {}),
      ...(o.retryReason !== undefined ? { 'x-slack-retry-reason': o.retryReason } : {}),
      ...o.headers,
    };
    return this.replay({ url: this.url, headers, body });
  }

  /** Re-sends an earlier request byte for byte with the same headers (e.g. a replay attack or a duplicate). */
  async replay(request: SentRequest): Promise<Omit<DriverResponse, 'payload'>> {
    this.lastRequest = request;
    const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    return { status: res.status, body, headers, request };
  }

  private userPayload(userId: string): JsonObject {
    const name = this.fake.user(userId)?.name ?? userId.toLowerCase();
    return { id: userId, username: name, name, team_id: this.teamId };
  }

  private team(): JsonObject {
    return { id: this.teamId, domain: this.fake.identity.teamDomain };
  }

  private channelName(channelId: string): string {
    const ch = this.fake.channel(channelId);
    if (!ch) return channelId.toLowerCase();
    if (ch.is_im) return 'directmessage';
    return ch.name;
  }

  private async sendInteraction(payload: JsonObject, opts: SendOptions): Promise<DriverResponse> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await this.send(body, 'application/x-www-form-urlencoded', opts);
    return { ...res, payload };
  }

  /** A slash command as Slack sends it (form-encoded), with a fresh trigger_id and a response_url on the fake. */
  async command(
    userId: string,
    text: string,
    opts: SendOptions & { channelId?: string; command?: string } = {},
  ): Promise<DriverResponse<Record<string, string>>> {
    const channelId = opts.channelId ?? this.defaultChannel;
    const resolved = this.fake.channel(channelId)?.id ?? channelId;
    const fields: Record<string, string> = {
      token: this.verificationToken,
      team_id: this.teamId,
      team_domain: this.fake.identity.teamDomain,
      channel_id: resolved,
      channel_name: this.channelName(resolved),
      user_id: userId,
      user_name: this.fake.user(userId)?.name ?? userId.toLowerCase(),
      command: opts.command ?? '/release',
      text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: this.fake.issueResponseUrl({ kind: 'commands', user: userId, channel: resolved }),
      trigger_id: this.fake.issueTriggerId(userId),
    };
    const body = new URLSearchParams(fields).toString();
    const res = await this.send(body, 'application/x-www-form-urlencoded', opts);
    return { ...res, payload: fields };
  }

  /** Resolves a surface to its blocks plus the payload parts that describe where the click happened. */
  private surface(userId: string, where: Where): { blocks: JsonValue[]; parts: JsonObject; describe: string; view?: SlackView } {
    if ('viewId' in where || 'homeOf' in where) {
      const view = 'viewId' in where ? this.fake.view(where.viewId) : this.fake.homeView(where.homeOf);
      const describe = 'viewId' in where ? `view ${where.viewId}` : `home tab of ${where.homeOf}`;
      if (!view) throw new Error(`SlackDriver: no ${describe}`);
      if (view.type === 'modal' && !this.fake.openViews(userId).some((v) => v.id === view.id)) {
        throw new Error(`SlackDriver: ${describe} is not open for ${userId}`);
      }
      return {
        blocks: view.blocks,
        describe,
        view,
        parts: { container: { type: 'view', view_id: view.id }, view: cloneJson(view) as unknown as JsonObject },
      };
    }
    const msg = this.fake.message(where.channel, where.ts);
    if (msg) {
      const container: JsonObject = { type: 'message', message_ts: msg.ts, channel_id: msg.channel, is_ephemeral: false };
      if (msg.thread_ts && msg.thread_ts !== msg.ts) container['thread_ts'] = msg.thread_ts;
      const message = cloneJson(msg) as unknown as JsonObject;
      delete message['channel'];
      return {
        blocks: msg.blocks ?? [],
        describe: `message ${msg.channel}/${msg.ts}`,
        parts: {
          container,
          channel: { id: msg.channel, name: this.channelName(msg.channel) },
          message,
          response_url: this.fake.issueResponseUrl({ kind: 'actions', user: userId, channel: msg.channel, messageTs: msg.ts, isEphemeral: false }),
        },
      };
    }
    const channelId = this.fake.channel(where.channel)?.id ?? where.channel;
    const eph = this.fake.ephemerals(userId).find((e) => e.ts === where.ts && e.channel === channelId);
    if (eph) {
      const container: JsonObject = { type: 'message', message_ts: eph.ts, channel_id: eph.channel, is_ephemeral: true };
      if (eph.thread_ts) container['thread_ts'] = eph.thread_ts;
      return {
        blocks: eph.blocks ?? [],
        describe: `ephemeral message ${eph.channel}/${eph.ts} for ${userId}`,
        parts: {
          container,
          channel: { id: eph.channel, name: this.channelName(eph.channel) },
          response_url: this.fake.issueResponseUrl({ kind: 'actions', user: userId, channel: eph.channel, messageTs: eph.ts, isEphemeral: true }),
        },
      };
    }
    throw new Error(`SlackDriver: no message ${where.channel}/${where.ts} (nor an ephemeral one for ${userId})`);
  }

  private basePayload(userId: string, parts: JsonObject, state: InteractionOptions['state']): JsonObject {
    return {
      type: 'block_actions',
      user: this.userPayload(userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      container: parts['container'] ?? null,
      trigger_id: this.fake.issueTriggerId(userId),
      team: this.team(),
      enterprise: null,
      is_enterprise_install: false,
      ...(parts['channel'] ? { channel: parts['channel'] } : {}),
      ...(parts['message'] ? { message: parts['message'] } : {}),
      ...(parts['view'] ? { view: parts['view'] } : {}),
      state: { values: cloneJson(state ?? (isObject(parts['view']) ? (parts['view']['state'] as JsonObject)['values'] ?? {} : {})) } as JsonObject,
      ...(parts['response_url'] ? { response_url: parts['response_url'] } : {}),
    };
  }

  /** Clicks a button found by its visible label (or `{actionId}`, `{value}`, `{blockId}`) in a message, modal or home tab. */
  async clickButton(userId: string, where: Where, selector: ButtonSelector, opts: InteractionOptions = {}): Promise<DriverResponse> {
    const surface = this.surface(userId, where);
    const sel = typeof selector === 'string' ? { label: selector } : selector;
    const buttons = elementsOf(surface.blocks).filter((f) => f.element['type'] === 'button');
    const matches = buttons.filter(
      (b) =>
        (sel.label === undefined || textOf(b.element['text'])?.trim() === sel.label.trim()) &&
        (sel.actionId === undefined || b.element['action_id'] === sel.actionId) &&
        (sel.value === undefined || b.element['value'] === sel.value) &&
        (sel.blockId === undefined || b.blockId === sel.blockId),
    );
    const listing = buttons
      .map((b) => `"${textOf(b.element['text']) ?? '?'}" (action_id ${String(b.element['action_id'])}, block_id ${b.blockId})`)
      .join(', ');
    if (matches.length === 0) {
      throw new Error(`SlackDriver: no button ${JSON.stringify(selector)} in ${surface.describe}; buttons: ${listing || '(none)'}`);
    }
    if (matches.length > 1) {
      throw new Error(`SlackDriver: ${matches.length} buttons match ${JSON.stringify(selector)} in ${surface.describe}; narrow with {actionId, value, blockId}: ${listing}`);
    }
    const found = matches[0] as FoundElement;
    const el = found.element;
    const action: JsonObject = {
      action_id: el['action_id'] ?? '',
      block_id: found.blockId,
      text: cloneJson(el['text'] ?? null),
      ...(el['value'] !== undefined ? { value: el['value'] } : {}),
      ...(el['url'] !== undefined ? { url: el['url'] } : {}),
      ...(el['style'] !== undefined ? { style: el['style'] } : {}),
      ...(el['confirm'] !== undefined ? { confirm: cloneJson(el['confirm']) } : {}),
      type: 'button',
      action_ts: actionTs(),
    };
    const payload = { ...this.basePayload(userId, surface.parts, opts.state), actions: [action] };
    return this.sendInteraction(payload, opts);
  }

  /** Picks an option (by its text or value) in a static_select, overflow, radio_buttons or external_select in a message, modal or home tab. */
  async selectOption(userId: string, where: Where, option: string, opts: SelectOptions = {}): Promise<DriverResponse> {
    const surface = this.surface(userId, where);
    const selectable = ['static_select', 'overflow', 'radio_buttons', 'external_select'];
    const candidates = elementsOf(surface.blocks).filter(
      (f) =>
        typeof f.element['type'] === 'string' &&
        selectable.includes(f.element['type']) &&
        (opts.actionId === undefined || f.element['action_id'] === opts.actionId),
    );
    const matches = candidates
      .map((f) => ({ f, o: f.element['type'] === 'external_select' ? { text: { type: 'plain_text', text: option }, value: option } : matchOption(f.element, option) }))
      .filter((m): m is { f: FoundElement; o: JsonObject } => m.o !== undefined);
    const listing = candidates
      .map((c) => `${String(c.element['type'])} ${String(c.element['action_id'])}: [${optionsOf(c.element).map((o) => textOf(o['text'])).join(', ')}]`)
      .join('; ');
    if (matches.length === 0) {
      throw new Error(`SlackDriver: no option "${option}" in ${surface.describe}; menus: ${listing || '(none)'}`);
    }
    if (matches.length > 1) throw new Error(`SlackDriver: option "${option}" is in several menus of ${surface.describe}; pass actionId. ${listing}`);
    const { f, o } = matches[0] as { f: FoundElement; o: JsonObject };
    const action: JsonObject = {
      type: String(f.element['type']),
      action_id: f.element['action_id'] ?? '',
      block_id: f.blockId,
      selected_option: optionPayload(o),
      ...(f.element['placeholder'] !== undefined ? { placeholder: cloneJson(f.element['placeholder']) } : {}),
      action_ts: actionTs(),
    };
    const payload = { ...this.basePayload(userId, surface.parts, opts.state), actions: [action] };
    return this.sendInteraction(payload, opts);
  }

  /** Builds `state.values` for a view, filling input blocks by their label text (or block_id). */
  buildViewState(userId: string, view: SlackView, values: Record<string, SubmitValue>, opts: { skipClientValidation?: boolean } = {}): Record<string, Record<string, JsonObject>> {
    const inputs = view.blocks.filter((b): b is JsonObject => isObject(b) && b['type'] === 'input' && isObject(b['element'])) as JsonObject[];
    const labelOf = (b: JsonObject): string => textOf(b['label']) ?? '';
    const byKey = new Map<JsonObject, SubmitValue>();
    for (const [key, value] of Object.entries(values)) {
      const block = inputs.find((b) => labelOf(b) === key) ?? inputs.find((b) => b['block_id'] === key);
      if (!block) {
        throw new Error(`SlackDriver: no input labelled "${key}" in view ${view.id}; labels: ${inputs.map((b) => `"${labelOf(b)}"`).join(', ') || '(none)'}`);
      }
      byKey.set(block, value);
    }
    const tzOffset = this.fake.user(userId)?.tz_offset ?? 0;
    const state: Record<string, Record<string, JsonObject>> = {};
    for (const block of inputs) {
      const el = block['element'] as JsonObject;
      const label = labelOf(block);
      const given = byKey.has(block) ? byKey.get(block) : undefined;
      const entry = elementState(el, given, label, tzOffset);
      if (!opts.skipClientValidation) clientValidate(block, el, entry, label);
      const blockId = String(block['block_id'] ?? '');
      state[blockId] = { [String(el['action_id'] ?? '')]: entry };
    }
    return state;
  }

  /** Submits a modal, filling inputs by label. Applies the bot's answer to the fake (close, update, push, errors, clear). */
  async submitView(userId: string, viewId: string, values: Record<string, SubmitValue>, opts: SubmitOptions = {}): Promise<SubmitResponse> {
    const view = this.fake.view(viewId);
    if (!view) throw new Error(`SlackDriver: no view ${viewId}`);
    if (this.fake.viewUser(viewId) !== userId) throw new Error(`SlackDriver: view ${viewId} belongs to ${String(this.fake.viewUser(viewId))}, not ${userId}`);
    if (!this.fake.openViews(userId).some((v) => v.id === viewId)) throw new Error(`SlackDriver: view ${viewId} is not open`);
    const state = this.buildViewState(userId, view, values, opts);
    this.fake.setViewState(viewId, state);
    const payload: JsonObject = {
      type: 'view_submission',
      team: this.team(),
      user: this.userPayload(userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: this.fake.issueTriggerId(userId),
      view: { ...(cloneJson(view) as unknown as JsonObject), state: { values: state } as unknown as JsonObject },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const res = await this.sendInteraction(payload, opts);
    const outcome: ViewResponseResult =
      res.status === 200
        ? this.fake.applyViewSubmissionResponse(userId, viewId, res.body)
        : { outcome: 'invalid', errors: [`bot answered HTTP ${res.status}`] };
    return { ...res, outcome };
  }

  /** The user closes a modal. Slack sends `view_closed` only when the view has `notify_on_close`; otherwise returns null. */
  async closeView(userId: string, viewId: string, opts: SendOptions = {}): Promise<DriverResponse | null> {
    const view = this.fake.view(viewId);
    if (!view) throw new Error(`SlackDriver: no view ${viewId}`);
    this.fake.closeView(userId, viewId);
    if (!view.notify_on_close) return null;
    const payload: JsonObject = {
      type: 'view_closed',
      team: this.team(),
      user: this.userPayload(userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      view: cloneJson(view) as unknown as JsonObject,
      is_cleared: view.clear_on_close,
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.sendInteraction(payload, opts);
  }

  /** An Events API `event_callback` envelope (JSON) around `event`. */
  async event(event: JsonObject, opts: SendOptions & { eventId?: string; eventTime?: number } = {}): Promise<DriverResponse> {
    const eventTime = opts.eventTime ?? Math.floor(Date.now() / 1000);
    const inner: JsonObject = { ...event };
    if (inner['event_ts'] === undefined) inner['event_ts'] = actionTs();
    const payload: JsonObject = {
      token: this.verificationToken,
      team_id: this.teamId,
      api_app_id: this.appId,
      event: inner,
      type: 'event_callback',
      event_id: opts.eventId ?? `Ev${randomAlnum(10)}`,
      event_time: eventTime,
      authorizations: [
        { enterprise_id: null, team_id: this.teamId, user_id: this.fake.identity.botUserId, is_bot: true, is_enterprise_install: false },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomAlnum(24).toLowerCase()}`,
    };
    const res = await this.send(JSON.stringify(payload), 'application/json', opts);
    return { ...res, payload };
  }

  /** The user opens the app's Home tab. */
  async appHomeOpened(userId: string, opts: SendOptions & { eventId?: string } = {}): Promise<DriverResponse> {
    const home = this.fake.homeView(userId);
    const event: JsonObject = {
      type: 'app_home_opened',
      user: userId,
      channel: this.fake.dmChannel(userId),
      tab: 'home',
      event_ts: actionTs(),
      ...(home ? { view: cloneJson(home) as unknown as JsonObject } : {}),
    };
    return this.event(event, opts);
  }

  /** Slack's `url_verification` handshake. */
  async urlVerification(challenge: string, opts: SendOptions = {}): Promise<DriverResponse> {
    const payload: JsonObject = { token: this.verificationToken, challenge, type: 'url_verification' };
    const res = await this.send(JSON.stringify(payload), 'application/json', opts);
    return { ...res, payload };
  }
}

// ---- view state helpers ------------------------------------------------------------------------

function asString(v: SubmitValue | undefined, label: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`SlackDriver: "${label}" expects a string, got ${JSON.stringify(v)}`);
}

function asList(v: SubmitValue | undefined, label: string): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  throw new Error(`SlackDriver: "${label}" expects a list of strings, got ${JSON.stringify(v)}`);
}

function pickOption(el: JsonObject, wanted: string, label: string): JsonObject {
  if (el['type'] === 'external_select' || el['type'] === 'multi_external_select') {
    return { text: { type: 'plain_text', text: wanted, emoji: true }, value: wanted };
  }
  const o = matchOption(el, wanted);
  if (!o) {
    const names = optionsOf(el).map((x) => `"${textOf(x['text']) ?? ''}" (${String(x['value'])})`);
    throw new Error(`SlackDriver: "${label}" has no option "${wanted}"; options: ${names.join(', ')}`);
  }
  return optionPayload(o);
}

function initialOptions(el: JsonObject, key: string): JsonObject[] {
  const v = el[key];
  return Array.isArray(v) ? v.filter(isObject).map((o) => optionPayload(o as JsonObject)) : [];
}

/** unix seconds for a local date+time at a fixed UTC offset (seconds). */
function toUnix(date: string, time: string, tzOffset: number): number {
  const ms = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}Z`);
  if (Number.isNaN(ms)) throw new Error(`SlackDriver: bad date/time ${date} ${time}`);
  return Math.floor(ms / 1000) - tzOffset;
}

function elementState(el: JsonObject, given: SubmitValue | undefined, label: string, tzOffset: number): JsonObject {
  const type = String(el['type']);
  const has = given !== undefined;
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      const initial = typeof el['initial_value'] === 'string' ? el['initial_value'] : null;
      return { type, value: has ? asString(given, label) : initial };
    }
    case 'rich_text_input': {
      const text = has ? asString(given, label) : null;
      return {
        type,
        rich_text_value:
          text === null
            ? null
            : { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] },
      };
    }
    case 'static_select':
    case 'external_select':
    case 'radio_buttons': {
      if (!has) return { type, selected_option: isObject(el['initial_option']) ? optionPayload(el['initial_option'] as JsonObject) : null };
      if (given === null) return { type, selected_option: null };
      if (isObject(given) && 'value' in given) return { type, selected_option: { text: { type: 'plain_text', text: given.text, emoji: true }, value: given.value } };
      return { type, selected_option: pickOption(el, asString(given, label) ?? '', label) };
    }
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return {
        type,
        selected_options: has ? asList(given, label).map((w) => pickOption(el, w, label)) : initialOptions(el, 'initial_options'),
      };
    case 'users_select':
      return { type, selected_user: has ? asString(given, label) : (el['initial_user'] ?? null) };
    case 'multi_users_select':
      return { type, selected_users: has ? asList(given, label) : (el['initial_users'] ?? []) };
    case 'conversations_select':
      return { type, selected_conversation: has ? asString(given, label) : (el['initial_conversation'] ?? null) };
    case 'multi_conversations_select':
      return { type, selected_conversations: has ? asList(given, label) : (el['initial_conversations'] ?? []) };
    case 'channels_select':
      return { type, selected_channel: has ? asString(given, label) : (el['initial_channel'] ?? null) };
    case 'multi_channels_select':
      return { type, selected_channels: has ? asList(given, label) : (el['initial_channels'] ?? []) };
    case 'datepicker':
      return { type, selected_date: has ? asString(given, label) : (el['initial_date'] ?? null) };
    case 'timepicker':
      return {
        type,
        selected_time: has ? asString(given, label) : (el['initial_time'] ?? null),
        ...(typeof el['timezone'] === 'string' ? { timezone: el['timezone'] } : {}),
      };
    case 'datetimepicker': {
      if (!has) return { type, selected_date_time: typeof el['initial_date_time'] === 'number' ? el['initial_date_time'] : null };
      if (given === null) return { type, selected_date_time: null };
      if (typeof given === 'number') return { type, selected_date_time: given };
      if (isObject(given) && 'date' in given) return { type, selected_date_time: toUnix(given.date, given.time, tzOffset) };
      if (typeof given === 'string') {
        const ms = Date.parse(given);
        if (Number.isNaN(ms)) throw new Error(`SlackDriver: "${label}" expects unix seconds, {date, time} or an ISO date-time`);
        return { type, selected_date_time: Math.floor(ms / 1000) };
      }
      throw new Error(`SlackDriver: "${label}" expects unix seconds, {date, time} or an ISO date-time`);
    }
    default:
      return { type, value: has ? asString(given, label) : null };
  }
}

function isEmpty(entry: JsonObject): boolean {
  for (const [k, v] of Object.entries(entry)) {
    if (k === 'type' || k === 'timezone') continue;
    if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    return false;
  }
  return true;
}

/** The checks Slack's client makes before it lets a user submit. */
function clientValidate(block: JsonObject, el: JsonObject, entry: JsonObject, label: string): void {
  if (block['optional'] !== true && isEmpty(entry)) {
    throw new Error(`SlackDriver: "${label}" is required (Slack would not let the user submit)`);
  }
  const value = entry['value'];
  if (typeof value !== 'string' || value === '') return;
  const maxLength = typeof el['max_length'] === 'number' ? el['max_length'] : undefined;
  const minLength = typeof el['min_length'] === 'number' ? el['min_length'] : undefined;
  if (maxLength !== undefined && value.length > maxLength) throw new Error(`SlackDriver: "${label}" is longer than max_length ${maxLength}`);
  if (minLength !== undefined && value.length < minLength) throw new Error(`SlackDriver: "${label}" is shorter than min_length ${minLength}`);
  if (el['type'] === 'email_text_input' && !/^[^\s@]+@[^\s@]+$/.test(value)) throw new Error(`SlackDriver: "${label}" is not an email address`);
  if (el['type'] === 'url_text_input' && !/^https?:\/\/\S+$/.test(value)) throw new Error(`SlackDriver: "${label}" is not a URL`);
  if (el['type'] === 'number_input') {
    const n = Number(value);
    if (Number.isNaN(n) || (el['is_decimal_allowed'] !== true && !Number.isInteger(n))) throw new Error(`SlackDriver: "${label}" is not a valid number`);
    if (typeof el['min_value'] === 'string' && n < Number(el['min_value'])) throw new Error(`SlackDriver: "${label}" is below min_value`);
    if (typeof el['max_value'] === 'string' && n > Number(el['max_value'])) throw new Error(`SlackDriver: "${label}" is above max_value`);
  }
}
