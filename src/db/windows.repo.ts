/** Deploy windows edited in Slack (one row per environment), layered over the policy file's. */
import type { WindowSpec } from '../config/policy';
import { storedWindowSpecSchema } from '../config/window-text';
import { ENVIRONMENTS } from '../domain/types';
import type { Environment } from '../domain/types';
import type { DbOrTx } from './client';
import { prepared } from './prepared';
import { windowOverrides } from './schema';

export interface WindowOverride {
  environment: Environment;
  spec: WindowSpec;
  updatedBy: string;
  updatedAt: number;
}

const allWindowOverrides = prepared((db) => db.select().from(windowOverrides).prepare());

/** The stored overrides by environment; a row that no longer parses (unknown environment, bad JSON) is ignored. */
export function windowOverridesByEnvironment(tx: DbOrTx): Partial<Record<Environment, WindowOverride>> {
  const out: Partial<Record<Environment, WindowOverride>> = {};
  for (const row of allWindowOverrides(tx).all()) {
    const environment = ENVIRONMENTS.find((e) => e === row.environment);
    const spec = storedWindowSpecSchema.safeParse(row.spec);
    if (environment === undefined || !spec.success) continue;
    out[environment] = { environment, spec: spec.data, updatedBy: row.updatedBy, updatedAt: row.updatedAt };
  }
  return out;
}

export function setWindowOverride(tx: DbOrTx, environment: Environment, spec: WindowSpec, by: string, at: number): void {
  tx.insert(windowOverrides)
    .values({ environment, spec, updatedBy: by, updatedAt: at })
    .onConflictDoUpdate({ target: windowOverrides.environment, set: { spec, updatedBy: by, updatedAt: at } })
    .run();
}
