/**
 * What CI clients actually send, over real HTTP: `next` passed back as `?next=`, `null` for optional body fields,
 * a typo'd key, and a `+02:00` offset left unencoded in the query string (it arrives as a space).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, ReleaseJson } from '../support/harness';
import { API_TOKEN, U, apiRequest, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const BODY = {
  service: 'payments-api',
  version: '7.0.0',
  environment: 'production',
  changelog: 'Client input.',
  rollback_plan: 'Redeploy 6.9.9.',
  risk: 'low',
  requested_by: U.requester,
};

interface Problem {
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

interface AuditBody {
  items: { id: number; at: string }[];
  next?: string;
}

async function create(body: Record<string, unknown>): Promise<ReleaseJson> {
  const res = await apiRequest(h, 'POST', '/api/v1/releases', { body });
  expect(res.status, res.text).toBe(201);
  return res.body as ReleaseJson;
}

describe('audit paging with ?next=', () => {
  it('the page’s next, sent back as next, pages through everything once', async () => {
    for (let i = 0; i < 3; i += 1) await create({ ...BODY, version: `7.0.${i}` });
    const all = ((await apiRequest(h, 'GET', '/api/v1/audit?limit=1000')).body as AuditBody).items.map((i) => i.id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: number[] = [];
    let next: string | undefined;
    do {
      const page = await apiRequest(h, 'GET', `/api/v1/audit?limit=1${next ? `&next=${next}` : ''}`);
      expect(page.status).toBe(200);
      const body = page.body as AuditBody;
      seen.push(...body.items.map((i) => i.id));
      next = body.next;
      // (an ignored next would serve page 1 forever: the bound stops the loop, the assertion names it)
    } while (next && seen.length <= all.length);
    expect(seen).toEqual(all);
  });

  it('next that agrees with after or cursor is the same page; one that differs is a 422 naming it', async () => {
    const first = (await apiRequest(h, 'GET', '/api/v1/audit?limit=1')).body as AuditBody;
    expect(first.next).toMatch(/^\d+$/);
    const viaAfter = await apiRequest(h, 'GET', `/api/v1/audit?limit=1&after=${first.next}`);
    const viaNext = await apiRequest(h, 'GET', `/api/v1/audit?limit=1&next=${first.next}`);
    const viaAll = await apiRequest(h, 'GET', `/api/v1/audit?limit=1&after=${first.next}&cursor=${first.next}&next=${first.next}`);
    expect(viaNext.body).toEqual(viaAfter.body);
    expect(viaAll.body).toEqual(viaAfter.body);
    expect(viaNext.body).not.toEqual(first);

    for (const query of ['after=1&next=2', 'cursor=1&next=2', 'after=1&cursor=1&next=3']) {
      const res = await apiRequest(h, 'GET', `/api/v1/audit?${query}`);
      expect(res.status, query).toBe(422);
      const p = res.body as Problem;
      expect(p.detail, query).toContain('next');
      expect(p.errors, query).toEqual([{ path: 'next', message: expect.stringContaining('differs from') as unknown }]);
    }
    expect((await apiRequest(h, 'GET', '/api/v1/audit?next=abc')).status).toBe(422);
  });
});

describe('null for an optional body field means not given', () => {
  it('POST /releases with title, links, commit_time and desired_at null creates the release as if they were left out', async () => {
    const r = await create({ ...BODY, version: '7.1.0', title: null, links: null, commit_time: null, desired_at: null });
    expect(r).toMatchObject({ version: '7.1.0', links: [], commit_time: null, desired_at: null });
    // the title a release gets when none is given
    const plain = await create({ ...BODY, version: '7.1.1' });
    expect(r.title).toBe(plain.title.replace('7.1.1', '7.1.0'));
  });

  it('POST /checks with url and details null records the check without them', async () => {
    const r = await create({ ...BODY, version: '7.2.0' });
    const res = await apiRequest(h, 'POST', `/api/v1/releases/${r.id}/checks`, { body: { criterion: 'tests', status: 'passed', url: null, details: null } });
    expect(res.status, res.text).toBe(200);
    expect((res.body as ReleaseJson).criteria.find((c) => c.criterion === 'tests')).toMatchObject({ status: 'met', url: null, details: null });
  });

  it('POST /deployments with url null is read (here: 409, the release is not scheduled), not refused as a body', async () => {
    const r = await create({ ...BODY, version: '7.3.0' });
    const res = await apiRequest(h, 'POST', `/api/v1/releases/${r.id}/deployments`, { body: { status: 'started', url: null } });
    expect(res.status, res.text).toBe(409);
  });

  it('null for a required field is still a 422 naming it', async () => {
    const res = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '7.4.0', changelog: null } });
    expect(res.status).toBe(422);
    expect((res.body as Problem).errors?.map((e) => e.path)).toEqual(['changelog']);
  });
});

describe('unknown keys', () => {
  it('are refused with a 422 whose detail and errors name each key', async () => {
    const res = await apiRequest(h, 'POST', '/api/v1/releases', { body: { ...BODY, version: '7.5.0', rollback_pan: 'x', colour: 'green' } });
    expect(res.status).toBe(422);
    const p = res.body as Problem;
    expect(p.errors?.map((e) => e.path)).toEqual(['rollback_pan', 'colour']);
    expect(p.detail).toContain('rollback_pan: unknown key');
    expect(p.detail).toContain('colour: unknown key');

    const r = await create({ ...BODY, version: '7.5.1' });
    const typo = await apiRequest(h, 'POST', `/api/v1/releases/${r.id}/checks`, { body: { criterion: 'tests', status: 'passed', detials: 'x' } });
    expect(typo.status).toBe(422);
    expect((typo.body as Problem).errors).toEqual([{ path: 'detials', message: 'unknown key; did you mean details?' }]);
  });
});

describe('since/until with an unencoded + before the offset', () => {
  it('?since=…T10:00:00+02:00 sent as is (the + arrives as a space) means +02:00, like the encoded form', async () => {
    await create({ ...BODY, version: '7.6.0' });
    const items = ((await apiRequest(h, 'GET', '/api/v1/audit?limit=1000')).body as AuditBody).items;
    const pivotAt = items[Math.floor(items.length / 2)]?.at ?? '';
    // the pivot in +02:00, to the millisecond, written as a client would: 2026-…T…:ss.SSS+02:00
    const local = new Date(Date.parse(pivotAt) + 2 * 3600_000).toISOString().replace('Z', '');
    const expected = items.filter((i) => Date.parse(i.at) >= Date.parse(pivotAt)).map((i) => i.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(items.length);

    for (const offset of ['+02:00', '+0200']) {
      // fetch sends a literal + as is; the server's query parser turns it into a space
      const raw = await fetch(`${h.gl.url}/api/v1/audit?limit=1000&since=${local}${offset}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(raw.status, offset).toBe(200);
      expect(((await raw.json()) as AuditBody).items.map((i) => i.id), offset).toEqual(expected);
      const encoded = await apiRequest(h, 'GET', `/api/v1/audit?limit=1000&since=${encodeURIComponent(`${local}${offset}`)}`);
      expect((encoded.body as AuditBody).items.map((i) => i.id), offset).toEqual(expected);
    }
    // a space anywhere else is still not a date-time
    const spaced = await apiRequest(h, 'GET', `/api/v1/audit?since=${encodeURIComponent(`${local.replace('T', ' ')}+02:00`)}`);
    expect(spaced.status).toBe(422);
  });
});
