/** Web API method handlers of the fake Slack, answering with Slack's response shapes and error codes. */
import { z } from 'zod';
import { validateBlocks, validateView, LIMITS } from './blockkit.js';
import { cloneJson, isObject, type JsonObject, type JsonValue } from './json.js';
import { slackId, TRIGGER_ID_RE } from './ids.js';
import type { FakeSlackStore, ResponseUrlRecord, SlackMessage, SlackView, ViewRecord } from './store.js';
import { withGeneratedIds } from './store.js';

export const MAX_TEXT_LENGTH = 40_000;
/** A message ts: seconds, a dot, digits (`1700000000.000100`). */
const TS_RE = /^\d+\.\d+$/;
/** Slack: a trigger_id expires 3 seconds after it was issued. */
export const DEFAULT_TRIGGER_TTL_MS = 3_000;
/** Slack: a response_url may be used up to 5 times within 30 minutes. */
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface MethodContext {
  store: FakeSlackStore;
  triggerTtlMs: number;
  permalinkBase: string;
  /** epoch ms: when the request arrived (a trigger_id's age is judged then, not after a `delayNext`) */
  receivedAt: number;
}

export type Handler = (args: Record<string, unknown>, ctx: MethodContext) => JsonObject;

// ---- argument helpers ------------------------------------------------------------------------

function fail(error: string, extra: JsonObject = {}): JsonObject {
  return { ok: false, error, ...extra };
}

function invalidArguments(messages: string[]): JsonObject {
  return fail('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

const boolish = z
  .preprocess((v) => {
    if (v === 'true' || v === '1' || v === 1) return true;
    if (v === 'false' || v === '0' || v === 0 || v === '') return false;
    return v;
  }, z.boolean())
  .optional();
const optStr = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()).optional();
const intish = z
  .preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Math.floor(Number(v)) : v), z.number().int())
  .optional();

function parseArgs<S extends z.ZodType>(schema: S, args: Record<string, unknown>): { ok: true; value: z.infer<S> } | { ok: false; reply: JsonObject } {
  const r = schema.safeParse(args);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    reply: invalidArguments(r.error.issues.map((i) => `${i.message} [json-pointer:/${i.path.join('/')}]`)),
  };
}

type JsonArg = { kind: 'absent' } | { kind: 'bad' } | { kind: 'ok'; value: unknown };

/** Form-encoded requests carry JSON fields as strings; JSON requests as values. */
export function jsonArg(value: unknown): JsonArg {
  if (value === undefined || value === null || value === '') return { kind: 'absent' };
  if (typeof value !== 'string') return { kind: 'ok', value };
  try {
    return { kind: 'ok', value: JSON.parse(value) as unknown };
  } catch {
    return { kind: 'bad' };
  }
}

interface Content {
  text: string;
  blocks?: JsonValue[];
  attachments?: JsonValue[];
  metadata?: JsonValue;
}

/** Shared text/blocks/attachments rules of chat.postMessage, postEphemeral, scheduleMessage, update. */
function parseContent(args: Record<string, unknown>, text: string | undefined, requireSomething: boolean): { ok: true; content: Content; hasBlocks: boolean } | { ok: false; reply: JsonObject } {
  const blocksArg = jsonArg(args['blocks']);
  if (blocksArg.kind === 'bad' || (blocksArg.kind === 'ok' && !Array.isArray(blocksArg.value))) {
    return { ok: false, reply: fail('invalid_blocks_format') };
  }
  const attArg = jsonArg(args['attachments']);
  if (attArg.kind === 'bad' || (attArg.kind === 'ok' && !Array.isArray(attArg.value))) {
    return { ok: false, reply: fail('invalid_attachments') };
  }
  const blocks = blocksArg.kind === 'ok' ? (blocksArg.value as JsonValue[]) : undefined;
  const attachments = attArg.kind === 'ok' ? (attArg.value as JsonValue[]) : undefined;
  if (attachments && attachments.length > 100) return { ok: false, reply: fail('too_many_attachments') };
  const hasText = text !== undefined && text.trim().length > 0;
  const hasBlocks = blocks !== undefined && blocks.length > 0;
  const hasAttachments = attachments !== undefined && attachments.length > 0;
  if (requireSomething && !hasText && !hasBlocks && !hasAttachments) return { ok: false, reply: fail('no_text') };
  if (text !== undefined && text.length > MAX_TEXT_LENGTH) return { ok: false, reply: fail('msg_too_long') };
  if (blocks !== undefined) {
    const errors = validateBlocks(blocks, 'message');
    if (errors.length > 0) {
      return {
        ok: false,
        reply: fail('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } }),
      };
    }
  }
  const metaArg = jsonArg(args['metadata']);
  const content: Content = { text: text ?? '' };
  if (blocks !== undefined) content.blocks = blocks;
  if (attachments !== undefined) content.attachments = attachments;
  if (metaArg.kind === 'ok') content.metadata = metaArg.value as JsonValue;
  return { ok: true, content, hasBlocks: blocks !== undefined };
}

export function messageJson(msg: SlackMessage): JsonObject {
  const out = cloneJson(msg) as unknown as JsonObject;
  delete out['channel'];
  return out;
}

export function viewJson(view: SlackView): JsonObject {
  return cloneJson(view) as unknown as JsonObject;
}

// ---- chat.* -------------------------------------------------------------------------------------

const postMessageSchema = z.looseObject({
  channel: optStr,
  text: optStr,
  thread_ts: optStr,
  reply_broadcast: boolish,
  mrkdwn: boolish,
  unfurl_links: boolish,
  unfurl_media: boolish,
  username: optStr,
  icon_emoji: optStr,
  icon_url: optStr,
});

function resolveThread(threadTs: string | undefined): { ok: true; ts?: string } | { ok: false } {
  if (threadTs === undefined || threadTs === '') return { ok: true };
  if (!TS_RE.test(threadTs)) return { ok: false };
  // Like Slack: a well-formed thread_ts is taken as given. A reply to a deleted or unknown message, or to a reply
  // (Slack does not move it under the top message), is answered ok:true and shows in no channel: it is lost.
  return { ok: true, ts: threadTs };
}

const postMessage: Handler = (raw, { store }) => {
  const parsed = parseArgs(postMessageSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const args = parsed.value;
  if (!args.channel) return fail('channel_not_found');
  const channel = store.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const content = parseContent(raw, args.text, true);
  if (!content.ok) return content.reply;
  const thread = resolveThread(args.thread_ts);
  if (!thread.ok) return fail('invalid_thread_ts');
  const msg = store.newMessage(channel.id, { ...content.content, ...(thread.ts ? { thread_ts: thread.ts } : {}) });
  store.addMessage(msg, thread.ts !== undefined && args.reply_broadcast === true);
  const reply: JsonObject = { ok: true, channel: channel.id, ts: msg.ts, message: messageJson(msg) };
  if (!content.content.text && content.hasBlocks) reply['response_metadata'] = { warnings: ['missing_text'] };
  return reply;
};

const updateSchema = z.looseObject({ channel: optStr, ts: optStr, text: optStr, reply_broadcast: boolish });

const chatUpdate: Handler = (raw, { store }) => {
  const parsed = parseArgs(updateSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const args = parsed.value;
  if (!args.channel) return fail('channel_not_found');
  const channel = store.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (!args.ts) return fail('message_not_found');
  const msg = store.findMessage(channel.id, args.ts);
  if (!msg) return fail('message_not_found');
  if (msg.bot_id !== store.identity.botId) return fail('cant_update_message');
  const content = parseContent(raw, args.text, true);
  if (!content.ok) return content.reply;
  if (args.text !== undefined) msg.text = args.text;
  if (content.content.blocks !== undefined) {
    if (content.content.blocks.length === 0) delete msg.blocks;
    else msg.blocks = withGeneratedIds(content.content.blocks);
  }
  if (content.content.attachments !== undefined) msg.attachments = cloneJson(content.content.attachments);
  if (content.content.metadata !== undefined) msg.metadata = cloneJson(content.content.metadata);
  msg.edited = { user: store.identity.botUserId, ts: store.clock.next() };
  const message: JsonObject = {
    type: 'message',
    text: msg.text,
    user: msg.user,
    bot_id: msg.bot_id,
    app_id: msg.app_id,
    team: msg.team,
    edited: msg.edited,
  };
  if (msg.blocks) message['blocks'] = cloneJson(msg.blocks);
  if (msg.attachments) message['attachments'] = cloneJson(msg.attachments);
  return { ok: true, channel: channel.id, ts: msg.ts, text: msg.text, message };
};

const ephemeralSchema = z.looseObject({ channel: optStr, user: optStr, text: optStr, thread_ts: optStr });

const postEphemeral: Handler = (raw, { store }) => {
  const parsed = parseArgs(ephemeralSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const args = parsed.value;
  if (!args.channel) return fail('channel_not_found');
  if (!args.user) return invalidArguments(['missing required field: user [json-pointer:/user]']);
  const channel = store.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (!store.user(args.user)) return fail('user_not_found');
  if (channel.is_im && channel.user !== args.user) return fail('user_not_in_channel');
  const content = parseContent(raw, args.text, true);
  if (!content.ok) return content.reply;
  const ts = store.clock.next();
  store.ephemeralMessages.push({
    type: 'message',
    channel: channel.id,
    user: args.user,
    ts,
    text: content.content.text,
    ...(content.content.blocks ? { blocks: withGeneratedIds(content.content.blocks) } : {}),
    ...(content.content.attachments ? { attachments: cloneJson(content.content.attachments) } : {}),
    ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
    via: 'chat.postEphemeral',
    deleted: false,
  });
  return { ok: true, message_ts: ts };
};

const deleteSchema = z.looseObject({ channel: optStr, ts: optStr });

const chatDelete: Handler = (raw, { store }) => {
  const parsed = parseArgs(deleteSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const { channel: channelArg, ts } = parsed.value;
  if (!channelArg) return fail('channel_not_found');
  const channel = store.resolveChannel(channelArg);
  if (!channel) return fail('channel_not_found');
  if (!ts || !store.deleteMessage(channel.id, ts)) return fail('message_not_found');
  return { ok: true, channel: channel.id, ts };
};

const permalinkSchema = z.looseObject({ channel: optStr, message_ts: optStr });

const getPermalink: Handler = (raw, { store, permalinkBase }) => {
  const parsed = parseArgs(permalinkSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const { channel: channelArg, message_ts: ts } = parsed.value;
  if (!channelArg) return fail('channel_not_found');
  const channel = store.resolveChannel(channelArg);
  if (!channel) return fail('channel_not_found');
  if (!ts) return fail('message_not_found');
  const msg = store.findMessage(channel.id, ts);
  if (!msg) return fail('message_not_found');
  let permalink = `${permalinkBase}archives/${channel.id}/p${ts.replace('.', '')}`;
  if (msg.thread_ts && msg.thread_ts !== msg.ts) permalink += `?thread_ts=${msg.thread_ts}&cid=${channel.id}`;
  return { ok: true, channel: channel.id, permalink };
};

const scheduleSchema = z.looseObject({ channel: optStr, text: optStr, post_at: intish, thread_ts: optStr, reply_broadcast: boolish });

const scheduleMessage: Handler = (raw, { store }) => {
  const parsed = parseArgs(scheduleSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const args = parsed.value;
  if (!args.channel) return fail('channel_not_found');
  const channel = store.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (args.post_at === undefined) return fail('invalid_time');
  const now = Math.floor(Date.now() / 1000);
  if (args.post_at <= now) return fail('time_in_past');
  if (args.post_at > now + 120 * 24 * 3600) return fail('time_too_far');
  const content = parseContent(raw, args.text, true);
  if (!content.ok) return content.reply;
  const id = slackId('Q');
  store.scheduled.push({
    id,
    channel: channel.id,
    post_at: args.post_at,
    date_created: now,
    text: content.content.text,
    ...(content.content.blocks ? { blocks: withGeneratedIds(content.content.blocks) } : {}),
    ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
  });
  const message: JsonObject = {
    type: 'delayed_message',
    text: content.content.text,
    user: store.identity.botUserId,
    bot_id: store.identity.botId,
    app_id: store.identity.appId,
    team: store.identity.teamId,
  };
  if (content.content.blocks) message['blocks'] = cloneJson(content.content.blocks);
  return { ok: true, channel: channel.id, scheduled_message_id: id, post_at: args.post_at, message };
};

// ---- conversations.*, users.*, usergroups.* -----------------------------------------------------

const openSchema = z.looseObject({ users: optStr, channel: optStr, return_im: boolish });

const conversationsOpen: Handler = (raw, { store }) => {
  const parsed = parseArgs(openSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const args = parsed.value;
  if (args.channel) {
    const ch = store.resolveChannel(args.channel);
    if (!ch) return fail('channel_not_found');
    return { ok: true, no_op: true, already_open: true, channel: args.return_im ? store.channelObject(ch) : { id: ch.id } };
  }
  if (!args.users) return fail('users_list_not_supplied');
  const users = args.users.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  if (users.length === 0) return fail('users_list_not_supplied');
  if (users.length > 8) return fail('too_many_users');
  for (const u of users) if (!store.user(u)) return fail('user_not_found');
  const existed = users.length === 1 && store.dmByUser.has(users[0] ?? '');
  const ch = users.length === 1 ? store.openDm(users[0] ?? '') : store.openMpim(users);
  const reply: JsonObject = { ok: true, channel: args.return_im ? store.channelObject(ch) : { id: ch.id } };
  if (existed) {
    reply['no_op'] = true;
    reply['already_open'] = true;
  }
  return reply;
};

const conversationsInfo: Handler = (raw, { store }) => {
  const parsed = parseArgs(z.looseObject({ channel: optStr }), raw);
  if (!parsed.ok) return parsed.reply;
  const id = parsed.value.channel;
  const ch = id && !/^[UW]/.test(id) ? store.resolveChannel(id) : undefined;
  if (!ch) return fail('channel_not_found');
  return { ok: true, channel: store.channelObject(ch) };
};

const usersInfo: Handler = (raw, { store }) => {
  const parsed = parseArgs(z.looseObject({ user: optStr }), raw);
  if (!parsed.ok) return parsed.reply;
  const id = parsed.value.user;
  const u = id ? store.user(id) : undefined;
  if (!u) return fail('user_not_found');
  return { ok: true, user: store.userObject(u) };
};

const usergroupsUsersList: Handler = (raw, { store }) => {
  const parsed = parseArgs(z.looseObject({ usergroup: optStr }), raw);
  if (!parsed.ok) return parsed.reply;
  const id = parsed.value.usergroup;
  if (!id) return invalidArguments(['missing required field: usergroup [json-pointer:/usergroup]']);
  const members = store.usergroups.get(id);
  if (!members) return fail('no_such_subteam');
  return { ok: true, users: [...members] };
};

// ---- views.* ------------------------------------------------------------------------------------

function parseViewArg(raw: Record<string, unknown>): { ok: true; view: JsonObject } | { ok: false; reply: JsonObject } {
  const arg = jsonArg(raw['view']);
  if (arg.kind === 'absent') return { ok: false, reply: invalidArguments(['missing required field: view']) };
  if (arg.kind === 'bad' || !isObject(arg.value)) {
    return { ok: false, reply: invalidArguments(['failed to parse view: must be a JSON-encoded object [json-pointer:/view]']) };
  }
  const view = arg.value as JsonObject;
  const errors = validateView(view);
  if (errors.length > 0) return { ok: false, reply: invalidArguments(errors) };
  return { ok: true, view };
}

function consumeTrigger(raw: Record<string, unknown>, ctx: MethodContext): { ok: true; user: string; use: () => void } | { ok: false; reply: JsonObject } {
  const trigger = raw['trigger_id'] ?? raw['interactivity_pointer'];
  if (typeof trigger !== 'string' || trigger === '') {
    return { ok: false, reply: invalidArguments(['missing required field: trigger_id']) };
  }
  if (!TRIGGER_ID_RE.test(trigger)) return { ok: false, reply: fail('invalid_trigger_id') };
  const rec = ctx.store.triggers.get(trigger);
  if (!rec) return { ok: false, reply: fail('invalid_trigger_id') };
  if (rec.used) return { ok: false, reply: fail('exchanged_trigger_id') };
  if (ctx.receivedAt - rec.issuedAt > ctx.triggerTtlMs) return { ok: false, reply: fail('expired_trigger_id') };
  return { ok: true, user: rec.user, use: () => void (rec.used = true) };
}

function externalIdTaken(store: FakeSlackStore, view: JsonObject, exceptId?: string): boolean {
  const ext = view['external_id'];
  if (typeof ext !== 'string' || ext === '') return false;
  for (const rec of store.views.values()) if (rec.view.external_id === ext && rec.view.id !== exceptId) return true;
  return false;
}

const viewsOpen: Handler = (raw, ctx) => {
  const { store } = ctx;
  const trig = consumeTrigger(raw, ctx);
  if (!trig.ok) return trig.reply;
  const v = parseViewArg(raw);
  if (!v.ok) return v.reply;
  if (v.view['type'] !== 'modal') return invalidArguments(['views.open only opens modals [json-pointer:/view/type]']);
  if (externalIdTaken(store, v.view)) return fail('duplicate_external_id');
  trig.use();
  const stack = store.stackOf(trig.user);
  if (stack[0]) store.closeModal(trig.user, stack[0], true);
  const view = store.buildView(v.view, {});
  store.views.set(view.id, { view, user: trig.user, open: true });
  store.stackOf(trig.user).push(view.id);
  return { ok: true, view: viewJson(view) };
};

const viewsPush: Handler = (raw, ctx) => {
  const { store } = ctx;
  const trig = consumeTrigger(raw, ctx);
  if (!trig.ok) return trig.reply;
  const v = parseViewArg(raw);
  if (!v.ok) return v.reply;
  if (v.view['type'] !== 'modal') return invalidArguments(['views.push only pushes modals [json-pointer:/view/type]']);
  const stack = store.stackOf(trig.user);
  const root = stack[0];
  const top = stack[stack.length - 1];
  if (!root || !top) return fail('not_found');
  if (stack.length >= LIMITS.viewPushStack) return fail('push_limit_reached');
  if (externalIdTaken(store, v.view)) return fail('duplicate_external_id');
  trig.use();
  const view = store.buildView(v.view, { root, previous: top });
  store.views.set(view.id, { view, user: trig.user, open: true });
  stack.push(view.id);
  return { ok: true, view: viewJson(view) };
};

const updateViewSchema = z.looseObject({ view_id: optStr, external_id: optStr, hash: optStr });

/** Replaces a stored view's content, keeping id/root/previous and input state that still applies. */
export function replaceViewContent(store: FakeSlackStore, rec: ViewRecord, input: JsonObject): void {
  const next = store.buildView(input, { id: rec.view.id, root: rec.view.root_view_id, previous: rec.view.previous_view_id });
  const kept: SlackView['state']['values'] = {};
  for (const block of next.blocks) {
    if (!isObject(block)) continue;
    const blockId = block['block_id'];
    if (typeof blockId === 'string' && rec.view.state.values[blockId]) kept[blockId] = rec.view.state.values[blockId];
  }
  next.state = { values: kept };
  rec.view = next;
}

const viewsUpdate: Handler = (raw, { store }) => {
  const parsed = parseArgs(updateViewSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const args = parsed.value;
  if (!args.view_id && !args.external_id) {
    return invalidArguments(['must provide either view_id or external_id']);
  }
  const rec = args.view_id ? store.views.get(args.view_id) : store.findViewByExternalId(args.external_id ?? '');
  if (!rec) return fail('not_found');
  if (rec.view.type === 'modal' && !rec.open) return fail('not_found');
  if (args.hash && args.hash !== rec.view.hash) return fail('hash_conflict');
  const v = parseViewArg(raw);
  if (!v.ok) return v.reply;
  if (v.view['type'] !== rec.view.type) {
    return invalidArguments([`view type must stay ${rec.view.type} [json-pointer:/view/type]`]);
  }
  if (externalIdTaken(store, v.view, rec.view.id)) return fail('duplicate_external_id');
  replaceViewContent(store, rec, v.view);
  return { ok: true, view: viewJson(rec.view) };
};

const publishSchema = z.looseObject({ user_id: optStr, hash: optStr });

const viewsPublish: Handler = (raw, { store }) => {
  const parsed = parseArgs(publishSchema, raw);
  if (!parsed.ok) return parsed.reply;
  const { user_id: userId, hash } = parsed.value;
  if (!userId || !store.user(userId)) return invalidArguments(['invalid `user_id`']);
  const v = parseViewArg(raw);
  if (!v.ok) return v.reply;
  if (v.view['type'] !== 'home') return invalidArguments(['views.publish only publishes home views [json-pointer:/view/type]']);
  const existingId = store.homeViews.get(userId);
  const existing = existingId ? store.views.get(existingId) : undefined;
  if (existing) {
    if (hash && hash !== existing.view.hash) return fail('hash_conflict');
    replaceViewContent(store, existing, v.view);
    return { ok: true, view: viewJson(existing.view) };
  }
  const view = store.buildView(v.view, {});
  store.views.set(view.id, { view, user: userId, open: true });
  store.homeViews.set(userId, view.id);
  return { ok: true, view: viewJson(view) };
};

// ---- response_url -------------------------------------------------------------------------------

/** Applies a POST to a response_url the way Slack does (ephemeral by default, in_channel, replace/delete original). */
export function handleResponseUrl(store: FakeSlackStore, rec: ResponseUrlRecord, body: unknown): { status: number; body: JsonObject } {
  if (Date.now() - rec.issuedAt > RESPONSE_URL_TTL_MS) return { status: 404, body: fail('expired_url') };
  if (rec.uses >= RESPONSE_URL_MAX_USES) return { status: 404, body: fail('used_url') };
  if (!isObject(body)) return { status: 400, body: fail('invalid_payload') };
  rec.uses += 1;
  const text = typeof body['text'] === 'string' ? body['text'] : undefined;
  const deleteOriginal = body['delete_original'] === true || body['delete_original'] === 'true';
  const replaceOriginal = body['replace_original'] === true || body['replace_original'] === 'true';
  if (deleteOriginal) {
    if (rec.channel && rec.messageTs) {
      if (rec.isEphemeral) {
        const e = store.ephemeralMessages.find((m) => m.ts === rec.messageTs && m.user === rec.user);
        if (e) e.deleted = true;
      } else store.deleteMessage(rec.channel, rec.messageTs);
    }
    return { status: 200, body: { ok: true } };
  }
  const content = parseContent(body, text, true);
  if (!content.ok) return { status: 400, body: content.reply };
  const channel = rec.channel;
  if (!channel) return { status: 404, body: fail('channel_not_found') };
  if (replaceOriginal && rec.messageTs) {
    if (rec.isEphemeral) {
      const e = store.ephemeralMessages.find((m) => m.ts === rec.messageTs && m.user === rec.user);
      if (e) {
        e.text = content.content.text;
        if (content.content.blocks) e.blocks = withGeneratedIds(content.content.blocks);
        else delete e.blocks;
      }
    } else {
      const msg = store.findMessage(channel, rec.messageTs);
      if (msg) {
        msg.text = content.content.text;
        if (content.content.blocks) msg.blocks = withGeneratedIds(content.content.blocks);
        else delete msg.blocks;
        msg.edited = { user: store.identity.botUserId, ts: store.clock.next() };
      }
    }
    return { status: 200, body: { ok: true } };
  }
  const threadTs = typeof body['thread_ts'] === 'string' ? body['thread_ts'] : undefined;
  if (body['response_type'] === 'in_channel') {
    const resolved = store.resolveChannel(channel);
    if (!resolved) return { status: 404, body: fail('channel_not_found') };
    const msg = store.newMessage(resolved.id, { ...content.content, ...(threadTs ? { thread_ts: threadTs } : {}) });
    store.addMessage(msg);
    return { status: 200, body: { ok: true } };
  }
  store.ephemeralMessages.push({
    type: 'message',
    channel,
    user: rec.user,
    ts: store.clock.next(),
    text: content.content.text,
    ...(content.content.blocks ? { blocks: withGeneratedIds(content.content.blocks) } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'response_url',
    deleted: false,
  });
  return { status: 200, body: { ok: true } };
}

// ---- registry -----------------------------------------------------------------------------------

export const METHODS: Record<string, Handler> = {
  'auth.test': (_raw, { store }) => {
    const id = store.identity;
    return {
      ok: true,
      url: `https://${id.teamDomain}.slack.com/`,
      team: id.teamName,
      user: id.botName,
      team_id: id.teamId,
      user_id: id.botUserId,
      bot_id: id.botId,
      is_enterprise_install: false,
    };
  },
  'chat.postMessage': postMessage,
  'chat.update': chatUpdate,
  'chat.postEphemeral': postEphemeral,
  'chat.delete': chatDelete,
  'chat.getPermalink': getPermalink,
  'chat.scheduleMessage': scheduleMessage,
  'conversations.open': conversationsOpen,
  'conversations.info': conversationsInfo,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupsUsersList,
  'views.open': viewsOpen,
  'views.push': viewsPush,
  'views.update': viewsUpdate,
  'views.publish': viewsPublish,
};
