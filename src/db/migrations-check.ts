/** Start-up check: the database has exactly the migrations this version ships (migrations/meta/_journal.json). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';

const journalSchema = z.object({ entries: z.array(z.object({ tag: z.string() })) });

export function shippedMigrations(migrationsDir: string): number {
  const journal = journalSchema.parse(JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')));
  return journal.entries.length;
}

/** Throws one line naming DATABASE_URL when the applied migrations differ from the shipped ones. */
export function assertMigrationsApplied(sqlite: Database.Database, migrationsDir: string): void {
  const shipped = shippedMigrations(migrationsDir);
  const table = sqlite.prepare("select name from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  const applied = table ? z.object({ n: z.number() }).parse(sqlite.prepare('select count(*) as n from __drizzle_migrations').get()).n : 0;
  if (applied === shipped) return;
  if (applied > shipped) {
    throw new Error(
      `DATABASE_URL: the database has ${applied} migrations applied but this version of Greenlight ships ${shipped}; it was written by a newer version (restore a backup or upgrade Greenlight)`,
    );
  }
  throw new Error(`DATABASE_URL: only ${applied} of ${shipped} migrations are applied; migrating the database failed (check the file is writable)`);
}
