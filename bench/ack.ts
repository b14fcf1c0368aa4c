/**
 * Ack latency: 200 signed `/release` commands and 200 Approve clicks a second for 20 s against Greenlight and
 * against a bare Bolt app on the same receiver that only acks; p50/p99 and the ratio. Also click-to-card: from an
 * Approve click to the fake Slack receiving the card's chat.update, against the bare app's ack p99. And memory.
 * Both apps run side by side and the measured runs alternate between them, several rounds at the full rate, so a
 * drift of the shared machine hits both; each figure is the median over the rounds, each ratio the median of the
 * rounds' ratios.
 * Usage: npm run bench:ack  (BENCH_SECONDS, BENCH_RATE, BENCH_ROUNDS to change the load)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { FakeSlack } from '../src/fake-slack';
import { SlackDriver, startFakeSlack } from '../src/fake-slack';
import { PRODUCT_NODE_ARGS, buildProduct, cpuMs, fmt, freePort, header, median, percentile, ratio, rssMb, spawnScript, stop } from './lib';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 200); // per second, for each of commands and clicks
const BOT_TOKEN = 'xoxb-bench-0000-token';
const SECRET = 'bench-signing-secret-0123456789';
const API_TOKEN = 'bench-api-token-0123456789';
const SERVICES = 20;
const APPROVALS = 100; // real approvals per run at the full rate (half as many at a quarter)
const HOME_RELEASES = 10_000;
/** Greenlight's Redis in this benchmark: a database of its own, emptied before and after (its timers are left over otherwise). */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
/** Rounds at the full rate (each a Greenlight run and a bare run), and at the lower rates, which are shorter. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOW_ROUNDS = Number(process.env.BENCH_LOW_ROUNDS ?? 1);
const LOW_SECONDS = Math.max(1, Math.round(SECONDS / 4));

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
  /** CPU time the measured process used per request sent (including the work after the acks), in ms. */
  cpuPerRequest: number;
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

/** Builds a run: commands and clicks alternating; every 10th click (or sparser, to spread the cards over the run) a real approval on a fresh card. */
async function buildPlan(driver: SlackDriver, cards: Card[], seconds: number, approve: boolean, rate: number): Promise<{ body: string; contentType: string; approval?: string }[]> {
  const out: { body: string; contentType: string; approval?: string }[] = [];
  let approvals = 0;
  const every = Math.max(10, Math.ceil((seconds * rate) / Math.max(1, cards.length)));
  for (let i = 0; i < seconds * rate; i++) {
    await driver.command(i % 2 ? 'U0DEV1' : 'U0DEV2', i % 10 === 0 ? '' : 'help', { channelId: 'C0GENERAL' });
    const cmd = driver.lastRequest;
    if (cmd) out.push({ body: cmd.body, contentType: cmd.headers['content-type'] ?? '' });
    const card = approve && i % every === 0 && approvals < cards.length ? cards[approvals++] : undefined;
    const target = card ?? cards[i % cards.length];
    if (!target) continue;
    await driver.clickButton(card ? 'U0DEV2' : 'U0OUT', target, 'Approve');
    const click = driver.lastRequest;
    if (click) out.push({ body: click.body, contentType: click.headers['content-type'] ?? '', ...(card ? { approval: card.ts } : {}) });
  }
  return out;
}

interface Plan {
  file: string;
  requests: number;
}

/** Builds a run's Slack-signed bodies in advance, in a file the load generator reads. */
async function writePlan(fake: FakeSlack, capture: string, cards: Card[], seconds: number, approve: boolean, rate: number, dir: string): Promise<Plan> {
  const planDriver = new SlackDriver({ baseUrl: capture, signingSecret: SECRET, fake });
  const requests = await buildPlan(planDriver, cards, seconds, approve, rate);
  const file = join(dir, `plan-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ url: '', secret: SECRET, rate: rate * 2, requests }));
  return { file, requests: requests.length };
}

/** Sends a plan from a separate process and collects ack latencies (and click → card for approvals). */
async function run(fake: FakeSlack, plan: Plan, target: string, pid: number, bareApp = false): Promise<RunResult> {
  const updatesBefore = fake.callsTo('chat.update').length;
  const cpuBefore = await cpuMs(pid);
  // Asynchronously: the fake Slack in this process must keep answering Greenlight during the run.
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-gen.ts', plan.file, `${target}/slack/events`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load generator exited with ${String(code)}`))));
  });
  const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { acks: number[]; approvals: { ts: string; sentAt: number }[]; errors: number };
  const updates = () => fake.callsTo('chat.update').slice(updatesBefore);
  // the bare app updates no card: its approvals are plain clicks
  const approvals = bareApp ? [] : (out.approvals ?? []);
  const toCard = (
    await Promise.all(
      approvals.map(async (a) => {
        const update = await fake.waitFor(() => updates().find((c) => String(c.args.ts) === a.ts && c.receivedAt >= a.sentAt), { timeoutMs: 60_000 }).catch(() => undefined);
        // until the request reached the fake Slack, not until the fake had checked its blocks and answered
        return update ? update.receivedAt - a.sentAt : undefined;
      }),
    )
  ).filter((t): t is number => t !== undefined);
  await new Promise((r) => setTimeout(r, 1_000)); // the last acknowledged work finishes
  const cpuPerRequest = ((await cpuMs(pid)) - cpuBefore) / Math.max(1, plan.requests);
  return { acks: out.acks ?? [], toCard, approvals: approvals.length, errors: out.errors ?? 0, cpuPerRequest };
}

interface Side {
  url: string;
  pid: number;
}

/** One rate: `rounds` pairs of runs, Greenlight and the bare app alternating (which goes first alternates too). */
async function measureRate(fake: FakeSlack, capture: string, gl: Side, bare: Side, cardSets: Card[][], seconds: number, rate: number, dir: string): Promise<{ g: RunResult[]; b: RunResult[] }> {
  const g: RunResult[] = [];
  const b: RunResult[] = [];
  for (const [i, cards] of cardSets.entries()) {
    // one plan for both: Greenlight sees each body once (it drops a repeated delivery), the bare app acks anything
    const plan = await writePlan(fake, capture, cards, seconds, true, rate, dir);
    if (i % 2 === 0) {
      g.push(await run(fake, plan, gl.url, gl.pid));
      b.push(await run(fake, plan, bare.url, bare.pid, true));
    } else {
      b.push(await run(fake, plan, bare.url, bare.pid, true));
      g.push(await run(fake, plan, gl.url, gl.pid));
    }
  }
  return { g, b };
}

async function main(): Promise<void> {
  header(`Ack latency: ${RATE} commands/s + ${RATE} clicks/s for ${SECONDS}s, ${ROUNDS} rounds`);
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bench-'));
  const fake = await startFakeSlack({ botToken: BOT_TOKEN, triggerIdTtlMs: 3_600_000 });
  writeFileSync(join(dir, 'greenlight.yml'), policy());
  const glPort = await freePort();
  const bench = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url, LOG_LEVEL: 'warn' };
  const flush = async () => {
    const redis = new Redis(REDIS_URL);
    await redis.flushdb();
    redis.disconnect();
  };
  await flush();
  const glEnv = { ...bench, REDIS_URL, PORT: String(glPort), DATABASE_URL: `file:${join(dir, 'gl.db')}`, GREENLIGHT_POLICY: join(dir, 'greenlight.yml'), GREENLIGHT_API_TOKEN: API_TOKEN, LOG_LEVEL: 'info' };
  const product = buildProduct();
  const gl = await spawnScript(product, glEnv, /Greenlight is listening/, 60_000, PRODUCT_NODE_ARGS);
  const glUrl = `http://127.0.0.1:${glPort}`;
  let bare: ChildProcess | undefined;
  try {
    // seed: cards to approve, spread over the services' channels (one set for each measured run)
    const runs = [ROUNDS, LOW_ROUNDS, LOW_ROUNDS];
    const perRun = [APPROVALS, APPROVALS, APPROVALS / 2];
    const seeded: Card[] = [];
    const total = runs.reduce((sum, n, i) => sum + n * (perRun[i] ?? 0), 0);
    for (let i = 0; i < total; i++) {
      const before = fake.callsTo('chat.postMessage').length;
      const res = await fetch(`${glUrl}/api/v1/releases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service: `svc-${i % SERVICES}`, version: `1.0.${i}`, environment: 'production', changelog: 'bench', rollback_plan: 'redeploy', risk: 'low', requested_by: 'U0DEV1' }),
      });
      const body = (await res.json()) as { number: number };
      const card = await fake.waitFor(() => {
        const c = fake.callsTo('chat.postMessage').slice(before).find((x) => JSON.stringify(x.args).includes(`REL-${body.number} ·`));
        const resp = c?.response as { ts?: string; channel?: string } | undefined;
        return resp?.ts && resp.channel ? { ts: resp.ts, channel: resp.channel } : undefined;
      }, { timeoutMs: 30_000 });
      seeded.push(card);
    }
    const take = (n: number, size: number) => Array.from({ length: n }, () => seeded.splice(0, size));
    const [fullSets, halfSets, quarterSets] = [take(ROUNDS, APPROVALS), take(LOW_ROUNDS, APPROVALS), take(LOW_ROUNDS, APPROVALS / 2)];
    const rssIdle = await rssMb(gl.pid ?? 0);
    const capture = await captureServer();
    const glSide = { url: glUrl, pid: gl.pid ?? 0 };
    const warmCards = fullSets[0] ?? [];

    if (process.env.BENCH_ONLY === 'greenlight') {
      await run(fake, await writePlan(fake, capture.url, warmCards, WARMUP, false, RATE, dir), glSide.url, glSide.pid);
      for (const [label, sets, rate, seconds] of [
        [`${RATE * 2}/s`, fullSets, RATE, SECONDS],
        [`${RATE}/s`, halfSets, RATE / 2, LOW_SECONDS],
        [`${RATE / 2}/s`, quarterSets, RATE / 4, LOW_SECONDS],
      ] as const) {
        for (const cards of sets) {
          const r = await run(fake, await writePlan(fake, capture.url, cards, seconds, true, rate, dir), glSide.url, glSide.pid);
          process.stdout.write(`Greenlight ${label}: acks p50 ${fmt(percentile(r.acks, 50))} p99 ${fmt(percentile(r.acks, 99))} errors ${r.errors}; click → card p50 ${fmt(percentile(r.toCard, 50))} p99 ${fmt(percentile(r.toCard, 99))} (${r.toCard.length} of ${r.approvals} cards updated); CPU ${r.cpuPerRequest.toFixed(2)} ms/request\n`);
        }
      }
      await capture.close();
      return;
    }

    // the bare Bolt app, up at the same time (idle while Greenlight is measured, and the other way round)
    const barePort = await freePort();
    bare = await spawnScript('bench/bare-bolt.ts', { ...bench, PORT: String(barePort) }, /bare bolt listening/);
    const bareSide = { url: `http://127.0.0.1:${barePort}`, pid: bare.pid ?? 0 };
    // warm-up (JIT, connections), not measured
    const warm = await writePlan(fake, capture.url, warmCards, WARMUP, false, RATE, dir);
    await run(fake, warm, glSide.url, glSide.pid);
    await run(fake, warm, bareSide.url, bareSide.pid, true);
    const rssAfterWarmup = await rssMb(gl.pid ?? 0);
    const full = await measureRate(fake, capture.url, glSide, bareSide, fullSets, SECONDS, RATE, dir);
    // and at half the rate: what one process sustains on a machine where the full rate is more than it can do
    const half = await measureRate(fake, capture.url, glSide, bareSide, halfSets, LOW_SECONDS, RATE / 2, dir);
    // and at a quarter: where this machine has room to spare, so the ratio shows Greenlight's own cost, not queueing
    const quarter = await measureRate(fake, capture.url, glSide, bareSide, quarterSets, LOW_SECONDS, RATE / 4, dir);
    const rssAfter = await rssMb(gl.pid ?? 0);
    await stop(bare);
    await stop(gl);

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
    const gl2 = await spawnScript(product, glEnv, /Greenlight is listening/, 180_000, PRODUCT_NODE_ARGS);
    const gl2Side = { url: glUrl, pid: gl2.pid ?? 0 };
    const rss10kIdle = await rssMb(gl2.pid ?? 0);
    await run(fake, await writePlan(fake, capture.url, warmCards, WARMUP, false, RATE, dir), gl2Side.url, gl2Side.pid);
    // memory after load: a quarter of the time is enough
    const g2 = await run(fake, await writePlan(fake, capture.url, warmCards, Math.max(1, SECONDS / 4), false, RATE, dir), gl2Side.url, gl2Side.pid);
    await capture.close();
    const rss10kAfter = await rssMb(gl2.pid ?? 0);
    await stop(gl2);

    const p50 = (r: RunResult) => percentile(r.acks, 50);
    const p99 = (r: RunResult) => percentile(r.acks, 99);
    const cardP50 = (r: RunResult) => percentile(r.toCard, 50);
    const cardP99 = (r: RunResult) => percentile(r.toCard, 99);
    const med = (rs: RunResult[], f: (r: RunResult) => number) => median(rs.map(f));
    const errors = (rs: RunResult[]) => String(rs.reduce((n, r) => n + r.errors, 0));
    const cards = (rs: RunResult[]) => `${rs.reduce((n, r) => n + r.toCard.length, 0)}/${rs.reduce((n, r) => n + r.approvals, 0)}`;
    const levels = [
      [`${RATE * 2}/s`, full],
      [`${RATE}/s`, half],
      [`${RATE / 2}/s`, quarter],
    ] as const;
    const rows: string[][] = [['(medians over the rounds)', 'p50', 'p99', 'errors']];
    for (const [label, m] of levels) {
      rows.push([`Greenlight acks, ${label}`, fmt(med(m.g, p50)), fmt(med(m.g, p99)), errors(m.g)]);
      rows.push([`bare Bolt acks, ${label}`, fmt(med(m.b, p50)), fmt(med(m.b, p99)), errors(m.b)]);
      rows.push([`click → card update, ${label}`, fmt(med(m.g, cardP50)), fmt(med(m.g, cardP99)), cards(m.g)]);
    }
    rows.push([`Greenlight (10k releases), ${RATE * 2}/s`, fmt(p50(g2)), fmt(p99(g2)), String(g2.errors)]);
    for (const r of rows) process.stdout.write(`${(r[0] ?? '').padEnd(40)}${(r[1] ?? '').padStart(12)}${(r[2] ?? '').padStart(12)}${(r[3] ?? '').padStart(10)}\n`);
    process.stdout.write('(errors: requests not answered 200; 503 = refused because too much acknowledged work waited)\n');
    const x = (v: number) => `${v.toFixed(2)}×`;
    for (const [i, [label, m]] of levels.entries()) {
      // each round's ratio is against the bare app's run next to it; the figure is their median
      const ackRatios = m.g.map((r, i) => p99(r) / p99(m.b[i] ?? r));
      const cardRatios = m.g.map((r, i) => cardP99(r) / p99(m.b[i] ?? r));
      // a refused request is answered fast but is a failure: the target counts only when nothing was refused
      const clean = m.g.every((r) => r.errors === 0 && r.toCard.length === r.approvals);
      const ackOk = clean && median(ackRatios) <= 1.3;
      const cardOk = clean && median(cardRatios) <= 3;
      // The targets are set at the full rate (200 commands + 200 clicks a second); the lower rates are shorter and
      // fewer rounds (a p99 of 500 requests is the 5th slowest), shown for how the ratios move with the load.
      const verdict = (ok: boolean) => (i === 0 ? (ok ? 'MET' : 'MISSED') : `${ok ? 'within' : 'outside'} it (indicative: ${m.g.length} round${m.g.length === 1 ? '' : 's'} of ${LOW_SECONDS} s)`);
      process.stdout.write(`${label}: ack p99 ratio (Greenlight / bare Bolt) ${x(median(ackRatios))} (rounds: ${ackRatios.map(x).join(', ')})  target ≤ 1.3× ${verdict(ackOk)}; `);
      process.stdout.write(`click→card p99 / bare ack p99 ${x(median(cardRatios))} (rounds: ${cardRatios.map(x).join(', ')})  target ≤ 3× ${verdict(cardOk)}${clean ? '' : ` (${errors(m.g)} refused or failed)`}\n`);
    }
    // CPU per request is steadier than latency on a shared machine: it says how much work each delivery costs,
    // and so at what rate one process on this machine runs out of CPU and acks start to queue.
    const cpu = (rs: RunResult[]) => med(rs, (r) => r.cpuPerRequest);
    const cpus = levels.map(([label, m]) => `${label}: Greenlight ${cpu(m.g).toFixed(2)} ms, bare Bolt ${cpu(m.b).toFixed(2)} ms (${ratio(cpu(m.g), cpu(m.b))})`);
    process.stdout.write(`CPU per request (ack and all work after it), ${cpus.join('; ')}\n`);
    process.stdout.write(`RSS: idle ${rssIdle.toFixed(0)} MB, after the warm-up ${rssAfterWarmup.toFixed(0)} MB, after the runs ${rssAfter.toFixed(0)} MB; with ${HOME_RELEASES.toLocaleString('en-US')} releases idle ${rss10kIdle.toFixed(0)} MB, after a run ${rss10kAfter.toFixed(0)} MB  target ≤ 200 MB ${rss10kAfter <= 200 ? 'MET' : 'MISSED'}\n`);
  } finally {
    if (bare) await stop(bare).catch(() => undefined);
    await stop(gl).catch(() => undefined);
    await fake.close();
    await flush();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
