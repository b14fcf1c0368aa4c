import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sendDigest } from '../../src/usecases/digest';
import type { Harness } from '../support/harness';
import { CHANNELS, TEST_POLICY, TIMER_POLICY, U, approveToScheduling, offsetToBeforeSlot, openModal, requestRelease, startHarness, waitForCard } from '../support/harness';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('policy features', () => {
  it('user groups: members of a role group may approve, resolved through usergroups.users.list', async () => {
    const t = await startHarness({ policy: TEST_POLICY.replace('qa: [U0QA]', 'qa: [S0QAGROUP]') });
    h = t;
    t.fake.setUsergroup('S0QAGROUP', [U.outsider]);
    const { id, card } = await requestRelease(t);
    await t.driver.clickButton(U.reviewer, { channel: CHANNELS.payments, ts: card.ts }, 'Approve');
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *QA*') && x.includes('<!subteam^S0QAGROUP>'));
    // U0QA is no longer QA (the group replaced the list); the group's member is
    await t.driver.clickButton(U.qa, { channel: CHANNELS.payments, ts: card.ts }, 'Approve');
    await t.fake.waitFor(() => t.fake.responseUrlPosts().find((p) => JSON.stringify(p.body).includes(`REL-${id} is waiting on *QA*`)));
    await t.driver.clickButton(U.outsider, { channel: CHANNELS.payments, ts: card.ts }, 'Approve');
    await waitForCard(t, CHANNELS.payments, id, (x) => x.includes(':arrow_forward: *Sign-off*'));
    expect(t.fake.callsTo('usergroups.users.list').length).toBeGreaterThan(0);
  });

  it('the morning digest lists what deploys today and what waits on whom', async () => {
    const { offset, slot } = offsetToBeforeSlot(3_600_000);
    const t = await startHarness({ policy: TIMER_POLICY, clockOffsetMs: offset });
    h = t;
    const a = await requestRelease(t);
    await approveToScheduling(t, a.id, a.card.ts);
    await t.driver.clickButton(U.ops, { channel: CHANNELS.payments, ts: a.card.ts }, 'Schedule');
    const modal = await openModal(t, U.ops, 'release.schedule');
    await t.driver.submitView(U.ops, modal.id, { Slot: String(slot) });
    await waitForCard(t, CHANNELS.payments, a.id, (x) => x.includes('Scheduled'));
    const b = await requestRelease(t, U.requester, { Version: '2.0.0' });

    await sendDigest(t.gl.deps);
    const digest = await t.fake.waitFor(() => t.fake.messages(CHANNELS.announce).find((m) => m.text.startsWith('Release digest')));
    const text = JSON.stringify(digest.blocks);
    expect(text).toContain(`REL-${a.id}`);
    expect(text).toContain('10:00');
    expect(text).toContain(`REL-${b.id}`);
    expect(text).toContain(`<@${U.reviewer}>`);
    // a second run the same day says nothing new (ledger)
    await sendDigest(t.gl.deps);
    expect(t.fake.messages(CHANNELS.announce).filter((m) => m.text.startsWith('Release digest'))).toHaveLength(1);
  });

  it('opens the API with a short token, and warns at start that it can be guessed', async () => {
    const t = await startHarness({ env: { GREENLIGHT_API_TOKEN: 'short-tok' } });
    h = t;
    expect(t.logs.join('')).toContain('GREENLIGHT_API_TOKEN is 9 characters long: use a random one of at least 16');
    expect(t.logs.join('')).not.toContain('short-tok');
    const ok = await fetch(`${t.gl.url}/api/v1/audit`, { headers: { authorization: 'Bearer short-tok' } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${t.gl.url}/api/v1/audit`, { headers: { authorization: 'Bearer short-to' } });
    expect(wrong.status).toBe(401);
  });

  it('warns at start when Redis may evict keys', async () => {
    const admin = new Redis('redis://127.0.0.1:6379');
    const before = ((await admin.config('GET', 'maxmemory-policy')) as string[])[1] ?? 'noeviction';
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const t = await startHarness();
      h = t;
      expect(t.logs.join('')).toContain('maxmemory-policy is \\"allkeys-lru\\": set it to noeviction');
    } finally {
      await admin.config('SET', 'maxmemory-policy', before);
      admin.disconnect();
    }
  });
});
