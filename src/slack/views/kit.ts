/** Small typed constructors for Block Kit, so views read like the message they build. */
import type { ActionsBlock, Button, ContextBlock, DividerBlock, HeaderBlock, KnownBlock, MrkdwnElement, PlainTextElement, SectionBlock } from '@slack/types';
import { truncate } from '../format';

export const LIMIT = { sectionText: 3000, field: 2000, header: 150, button: 75, context: 10, modalTitle: 24, messageBlocks: 50, surfaceBlocks: 100 } as const;

export function plain(text: string, max = 2000): PlainTextElement {
  return { type: 'plain_text', text: truncate(text || ' ', max), emoji: true };
}

export function md(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text: text || ' ' };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, LIMIT.header) };
}

/** A section; text must already be escaped mrkdwn and is cut at Slack's 3,000 characters. */
export function section(text: string, extra: Partial<Omit<SectionBlock, 'type' | 'text'>> = {}): SectionBlock {
  return { type: 'section', text: md(truncate(text, LIMIT.sectionText)), ...extra };
}

/**
 * Lines as as few sections as fit, each cut between lines rather than inside one: a cut in the middle of a line can
 * split a mention, a `<!date^…>` or an `&amp;` and show it as raw text. (A single line over the limit is still cut.)
 */
export function lineSections(lines: readonly string[], max: number = LIMIT.sectionText): SectionBlock[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > max) {
      chunks.push(current);
      current = '';
    }
    current += (current ? '\n' : '') + line;
  }
  if (current) chunks.push(current);
  return chunks.map((c) => section(c));
}

export function fields(items: readonly string[]): SectionBlock {
  return { type: 'section', fields: items.slice(0, 10).map((f) => md(truncate(f, LIMIT.field))) };
}

export function context(items: readonly string[]): ContextBlock {
  return { type: 'context', elements: items.slice(0, LIMIT.context).map((t) => md(truncate(t, LIMIT.sectionText))) };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

export function button(
  label: string,
  actionId: string,
  value: string,
  opts: { style?: 'primary' | 'danger'; confirm?: { title: string; text: string; confirm: string; deny?: string } } = {},
): Button {
  return {
    type: 'button',
    text: plain(label, LIMIT.button),
    action_id: actionId,
    value,
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.confirm
      ? {
          confirm: {
            title: plain(opts.confirm.title, 100),
            text: md(truncate(opts.confirm.text, 300)),
            confirm: plain(opts.confirm.confirm, 30),
            deny: plain(opts.confirm.deny ?? 'Cancel', 30),
          },
        }
      : {}),
  };
}

export function actions(blockId: string, elements: ActionsBlock['elements']): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: elements.slice(0, 25) };
}

export type Blocks = KnownBlock[];
