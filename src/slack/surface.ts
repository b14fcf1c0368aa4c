/** Which Slack surface a parsed /slack/events body belongs to: the `surface` label of the ack metrics. Pure. */
export type Surface = 'command' | 'action' | 'view' | 'event' | 'shortcut' | 'other';

export function surfaceOf(body: unknown): Surface {
  if (!body || typeof body !== 'object') return 'other';
  const b = body as { command?: unknown; type?: unknown };
  if (typeof b.command === 'string') return 'command';
  switch (b.type) {
    case 'block_actions':
    case 'block_suggestion':
    case 'interactive_message':
      return 'action';
    case 'view_submission':
    case 'view_closed':
      return 'view';
    case 'event_callback':
      return 'event';
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    default:
      return 'other';
  }
}

/**
 * The Slack user a parsed delivery came from: who clicked, submitted, ran the command or caused the event; undefined
 * when it has none (app_rate_limited, a bot's event). Pure.
 */
export function userOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { user?: unknown; user_id?: unknown; event?: { user?: unknown } };
  if (b.user && typeof b.user === 'object' && typeof (b.user as { id?: unknown }).id === 'string') return (b.user as { id: string }).id;
  if (typeof b.user === 'string') return b.user;
  if (typeof b.user_id === 'string') return b.user_id;
  if (b.event && typeof b.event === 'object' && typeof b.event.user === 'string') return b.event.user;
  return undefined;
}
