import { describe, expect, it } from 'vitest';
import { LIMIT } from '../../../../src/slack/views/kit';
import { answerMessage } from '../../../../src/slack/views/review.view';

describe('a review answer in the thread', () => {
  it('keeps every action item when the answers fill a section: long answers split between parts, never cut', () => {
    const long = (c: string) => c.repeat(700);
    const items = Array.from({ length: 5 }, (_, i) => ({ text: `Item ${i}: ${'y'.repeat(300)}`, owner: `U0OWN${i}`, due: '2026-12-10', doneAt: null }));
    const msg = answerMessage({ userId: 'U0QA', wentWell: long('a'), improve: long('b'), incidents: long('c') }, items);
    const texts = msg.blocks.map((b) => (b as { text?: { text?: string } }).text?.text ?? '');
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(LIMIT.sectionText);
    const all = texts.join('\n');
    for (const i of items) expect(all).toContain(`${i.text} — <@${i.owner}>, due ${i.due}`);
    expect(all).toContain(long('c'));
  });
});
