/** Fake Slack: Web API server, Block Kit validator and a signed request driver. */
export * from './server.js';
export * from './driver.js';
export { validateBlocks, validateView, LIMITS, type Surface } from './blockkit.js';
export type { JsonObject, JsonValue } from './json.js';
