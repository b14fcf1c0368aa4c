import { describe, expect, it } from 'vitest';
import { LIMITS, fieldErrors, releaseFieldsSchema } from '../../../src/usecases/release-input';

const base = { service: 'payments-api', version: '1.2.3', changelog: 'Fixes', environment: 'production', risk: 'low', rollback_plan: 'Redeploy 1.2.2' };
const link = (i: number, length: number) => `https://ci.example/${String(i)}/${'x'.repeat(length - 21)}`;

describe('release fields', () => {
  it('takes links up to 3,000 characters in all, so /release edit can show them in one Slack text input', () => {
    const links = Array.from({ length: 6 }, (_, i) => link(i, 499));
    expect(links.join('\n').length).toBeLessThanOrEqual(LIMITS.linksText);
    const ok = releaseFieldsSchema.safeParse({ ...base, links });
    expect(ok.success && ok.data.links).toEqual(links);
  });

  it('refuses ten long links whose lines add up to more than 3,000 characters, saying how many there are', () => {
    const links = Array.from({ length: 10 }, (_, i) => link(i, 400));
    expect(links.every((l) => l.length === 400)).toBe(true);
    const res = releaseFieldsSchema.safeParse({ ...base, links });
    expect(res.success).toBe(false);
    if (res.success) return;
    expect(fieldErrors(res.error).links).toBe('Links are 4,009 characters in all, one per line; the limit is 3,000.');
  });
});
