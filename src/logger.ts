/** Structured JSON logs (pino) with secrets redacted wherever they appear. */
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Logger as SlackLogger } from '@slack/logger';
import { LogLevel } from '@slack/logger';
import { currentLogContext } from './log-context';

export type { Logger };

/** Keys whose values never reach the logs, wherever in a line's object they are (up to `REDACT_DEPTH` levels down). */
const SECRET_KEYS = new Set([
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'apiToken',
  'webhookSecret',
  'authorization',
  'Authorization',
  'slackBotToken',
  'slackSigningSecret',
  'slackAppToken',
]);
const REDACT_DEPTH = 3;
const CENSOR = '[redacted]';

/**
 * `obj` with every secret key's value replaced by `[redacted]`, copying only the objects on the way to one; `obj`
 * itself when it holds none (the usual case, which allocates nothing). pino's own `redact` option re-parses every
 * wildcard path for every field of every line, which was the largest single source of garbage per request.
 */
export function redactSecrets<T extends object>(obj: T, depth = REDACT_DEPTH): T {
  let out: Record<string, unknown> | undefined;
  const src = obj as Record<string, unknown>;
  for (const key in src) {
    if (!Object.prototype.hasOwnProperty.call(src, key)) continue;
    const value = src[key];
    if (SECRET_KEYS.has(key)) {
      if (value !== undefined && value !== null) (out ??= { ...src })[key] = CENSOR;
      continue;
    }
    if (depth > 1 && value !== null && typeof value === 'object' && !(value instanceof Error) && !ArrayBuffer.isView(value)) {
      const inner = redactSecrets(value, depth - 1);
      if (inner !== value) (out ??= Array.isArray(src) ? ([...src] as unknown as Record<string, unknown>) : { ...src })[key] = inner;
    }
  }
  return (out ?? obj) as T;
}

export function createLogger(opts: { level?: string; secrets?: (string | null | undefined)[]; destination?: NodeJS.WritableStream } = {}): Logger {
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  return pino(
    {
      level: opts.level ?? 'info',
      base: { app: 'greenlight' },
      formatters: { log: (obj) => redactSecrets(obj) },
      // req_id (and the release, when known) of the HTTP request being handled: see src/log-context.ts.
      mixin: () => ({ ...currentLogContext() }),
      hooks: {
        // Belt and braces: a secret that slips into a message string is masked too.
        logMethod(args, method) {
          if (secrets.length) {
            for (let i = 0; i < args.length; i++) {
              const a = args[i];
              if (typeof a === 'string') args[i] = secrets.reduce((s, secret) => s.split(secret).join(CENSOR), a);
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
    // Bolt and the Web API client log a great deal at debug; the text is built only when it will be written
    debug: (...msg: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(text(msg));
    },
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
