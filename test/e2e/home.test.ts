import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateView } from '../../src/fake-slack';
import type { SlackView } from '../../src/fake-slack';
import { loadHome } from '../../src/usecases/home';
import { homeView } from '../../src/slack/views/home.view';
import type { Harness } from '../support/harness';
import { CHANNELS, U, approveAndWait, getRelease, requestRelease, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The release ids listed under "Waiting on you" (the blocks between its heading and "Your releases"). */
function waitingIds(view: SlackView | undefined): number[] {
  const blocks = (view?.blocks ?? []) as { block_id?: string; type?: string }[];
  return blocks.filter((b) => b.type === 'actions' && b.block_id?.startsWith('home-waiting-')).map((b) => Number(b.block_id?.slice('home-waiting-'.length)));
}

async function openHome(user: string, until: (v: SlackView) => boolean = () => true): Promise<SlackView> {
  const before = h.fake.homeView(user)?.hash;
  const res = await h.driver.appHomeOpened(user);
  expect(res.status).toBe(200);
  return h.fake.waitFor(
    () => {
      const v = h.fake.homeView(user);
      return v && v.hash !== before && until(v) ? v : undefined;
    },
    { description: `${user}'s Home` },
  );
}

describe('App Home', () => {
  let a: number, b: number, c: number, d: number;
  let cards: Record<number, { channel: string; ts: string }>;

  beforeAll(async () => {
    const ra = await requestRelease(h, U.requester, { Version: '2.0.0' });
    const rb = await requestRelease(h, U.requester, { Version: '2.0.1' });
    const rc = await requestRelease(h, U.requester, { Version: '2.0.2' });
    const rd = await requestRelease(h, U.reviewer, { Version: '2.0.3' });
    [a, b, c, d] = [ra.id, rb.id, rc.id, rd.id];
    cards = Object.fromEntries([ra, rb, rc, rd].map((r) => [r.id, { channel: r.card.channel, ts: r.card.ts }]));
    // The reviewer approves A on its card: A moves on to QA and no longer waits on them.
    await approveAndWait(h, U.reviewer, cards[a] as { channel: string; ts: string });
  });

  it('lists exactly what waits on the viewer, oldest first: not their own, not what they approved', async () => {
    const reviewerHome = await openHome(U.reviewer);
    expect(waitingIds(reviewerHome)).toEqual([b, c]);
    expect(textOf(reviewerHome)).toContain('Waiting on you* (2)');

    const qaHome = await openHome(U.qa);
    expect(waitingIds(qaHome)).toEqual([a]);

    // The requester can approve none of their own; their releases show what holds them (the `/release why` lines).
    const requesterHome = await openHome(U.requester);
    expect(waitingIds(requesterHome)).toEqual([d]);
    const mine = textOf(requesterHome);
    expect(mine).toContain('Your releases* (3)');
    expect(mine).toContain(`REL-${b}*`);
    expect(mine).toContain('more Developer approval for *Initial review*');
    // An outsider holds no role: nothing waits on them.
    expect(waitingIds(await openHome(U.outsider))).toEqual([]);
  });

  it('approves from Home with the card’s rules: the card updates and the Homes concerned are re-published', async () => {
    await openHome(U.qa);
    await openHome(U.reviewer);
    const res = await h.driver.clickButton(U.reviewer, { homeOf: U.reviewer }, { label: 'Approve', blockId: `home-waiting-${b}` });
    expect(res.status).toBe(200);
    await waitForCard(h, CHANNELS.payments, b, (t) => t.includes(':arrow_forward: *QA*'));
    // Re-published without being opened again: B left the reviewer's list and joined QA's.
    await h.fake.waitFor(() => (JSON.stringify(waitingIds(h.fake.homeView(U.reviewer))) === JSON.stringify([c]) ? true : undefined), {
      description: "the reviewer's Home without REL-b",
    });
    await h.fake.waitFor(() => (waitingIds(h.fake.homeView(U.qa)).includes(b) ? true : undefined), { description: "QA's Home with REL-b" });
    const rel = await getRelease(h, b);
    const granted = rel.audit.filter((e) => e.action === 'approval.granted');
    expect(granted.at(-1)).toMatchObject({ actor: U.reviewer, details: { stage: 'review', via: 'home' } });
  });

  it('refuses from Home like on the card, privately by DM (a Home click has no response_url)', async () => {
    // QA's Home lists A and B. A click from QA's Home on C (in review, which QA cannot approve) goes through the
    // card's listener and rules: refused, audited, and explained to QA alone by DM.
    const qaHome = await openHome(U.qa);
    expect(waitingIds(qaHome)).toEqual([a, b]);
    const dmsBefore = h.fake.dms(U.qa).length;
    const view = h.fake.homeView(U.qa);
    expect(view).toBeDefined();
    const payload = {
      type: 'block_actions',
      user: { id: U.qa, username: 'u0qa', name: 'u0qa', team_id: h.driver.teamId },
      api_app_id: h.driver.appId,
      token: 'fake-verification-token',
      container: { type: 'view', view_id: view?.id ?? '' },
      trigger_id: h.fake.issueTriggerId(U.qa),
      team: { id: h.driver.teamId, domain: h.fake.identity.teamDomain },
      view,
      actions: [{ action_id: 'release.approve', block_id: `home-waiting-${c}`, value: `${c}:1`, type: 'button', action_ts: `${Math.floor(Date.now() / 1000)}.000002` }],
    };
    const res = await h.driver.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    const dm = await h.fake.waitFor(() => h.fake.dms(U.qa).slice(dmsBefore).find((m) => m.text.includes(`REL-${c}`)), { description: 'the refusal DM' });
    expect(dm.text).toContain('Initial review');
    const rel = await getRelease(h, c);
    expect(rel.approvals.filter((x) => x.status === 'active')).toHaveLength(0);
    expect(rel.audit.at(-1)).toMatchObject({ action: 'approval.denied', actor: U.qa, details: { reason: 'not_in_role', via: 'home' } });
  });
});

describe('App Home at sign-off', () => {
  it('waits only on the role still missing: after the release manager approves, only the product manager sees it', async () => {
    const { id, card } = await requestRelease(h, U.requester, { Version: '3.0.0' });
    const at = { channel: card.channel, ts: card.ts };
    await approveAndWait(h, U.reviewer, at);
    await approveAndWait(h, U.qa, at);
    expect(waitingIds(await openHome(U.rm))).toContain(id);
    expect(waitingIds(await openHome(U.pm))).toContain(id);
    await approveAndWait(h, U.rm, at);
    await h.fake.waitFor(() => (!waitingIds(h.fake.homeView(U.rm)).includes(id) ? true : undefined), { description: "REL-n gone from the release manager's Home" });
    expect(waitingIds(await openHome(U.rm))).not.toContain(id);
    expect(waitingIds(await openHome(U.pm))).toContain(id);
  });
});

describe('App Home with 10,000 releases', () => {
  it('stays within 100 blocks, passes Block Kit validation and loads with indexed queries', async () => {
    const sqlite = h.gl.database.sqlite;
    const now = Date.now();
    const viewers = { [U.reviewer]: 'review', [U.rm]: 'signoff', [U.ops]: 'scheduling' } as Record<string, string>;
    const expected: Record<string, number> = {};
    for (const user of Object.keys(viewers)) expected[user] = (await loadHome(h.gl.deps, user)).waiting.total;
    const insert = sqlite.prepare(
      `INSERT INTO releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, scheduled_at, created_at, updated_at)
       VALUES (?, ?, ?, 'Bulk <!channel> changelog', ?, ?, 'redeploy', '[]', ?, 'api', ?, ?, 1, ?, ?, ?)`,
    );
    const states = ['review', 'qa', 'signoff', 'scheduling', 'scheduled', 'released', 'cancelled', 'changes_requested'] as const;
    sqlite.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        const state = states[i % states.length] as string;
        const requester = i % 5 === 0 ? U.rm : i % 7 === 0 ? U.reviewer : 'U0BULK';
        const at = now - (10_000 - i) * 60_000;
        const scheduledAt = state === 'scheduled' ? now + ((i % 13) + 1) * 86_400_000 : null;
        for (const [user, stage] of Object.entries(viewers)) if (state === stage && requester !== user) expected[user] = (expected[user] ?? 0) + 1;
        insert.run(i % 2 ? 'payments-api' : 'web', `9.${i}.0`, `Bulk release ${i} <b>`, i % 3 ? 'production' : 'staging', i % 11 ? 'low' : 'high', requester, state, at, scheduledAt, at, at);
      }
      const audit = sqlite.prepare(`INSERT INTO audit_events (at, release_id, actor, action, details, prev_hash, hash) VALUES (?, ?, 'greenlight', ?, '{}', 'x', 'x')`);
      for (let i = 1; i <= 2_000; i++) audit.run(now - i * 3_600_000, i * 3, i % 10 === 0 ? 'deploy.failed' : 'deploy.succeeded');
    })();

    for (const user of [U.reviewer, U.rm, U.ops]) {
      const started = performance.now();
      const model = await loadHome(h.gl.deps, user);
      const elapsed = performance.now() - started;
      const view = homeView(model);
      expect(view.blocks.length, `${user}'s Home`).toBeLessThanOrEqual(100);
      expect(validateView(view)).toEqual([]);
      expect(model.waiting.total).toBe(expected[user]);
      expect(model.waiting.total).toBeGreaterThan(900);
      expect(model.waiting.releases).toHaveLength(10);
      // oldest first
      const opened = model.waiting.releases.map((r) => r.stateChangedAt);
      expect(opened).toEqual([...opened].sort((x, y) => x - y));
      expect(textOf(view)).toContain(`and ${model.waiting.total - 10} more`);
      expect(elapsed, `loading ${user}'s Home took ${elapsed.toFixed(0)} ms`).toBeLessThan(1_500);
    }
    const rmModel = await loadHome(h.gl.deps, U.rm);
    expect(rmModel.stats).not.toBeNull();
    expect(rmModel.stats?.dora.current.deployments).toBeGreaterThan(0);
    // Published through Slack (the fake rejects what Slack would reject) when the release manager opens it.
    const home = await openHome(U.rm, (v) => textOf(v).includes('Delivery stats'));
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(textOf(home)).not.toContain('<!channel>');

    // Indexed queries, not table scans.
    const plan = (q: string) => JSON.stringify(sqlite.prepare(`EXPLAIN QUERY PLAN ${q}`).all());
    expect(plan("SELECT * FROM releases WHERE state = 'review' ORDER BY state_changed_at LIMIT 10")).toContain('releases_state_changed_idx');
    expect(plan("SELECT * FROM releases WHERE state = 'scheduled' AND scheduled_at >= 0 AND scheduled_at < 10 ORDER BY scheduled_at")).toContain('releases_state_scheduled_idx');
  });
});
