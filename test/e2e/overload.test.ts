/**
 * Overload, as Slack sees it: while the work behind earlier acks cannot keep up (here: Slack is slow to open
 * modals), Greenlight keeps acknowledging at once; once its lane is full it refuses new deliveries with 503 and
 * Retry-After instead of piling them up, counts them, and takes requests again when the work has drained. Nothing
 * it accepted is lost. The lane is made small (one running, two waiting) so a handful of requests fill it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { U, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ lane: { maxActive: 1, maxWaiting: 2 } });
});
afterAll(async () => {
  await h?.close();
});

async function refusedTotal(): Promise<number> {
  const text = await (await fetch(`${h.gl.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('greenlight_slack_refused_total '));
  return Number(line?.split(' ')[1] ?? 'NaN');
}

describe('overload', () => {
  it('acks at once while work waits, refuses with 503 + Retry-After when the lane is full, and recovers', async () => {
    expect(await refusedTotal()).toBe(0);
    const opened = h.fake.callsTo('views.open').length;
    h.fake.delayNext('views.open', 3_000, 3); // the first three modals take 3 s each to open

    // One at a time, so each arrives after the previous was acknowledged: one runs, two wait, the rest are refused.
    const statuses: number[] = [];
    const retryAfter: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await h.driver.command(U.requester, '');
      statuses.push(res.status);
      retryAfter.push(res.headers['retry-after']);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([503, 503, 503]);
    expect(retryAfter.slice(3)).toEqual(['1', '1', '1']);
    expect(await refusedTotal()).toBe(3);

    // The three accepted requests all get their modal; the refused ones none.
    await h.fake.waitFor(() => h.fake.callsTo('views.open').length - opened >= 3, { timeoutMs: 30_000 });
    // Once drained, a new request is taken again.
    await expect.poll(async () => (await h.driver.command(U.requester, 'help')).status, { timeout: 10_000 }).toBe(200);
    expect(h.fake.callsTo('views.open').length - opened).toBe(3);
    expect(h.logs.join('')).toMatch(/Slack delivery refused: too much work waiting/);
  }, 60_000);
});
