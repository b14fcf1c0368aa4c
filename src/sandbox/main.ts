/** `npm start` without SLACK_BOT_TOKEN: Redis (found or private), the sandbox, one line saying where to open it. */
import type { Config } from '../config';
import { DEFAULT_REDIS_URL, configWarnings, pickEnv } from '../config';
import { createLogger } from '../logger';
import type { LogLevel } from '../config';
import { ensureRedis } from './redis';
import { startSandbox } from './start';

/** The BullMQ key prefix of `npm start` without Slack (a real Greenlight uses `greenlight`). */
export const SANDBOX_TIMERS_PREFIX = 'greenlight-sandbox';

export async function runSandbox(config: Config, processEnv: NodeJS.ProcessEnv): Promise<void> {
  const vars = pickEnv(processEnv);
  let redis;
  try {
    redis = await ensureRedis(config.env.redisUrl, vars.REDIS_URL === undefined || config.env.redisUrl === DEFAULT_REDIS_URL);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  // The one line on stdout is where to open the sandbox: logs stay quiet unless LOG_LEVEL asks for them.
  const level: LogLevel = vars.LOG_LEVEL === undefined ? 'warn' : config.env.logLevel;
  const logger = createLogger({ level });
  const env = { ...config.env, redisUrl: redis.url, logLevel: level };
  let sandbox;
  try {
    // Its own BullMQ keys: a sandbox pointed at a Redis that a real Greenlight uses never touches that one's timers.
    sandbox = await startSandbox({ env, policy: config.policyPath === null ? null : config.policy, logger, timersPrefix: SANDBOX_TIMERS_PREFIX });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  // (as `npm start` with Slack does: configuration that works but is likely a mistake, one line each)
  if (config.policyPath !== null) for (const warning of configWarnings(config)) logger.warn(warning);
  process.stdout.write(`Greenlight sandbox: open ${sandbox.url}\n`);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 15_000).unref();
    void sandbox
      .stop()
      .catch(() => undefined)
      .then(() => redis.stop())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
