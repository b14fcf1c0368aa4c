/**
 * The after-ack lane: work that waits for its turn runs one piece per event-loop turn, each person's in order and
 * people in turns, and a request that arrives while a long backlog waits is answered long before the backlog is
 * through.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { AfterAckLane, ackFirst, laneKeyOf, refuseWhenFull } from '../../../src/slack/ack-first';

/** Lets pending setImmediate turns run. */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

type ProcessEvent = App['processEvent'];
type ReceiverEvent = Parameters<ProcessEvent>[0];

/** Just enough of a Bolt App for ackFirst: processEvent runs `listener` with the event's ack. */
function fakeApp(listener: (ack: () => Promise<void>) => Promise<void>): App {
  const app = { processEvent: async (event: ReceiverEvent) => listener(() => event.ack()) };
  return app as unknown as App;
}

function delivery(onAck: () => void = () => undefined): ReceiverEvent {
  return { body: {}, ack: async () => onAck() } as unknown as ReceiverEvent;
}

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
    const all = Array.from({ length: 50 }, (_, i) => lane.turn().then(() => { order.push(i); lane.done(); }));
    expect(lane.backlog).toBe(50);
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(lane.backlog).toBe(0);
  });

  it("takes people in turns, one piece each, and keeps each person's work in order", async () => {
    const lane = new AfterAckLane();
    const order: string[] = [];
    const work = (who: string, n: number) => lane.turn(who).then(() => { order.push(`${who}${n}`); lane.done(); });
    // one person's flood arrives first, then two others' work
    const all = [
      ...Array.from({ length: 5 }, (_, i) => work('A', i)),
      work('B', 0),
      work('C', 0),
      work('B', 1),
    ];
    expect(lane.backlog).toBe(8);
    await Promise.all(all);
    expect(order).toEqual(['A0', 'B0', 'C0', 'A1', 'B1', 'A2', 'A3', 'A4']);
    expect(lane.backlog).toBe(0);
  });

  it('a person whose work has all run goes to the back of the turns when new work comes', async () => {
    const lane = new AfterAckLane({ maxActive: 1, maxWaiting: 100 });
    const order: string[] = [];
    const work = (who: string, n: number) => lane.turn(who).then(() => order.push(`${who}${n}`));
    const first = [work('A', 0), work('B', 0), work('B', 1)];
    await settle();
    expect(order).toEqual(['A0']); // A0 runs; A has nothing more waiting
    const more = [work('C', 0), work('A', 1)];
    for (let i = 0; i < 4; i++) {
      lane.done();
      await settle();
    }
    await Promise.all([...first, ...more]);
    expect(order).toEqual(['A0', 'B0', 'C0', 'A1', 'B1']);
  });

  it("keeps one person's order through a long queue, with more arriving as it drains", async () => {
    const lane = new AfterAckLane();
    const order: number[] = [];
    const first = Array.from({ length: 3000 }, (_, i) => lane.turn().then(() => { order.push(i); lane.done(); }));
    await Promise.all(first.slice(0, 1500));
    const later = Array.from({ length: 10 }, (_, i) => lane.turn().then(() => { order.push(3000 + i); lane.done(); }));
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
          lane.done();
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

  it('runs at most maxActive listeners at once and starts the next when one finishes', async () => {
    const lane = new AfterAckLane({ maxActive: 2, maxWaiting: 100 });
    let started = 0;
    const all = Array.from({ length: 5 }, () => lane.turn().then(() => started++));
    await settle();
    expect(started).toBe(2);
    expect(lane.active).toBe(2);
    expect(lane.backlog).toBe(3);
    lane.done();
    await settle();
    expect(started).toBe(3);
    for (let i = 0; i < 4; i++) {
      lane.done();
      await settle();
    }
    await Promise.all(all);
    expect(started).toBe(5);
  });

  it('refuses once maxWaiting deliveries wait, and counts each refusal', async () => {
    const lane = new AfterAckLane({ maxActive: 1, maxWaiting: 3 });
    const turns = Array.from({ length: 4 }, () => lane.turn().then(() => lane.done()));
    lane.done = () => undefined; // hold every turn: one runs, three wait
    const handBack = AfterAckLane.prototype.done.bind(lane);
    await settle();
    expect(lane.backlog).toBe(3);
    expect(lane.refuse()).toBe(true);
    expect(lane.refuse()).toBe(true);
    expect(lane.refused).toBe(2);
    handBack();
    await settle();
    expect(lane.refuse()).toBe(false);
    for (let i = 0; i < 3; i++) {
      handBack();
      await settle();
    }
    await Promise.all(turns);
    expect(lane.backlog).toBe(0);
  });

  it("waits each delivery's work in the turn of the person it came from", async () => {
    const lane = new AfterAckLane({ maxActive: 1, maxWaiting: 100 });
    const ran: string[] = [];
    const app = { processEvent: async (event: ReceiverEvent) => { await event.ack(); ran.push(String((event.body as { tag?: string }).tag)); } } as unknown as App;
    ackFirst(app, lane);
    const send = (body: Record<string, unknown>) => app.processEvent({ body, ack: async () => undefined } as unknown as ReceiverEvent);
    const click = (user: string, tag: string) => send({ type: 'block_actions', user: { id: user }, tag });
    await Promise.all([
      click('U0OUT', 'out1'),
      click('U0OUT', 'out2'),
      click('U0OUT', 'out3'),
      send({ command: '/release', user_id: 'U0DEV', tag: 'command' }),
      click('U0QA', 'approve'),
    ]);
    expect(ran).toEqual(['out1', 'command', 'approve', 'out2', 'out3']);
  });

  it('acknowledges before the turn, and hands the turn back when the listener ends, even one that did not await its ack', async () => {
    const lane = new AfterAckLane({ maxActive: 1, maxWaiting: 100 });
    const acked: number[] = [];
    let ran = 0;
    const app = fakeApp(async (ack) => {
      void ack(); // not awaited: the listener ends before its turn comes
      ran++;
    });
    ackFirst(app, lane);
    for (let i = 0; i < 3; i++) await app.processEvent(delivery(() => acked.push(i)));
    expect(acked).toEqual([0, 1, 2]);
    await settle();
    expect(ran).toBe(3);
    expect(lane.active).toBe(0);
    expect(lane.backlog).toBe(0);
  });

  it('over Socket Mode leaves a delivery unacknowledged when the lane is full', async () => {
    const lane = new AfterAckLane({ maxActive: 1, maxWaiting: 1 });
    let refusals = 0;
    let release: () => void = () => undefined;
    const app = fakeApp(async (ack) => {
      await ack();
      await new Promise<void>((r) => (release = r));
    });
    ackFirst(app, lane, () => refusals++);
    let acks = 0;
    const first = app.processEvent(delivery(() => acks++)); // runs, blocked
    await settle();
    const second = app.processEvent(delivery(() => acks++)); // acked, waits
    await settle();
    await app.processEvent(delivery(() => acks++)); // refused
    expect(acks).toBe(2);
    expect(refusals).toBe(1);
    release();
    await first;
    await settle();
    release();
    await second;
  });

  it('over HTTP answers 503 with Retry-After while the lane is full, and passes requests through otherwise', async () => {
    const lane = new AfterAckLane({ maxActive: 1, maxWaiting: 1 });
    let refusals = 0;
    const web = express();
    web.use('/slack/events', refuseWhenFull(lane, () => refusals++));
    web.post('/slack/events', (_req, res) => res.send('acked'));
    const server = web.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    try {
      const ok = await fetch(url, { method: 'POST' });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('acked');
      const turns = [lane.turn(), lane.turn()]; // one runs, one waits: full
      await settle();
      const busy = await fetch(url, { method: 'POST' });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.text()).toMatch(/busy/);
      expect(refusals).toBe(1);
      lane.done();
      await settle();
      lane.done();
      await Promise.all(turns);
      expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('laneKeyOf', () => {
  it('names the person a delivery came from, whatever its kind', () => {
    expect(laneKeyOf({ type: 'block_actions', user: { id: 'U1', name: 'ann' } })).toBe('U1');
    expect(laneKeyOf({ type: 'view_submission', user: { id: 'U2' } })).toBe('U2');
    expect(laneKeyOf({ command: '/release', user_id: 'U3' })).toBe('U3');
    expect(laneKeyOf({ type: 'event_callback', event: { type: 'app_home_opened', user: 'U4' } })).toBe('U4');
    expect(laneKeyOf({ type: 'message_action', user: 'U5' })).toBe('U5');
  });

  it('puts deliveries without a person in one shared turn', () => {
    expect(laneKeyOf({ type: 'app_rate_limited' })).toBe('');
    expect(laneKeyOf({ type: 'event_callback', event: { type: 'message', bot_id: 'B1' } })).toBe('');
    expect(laneKeyOf(null)).toBe('');
    expect(laneKeyOf({ user: { id: 7 } })).toBe('');
  });
});
