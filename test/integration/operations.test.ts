/**
 * Operations against the real entry points (`tsx src/main.ts`, `tsx src/cli/db-backup.ts`) in child processes:
 * graceful shutdown in the middle of an approval, start-up checks (Redis, Slack token, migrations), and online
 * backups while the database is being written. Every child is bounded by a timeout and killed with its group.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import { SlackDriver, startFakeSlack } from '../../src/fake-slack';
import type { Exit } from '../support/processes';
import { MAIN, ROOT, cleanupProcesses, freePort, ownRedisDatabase, runScript, tempDir } from '../support/processes';

const BACKUP = join(ROOT, 'src', 'cli', 'db-backup.ts');
const REDIS = ownRedisDatabase(12);
const REDIS_URL = REDIS.url;

const BOT_TOKEN = 'xoxb-7777-6666-operationstestbottoken';
const SIGNING_SECRET = 'operations-signing-secret-0123456789abcdef';
const API_TOKEN = 'operations-api-token-0123456789abcdef';

const POLICY = `
timezone: Europe/Berlin
channels: { releases: C0RELEASES }
roles:
  developer: [U0DEV1, U0DEV2]
  qa: [U0QA]
  release_manager: [U0RM]
  product_manager: [U0PM]
  operations: [U0OPS]
services:
  payments-api: { channel: C0PAYMENTS }
`;

afterAll(async () => {
  cleanupProcesses();
  await REDIS.flush();
});

const run = runScript;

function appEnv(cwd: string, extra: Record<string, string>): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    DATABASE_URL: `file:${join(cwd, 'greenlight.db')}`,
    REDIS_URL,
    GREENLIGHT_POLICY: 'policy.yml',
    GREENLIGHT_API_TOKEN: API_TOKEN,
    ...extra,
  };
}

function stderrLines(exit: Exit): string[] {
  return exit.stderr.split('\n').filter((l) => l.trim() !== '');
}

describe('graceful shutdown', () => {
  it('SIGTERM during an approval finishes it: the approval is stored and the card update reaches Slack, then exit 0', async () => {
    const fake = await startFakeSlack({ botToken: BOT_TOKEN });
    try {
      const cwd = tempDir();
      writeFileSync(join(cwd, 'policy.yml'), POLICY);
      const port = await freePort();
      const app = run(MAIN, [], { cwd, timeoutMs: 40_000, env: appEnv(cwd, { SLACK_API_URL: fake.url, PORT: String(port) }) });
      await app.waitForLine((l) => l.includes('Greenlight is listening'), 20_000);
      const base = `http://127.0.0.1:${port}`;

      const created = await fetch(`${base}/api/v1/releases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          service: 'payments-api',
          version: '2.0.0',
          environment: 'production',
          changelog: 'New checkout',
          rollback_plan: 'Redeploy 1.9.9',
          risk: 'low',
          requested_by: 'U0DEV1',
        }),
      });
      expect(created.status).toBe(201);
      const release = (await created.json()) as { number: number };
      const card = await fake.waitFor(() => fake.messages('C0PAYMENTS').find((m) => JSON.stringify(m.blocks ?? []).includes(`REL-${release.number} ·`)), {
        description: 'the release card',
      });

      // Slack answers the card update slowly: the update is still in flight when SIGTERM arrives.
      fake.delayNext('chat.update', 1_500);
      const updatesBefore = fake.callsTo('chat.update').length;
      const driver = new SlackDriver({ baseUrl: base, signingSecret: SIGNING_SECRET, fake, defaultChannel: 'C0PAYMENTS' });
      const click = await driver.clickButton('U0DEV2', { channel: 'C0PAYMENTS', ts: card.ts }, 'Approve');
      expect(click.status).toBe(200);
      app.child.kill('SIGTERM');

      const exit = await app.exited;
      expect(exit.timedOut).toBe(false);
      expect({ code: exit.code, signal: exit.signal }, exit.stderr).toEqual({ code: 0, signal: null });

      // The approval is in the database file.
      const db = new Database(join(cwd, 'greenlight.db'), { readonly: true });
      try {
        const rows = db.prepare('select user_id, stage, status from approvals where release_id = ?').all(release.number);
        expect(rows).toEqual([{ user_id: 'U0DEV2', stage: 'review', status: 'active' }]);
      } finally {
        db.close();
      }
      // The card update reached Slack and was answered, and the thread line queued after it was sent too.
      const updates = fake.callsTo('chat.update').slice(updatesBefore);
      expect(updates.some((c) => c.ok && c.args.ts === card.ts)).toBe(true);
      expect(fake.thread('C0PAYMENTS', card.ts).some((m) => (m.text ?? '').includes('<@U0DEV2> approved'))).toBe(true);
      const logs = exit.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { msg?: string });
      const msgs = logs.map((l) => l.msg);
      expect(msgs.indexOf('stopped')).toBeGreaterThan(msgs.indexOf('shutting down'));
    } finally {
      await fake.close();
    }
  });
});

describe('start-up checks', () => {
  it('Redis unreachable: one line naming REDIS_URL, non-zero exit, promptly', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'policy.yml'), POLICY);
    const exit = await run(MAIN, [], { cwd, timeoutMs: 20_000, env: appEnv(cwd, { REDIS_URL: 'redis://127.0.0.1:1', SLACK_API_URL: 'http://127.0.0.1:1/api/', PORT: '0' }) }).exited;
    expect(exit.timedOut).toBe(false);
    expect(exit.code).not.toBe(0);
    expect(exit.timedOut).toBe(false);
    const lines = stderrLines(exit);
    expect(lines, exit.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/REDIS_URL: nothing answers at redis:\/\/127\.0\.0\.1:1/);
  });

  it('Slack refuses the token: one line naming SLACK_BOT_TOKEN, non-zero exit', async () => {
    const fake = await startFakeSlack({ botToken: 'xoxb-some-other-workspace-token' });
    try {
      const cwd = tempDir();
      writeFileSync(join(cwd, 'policy.yml'), POLICY);
      const exit = await run(MAIN, [], { cwd, timeoutMs: 20_000, env: appEnv(cwd, { SLACK_API_URL: fake.url, PORT: '0' }) }).exited;
      expect(exit.timedOut).toBe(false);
      expect(exit.code).not.toBe(0);
      const lines = stderrLines(exit);
      expect(lines, exit.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/SLACK_BOT_TOKEN: Slack refused the token \(invalid_auth\)/);
      expect(exit.stderr + exit.stdout).not.toContain(BOT_TOKEN);
      expect(fake.callsTo('auth.test').length).toBeGreaterThan(0);
    } finally {
      await fake.close();
    }
  });

  it('a database written by a newer version (more migrations than shipped): one line naming DATABASE_URL', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'policy.yml'), POLICY);
    const file = join(cwd, 'greenlight.db');
    const handle = openDatabase(file);
    handle.sqlite.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('from-the-future', Date.now() + 86_400_000);
    handle.close();
    const exit = await run(MAIN, [], { cwd, timeoutMs: 20_000, env: appEnv(cwd, { SLACK_API_URL: 'http://127.0.0.1:1/api/', PORT: '0' }) }).exited;
    expect(exit.timedOut).toBe(false);
    expect(exit.code).not.toBe(0);
    const lines = stderrLines(exit);
    expect(lines, exit.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/DATABASE_URL: the database has \d+ migrations applied but this version of Greenlight ships \d+/);
  });
});

describe('npm run db:backup', () => {
  it('backs up while another connection writes: the copy opens, passes integrity_check and has the rows written before it started', async () => {
    const cwd = tempDir();
    const file = join(cwd, 'live.db');
    const live = openDatabase(file);
    live.sqlite.exec('create table backup_probe (id integer primary key, payload text not null)');
    const insert = live.sqlite.prepare('insert into backup_probe (payload) values (?)');
    const filler = 'x'.repeat(500);
    live.sqlite.transaction(() => {
      for (let i = 0; i < 5_000; i++) insert.run(filler);
    })();

    // A second connection writes in a loop for as long as the backup runs.
    let writing = true;
    const writer = new Database(file);
    writer.pragma('busy_timeout = 5000');
    const write = writer.prepare('insert into backup_probe (payload) values (?)');
    let written = 0;
    const loop = (async () => {
      while (writing) {
        write.run(filler);
        written += 1;
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      while (written < 50) await new Promise((r) => setTimeout(r, 5));
      const before = (live.sqlite.prepare('select max(id) as n from backup_probe').get() as { n: number }).n;
      const dest = join(cwd, 'backups', 'copy.db');
      const exit = await run(BACKUP, [dest], { cwd, timeoutMs: 30_000, env: { DATABASE_URL: `file:${file}` } }).exited;
      const writtenDuring = written;
      writing = false;
      await loop;
      expect(exit.timedOut).toBe(false);
      expect(exit.code, exit.stderr).toBe(0);
      expect(JSON.parse(exit.stdout.trim())).toMatchObject({ msg: 'backup written', path: dest });
      expect(writtenDuring).toBeGreaterThan(50); // the writer kept going while the backup ran

      const copy = new Database(dest, { readonly: true, fileMustExist: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        const ids = copy.prepare('select count(*) as n, max(id) as max from backup_probe where id <= ?').get(before) as { n: number; max: number };
        expect(ids).toEqual({ n: before, max: before });
        // It is a Greenlight database: the migrations table came along.
        expect((copy.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n).toBeGreaterThan(0);
      } finally {
        copy.close();
      }
    } finally {
      writing = false;
      await loop;
      writer.close();
      live.close();
    }
  }, 60_000);

  it('refuses to overwrite an existing file, with one line', async () => {
    const cwd = tempDir();
    const file = join(cwd, 'live.db');
    openDatabase(file).close();
    const dest = join(cwd, 'exists.db');
    writeFileSync(dest, 'keep me');
    const exit = await run(BACKUP, [dest], { cwd, timeoutMs: 20_000, env: { DATABASE_URL: `file:${file}` } }).exited;
    expect(exit.code).toBe(1);
    expect(stderrLines(exit)).toEqual([`backup: ${dest} already exists; pick a new path`]);
  });
});
