/** A person (modal) or CI (API) asks for a release: validate, create REL-n once, post its card, confirm. */
import { inTransaction } from '../db/client';
import { appendAudit } from '../db/audit.repo';
import type { Release } from '../db/release.repo';
import { findReleaseByIdempotencyKey, getRelease, insertRelease } from '../db/release.repo';
import { STATE_LABELS } from '../domain/types';
import { firstStage } from '../domain/workflow';
import { esc, escTrunc, mention, relId } from '../slack/format';
import type { Deps } from './deps';
import type { ReleaseFields, ReleaseFieldsInput } from './release-input';
import { contextErrors, fieldErrors, releaseColumns, releaseFieldsSchema } from './release-input';
import { rulesFor } from './roles';

export interface RequestInput {
  fields: ReleaseFieldsInput;
  requestedBy: string;
  source: 'slack' | 'api';
  /** The modal's view id or the API's Idempotency-Key: the same key creates one release. */
  idempotencyKey?: string | null;
  /** Where /release was typed, used when neither the service nor the policy names a channel. */
  originChannel?: string | null;
  commitTime?: number | null;
}

export type RequestResult =
  | { kind: 'created'; release: Release }
  | { kind: 'duplicate'; release: Release }
  | { kind: 'invalid'; errors: Record<string, string> };

export function validateRelease(deps: Pick<Deps, 'policy' | 'now'>, input: ReleaseFieldsInput): { ok: true; fields: ReleaseFields } | { ok: false; errors: Record<string, string> } {
  const parsed = releaseFieldsSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const errors = contextErrors(parsed.data, { services: Object.keys(deps.policy.services), now: deps.now() });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, fields: parsed.data };
}

/** Validates and creates the release (synchronously, in one transaction). Announce it with `announceRequest`. */
export function createRelease(deps: Deps, input: RequestInput): RequestResult {
  const valid = validateRelease(deps, input.fields);
  if (!valid.ok) return { kind: 'invalid', errors: valid.errors };
  const f = valid.fields;
  const now = deps.now();
  return inTransaction(deps.db, (tx) => {
    if (input.idempotencyKey) {
      const existing = findReleaseByIdempotencyKey(tx, input.idempotencyKey);
      if (existing) return { kind: 'duplicate', release: existing } as const;
    }
    const release = insertRelease(tx, {
      ...releaseColumns(f),
      commitTime: input.commitTime ?? null,
      requestedBy: input.requestedBy,
      source: input.source,
      // the first stage of the service's workflow (one without review starts in QA, sign-off or scheduling)
      state: firstStage(rulesFor(deps.policy, f.service)),
      idempotencyKey: input.idempotencyKey ?? null,
      cardChannel: deps.cards.channelFor(f.service, input.originChannel ?? null),
      createdAt: now,
    });
    appendAudit(tx, {
      at: now,
      releaseId: release.id,
      actor: input.requestedBy,
      action: 'release.requested',
      details: { service: f.service, version: f.version, environment: f.environment, risk: f.risk, source: input.source },
    });
    return { kind: 'created', release } as const;
  });
}

/** Posts the card and its first thread reply, and confirms to the requester by DM. */
export async function announceRequest(deps: Deps, release: Release): Promise<void> {
  if (!release.cardChannel) {
    deps.logger.warn({ release: release.id }, 'no channel for the release card: set channels.releases or the service channel');
  }
  await deps.cards.refresh(release.id);
  void deps.timers.syncRelease(release.id);
  await deps.cards.thread(release.id, `:inbox_tray: ${mention(release.requestedBy)} requested this release. ${STATE_LABELS[firstStage(rulesFor(deps.policy, release.service))]} is next.`);
  // Only where the card really is: Slack refuses a post to a private channel the app is not in (not_in_channel).
  const posted = getRelease(deps.db, release.id)?.cardTs;
  const where = !release.cardChannel
    ? ''
    : posted
      ? ` Its card is in <#${release.cardChannel}>.`
      : ` Its card could not be posted in <#${release.cardChannel}>: invite Greenlight there (\`/invite @Greenlight\`) and it is posted at the release's next change; \`/release status ${relId(release.id)}\` shows it meanwhile.`;
  try {
    await deps.slack.dm(release.requestedBy, {
      text: `:inbox_tray: Your release ${relId(release.id)} (${esc(release.service)} ${escTrunc(release.version, 64)}, ${release.environment}) is requested.${where} I'll keep you posted here.`,
      releaseId: release.id,
    });
  } catch (err) {
    deps.logger.warn({ release: release.id, err: (err as Error).message }, 'could not confirm the request by DM');
  }
}
