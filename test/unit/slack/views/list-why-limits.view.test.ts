/** `/release list` and `/release why` with long lines: cut between lines, within Slack's section and block limits. */
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../../src/db/client';
import { openDatabase } from '../../../../src/db/client';
import type { Release } from '../../../../src/db/release.repo';
import { insertRelease } from '../../../../src/db/release.repo';
import { validateBlocks } from '../../../../src/fake-slack/blockkit';
import { LIMIT } from '../../../../src/slack/views/kit';
import { listMessage, whyMessage } from '../../../../src/slack/views/messages.view';
import type { Hold } from '../../../../src/usecases/why';

const handles: DatabaseHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.close();
});

function releases(n: number): Release[] {
  const h = openDatabase(':memory:');
  handles.push(h);
  return Array.from({ length: n }, (_, i) =>
    insertRelease(h.db, {
      service: `svc-${i}-${'s'.repeat(56)}`,
      version: `${i}.0.0-${'r'.repeat(56)}`,
      title: 't',
      changelog: 'c',
      environment: 'production',
      risk: 'low',
      rollbackPlan: 'revert',
      requestedBy: 'U0DEV',
      source: 'slack',
      state: 'review',
      createdAt: 1,
    }),
  );
}

const sectionTexts = (blocks: readonly unknown[]) =>
  blocks.flatMap((b) => {
    const t = (b as { type: string; text?: { text?: string } }).text?.text;
    return (b as { type: string }).type === 'section' && t !== undefined ? [t] : [];
  });

function expectWhole(blocks: readonly unknown[]): string[] {
  expect(validateBlocks(blocks, 'message')).toEqual([]);
  expect(blocks.length).toBeLessThanOrEqual(LIMIT.messageBlocks);
  const texts = sectionTexts(blocks);
  for (const t of texts) expect(t.length).toBeLessThanOrEqual(LIMIT.sectionText);
  return texts.flatMap((t) => t.split('\n'));
}

describe('/release list', () => {
  it('40 releases with long names: every line whole, none lost', () => {
    const rs = releases(40);
    const msg = listMessage(rs, 40);
    const lines = expectWhole(msg.blocks ?? []);
    for (const r of rs) expect(lines.filter((l) => l.includes(`*REL-${r.id}*`) && l.endsWith('<@U0DEV>'))).toHaveLength(1);
    expect(JSON.stringify(msg.blocks)).not.toContain('more.');
  });

  it('more than 50 blocks would hold: the rest is counted, with the releases not fetched', () => {
    const rs = releases(1200);
    const msg = listMessage(rs, 1300);
    const lines = expectWhole(msg.blocks ?? []).filter((l) => l.includes('*REL-'));
    expect(lines.length).toBeLessThan(1200);
    expect(JSON.stringify(msg.blocks)).toContain(`…and ${1300 - lines.length} more. Showing ${lines.length} of 1300.`);
  });
});

describe('/release why', () => {
  const release = (): Release => releases(1)[0] as Release;
  const members = Array.from({ length: 120 }, (_, i) => `U0QA${String(i).padStart(5, '0')}`);

  it('holds naming many members: whole lines in sections of at most 3,000 characters', () => {
    const holds: Hold[] = Array.from({ length: 12 }, () => ({ kind: 'approval', stage: 'qa', role: 'qa', missing: 1, who: members.slice(0, 20) }));
    const msg = whyMessage({ release: release(), holds, earliestSlot: null, schedulable: false, zone: 'Europe/Berlin', overridden: false });
    const lines = expectWhole(msg.blocks ?? []).filter((l) => l.startsWith(':hourglass_flowing_sand:'));
    expect(lines).toHaveLength(12);
    for (const l of lines) expect(l.endsWith(`<@${members[19]}>`)).toBe(true);
  });

  it('more holds than 50 blocks hold: "…and N more"', () => {
    const holds: Hold[] = Array.from({ length: 200 }, () => ({ kind: 'approval', stage: 'qa', role: 'qa', missing: 1, who: members.slice(0, 60) }));
    const msg = whyMessage({ release: release(), holds, earliestSlot: null, schedulable: true, zone: 'Europe/Berlin', overridden: false });
    const lines = expectWhole(msg.blocks ?? []).filter((l) => l.startsWith(':hourglass_flowing_sand:'));
    expect(lines.length).toBeLessThan(200);
    expect(JSON.stringify(msg.blocks)).toContain(`…and ${200 - lines.length} more.`);
    expect(JSON.stringify(msg.blocks)).toContain('No slot satisfies');
  });
});
