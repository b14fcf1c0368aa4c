/**
 * Prepared queries built once per database connection and reused.
 *
 * Building a drizzle query and having better-sqlite3 compile its SQL costs far more than running it, so the hot
 * repository reads and writes keep a drizzle prepared query (`.prepare()` with `sql.placeholder(...)`) per connection.
 *
 * Repositories receive either the root drizzle db or the transaction handle `inTransaction` passes. A better-sqlite3
 * transaction is connection-wide, so a statement prepared on the root db runs inside whatever transaction is open on
 * that connection: `inTransaction` registers each handle's root here and the cache is keyed by that root. A handle
 * that was not registered (a nested drizzle savepoint, a bare `db.transaction`) is its own key: it gets statements of
 * its own, which is slower but just as correct.
 *
 * Every cache is a WeakMap keyed by the db object, never global: two databases open in one process (the tests do
 * this) never share statements, and a closed database's statements go with its (discarded) db object; reopening the
 * file creates a new db object and so a fresh cache.
 */
import type { Db, DbOrTx, Tx } from './client';

const roots = new WeakMap<DbOrTx, Db>();

/** Records that `tx` runs on `db`'s connection (called by `inTransaction`). */
export function registerTransaction(tx: Tx, db: Db): void {
  roots.set(tx, db);
}

/** The connection-level db a handle runs on: the registered root of a transaction, else the handle itself. */
export function rootOf(x: DbOrTx): DbOrTx {
  return roots.get(x) ?? x;
}

/**
 * Returns a getter of the query `build` makes, built at most once per connection (lazily, on first use).
 * `build` must return a prepared query (`.prepare()`), with every per-call value a `sql.placeholder`.
 */
export function prepared<P>(build: (db: DbOrTx) => P): (x: DbOrTx) => P {
  const cache = new WeakMap<DbOrTx, P>();
  return (x) => {
    const root = rootOf(x);
    let query = cache.get(root);
    if (query === undefined) {
      query = build(root);
      cache.set(root, query);
    }
    return query;
  };
}
