/** Shared helpers for the benchmarks: percentiles, child processes, free ports, a seeded policy. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : 'n/a';
}

export function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The Node flags `npm start` and the Dockerfile run Greenlight with (heap limits that keep RSS under 200 MB). */
export const PRODUCT_NODE_ARGS = ['--enable-source-maps', '--max-old-space-size=128', '--max-semi-space-size=8'];

/** What `npm start` runs: the bundle, built from src/ now (as `npm start` does before it starts). */
export function buildProduct(): string {
  const res = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error('npm run build failed');
  return 'dist/main.js';
}

const stopping = new WeakSet<ChildProcess>();

/** Spawns `node <script>` (through tsx for a .ts file) and resolves once a line matching `ready` appears on stdout or stderr. */

export async function spawnScript(script: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000, extraNodeArgs: string[] = []): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...extraNodeArgs, ...nodeArgs, ...loader, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    let ready_ = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not become ready: ${seen.slice(-2000)}`));
    }, timeoutMs);
    const onData = (buf: Buffer) => {
      // the tail of the output is kept, so a process that dies mid-benchmark says why
      seen = (seen + buf.toString()).slice(-8000);
      if (process.env.BENCH_VERBOSE && ready_) process.stderr.write(buf);
      if (!ready_ && ready.test(seen)) {
        ready_ = true;
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (ready_ && !stopping.has(child)) process.stderr.write(`\n${script} died during the benchmark (${String(code ?? signal)}):\n${seen.slice(-2000)}\n`);
      reject(new Error(`${script} exited with ${String(code)}: ${seen.slice(-2000)}`));
    });
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  stopping.add(child);
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** RSS of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return kb / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux; clock ticks of 10 ms). */
export async function cpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command name (which may contain spaces) start at the state, field 3
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export const BENCH_POLICY = `
timezone: UTC
admins: [U0ADMIN]
channels: { releases: C0RELEASES, announcements: C0ANNOUNCE }
roles:
  developer: [U0DEV1, U0DEV2]
  qa: [U0QA]
  release_manager: [U0RM]
  product_manager: [U0PM]
  operations: [U0OPS]
services:
  payments-api: { channel: C0PAYMENTS }
  web: {}
windows: { production: always, staging: always }
`;

export function header(title: string): void {
  process.stdout.write(`\n=== ${title} ===\n`);
}
