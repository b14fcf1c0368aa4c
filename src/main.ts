/** `npm start`: load and check the configuration, then run Greenlight until SIGTERM/SIGINT. */
import { loadConfig } from './config';
import { startGreenlight } from './server';

async function main(): Promise<void> {
  const loaded = loadConfig({ env: process.env, cwd: process.cwd() });
  if (!loaded.ok) {
    for (const line of loaded.errors) process.stderr.write(`${line}\n`);
    process.exitCode = 1;
    return;
  }
  const { env, policy } = loaded.config;
  if (env.mode === 'sandbox') {
    process.stderr.write(
      'SLACK_BOT_TOKEN: not set. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for Socket Mode) to run Greenlight; the local sandbox is not part of this version yet.\n',
    );
    process.exitCode = 1;
    return;
  }
  const app = await startGreenlight({ env, policy });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.deps.logger.info({ signal }, 'shutting down');
    app
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Greenlight could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
