/**
 * App Home scale: the time to build and publish a viewer's Home with 100 and with 10,000 releases in the
 * database (median of several rounds each, same process), and the ratio.
 * Usage: npm run bench:home
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { parseEnv, parsePolicyText } from '../src/config';
import { openDatabase } from '../src/db/client';
import { startFakeSlack } from '../src/fake-slack';
import { startGreenlight } from '../src/server';
import { publishHome } from '../src/usecases/home';
import { BENCH_POLICY, fmt, header, median, ratio } from './lib';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

async function homeTime(releases: number): Promise<{ median: number; blocks: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bench-'));
  const file = join(dir, 'gl.db');
  openDatabase(file).close(); // create the schema
  const db = new Database(file);
  const insert = db.prepare(
    `insert into releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, created_at, updated_at)
     values (?, ?, 'bench', 'bench', 'production', 'low', 'redeploy', '[]', ?, 'api', ?, ?, 1, ?, ?)`,
  );
  const states = ['review', 'qa', 'signoff', 'scheduling', 'released', 'released', 'rejected', 'cancelled'];
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < releases; i++) {
      const at = now - (releases - i) * 60_000;
      insert.run(i % 2 ? 'payments-api' : 'web', `1.0.${i}`, i % 3 ? 'U0DEV1' : 'U0DEV2', states[i % states.length], at, at, at);
    }
  })();
  db.close();
  writeFileSync(join(dir, 'greenlight.yml'), BENCH_POLICY);
  const token = 'xoxb-bench-home';
  const fake = await startFakeSlack({ botToken: token });
  const policy = parsePolicyText(BENCH_POLICY);
  const env = parseEnv({ SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: 'bench-secret-0123456789', SLACK_API_URL: fake.url, PORT: '0', DATABASE_URL: `file:${file}` });
  if (!policy.ok || !env.ok) throw new Error('bad bench config');
  const gl = await startGreenlight(
    { env: env.env, policy: policy.policy },
    { host: '127.0.0.1', logger: pino({ level: 'error' }), timers: { prefix: `gl-bench-${randomBytes(4).toString('hex')}`, runWorker: false } },
  );
  try {
    const times: number[] = [];
    await publishHome(gl.deps, 'U0QA'); // warm-up
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await publishHome(gl.deps, 'U0QA');
      times.push(performance.now() - t0);
    }
    const view = fake.homeView('U0QA');
    return { median: median(times), blocks: view?.blocks.length ?? 0 };
  } finally {
    await gl.timers.queue.obliterate({ force: true }).catch(() => undefined);
    await gl.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchHome(): Promise<void> {
  header('App Home scale: a QA viewer, 100 vs 10,000 releases');
  const small = await homeTime(100);
  const large = await homeTime(10_000);
  process.stdout.write(`100 releases: ${fmt(small.median)} (${small.blocks} blocks)\n`);
  process.stdout.write(`10,000 releases: ${fmt(large.median)} (${large.blocks} blocks)\n`);
  const r = large.median / small.median;
  process.stdout.write(`ratio: ${ratio(large.median, small.median)}  target ≤ 2× ${r <= 2 ? 'MET' : 'MISSED'}; blocks ≤ 100 ${large.blocks <= 100 ? 'MET' : 'MISSED'}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchHome();
