/**
 * Ack latency: 200 signed `/release` commands and 200 Approve clicks a second for 20 s against Greenlight and
 * against a bare Bolt app on the same receiver that only acks; p50/p99 and the ratio. Also click-to-card: from an
 * Approve click to the fake Slack receiving the card's chat.update, against the bare app's ack p99. And memory.
 * Usage: npm run bench:ack  (BENCH_SECONDS, BENCH_RATE to change the load)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { FakeSlack } from '../src/fake-slack';
import { SlackDriver, startFakeSlack } from '../src/fake-slack';
import { PRODUCT_NODE_ARGS, fmt, freePort, header, percentile, ratio, rssMb, spawnTsx, stop } from './lib';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 200); // per second, for each of commands and clicks
const BOT_TOKEN = 'xoxb-bench-0000-token';
const SECRET = 'bench-signing-secret-0123456789';
const API_TOKEN = 'bench-api-token-0123456789';
const SERVICES = 20;
const APPROVALS = 200;
const HOME_RELEASES = 10_000;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);

function policy(): string {
  const services = Array.from({ length: SERVICES }, (_, i) => `  svc-${i}: { channel: C0SVC${i} }`).join('\n');
  return `timezone: UTC
admins: [U0ADMIN]
channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }
roles: { developer: [U0DEV1, U0DEV2], qa: [U0QA], release_manager: [U0RM], product_manager: [U0PM], operations: [U0OPS] }
services:
${services}
windows: { production: always, staging: always }
`;
}

interface RunResult {
  acks: number[];
  toCard: number[];
  /** Approval clicks acknowledged (each should update its card). */
  approvals: number;
  errors: number;
}

interface Card {
  ts: string;
  channel: string;
}

/** Captures the bodies a SlackDriver would send, so they can be sent later from another process. */
async function captureServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Builds a run: commands and clicks alternating; every 10th click a real approval on a fresh card. */
async function buildPlan(driver: SlackDriver, cards: Card[], seconds: number, approve: boolean): Promise<{ body: string; contentType: string; approval?: string }[]> {
  const out: { body: string; contentType: string; approval?: string }[] = [];
  let approvals = 0;
  for (let i = 0; i < seconds * RATE; i++) {
    await driver.command(i % 2 ? 'U0DEV1' : 'U0DEV2', i % 10 === 0 ? '' : 'help', { channelId: 'C0GENERAL' });
    const cmd = driver.lastRequest;
    if (cmd) out.push({ body: cmd.body, contentType: cmd.headers['content-type'] ?? '' });
    const card = approve && i % 10 === 0 && approvals < cards.length ? cards[approvals++] : undefined;
    const target = card ?? cards[i % cards.length];
    if (!target) continue;
    await driver.clickButton(card ? 'U0DEV2' : 'U0OUT', target, 'Approve');
    const click = driver.lastRequest;
    if (click) out.push({ body: click.body, contentType: click.headers['content-type'] ?? '', ...(card ? { approval: card.ts } : {}) });
  }
  return out;
}

/** Sends a plan from a separate process and collects ack latencies (and click → card for approvals). */
async function run(fake: FakeSlack, capture: string, target: string, cards: Card[], seconds: number, approve: boolean, dir: string): Promise<RunResult> {
  const planDriver = new SlackDriver({ baseUrl: capture, signingSecret: SECRET, fake });
  const requests = await buildPlan(planDriver, cards, seconds, approve);
  const file = join(dir, `plan-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ url: `${target}/slack/events`, secret: SECRET, rate: RATE * 2, requests }));
  const updatesBefore = fake.callsTo('chat.update').length;
  // Asynchronously: the fake Slack in this process must keep answering Greenlight during the run.
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-gen.ts', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load generator exited with ${String(code)}`))));
  });
  const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { acks: number[]; approvals: { ts: string; sentAt: number }[]; errors: number };
  const toCard = (
    await Promise.all(
      (out.approvals ?? []).map(async (a) => {
        const update = await fake
          .waitFor(() => fake.callsTo('chat.update').slice(updatesBefore).find((c) => String(c.args.ts) === a.ts && c.at >= a.sentAt), { timeoutMs: 60_000 })
          .catch(() => undefined);
        return update ? update.at - a.sentAt : undefined;
      }),
    )
  ).filter((t): t is number => t !== undefined);
  return { acks: out.acks ?? [], toCard, approvals: (out.approvals ?? []).length, errors: out.errors ?? 0 };
}

async function main(): Promise<void> {
  header(`Ack latency: ${RATE} commands/s + ${RATE} clicks/s for ${SECONDS}s`);
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bench-'));
  const fake = await startFakeSlack({ botToken: BOT_TOKEN, triggerIdTtlMs: 3_600_000 });
  writeFileSync(join(dir, 'greenlight.yml'), policy());
  const glPort = await freePort();
  const bench = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url, LOG_LEVEL: 'warn' };
  const gl = await spawnTsx(
    'src/main.ts',
    { ...bench, PORT: String(glPort), DATABASE_URL: `file:${join(dir, 'gl.db')}`, GREENLIGHT_POLICY: join(dir, 'greenlight.yml'), GREENLIGHT_API_TOKEN: API_TOKEN, LOG_LEVEL: 'info' },
    /Greenlight is listening/,
    60_000,
    PRODUCT_NODE_ARGS,
  );
  const glUrl = `http://127.0.0.1:${glPort}`;
  try {
    // seed: cards to approve, spread over the services' channels
    const cards: { ts: string; channel: string }[] = [];
    for (let i = 0; i < APPROVALS; i++) {
      const res = await fetch(`${glUrl}/api/v1/releases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service: `svc-${i % SERVICES}`, version: `1.0.${i}`, environment: 'production', changelog: 'bench', rollback_plan: 'redeploy', risk: 'low', requested_by: 'U0DEV1' }),
      });
      const body = (await res.json()) as { number: number };
      const card = await fake.waitFor(() => {
        const c = fake.callsTo('chat.postMessage').find((x) => JSON.stringify(x.args).includes(`REL-${body.number} ·`));
        const resp = c?.response as { ts?: string; channel?: string } | undefined;
        return resp?.ts && resp.channel ? { ts: resp.ts, channel: resp.channel } : undefined;
      }, { timeoutMs: 30_000 });
      cards.push(card);
    }
    const rssIdle = await rssMb(gl.pid ?? 0);
    const capture = await captureServer();
    await run(fake, capture.url, glUrl, cards, WARMUP, false, dir); // warm-up (JIT, connections), not measured
    const g = await run(fake, capture.url, glUrl, cards, SECONDS, true, dir);
    const rssAfter = await rssMb(gl.pid ?? 0);
    await stop(gl);
    if (process.env.BENCH_ONLY === 'greenlight') {
      process.stdout.write(`Greenlight acks p50 ${fmt(percentile(g.acks, 50))} p99 ${fmt(percentile(g.acks, 99))} errors ${g.errors}; click → card p50 ${fmt(percentile(g.toCard, 50))} p99 ${fmt(percentile(g.toCard, 99))} (${g.toCard.length} of ${g.approvals} cards updated)\n`);
      return;
    }

    // the same load against a bare Bolt app
    const barePort = await freePort();
    const bare = await spawnTsx('bench/bare-bolt.ts', { ...bench, PORT: String(barePort) }, /bare bolt listening/);
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await run(fake, capture.url, bareUrl, cards, WARMUP, false, dir);
    const b = await run(fake, capture.url, bareUrl, cards, SECONDS, false, dir);
    await stop(bare);

    // memory with 10,000 releases in the database
    const db = new Database(join(dir, 'gl.db'));
    const insert = db.prepare(
      `insert into releases (service, version, title, changelog, environment, risk, rollback_plan, links, requested_by, source, state, state_changed_at, content_rev, created_at, updated_at)
       values (?, ?, 'bench', 'bench', 'production', 'low', 'redeploy', '[]', 'U0DEV1', 'api', ?, ?, 1, ?, ?)`,
    );
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < HOME_RELEASES; i++) insert.run(`svc-${i % SERVICES}`, `2.0.${i}`, i % 3 === 0 ? 'released' : 'review', now, now, now);
    })();
    db.close();
    const gl2 = await spawnTsx(
      'src/main.ts',
      { ...bench, PORT: String(glPort), DATABASE_URL: `file:${join(dir, 'gl.db')}`, GREENLIGHT_POLICY: join(dir, 'greenlight.yml'), GREENLIGHT_API_TOKEN: API_TOKEN, LOG_LEVEL: 'info' },
      /Greenlight is listening/,
      180_000,
      PRODUCT_NODE_ARGS,
    );
    const rss10kIdle = await rssMb(gl2.pid ?? 0);
    await run(fake, capture.url, glUrl, cards, WARMUP, false, dir);
    const g2 = await run(fake, capture.url, glUrl, cards, SECONDS, false, dir);
    await capture.close();
    const rss10kAfter = await rssMb(gl2.pid ?? 0);
    await stop(gl2);

    const all = (r: RunResult) => r.acks;
    const rows = [
      ['', 'p50', 'p99', 'errors'],
      ['Greenlight all acks', fmt(percentile(all(g), 50)), fmt(percentile(all(g), 99)), String(g.errors)],
      ['bare Bolt all acks', fmt(percentile(all(b), 50)), fmt(percentile(all(b), 99)), String(b.errors)],
      ['Greenlight (10k releases) all acks', fmt(percentile(all(g2), 50)), fmt(percentile(all(g2), 99)), String(g2.errors)],
      ['click → card update', fmt(percentile(g.toCard, 50)), fmt(percentile(g.toCard, 99)), `${g.toCard.length}/${g.approvals}`],
    ];
    for (const r of rows) process.stdout.write(`${(r[0] ?? '').padEnd(36)}${(r[1] ?? '').padStart(12)}${(r[2] ?? '').padStart(12)}${(r[3] ?? '').padStart(10)}\n`);
    const ackRatio = percentile(all(g), 99) / percentile(all(b), 99);
    const cardRatio = percentile(g.toCard, 99) / percentile(all(b), 99);
    process.stdout.write(`ack p99 ratio (Greenlight / bare Bolt): ${ratio(percentile(all(g), 99), percentile(all(b), 99))}  target ≤ 1.3× ${ackRatio <= 1.3 ? 'MET' : 'MISSED'}\n`);
    process.stdout.write(`click→card p99 / bare ack p99: ${ratio(percentile(g.toCard, 99), percentile(all(b), 99))}  target ≤ 3× ${cardRatio <= 3 ? 'MET' : 'MISSED'}\n`);
    process.stdout.write(`RSS: idle ${rssIdle.toFixed(0)} MB, after the run ${rssAfter.toFixed(0)} MB; with ${HOME_RELEASES.toLocaleString('en-US')} releases idle ${rss10kIdle.toFixed(0)} MB, after a run ${rss10kAfter.toFixed(0)} MB  target ≤ 200 MB ${rss10kAfter <= 200 ? 'MET' : 'MISSED'}\n`);
  } finally {
    await stop(gl).catch(() => undefined);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
