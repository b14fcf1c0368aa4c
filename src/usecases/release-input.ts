/** The fields of a release request, validated the same way whether they come from the modal or the API. */
import { z } from 'zod';
import { ENVIRONMENTS, RISKS } from '../domain/types';

/** `linksText`: the links one per line, as `/release edit` shows them in a Slack text input (3,000 characters at most). */
export const LIMITS = { version: 64, title: 150, changelog: 3000, rollbackPlan: 3000, links: 10, link: 500, linksText: 3000 } as const;

const trimmed = (label: string, max: number) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, `${label} is required.`)
        .max(max, { error: (i) => `${label} is ${(i.input as string).length.toLocaleString('en-US')} characters; the limit is ${max.toLocaleString('en-US')}.` }),
    );

const httpUrl = z
  .string()
  .trim()
  .max(LIMITS.link, `Each link must be at most ${LIMITS.link} characters.`)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !/[\s<>|]/.test(s);
    } catch {
      return false;
    }
  }, 'Links must be http(s) URLs, one per line.');

export const releaseFieldsSchema = z.object({
  service: z.string().trim().min(1, 'Service is required.').max(64, 'Service names are at most 64 characters.'),
  version: trimmed('Version', LIMITS.version).refine((v) => !/\s/.test(v), 'Version cannot contain spaces.'),
  title: z.string().trim().max(LIMITS.title, `Title must be at most ${LIMITS.title} characters.`).optional(),
  changelog: trimmed('Changelog', LIMITS.changelog),
  environment: z.enum(ENVIRONMENTS, { error: 'Environment must be staging or production.' }),
  risk: z.enum(RISKS, { error: 'Risk must be low, medium or high.' }),
  rollback_plan: trimmed('Rollback plan', LIMITS.rollbackPlan),
  links: z
    .array(httpUrl)
    .max(LIMITS.links, `At most ${LIMITS.links} links.`)
    .refine((ls) => ls.join('\n').length <= LIMITS.linksText, {
      error: (i) => `Links are ${(i.input as string[]).join('\n').length.toLocaleString('en-US')} characters in all, one per line; the limit is ${LIMITS.linksText.toLocaleString('en-US')}.`,
    })
    .default([]),
  desired_at: z.number().int().nullable().default(null),
});
export type ReleaseFields = z.infer<typeof releaseFieldsSchema>;
/** Raw fields as typed or sent: environment and risk are still free text until validated. */
export type ReleaseFieldsInput = Omit<z.input<typeof releaseFieldsSchema>, 'environment' | 'risk'> & { environment: string; risk: string };

/** The title generated for a release requested without one: `service version`. */
export function defaultTitle(r: { service: string; version: string }): string {
  return `${r.service} ${r.version}`;
}

/** The title a release shows: the one given, else `service version`. */
export function releaseTitle(f: Pick<ReleaseFields, 'service' | 'version' | 'title'>): string {
  return f.title || defaultTitle(f);
}

/**
 * The title someone gave a stored release, or `undefined` when it is the generated one (requested without a title,
 * from Slack or the API): an edit leaves that one to follow the service and version instead of freezing it.
 */
export function givenTitle(r: { service: string; version: string; title: string }): string | undefined {
  return r.title === defaultTitle(r) ? undefined : r.title;
}

/** The `releases` columns that come from validated request fields (create and edit store them the same way). */
export function releaseColumns(f: ReleaseFields) {
  return {
    service: f.service,
    version: f.version,
    title: releaseTitle(f),
    changelog: f.changelog,
    environment: f.environment,
    risk: f.risk,
    rollbackPlan: f.rollback_plan,
    links: f.links,
    desiredAt: f.desired_at,
  };
}

/** Field name → first message, from a zod error. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '_');
    out[key] ??= issue.message;
  }
  return out;
}

/** Checks that need context: a known service, a desired time in the future. */
export function contextErrors(
  fields: ReleaseFields,
  ctx: { services: readonly string[]; now: number },
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (ctx.services.length > 0 && !ctx.services.includes(fields.service)) {
    errors.service = `Unknown service "${fields.service}". Known services: ${ctx.services.join(', ')}.`;
  } else if (ctx.services.length === 0 && !/^[a-z0-9][a-z0-9._-]*$/i.test(fields.service)) {
    errors.service = 'Service names use letters, digits, dots, dashes and underscores.';
  }
  if (fields.desired_at !== null) {
    if (fields.desired_at < ctx.now) errors.desired_at = 'Deploy date and time is in the past. Pick a time in the future.';
    else if (fields.desired_at > ctx.now + 366 * 86_400_000) errors.desired_at = 'Deploy date and time must be within a year.';
  }
  return errors;
}
