import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../../src/db/client';
import { openDatabase } from '../../../../src/db/client';
import type { Release } from '../../../../src/db/release.repo';
import { insertRelease } from '../../../../src/db/release.repo';
import { LIMIT, lineSections } from '../../../../src/slack/views/kit';
import { calendarMessage } from '../../../../src/slack/views/calendar.view';

const handles: DatabaseHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.close();
});

const textsOf = (blocks: readonly unknown[]) =>
  blocks.flatMap((b) => {
    const t = (b as { type: string; text?: { text?: string } }).text?.text;
    return (b as { type: string }).type === 'section' && t !== undefined ? [t] : [];
  });

describe('lineSections', () => {
  it('packs lines into sections within the limit, cutting only between lines, keeping every line in order', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(2, '0')} <@U0USER${i}> ${'x'.repeat(200)}`);
    const sections = lineSections(lines, 1000);
    const texts = textsOf(sections);
    expect(texts.length).toBeGreaterThan(1);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(1000);
    expect(texts.join('\n').split('\n')).toEqual(lines);
  });
});

describe('the deploy calendar', () => {
  it('shows forty long deploy lines whole, over several sections, none past Slack\'s 3,000 characters', () => {
    const h = openDatabase(':memory:');
    handles.push(h);
    const start = Date.UTC(2026, 11, 8, 9);
    const deploys: Release[] = Array.from({ length: 40 }, (_, i) => ({
      ...insertRelease(h.db, {
        service: `payments-api-${i}`,
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
      scheduledAt: start + i * 1_800_000,
    }));
    const msg = calendarMessage({ zone: 'Europe/Berlin', from: start, until: start + 14 * 86_400_000, deploys, windows: [], freezes: [] }, 14);
    const texts = textsOf(msg.blocks ?? []);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(LIMIT.sectionText);
    const all = texts.join('\n');
    expect(all.length).toBeGreaterThan(LIMIT.sectionText);
    for (const r of deploys) expect(all).toContain(`*REL-${r.id}* ${r.service} \`${r.version}\` → production`);
  });
});
