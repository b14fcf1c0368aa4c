/**
 * Block Kit → HTML for the local sandbox. Pure: strings in, strings out. Every piece of text from a message,
 * a view or a person is HTML-escaped; links are kept only for http(s) and mailto URLs. Interactive elements
 * carry `data-gl-*` attributes the sandbox page turns into signed Slack requests. Anything it cannot render
 * is shown as "unsupported block: X" / "unsupported element: X", never dropped.
 */

export interface RenderContext {
  /** user id → display name */
  users: Readonly<Record<string, string>>;
  /** channel id → name (without `#`) */
  channels: Readonly<Record<string, string>>;
  /** user group id → handle (without `@`) */
  groups?: Readonly<Record<string, string>>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The emoji Greenlight's messages use; others stay as their `:shortcode:` text. */
export const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  ballot_box_with_check: '☑️',
  x: '❌',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  eyes: '👀',
  test_tube: '🧪',
  memo: '📝',
  calendar: '📆',
  spiral_calendar_pad: '🗓️',
  alarm_clock: '⏰',
  rocket: '🚀',
  satellite_antenna: '📡',
  leftwards_arrow_with_hook: '↩️',
  heavy_multiplication_x: '✖️',
  heavy_minus_sign: '➖',
  rewind: '⏪',
  arrow_forward: '▶️',
  white_circle: '⚪',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  warning: '⚠️',
  snowflake: '❄️',
  rotating_light: '🚨',
  lock: '🔒',
  unlock: '🔓',
  arrows_counterclockwise: '🔄',
  information_source: 'ℹ️',
  zzz: '💤',
  bell: '🔔',
  wave: '👋',
  tada: '🎉',
  mag: '🔍',
  clipboard: '📋',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  loudspeaker: '📢',
  mega: '📣',
  construction: '🚧',
  fire: '🔥',
  sos: '🆘',
  thumbsup: '👍',
  '+1': '👍',
  raised_hands: '🙌',
  question: '❓',
  exclamation: '❗',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  red_circle: '🔴',
  checkered_flag: '🏁',
  stopwatch: '⏱️',
  timer_clock: '⏲️',
  speech_balloon: '💬',
  pushpin: '📌',
  link: '🔗',
  gear: '⚙️',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  scroll: '📜',
  ok: '🆗',
  repeat: '🔁',
  fast_forward: '⏩',
  star: '⭐',
  sparkles: '✨',
};

function emojify(escaped: string): string {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => {
    const e = EMOJI[name];
    return e ? `<span class="emoji" title=":${name}:">${e}</span>` : whole;
  });
}

/** Undoes Slack's three mrkdwn entities (the text then goes through escapeHtml). */
function slackUnescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function safeHref(url: string): string | null {
  return /^(https?:\/\/|mailto:)[^\s"'<>]+$/i.test(url) ? url : null;
}

function link(url: string, label: string): string {
  const href = safeHref(url);
  if (!href) return escapeHtml(label);
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label)}</a>`;
}

/** One `<…>` control sequence of mrkdwn (without the brackets) → HTML. */
function controlToHtml(inner: string, ctx: RenderContext): string {
  const bar = inner.indexOf('|');
  const head = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? slackUnescape(inner.slice(bar + 1)) : null;
  if (head.startsWith('@')) {
    const id = head.slice(1);
    const name = ctx.users[id] ?? label ?? id;
    return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (head.startsWith('#')) {
    const id = head.slice(1);
    const name = ctx.channels[id] ?? label ?? id;
    return `<span class="mention channel">#${escapeHtml(name)}</span>`;
  }
  if (head.startsWith('!subteam^')) {
    const id = head.slice('!subteam^'.length);
    const name = ctx.groups?.[id] ?? (label ? label.replace(/^@/, '') : id);
    return `<span class="mention group">@${escapeHtml(name)}</span>`;
  }
  if (head.startsWith('!date^')) {
    return `<span class="date">${escapeHtml(label ?? head)}</span>`;
  }
  if (head === '!here' || head === '!channel' || head === '!everyone') {
    return `<span class="mention">@${escapeHtml(head.slice(1))}</span>`;
  }
  if (head.startsWith('!')) return escapeHtml(label ?? head.slice(1));
  const url = slackUnescape(head);
  return link(url, label ?? url);
}

const HOLE = '\u0000';

/** Bold, italic and strike on already-escaped text (Slack's rules: markers hug the text, not inside words). */
function inlineFormat(escaped: string): string {
  const wrap = (text: string, marker: string, tag: string): string => {
    const m = marker === '*' ? '\\*' : marker;
    const re = new RegExp(`(^|[^\\w${m}])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?![\\w${m}])`, 'g');
    return text.replace(re, (_all, pre: string, body: string) => `${pre}<${tag}>${body}</${tag}>`);
  };
  return wrap(wrap(wrap(escaped, '*', 'b'), '_', 'i'), '~', 's');
}

/** Slack mrkdwn → HTML: bold, italic, strike, code, code blocks, quotes, links, mentions, dates, emoji. */
export function mrkdwnToHtml(text: string, ctx: RenderContext): string {
  const holes: string[] = [];
  const hole = (html: string): string => `${HOLE}${holes.push(html) - 1}${HOLE}`;
  let s = text.split(HOLE).join('');
  // code blocks and inline code first: nothing inside them is formatted
  s = s.replace(/```([\s\S]*?)```/g, (_m, body: string) => hole(`<pre class="code">${escapeHtml(slackUnescape(body))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_m, body: string) => hole(`<code>${escapeHtml(slackUnescape(body))}</code>`));
  s = s.replace(/<([^<>\n]*)>/g, (_m, inner: string) => hole(controlToHtml(inner, ctx)));
  const lines = s.split('\n').map((line) => {
    const quote = /^&gt;\s?/.exec(line);
    const body = quote ? line.slice(quote[0].length) : line;
    const html = emojify(inlineFormat(escapeHtml(slackUnescape(body))));
    return quote ? `<span class="quote">${html}</span>` : html;
  });
  const joined = lines.join('<br>');
  return joined.replace(new RegExp(`${HOLE}(\\d+)${HOLE}`, 'g'), (_m, i: string) => holes[Number(i)] ?? '');
}

/** A text object (`plain_text` or `mrkdwn`) → HTML. */
export function textToHtml(value: unknown, ctx: RenderContext): string {
  if (typeof value === 'string') return emojify(escapeHtml(value));
  if (!isObj(value)) return '';
  const text = str(value['text']);
  if (value['type'] === 'mrkdwn') return mrkdwnToHtml(text, ctx);
  return value['emoji'] === false ? escapeHtml(text) : emojify(escapeHtml(text));
}

/** A text object as plain text (for attributes like confirm dialogs and option labels). */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return isObj(value) ? str(value['text']) : '';
}

function attr(name: string, value: string | undefined | null): string {
  return value === undefined || value === null ? '' : ` ${name}="${escapeHtml(value)}"`;
}

function unsupported(kind: 'block' | 'element', type: string): string {
  return `<div class="bk-unsupported">unsupported ${kind}: ${escapeHtml(type || '(no type)')}</div>`;
}

interface Option {
  text: string;
  value: string;
  description?: string;
}

function optionsOf(el: Obj): Option[] {
  const out: Option[] = [];
  const add = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const o of list) {
      if (!isObj(o)) continue;
      const description = textOf(o['description']);
      out.push({ text: textOf(o['text']), value: str(o['value']), ...(description ? { description } : {}) });
    }
  };
  add(el['options']);
  if (Array.isArray(el['option_groups'])) for (const g of el['option_groups']) if (isObj(g)) add(g['options']);
  return out;
}

function confirmAttr(el: Obj): string {
  const c = el['confirm'];
  if (!isObj(c)) return '';
  const data = { title: textOf(c['title']), text: textOf(c['text']), confirm: textOf(c['confirm']) || 'Yes', deny: textOf(c['deny']) || 'Cancel' };
  return attr('data-gl-confirm', JSON.stringify(data));
}

function actionAttrs(el: Obj, blockId: string): string {
  return `${attr('data-action-id', str(el['action_id']))}${attr('data-block-id', blockId)}`;
}

function selectOptionsHtml(options: Option[], selected: readonly string[]): string {
  return options
    .map((o) => `<option${attr('value', o.value)}${selected.includes(o.value) ? ' selected' : ''}>${escapeHtml(o.text)}</option>`)
    .join('');
}

function initialValues(el: Obj): string[] {
  const out: string[] = [];
  if (isObj(el['initial_option'])) out.push(str(el['initial_option']['value']));
  if (Array.isArray(el['initial_options'])) for (const o of el['initial_options']) if (isObj(o)) out.push(str(o['value']));
  return out;
}

/** An interactive element in a message, a home tab or outside an input block of a modal: it acts on click/change. */
function actionElement(el: Obj, blockId: string, ctx: RenderContext): string {
  const type = str(el['type']);
  switch (type) {
    case 'button': {
      const url = str(el['url']);
      const style = str(el['style']);
      const cls = `bk-btn${style === 'primary' || style === 'danger' ? ` bk-${style}` : ''}`;
      if (url && safeHref(url)) {
        return `<a class="${cls}" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${textToHtml(el['text'], ctx)}</a>`;
      }
      return `<button type="button" class="${cls}" data-gl="button"${actionAttrs(el, blockId)}${attr('data-value', el['value'] === undefined ? null : str(el['value']))}${confirmAttr(el)}>${textToHtml(el['text'], ctx)}</button>`;
    }
    case 'overflow':
      return `<select class="bk-select bk-overflow" data-gl="select"${actionAttrs(el, blockId)}${confirmAttr(el)} aria-label="More actions"><option value="">⋯</option>${selectOptionsHtml(optionsOf(el), [])}</select>`;
    case 'static_select':
    case 'radio_buttons': {
      const placeholder = textOf(el['placeholder']) || 'Select an item';
      return `<select class="bk-select" data-gl="select"${actionAttrs(el, blockId)}${confirmAttr(el)}><option value="">${escapeHtml(placeholder)}</option>${selectOptionsHtml(optionsOf(el), initialValues(el))}</select>`;
    }
    case 'image':
      return imageHtml(el);
    default:
      return unsupported('element', type);
  }
}

function imageHtml(el: Obj): string {
  const url = str(el['image_url']);
  const alt = str(el['alt_text']);
  if (!/^https?:\/\//i.test(url)) return `<span class="bk-image-alt">[image: ${escapeHtml(alt)}]</span>`;
  return `<img class="bk-image" src="${escapeHtml(url)}" alt="${escapeHtml(alt)}">`;
}

function userOptions(ctx: RenderContext, selected: readonly string[]): string {
  return Object.entries(ctx.users)
    .map(([id, name]) => `<option${attr('value', id)}${selected.includes(id) ? ' selected' : ''}>${escapeHtml(name)}</option>`)
    .join('');
}

function channelOptions(ctx: RenderContext, selected: readonly string[]): string {
  return Object.entries(ctx.channels)
    .map(([id, name]) => `<option${attr('value', id)}${selected.includes(id) ? ' selected' : ''}>#${escapeHtml(name)}</option>`)
    .join('');
}

function unixToParts(seconds: number): { date: string; time: string } {
  const iso = new Date(seconds * 1000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** A form control inside an input block; its value is read on submit (by block id). */
function inputElement(el: Obj, blockId: string, ctx: RenderContext): string {
  const type = str(el['type']);
  const base = `data-input="${escapeHtml(type)}"${attr('data-block-id', blockId)}${attr('data-action-id', str(el['action_id']))}`;
  const placeholder = attr('placeholder', textOf(el['placeholder']) || null);
  switch (type) {
    case 'plain_text_input': {
      const initial = str(el['initial_value']);
      const limits = `${typeof el['max_length'] === 'number' ? attr('maxlength', String(el['max_length'])) : ''}`;
      if (el['multiline'] === true) return `<textarea class="bk-control" rows="4" ${base}${placeholder}${limits}>${escapeHtml(initial)}</textarea>`;
      return `<input class="bk-control" type="text" ${base}${placeholder}${limits}${attr('value', initial || null)}>`;
    }
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      const kind = type === 'email_text_input' ? 'email' : type === 'url_text_input' ? 'url' : 'text';
      return `<input class="bk-control" type="${kind}" ${base}${placeholder}${attr('value', str(el['initial_value']) || null)}>`;
    }
    case 'static_select':
    case 'external_select': {
      const ph = textOf(el['placeholder']) || 'Select an item';
      return `<select class="bk-control" ${base}><option value="">${escapeHtml(ph)}</option>${selectOptionsHtml(optionsOf(el), initialValues(el))}</select>`;
    }
    case 'multi_static_select':
      return `<select class="bk-control" multiple ${base}>${selectOptionsHtml(optionsOf(el), initialValues(el))}</select>`;
    case 'users_select':
      return `<select class="bk-control" ${base}><option value="">${escapeHtml(textOf(el['placeholder']) || 'Select a person')}</option>${userOptions(ctx, [str(el['initial_user'])])}</select>`;
    case 'multi_users_select': {
      const initial = Array.isArray(el['initial_users']) ? el['initial_users'].map(str) : [];
      return `<select class="bk-control" multiple ${base}>${userOptions(ctx, initial)}</select>`;
    }
    case 'conversations_select':
    case 'channels_select': {
      const initial = str(el['initial_conversation']) || str(el['initial_channel']);
      return `<select class="bk-control" ${base}><option value="">${escapeHtml(textOf(el['placeholder']) || 'Select a channel')}</option>${channelOptions(ctx, [initial])}</select>`;
    }
    case 'multi_conversations_select':
    case 'multi_channels_select': {
      const list = el['initial_conversations'] ?? el['initial_channels'];
      const initial = Array.isArray(list) ? list.map(str) : [];
      return `<select class="bk-control" multiple ${base}>${channelOptions(ctx, initial)}</select>`;
    }
    case 'datepicker':
      return `<input class="bk-control" type="date" ${base}${attr('value', str(el['initial_date']) || null)}>`;
    case 'timepicker':
      return `<input class="bk-control" type="time" ${base}${attr('value', str(el['initial_time']) || null)}>`;
    case 'datetimepicker': {
      const initial = typeof el['initial_date_time'] === 'number' ? unixToParts(el['initial_date_time']) : null;
      return `<span class="bk-datetime" ${base}><input class="bk-control" type="date" data-part="date"${attr('value', initial?.date ?? null)}> <input class="bk-control" type="time" data-part="time"${attr('value', initial?.time ?? null)}> <span class="bk-tz">UTC</span></span>`;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const selected = initialValues(el);
      const kind = type === 'checkboxes' ? 'checkbox' : 'radio';
      const name = `r-${blockId}`;
      const items = optionsOf(el)
        .map(
          (o) =>
            `<label class="bk-choice"><input type="${kind}"${attr('name', name)}${attr('value', o.value)}${selected.includes(o.value) ? ' checked' : ''}> ${escapeHtml(o.text)}${o.description ? ` <span class="bk-hint">${escapeHtml(o.description)}</span>` : ''}</label>`,
        )
        .join('');
      return `<div class="bk-choices" ${base}>${items}</div>`;
    }
    default:
      return unsupported('element', type);
  }
}

function sectionHtml(b: Obj, blockId: string, ctx: RenderContext): string {
  const parts: string[] = [];
  if (b['text'] !== undefined) parts.push(`<div class="bk-text">${textToHtml(b['text'], ctx)}</div>`);
  if (Array.isArray(b['fields'])) {
    parts.push(`<div class="bk-fields">${b['fields'].map((f) => `<div class="bk-field">${textToHtml(f, ctx)}</div>`).join('')}</div>`);
  }
  const acc = isObj(b['accessory']) ? `<div class="bk-accessory">${actionElement(b['accessory'], blockId, ctx)}</div>` : '';
  return `<div class="bk-section"><div class="bk-section-body">${parts.join('')}</div>${acc}</div>`;
}

/** One block → HTML. `surface` decides how input blocks behave (form controls in modals and home tabs). */
export function renderBlock(block: unknown, ctx: RenderContext): string {
  if (!isObj(block)) return unsupported('block', typeof block);
  const type = str(block['type']);
  const blockId = str(block['block_id']);
  switch (type) {
    case 'header':
      return `<h3 class="bk-header">${textToHtml(block['text'], ctx)}</h3>`;
    case 'section':
      return sectionHtml(block, blockId, ctx);
    case 'divider':
      return '<hr class="bk-divider">';
    case 'context': {
      const els = Array.isArray(block['elements']) ? block['elements'] : [];
      const html = els.map((e) => (isObj(e) && e['type'] === 'image' ? imageHtml(e) : `<span>${textToHtml(e, ctx)}</span>`)).join(' ');
      return `<div class="bk-context">${html}</div>`;
    }
    case 'actions': {
      const els = Array.isArray(block['elements']) ? block['elements'] : [];
      return `<div class="bk-actions">${els.map((e) => (isObj(e) ? actionElement(e, blockId, ctx) : unsupported('element', typeof e))).join('')}</div>`;
    }
    case 'input': {
      const el = isObj(block['element']) ? block['element'] : {};
      const optional = block['optional'] === true ? ' <span class="bk-optional">(optional)</span>' : '';
      const hint = block['hint'] !== undefined ? `<div class="bk-hint">${textToHtml(block['hint'], ctx)}</div>` : '';
      return `<div class="bk-input"${attr('data-block-id', blockId)}><label class="bk-label">${textToHtml(block['label'], ctx)}${optional}</label>${inputElement(el, blockId, ctx)}${hint}<div class="bk-error" data-error-for="${escapeHtml(blockId)}"></div></div>`;
    }
    case 'image':
      return `<div class="bk-image-block">${block['title'] !== undefined ? `<div class="bk-label">${textToHtml(block['title'], ctx)}</div>` : ''}${imageHtml(block)}</div>`;
    default:
      return unsupported('block', type);
  }
}

export function renderBlocks(blocks: readonly unknown[], ctx: RenderContext): string {
  return blocks.map((b) => renderBlock(b, ctx)).join('');
}

export interface RenderableMessage {
  ts: string;
  text?: string;
  blocks?: readonly unknown[];
  user?: string;
  bot_id?: string;
}

/** A message body: its blocks, or its text as mrkdwn when it has none. */
export function renderMessageBody(m: RenderableMessage, ctx: RenderContext): string {
  if (Array.isArray(m.blocks) && m.blocks.length > 0) return renderBlocks(m.blocks, ctx);
  return `<div class="bk-text">${mrkdwnToHtml(m.text ?? '', ctx)}</div>`;
}

export interface RenderableView {
  id: string;
  type: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: readonly unknown[];
}

/** A modal: title, blocks (inputs as a form), and its Close / Submit buttons. */
export function renderModal(view: RenderableView, ctx: RenderContext): string {
  const title = textToHtml(view.title ?? { type: 'plain_text', text: 'Modal' }, ctx);
  const close = textOf(view.close) || 'Close';
  const submit = view.submit ? `<button type="submit" class="bk-btn bk-primary" data-gl="submit">${escapeHtml(textOf(view.submit))}</button>` : '';
  return (
    `<form class="modal" data-view-id="${escapeHtml(view.id)}" novalidate>` +
    `<div class="modal-title">${title}</div>` +
    `<div class="modal-body">${renderBlocks(view.blocks, ctx)}</div>` +
    `<div class="modal-error" data-modal-error></div>` +
    `<div class="modal-buttons"><button type="button" class="bk-btn" data-gl="close">${escapeHtml(close)}</button>${submit}</div>` +
    `</form>`
  );
}
