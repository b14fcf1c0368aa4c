/** `npm run worker`: runs only the timer worker (reminders, windows, announcements), for scaling out `npm start`. */
import { loadConfigOrReport } from './config';
import { startGreenlight } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrReport(process.env, process.cwd());
  if (!config) return;
  const { env, policy } = config;
  if (env.mode === 'sandbox') {
    process.stderr.write('SLACK_BOT_TOKEN: not set; the worker needs the same Slack settings as `npm start`.\n');
    process.exitCode = 1;
    return;
  }
  const app = await startGreenlight({ env, policy }, { workerOnly: true });
  const stop = () => {
    app
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Greenlight worker could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
