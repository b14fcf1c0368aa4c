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

/** `file:path`, `file:///abs/path`, a bare path or `:memory:` → the SQLite path; otherwise an error message. */
export function sqlitePathFromUrl(url: string): { path: string } | { error: string } {
  const text = url.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    return { error: 'postgres is not supported yet; use a SQLite file such as file:./data/greenlight.db' };
  }
  if (text === ':memory:' || text === 'file::memory:') return { path: ':memory:' };
  let path = text;
  if (/^file:\/\//i.test(text)) path = decodeURIComponent(text.slice('file://'.length));
  else if (/^file:/i.test(text)) path = text.slice('file:'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const scheme = text.slice(0, text.indexOf(':'));
    return { error: `unsupported database "${scheme}"; use a SQLite file such as file:./data/greenlight.db` };
  }
  if (path === '') return { error: 'expected a SQLite file such as file:./data/greenlight.db' };
  return { path };
}

function isBase64(text: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1) return false;
  if (text.includes('=') && text.length % 4 !== 0) return false;
  return Buffer.from(body, 'base64').length > 0;
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
    GREENLIGHT_WEBHOOK_SECRET: optionalText.refine(
      (v) => v === undefined || (v.startsWith('whsec_') && isBase64(v.slice('whsec_'.length))),
      { message: 'expected whsec_ followed by base64 (the Standard Webhooks secret format)' },
    ),
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
