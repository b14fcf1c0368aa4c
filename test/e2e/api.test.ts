/** The CI-facing HTTP API: bearer auth, problem+json errors, idempotent create, checks, audit, health. */
import { gzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, ReleaseJson } from '../support/harness';
import { API_TOKEN, CHANNELS, U, apiRequest, getRelease, isTopLevel, startHarness, textOf, waitForCard } from '../support/harness';

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
  // exactly: no `; charset=utf-8` appended (clients compare the media type of an error as a whole)
  expect(res.headers.get('content-type')).toBe('application/problem+json');
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

  it('422 for malformed JSON, like any other invalid body', async () => {
    const p = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: '{"service": "payments-api",' }), 422, 'Unprocessable Content');
    expect(p.detail).toBe('The body is not valid JSON.');
    expect(p.errors?.[0]?.path).toBe('(body)');
    // a JSON value that isn't an object or a list is refused by the same parser
    expectProblem(await apiRequest(h, 'POST', '/api/v1/releases/REL-1/checks', { body: '"passed"' }), 422, 'Unprocessable Content');
  });

  it('a body that cannot be read answers with its own 4xx status as problem+json, not 500', async () => {
    const requested = await auditCount('release.requested');
    const charset = expectProblem(
      await apiRequest(h, 'POST', '/api/v1/releases', { body: BODY, headers: { 'content-type': 'application/json; charset=latin1' } }),
      415,
      'Unsupported Media Type',
    );
    expect(charset.detail).toContain('latin1');
    const encoding = expectProblem(
      await apiRequest(h, 'POST', '/api/v1/releases', { body: BODY, headers: { 'content-encoding': 'compress' } }),
      415,
      'Unsupported Media Type',
    );
    expect(encoding.detail).toContain('compress');
    // gzip is read; a body that only claims to be gzip is not
    const broken = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: 'not gzip', headers: { 'content-encoding': 'gzip' } }), 400, 'Bad Request');
    expect(broken.detail.length).toBeGreaterThan(0);
    const gzipped = await fetch(`${h.gl.url}/api/v1/releases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ ...BODY, version: '5.0.9' })),
    });
    expect(gzipped.status).toBe(201);
    const big = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, changelog: 'x'.repeat(300_000) } }), 413, 'Content Too Large');
    expect(big.detail).toBe('The body is larger than 256 KB.');
    expect(await auditCount('release.requested')).toBe(requested + 1);
  });

  it('commit_time takes any ISO 8601 date or date-time and is kept as that instant; without an offset it is UTC', async () => {
    const cases: [string, string][] = [
      ['2026-05-01T10:00:00Z', '2026-05-01T10:00:00.000Z'],
      ['2026-05-01T10:00Z', '2026-05-01T10:00:00.000Z'],
      ['2026-05-01T10:00+0200', '2026-05-01T08:00:00.000Z'],
      ['2026-05-01T10:00:00.5+02:00', '2026-05-01T08:00:00.500Z'],
      ['2026-05-01T10:00', '2026-05-01T10:00:00.000Z'],
      ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    ];
    for (const [i, [given, stored]] of cases.entries()) {
      const res = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: `5.3.${i}`, commit_time: given } });
      expect(res.status, given).toBe(201);
      expect((res.body as { commit_time: string | null }).commit_time, given).toBe(stored);
    }
    for (const bad of ['soon', '10:00', '2026-13-01', '2026-05-01 10:00']) {
      const p = expectProblem(await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '5.3.99', commit_time: bad } }), 422, 'Unprocessable Content');
      expect(p.errors?.map((e) => e.path), bad).toEqual(['commit_time']);
    }
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

  it('since/until take any ISO 8601 date or date-time (no offset is UTC); text that is not one is a 422 naming it', async () => {
    await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '6.1.0' } });
    const items = ((await apiRequest(h, 'GET', '/api/v1/audit?limit=1000')).body as { items: { id: number; at: string }[] }).items;
    const pivot = DateTime.fromISO(items[items.length - 1]?.at ?? '', { zone: 'utc' });
    expect(pivot.isValid).toBe(true);
    // each form names an instant; since keeps what is at or after it, until what is before it
    const forms: [string, DateTime][] = [
      [pivot.toISO() ?? '', pivot],
      [pivot.toFormat("yyyy-MM-dd'T'HH:mm'Z'"), pivot.startOf('minute')],
      [pivot.setZone('UTC+2').toFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZZZ"), pivot],
      [pivot.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS"), pivot],
      [pivot.toFormat('yyyy-MM-dd'), pivot.startOf('day')],
    ];
    for (const [text, at] of forms) {
      const idsOf = async (param: 'since' | 'until') => {
        const res = await apiRequest(h, 'GET', `/api/v1/audit?limit=1000&${param}=${encodeURIComponent(text)}`);
        expect(res.status, `${param}=${text}`).toBe(200);
        return (res.body as { items: { id: number }[] }).items.map((i) => i.id);
      };
      expect(await idsOf('since'), text).toEqual(items.filter((i) => Date.parse(i.at) >= at.toMillis()).map((i) => i.id));
      expect(await idsOf('until'), text).toEqual(items.filter((i) => Date.parse(i.at) < at.toMillis()).map((i) => i.id));
    }
    expect(forms[2]?.[0]).toMatch(/\+0200$/);
    expect(forms[3]?.[0]).toMatch(/:\d\d\.\d{3}$/);

    for (const [param, text] of [['since', 'yesterday'], ['until', '10:00'], ['since', '2026-13-01'], ['until', '2026-01-01 10:00'], ['since', '2026-01-01T10:00:00Z[Europe/Berlin]']]) {
      const p = expectProblem(await apiRequest(h, 'GET', `/api/v1/audit?${param}=${encodeURIComponent(text ?? '')}`), 422, 'Unprocessable Content');
      expect(p.detail, text).toContain(`${param}: `);
      expect(p.errors?.map((e) => e.path), text).toEqual([param]);
    }
  });

  it('a parameter left blank counts as not given', async () => {
    const plain = await apiRequest(h, 'GET', '/api/v1/audit');
    const blank = await apiRequest(h, 'GET', '/api/v1/audit?since=&until=&release=&format=&after=&cursor=&limit=');
    expect(blank.status).toBe(200);
    expect(blank.headers.get('content-type')).toMatch(/^application\/json/);
    expect(blank.body).toEqual(plain.body);
    // blank beside a real value: the value still counts
    const limited = await apiRequest(h, 'GET', '/api/v1/audit?limit=1&since=');
    expect((limited.body as { items: unknown[] }).items).toHaveLength(1);
  });

  it('next is passed back as after, or as cursor, which means the same', async () => {
    const all = ((await apiRequest(h, 'GET', '/api/v1/audit?limit=1000')).body as { items: { id: number }[] }).items.map((i) => i.id);
    for (const name of ['after', 'cursor']) {
      const seen: number[] = [];
      let next: string | undefined;
      do {
        const page = await apiRequest(h, 'GET', `/api/v1/audit?limit=3${next ? `&${name}=${next}` : ''}`);
        expect(page.status).toBe(200);
        const body = page.body as { items: { id: number }[]; next?: string };
        seen.push(...body.items.map((i) => i.id));
        next = body.next;
        // (a name that is ignored would serve the first page forever)
      } while (next && seen.length <= all.length);
      expect(seen, name).toEqual(all);
    }
    const first = (await apiRequest(h, 'GET', '/api/v1/audit?limit=2')).body as { next?: string };
    expect(first.next).toMatch(/^\d+$/);
    const viaAfter = await apiRequest(h, 'GET', `/api/v1/audit?limit=2&after=${first.next}`);
    const viaBoth = await apiRequest(h, 'GET', `/api/v1/audit?limit=2&after=${first.next}&cursor=${first.next}`);
    expect(viaBoth.body).toEqual(viaAfter.body);
    const clash = expectProblem(await apiRequest(h, 'GET', `/api/v1/audit?after=1&cursor=2`), 422, 'Unprocessable Content');
    expect(clash.detail).toContain('cursor');
    expectProblem(await apiRequest(h, 'GET', '/api/v1/audit?cursor=abc'), 422, 'Unprocessable Content');
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
