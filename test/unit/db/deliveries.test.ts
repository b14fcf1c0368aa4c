import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client';
import { markDelivery, pruneDeliveries } from '../../../src/db/release.repo';

describe('processed deliveries', () => {
  it('drops a repeat, forgets old ones when pruned, and then accepts them again', () => {
    const { db, close } = openDatabase(':memory:');
    try {
      expect(markDelivery(db, 'event:Ev1', 1_000)).toBe(true);
      expect(markDelivery(db, 'event:Ev1', 1_500)).toBe(false);
      expect(markDelivery(db, 'event:Ev2', 5_000)).toBe(true);
      expect(pruneDeliveries(db, 2_000)).toBe(1);
      expect(markDelivery(db, 'event:Ev2', 6_000)).toBe(false);
      expect(markDelivery(db, 'event:Ev1', 6_000)).toBe(true);
    } finally {
      close();
    }
  });
});
