/** `npm start`: load and check the configuration, then run Greenlight until SIGTERM/SIGINT. */
import { configWarnings, loadConfigOrReport } from './config';
import { startGreenlight } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrReport(process.env, process.cwd());
  if (!config) return;
  const { env, policy } = config;
  if (env.mode === 'sandbox') {
    // No Slack workspace: run the real bot against the in-process fake Slack, with a browser UI.
    const { runSandbox } = await import('./sandbox/main');
    await runSandbox(config, process.env);
    return;
  }
  const app = await startGreenlight({ env, policy });
  // Configuration that works but is likely a mistake: one line each, start-up goes on.
  for (const warning of configWarnings(config)) app.deps.logger.warn(warning);
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
