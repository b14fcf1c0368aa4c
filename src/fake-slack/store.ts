/** In-memory state of the fake Slack workspace: channels, messages, threads, ephemerals, views, users. */
import { cloneJson, isObject, type JsonObject, type JsonValue } from './json.js';
import { compareTs, shortId, slackId, TsClock, triggerId } from './ids.js';

export interface FakeUser {
  id: string;
  /** Slack handle (`name`); defaults to a lower-cased id. */
  name?: string;
  real_name?: string;
  display_name?: string;
  email?: string;
  tz?: string;
  tz_label?: string;
  tz_offset?: number;
  is_bot?: boolean;
  is_admin?: boolean;
  deleted?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  is_mpim: boolean;
  /** For DMs: the other party. */
  user?: string;
  members?: string[];
  created: number;
}

export interface Identity {
  teamId: string;
  teamDomain: string;
  teamName: string;
  botUserId: string;
  botId: string;
  appId: string;
  botName: string;
}

/** A message as Slack returns it (conversations.history shape) plus `channel`. */
export interface SlackMessage {
  type: 'message';
  subtype?: string;
  channel: string;
  ts: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  text: string;
  blocks?: JsonValue[];
  attachments?: JsonValue[];
  metadata?: JsonValue;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
  bot_profile: { id: string; app_id: string; name: string; team_id: string; deleted: boolean };
}

export interface EphemeralMessage {
  type: 'message';
  channel: string;
  /** The recipient. */
  user: string;
  ts: string;
  text: string;
  blocks?: JsonValue[];
  attachments?: JsonValue[];
  thread_ts?: string;
  /** How it arrived: chat.postEphemeral or a response_url. */
  via: 'chat.postEphemeral' | 'response_url';
  deleted: boolean;
}

export interface ScheduledMessage {
  id: string;
  channel: string;
  post_at: number;
  date_created: number;
  text: string;
  blocks?: JsonValue[];
  thread_ts?: string;
}

export interface SlackView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  blocks: JsonValue[];
  private_metadata: string;
  callback_id: string;
  state: { values: Record<string, Record<string, JsonObject>> };
  hash: string;
  title?: JsonValue;
  clear_on_close: boolean;
  notify_on_close: boolean;
  close: JsonValue;
  submit: JsonValue;
  previous_view_id: string | null;
  root_view_id: string;
  app_id: string;
  external_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface ViewRecord {
  view: SlackView;
  user: string;
  open: boolean;
}

export interface TriggerRecord {
  user: string;
  issuedAt: number;
  used: boolean;
}

export interface ResponseUrlContext {
  kind: 'commands' | 'actions';
  user: string;
  channel?: string;
  /** The message the interaction came from (for replace_original / delete_original). */
  messageTs?: string;
  isEphemeral?: boolean;
}

export interface ResponseUrlRecord extends ResponseUrlContext {
  url: string;
  uses: number;
  issuedAt: number;
}

export interface ResponseUrlPost {
  url: string;
  context: ResponseUrlContext;
  body: JsonValue;
  at: number;
}

export class FakeSlackStore {
  readonly clock = new TsClock();
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, FakeChannel>();
  /** top-level messages per channel (including thread broadcasts), in ts order */
  readonly channelMessages = new Map<string, SlackMessage[]>();
  /** replies per `${channel}/${thread_ts}`, in ts order */
  readonly replies = new Map<string, SlackMessage[]>();
  readonly ephemeralMessages: EphemeralMessage[] = [];
  readonly scheduled: ScheduledMessage[] = [];
  readonly views = new Map<string, ViewRecord>();
  /** open modal stack per user (view ids, root first) */
  readonly modalStacks = new Map<string, string[]>();
  readonly homeViews = new Map<string, string>();
  readonly dmByUser = new Map<string, string>();
  readonly triggers = new Map<string, TriggerRecord>();
  readonly responseUrls = new Map<string, ResponseUrlRecord>();
  readonly responseUrlPosts: ResponseUrlPost[] = [];

  constructor(
    readonly identity: Identity,
    readonly strictUsers: boolean,
    readonly strictChannels: boolean,
  ) {}

  clearState(): void {
    this.channelMessages.clear();
    this.replies.clear();
    this.ephemeralMessages.length = 0;
    this.scheduled.length = 0;
    this.views.clear();
    this.modalStacks.clear();
    this.homeViews.clear();
    this.triggers.clear();
    this.responseUrls.clear();
    this.responseUrlPosts.length = 0;
    for (const [id, ch] of this.channels) if (!this.strictChannels && !ch.is_im && !ch.is_mpim) this.channels.delete(id);
  }

  // ---- users ---------------------------------------------------------------------------------

  user(id: string): FakeUser | undefined {
    const known = this.users.get(id);
    if (known) return known;
    if (this.strictUsers || !/^[UW][A-Z0-9]+$/.test(id)) return undefined;
    const synthesized: FakeUser = { id };
    this.users.set(id, synthesized);
    return synthesized;
  }

  userObject(u: FakeUser): JsonObject {
    const name = u.name ?? u.id.toLowerCase();
    const realName = u.real_name ?? name;
    const displayName = u.display_name ?? name;
    const tz = u.tz ?? 'Etc/UTC';
    return {
      id: u.id,
      team_id: this.identity.teamId,
      name,
      deleted: u.deleted ?? false,
      color: '9f69e7',
      real_name: realName,
      tz,
      tz_label: u.tz_label ?? (tz === 'Etc/UTC' ? 'Coordinated Universal Time' : tz),
      tz_offset: u.tz_offset ?? 0,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: displayName,
        display_name_normalized: displayName,
        email: u.email ?? `${name}@example.com`,
        team: this.identity.teamId,
        image_48: 'https://a.slack-edge.com/80588/img/slackbot_48.png',
      },
      is_admin: u.is_admin ?? false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.is_bot ?? false,
      is_app_user: false,
      updated: 1_700_000_000,
    };
  }

  // ---- channels ------------------------------------------------------------------------------

  addChannel(input: { id: string; name?: string; is_private?: boolean; members?: string[] }): FakeChannel {
    const ch: FakeChannel = {
      id: input.id,
      name: input.name ?? input.id.toLowerCase(),
      is_private: input.is_private ?? input.id.startsWith('G'),
      is_im: false,
      is_mpim: false,
      created: Math.floor(Date.now() / 1000),
      ...(input.members ? { members: input.members } : {}),
    };
    this.channels.set(ch.id, ch);
    return ch;
  }

  /** Resolves what chat.* accepts as `channel`: C/G ids, `#name`, D ids, or a user id (→ their DM). */
  resolveChannel(idOrName: string): FakeChannel | undefined {
    const existing = this.channels.get(idOrName);
    if (existing) return existing;
    if (idOrName.startsWith('#')) {
      const name = idOrName.slice(1);
      for (const ch of this.channels.values()) if (ch.name === name) return ch;
      return undefined;
    }
    if (/^[UW][A-Z0-9]+$/.test(idOrName)) {
      return this.user(idOrName) ? this.openDm(idOrName) : undefined;
    }
    if (!this.strictChannels && /^[CG][A-Z0-9]+$/.test(idOrName)) return this.addChannel({ id: idOrName });
    return undefined;
  }

  openDm(user: string): FakeChannel {
    const existing = this.dmByUser.get(user);
    if (existing) {
      const ch = this.channels.get(existing);
      if (ch) return ch;
    }
    const ch: FakeChannel = {
      id: slackId('D'),
      name: user,
      is_private: true,
      is_im: true,
      is_mpim: false,
      user,
      created: Math.floor(Date.now() / 1000),
    };
    this.channels.set(ch.id, ch);
    this.dmByUser.set(user, ch.id);
    return ch;
  }

  openMpim(users: string[]): FakeChannel {
    const key = [...users].sort().join(',');
    for (const ch of this.channels.values()) if (ch.is_mpim && (ch.members ?? []).join(',') === key) return ch;
    const ch: FakeChannel = {
      id: slackId('C'),
      name: `mpdm-${key}`,
      is_private: true,
      is_im: false,
      is_mpim: true,
      members: key.split(','),
      created: Math.floor(Date.now() / 1000),
    };
    this.channels.set(ch.id, ch);
    return ch;
  }

  channelObject(ch: FakeChannel): JsonObject {
    if (ch.is_im) {
      return {
        id: ch.id,
        created: ch.created,
        is_im: true,
        is_org_shared: false,
        user: ch.user ?? '',
        is_user_deleted: false,
        priority: 0,
      };
    }
    return {
      id: ch.id,
      name: ch.name,
      is_channel: !ch.is_private && !ch.is_mpim,
      is_group: ch.is_private && !ch.is_mpim,
      is_im: false,
      is_mpim: ch.is_mpim,
      is_private: ch.is_private,
      created: ch.created,
      is_archived: false,
      is_general: false,
      is_member: true,
      name_normalized: ch.name,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      creator: this.identity.botUserId,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    };
  }

  // ---- messages ------------------------------------------------------------------------------

  private list<K, V>(map: Map<K, V[]>, key: K): V[] {
    let l = map.get(key);
    if (!l) {
      l = [];
      map.set(key, l);
    }
    return l;
  }

  newMessage(channel: string, fields: { text: string; blocks?: JsonValue[]; attachments?: JsonValue[]; metadata?: JsonValue; thread_ts?: string }): SlackMessage {
    const id = this.identity;
    const msg: SlackMessage = {
      type: 'message',
      channel,
      ts: this.clock.next(),
      user: id.botUserId,
      bot_id: id.botId,
      app_id: id.appId,
      team: id.teamId,
      text: fields.text,
      bot_profile: { id: id.botId, app_id: id.appId, name: id.botName, team_id: id.teamId, deleted: false },
    };
    if (fields.blocks !== undefined) msg.blocks = withGeneratedIds(fields.blocks);
    if (fields.attachments !== undefined) msg.attachments = cloneJson(fields.attachments);
    if (fields.metadata !== undefined) msg.metadata = cloneJson(fields.metadata);
    if (fields.thread_ts !== undefined) {
      msg.thread_ts = fields.thread_ts;
      msg.parent_user_id = this.topLevel(channel, fields.thread_ts)?.user ?? id.botUserId;
    }
    return msg;
  }

  topLevel(channel: string, ts: string): SlackMessage | undefined {
    return this.channelMessages.get(channel)?.find((m) => m.ts === ts && m.subtype !== 'thread_broadcast');
  }

  /** Adds a top-level message or a thread reply (optionally broadcast to the channel). */
  addMessage(msg: SlackMessage, broadcast = false): void {
    if (msg.thread_ts === undefined) {
      this.list(this.channelMessages, msg.channel).push(msg);
      return;
    }
    const parent = this.topLevel(msg.channel, msg.thread_ts);
    this.list(this.replies, `${msg.channel}/${msg.thread_ts}`).push(msg);
    if (parent) {
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      const users = new Set(parent.reply_users ?? []);
      users.add(msg.user);
      parent.reply_users = [...users];
      parent.reply_users_count = users.size;
      parent.latest_reply = msg.ts;
    }
    if (broadcast) {
      msg.subtype = 'thread_broadcast';
      this.list(this.channelMessages, msg.channel).push(msg);
    }
  }

  findMessage(channel: string, ts: string): SlackMessage | undefined {
    const top = this.channelMessages.get(channel)?.find((m) => m.ts === ts);
    if (top) return top;
    for (const [key, list] of this.replies) {
      if (!key.startsWith(`${channel}/`)) continue;
      const m = list.find((r) => r.ts === ts);
      if (m) return m;
    }
    return undefined;
  }

  deleteMessage(channel: string, ts: string): boolean {
    let found = false;
    const top = this.channelMessages.get(channel);
    if (top) {
      const i = top.findIndex((m) => m.ts === ts);
      if (i >= 0) {
        const [removed] = top.splice(i, 1);
        found = true;
        if (removed?.thread_ts && removed.thread_ts !== removed.ts) this.removeReply(channel, removed.thread_ts, ts);
      }
    }
    for (const [key, list] of this.replies) {
      if (!key.startsWith(`${channel}/`)) continue;
      const i = list.findIndex((m) => m.ts === ts);
      if (i >= 0) {
        list.splice(i, 1);
        found = true;
        const parent = this.topLevel(channel, key.slice(channel.length + 1));
        if (parent && parent.reply_count) parent.reply_count -= 1;
      }
    }
    return found;
  }

  private removeReply(channel: string, threadTs: string, ts: string): void {
    const list = this.replies.get(`${channel}/${threadTs}`);
    if (!list) return;
    const i = list.findIndex((m) => m.ts === ts);
    if (i >= 0) list.splice(i, 1);
  }

  messagesIn(channel: string): SlackMessage[] {
    return [...(this.channelMessages.get(channel) ?? [])].sort((a, b) => compareTs(a.ts, b.ts));
  }

  threadOf(channel: string, ts: string): SlackMessage[] {
    return [...(this.replies.get(`${channel}/${ts}`) ?? [])];
  }

  // ---- views ---------------------------------------------------------------------------------

  newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${shortId()}${shortId().slice(0, 3)}`;
  }

  buildView(input: JsonObject, fields: { id?: string; root?: string; previous?: string | null }): SlackView {
    const id = fields.id ?? slackId('V');
    const type = input['type'] === 'home' ? 'home' : 'modal';
    const view: SlackView = {
      id,
      team_id: this.identity.teamId,
      type,
      blocks: withGeneratedIds(Array.isArray(input['blocks']) ? input['blocks'] : []),
      private_metadata: typeof input['private_metadata'] === 'string' ? input['private_metadata'] : '',
      callback_id: typeof input['callback_id'] === 'string' ? input['callback_id'] : '',
      state: { values: {} },
      hash: this.newHash(),
      clear_on_close: input['clear_on_close'] === true,
      notify_on_close: input['notify_on_close'] === true,
      close: input['close'] ?? null,
      submit: input['submit'] ?? null,
      previous_view_id: fields.previous ?? null,
      root_view_id: fields.root ?? id,
      app_id: this.identity.appId,
      external_id: typeof input['external_id'] === 'string' ? input['external_id'] : '',
      app_installed_team_id: this.identity.teamId,
      bot_id: this.identity.botId,
    };
    if (input['title'] !== undefined) view.title = cloneJson(input['title']);
    return view;
  }

  findViewByExternalId(externalId: string): ViewRecord | undefined {
    for (const rec of this.views.values()) if (rec.view.external_id === externalId && rec.open) return rec;
    for (const rec of this.views.values()) if (rec.view.external_id === externalId) return rec;
    return undefined;
  }

  stackOf(user: string): string[] {
    return this.list(this.modalStacks, user);
  }

  /** Closes a modal view; with `all`, the whole stack it belongs to. Returns closed view ids. */
  closeModal(user: string, viewId: string, all = false): string[] {
    const stack = this.stackOf(user);
    const i = stack.indexOf(viewId);
    if (i < 0) return [];
    const closed = all ? stack.splice(0) : stack.splice(i);
    for (const id of closed) {
      const rec = this.views.get(id);
      if (rec) rec.open = false;
    }
    return closed;
  }

  // ---- triggers and response urls ------------------------------------------------------------

  issueTrigger(user: string): string {
    const id = triggerId();
    this.triggers.set(id, { user, issuedAt: Date.now(), used: false });
    return id;
  }

  issueResponseUrl(baseUrl: string, ctx: ResponseUrlContext): string {
    const url = `${baseUrl}${ctx.kind}/${this.identity.teamId}/${Date.now()}${Math.floor(Math.random() * 1000)}/${shortId()}${shortId()}${shortId()}`;
    this.responseUrls.set(new URL(url).pathname, { ...ctx, url, uses: 0, issuedAt: Date.now() });
    return url;
  }
}

/** Slack fills in missing block_id / action_id with generated values; interactions need them. */
export function withGeneratedIds(blocks: readonly JsonValue[]): JsonValue[] {
  const out = cloneJson(blocks) as JsonValue[];
  for (const block of out) {
    if (!isObject(block)) continue;
    const b = block as JsonObject;
    if (b['block_id'] === undefined) b['block_id'] = shortId();
    const fillAction = (el: JsonValue | undefined): void => {
      if (isObject(el) && el['type'] !== 'image' && el['type'] !== 'plain_text' && el['type'] !== 'mrkdwn') {
        const e = el as JsonObject;
        if (e['action_id'] === undefined) e['action_id'] = shortId();
      }
    };
    fillAction(b['accessory']);
    fillAction(b['element']);
    if (b['type'] === 'actions' && Array.isArray(b['elements'])) b['elements'].forEach(fillAction);
  }
  return out;
}
