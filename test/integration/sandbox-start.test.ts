/**
 * `npm start` without SLACK_BOT_TOKEN, in a temporary working directory: prints one line saying where to open the
 * sandbox, serves it, keeps its data in the default SQLite file, and stops on SIGTERM. Both ways the code runs: the
 * bundle `npm start` builds and runs (`node dist/main.js`, which must find migrations/ and the sandbox page from
 * dist/), and the sources under tsx (`npm run dev`, the tests).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'main.ts');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** `npm start`'s command, as node arguments (its prestart builds dist/ first: so does this). */
function bundleCommand(): [string, string[]] {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, build.stdout + build.stderr).toBe(0);
  expect(PKG.scripts['prestart']).toBe('npm run build');
  const words = (PKG.scripts['start'] ?? '').split(' ');
  expect(words[0]).toBe('node');
  return [process.execPath, words.slice(1).map((w) => (w.startsWith('dist/') ? join(ROOT, w) : w))];
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

async function keysOf(pattern: string): Promise<string[]> {
  const redis = new Redis('redis://127.0.0.1:6379');
  try {
    return await redis.keys(pattern);
  } finally {
    redis.disconnect();
  }
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each([
  ['npm start (the bundle in dist/)', bundleCommand],
  ['tsx src/main.ts', (): [string, string[]] => [TSX, [MAIN]]],
])('%s without SLACK_BOT_TOKEN', (_name, command) => {
  it('prints the one line where to open the sandbox, answers /sandbox, and stops on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'greenlight-sandbox-start-'));
    dirs.push(cwd);
    const port = await freePort();
    const env: Record<string, string> = { PORT: String(port) };
    for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
      const v = process.env[name];
      if (v !== undefined) env[name] = v;
    }
    if (process.env.REDIS_URL) env['REDIS_URL'] = process.env.REDIS_URL;
    const realKeysBefore = new Set(process.env.REDIS_URL ? [] : await keysOf('greenlight:*'));
    const [bin, args] = command();
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));

    const deadline = Date.now() + 25_000;
    while (!stdout.includes('\n') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stdout, stderr).toBe(`Greenlight sandbox: open http://localhost:${port}/sandbox\n`);

    const page = await fetch(`http://127.0.0.1:${port}/sandbox`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Greenlight sandbox</title>');
    const state = (await (await fetch(`http://127.0.0.1:${port}/sandbox/api/state?user=U0DEV1&surface=C0GENERAL`)).json()) as { people: { id: string }[] };
    expect(state.people.map((p) => p.id)).toEqual(['U0DEV1', 'U0DEV2', 'U0QA', 'U0RM', 'U0PM', 'U0OPS']);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(existsSync(join(cwd, 'data', 'greenlight.db'))).toBe(true);
    // its timers live under keys of their own: a real Greenlight on the same Redis (prefix `greenlight`) is not touched
    if (!process.env.REDIS_URL) {
      expect((await keysOf('greenlight-sandbox:*')).length).toBeGreaterThan(0);
      expect((await keysOf('greenlight:*')).filter((k) => !realKeysBefore.has(k))).toEqual([]);
    }

    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(code).toBe(0);
    // still only the one line: logs stay quiet in the sandbox unless LOG_LEVEL asks for them
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toBe('');
  }, 60_000);
});
