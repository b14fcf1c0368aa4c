/** Text helpers for Slack mrkdwn. Everything a person typed goes through `esc` before it reaches Slack. */

/** Escapes the three characters Slack's mrkdwn treats as control characters, so `<!channel>` pings nobody. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to `max` characters (counting the ellipsis), on a code-point boundary. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Escapes and then truncates; escaping can lengthen text, so the limit applies to the escaped form. */
export function escTrunc(text: string, max: number): string {
  const escaped = esc(text);
  if (escaped.length <= max) return escaped;
  // Cut before escaping so no entity is split in half, then re-check.
  let cut = truncate(text, max);
  while (esc(cut).length > max && cut.length > 1) cut = truncate(text, Array.from(cut).length - 1);
  return esc(cut);
}

/**
 * Slack mrkdwn as plain text, for the one place Slack shows text exactly as given: a modal's inline errors
 * (`response_action: errors`). Emoji codes go, links and dates keep their text, bold and code marks go, entities are
 * decoded. Mentions can't be shown there: write those messages with role names instead.
 */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/:[a-z][a-z0-9_+-]*: ?/g, '')
    .replace(/<[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)>/g, '@$1')
    .replace(/<#(C[A-Z0-9]+)>/g, '#$1')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

export function mention(userId: string): string {
  return userId.startsWith('S') ? `<!subteam^${userId}>` : `<@${userId}>`;
}

/** Who did something: a mention for a Slack user (U…, or W… on Enterprise Grid), else the name as text ("api"). */
export function actorText(actor: string | null, otherwise: string): string {
  if (actor && /^[UW][A-Z0-9]+$/.test(actor)) return mention(actor);
  return esc(actor || otherwise);
}

export function mentions(ids: readonly string[], empty = '_nobody assigned_'): string {
  return ids.length ? ids.map(mention).join(', ') : empty;
}

export function relId(id: number): string {
  return `REL-${id}`;
}

/** A date Slack renders in each reader's own time zone, with a UTC fallback. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  const seconds = Math.floor(ms / 1000);
  const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${seconds}^${format}|${fallback}>`;
}

/** A URL as a link only when it is http(s) and holds no characters that would break out of `<…|…>`. */
export function safeLink(url: string, label?: string): string {
  if (!/^https?:\/\/[^\s<>|]+$/.test(url)) return esc(url);
  return label ? `<${url}|${esc(label).replace(/\|/g, '¦')}>` : `<${url}>`;
}
