import { describe, expect, it } from 'vitest';
import { configWarnings, parseEnv, parsePolicyText, unsignedWebhooksWarning } from '../../../src/config/index';
import type { Policy } from '../../../src/config/index';

function policy(yaml: string): Policy {
  const result = parsePolicyText(yaml, 'test.yml');
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.policy;
}

const WITH_WEBHOOKS = policy(
  [
    'services:',
    '  payments-api: { deploy_webhook: https://deploy.example/hooks/payments }',
    '  search: {}',
    '  billing: { deploy_webhook: https://deploy.example/hooks/billing }',
    '',
  ].join('\n'),
);

describe('start-up warnings', () => {
  it('one line naming GREENLIGHT_WEBHOOK_SECRET and every service with a deploy_webhook when the secret is unset', () => {
    const warnings = configWarnings({ env: { webhookSecret: null }, policy: WITH_WEBHOOKS });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      'GREENLIGHT_WEBHOOK_SECRET is not set: the deploy/rollback webhooks of payments-api, billing go out unsigned; set it to a whsec_ secret (Standard Webhooks) so the receivers can verify them',
    );
    expect(warnings[0]).not.toContain('search');
  });

  it('a short secret that signs is warned about, not refused', () => {
    const short = `whsec_${Buffer.from('fifteen bytes!!').toString('base64')}`;
    expect(parseEnv({ GREENLIGHT_WEBHOOK_SECRET: short })).toMatchObject({ ok: true });
    expect(configWarnings({ env: { webhookSecret: short }, policy: WITH_WEBHOOKS })).toEqual([
      'GREENLIGHT_WEBHOOK_SECRET is short: its base64 decodes to 15 bytes; use at least 16 random bytes, e.g. whsec_ followed by the output of `openssl rand -base64 32`',
    ]);
    expect(configWarnings({ env: { webhookSecret: 'whsec_AA==' }, policy: WITH_WEBHOOKS })[0]).toContain('decodes to 1 byte;');
  });

  it('nothing when the secret is set, or when no service has a webhook', () => {
    expect(configWarnings({ env: { webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, policy: WITH_WEBHOOKS })).toEqual([]);
    expect(unsignedWebhooksWarning({ webhookSecret: null }, policy('services:\n  search: {}\n'))).toBeNull();
    expect(unsignedWebhooksWarning({ webhookSecret: null }, policy('timezone: UTC\n'))).toBeNull();
  });
});
