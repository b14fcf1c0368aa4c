import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../../src/config/env';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function errorsOf(env: NodeJS.ProcessEnv): string[] {
  const result = parseEnv(env);
  return result.ok ? [] : result.errors;
}

describe('parseEnv', () => {
  it('defaults to the sandbox with an embedded SQLite file', () => {
    const result = parseEnv({});
    expect(result).toEqual({
      ok: true,
      env: {
        mode: 'sandbox',
        slackBotToken: null,
        slackSigningSecret: null,
        slackAppToken: null,
        slackApiUrl: 'https://slack.com/api/',
        port: 3000,
        databaseUrl: 'file:./data/greenlight.db',
        databasePath: './data/greenlight.db',
        redisUrl: 'redis://127.0.0.1:6379',
        policyFile: null,
        apiToken: null,
        webhookSecret: null,
        logLevel: 'info',
      },
    });
  });

  it('runs over HTTP with a bot token and signing secret', () => {
    const result = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'shh' });
    expect(result.ok && result.env.mode).toBe('http');
  });

  it('runs in Socket Mode without a signing secret: Slack sends nothing over HTTP to verify', () => {
    const result = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A' });
    expect(result.ok && result.env.mode).toBe('socket');
    expect(result.ok && result.env.slackSigningSecret).toBeNull();
  });

  it('turns the API on with any token, a short one included (start-up warns about it)', () => {
    const result = parseEnv({ GREENLIGHT_API_TOKEN: 'short' });
    expect(result.ok && result.env.apiToken).toBe('short');
  });

  it('runs in Socket Mode with an app token', () => {
    const result = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh', SLACK_APP_TOKEN: 'xapp-1-A' });
    expect(result.ok && result.env.mode).toBe('socket');
    expect(result.ok && result.env.slackAppToken).toBe('xapp-1-A');
  });

  it('treats empty values as unset', () => {
    const result = parseEnv({ SLACK_BOT_TOKEN: '', PORT: ' ', GREENLIGHT_API_TOKEN: '' });
    expect(result.ok && result.env.mode).toBe('sandbox');
    expect(result.ok && result.env.port).toBe(3000);
    expect(result.ok && result.env.apiToken).toBeNull();
  });

  it('reads and normalises every variable', () => {
    const result = parseEnv({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'shh',
      SLACK_API_URL: 'http://127.0.0.1:4010/api',
      PORT: '0',
      DATABASE_URL: 'file:///var/lib/greenlight/gl.db',
      REDIS_URL: 'rediss://user:pw@redis.example:6380/2',
      GREENLIGHT_POLICY: 'config/greenlight.yml',
      GREENLIGHT_API_TOKEN: '0123456789abcdef',
      GREENLIGHT_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'debug',
      UNRELATED: 'ignored',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.env).toMatchObject({
      slackApiUrl: 'http://127.0.0.1:4010/api/',
      port: 0,
      databasePath: '/var/lib/greenlight/gl.db',
      redisUrl: 'rediss://user:pw@redis.example:6380/2',
      policyFile: 'config/greenlight.yml',
      apiToken: '0123456789abcdef',
      webhookSecret: SECRET,
      logLevel: 'debug',
    });
  });

  it.each([
    ['file:./data/x.db', './data/x.db'],
    ['./data/x.db', './data/x.db'],
    ['/tmp/x.db', '/tmp/x.db'],
    [':memory:', ':memory:'],
    ['file::memory:', ':memory:'],
  ])('accepts DATABASE_URL %s', (url, path) => {
    const result = parseEnv({ DATABASE_URL: url });
    expect(result.ok && result.env.databasePath).toBe(path);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN: expected a bot token starting with xoxb-'],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1' },
      'SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set without SLACK_APP_TOKEN (Slack requests are verified with it)',
    ],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-1' }, 'SLACK_APP_TOKEN: expected an app-level token starting with xapp-'],
    [
      { SLACK_APP_TOKEN: 'xapp-1-A' },
      'SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set (Socket Mode needs both); unset SLACK_APP_TOKEN to run the local sandbox',
    ],
    [
      { SLACK_APP_TOKEN: 'xapp-1-A', SLACK_SIGNING_SECRET: 'shh' },
      'SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set (Socket Mode needs both); unset SLACK_APP_TOKEN to run the local sandbox',
    ],
    [{ SLACK_API_URL: 'slack.com/api' }, 'SLACK_API_URL: expected an http(s) URL like https://slack.com/api/'],
    [{ PORT: '65536' }, 'PORT: expected a whole number from 0 to 65535'],
    [{ PORT: '80.5' }, 'PORT: expected a whole number from 0 to 65535'],
    [{ PORT: '-1' }, 'PORT: expected a whole number from 0 to 65535'],
    [
      { DATABASE_URL: 'postgres://gl@db/greenlight' },
      'DATABASE_URL: postgres is not supported yet; use a SQLite file such as file:./data/greenlight.db',
    ],
    [
      { DATABASE_URL: 'postgresql://gl@db/greenlight' },
      'DATABASE_URL: postgres is not supported yet; use a SQLite file such as file:./data/greenlight.db',
    ],
    [
      { DATABASE_URL: 'mysql://db/greenlight' },
      'DATABASE_URL: unsupported scheme "mysql:": expected a SQLite file as file:./path.db, file:/abs/path.db, file:///abs/path.db, a plain path or :memory:',
    ],
    [
      { DATABASE_URL: 'sqlite:./x.db' },
      'DATABASE_URL: unsupported scheme "sqlite:": expected a SQLite file as file:./path.db, file:/abs/path.db, file:///abs/path.db, a plain path or :memory:',
    ],
    [
      { DATABASE_URL: 'sqlite:///var/lib/x.db' },
      'DATABASE_URL: unsupported scheme "sqlite:": expected a SQLite file as file:./path.db, file:/abs/path.db, file:///abs/path.db, a plain path or :memory:',
    ],
    [
      { DATABASE_URL: 'file:./db?mode=rwc' },
      'DATABASE_URL: a file: URL takes no ?query or #fragment (SQLite URI parameters are not supported); use file:./path.db, file:/abs/path.db, file:///abs/path.db, a plain path or :memory:',
    ],
    [
      { DATABASE_URL: 'file:///var/lib/gl.db?cache=shared' },
      'DATABASE_URL: a file: URL takes no ?query or #fragment (SQLite URI parameters are not supported); use file:./path.db, file:/abs/path.db, file:///abs/path.db, a plain path or :memory:',
    ],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL: expected a redis:// or rediss:// URL'],
    [
      { GREENLIGHT_WEBHOOK_SECRET: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      'GREENLIGHT_WEBHOOK_SECRET: expected whsec_ followed by base64 (the Standard Webhooks secret format)',
    ],
    [
      { GREENLIGHT_WEBHOOK_SECRET: 'whsec_not base64!' },
      'GREENLIGHT_WEBHOOK_SECRET: expected whsec_ followed by base64 (the Standard Webhooks secret format)',
    ],
    [
      { GREENLIGHT_WEBHOOK_SECRET: 'whsec_abc' },
      'GREENLIGHT_WEBHOOK_SECRET: not a usable Standard Webhooks secret (incorrect padding): expected whsec_ followed by padded base64, e.g. whsec_ followed by the output of `openssl rand -base64 32`',
    ],
    [
      { GREENLIGHT_WEBHOOK_SECRET: 'whsec_abcde' },
      'GREENLIGHT_WEBHOOK_SECRET: expected whsec_ followed by base64 (the Standard Webhooks secret format)',
    ],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent'],
  ])('reports %j as one line', (env, line) => {
    expect(errorsOf(env)).toEqual([line]);
  });

  it.each(['C:\\data\\x.db', 'C:/data/x.db', './sqlite:x.db', 'data/file:x.db'])('takes DATABASE_URL %s as a plain path', (url) => {
    const result = parseEnv({ DATABASE_URL: url });
    expect(result.ok && result.env.databasePath).toBe(url);
  });

  it.each([16, 24, 32, 64])('accepts a webhook secret of %i random bytes, and it signs', (bytes) => {
    for (let i = 0; i < 20; i += 1) {
      const secret = `whsec_${randomBytes(bytes).toString('base64')}`;
      const result = parseEnv({ GREENLIGHT_WEBHOOK_SECRET: secret });
      expect(result.ok && result.env.webhookSecret).toBe(secret);
      expect(new Webhook(secret).sign('msg_1', new Date(), '{}')).toMatch(/^v1,/);
    }
  });

  it('every webhook secret it accepts, the Standard Webhooks library can sign with', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let length = 1; length <= 40; length += 1) {
      for (const pad of ['', '=', '==']) {
        const body = Array.from({ length }, (_, i) => alphabet[(i * 7 + length) % alphabet.length]).join('') + pad;
        const secret = `whsec_${body}`;
        if (!parseEnv({ GREENLIGHT_WEBHOOK_SECRET: secret }).ok) continue;
        expect(() => new Webhook(secret).sign('msg_1', new Date(), '{}'), secret).not.toThrow();
      }
    }
  });

  it('reports every problem together', () => {
    expect(errorsOf({ SLACK_BOT_TOKEN: 'nope', PORT: 'http', REDIS_URL: 'x' })).toEqual([
      'SLACK_BOT_TOKEN: expected a bot token starting with xoxb-',
      'PORT: expected a whole number from 0 to 65535',
      'REDIS_URL: expected a redis:// or rediss:// URL',
      'SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set without SLACK_APP_TOKEN (Slack requests are verified with it)',
    ]);
  });

  it('never repeats a secret in an error', () => {
    const errors = errorsOf({ GREENLIGHT_WEBHOOK_SECRET: 'plainSecretValue', SLACK_BOT_TOKEN: 'xoxp-secret-value' });
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).not.toMatch(/plainSecretValue|secret-value/);
  });
});
