/**
 * `npm run db:backup [path]`: an online backup of the SQLite database named by DATABASE_URL, taken with SQLite's
 * backup API (better-sqlite3 `db.backup`) while Greenlight keeps running and writing. The copy is one consistent
 * snapshot; it is checked with `PRAGMA integrity_check` before the command reports success.
 *
 * Default destination: `<database dir>/backups/greenlight-<UTC timestamp>.db`. Restore: stop Greenlight, copy the
 * backup over the database file (and delete any `-wal`/`-shm` files beside it), start Greenlight.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_DATABASE_URL, sqlitePathFromUrl } from '../config/env';

export interface BackupResult {
  path: string;
  pages: number;
  bytes: number;
}

/** Copies the live database at `source` to `dest` (which must not exist) and verifies the copy. */
export async function backupDatabase(source: string, dest: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`DATABASE_URL: no database file at ${source}`);
  if (existsSync(dest)) throw new Error(`backup: ${dest} already exists; pick a new path`);
  mkdirSync(dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // All remaining pages in one step: a consistent snapshot that never restarts because a writer changed the
    // source between steps (better-sqlite3's default of 100 pages a step can restart forever under steady writes).
    const meta = await db.backup(partial, { progress: () => 0x7fffffff });
    const copy = new Database(partial, { fileMustExist: true });
    let bytes = 0;
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`backup: integrity_check of the copy says ${String(check)}`);
      copy.pragma('journal_mode = DELETE');
      bytes = Number(copy.pragma('page_count', { simple: true })) * Number(copy.pragma('page_size', { simple: true }));
    } finally {
      copy.close();
    }
    renameSync(partial, dest);
    return { path: dest, pages: meta.totalPages, bytes };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

export function defaultBackupPath(source: string, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const name = basename(source, extname(source)) || 'greenlight';
  return join(dirname(resolve(source)), 'backups', `${name}-${stamp}.db`);
}

async function main(argv: string[]): Promise<number> {
  const url = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const parsed = sqlitePathFromUrl(url);
  if ('error' in parsed) {
    process.stderr.write(`DATABASE_URL: ${parsed.error}\n`);
    return 1;
  }
  if (parsed.path === ':memory:') {
    process.stderr.write('DATABASE_URL: an in-memory database cannot be backed up\n');
    return 1;
  }
  const source = resolve(parsed.path);
  const dest = resolve(argv[0] ?? defaultBackupPath(source));
  try {
    const result = await backupDatabase(source, dest);
    process.stdout.write(`${JSON.stringify({ msg: 'backup written', path: result.path, pages: result.pages, bytes: result.bytes })}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
