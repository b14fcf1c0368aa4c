/**
 * The container files, checked by reading them (there is no Docker engine in CI): every COPY source exists and
 * reaches the build context, the image runs unprivileged with a health check, dependency installs are cached
 * on the lockfile, and docker-compose.yml runs Greenlight next to a Redis that BullMQ can rely on.
 * When `hadolint` is on PATH it lints the Dockerfile too; it is not required.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Dockerfile → instructions (comments dropped, `\` continuations joined), grouped by stage. */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (pending === null && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending !== null && trimmed.startsWith('#')) return; // comment lines inside a continuation
    const continues = trimmed.endsWith('\\');
    const body = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending === null ? { text: body, line: index + 1 } : { text: `${pending.text} ${body}`, line: pending.line };
    if (!continues) {
      const match = /^(\S+)\s*(.*)$/.exec(pending.text);
      if (match) instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: match[2] ?? '', line: pending.line });
      pending = null;
    }
  });

  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => args[a ?? b ?? ''] ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' && name ? name : null, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key = '', value = ''] = instruction.args.split('=', 2);
      args[key.trim()] = value.trim();
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** COPY/ADD arguments without flags: sources…, destination. Handles the JSON form too. */
function copyArgs(args: string): { flags: string[]; sources: string[]; dest: string } {
  const words = args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: paths.slice(0, -1), dest: paths[paths.length - 1] ?? '' };
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const finalStage = dockerfile.stages[dockerfile.stages.length - 1];
const dockerignore = read('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

function instructionsOf(stage: Stage | undefined, keyword: string): Instruction[] {
  return stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
}

describe('Dockerfile', () => {
  it('is multi-stage and the final stage is node:20-bookworm-slim', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(finalStage?.from).toBe('node:20-bookworm-slim');
    const build = dockerfile.stages[0];
    expect(instructionsOf(build, 'RUN').some((r) => /python3/.test(r.args) && /\bmake\b/.test(r.args) && /g\+\+/.test(r.args))).toBe(true);
  });

  it('copies only sources that exist in the repository and are not excluded by .dockerignore', () => {
    const copies = dockerfile.stages.flatMap((stage) => [...instructionsOf(stage, 'COPY'), ...instructionsOf(stage, 'ADD')]);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const { flags, sources } = copyArgs(copy.args);
      if (flags.some((f) => f.startsWith('--from='))) continue; // from another stage, not the build context
      expect(sources.length, `line ${copy.line}`).toBeGreaterThan(0);
      for (const source of sources) {
        const path = source.replace(/^\.\//, '').replace(/\/$/, '');
        expect(existsSync(join(ROOT, path)), `COPY source ${source} (line ${copy.line}) is missing`).toBe(true);
        const top = path.split('/')[0] ?? path;
        expect(dockerignore, `COPY source ${source} is excluded by .dockerignore`).not.toContain(top);
        expect(dockerignore).not.toContain(path);
      }
    }
  });

  it('copies what the app needs at run time: the bundle built in its own stage, migrations, src and package.json', () => {
    const copied = instructionsOf(finalStage, 'COPY').flatMap((c) => copyArgs(c.args).sources.map((s) => s.replace(/^\.\//, '').replace(/\/$/, '')));
    // src/ for the operations scripts (run with tsx) and the sandbox page; migrations/ is found from dist/ at start
    expect(copied).toEqual(expect.arrayContaining(['src', 'migrations', 'package.json']));
    expect(instructionsOf(finalStage, 'COPY').some((c) => c.args.includes('--from=') && c.args.includes('node_modules'))).toBe(true);
    const distCopy = instructionsOf(finalStage, 'COPY').find((c) => /\/dist\b/.test(c.args));
    const from = /--from=(\S+)/.exec(distCopy?.args ?? '')?.[1];
    const builder = dockerfile.stages.find((st) => st.name === from);
    expect(builder, 'dist/ comes from a build stage').toBeDefined();
    expect(instructionsOf(builder, 'RUN').some((r) => /\bnpm run build\b/.test(r.args))).toBe(true);
  });

  it('copies package-lock.json before every npm ci, and the image gets production dependencies only', () => {
    let sawInstall = false;
    for (const stage of dockerfile.stages) {
      let lockCopied = false;
      for (const instruction of stage.instructions) {
        if (instruction.keyword === 'COPY' && copyArgs(instruction.args).sources.some((s) => s.replace(/^\.\//, '') === 'package-lock.json')) {
          lockCopied = true;
        }
        if (instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args)) {
          sawInstall = true;
          expect(lockCopied, `npm ci on line ${instruction.line} runs before package-lock.json is copied`).toBe(true);
        }
      }
    }
    expect(sawInstall).toBe(true);
    // the node_modules the image runs with come from a stage that installed without dev dependencies
    const modulesCopy = instructionsOf(finalStage, 'COPY').find((c) => /node_modules/.test(c.args));
    const from = /--from=(\S+)/.exec(modulesCopy?.args ?? '')?.[1];
    const installer = dockerfile.stages.find((st) => st.name === from);
    const installs = instructionsOf(installer, 'RUN').filter((r) => /\bnpm ci\b/.test(r.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/--omit=dev/);
    // The operations scripts (db:backup, audit:verify) run TypeScript with tsx, so it must survive --omit=dev.
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(pkg.devDependencies.tsx).toBeUndefined();
  });

  it('runs as a non-root user, with the database on a volume', () => {
    const users = instructionsOf(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]?.args.trim().split(':')[0] ?? '';
    expect(['', 'root', '0']).not.toContain(user);
    const env = instructionsOf(finalStage, 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/DATABASE_URL=file:\/data\/greenlight\.db/);
    expect(instructionsOf(finalStage, 'VOLUME').map((v) => v.args.trim())).toContain('/data');
    expect(instructionsOf(finalStage, 'EXPOSE').map((v) => v.args.trim())).toContain('3000');
  });

  it('has a HEALTHCHECK on /healthz that needs no curl', () => {
    const checks = instructionsOf(finalStage, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const check = checks[0]?.args ?? '';
    expect(check).toMatch(/\/healthz/);
    expect(check).toMatch(/\bnode\b/);
    expect(check).not.toMatch(/\b(curl|wget)\b/);
  });

  it('starts the bundle exactly as `npm start` does, in one Node process behind an init', () => {
    const cmd = instructionsOf(finalStage, 'CMD').at(-1)?.args ?? '';
    const words = JSON.parse(cmd) as string[];
    expect(words).toEqual(['node', '--enable-source-maps', '--max-old-space-size=128', '--max-semi-space-size=8', 'dist/main.js']);
    expect(words.join(' ')).toBe(pkg.scripts.start);
    const entrypoint = instructionsOf(finalStage, 'ENTRYPOINT').at(-1)?.args ?? '';
    expect(entrypoint).toMatch(/tini/);
  });

  it.skipIf(spawnSync('hadolint', ['--version']).status !== 0)('passes hadolint (when installed)', () => {
    const result = spawnSync('hadolint', ['--failure-threshold', 'error', join(ROOT, 'Dockerfile')], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

describe('.dockerignore', () => {
  it('keeps local state and secrets out of the build context', () => {
    for (const entry of ['node_modules', '.git', 'data', '.env', '*.db']) expect(dockerignore).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  interface ComposeService {
    image?: string;
    build?: unknown;
    command?: string[] | string;
    environment?: Record<string, string>;
    volumes?: string[];
    depends_on?: Record<string, { condition?: string }>;
  }
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
  const greenlight = compose.services.greenlight;
  const redis = compose.services.redis;
  const namedVolumes = Object.keys(compose.volumes ?? {});

  it('runs redis:7 with append-only persistence and no eviction', () => {
    expect(redis?.image).toBe('redis:7');
    const command = Array.isArray(redis?.command) ? redis.command.join(' ') : (redis?.command ?? '');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(redis?.volumes?.some((v) => namedVolumes.includes(v.split(':')[0] ?? '') && v.split(':')[1] === '/data')).toBe(true);
  });

  it('builds Greenlight from this Dockerfile, points it at that Redis and keeps /data on a named volume', () => {
    expect(greenlight?.build).toBeDefined();
    expect(greenlight?.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(greenlight?.environment?.DATABASE_URL).toBe('file:/data/greenlight.db');
    expect(greenlight?.depends_on?.redis).toBeDefined();
    expect(greenlight?.volumes?.some((v) => namedVolumes.includes(v.split(':')[0] ?? '') && v.split(':')[1] === '/data')).toBe(true);
  });
});
