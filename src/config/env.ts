import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { formatZodIssues, friendlyErrors } from './errors';

export const ENV_VARS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'PORT',
  'DATABASE_URL',
  'REDIS_URL',
  'GREENLIGHT_POLICY',
  'GREENLIGHT_API_TOKEN',
  'GREENLIGHT_WEBHOOK_SECRET',
  'LOG_LEVEL',
] as const;
export type EnvVar = (typeof ENV_VARS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
export const DEFAULT_DATABASE_URL = 'file:./data/greenlight.db';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PORT = 3000;

export type SlackMode = 'socket' | 'http' | 'sandbox';

/** Validated, normalised environment. Secrets are null when unset. */
export interface Env {
  /** sandbox without SLACK_BOT_TOKEN; socket with SLACK_APP_TOKEN; else http. */
  mode: SlackMode;
  slackBotToken: string | null;
  slackSigningSecret: string | null;
  slackAppToken: string | null;
  /** Always ends with `/`. */
  slackApiUrl: string;
  port: number;
  databaseUrl: string;
  /** SQLite file path as written (relative paths are relative to the working directory), or `:memory:`. */
  databasePath: string;
  redisUrl: string;
  /** GREENLIGHT_POLICY as written, or null (then `./greenlight.yml` is used if present). */
  policyFile: string | null;
  /** Bearer token for /api/v1; null means the API is off. */
  apiToken: string | null;
  /** `whsec_…` secret for outgoing webhooks, or null. */
  webhookSecret: string | null;
  logLevel: LogLevel;
}

const optionalText = z.string().optional();

/** What DATABASE_URL takes, for the messages that refuse something else. */
export const DATABASE_URL_FORMS = 'file:./path.db, file:/abs/path.db, file:///abs/path.db, a plain path or :memory:';

/**
 * `file:path`, `file:///abs/path`, a bare path or `:memory:` → the SQLite path; otherwise an error message.
 * Anything else that starts with a URL scheme (`sqlite:./x.db`, `mysql://…`) is refused rather than taken as a
 * file name (`sqlite:./x.db` would create a directory named `sqlite:.`), and so is a `file:` URL with a `?query`
 * or `#fragment` (`file:./db?mode=rwc`): SQLite's URI parameters are not read, so they would be part of the name.
 */
export function sqlitePathFromUrl(url: string): { path: string } | { error: string } {
  const text = url.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    return { error: 'postgres is not supported yet; use a SQLite file such as file:./data/greenlight.db' };
  }
  if (text === ':memory:' || text === 'file::memory:') return { path: ':memory:' };
  let path = text;
  if (/^file:/i.test(text)) {
    if (/[?#]/.test(text)) {
      return { error: `a file: URL takes no ?query or #fragment (SQLite URI parameters are not supported); use ${DATABASE_URL_FORMS}` };
    }
    path = /^file:\/\//i.test(text) ? decodeURIComponent(text.slice('file://'.length)) : text.slice('file:'.length);
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text)) {
    // (`C:\data\x.db` is a Windows path, not a URL with the scheme `c:`)
    const scheme = text.slice(0, text.indexOf(':') + 1);
    return { error: `unsupported scheme "${scheme}": expected a SQLite file as ${DATABASE_URL_FORMS}` };
  }
  if (path === '') return { error: `expected a SQLite file as ${DATABASE_URL_FORMS}` };
  return { path };
}

/** Below this many bytes once decoded a webhook secret is warned about at start (Standard Webhooks asks for 24 to 64). */
export const MIN_WEBHOOK_SECRET_BYTES = 16;

const WEBHOOK_SECRET_FORMAT = 'expected whsec_ followed by base64 (the Standard Webhooks secret format)';
const WEBHOOK_SECRET_EXAMPLE = `e.g. whsec_ followed by the output of \`openssl rand -base64 32\``;

/**
 * Why GREENLIGHT_WEBHOOK_SECRET cannot sign, or null when it can: the check signs a message with the same library
 * the webhooks use, so a secret that passes here signs every webhook (`whsec_abc` used to pass and then fail every
 * delivery with "incorrect padding"). Messages never repeat the secret.
 */
export function webhookSecretProblem(secret: string): string | null {
  if (!secret.startsWith('whsec_')) return WEBHOOK_SECRET_FORMAT;
  const body = secret.slice('whsec_'.length);
  // (a length of 4n+1 is no base64 at all: the library would drop the last character without a word)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.replace(/=+$/, '').length % 4 === 1) return WEBHOOK_SECRET_FORMAT;
  try {
    new Webhook(secret).sign('msg_greenlight_startup_check', new Date(0), '{}');
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Base64Coder: /, '') : String(error);
    return `not a usable Standard Webhooks secret (${reason}): expected whsec_ followed by padded base64, ${WEBHOOK_SECRET_EXAMPLE}`;
  }
  return null;
}

/** The secret's length in bytes once decoded (for the start-up warning about short secrets). */
export function webhookSecretBytes(secret: string): number {
  return Buffer.from(secret.slice('whsec_'.length), 'base64').length;
}

/** A usable but short secret signs, so it is warned about at start (src/config/warnings.ts), not refused. */
export function shortWebhookSecretText(bytes: number): string {
  return `GREENLIGHT_WEBHOOK_SECRET is short: its base64 decodes to ${bytes} byte${bytes === 1 ? '' : 's'}; use at least ${MIN_WEBHOOK_SECRET_BYTES} random bytes, ${WEBHOOK_SECRET_EXAMPLE}`;
}

/**
 * Validates `process.env` (unknown variables are ignored; empty values count as unset) and derives the
 * run mode. Messages never repeat secret values.
 */
export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: optionalText.refine((v) => v === undefined || /^xoxb-\S+$/.test(v), {
      message: 'expected a bot token starting with xoxb-',
    }),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || /^xapp-\S+$/.test(v), {
      message: 'expected an app-level token starting with xapp-',
    }),
    SLACK_API_URL: optionalText.refine(
      (v) => {
        if (v === undefined) return true;
        try {
          const url = new URL(v);
          return url.protocol === 'https:' || url.protocol === 'http:';
        } catch {
          return false;
        }
      },
      { message: 'expected an http(s) URL like https://slack.com/api/' },
    ),
    PORT: optionalText.refine((v) => v === undefined || (/^\d{1,5}$/.test(v.trim()) && Number(v) <= 65535), {
      message: 'expected a whole number from 0 to 65535',
    }),
    DATABASE_URL: optionalText.superRefine((v, ctx) => {
      if (v === undefined) return;
      const result = sqlitePathFromUrl(v);
      if ('error' in result) ctx.addIssue({ code: 'custom', message: result.error });
    }),
    REDIS_URL: optionalText.refine(
      (v) => {
        if (v === undefined) return true;
        if (!/^rediss?:\/\//i.test(v)) return false;
        try {
          new URL(v);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected a redis:// or rediss:// URL' },
    ),
    GREENLIGHT_POLICY: optionalText,
    // Any token turns the API on; a short one is warned about at start (src/server.ts), not refused.
    GREENLIGHT_API_TOKEN: optionalText,
    GREENLIGHT_WEBHOOK_SECRET: optionalText.superRefine((v, ctx) => {
      if (v === undefined) return;
      const problem = webhookSecretProblem(v);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).optional(),
  })
  .superRefine((vars, ctx) => {
    // Socket Mode takes Slack's deliveries over the app token's connection: no HTTP request from Slack to verify.
    if (vars.SLACK_BOT_TOKEN !== undefined && vars.SLACK_APP_TOKEN === undefined && vars.SLACK_SIGNING_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'required when SLACK_BOT_TOKEN is set without SLACK_APP_TOKEN (Slack requests are verified with it)',
      });
    }
    // An app token alone used to start the local sandbox without a word: Socket Mode needs the bot token too.
    if (vars.SLACK_APP_TOKEN !== undefined && vars.SLACK_BOT_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message: 'required when SLACK_APP_TOKEN is set (Socket Mode needs both); unset SLACK_APP_TOKEN to run the local sandbox',
      });
    }
    // Runs even when other variables failed, so every problem is reported in one go.
  }, { when: () => true })
  .transform((vars): Env => {
    const botToken = vars.SLACK_BOT_TOKEN ?? null;
    const appToken = vars.SLACK_APP_TOKEN ?? null;
    const apiUrl = vars.SLACK_API_URL ?? DEFAULT_SLACK_API_URL;
    const databaseUrl = vars.DATABASE_URL ?? DEFAULT_DATABASE_URL;
    const database = sqlitePathFromUrl(databaseUrl);
    return {
      mode: botToken === null ? 'sandbox' : appToken !== null ? 'socket' : 'http',
      slackBotToken: botToken,
      slackSigningSecret: vars.SLACK_SIGNING_SECRET ?? null,
      slackAppToken: appToken,
      slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
      port: vars.PORT === undefined ? DEFAULT_PORT : Number(vars.PORT.trim()),
      databaseUrl,
      databasePath: 'path' in database ? database.path : '',
      redisUrl: vars.REDIS_URL ?? DEFAULT_REDIS_URL,
      policyFile: vars.GREENLIGHT_POLICY ?? null,
      apiToken: vars.GREENLIGHT_API_TOKEN ?? null,
      webhookSecret: vars.GREENLIGHT_WEBHOOK_SECRET ?? null,
      logLevel: vars.LOG_LEVEL ?? 'info',
    };
  });

/** Only Greenlight's variables, with empty or blank values treated as unset. */
export function pickEnv(env: NodeJS.ProcessEnv): Partial<Record<EnvVar, string>> {
  const picked: Partial<Record<EnvVar, string>> = {};
  for (const name of ENV_VARS) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') picked[name] = value;
  }
  return picked;
}

export type EnvResult = { ok: true; env: Env } | { ok: false; errors: string[] };

/** `process.env` → Env, or one line per problem naming the variable. */
export function parseEnv(env: NodeJS.ProcessEnv): EnvResult {
  const result = envSchema.safeParse(pickEnv(env), { error: friendlyErrors });
  if (result.success) return { ok: true, env: result.data };
  return { ok: false, errors: formatZodIssues(result.error.issues) };
}
