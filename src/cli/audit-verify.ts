/**
 * `npm run audit:verify`: checks the audit trail's hash chain in the DATABASE_URL SQLite file (read-only,
 * streaming). Exit 0 when every event verifies; 1 naming the first broken event; 2 when the file can't be read.
 * Note: the chain proves nothing was changed, inserted or removed before the last event; to detect a cut-off
 * tail, keep the printed last hash somewhere else (e.g. in your SIEM) and compare.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_DATABASE_URL, sqlitePathFromUrl } from '../config/env';
import { verifyAuditChain } from '../db/audit-verify';

function main(): number {
  const url = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const parsed = sqlitePathFromUrl(url);
  if ('error' in parsed) {
    console.error(`DATABASE_URL: ${parsed.error}`);
    return 2;
  }
  const path = parsed.path === ':memory:' ? parsed.path : resolve(process.cwd(), parsed.path);
  if (path === ':memory:' || !existsSync(path)) {
    console.error(`DATABASE_URL: no database file at ${path}`);
    return 2;
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
    sqlite.pragma('busy_timeout = 5000');
  } catch (err) {
    console.error(`DATABASE_URL: cannot open ${path}: ${(err as Error).message}`);
    return 2;
  }
  try {
    const result = verifyAuditChain(sqlite, (n) => console.error(`… ${n.toLocaleString('en-US')} events verified`));
    if (result.ok) {
      console.log(`audit trail OK: ${result.checked} events verified${result.lastId !== null ? `; last event ${result.lastId}, hash ${result.lastHash}` : ''}`);
      return 0;
    }
    console.error(`audit trail BROKEN at event ${result.brokenId} (${result.problem}): ${result.detail}. ${result.checked} events before it verify.`);
    return 1;
  } catch (err) {
    console.error(`audit trail could not be read: ${(err as Error).message}`);
    return 2;
  } finally {
    sqlite.close();
  }
}

process.exitCode = main();
