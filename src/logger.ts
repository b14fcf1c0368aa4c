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
    opts.destination ?? batchedStdout(),
  );
}

/** How long a log line may wait in the buffer before it is written. */
export const LOG_FLUSH_MS = 100;

/**
 * Asynchronous, batched writes to stdout: lines collect in a buffer that is written once it holds 4 KB or every
 * `LOG_FLUSH_MS`, whichever comes first, so a busy second costs a few syscalls instead of one per line (each
 * request writes an access line; at a few hundred requests a second the per-line writes were a tenth of the CPU).
 * pino writes what is left synchronously when the process exits, also after an uncaught error.
 */
function batchedStdout(): ReturnType<typeof pino.destination> {
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  let pending = false;
  const write = dest.write.bind(dest);
  dest.write = (chunk: string) => {
    pending = true;
    return write(chunk);
  };
  setInterval(() => {
    if (!pending) return;
    pending = false;
    try {
      dest.flush();
    } catch {
      /* destroyed at exit: nothing left to write */
    }
  }, LOG_FLUSH_MS).unref();
  return dest;
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
