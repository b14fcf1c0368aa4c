/** `npm run bench`: every benchmark in one go (about 9 minutes on 2 cores). Numbers go in the README. */
import { spawnSync } from 'node:child_process';

const scripts = ['bench/ack.ts', 'bench/timers.ts', 'bench/throughput.ts', 'bench/home.ts'];
const started = Date.now();
for (const script of scripts) {
  const scriptStarted = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit', env: process.env });
  if (res.status !== 0) process.stdout.write(`${script} exited with ${String(res.status)}\n`);
  process.stdout.write(`(${script}: ${((Date.now() - scriptStarted) / 1000).toFixed(0)} s)\n`);
}
process.stdout.write(`\nall benchmarks: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
