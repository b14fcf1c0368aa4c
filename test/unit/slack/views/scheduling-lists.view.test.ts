/** Long lists in the scheduling views: cut between lines, within Slack's section and block limits. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Freeze } from '../../../../src/config';
import type { DatabaseHandle } from '../../../../src/db/client';
import { openDatabase } from '../../../../src/db/client';
import type { Release } from '../../../../src/db/release.repo';
import { insertRelease } from '../../../../src/db/release.repo';
import { validateBlocks } from '../../../../src/fake-slack/blockkit';
import type { CalendarFreeze } from '../../../../src/usecases/calendar';
import { calendarMessage } from '../../../../src/slack/views/calendar.view';
import { boundedLineSections } from '../../../../src/slack/views/kit';
import { digestMessage } from '../../../../src/slack/views/digest.view';
import { freezeListMessage } from '../../../../src/slack/views/freeze.view';
import { LIMIT } from '../../../../src/slack/views/kit';

const handles: DatabaseHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.close();
});

const ZONE = 'Europe/Berlin';
const START = Date.UTC(2026, 11, 8, 9);

const sectionTexts = (blocks: readonly unknown[]) =>
  blocks.flatMap((b) => {
    const t = (b as { type: string; text?: { text?: string } }).text?.text;
    return (b as { type: string }).type === 'section' && t !== undefined ? [t] : [];
  });

function releases(n: number, service: (i: number) => string): Release[] {
  const h = openDatabase(':memory:');
  handles.push(h);
  return Array.from({ length: n }, (_, i) => ({
    ...insertRelease(h.db, {
      service: service(i),
      version: `${i}.0.0-${'r'.repeat(56)}`,
      title: 't',
      changelog: 'c',
      environment: 'production',
      risk: 'low',
      rollbackPlan: 'revert',
      requestedBy: 'U0DEV',
      source: 'slack',
      state: 'scheduled',
      createdAt: 1,
    }),
    scheduledAt: START + i * 60_000,
  }));
}

/** Every section line is one whole line of the list: no entity or mention cut in half. */
function expectWholeLines(blocks: readonly unknown[], lineOk: (line: string) => boolean): string[] {
  expect(validateBlocks(blocks, 'message')).toEqual([]);
  const texts = sectionTexts(blocks);
  for (const t of texts) expect(t.length).toBeLessThanOrEqual(LIMIT.sectionText);
  const lines = texts.flatMap((t) => t.split('\n'));
  for (const line of lines) expect(lineOk(line), line).toBe(true);
  return lines;
}

describe('boundedLineSections', () => {
  it('keeps to the block budget, leaving whole lines off the end and counting them', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} <@U0USER${i}> R&amp;D ${'x'.repeat(900)}`);
    const sections = boundedLineSections(lines, 5);
    expect(sections).toHaveLength(5);
    const out = sectionTexts(sections).flatMap((t) => t.split('\n'));
    const last = out.pop() ?? '';
    expect(out).toEqual(lines.slice(0, out.length));
    expect(last).toBe(`_…and ${lines.length - out.length} more._`);
    // lines that fit are returned as lineSections would
    expect(sectionTexts(boundedLineSections(lines.slice(0, 3), 5)).join('\n').split('\n')).toEqual(lines.slice(0, 3));
  });
});

describe('the morning digest', () => {
  it('lists hundreds of deploys and waits whole, within 50 blocks, and says how many it left off', () => {
    const today = releases(200, (i) => `R&D-${i}-${'s'.repeat(50)}`);
    const waiting = Array.from({ length: 60 }, (_, i) => ({ id: i + 1, state: 'review', since: START, on: Array.from({ length: 8 }, (_, j) => `U0PERSON${i}X${j}`) }));
    const msg = digestMessage({ date: '2026-12-08', today, waiting, zone: ZONE });
    expect(msg.blocks.length).toBeLessThanOrEqual(LIMIT.messageBlocks);
    const lines = expectWholeLines(msg.blocks, (l) => /^(\*Deploying today\*|\*Waiting on approvals\*|• .*(\(production\)|<@U0PERSON\d+X7>)|_…and \d+ more: `\/release (calendar|list)` shows them\._)$/.test(l));
    expect(lines.join('\n')).toContain('R&amp;D-0-');
    expect(lines.some((l) => l.startsWith('_…and') && l.includes('/release list'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('• *REL-'))).toHaveLength(25);
  });
});

describe('/release freeze and /release calendar', () => {
  const freezes: Freeze[] = Array.from({ length: 60 }, (_, i) => ({
    start: START + i * 86_400_000,
    end: START + i * 86_400_000 + 3_600_000,
    reason: `R&D <!channel> ${i} ${'x'.repeat(300)}`,
    services: Array.from({ length: 12 }, (_, j) => `service-${j}-${'n'.repeat(40)}`),
    startText: '',
    endText: '',
  }));

  it('the freeze list: forty long freezes whole, the rest counted', () => {
    const msg = freezeListMessage(freezes, ZONE, true);
    const lines = expectWholeLines(msg.blocks, (l) => /^:snowflake: \*.*\* — R&amp;D &lt;!channel&gt; \d+ x+…? _\(.*\)_$|^_…and 20 more, starting later\._$/.test(l));
    expect(lines.filter((l) => l.startsWith(':snowflake:'))).toHaveLength(40);
  });

  it('the calendar: forty long deploys and twenty long freezes, within 50 blocks', () => {
    const deploys = releases(40, (i) => `R&D-${i}-${'s'.repeat(58)}`);
    const calFreezes: CalendarFreeze[] = freezes.map((f) => ({ reason: f.reason, start: f.start, end: f.end, services: f.services, allDay: false }));
    const msg = calendarMessage({ zone: ZONE, from: START, until: START + 14 * 86_400_000, deploys, windows: [], freezes: calFreezes }, 14);
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    const lines = sectionTexts(msg.blocks ?? []).flatMap((t) => t.split('\n'));
    expect(lines.filter((l) => l.startsWith(':rocket:'))).toHaveLength(40);
    const freezeLines = lines.filter((l) => l.startsWith(':snowflake:'));
    expect(freezeLines).toHaveLength(20);
    for (const l of freezeLines) expect(l).toMatch(/^:snowflake: .* – .*: \*R&amp;D &lt;!channel&gt; \d+ x+…\* \(service-0-n+, .*service-11-n+\)$/);
    expect(lines).toContain('_…and 40 more, starting later._');
  });
});
