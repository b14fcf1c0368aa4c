import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness';
import { U, allTexts, startHarness } from '../support/harness';

let h: Harness;
const DAY = 86_400_000;
const HOUR = 3_600_000;
let now: number;

beforeAll(async () => {
  h = await startHarness();
  now = Date.now();
  const sqlite = h.gl.database.sqlite;
  const rel = sqlite.prepare(
    `INSERT INTO releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, created_at, updated_at)
     VALUES (?, '1.0.0', 't', 'c', ?, 'low', 'r', '[]', 'U0DEV1', 'api', ?, ?, 1, ?, ?) RETURNING id`,
  );
  const ev = sqlite.prepare(`INSERT INTO audit_events (at, release_id, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, 'x', 'x')`);
  const add = (service: string, env: string, state: string, createdAt: number, stateAt: number, events: [number, string, Record<string, unknown>?, string?][]) => {
    const { id } = rel.get(service, env, state, stateAt, createdAt, stateAt) as { id: number };
    ev.run(createdAt, id, 'U0DEV1', 'release.requested', '{}');
    for (const [at, action, details, actor] of events) ev.run(at, id, actor ?? 'greenlight', action, JSON.stringify(details ?? {}));
    return id;
  };
  sqlite.transaction(() => {
    // payments-api, production, last 10 days (answers worked out by hand in the tests)
    const r1 = now - 9 * DAY;
    add('payments-api', 'production', 'released', r1, now - 8 * DAY, [
      [r1 + 2 * HOUR, 'approval.granted', { stage: 'review', role: 'developer', next_state: 'qa' }, U.reviewer], // 2h
      [r1 + 5 * HOUR, 'approval.granted', { stage: 'qa', role: 'qa', next_state: 'signoff' }, U.qa], // 3h
      [now - 8 * DAY, 'deploy.succeeded'], // lead 1d
    ]);
    add('payments-api', 'production', 'released', now - 5 * DAY, now - 2 * DAY, [[now - 2 * DAY, 'deploy.succeeded']]); // lead 3d
    add('payments-api', 'production', 'rolled_back', now - 6 * DAY, now - 5 * DAY + 3 * HOUR, [
      [now - 5 * DAY, 'deploy.succeeded'], // lead 1d
      [now - 5 * DAY + HOUR, 'monitoring.health_alert'],
      [now - 5 * DAY + 3 * HOUR, 'release.rolled_back'], // restored after 2h
    ]);
    add('payments-api', 'production', 'failed', now - 3 * DAY, now - DAY, []); // failed deploy, known only from its state
    add('web', 'production', 'released', now - 4 * DAY, now - 3 * DAY, [[now - 3 * DAY, 'deploy.succeeded']]); // another service
    add('payments-api', 'staging', 'released', now - 4 * DAY, now - 3 * DAY, [[now - 3 * DAY, 'deploy.succeeded']]); // not production
    // previous 10 days
    add('payments-api', 'production', 'released', now - 15 * DAY, now - 14 * DAY, [[now - 14 * DAY, 'deploy.succeeded']]); // lead 1d
  })();
});
afterAll(async () => {
  await h?.close();
});

interface StatsJson {
  service: string | null;
  deployment_frequency: { deployments: number; per_day: number; previous: { deployments: number }; trend: { direction: string; better: boolean | null }; band: string };
  lead_time: { request_to_live: { count: number; median_seconds: number; p90_seconds: number }; trend: { direction: string }; band: string };
  change_failure_rate: { rate: number; failures: number; attempts: number; band: string };
  time_to_restore: { count: number; median_seconds: number; unrestored: number; band: string };
  performance_band: string;
  approval_turnaround: { by_role: { role: string; count: number; median_seconds: number; p90_seconds: number }[]; bottleneck: string | null };
}

describe('GET /api/v1/stats', () => {
  it('answers the four keys for a service beside the previous period, with bands and the approval bottleneck', async () => {
    const res = await h.api('GET', '/api/v1/stats?service=payments-api&since=10d');
    expect(res.status).toBe(200);
    const s = res.body as StatsJson;
    expect(s.service).toBe('payments-api');
    expect(s.deployment_frequency).toMatchObject({ deployments: 3, previous: { deployments: 1 }, trend: { direction: 'up', better: true }, band: 'high' });
    expect(s.deployment_frequency.per_day).toBeCloseTo(0.3);
    expect(s.lead_time.request_to_live).toEqual({ count: 3, median_seconds: 86_400, p90_seconds: 3 * 86_400 });
    expect(s.lead_time.trend.direction).toBe('same');
    expect(s.lead_time.band).toBe('high');
    expect(s.change_failure_rate).toMatchObject({ rate: 0.5, failures: 2, attempts: 4, band: 'low' });
    expect(s.time_to_restore).toMatchObject({ count: 1, median_seconds: 7_200, unrestored: 1, band: 'high' });
    expect(s.performance_band).toBe('low');
    expect(s.approval_turnaround.by_role).toEqual([
      { role: 'developer', count: 1, median_seconds: 7_200, p90_seconds: 7_200 },
      { role: 'qa', count: 1, median_seconds: 10_800, p90_seconds: 10_800 },
    ]);
    expect(s.approval_turnaround.bottleneck).toBe('qa');
  });

  it('covers every service by default', async () => {
    const since = new Date(now - 10 * DAY).toISOString();
    const res = await h.api('GET', `/api/v1/stats?since=${encodeURIComponent(since)}`);
    expect(res.status).toBe(200);
    const s = res.body as StatsJson;
    expect(s.service).toBeNull();
    expect(s.deployment_frequency.deployments).toBe(4);
    expect(s.change_failure_rate).toMatchObject({ failures: 2, attempts: 5, rate: 0.4 });
  });

  it('takes since and until as ISO 8601 dates as the audit trail does (no offset: UTC)', async () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const res = await h.api('GET', `/api/v1/stats?since=${day(now - 20 * DAY)}&until=${day(now - DAY)}T12:00Z`);
    expect(res.status).toBe(200);
    const s = res.body as { period: { since: string; until: string } };
    expect(s.period).toEqual({ since: `${day(now - 20 * DAY)}T00:00:00.000Z`, until: `${day(now - DAY)}T12:00:00.000Z` });
  });

  it('refuses a bad query with problem+json', async () => {
    for (const q of ['since=yesterday', 'service=nope', 'since=2000d']) {
      const res = await h.api('GET', `/api/v1/stats?${q}`);
      expect(res.status, q).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await h.api('GET', '/api/v1/stats', undefined, null)).status).toBe(401);
  });
});

describe('/release stats', () => {
  it('answers privately with the figures for a service and period', async () => {
    const res = await h.driver.command(U.rm, 'stats payments-api 10d');
    expect(res.status).toBe(200);
    const body = res.body as { response_type?: string; text?: string; blocks?: unknown };
    expect(body.response_type).toBe('ephemeral');
    const text = allTexts(body).join('\n');
    expect(text).toContain('payments-api · last 10 days · production');
    expect(text).toContain('50% (2 of 4)');
    expect(text).toContain('Bottleneck: *QA*');
    expect(text).toContain('1 not restored');
  });

  it('explains an unknown service or period', async () => {
    const res = await h.driver.command(U.rm, 'stats <!channel> 10d');
    const text = JSON.stringify(res.body);
    expect(text).toContain('Unknown service');
    expect(text).not.toContain('<!channel>');
    expect(JSON.stringify((await h.driver.command(U.rm, 'stats 10x')).body)).toContain('is not a period');
  });
});
