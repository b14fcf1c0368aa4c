/**
 * WAL checkpoints off the event loop. In WAL mode SQLite copies the log back into the database file every 1,000
 * pages, and the connection whose commit crosses that line does the copying and the fsyncs itself, synchronously:
 * on the thread that acknowledges Slack. Measured here, that is a 14–16 ms stall every couple of hundred writes.
 * Greenlight's own connection therefore never checkpoints (`wal_autocheckpoint = 0`); a worker thread with a
 * connection of its own does it instead, with `PASSIVE` checkpoints that never block a writer.
 *
 * The log starts over only when a write begins after a checkpoint has copied all of it back. With writes a moment
 * apart (the usual case) that happens by itself; under a sustained stream the passive checkpoints keep up but the
 * log file keeps growing, so once it holds more than `restartAboveFrames` frames the thread runs one `TRUNCATE`
 * checkpoint: writers wait for that one (the passive ones copied nearly everything already, so it is short; it
 * gives up after 100 ms when a reader holds an old snapshot, and tries again next time) and the log starts over
 * from an empty file. If the thread can't run, the connection goes back to SQLite's own
 * checkpoints, so nothing grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { z } from 'zod';

export interface CheckpointerOptions {
  /** How often the thread checkpoints. */
  everyMs?: number;
  /** Frames in the log above which writers are made to wait for a TRUNCATE checkpoint that starts it over. */
  restartAboveFrames?: number;
  /** Called with each problem (the thread could not start, a checkpoint failed). */
  onError?: (message: string) => void;
  /** The better-sqlite3 module the thread loads (tests point it elsewhere to see a failure). */
  driver?: string;
}

export interface CheckpointStats {
  /** TRUNCATE checkpoints: the log was made to start over. */
  truncates: number;
  /** Frames in the log and frames copied back, at the last checkpoint. */
  log: number;
  checkpointed: number;
  /** False once the thread has failed and SQLite's own checkpoints are back on. */
  running: boolean;
}

/** Pages (frames) SQLite's own auto-checkpoint waits for: what the connection goes back to if the thread fails. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('checkpoint'), mode: z.enum(['PASSIVE', 'TRUNCATE']), log: z.number(), checkpointed: z.number() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

/** Plain JavaScript run by the thread (no TypeScript loader there); it loads better-sqlite3 by its resolved path. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 100');
const checkpoint = (mode) => {
  const row = db.pragma('wal_checkpoint(' + mode + ')')[0];
  return { log: Number(row.log), checkpointed: Number(row.checkpointed) };
};
const tick = () => {
  try {
    let res = checkpoint('PASSIVE');
    let mode = 'PASSIVE';
    if (res.log > workerData.restartAboveFrames) {
      res = checkpoint('TRUNCATE');
      mode = 'TRUNCATE';
    }
    parentPort.postMessage({ type: 'checkpoint', mode, log: res.log, checkpointed: res.checkpointed });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
  }
  setTimeout(tick, workerData.everyMs);
};
setTimeout(tick, workerData.everyMs);
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly current: CheckpointStats = { truncates: 0, log: 0, checkpointed: 0, running: true };
  private readonly onError: (message: string) => void;

  /** Turns off the connection's own checkpoints and starts the thread on the same file. */
  constructor(
    private readonly sqlite: Database.Database,
    opts: CheckpointerOptions = {},
  ) {
    this.onError = opts.onError ?? (() => undefined);
    const everyMs = opts.everyMs ?? 500;
    const restartAboveFrames = opts.restartAboveFrames ?? 16_384;
    // When the log starts over by itself, its file is cut back to this size (64 MB of 4 KB pages).
    sqlite.pragma(`journal_size_limit = ${restartAboveFrames * 4096}`);
    sqlite.pragma('wal_autocheckpoint = 0');
    const driver = opts.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { driver, path: sqlite.name, everyMs, restartAboveFrames } });
    // Never what keeps the process alive; on exit the thread's connection is closed with it.
    this.worker.unref();
    this.worker.on('message', (raw: unknown) => this.receive(raw));
    this.worker.on('error', (err: Error) => this.fail(`the checkpoint thread stopped: ${err.message}`));
  }

  get stats(): CheckpointStats {
    return { ...this.current };
  }

  /** Stops the thread (its connection closes with it). The caller then closes its own connection. */
  stop(): Promise<void> {
    this.current.running = false;
    return this.worker.terminate().then(() => undefined);
  }

  private receive(raw: unknown): void {
    const msg = messageSchema.safeParse(raw);
    if (!msg.success) return;
    if (msg.data.type === 'error') {
      this.onError(`WAL checkpoint failed: ${msg.data.message}`);
      return;
    }
    if (msg.data.mode === 'TRUNCATE') this.current.truncates++;
    this.current.log = msg.data.log;
    this.current.checkpointed = msg.data.checkpointed;
  }

  private fail(message: string): void {
    if (!this.current.running) return;
    this.current.running = false;
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    this.onError(`${message}; SQLite checkpoints on the main thread again`);
  }
}
