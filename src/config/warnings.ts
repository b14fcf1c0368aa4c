/** Start-up warnings: configuration that works but probably is not what the operator wants. Never refuses start-up. */
import type { Env } from './env';
import { MIN_WEBHOOK_SECRET_BYTES, shortWebhookSecretText, webhookSecretBytes } from './env';
import type { Policy } from './policy';

/**
 * One line when services have a `deploy_webhook` and GREENLIGHT_WEBHOOK_SECRET is unset: their webhooks go out
 * unsigned (each attempt also warns, but only once a deploy happens), so the receiver cannot tell them from forgeries.
 * Null when there is nothing to say.
 */
export function unsignedWebhooksWarning(env: Pick<Env, 'webhookSecret'>, policy: Pick<Policy, 'services'>): string | null {
  if (env.webhookSecret !== null) return null;
  const services = Object.values(policy.services)
    .filter((service) => service.deployWebhook !== null)
    .map((service) => service.name);
  if (services.length === 0) return null;
  return `GREENLIGHT_WEBHOOK_SECRET is not set: the deploy/rollback webhooks of ${services.join(', ')} go out unsigned; set it to a whsec_ secret (Standard Webhooks) so the receivers can verify them`;
}

/** One line when the webhook secret works but is shorter than it should be; null otherwise. */
export function shortWebhookSecretWarning(env: Pick<Env, 'webhookSecret'>): string | null {
  if (env.webhookSecret === null) return null;
  const bytes = webhookSecretBytes(env.webhookSecret);
  return bytes < MIN_WEBHOOK_SECRET_BYTES ? shortWebhookSecretText(bytes) : null;
}

/** Every start-up warning for this configuration, one line each. */
export function configWarnings(config: { env: Pick<Env, 'webhookSecret'>; policy: Pick<Policy, 'services'> }): string[] {
  return [unsignedWebhooksWarning(config.env, config.policy), shortWebhookSecretWarning(config.env)].filter((w): w is string => w !== null);
}
