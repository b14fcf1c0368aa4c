/**
 * The Slack front (src/slack/front/): a thread of its own owns the public port and acknowledges Slack's deliveries,
 * so an ack never waits for the engine's event loop. Shown here by blocking that loop outright (this test runs on
 * it): while it is blocked, a click is acknowledged and `/release help` answered from another process; `/release
 * list`, whose answer reads the database, is answered once the loop runs again; the click's work happens then. And
 * the work after the acks takes people in turns.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentRequest } from '../../src/fake-slack';
import { SlackDriver } from '../../src/fake-slack';
import type { Harness } from '../support/harness';
import { CHANNELS, SIGNING_SECRET, U, requestRelease, startHarness, threadLines } from '../support/harness';

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'greenlight-front-'));
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Signed requests a driver would send, captured instead of sent (so another process can send them later). */
async function capture(build: (driver: SlackDriver) => Promise<unknown>): Promise<SentRequest> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const driver = new SlackDriver({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, signingSecret: SIGNING_SECRET, fake: h.fake, defaultChannel: CHANNELS.general });
    await build(driver);
    if (!driver.lastRequest) throw new Error('nothing was captured');
    return { ...driver.lastRequest, url: `${h.gl.url}/slack/events` };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * Another process that waits for `go` (a file) and then sends the requests: each group at once, a group after the
 * one before it has been answered. It prints, for each request, the status, the body and when the answer arrived.
 */
const SENDER = `
import { existsSync, readFileSync } from 'node:fs';
const [go, file] = process.argv.slice(-2);
const groups = JSON.parse(readFileSync(file, 'utf8'));
process.stdout.write('ready\\n');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
const out = [];
for (const requests of groups) {
  out.push(...await Promise.all(requests.map(async (r) => {
    const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
    const text = await res.text();
    return { status: res.status, text, at: Date.now() };
  })));
}
process.stdout.write(JSON.stringify(out) + '\\n');
`;

interface Sent {
  status: number;
  text: string;
  at: number;
}

/**
 * Has another process send `groups` (see SENDER) while this thread, Greenlight's engine, is blocked outright for
 * `blockMs`: no timers, no I/O, no listeners run until it ends. Resolves when the block ends.
 */
async function sendWhileBlocked(groups: SentRequest[][], blockMs = 4_000): Promise<{ finished: Promise<Sent[]>; unblockedAt: number }> {
  const file = join(dir, `requests-${Date.now()}.json`);
  const go = join(dir, `go-${Date.now()}`);
  writeFileSync(file, JSON.stringify(groups));
  const child = spawn(process.execPath, ['--input-type=module', '-e', SENDER, go, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  await new Promise<void>((resolve) => {
    const check = () => (stdout.includes('ready') ? resolve() : setTimeout(check, 5));
    check();
  });
  const finished = new Promise<Sent[]>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as Sent[]) : reject(new Error(`sender exited ${code}`)))),
  );
  writeFileSync(go, '');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, blockMs);
  return { finished, unblockedAt: Date.now() };
}

describe('the Slack front', () => {
  it("acknowledges clicks and answers /release help while the engine's loop is blocked; the work follows", async () => {
    const { id, card } = await requestRelease(h);
    const click = await capture((d) => d.clickButton(U.reviewer, { channel: CHANNELS.payments, ts: card.ts }, 'Approve'));
    const help = await capture((d) => d.command(U.qa, 'help'));
    const list = await capture((d) => d.command(U.qa, 'list'));
    const { finished, unblockedAt } = await sendWhileBlocked([[click, help, list]]);

    const [clicked, helped, listed] = await finished;
    // acknowledged while the engine could do nothing at all
    expect(clicked).toMatchObject({ status: 200, text: '' });
    expect(clicked?.at).toBeLessThan(unblockedAt);
    expect(helped?.status).toBe(200);
    expect(helped?.at).toBeLessThan(unblockedAt);
    expect(JSON.parse(helped?.text ?? '{}')).toMatchObject({ response_type: 'ephemeral', text: 'Greenlight: /release commands' });
    // the list reads the database: answered by the engine, once it runs
    expect(listed?.status).toBe(200);
    expect(listed?.at).toBeGreaterThanOrEqual(unblockedAt);
    expect(JSON.parse(listed?.text ?? '{}')).toMatchObject({ response_type: 'ephemeral' });
    expect(listed?.text).toContain(`REL-${id}`);
    // and the click's work was done once the engine ran again: the approval is in the card's thread
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.reviewer}> approved`).length === 1, { description: 'the approval' });
  }, 60_000);

  it("takes people's work in turns: one person's flood of clicks does not hold up someone else's approval", async () => {
    const { card } = await requestRelease(h);
    const at = { channel: CHANNELS.payments, ts: card.ts };
    const flood: SentRequest[] = [];
    for (let i = 0; i < 30; i++) flood.push(await capture((d) => d.clickButton(U.outsider, at, 'Approve')));
    const approval = await capture((d) => d.clickButton(U.reviewer, at, 'Approve'));
    const from = h.fake.calls.length;
    // all thirty are acknowledged (and wait for the engine) before the approval arrives
    const { finished } = await sendWhileBlocked([flood, [approval]], 2_000);
    const sent = await finished;
    expect(sent.map((r) => r.status)).toEqual(Array.from({ length: 31 }, () => 200));

    const calls = () => h.fake.calls.slice(from);
    const denials = () => calls().filter((c) => c.method === 'response_url' && JSON.stringify(c.args).includes("You don't hold that role"));
    await h.fake.waitFor(() => denials().length === 30 && calls().some((c) => c.method === 'chat.update' && c.args.ts === card.ts), { description: 'thirty refusals and the card update' });
    // In arrival order the approval would wait for all thirty refusals; in turns it goes after the first one or two.
    const update = calls().findIndex((c) => c.method === 'chat.update' && c.args.ts === card.ts);
    const refusedBefore = calls().slice(0, update).filter((c) => denials().includes(c)).length;
    expect(refusedBefore).toBeLessThan(10);
    await h.fake.waitFor(() => threadLines(h, CHANNELS.payments, card.ts, `<@${U.reviewer}> approved`).length === 1, { description: 'the approval' });
  }, 60_000);

  it('owns the public port; the engine listens on loopback behind it and answers every other path through it', async () => {
    const engine = h.gl.server.address() as AddressInfo;
    expect(engine.address).toBe('127.0.0.1');
    expect(engine.port).not.toBe(h.gl.port);
    const health = await fetch(`${h.gl.url}/healthz`);
    expect(health.status).toBe(200);
    const missing = await fetch(`${h.gl.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    // a GET on Slack's path is not a delivery: the engine's 404
    expect((await fetch(`${h.gl.url}/slack/events`)).status).toBe(404);
  });

  it('comes back on the same port when its thread dies, and Slack deliveries are taken again', async () => {
    const first = h.gl.front?.thread();
    expect(first).toBeDefined();
    await first?.terminate();
    await h.fake.waitFor(() => h.logs.join('').includes('the Slack front thread stopped; starting it again'), { pollMs: 20, timeoutMs: 10_000 });
    await h.fake.waitFor(() => h.gl.front?.thread() !== first, { pollMs: 20, timeoutMs: 15_000, description: 'a new front thread' });
    let help = await h.driver.command(U.qa, 'help').catch(() => null);
    for (let i = 0; i < 100 && help?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      help = await h.driver.command(U.qa, 'help').catch(() => null);
    }
    expect(help?.status).toBe(200);
    expect((await fetch(`${h.gl.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it('refuses a body larger than 1 MiB with 413 and stays up', async () => {
    const big = `payload=${'x'.repeat(1024 * 1024 + 10)}`;
    const res = await h.driver.send(big, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(413);
    expect(res.body).toBe('The request body is larger than 1048576 bytes.');
    expect((await h.driver.command(U.qa, 'help')).status).toBe(200);
  });

  it('answers a malformed but signed body with 400, a forged one with 401', async () => {
    expect((await h.driver.send('{not json', 'application/json')).status).toBe(400);
    expect((await h.driver.send(JSON.stringify({ type: 'event_callback' }), 'application/json', { signature: 'v0=forged' })).status).toBe(401);
  });
});
