/** The OpenAPI document matches the router (every route, nothing extra) and the zod schemas it was generated from. */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { apiRouter, checkBodySchema, createReleaseBodySchema, deploymentBodySchema, isoInstant } from '../../../src/http/api';
import { RELEASE_BODY } from '../../support/api-samples';
import { ROUTES, openApiDocument, openApiPath } from '../../../src/http/openapi';
import type { Deps } from '../../../src/usecases/deps';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** `METHOD /path` of every route registered on the /api/v1 router (express 5 keeps them on `router.stack`). */
function registeredRoutes(): string[] {
  const router = apiRouter({} as unknown as Deps, 'x'.repeat(32)) as unknown as { stack: Layer[] };
  const out: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${openApiPath(path)}`);
  }
  return out.sort();
}

interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
        parameters?: { name: string; in: string; description: string; schema: Record<string, unknown> }[];
        responses: Record<string, unknown>;
      }
    >
  >;
  components: { schemas: Record<string, Record<string, unknown>> };
}

const doc = JSON.parse(JSON.stringify(openApiDocument())) as Doc;

function documented(): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 JSON', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
  });

  it('documents every route registered on the /api/v1 router, and nothing else', () => {
    const routes = registeredRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(5);
    // openapi.json itself is mounted in server.ts, in front of the router (it needs no token).
    expect(documented()).toEqual([...routes, 'GET /openapi.json'].sort());
  });

  it('every response and request body schema it references exists', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/([^"]+)/.exec(ref)?.[1];
      expect(name && doc.components.schemas[name], ref).toBeTruthy();
    }
  });

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const bodySchema = (path: string) => {
    const ref = doc.paths[path]?.post?.requestBody?.content['application/json']?.schema.$ref ?? '';
    const name = ref.replace('#/components/schemas/', '');
    const schema = doc.components.schemas[name];
    if (!schema) throw new Error(`no request body schema for ${path}`);
    return ajv.compile(schema);
  };

  const release = RELEASE_BODY;
  const releaseSamples: [string, unknown][] = [
    ['minimal', release],
    ['with every optional field', { ...release, title: 'T', links: ['https://x.example'], commit_time: '2026-05-01T10:00:00Z', desired_at: '2026-05-02T10:00:00+02:00' }],
    ['missing rollback_plan', { ...release, rollback_plan: undefined }],
    ['an unknown field', { ...release, extra: 1 }],
    ['a user name instead of an id', { ...release, requested_by: 'alice' }],
    ['a date without a time', { ...release, commit_time: '2026-05-01' }],
    ['a commit time without seconds', { ...release, commit_time: '2026-05-01T10:00Z' }],
    ['a commit time with +0200', { ...release, commit_time: '2026-05-01T10:00:00+0200' }],
    ['a commit time without an offset', { ...release, commit_time: '2026-05-01T10:00' }],
    ['a commit time that is only a time', { ...release, commit_time: '10:00' }],
    ['a commit time in words', { ...release, commit_time: 'yesterday' }],
    ['a number as version', { ...release, version: 2 }],
    ['links not a list', { ...release, links: 'https://x.example' }],
    ['not an object', 'release please'],
    ['null for every optional field', { ...release, title: null, links: null, commit_time: null, desired_at: null }],
    ['null for a required field', { ...release, changelog: null }],
    ['null inside links', { ...release, links: [null] }],
  ];

  it.each(releaseSamples)('POST /releases body, %s: the JSON Schema and zod agree', (_name, sample) => {
    const body = JSON.parse(JSON.stringify(sample ?? null)) as unknown;
    expect(bodySchema('/releases')(body)).toBe(createReleaseBodySchema.safeParse(body).success);
  });

  const checkSamples: [string, unknown][] = [
    ['passed', { criterion: 'tests', status: 'passed' }],
    ['failed with url and details', { criterion: 'security', status: 'failed', url: 'https://ci.example/run/1', details: 'CVE-1' }],
    ['an unknown criterion', { criterion: 'vibes', status: 'passed' }],
    ['status ok', { criterion: 'tests', status: 'ok' }],
    ['a javascript: url', { criterion: 'tests', status: 'passed', url: 'javascript:alert(1)' }],
    ['an ftp url', { criterion: 'tests', status: 'passed', url: 'ftp://files.example/x' }],
    ['details too long', { criterion: 'tests', status: 'passed', details: 'x'.repeat(2001) }],
    ['an unknown field', { criterion: 'tests', status: 'passed', by: 'ci' }],
    ['url and details null', { criterion: 'tests', status: 'passed', url: null, details: null }],
    ['status null', { criterion: 'tests', status: null }],
  ];

  it.each(checkSamples)('POST /releases/{id}/checks body, %s: the JSON Schema and zod agree', (_name, sample) => {
    expect(bodySchema('/releases/{id}/checks')(sample)).toBe(checkBodySchema.safeParse(sample).success);
  });

  const deploymentSamples: [string, unknown][] = [
    ['succeeded', { status: 'succeeded' }],
    ['started with a url', { status: 'started', url: 'https://deploy.example/runs/7' }],
    ['an unknown status', { status: 'done' }],
    ['a url without http', { status: 'failed', url: 'mailto:ops@example.com' }],
    ['no status', { url: 'https://deploy.example/runs/7' }],
    ['url null', { status: 'succeeded', url: null }],
  ];

  it.each(deploymentSamples)('POST /releases/{id}/deployments body, %s: the JSON Schema and zod agree', (_name, sample) => {
    expect(bodySchema('/releases/{id}/deployments')(sample)).toBe(deploymentBodySchema.safeParse(sample).success);
  });

  it('the samples cover both answers', () => {
    expect(deploymentSamples.map(([, s]) => deploymentBodySchema.safeParse(s).success)).toEqual([true, true, false, false, false, true]);
    expect(releaseSamples.map(([, s]) => createReleaseBodySchema.safeParse(JSON.parse(JSON.stringify(s ?? null))).success)).toContain(true);
    expect(releaseSamples.map(([, s]) => createReleaseBodySchema.safeParse(JSON.parse(JSON.stringify(s ?? null))).success)).toContain(false);
    expect(checkSamples.map(([, s]) => checkBodySchema.safeParse(s).success)).toContain(true);
    expect(checkSamples.map(([, s]) => checkBodySchema.safeParse(s).success)).toContain(false);
  });

  describe('GET /audit', () => {
    const audit = doc.paths['/audit']?.get;
    const param = (name: string) => audit?.parameters?.find((p) => p.name === name);

    it('says since/until take any ISO 8601 date or date-time, read as UTC without an offset', () => {
      for (const name of ['since', 'until']) {
        expect(param(name)?.schema.format, name).toBeUndefined();
        expect(param(name)?.description, name).toContain('read as UTC');
      }
      expect(doc.components.schemas.CreateReleaseBody?.properties).toMatchObject({ commit_time: { description: expect.stringContaining('UTC') } });
    });

    it.each(['2026-01-01', '2026-01-01T10:00Z', '2026-01-01T10:00:00+0200', '2026-01-01T10:00', '10:00', '1000Z', 'yesterday', '2026-01-01T10:00:00Z[Europe/Berlin]', ''])(
      'since %j: the parameter schema and the API agree',
      (text) => {
        expect(ajv.validate(param('since')?.schema ?? {}, text)).toBe(isoInstant.safeParse(text).success);
      },
    );

    it('says next is passed back as next, after or cursor, and documents all three', () => {
      expect(param('after')).toBeDefined();
      expect(param('cursor')?.description).toContain('after');
      expect(param('next')).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 0 } });
      expect(param('next')?.description).toContain('after');
      const next = (doc.components.schemas.AuditPage?.properties as Record<string, { description?: string }> | undefined)?.next;
      expect(next?.description).toContain('`next`');
      expect(next?.description).toContain('`after`');
      expect(next?.description).toContain('`cursor`');
    });

    it('says since/until take a + that arrived as a space', () => {
      for (const name of ['since', 'until']) expect(param(name)?.description, name).toContain('space');
      expect(ajv.validate(param('since')?.schema ?? {}, '2026-01-01T10:00:00 02:00')).toBe(true);
    });
  });

  it('marks the optional body fields that take null as nullable, saying what null means', () => {
    const props = (id: string) => doc.components.schemas[id]?.properties as Record<string, Record<string, unknown>>;
    const nullable = (p: Record<string, unknown> | undefined) =>
      (Array.isArray(p?.type) && (p.type as unknown[]).includes('null')) || (Array.isArray(p?.anyOf) && (p.anyOf as { type?: unknown }[]).some((b) => b.type === 'null'));
    for (const [id, keys] of [
      ['CreateReleaseBody', ['title', 'links', 'commit_time', 'desired_at']],
      ['CheckBody', ['url', 'details']],
      ['DeploymentBody', ['url']],
    ] as const) {
      for (const key of keys) {
        expect(nullable(props(id)[key]), `${id}.${key}`).toBe(true);
        expect(props(id)[key]?.description, `${id}.${key}`).toContain('null');
      }
    }
    expect(nullable(props('CreateReleaseBody').changelog)).toBe(false);
    expect(props('CreateReleaseBody').commit_time?.description).toContain('read as UTC');
    expect(doc.components.schemas.CreateReleaseBody?.additionalProperties).toBe(false);
  });

  it('every route in the table has at least one response', () => {
    for (const r of ROUTES) expect(Object.keys(r.responses).length, `${r.method} ${r.path}`).toBeGreaterThan(0);
  });
});
