/**
 * WAL checkpoints on a thread of their own (src/db/checkpointer.ts), on real SQLite files: Greenlight's connection
 * never checkpoints inside a commit, the thread copies the log back, a log that keeps growing under writes is made
 * to start over, and a thread that cannot run hands checkpoints back to SQLite.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client';
import type { DatabaseHandle } from '../../../src/db/client';

const dirs: string[] = [];
const handles: DatabaseHandle[] = [];

function open(opts: Parameters<typeof openDatabase>[1]): DatabaseHandle {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-checkpoint-'));
  dirs.push(dir);
  const handle = openDatabase(join(dir, 'greenlight.db'), opts);
  handles.push(handle);
  handle.sqlite.exec('create table filler (id integer primary key, body text not null)');
  return handle;
}

/** One commit per row, as deliveries and audit lines are written. */
function write(handle: DatabaseHandle, rows: number): void {
  const insert = handle.sqlite.prepare('insert into filler (body) values (?)');
  for (let i = 0; i < rows; i++) insert.run('x'.repeat(200 + (i % 50)));
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  for (const h of handles.splice(0)) {
    await h.checkpointer?.stop();
    h.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('WAL checkpoints on a thread of their own', () => {
  it('the connection never checkpoints in a commit: the log holds every write until the thread copies it', async () => {
    const handle = open({ checkpoints: { everyMs: 60_000 } }); // the thread waits a minute: nothing checkpoints
    expect(handle.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    write(handle, 3_000);
    // SQLite's own checkpoint would have copied the log back at 1,000 pages and started it over
    const frames = (handle.sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? 0;
    expect(frames).toBeGreaterThan(3_000);
  });

  it('the thread copies the log back, and the next write starts it over', async () => {
    const handle = open({ checkpoints: { everyMs: 20 } });
    write(handle, 2_000);
    const cp = handle.checkpointer;
    if (!cp) throw new Error('no checkpointer');
    await until(() => cp.stats.log > 0 && cp.stats.checkpointed === cp.stats.log, 'the whole log copied back');
    expect(cp.stats.running).toBe(true);
    // The log restarts from its first frame at the next write: SQLite then writes a new WAL header with new salts
    // (read from the file here, since a checkpoint from this connection would do the copying itself). A write that
    // lands while the thread is in the middle of its next checkpoint (every 20 ms here) cannot restart the log; the
    // one after can. Without the thread's copying, nothing copies the log back and its header never changes.
    const salt = () => {
      const fd = openSync(`${handle.sqlite.name}-wal`, 'r');
      const header = Buffer.alloc(32);
      readSync(fd, header, 0, 32, 0);
      closeSync(fd);
      return header.readUInt32BE(16);
    };
    const before = salt();
    await until(() => {
      write(handle, 1);
      return salt() !== before;
    }, 'a write that starts the log over');
    const frames = (handle.sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? Number.NaN;
    expect(frames).toBeLessThan(100);
  });

  it('under a steady stream of writes, a log past the limit is made to start over from an empty file (TRUNCATE)', async () => {
    const handle = open({ checkpoints: { everyMs: 10, restartAboveFrames: 500 } });
    const cp = handle.checkpointer;
    if (!cp) throw new Error('no checkpointer');
    const walSize = () => statSync(`${handle.sqlite.name}-wal`).size;
    // bursts of writes while the thread checkpoints: the passive checkpoints keep up, but a write always begins
    // before one has copied everything, so the log would never start over by itself
    let largest = 0;
    const deadline = Date.now() + 15_000;
    while (cp.stats.truncates === 0 && Date.now() < deadline) {
      write(handle, 2_000);
      largest = Math.max(largest, walSize());
      await new Promise((r) => setImmediate(r));
    }
    expect(cp.stats.truncates).toBeGreaterThan(0);
    expect(largest).toBeGreaterThan(500 * 4_096);
    // the log starts over: once the writes stop, its file is small again
    for (let i = 0; i < 20; i++) {
      write(handle, 2_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => walSize() < 1_500 * 4_200, 'the log file to shrink');
  });

  it('a thread that cannot start hands checkpoints back to SQLite, and says so', async () => {
    const errors: string[] = [];
    const handle = open({ checkpoints: { everyMs: 20, driver: '/nonexistent/better-sqlite3.js', onError: (m) => errors.push(m) } });
    await until(() => errors.length > 0, 'the error');
    expect(errors[0]).toMatch(/checkpoint thread stopped.*SQLite checkpoints on the main thread again/s);
    expect(handle.checkpointer?.stats.running).toBe(false);
    expect(handle.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('an in-memory database gets no thread', () => {
    const handle = openDatabase(':memory:', { checkpoints: {} });
    handles.push(handle);
    expect(handle.checkpointer).toBeNull();
  });
});
