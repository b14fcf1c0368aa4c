import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../src/db/client';
import { inTransaction, openDatabase } from '../../../src/db/client';

let dir: string | null = null;
let handle: DatabaseHandle | null = null;
afterEach(() => {
  handle?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  handle = null;
  dir = null;
});

describe('inTransaction', () => {
  it('returns what a synchronous body returns', () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-client-'));
    handle = openDatabase(join(dir, 'db.sqlite'));
    expect(inTransaction(handle.db, () => 42)).toBe(42);
  });

  it('throws (and rolls back) when the body returns a promise that slipped past the types', () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-client-'));
    handle = openDatabase(join(dir, 'db.sqlite'));
    const { db, sqlite } = handle;
    sqlite.exec('create table t (x integer)');
    const asyncBody = (async () => {
      sqlite.exec('insert into t values (1)');
      await Promise.resolve();
    }) as unknown as () => void;
    expect(() => inTransaction(db, asyncBody)).toThrow(/transactions are synchronous/);
    expect((sqlite.prepare('select count(*) as n from t').get() as { n: number }).n).toBe(0);
  });
});
