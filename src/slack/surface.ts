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
