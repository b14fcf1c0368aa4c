import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy, loadConfig, SAMPLE_POLICY_YAML } from '../../../src/config/index';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('uses the default policy when there is no greenlight.yml', () => {
    const result = loadConfig({ env: {}, cwd: dir });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.policyPath).toBeNull();
    expect(result.config.policy).toEqual(defaultPolicy());
    expect(result.config.env.mode).toBe('sandbox');
    expect(result.config.env.databasePath).toBe(join(dir, 'data', 'greenlight.db'));
  });

  it('reads ./greenlight.yml when present', () => {
    writeFileSync(join(dir, 'greenlight.yml'), SAMPLE_POLICY_YAML);
    const result = loadConfig({ env: {}, cwd: dir });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.policyPath).toBe(join(dir, 'greenlight.yml'));
    expect(result.config.policy.timezone).toBe('Europe/Berlin');
  });

  it('reads GREENLIGHT_POLICY relative to cwd, in preference to ./greenlight.yml', () => {
    writeFileSync(join(dir, 'greenlight.yml'), 'timezone: UTC\n');
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'policy.yml'), 'timezone: Asia/Tokyo\n');
    const result = loadConfig({ env: { GREENLIGHT_POLICY: 'config/policy.yml' }, cwd: dir });
    expect(result.ok && result.config.policy.timezone).toBe('Asia/Tokyo');
    expect(result.ok && result.config.policyPath).toBe(join(dir, 'config', 'policy.yml'));
  });

  it('keeps :memory: as the database path', () => {
    const result = loadConfig({ env: { DATABASE_URL: ':memory:' }, cwd: dir });
    expect(result.ok && result.config.env.databasePath).toBe(':memory:');
  });

  it('fails when GREENLIGHT_POLICY points to a missing file', () => {
    const result = loadConfig({ env: { GREENLIGHT_POLICY: 'missing.yml' }, cwd: dir });
    expect(result).toEqual({
      ok: false,
      errors: [`GREENLIGHT_POLICY: file not found: missing.yml (${join(dir, 'missing.yml')})`],
    });
  });

  it('fails when GREENLIGHT_POLICY is a directory', () => {
    const result = loadConfig({ env: { GREENLIGHT_POLICY: dir }, cwd: dir });
    expect(result).toEqual({ ok: false, errors: [`GREENLIGHT_POLICY: ${dir} is a directory, expected a YAML file`] });
  });

  it('reports environment and policy problems together, one line each', () => {
    writeFileSync(join(dir, 'greenlight.yml'), 'services:\n  payments-api: { channel: payments }\n');
    const result = loadConfig({ env: { PORT: 'eighty', REDIS_URL: 'http://x' }, cwd: dir });
    expect(result).toEqual({
      ok: false,
      errors: [
        'PORT: expected a whole number from 0 to 65535',
        'REDIS_URL: expected a redis:// or rediss:// URL',
        'services.payments-api.channel: expected a channel id like C0123',
      ],
    });
  });

  it('names the policy file in YAML syntax errors', () => {
    writeFileSync(join(dir, 'greenlight.yml'), 'timezone: UTC\nadmins: [U0A\n');
    const result = loadConfig({ env: {}, cwd: dir });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([expect.stringMatching(/^greenlight\.yml: line \d+: /)]);
  });
});
