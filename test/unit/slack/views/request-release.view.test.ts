import { describe, expect, it } from 'vitest';
import type { Release } from '../../../../src/db/release.repo';
import { requestModal } from '../../../../src/slack/views/request-release.view';
import { givenTitle, releaseTitle } from '../../../../src/usecases/release-input';

const now = Date.UTC(2026, 0, 6, 9, 0);

const release: Release = {
  id: 7,
  service: 'payments-api',
  version: '1.4.2',
  title: 'payments-api 1.4.2',
  changelog: 'Caches the basket between steps.',
  environment: 'production',
  risk: 'medium',
  rollbackPlan: 'Redeploy 1.4.1.',
  links: [],
  desiredAt: null,
  commitTime: null,
  requestedBy: 'U0DEV1',
  source: 'slack',
  state: 'review',
  stateChangedAt: now,
  contentRev: 1,
  lastReason: null,
  cardChannel: null,
  cardTs: null,
  scheduledAt: null,
  scheduledBy: null,
  reviewRequired: false,
  idempotencyKey: null,
  createdAt: now,
  updatedAt: now,
};

function titleElement(r: Release): { initial_value?: string } {
  const view = requestModal({ services: ['payments-api'], meta: { mode: 'edit', channel: null, releaseId: r.id, rev: 1 }, release: r, now });
  const block = view.blocks.find((b) => b.block_id === 'title') as { type: string; element?: { initial_value?: string } } | undefined;
  if (block?.type !== 'input' || !block.element) throw new Error('no Title input');
  return block.element;
}

describe('the request modal in edit mode', () => {
  it('leaves Title empty when the release has the generated title, so it follows an edited version', () => {
    expect(titleElement(release).initial_value).toBeUndefined();
    expect(releaseTitle({ service: 'payments-api', version: '1.4.3', title: '' })).toBe('payments-api 1.4.3');
  });

  it('prefills a title someone typed', () => {
    expect(titleElement({ ...release, title: 'Faster checkout' }).initial_value).toBe('Faster checkout');
    expect(titleElement({ ...release, title: 'payments-api 1.4.1' }).initial_value).toBe('payments-api 1.4.1');
  });
});

describe('givenTitle', () => {
  it('is undefined for the generated title and the title otherwise', () => {
    expect(givenTitle(release)).toBeUndefined();
    expect(givenTitle({ ...release, title: 'Faster checkout' })).toBe('Faster checkout');
  });
});
