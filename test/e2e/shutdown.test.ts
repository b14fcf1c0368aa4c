/**
 * Shutdown waits for the Slack listeners still working after their ack: here `/release` has been acknowledged and
 * its modal is still opening (Slack is slow) when Greenlight is told to stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, U, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('shutdown', () => {
  it('lets a listener that was acknowledged finish its Slack call before stopping', async () => {
    const before = h.fake.callsTo('views.open').length;
    h.fake.delayNext('views.open', 3_000);
    const cmd = await h.driver.command(U.requester, '', { channelId: CHANNELS.general });
    expect(cmd.status).toBe(200);
    // acknowledged; the modal is not open yet
    expect(h.fake.callsTo('views.open').length).toBe(before);
    await h.gl.stop();
    const opened = h.fake.callsTo('views.open').slice(before);
    expect(opened.map((c) => c.ok)).toEqual([true]);
    expect(h.fake.openViews(U.requester).length).toBeGreaterThan(0);
  });
});
