import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root';
import { Checkpointer } from './checkpointer';
import type { CheckpointerOptions } from './checkpointer';
import { registerTransaction } from './prepared';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema>;
/** A drizzle transaction handle: everything a repo needs inside `db.transaction`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations');

export interface DatabaseHandle {
  db: Db;
  sqlite: Database.Database;
  /** Checkpoints the WAL on a thread of its own, when asked for (src/db/checkpointer.ts). */
  checkpointer: Checkpointer | null;
  /** Closes the connection (and stops the checkpoint thread; `await checkpointer.stop()` first to wait for it). */
  close(): void;
}

/**
 * Opens (creating if needed) the SQLite file in WAL mode with foreign keys on, and applies migrations. With
 * `checkpoints`, WAL checkpoints run on a thread of their own instead of inside this connection's commits.
 */
export function openDatabase(path: string, opts: { checkpoints?: CheckpointerOptions } = {}): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  // (an in-memory database has no log to checkpoint)
  const checkpointer = opts.checkpoints && path !== ':memory:' ? new Checkpointer(sqlite, opts.checkpoints) : null;
  return {
    db,
    sqlite,
    checkpointer,
    close: () => {
      void checkpointer?.stop();
      if (sqlite.open) sqlite.close();
    },
  };
}

/** A transaction body's result: anything but a promise (better-sqlite3 transactions are synchronous). */
export type NotAPromise<T> = T extends PromiseLike<unknown> ? never : T;

function isThenable(v: unknown): boolean {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` in one IMMEDIATE transaction (a writer lock up front), synchronously: no awaits inside. An async `fn`
 * does not type-check, and one that slips through (a thenable at run time) throws, which rolls the transaction back.
 */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => NotAPromise<T>): T {
  return db.transaction((tx) => {
    // Lets the repositories' prepared statements (made on `db`) serve this handle: same connection, same transaction.
    registerTransaction(tx, db);
    const result = fn(tx);
    if (isThenable(result)) throw new TypeError('inTransaction: the callback returned a promise; transactions are synchronous (no awaits inside)');
    return result;
  }, { behavior: 'immediate' });
}
