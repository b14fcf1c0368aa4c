/**
 * Start-up as an operator sees it: the real entry point (`tsx src/main.ts`, what `npm start` runs) in a child
 * process with a controlled environment and a temporary working directory.
 *
 * - Bad configuration exits non-zero and prints one line per problem, naming the variable or policy key.
 * - A good configuration (fake Slack, a temporary SQLite file, the real Redis) answers /healthz and /readyz,
 *   exits 0 on SIGTERM, logs JSON only, and never prints its secrets.
 *
 * Every child is bounded: it is killed (with its whole process group) when it outlives its timeout.
 * Waits are on real signals — output lines, process exit, HTTP answers — never on fixed sleeps.
 */
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlack } from '../../src/fake-slack';
import { startFakeSlack } from '../../src/fake-slack';
import type { Exit } from '../support/processes';
import { MAIN, ROOT, cleanupProcesses, freePort, ownRedisDatabase, runScript, tempDir as makeTempDir } from '../support/processes';

const tempDir = () => makeTempDir('greenlight-startup-');

const EXAMPLE_POLICY = join(ROOT, 'greenlight.example.yml');

const BOT_TOKEN = 'xoxb-9999-8888-startuptestbottoken';
const SIGNING_SECRET = 'startup-signing-secret-0123456789abcdef';
const APP_API_TOKEN = 'startup-api-token-0123456789abcdef';
const WEBHOOK_SECRET = `whsec_${Buffer.from('startup-webhook-secret-bytes-0123').toString('base64')}`;
const REDIS = ownRedisDatabase(13);
const REDIS_URL = REDIS.url;

const startMain = (opts: { env: Record<string, string>; cwd: string; timeoutMs: number }) => runScript(MAIN, [], opts);

/** Runs main.ts to completion (bounded) with `env` in a fresh directory holding `files`. */
async function runToExit(env: Record<string, string>, files: Record<string, string> = {}): Promise<Exit & { lines: string[] }> {
  const cwd = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const exit = await startMain({ env, cwd, timeoutMs: 20_000 }).exited;
  return { ...exit, lines: exit.stderr.split('\n').filter((line) => line.trim() !== '') };
}

afterAll(async () => {
  cleanupProcesses();
  await REDIS.flush();
});

const SLACK_OK = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET } as const;

interface BadCase {
  name: string;
  env: Record<string, string>;
  files?: Record<string, string>;
  /** One pattern per expected line, in any order; each must match exactly one line, and nothing else is printed. */
  lines: RegExp[];
}

const BAD_CASES: BadCase[] = [
  {
    name: 'a bot token that is not xoxb-',
    env: { ...SLACK_OK, SLACK_BOT_TOKEN: 'xoxp-user-token-0000' },
    lines: [/^SLACK_BOT_TOKEN: expected a bot token starting with xoxb-$/],
  },
  {
    name: 'a bot token without a signing secret',
    env: { SLACK_BOT_TOKEN: BOT_TOKEN },
    lines: [/^SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set/],
  },
  {
    name: 'an app token that is not xapp-',
    env: { ...SLACK_OK, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' },
    lines: [/^SLACK_APP_TOKEN: expected an app-level token starting with xapp-$/],
  },
  {
    name: 'PORT=abc',
    env: { ...SLACK_OK, PORT: 'abc' },
    lines: [/^PORT: expected a whole number from 0 to 65535$/],
  },
  {
    name: 'a postgres DATABASE_URL',
    env: { ...SLACK_OK, DATABASE_URL: 'postgres://greenlight:pw@db.example:5432/greenlight' },
    lines: [/^DATABASE_URL: postgres is not supported yet/],
  },
  {
    name: 'REDIS_URL=http://x',
    env: { ...SLACK_OK, REDIS_URL: 'http://x' },
    lines: [/^REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL$/],
  },
  {
    name: 'a GREENLIGHT_WEBHOOK_SECRET that is not whsec_',
    env: { ...SLACK_OK, GREENLIGHT_WEBHOOK_SECRET: 'plain-secret-value' },
    lines: [/^GREENLIGHT_WEBHOOK_SECRET: expected whsec_ followed by base64/],
  },
  {
    name: 'LOG_LEVEL=loud',
    env: { ...SLACK_OK, LOG_LEVEL: 'loud' },
    lines: [/^LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent$/],
  },
  {
    name: 'GREENLIGHT_POLICY pointing at a missing file',
    env: { ...SLACK_OK, GREENLIGHT_POLICY: 'policies/missing.yml' },
    lines: [/^GREENLIGHT_POLICY: file not found: policies\/missing\.yml/],
  },
  {
    name: 'a policy with a bad channel id',
    env: { ...SLACK_OK, GREENLIGHT_POLICY: 'policy.yml' },
    files: { 'policy.yml': 'services:\n  payments-api:\n    channel: payments\n' },
    lines: [/^services\.payments-api\.channel: expected a channel id like C0123$/],
  },
  {
    name: 'a policy with several bad keys',
    env: { ...SLACK_OK, GREENLIGHT_POLICY: 'policy.yml' },
    files: {
      'policy.yml': [
        'timezone: Mars/Olympus',
        'roles: { qa: [qa-team] }',
        'reminders: { every: soon }',
        'windows: { production: [{ days: [tue], start: "16:00", end: "10:00" }] }',
        'rollbak: { offer_for: 7d }',
        '',
      ].join('\n'),
    },
    lines: [
      /^timezone: unknown time zone "Mars\/Olympus"/,
      /^roles\.qa\[0\]: expected a user id like U0123 or a user group id like S0123$/,
      /^reminders\.every: expected a duration like/,
      /^windows\.production\[0\]\.end: must be after start/,
      /^rollbak: unknown key; did you mean rollback\?$/,
    ],
  },
  {
    name: 'a policy with a YAML syntax error',
    env: { ...SLACK_OK, GREENLIGHT_POLICY: 'broken.yml' },
    files: { 'broken.yml': 'services:\n\tpayments-api: {}\n' },
    lines: [/^broken\.yml: line 2: Tabs are not allowed as indentation$/],
  },
  {
    name: 'a broken ./greenlight.yml picked up without GREENLIGHT_POLICY',
    env: { ...SLACK_OK },
    files: { 'greenlight.yml': 'channels: { releases: releases }\n' },
    lines: [/^channels\.releases: expected a channel id like C0123$/],
  },
  {
    name: 'several problems at once',
    env: {
      SLACK_BOT_TOKEN: 'not-a-token',
      PORT: '70000',
      DATABASE_URL: 'postgresql://localhost/greenlight',
      REDIS_URL: 'http://x',
      GREENLIGHT_WEBHOOK_SECRET: 'secret',
      GREENLIGHT_POLICY: 'policy.yml',
    },
    files: { 'policy.yml': 'services:\n  payments-api:\n    channel: "#payments"\n' },
    lines: [
      /^SLACK_BOT_TOKEN: /,
      /^SLACK_SIGNING_SECRET: required/,
      /^PORT: /,
      /^DATABASE_URL: postgres is not supported yet/,
      /^REDIS_URL: /,
      /^GREENLIGHT_WEBHOOK_SECRET: /,
      /^services\.payments-api\.channel: expected a channel id like C0123$/,
    ],
  },
];

describe.concurrent('start-up with a bad configuration', () => {
  it.each(BAD_CASES)('$name: exits non-zero with one line per problem', async ({ env, files, lines: expected }) => {
    const exit = await runToExit(env, files);
    expect(exit.timedOut, 'start-up should stop on its own').toBe(false);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.stdout).toBe('');
    expect(exit.lines, exit.stderr).toHaveLength(expected.length);
    for (const pattern of expected) {
      expect(
        exit.lines.filter((line) => pattern.test(line)),
        `exactly one line should match ${String(pattern)}:\n${exit.stderr}`,
      ).toHaveLength(1);
    }
    // Problems are reported, not thrown: no stack traces, and no secret values repeated back.
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    for (const secret of Object.values(env)) {
      if (secret.length >= 16 && !secret.includes('/')) expect(exit.stderr).not.toContain(secret);
    }
  });

  // Without SLACK_BOT_TOKEN, `npm start` now runs the local sandbox: see test/integration/sandbox-start.test.ts.
});

describe('start-up with a good configuration', () => {
  let fake: FakeSlack;

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN });
  });

  afterAll(async () => {
    await fake.close();
  });

  it('answers /healthz and /readyz, exits 0 on SIGTERM, logs JSON and never its secrets', async () => {
    const cwd = tempDir();
    // The example policy from the repository must itself be a valid configuration.
    copyFileSync(EXAMPLE_POLICY, join(cwd, 'policy.yml'));
    const port = await freePort();
    const app = startMain({
      cwd,
      timeoutMs: 25_000,
      env: {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.url,
        PORT: String(port),
        DATABASE_URL: `file:${join(cwd, 'data', 'greenlight.db')}`,
        REDIS_URL,
        GREENLIGHT_POLICY: 'policy.yml',
        GREENLIGHT_API_TOKEN: APP_API_TOKEN,
        GREENLIGHT_WEBHOOK_SECRET: WEBHOOK_SECRET,
        LOG_LEVEL: 'debug',
      },
    });

    const listening = await app.waitForLine((line) => line.includes('Greenlight is listening'), 15_000, '"Greenlight is listening" log line');
    expect(JSON.parse(listening)).toMatchObject({ port, mode: 'http' });
    // It checked its token against the (fake) Slack named by SLACK_API_URL.
    expect(fake.callsTo('auth.test').length).toBeGreaterThan(0);

    // The Slack front's thread acknowledges Slack at normal priority; the engine's thread (the process's main
    // thread) has lowered its own, so the front goes first on a busy host (src/slack/front/index.ts).
    const pid = app.child.pid ?? 0;
    const niceOf = (tid: string) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16]);
    expect(niceOf(String(pid))).toBe(5);
    expect(readdirSync(`/proc/${pid}/task`).filter((tid) => niceOf(tid) === 0).length).toBeGreaterThan(0);

    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    // Redis may still be finishing its handshake: ask again (bounded) until the answer is final.
    let ready = await fetch(`${base}/readyz`);
    for (let attempt = 0; ready.status !== 200 && attempt < 20; attempt += 1) {
      await ready.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
      ready = await fetch(`${base}/readyz`);
    }
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { sqlite: 'ok', redis: 'ok' } });

    // A forged Slack request (wrong signature) is refused, and whatever is logged about it stays secret-free.
    const forged = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-slack-signature': 'v0=0000000000000000000000000000000000000000000000000000000000000000',
      },
      body: JSON.stringify({ type: 'url_verification', challenge: 'x' }),
    });
    expect(forged.status).toBe(401);
    await forged.arrayBuffer();

    // The API is on and answers problem+json without a token.
    const unauthorised = await fetch(`${base}/api/v1/releases/REL-1`);
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await unauthorised.arrayBuffer();

    app.child.kill('SIGTERM');
    const exit = await app.exited;
    expect(exit.timedOut).toBe(false);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });

    const lines = exit.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(() => JSON.parse(line) as unknown, `not a JSON log line: ${line}`).not.toThrow();
    }
    expect(lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === 'shutting down')).toBe(true);
    for (const output of [exit.stdout, exit.stderr]) {
      expect(output).not.toContain(BOT_TOKEN);
      expect(output).not.toContain(SIGNING_SECRET);
      expect(output).not.toContain(APP_API_TOKEN);
      expect(output).not.toContain(WEBHOOK_SECRET);
    }
  });
});
