/** The sandbox (`npm start` without Slack) started in-process for a test: its own temp directory and Redis keys. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config';
import type { Logger } from '../../src/logger';
import type { Sandbox } from '../../src/sandbox/start';
import { startSandbox } from '../../src/sandbox/start';
import { purgeRedisPrefix } from './harness';

export async function startTestSandbox(logger: Logger): Promise<{ sandbox: Sandbox; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-sandbox-'));
  const env = parseEnv({ PORT: '0', DATABASE_URL: `file:${join(dir, 'greenlight.db')}`, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  if (!env.ok) throw new Error(env.errors.join('\n'));
  if (env.env.mode !== 'sandbox') throw new Error(`expected sandbox mode, got ${env.env.mode}`);
  const prefix = `gl-sbx-${randomBytes(4).toString('hex')}`;
  const sandbox = await startSandbox({ env: env.env, policy: null, logger, timersPrefix: prefix });
  return {
    sandbox,
    close: async () => {
      // stopped first: a running instance re-derives its timers when it finds its keys gone
      await sandbox.stop();
      await purgeRedisPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
