/**
 * Shutdown waits for the Slack listeners still working after their ack: here `/release` has been acknowledged and
 * its modal is still opening (Slack is slow) when Greenlight is told to stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { CHANNELS, TIMER_POLICY, U, openModal, startHarness } from '../support/harness';

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

  it('lets the announcement that follows a saved change go out before stopping', async () => {
    const t = await startHarness({ policy: TIMER_POLICY });
    try {
      await t.driver.command(U.rm, 'freeze');
      const modal = await openModal(t, U.rm, 'freeze.declare');
      const day = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
      t.fake.delayNext('chat.postMessage', 3_000);
      const ok = await t.driver.submitView(U.rm, modal.id, { 'First day': day, 'Last day': day, Reason: 'Quiet week' });
      expect(ok.outcome.outcome).toBe('closed');
      const announced = () => t.fake.callsTo('chat.postMessage').find((c) => c.args.channel === CHANNELS.announce && String(c.args.text).includes('declared a freeze'));
      // answered before the announcement went out; stopping now waits for it
      expect(announced()).toBeUndefined();
      await t.gl.stop();
      expect(announced()?.ok).toBe(true);
    } finally {
      await t.close();
    }
  });
});
