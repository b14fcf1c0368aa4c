import { describe, expect, it } from 'vitest';
import { timerId } from '../../../src/queue/jobs';
import { FREEZE_AHEAD_MS } from '../../../src/domain/calendar';
import { freezeEdgeTimers } from '../../../src/usecases/timers';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

describe('freeze edge timers', () => {
  it('sets one timer at the end of a freeze in force, and none for the look-ahead it has already entered', () => {
    const specs = freezeEdgeTimers([{ start: NOW - DAY, end: NOW + DAY }], NOW);
    expect(specs).toEqual([{ name: 'freeze-edge', payload: { edge: 'end', at: NOW + DAY }, at: NOW + DAY }]);
    expect(specs.map(timerId)).toEqual([`freeze-end-${NOW + DAY}`]);
  });

  it('sets the look-ahead edge of a freeze more than 14 days out at the first instant a card would show it, and its end', () => {
    const start = NOW + 30 * DAY;
    const end = start + 2 * DAY;
    const specs = freezeEdgeTimers([{ start, end }], NOW);
    expect(specs.map((s) => s.payload)).toEqual([
      { edge: 'ahead', at: start - FREEZE_AHEAD_MS + 1 },
      { edge: 'end', at: end },
    ]);
    expect(specs.every((s) => s.at === s.payload.at)).toBe(true);
    // a card looks at [now, now + 14 days): the freeze is outside it just before the edge and inside it at the edge
    const at = specs[0]?.at ?? 0;
    expect(start < at - 1 + FREEZE_AHEAD_MS).toBe(false);
    expect(start < at + FREEZE_AHEAD_MS).toBe(true);
  });

  it('sets nothing for freezes already over, and one timer for edges freezes share (never one per release)', () => {
    const end = NOW + 3 * DAY;
    const specs = freezeEdgeTimers(
      [
        { start: NOW - 3 * DAY, end: NOW - DAY },
        { start: NOW - DAY, end },
        { start: NOW + DAY, end },
        { start: NOW + 2 * DAY, end: NOW + 2 * DAY }, // empty: nothing to show
      ],
      NOW,
    );
    expect(specs.map(timerId)).toEqual([`freeze-end-${end}`]);
  });
});
