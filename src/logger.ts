/** Structured JSON logs (pino) with secrets redacted wherever they appear. */
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Logger as SlackLogger } from '@slack/logger';
import { LogLevel } from '@slack/logger';
import { currentLogContext } from './log-context';

export type { Logger };

const REDACT = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'apiToken',
  'webhookSecret',
  'authorization',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.slackBotToken',
  '*.slackSigningSecret',
  '*.slackAppToken',
];

export function createLogger(opts: { level?: string; secrets?: (string | null | undefined)[]; destination?: NodeJS.WritableStream } = {}): Logger {
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  return pino(
    {
      level: opts.level ?? 'info',
      base: { app: 'greenlight' },
      redact: { paths: REDACT, censor: '[redacted]' },
      // req_id (and the release, when known) of the HTTP request being handled: see src/log-context.ts.
      mixin: () => ({ ...currentLogContext() }),
      hooks: {
        // Belt and braces: a secret that slips into a message string is masked too.
        logMethod(args, method) {
          if (secrets.length) {
            for (let i = 0; i < args.length; i++) {
              const a = args[i];
              if (typeof a === 'string') args[i] = secrets.reduce((s, secret) => s.split(secret).join('[redacted]'), a);
            }
          }
          return method.apply(this, args);
        },
      },
    },
    // Asynchronous writes to stdout: lines that arrive while a write is under way go out together in the next one
    // (one syscall per burst, not per line); pino flushes what is left when the process exits.
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Bolt's logger interface on top of pino. */
export function boltLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'bolt' });
  let level: LogLevel = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
