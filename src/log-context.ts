/**
 * Per-request log fields. An HTTP request runs inside `runWithLogContext({ req_id })`, and every log line written
 * while it is handled (the route, Bolt's listeners, the use cases they call, card updates they queue) carries
 * those fields through the logger's `mixin`, without threading a child logger through every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  req_id?: string;
  release?: number;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(ctx: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ctx }, fn);
}

/** The fields to add to the current log line (an empty object outside any request). */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

/** Records the release the current request is about, so the lines after it name it. */
export function noteRelease(releaseId: number): void {
  const store = storage.getStore();
  if (store) store.release = releaseId;
}
