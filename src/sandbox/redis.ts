/**
 * Redis for the sandbox: the one at REDIS_URL when it answers; otherwise (only for the default URL) a private
 * `redis-server` started for this session on a free port, without persistence, and stopped on exit.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export interface SandboxRedis {
  url: string;
  /** true when this session started its own redis-server */
  private: boolean;
  stop(): Promise<void>;
}

export const GET_REDIS_HINT =
  'install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or point REDIS_URL at one';

/** PINGs a Redis once, giving up after `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The path of an executable on PATH, or null. */
export function findOnPath(name: string, pathVar: string = process.env['PATH'] ?? ''): string | null {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    force.unref();
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Uses the Redis at `url` if it answers. When it does not and `isDefault`, starts a private redis-server from
 * PATH. Otherwise throws one clear line saying how to get Redis.
 */
export async function ensureRedis(url: string, isDefault: boolean): Promise<SandboxRedis> {
  if (await redisAnswers(url)) return { url, private: false, stop: async () => undefined };
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
  if (!isDefault) throw new Error(`REDIS_URL: nothing answers at ${safeUrl}; start Redis there or unset REDIS_URL`);
  const binary = findOnPath('redis-server');
  if (!binary) throw new Error(`Redis: nothing answers at ${safeUrl} and redis-server is not on the PATH; ${GET_REDIS_HINT}`);
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const privateUrl = `redis://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (let i = 0; i < 50 && !exited; i++) {
    if (await redisAnswers(privateUrl, 500)) {
      return {
        url: privateUrl,
        private: true,
        stop: async () => {
          process.removeListener('exit', killOnExit);
          await stopChild(child);
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.removeListener('exit', killOnExit);
  await stopChild(child);
  throw new Error(`Redis: nothing answers at ${safeUrl} and the private redis-server (${binary}) did not start; ${GET_REDIS_HINT}`);
}
