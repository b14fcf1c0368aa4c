/**
 * `/release stats` fixes: a failed deploy that was rolled back is a failed attempt, not a deployment, and its time to
 * restore starts at the failure (not at the Roll back click); any service with releases can be asked about, even
 * when the policy lists none (or no longer lists it), and only an unknown one is refused, naming the known ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStatsArgs } from '../../src/usecases/stats';
import type { Harness } from '../support/harness';
import { U, allTexts, apiRequest, startHarness } from '../support/harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** No `services:` at all: releases may name any service. */
const NO_SERVICES_POLICY = `
timezone: Europe/Berlin
admins: [U0ADMIN]
channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }
roles:
  developer: [U0DEV1, U0DEV2]
  qa: [U0QA]
  release_manager: [U0RM]
  product_manager: [U0PM]
  operations: [U0OPS, U0OPS2]
`;

let h: Harness;
let now: number;

beforeAll(async () => {
  h = await startHarness({ policy: NO_SERVICES_POLICY });
  now = Date.now();
  const sqlite = h.gl.database.sqlite;
  const rel = sqlite.prepare(
    `INSERT INTO releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, created_at, updated_at)
     VALUES (?, '1.0.0', 't', 'c', 'production', 'low', 'r', '[]', 'U0DEV1', 'api', ?, ?, 1, ?, ?) RETURNING id`,
  );
  const ev = sqlite.prepare(`INSERT INTO audit_events (at, release_id, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, 'x', 'x')`);
  const add = (service: string, state: string, createdAt: number, stateAt: number, events: [number, string, Record<string, unknown>?][]) => {
    const { id } = rel.get(service, state, stateAt, createdAt, stateAt) as { id: number };
    ev.run(createdAt, id, 'U0DEV1', 'release.requested', '{}');
    for (const [at, action, details] of events) ev.run(at, id, U.ops, action, JSON.stringify(details ?? {}));
    return id;
  };
  sqlite.transaction(() => {
    // went live after a day
    add('legacy-api', 'released', now - 5 * DAY, now - 4 * DAY, [[now - 4 * DAY, 'deploy.succeeded', { via: 'api' }]]);
    // the trail *Mark failed* and then a manual *Roll back* two hours later leave: never live
    const failedAt = now - 2 * DAY;
    add('legacy-api', 'rolled_back', now - 3 * DAY, failedAt + 2 * HOUR, [
      [failedAt - HOUR, 'deploy.started', { via: 'slack' }],
      [failedAt, 'deploy.failed', { via: 'slack' }],
      [failedAt + 2 * HOUR, 'release.rollback_requested', { state: 'failed', webhook: false }],
      [failedAt + 2 * HOUR, 'release.rolled_back', { via: 'slack', from: 'failed' }],
    ]);
  })();
});
afterAll(async () => {
  await h?.close();
});

async function stats(text: string): Promise<string> {
  const res = await h.driver.command(U.rm, text);
  expect(res.status).toBe(200);
  return allTexts(res.body as { text?: string; blocks?: unknown }).join('\n');
}

describe('/release stats with a failed, rolled-back deploy', () => {
  it('counts it as a failure only, and times its restore from the failure', async () => {
    const text = await stats('stats legacy-api 30d');
    expect(text).toContain('legacy-api · last 30 days · production');
    // one deployment (the one that went live), lead time one day; the failed one is an attempt that failed
    expect(text).toContain('(1 deploy)');
    expect(text).toContain('request → live: median 1d');
    expect(text).toContain('50% (1 of 2)');
    // restored two hours after the deploy failed (not ~0m from the Roll back click): High, not Elite
    expect(text).toContain('*Time to restore* · :large_green_circle: High\nmedian 2h');
  });
});

describe('/release stats <service>', () => {
  it('accepts a service with releases although the policy lists none, and refuses an unknown one naming the known ones', async () => {
    expect(await stats('stats legacy-api')).toContain('legacy-api · last 30 days');
    const refused = await stats('stats nope 7d');
    expect(refused).toContain('Unknown service "nope". Known services: legacy-api.');
    expect(refused).not.toContain('none');
    // the HTTP API's stats take the same services
    expect((await apiRequest(h, 'GET', '/api/v1/stats?service=legacy-api')).status).toBe(200);
    const unknown = await apiRequest(h, 'GET', '/api/v1/stats?service=nope');
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(unknown.body)).toContain('Known services: legacy-api.');
  });

  it('accepts a service the policy lists or one with releases, in either order with the period', () => {
    const known = { has: (n: string) => ['payments-api', 'retired-api'].includes(n), names: () => ['payments-api', 'retired-api'] };
    expect(parseStatsArgs('retired-api 7d', known)).toEqual({ ok: true, service: 'retired-api', ms: 7 * DAY });
    expect(parseStatsArgs('7d payments-api', known)).toEqual({ ok: true, service: 'payments-api', ms: 7 * DAY });
    expect(parseStatsArgs('web', known)).toEqual({ ok: false, error: 'Unknown service "web". Known services: payments-api, retired-api.' });
    expect(parseStatsArgs('web', { has: () => false, names: () => [] })).toEqual({ ok: false, error: 'Unknown service "web". No service has releases yet.' });
  });
});
