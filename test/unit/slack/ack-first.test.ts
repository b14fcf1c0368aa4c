/**
 * The after-ack lane: work that waits for its turn runs in order, one piece per event-loop turn, and a request that
 * arrives while a long backlog waits is answered long before the backlog is through.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AfterAckLane } from '../../../src/slack/ack-first';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin: stands for a transaction and a card render */
  }
}

describe('AfterAckLane', () => {
  it('runs waiting work in arrival order and reports the backlog', async () => {
    const lane = new AfterAckLane();
    const order: number[] = [];
    const all = Array.from({ length: 50 }, (_, i) => lane.turn().then(() => order.push(i)));
    expect(lane.backlog).toBe(50);
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(lane.backlog).toBe(0);
  });

  it('keeps order across the internal compaction of a long queue', async () => {
    const lane = new AfterAckLane();
    const order: number[] = [];
    const first = Array.from({ length: 3000 }, (_, i) => lane.turn().then(() => order.push(i)));
    await Promise.all(first.slice(0, 1500));
    const later = Array.from({ length: 10 }, (_, i) => lane.turn().then(() => order.push(3000 + i)));
    await Promise.all([...first, ...later]);
    expect(order).toEqual(Array.from({ length: 3010 }, (_, i) => i));
  });

  it('answers a request that arrives behind a backlog before the backlog has run', async () => {
    const server = createServer((_req, res) => res.end('ack'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await (await fetch(url)).text(); // warm the connection and the HTTP client
      const lane = new AfterAckLane();
      const pieces = 400;
      let ran = 0;
      const work = Array.from({ length: pieces }, () =>
        lane.turn().then(() => {
          busy(2);
          ran++;
        }),
      );
      const answeredAfter = await fetch(url).then(async (r) => {
        await r.text();
        return ran;
      });
      await Promise.all(work);
      // In arrival order the answer would come after all 400 pieces; one turn each lets it through after a few.
      expect(ran).toBe(pieces);
      expect(answeredAfter).toBeLessThan(pieces / 4);
    } finally {
      server.close();
    }
  });
});
