/**
 * Freeze edges re-render the cards: when a freeze ends, the freeze note and the Emergency override go; when one comes
 * within the card's 14 days, they appear. One timer per edge, derived from the policy and the database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { freezeBoundToMillis } from '../../src/config';
import type { Harness } from '../support/harness';
import { CHANNELS, U, findCard, openModal, policyBase, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** payments-api releases start in scheduling: the card offers the Emergency override from the first render. */
/** The card once `predicate` holds for it, waiting up to 30 s (a freeze edge is a few seconds away). */
const cardWhen = (t: Harness, id: number, predicate: (blocks: string) => boolean, description: string) =>
  t.fake.waitFor(
    () => {
      const card = findCard(t, CHANNELS.payments, id);
      return card && predicate(JSON.stringify(card.blocks)) ? card : undefined;
    },
    { timeoutMs: 30_000, description },
  );
const policy = (freezes: string) => `${policyBase(`    workflow: { stages: [scheduling] }\n`)}windows:
  production: always
  staging: always
${freezes}`;

describe('freeze edges refresh the cards', () => {
  it('drops the freeze note and the Emergency override when a freeze ends, and shows them when the next comes within 14 days', async () => {
    const base = Math.ceil(Date.now() / 1000) * 1000;
    const endsAt = base + 12_000; // the freeze in force ends a few seconds from now
    const nextStart = base + 14 * DAY + 25_000; // the next one comes within 14 days a little later
    const t = await startHarness({
      policy: policy(`freezes:
  - { start: "${iso(base - 3_600_000)}", end: "${iso(endsAt)}", reason: Incident 7 }
  - { start: "${iso(nextStart)}", end: "${iso(nextStart + 3_600_000)}", reason: Board demo }
`),
    });
    h = t;
    // one timer per freeze edge, derived at start
    const ids = (await t.gl.timers.pending()).map((j) => j.id).filter((id) => id.startsWith('freeze-'));
    expect(ids.sort()).toEqual([`freeze-ahead-${nextStart - 14 * DAY + 1}`, `freeze-end-${endsAt}`, `freeze-end-${nextStart + 3_600_000}`].sort());

    const { id } = await requestRelease(t);
    const frozen = await waitForCard(t, CHANNELS.payments, id, (x) => x.includes('Incident 7'));
    expect(Date.now()).toBeLessThan(endsAt); // (else the test machine was too slow to see the freeze at all)
    expect(textOf(frozen)).toContain('*Scheduling*');
    expect(textOf(frozen)).toContain('Emergency override');

    // the freeze ends: the card is re-rendered without it, nothing else having changed
    const thawed = await cardWhen(t, id, (x) => !x.includes(':snowflake: Freeze'), 'the card without the freeze');
    expect(textOf(thawed)).not.toContain('Emergency override');
    expect(textOf(thawed)).toContain('*Scheduling*');
    expect(Date.now()).toBeGreaterThanOrEqual(endsAt);

    // the next freeze comes within 14 days: the card shows it and offers the override again
    const ahead = await cardWhen(t, id, (x) => x.includes('Board demo'), 'the card showing the next freeze');
    expect(textOf(ahead)).toContain('Emergency override');
    expect(textOf(findCard(t, CHANNELS.payments, id) ?? {})).not.toContain('Incident 7');
  }, 90_000);

  it('sets the timers of a freeze declared in Slack: when it comes within 14 days and when it ends', async () => {
    const t = await startHarness({ policy: policy('') });
    h = t;
    await t.driver.command(U.rm, 'freeze');
    const modal = await openModal(t, U.rm, 'freeze.declare');
    const day = DateTime.now().setZone('Europe/Berlin').plus({ days: 40 }).toISODate() ?? '';
    expect((await t.driver.submitView(U.rm, modal.id, { 'First day': day, 'Last day': day, Reason: 'Quiet week' })).outcome.outcome).toBe('closed');
    const start = freezeBoundToMillis(day, 'Europe/Berlin', 'start') ?? 0;
    const end = freezeBoundToMillis(day, 'Europe/Berlin', 'end') ?? 0;
    const want = [`freeze-ahead-${start - 14 * DAY + 1}`, `freeze-end-${end}`];
    // (set in the background after the modal is answered: wait until they are there)
    let found: string[] = [];
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      found = (await t.gl.timers.pending()).map((j) => j.id).filter((j) => j.startsWith('freeze-'));
      if (want.every((w) => found.includes(w))) break;
    }
    expect(found.sort()).toEqual(want.sort());
  }, 60_000);
});
