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
    // No Slack workspace: run the real bot against the in-process fake Slack, with a browser UI.
    const { runSandbox } = await import('./sandbox/main');
    await runSandbox(loaded.config, process.env);
    return;
  }
  const app = await startGreenlight({ env, policy });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.deps.logger.info({ signal }, 'shutting down');
    // stop() finishes in-flight requests, listeners, jobs and card updates, each bounded; this is the last resort.
    setTimeout(() => {
      app.deps.logger.error('shutdown took longer than 45 s; exiting');
      process.exit(1);
    }, 45_000).unref();
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
