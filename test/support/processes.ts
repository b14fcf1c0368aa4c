/**
 * Child processes for the integration tests: the real entry points run with `tsx` in their own process group,
 * bounded by a timeout, with their output collected; plus temp directories and free ports, all cleaned up.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
/** tsx's loader, resolvable from any working directory. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
export const MAIN = join(ROOT, 'src', 'main.ts');

/** Only what a process needs to run; nothing of the test runner's environment (no SLACK_*, no NODE_OPTIONS). */
export const BASE_ENV: Record<string, string> = Object.fromEntries(
  (['PATH', 'HOME', 'TMPDIR', 'LANG'] as const).flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value]];
  }),
);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface Running {
  child: ChildProcess;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `match`; rejects if the process exits or `timeoutMs` passes first. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what?: string): Promise<string>;
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** SIGKILL the child's whole process group. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Runs `node --import tsx script args…` (as `npm start` does: signals reach Node directly, not through the tsx CLI's
 * relay) in `cwd` with BASE_ENV + `env`, killed after `timeoutMs`.
 */
export function runScript(script: string, args: string[], opts: { env: Record<string, string>; cwd: string; timeoutMs: number }): Running {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, script, ...args], {
    cwd: opts.cwd,
    env: { ...BASE_ENV, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a timeout can kill tsx and the Node process under it
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const lineWaiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const wake of lineWaiters) wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, opts.timeoutMs);
  const exited = new Promise<Exit>((resolveExit, rejectExit) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      rejectExit(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      for (const wake of lineWaiters) wake();
      resolveExit({ code, signal, stdout, stderr, timedOut });
    });
  });

  const completeLines = () => stdout.split('\n').slice(0, -1);
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLine: (match, timeoutMs, what = 'a matching line') =>
      new Promise<string>((resolveLine, rejectLine) => {
        let done = false;
        const finish = (fn: () => void) => {
          if (done) return;
          done = true;
          clearTimeout(deadline);
          lineWaiters.delete(check);
          fn();
        };
        const check = () => {
          const line = completeLines().find(match);
          if (line !== undefined) finish(() => resolveLine(line));
          else if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => rejectLine(new Error(`exited before ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`)));
          }
        };
        const deadline = setTimeout(
          () => finish(() => rejectLine(new Error(`no ${what} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))),
          timeoutMs,
        );
        lineWaiters.add(check);
        check();
      }),
  };
}

export function tempDir(prefix = 'greenlight-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A port nobody listens on right now: bind port 0, read it, release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

/** Kills what is still running and removes the temp directories (call from afterAll). */
export function cleanupProcesses(): void {
  for (const child of running) killGroup(child);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A Redis database of the test file's own for the Greenlight processes it starts: they use the default BullMQ
 * prefix, so two files sharing a database would see each other's timers (and leave them behind for the next run).
 * `flush` empties it; call it after the file's processes have stopped.
 */
export function ownRedisDatabase(db: number): { url: string; flush: () => Promise<void> } {
  const base = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const url = /^rediss?:\/\/[^/]+\/\d+$/.test(base) ? base.replace(/\/\d+$/, `/${db}`) : `${base.replace(/\/$/, '')}/${db}`;
  return {
    url,
    flush: async () => {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        await redis.flushdb();
      } finally {
        redis.disconnect();
      }
    },
  };
}
