/**
 * Verifies the audit trail's hash chain: each event's `prev_hash` is the hash of the event before it (the genesis
 * hash for the first) and its `hash` is sha256(prev_hash + canonical content). Reads row by row through a
 * statement iterator, so memory stays flat however long the trail is.
 */
import type Database from 'better-sqlite3';
import { GENESIS_HASH, auditHash } from './audit.repo';

export type ChainProblem =
  | 'content_changed'
  /** `prev_hash` does not match the hash of the event before it (an event was deleted, inserted or reordered). */
  | 'chain_broken'
  | 'unreadable_details';

export type VerifyResult =
  | { ok: true; checked: number; lastId: number | null; lastHash: string }
  | { ok: false; checked: number; brokenId: number; problem: ChainProblem; detail: string };

interface RawAuditRow {
  id: number;
  at: number;
  release_id: number | null;
  actor: string;
  action: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export function verifyAuditChain(sqlite: Database.Database, onProgress?: (checked: number) => void): VerifyResult {
  const stmt = sqlite.prepare('SELECT id, at, release_id, actor, action, details, prev_hash, hash FROM audit_events ORDER BY id');
  let expectedPrev = GENESIS_HASH;
  let lastId: number | null = null;
  let checked = 0;
  for (const raw of stmt.iterate() as IterableIterator<RawAuditRow>) {
    const fail = (problem: ChainProblem, detail: string): VerifyResult => ({ ok: false, checked, brokenId: raw.id, problem, detail });
    if (raw.prev_hash !== expectedPrev) {
      return fail('chain_broken', `prev_hash ${raw.prev_hash.slice(0, 12)}… does not match the hash of ${lastId === null ? 'the chain start' : `event ${lastId}`} (${expectedPrev.slice(0, 12)}…)`);
    }
    let details: Record<string, unknown>;
    try {
      details = JSON.parse(raw.details) as Record<string, unknown>;
    } catch {
      return fail('unreadable_details', 'details is not valid JSON');
    }
    const computed = auditHash(raw.prev_hash, { id: raw.id, at: raw.at, releaseId: raw.release_id, actor: raw.actor, action: raw.action, details });
    if (computed !== raw.hash) return fail('content_changed', `stored hash ${raw.hash.slice(0, 12)}… but the content hashes to ${computed.slice(0, 12)}…`);
    expectedPrev = raw.hash;
    lastId = raw.id;
    checked += 1;
    if (onProgress && checked % 100_000 === 0) onProgress(checked);
  }
  return { ok: true, checked, lastId, lastHash: expectedPrev };
}
