/**
 * Start-up checks added to the configuration, through the real entry point (`src/main.ts` in a child process):
 * settings that used to pass start-up and fail later now stop it with one line naming the variable, and webhooks
 * that would go out unsigned get one warning line at start-up (start-up goes on).
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlack } from '../../src/fake-slack';
import { startFakeSlack } from '../../src/fake-slack';
import { MAIN, ROOT, cleanupProcesses, freePort, ownRedisDatabase, runScript, tempDir as makeTempDir } from '../support/processes';

const tempDir = () => makeTempDir('greenlight-startup-checks-');
const BOT_TOKEN = 'xoxb-9999-7777-startupcheckstoken';
const SIGNING_SECRET = 'startup-checks-signing-secret-0123456789';
const SLACK_OK = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET } as const;
const REDIS = ownRedisDatabase(10);

afterAll(async () => {
  cleanupProcesses();
  await REDIS.flush();
});

const BAD: { name: string; env: Record<string, string>; line: RegExp }[] = [
  {
    name: 'a webhook secret the Standard Webhooks library cannot decode (whsec_abc)',
    env: { ...SLACK_OK, GREENLIGHT_WEBHOOK_SECRET: 'whsec_abc' },
    line: /^GREENLIGHT_WEBHOOK_SECRET: not a usable Standard Webhooks secret \(incorrect padding\)/,
  },
  {
    name: 'DATABASE_URL=sqlite:./x.db',
    env: { ...SLACK_OK, DATABASE_URL: 'sqlite:./x.db' },
    line: /^DATABASE_URL: unsupported scheme "sqlite:": expected a SQLite file as file:\.\/path\.db, file:\/abs\/path\.db/,
  },
  {
    name: 'DATABASE_URL=file:./db?mode=rwc',
    env: { ...SLACK_OK, DATABASE_URL: 'file:./db?mode=rwc' },
    line: /^DATABASE_URL: a file: URL takes no \?query/,
  },
  {
    name: 'SLACK_APP_TOKEN without SLACK_BOT_TOKEN (used to run the sandbox without a word)',
    env: { SLACK_APP_TOKEN: 'xapp-1-A0000-startupchecks' },
    line: /^SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set/,
  },
];

describe.concurrent('start-up refuses', () => {
  it.each(BAD)('$name: one line, exit non-zero, nothing created', async ({ env, line }) => {
    const cwd = tempDir();
    const exit = await runScript(MAIN, [], { env, cwd, timeoutMs: 20_000 }).exited;
    expect(exit.timedOut).toBe(false);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.stdout).toBe('');
    const lines = exit.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, exit.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    // no `sqlite:.` directory, no database file: it stopped before touching anything
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('start-up with deploy webhooks and no GREENLIGHT_WEBHOOK_SECRET', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('starts, with one warning line naming the variable and the services with a deploy_webhook', async () => {
    const cwd = tempDir();
    // The example policy gives payments-api a deploy_webhook.
    copyFileSync(join(ROOT, 'greenlight.example.yml'), join(cwd, 'policy.yml'));
    const port = await freePort();
    const app = runScript(MAIN, [], {
      cwd,
      timeoutMs: 25_000,
      env: {
        ...SLACK_OK,
        SLACK_API_URL: fake.url,
        PORT: String(port),
        DATABASE_URL: `file:${join(cwd, 'data', 'greenlight.db')}`,
        REDIS_URL: REDIS.url,
        GREENLIGHT_POLICY: 'policy.yml',
      },
    });
    const warning = await app.waitForLine((l) => l.includes('GREENLIGHT_WEBHOOK_SECRET'), 20_000, 'the unsigned-webhooks warning');
    expect(JSON.parse(warning)).toMatchObject({ level: 40, msg: expect.stringContaining('payments-api') as unknown });
    await app.waitForLine((l) => l.includes('Greenlight is listening'), 5_000, '"Greenlight is listening"');
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    expect({ code: exit.code, timedOut: exit.timedOut }).toEqual({ code: 0, timedOut: false });
    expect(exit.stdout.split('\n').filter((l) => l.includes('GREENLIGHT_WEBHOOK_SECRET'))).toHaveLength(1);
    expect(existsSync(join(cwd, 'data', 'greenlight.db'))).toBe(true);
  });
});
