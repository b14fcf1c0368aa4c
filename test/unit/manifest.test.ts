/**
 * manifest.yml is valid against Slack's published app-manifest JSON schema (slackapi/manifest-schema, copied to
 * ../shared/slack-fixtures) and consistent with the code: every Web API method the notifier calls is covered by a
 * declared scope, every declared scope is used, and the only command and event are the ones Greenlight handles.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';

// A copy of ../shared/slack-fixtures (see its SOURCES.md), so a clone tests on its own.
const FIXTURES = new URL('../fixtures/slack/', import.meta.url);
const MANIFEST_URL = new URL('../../manifest.yml', import.meta.url);
const NOTIFIER_URL = new URL('../../src/notifier/notifier.ts', import.meta.url);

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as unknown;
}

/**
 * The root schema (manifest.schema.root.json) picks a versioned schema by `_metadata.major_version` and refers to
 * each by its raw.githubusercontent.com URL; register the local copies under exactly those URLs.
 */
function compileManifestValidator(): ValidateFunction {
  const root = readJson('manifest.schema.root.json');
  const refs = [...JSON.stringify(root).matchAll(/"\$ref":"([^"]*\/manifest\.schema\.(\d+\.\d+\.\d+)\.json)"/g)];
  const versioned = new Map(refs.map((m) => [m[1] as string, `manifest.schema.${m[2] as string}.json`]));
  if (versioned.size === 0) throw new Error('the root manifest schema references no versioned schema');
  // The schema carries non-standard annotations (`regex`, `requires`, `_note`, examples): not strict.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const [uri, file] of versioned) ajv.addSchema(readJson(file) as object, uri);
  return ajv.compile(root as object);
}

const validate = compileManifestValidator();

function schemaErrors(data: unknown): ErrorObject[] {
  return validate(data) ? [] : [...(validate.errors ?? [])];
}

const manifestText = readFileSync(MANIFEST_URL, 'utf8');
const manifestData: unknown = parse(manifestText);

/** The part of the manifest the consistency checks read (the JSON schema has validated the whole). */
const manifestSchema = z.object({
  _metadata: z.object({ major_version: z.number() }),
  display_information: z.object({ name: z.string(), description: z.string(), long_description: z.string(), background_color: z.string() }),
  features: z.object({
    app_home: z.object({ home_tab_enabled: z.boolean(), messages_tab_enabled: z.boolean(), messages_tab_read_only_enabled: z.boolean() }),
    bot_user: z.object({ display_name: z.string(), always_online: z.boolean() }),
    slash_commands: z.array(
      z.object({ command: z.string(), description: z.string(), usage_hint: z.string(), should_escape: z.boolean(), url: z.string().optional() }),
    ),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()), user: z.array(z.string()).optional() }) }),
  settings: z.object({
    event_subscriptions: z.object({ bot_events: z.array(z.string()), request_url: z.string().optional(), user_events: z.array(z.string()).optional() }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string().optional() }),
    org_deploy_enabled: z.boolean(),
    socket_mode_enabled: z.boolean(),
    token_rotation_enabled: z.boolean(),
  }),
});
const manifest = manifestSchema.parse(manifestData);

/** Web API method → the bot scope it needs (null: none). Extend it when the notifier starts calling a new method. */
const METHOD_SCOPES: Readonly<Record<string, string | null>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
  'views.open': null,
  'views.update': null,
  'views.publish': null,
  'views.push': null,
  'auth.test': null,
};

/** Web API methods called as `this.client.<family>.<method>(` in the notifier, the one place that talks to Slack. */
function notifierMethods(): string[] {
  const source = readFileSync(NOTIFIER_URL, 'utf8');
  return [...new Set([...source.matchAll(/this\.client\.([a-zA-Z]+(?:\.[a-zA-Z]+)+)\(/g)].map((m) => m[1] as string))].sort();
}

describe('Slack manifest schema (slackapi/manifest-schema)', () => {
  it('accepts manifest.yml', () => {
    expect(schemaErrors(manifestData)).toEqual([]);
  });

  it('accepts the known-good fixtures', () => {
    expect(schemaErrors(readJson('CONSTRUCTED.manifest.http_mode_bot.json'))).toEqual([]);
    expect(schemaErrors(readJson('manifest.v1.valid.manifest-schema.json'))).toEqual([]);
  });

  it('rejects the known-bad fixture, naming the unknown setting', () => {
    const errors = schemaErrors(readJson('manifest.v1.invalid.manifest-schema.json'));
    expect(errors).toContainEqual(
      expect.objectContaining({ instancePath: '/settings', keyword: 'additionalProperties', params: { additionalProperty: 'bad_param' } }),
    );
  });

  it('rejects manifest.yml once it breaks a limit of the schema', () => {
    const tooLongName = { ...manifest, display_information: { ...manifest.display_information, name: 'G'.repeat(36) } };
    expect(schemaErrors(tooLongName)).toContainEqual(
      expect.objectContaining({ instancePath: '/display_information/name', keyword: 'maxLength' }),
    );
    const badCommand = { ...manifest, features: { ...manifest.features, slash_commands: [{ command: 'release', description: 'x' }] } };
    expect(schemaErrors(badCommand)).toContainEqual(expect.objectContaining({ instancePath: '/features/slash_commands/0/command', keyword: 'pattern' }));
  });

  it('uses a background colour matching the schema’s (non-validating) `regex` annotation', () => {
    const v1 = z
      .object({ definitions: z.record(z.string(), z.unknown()) })
      .parse(readJson('manifest.schema.1.0.0.json'));
    const display = z
      .object({ properties: z.object({ background_color: z.object({ regex: z.string() }) }) })
      .parse(v1.definitions['app-manifests.v1.display_information.schema']);
    const pattern = new RegExp(display.properties.background_color.regex);
    expect(pattern.test(manifest.display_information.background_color)).toBe(true);
    expect(pattern.test('green')).toBe(false);
  });
});

describe('manifest.yml content', () => {
  it('describes Greenlight', () => {
    expect(manifest.display_information.name).toBe('Greenlight');
    expect(manifest.features.bot_user).toEqual({ display_name: 'greenlight', always_online: true });
    expect(manifest._metadata.major_version).toBe(1);
  });

  it('has an App Home and a read-only messages tab for the DMs Greenlight sends', () => {
    expect(manifest.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true });
  });

  it('declares /release as the only slash command, with every subcommand in its usage hint', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/release']);
    const [release] = manifest.features.slash_commands;
    expect(release?.should_escape).toBe(false);
    const hint = release?.usage_hint ?? '';
    expect(hint.startsWith('[') && hint.endsWith(']')).toBe(true);
    expect(
      hint
        .slice(1, -1)
        .split('|')
        .map((s) => s.trim()),
    ).toEqual([
      'help',
      'list',
      'status REL-n',
      'edit REL-n',
      'cancel REL-n',
      'schedule REL-n',
      'roles',
      'windows',
      'freeze',
      'calendar',
      'stats',
      'why REL-n',
      'audit REL-n',
    ]);
  });

  it('subscribes to app_home_opened only', () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.event_subscriptions.user_events).toBeUndefined();
  });

  it('runs in Socket Mode with interactivity on, so it declares no request URLs', () => {
    expect(manifest.settings).toEqual({
      event_subscriptions: { bot_events: ['app_home_opened'] },
      interactivity: { is_enabled: true },
      org_deploy_enabled: false,
      socket_mode_enabled: true,
      token_rotation_enabled: false,
    });
    expect(manifest.features.slash_commands[0]?.url).toBeUndefined();
  });

  it('documents how to switch to HTTP mode', () => {
    expect(manifestText).toContain('socket_mode_enabled: false');
    expect(manifestText.match(/https:\/\/YOUR-HOST\/slack\/events/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
  });

  it('asks for exactly the bot scopes Greenlight uses and no user scopes', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(['commands', 'chat:write', 'chat:write.public', 'im:write', 'users:read', 'usergroups:read']);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });
});

describe('manifest scopes match the code', () => {
  const methods = notifierMethods();
  const declared = new Set(manifest.oauth_config.scopes.bot);

  it('finds the notifier’s Web API calls', () => {
    expect(methods).toContain('chat.postMessage');
    expect(methods).toContain('usergroups.users.list');
    expect(methods).not.toContain('on');
  });

  it('knows the scope of every method the notifier calls', () => {
    expect(methods.filter((m) => !(m in METHOD_SCOPES))).toEqual([]);
  });

  it('declares the scope of every method the notifier calls', () => {
    const missing = methods.filter((m) => {
      const scope = METHOD_SCOPES[m];
      return scope !== null && scope !== undefined && !declared.has(scope);
    });
    expect(missing).toEqual([]);
  });

  it('declares no scope that nothing needs', () => {
    const needed = new Set(methods.map((m) => METHOD_SCOPES[m]).filter((s): s is string => typeof s === 'string'));
    if (manifest.features.slash_commands.length > 0) needed.add('commands');
    // chat.postMessage into a public channel the app was never invited to (a service's channel) needs it too
    if (methods.includes('chat.postMessage')) needed.add('chat:write.public');
    expect([...declared].filter((s) => !needed.has(s))).toEqual([]);
    expect([...needed].sort()).toEqual([...declared].sort());
  });
});
