/**
 * The sandbox's timer list and time travel with a long queue: the page lists the soonest few without reading every
 * delayed job (a queue of many thousands once ran `npm start` out of heap), and time travel still finds a timer
 * further down by its id.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger';
import type { Sandbox } from '../../src/sandbox/start';
import { startTestSandbox } from '../support/sandbox';

describe('sandbox timers with a long queue', () => {
  let sandbox: Sandbox;
  let close: () => Promise<void> = async () => undefined;
  const ours: string[] = [];

  beforeAll(async () => {
    ({ sandbox, close } = await startTestSandbox(createLogger({ level: 'silent' })));
    // 40 timers a minute apart, due from an hour on (added out of order)
    for (let i = 39; i >= 0; i--) {
      const id = `sandbox-long-queue-${String(i).padStart(2, '0')}`;
      await sandbox.gl.timers.queue.add('reminder', { releaseId: 999_000 + i }, { jobId: id, delay: 3_600_000 + i * 60_000 });
      ours[i] = id;
    }
  }, 60_000);

  afterAll(async () => {
    await close();
  });

  it('lists the eight soonest, soonest first, and none of the others is sooner, reading only those', async () => {
    const getJobs = vi.spyOn(sandbox.gl.timers.queue, 'getJobs');
    const state = (await (await fetch(`${sandbox.url}/api/state?user=U0DEV1&surface=C0GENERAL`)).json()) as { timers: { id: string; at: string }[] };
    expect(state.timers).toHaveLength(8);
    const ats = state.timers.map((t) => Date.parse(t.at));
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    // the queue was read for a bounded range, not whole
    expect(getJobs).toHaveBeenCalled();
    for (const [, start = 0, end = -1] of getJobs.mock.calls) {
      expect(end, 'an end of -1 reads every job').toBeGreaterThanOrEqual(0);
      expect(end - start).toBeLessThan(8);
    }
    getJobs.mockRestore();
    const listed = new Set(state.timers.map((t) => t.id));
    const all = await sandbox.gl.timers.queue.getJobs(['delayed']);
    const last = ats.at(-1) ?? 0;
    for (const job of all) if (!listed.has(job.id ?? '')) expect(job.timestamp + (job.opts.delay ?? 0)).toBeGreaterThanOrEqual(last);
    // ours are due in order, so those listed are the first of them
    const oursListed = state.timers.map((t) => t.id).filter((id) => id.startsWith('sandbox-long-queue-'));
    expect(oursListed).toEqual(ours.slice(0, oursListed.length));
    expect(oursListed.length).toBeGreaterThanOrEqual(7);
  });

  it('time travel to a timer far down the queue fires that one', async () => {
    const target = ours[25] ?? '';
    const res = await fetch(`${sandbox.url}/api/time-travel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobId: target }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { fired: { id: string } | null };
    expect(body.fired?.id).toBe(target);
    expect(await (await sandbox.gl.timers.queue.getJob(target))?.isDelayed()).toBe(false);
    // an id that is no pending timer fires nothing
    const none = (await (await fetch(`${sandbox.url}/api/time-travel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobId: 'no-such-timer' }) })).json()) as { fired: unknown };
    expect(none.fired).toBeNull();
  });
});
