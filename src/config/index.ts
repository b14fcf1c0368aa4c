import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Env } from './env';
import { parseEnv, pickEnv } from './env';
import type { Policy } from './policy';
import { defaultPolicy, parsePolicyText } from './policy';

export * from './duration';
export * from './env';
export * from './errors';
export * from './policy';
export { SAMPLE_POLICY_YAML } from './sample-policy';
export * from './warnings';

export const DEFAULT_POLICY_FILE = 'greenlight.yml';

export interface Config {
  /** `databasePath` is resolved against `cwd` (unless `:memory:`). */
  env: Env;
  policy: Policy;
  /** Absolute path of the policy file in use, or null for the built-in default policy. */
  policyPath: string | null;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

function readPolicy(path: string, label: string, sourceName: string): { policy: Policy } | { errors: string[] } {
  let text: string;
  try {
    if (statSync(path).isDirectory()) return { errors: [`${label}: ${path} is a directory, expected a YAML file`] };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { errors: [`${label}: cannot read ${path}: ${reason}`] };
  }
  const result = parsePolicyText(text, sourceName);
  return result.ok ? { policy: result.policy } : { errors: result.errors };
}

/**
 * Environment + policy file. `GREENLIGHT_POLICY` (relative to `cwd`) must exist when set; otherwise
 * `./greenlight.yml` is used if present, else the default policy. Every problem is reported, one line each.
 */
export function loadConfig(options: { env: NodeJS.ProcessEnv; cwd: string }): ConfigResult {
  const errors: string[] = [];
  const envResult = parseEnv(options.env);
  if (!envResult.ok) errors.push(...envResult.errors);

  const configured = pickEnv(options.env).GREENLIGHT_POLICY;
  let policyPath: string | null = null;
  let policy: Policy | null = null;
  if (configured !== undefined) {
    const path = resolve(options.cwd, configured);
    if (!existsSync(path)) {
      errors.push(`GREENLIGHT_POLICY: file not found: ${configured}${isAbsolute(configured) ? '' : ` (${path})`}`);
    } else {
      const read = readPolicy(path, 'GREENLIGHT_POLICY', configured);
      if ('errors' in read) errors.push(...read.errors);
      else ({ policy } = read);
      policyPath = path;
    }
  } else {
    const path = resolve(options.cwd, DEFAULT_POLICY_FILE);
    if (existsSync(path)) {
      const read = readPolicy(path, DEFAULT_POLICY_FILE, DEFAULT_POLICY_FILE);
      if ('errors' in read) errors.push(...read.errors);
      else ({ policy } = read);
      policyPath = path;
    } else {
      policy = defaultPolicy();
    }
  }

  if (!envResult.ok || policy === null || errors.length > 0) return { ok: false, errors };
  const env = envResult.env;
  const databasePath = env.databasePath === ':memory:' ? env.databasePath : resolve(options.cwd, env.databasePath);
  return { ok: true, config: { env: { ...env, databasePath }, policy, policyPath } };
}

/** For entry points: the configuration, or null after printing one line per problem and setting exit code 1. */
export function loadConfigOrReport(env: NodeJS.ProcessEnv, cwd: string): Config | null {
  const loaded = loadConfig({ env, cwd });
  if (loaded.ok) return loaded.config;
  for (const line of loaded.errors) process.stderr.write(`${line}\n`);
  process.exitCode = 1;
  return null;
}
