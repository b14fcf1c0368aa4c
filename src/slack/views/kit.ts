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

/** The largest k in [0, n] with fits(k), for a `fits` that holds up to some k and fails above it (binary search). */
function longestFitting(n: number, fits: (k: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Lines as sections (`lineSections`), at most `maxBlocks` of them: the longest run of leading lines that fits, and how
 * many lines that is (the caller says what was left out). Sections fill greedily, so more lines never need fewer.
 */
export function sectionsWithin(lines: readonly string[], maxBlocks: number): { sections: SectionBlock[]; shown: number } {
  const all = lineSections(lines);
  if (all.length <= maxBlocks) return { sections: all, shown: lines.length };
  const shown = longestFitting(lines.length, (k) => lineSections(lines.slice(0, k)).length <= maxBlocks);
  return { sections: lineSections(lines.slice(0, shown)), shown };
}

/**
 * `lines` as sections cut between lines (`lineSections`), at most `maxBlocks` of them: when they need more, lines are
 * left off the end and a last line, inside the sections, says how many (`more`).
 */
export function boundedLineSections(lines: readonly string[], maxBlocks: number, more: (left: number) => string = (n) => `_…and ${n} more._`): SectionBlock[] {
  const all = lineSections(lines);
  if (all.length <= maxBlocks) return all;
  const cut = (kept: number) => lineSections([...lines.slice(0, kept), more(lines.length - kept)]);
  const kept = longestFitting(lines.length - 1, (k) => k === 0 || cut(k).length <= maxBlocks);
  return cut(kept).slice(0, Math.max(maxBlocks, 1));
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
