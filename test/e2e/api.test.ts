/** The CI-facing HTTP API: bearer auth, problem+json errors, idempotent create, checks, audit, health. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, ReleaseJson } from '../support/harness';
import { CHANNELS, U, apiRequest, getRelease, isTopLevel, startHarness, textOf, waitForCard } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const BODY = {
  service: 'payments-api',
  version: '5.0.0',
  title: 'Ledger v5',
  environment: 'production',
  changelog: 'New ledger format.',
  rollback_plan: 'Redeploy 4.9.3.',
  risk: 'medium',
  requested_by: U.requester,
  links: ['https://github.example/pr/1'],
};

interface ProblemJson {
  type: string;
  status: number;
  title: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

function expectProblem(res: { status: number; body: unknown; headers: Headers }, status: number, title: string): ProblemJson {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = res.body as ProblemJson;
  expect(p).toMatchObject({ status, title });
  expect(typeof p.detail).toBe('string');
  expect(p.detail.length).toBeGreaterThan(0);
  return p;
}

async function auditCount(action: string): Promise<number> {
  const res = await apiRequest(h, 'GET', '/api/v1/audit?limit=1000');
  return (res.body as { items: { action: string }[] }).items.filter((e) => e.action === action).length;
}

describe('POST /api/v1/releases', () => {
  it('creates REL-n (201), posts the card and DMs the requester', async () => {
    const res = await apiRequest(h, 'POST', '/api/v1/releases', { body: BODY });
    expect(res.status).toBe(201);
    const r = res.body as ReleaseJson;
    expect(r.id).toMatch(/^REL-\d+$/);
    expect(r).toMatchObject({ service: 'payments-api', version: '5.0.0', state: 'review', requested_by: U.requester, risk: 'medium', content_rev: 1 });
    expect(res.headers.get('location')).toBe(`/api/v1/releases/${r.number}`);
    const card = await waitForCard(h, CHANNELS.payments, r.number);
    const text = textOf(card);
    for (const s of ['Ledger v5', '5.0.0', 'production', `<@${U.requester}>`, 'Approve']) expect(text).toContain(s);
    await h.fake.waitFor(() => h.fake.dms(U.requester).find((m) => m.text.includes(`${r.id} (payments-api 5.0.0, production) is requested`)));
    const got = await getRelease(h, r.id);
    expect(got.audit[0]).toMatchObject({ action: 'release.requested', actor: U.requester, details: { source: 'api' } });
  });

  it('the same Idempotency-Key returns the same release (200) and posts nothing more', async () => {
    const headers = { 'idempotency-key': 'ci-run-7781' };
    const first = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '5.0.1' }, headers });
    expect(first.status).toBe(201);
    const id = (first.body as ReleaseJson).number;
    await waitForCard(h, CHANNELS.payments, id);
    const requested = await auditCount('release.requested');
    const again = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '5.0.1' }, headers });
    expect(again.status).toBe(200);
    expect((again.body as ReleaseJson).id).toBe(`REL-${id}`);
    expect(await auditCount('release.requested')).toBe(requested);
    // concurrent repeats too
    const burst = await Promise.all(Array.from({ length: 5 }, () => apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '5.0.1' }, headers })));
    expect(new Set(burst.map((b) => (b.body as ReleaseJson).id))).toEqual(new Set([`REL-${id}`]));
    expect(await auditCount('release.requested')).toBe(requested);
    expect(h.fake.messages(CHANNELS.payments).filter((m) => isTopLevel(m) && textOf(m).includes(`REL-${id} ·`))).toHaveLength(1);
  });

  it('422 for an invalid body, naming what is wrong, and creates nothing', async () => {
    const requested = await auditCount('release.requested');
    const { rollback_plan: _omit, ...noRollback } = BODY;
    const missing = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: noRollback }), 422, 'Unprocessable Content');
    expect(missing.errors?.map((e) => e.path)).toContain('rollback_plan');
    expect(missing.detail).toContain('rollback_plan');

    const badRisk = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, risk: 'extreme' } }), 422, 'Unprocessable Content');
    expect(badRisk.detail).toContain('Risk must be low, medium or high.');
    expect(badRisk.errors).toEqual([{ path: 'risk', message: 'Risk must be low, medium or high.' }]);

    const unknownKey = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, colour: 'green' } }), 422, 'Unprocessable Content');
    expect(`${unknownKey.detail} ${JSON.stringify(unknownKey.errors)}`).toContain('colour');

    const badUser = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, requested_by: 'alice' } }), 422, 'Unprocessable Content');
    expect(badUser.errors?.[0]).toMatchObject({ path: 'requested_by', message: 'expected a Slack user id like U0123ABCD' });

    const unknownService = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, service: 'billing' } }), 422, 'Unprocessable Content');
    expect(unknownService.detail).toContain('Unknown service "billing"');

    const longChangelog = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, changelog: 'x'.repeat(3001) } }), 422, 'Unprocessable Content');
    expect(longChangelog.detail).toContain('Changelog is 3,001 characters; the limit is 3,000.');

    expect(await auditCount('release.requested')).toBe(requested);
  });

  it('400 for malformed JSON', async () => {
    const p = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: '{"service": "payments-api",' }), 400, 'Bad Request');
    expect(p.detail).toBe('The body is not valid JSON.');
  });
});

describe('auth and routing', () => {
  it('401 without a token and with a wrong one, as problem+json', async () => {
    const requested = await auditCount('release.requested');
    const none = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: BODY, token: null }), 401, 'Unauthorized');
    expect(none.detail).toContain('Missing bearer token');
    const wrong = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: BODY, token: 'not-the-token' }), 401, 'Unauthorized');
    expect(wrong.detail).toBe('The bearer token is not valid.');
    const wrongGet = await apiRequest(h, 'GET', '/api/v1/audit', { token: 'x' });
    expectProblem(wrongGet, 401, 'Unauthorized');
    expect(wrongGet.headers.get('www-authenticate')).toContain('Bearer');
    expect(await auditCount('release.requested')).toBe(requested);
  });

  it('404 for an unknown release, by REL-n or by n', async () => {
    for (const id of ['REL-999', '999', 'rel-999']) {
      const p = expectProblem(await apiRequest(h, 'GET', `/api/v1/releases/${id}`), 404, 'Not Found');
      expect(p.detail).toContain(id);
    }
    expectProblem(await apiRequest(h, 'GET', '/api/v1/releases/abc'), 404, 'Not Found');
    expectProblem(await apiRequest(h, 'POST', '/api/v1/releases/REL-999/checks', { body: { criterion: 'tests', status: 'passed' } }), 404, 'Not Found');
  });

  it('404 problem for an unknown route under /api/v1 (authenticated or not) and elsewhere', async () => {
    const p = expectProblem(await apiRequest(h, 'GET', '/api/v1/nope'), 404, 'Not Found');
    expect(p.detail).toContain('/api/v1/nope');
    expectProblem(await apiRequest(h, 'DELETE', '/api/v1/releases/1'), 404, 'Not Found');
    expectProblem(await apiRequest(h, 'GET', '/nowhere', { token: null }), 404, 'Not Found');
  });

  it('accepts the release id as REL-n or n', async () => {
    const created = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '5.1.0' } });
    const n = (created.body as ReleaseJson).number;
    expect((await getRelease(h, n)).id).toBe(`REL-${n}`);
    expect((await getRelease(h, `REL-${n}`)).number).toBe(n);
  });
});

describe('checks', () => {
  it('a passed check updates the card with the evidence link; a bad check body is 422', async () => {
    const created = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '5.2.0' } });
    const r = created.body as ReleaseJson;
    const card = await waitForCard(h, CHANNELS.payments, r.number);
    expect(textOf(card)).toContain(':hourglass_flowing_sand: Tests complete _(QA)_ — pending');

    const res = await apiRequest(h, 'POST', `/api/v1/releases/${r.id}/checks`, {
      body: { criterion: 'tests', status: 'passed', url: 'https://ci.example/run/42', details: 'All 1,204 tests green' },
    });
    expect(res.status).toBe(200);
    expect((res.body as ReleaseJson).criteria.find((c) => c.criterion === 'tests')).toMatchObject({ status: 'met', url: 'https://ci.example/run/42', updated_by: 'ci' });
    const updated = await waitForCard(h, CHANNELS.payments, r.number, (t) => t.includes('Tests complete _(QA)_ — met'));
    expect(textOf(updated)).toContain('All 1,204 tests green · <https://ci.example/run/42|evidence>');
    await h.fake.waitFor(() => h.fake.thread(CHANNELS.payments, updated.ts).find((m) => m.text.includes('CI marked *Tests complete* met')));

    const before = await getRelease(h, r.id);
    for (const body of [
      { criterion: 'vibes', status: 'passed' },
      { criterion: 'tests', status: 'maybe' },
      { criterion: 'tests', status: 'passed', url: 'javascript:alert(1)' },
      { criterion: 'tests', status: 'passed', extra: 1 },
    ]) {
      const p = expectProblem(await apiRequest(h, 'POST', `/api/v1/releases/${r.id}/checks`, { body }), 422, 'Unprocessable Content');
      expect(p.errors?.length).toBeGreaterThan(0);
    }
    expect((await getRelease(h, r.id)).criteria).toEqual(before.criteria);
  });
});

describe('GET /api/v1/audit', () => {
  it('pages JSON with items and next, and streams CSV with a header row', async () => {
    await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '6.0.0' } });
    const all = await apiRequest(h, 'GET', '/api/v1/audit?limit=1000');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^application\/json/);
    const items = (all.body as { items: { id: number; at: string; release: string | null; actor: string; action: string; details: unknown }[] }).items;
    expect(items.length).toBeGreaterThan(3);
    expect(Object.keys(items[0] ?? {}).sort()).toEqual(['action', 'actor', 'at', 'details', 'id', 'release']);
    expect((all.body as { next?: string }).next).toBeUndefined();

    // page through two at a time and get the same events in order
    const seen: number[] = [];
    let next: string | undefined;
    do {
      const page = await apiRequest(h, 'GET', `/api/v1/audit?limit=2${next ? `&after=${next}` : ''}`);
      const body = page.body as { items: { id: number }[]; next?: string };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((i) => i.id));
      next = body.next;
    } while (next);
    expect(seen).toEqual(items.map((i) => i.id));

    // since filters by time
    const future = await apiRequest(h, 'GET', `/api/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect((future.body as { items: unknown[] }).items).toEqual([]);
    expectProblem(await apiRequest(h, 'GET', '/api/v1/audit?since=yesterday'), 422, 'Unprocessable Content');

    const csv = await apiRequest(h, 'GET', '/api/v1/audit?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,at,release,actor,action,details,hash');
    expect(lines).toHaveLength(items.length + 1);
    expect(lines[1]).toMatch(/^1,\d{4}-\d\d-\d\dT[^,]+,REL-\d+,U0DEV1,release\.requested,"\{/);
  });
});

describe('health', () => {
  it('/healthz and /readyz answer 200 with sqlite and redis ok, without a token', async () => {
    const health = await apiRequest(h, 'GET', '/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await apiRequest(h, 'GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { sqlite: 'ok', redis: 'ok' } });
  });
});
