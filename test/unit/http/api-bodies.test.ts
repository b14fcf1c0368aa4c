/** The API's request body schemas: null means "not given" for optional fields; unknown keys stay errors. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { checkBodySchema, createReleaseBodySchema, deploymentBodySchema } from '../../../src/http/api';
import { RELEASE_BODY } from '../../support/api-samples';

const release = RELEASE_BODY;

describe('API bodies', () => {
  it('take null for each optional field of a release request, and parse it as not given', () => {
    const parsed = createReleaseBodySchema.parse({ ...release, title: null, links: null, commit_time: null, desired_at: null });
    expect(parsed).toMatchObject(release);
    for (const key of ['title', 'links', 'commit_time', 'desired_at'] as const) expect(parsed[key], key).toBeUndefined();
    expectTypeOf<z.output<typeof createReleaseBodySchema>['title']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<z.output<typeof createReleaseBodySchema>['links']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<z.output<typeof createReleaseBodySchema>['commit_time']>().toEqualTypeOf<string | undefined>();
  });

  it('still parse values in those fields as before', () => {
    const parsed = createReleaseBodySchema.parse({ ...release, title: 'T', links: ['https://x.example'], commit_time: '2026-05-01T10:00+0200' });
    expect(parsed).toMatchObject({ title: 'T', links: ['https://x.example'], commit_time: '2026-05-01T08:00:00.000Z' });
  });

  it('take null for url and details of a check, and url of a deployment', () => {
    const check = checkBodySchema.parse({ criterion: 'tests', status: 'passed', url: null, details: null });
    expect(check.url).toBeUndefined();
    expect(check.details).toBeUndefined();
    expect(deploymentBodySchema.parse({ status: 'started', url: null }).url).toBeUndefined();
    expectTypeOf<z.output<typeof checkBodySchema>['url']>().toEqualTypeOf<string | undefined>();
  });

  it('refuse null for required fields', () => {
    expect(createReleaseBodySchema.safeParse({ ...release, changelog: null }).success).toBe(false);
    expect(checkBodySchema.safeParse({ criterion: 'tests', status: null }).success).toBe(false);
    expect(deploymentBodySchema.safeParse({ status: null }).success).toBe(false);
  });

  it('refuse unknown keys, suggesting the known one a typo is closest to', () => {
    const result = createReleaseBodySchema.safeParse({ ...release, rollback_pan: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['rollback_pan'], message: 'unknown key; did you mean rollback_plan?' })]);
    expect(deploymentBodySchema.safeParse({ status: 'started', colour: 'green' }).error?.issues[0]?.message).toBe('unknown key; expected one of status, url');
  });
});
