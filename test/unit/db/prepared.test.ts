import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle, DbOrTx } from '../../../src/db/client';
import { inTransaction, openDatabase } from '../../../src/db/client';
import { verifyAuditChain } from '../../../src/db/audit-verify';
import { appendAudit, auditForRelease } from '../../../src/db/audit.repo';
import { rootOf } from '../../../src/db/prepared';
import type { Release } from '../../../src/db/release.repo';
import { approvalsFor, criteriaFor, getRelease, insertApproval, insertRelease, markDelivery } from '../../../src/db/release.repo';

const handles: DatabaseHandle[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(path = ':memory:'): DatabaseHandle {
  const h = openDatabase(path);
  handles.push(h);
  return h;
}

function newRelease(tx: DbOrTx, service: string, at = 1_000): Release {
  return insertRelease(tx, {
    service,
    version: '1.0.0',
    title: `${service} release`,
    changelog: 'changes',
    environment: 'production',
    risk: 'low',
    rollbackPlan: 'revert',
    requestedBy: 'U1',
    source: 'slack',
    state: 'review',
    createdAt: at,
  });
}

class Rollback extends Error {}

describe('prepared repository queries', () => {
  it('are per connection: two databases in one process never see each other’s rows', () => {
    const a = open();
    const b = open();
    const ra = newRelease(a.db, 'alpha');
    // Warm the cache on `a` first, then read the same id from `b`.
    expect(getRelease(a.db, ra.id)?.service).toBe('alpha');
    expect(getRelease(b.db, ra.id)).toBeUndefined();
    const rb = newRelease(b.db, 'beta');
    expect(rb.id).toBe(ra.id);
    expect(getRelease(b.db, rb.id)?.service).toBe('beta');
    expect(getRelease(a.db, ra.id)?.service).toBe('alpha');

    expect(insertApproval(a.db, { releaseId: ra.id, stage: 'review', role: 'developer', userId: 'UA', contentRev: 1, at: 2_000 })).not.toBeNull();
    expect(approvalsFor(a.db, ra.id).map((x) => x.userId)).toEqual(['UA']);
    expect(approvalsFor(b.db, rb.id)).toEqual([]);

    expect(markDelivery(a.db, 'event:Ev1', 1)).toBe(true);
    expect(markDelivery(b.db, 'event:Ev1', 1)).toBe(true);
  });

  it('use a fresh connection after a database is closed and reopened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenlight-prepared-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const first = open(path);
    const r = newRelease(first.db, 'alpha');
    expect(getRelease(first.db, r.id)?.service).toBe('alpha');
    first.close();
    expect(() => getRelease(first.db, r.id)).toThrow(/not open/);
    const second = open(path);
    expect(getRelease(second.db, r.id)?.service).toBe('alpha');
  });

  it('see a transaction’s own uncommitted writes, and nothing of a rolled-back one', () => {
    const { db } = open();
    let id = 0;
    expect(() =>
      inTransaction(db, (tx) => {
        expect(rootOf(tx)).toBe(db);
        id = newRelease(tx, 'alpha').id;
        expect(getRelease(tx, id)?.service).toBe('alpha');
        expect(criteriaFor(tx, id).every((c) => c.status === 'pending')).toBe(true);
        expect(insertApproval(tx, { releaseId: id, stage: 'review', role: 'developer', userId: 'U2', contentRev: 1, at: 2_000 })?.userId).toBe('U2');
        expect(approvalsFor(tx, id)).toHaveLength(1);
        expect(markDelivery(tx, 'event:Ev1', 1)).toBe(true);
        appendAudit(tx, { at: 2_000, releaseId: id, actor: 'U1', action: 'created' });
        expect(auditForRelease(tx, id)).toHaveLength(1);
        throw new Rollback('roll back');
      }),
    ).toThrow(Rollback);
    expect(id).toBeGreaterThan(0);
    expect(getRelease(db, id)).toBeUndefined();
    expect(approvalsFor(db, id)).toEqual([]);
    expect(markDelivery(db, 'event:Ev1', 1)).toBe(true);
    expect(auditForRelease(db, id)).toEqual([]);

    const kept = inTransaction(db, (tx) => {
      const r = newRelease(tx, 'beta');
      appendAudit(tx, { at: 3_000, releaseId: r.id, actor: 'U1', action: 'created', details: { service: 'beta' } });
      return r;
    });
    expect(getRelease(db, kept.id)?.service).toBe('beta');
  });

  it('work through a transaction handle that was not registered (a nested savepoint)', () => {
    const { db } = open();
    const id = inTransaction(db, (tx) =>
      tx.transaction((inner) => {
        expect(rootOf(inner)).toBe(inner);
        const r = newRelease(inner, 'alpha');
        expect(getRelease(inner, r.id)?.service).toBe('alpha');
        return r.id;
      }),
    );
    expect(getRelease(db, id)?.service).toBe('alpha');
  });

  it('keep the audit hash chain intact across commits and rollbacks', () => {
    const { db, sqlite } = open();
    appendAudit(db, { at: 1, releaseId: null, actor: 'system', action: 'boot' });
    expect(() =>
      inTransaction(db, (tx) => {
        appendAudit(tx, { at: 2, releaseId: null, actor: 'U1', action: 'lost', details: { n: 1 } });
        throw new Rollback('roll back');
      }),
    ).toThrow(Rollback);
    const row = inTransaction(db, (tx) => appendAudit(tx, { at: 3, releaseId: 7, actor: 'U1', action: 'kept', details: { b: [1, 2], a: 'x' } }));
    expect(row.id).toBe(2);
    expect(row.details).toEqual({ b: [1, 2], a: 'x' });
    expect(row.releaseId).toBe(7);
    const result = verifyAuditChain(sqlite);
    expect(result).toMatchObject({ ok: true, checked: 2, lastId: 2, lastHash: row.hash });
  });

  it('markDelivery says true once, then false for the same key', () => {
    const { db } = open();
    expect(markDelivery(db, 'event:EvX', 1_000)).toBe(true);
    expect(markDelivery(db, 'event:EvX', 1_001)).toBe(false);
    expect(inTransaction(db, (tx) => markDelivery(tx, 'event:EvX', 1_002))).toBe(false);
    expect(inTransaction(db, (tx) => markDelivery(tx, 'event:EvY', 1_002))).toBe(true);
    expect(markDelivery(db, 'event:EvY', 1_003)).toBe(false);
  });
});
