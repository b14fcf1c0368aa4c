/**
 * The local sandbox: the real Greenlight (HTTP mode, unchanged) against the in-process fake Slack, with a
 * generated bot token and signing secret, and a small web UI at /sandbox that plays Slack for every person.
 */
import { randomBytes } from 'node:crypto';
import type { Env, Policy } from '../config';
import { parsePolicyText } from '../config';
import type { FakeSlack, FakeUser } from '../fake-slack';
import { SlackDriver, startFakeSlack } from '../fake-slack';
import type { Logger } from '../logger';
import type { Greenlight } from '../server';
import { startGreenlight } from '../server';
import { SANDBOX_CHANNELS, SANDBOX_PEOPLE, SANDBOX_POLICY_YAML } from './policy';
import type { SandboxPerson } from './policy';
import { sandboxRouter } from './routes';
import type { SandboxClock } from './routes';

export interface SandboxOptions {
  env: Env;
  /** the policy file in use, or null: then the sandbox's sample policy */
  policy: Policy | null;
  logger?: Logger;
  /** listen address, default 127.0.0.1 (the sandbox has no login) */
  host?: string;
  /** BullMQ key prefix (tests use their own) */
  timersPrefix?: string;
}

export interface Sandbox {
  gl: Greenlight;
  fake: FakeSlack;
  driver: SlackDriver;
  /** e.g. `http://localhost:3000/sandbox` */
  url: string;
  people: SandboxPerson[];
  clock: SandboxClock;
  stop(): Promise<void>;
}

export function sandboxPolicy(): Policy {
  const parsed = parsePolicyText(SANDBOX_POLICY_YAML, 'sandbox greenlight.yml');
  if (!parsed.ok) throw new Error(`sandbox policy: ${parsed.errors.join('; ')}`);
  return parsed.policy;
}

/** Everyone the policy names (admins, global and per-service role members), with friendly names when known. */
export function peopleOf(policy: Policy): SandboxPerson[] {
  const ids = new Set<string>();
  const roles: Record<string, string[]> = {};
  const add = (id: string, role: string): void => {
    if (id.startsWith('S')) return;
    ids.add(id);
    const list = (roles[id] ??= []);
    if (!list.includes(role)) list.push(role);
  };
  for (const [role, members] of Object.entries(policy.roles)) for (const m of members) add(m, role);
  for (const service of Object.values(policy.services)) {
    for (const [role, members] of Object.entries(service.roles)) for (const m of members ?? []) add(m, `${role} (${service.name})`);
  }
  for (const a of policy.admins) add(a, 'admin');
  return [...ids].map((id) => {
    const known = SANDBOX_PEOPLE.find((p) => p.id === id);
    return { id, name: known?.name ?? id, plays: (roles[id] ?? []).join(', ') };
  });
}

/** Channels the policy sends to, plus #general (where people type /release) and the sandbox's own. */
export function channelsOf(policy: Policy): { id: string; name: string }[] {
  const out = new Map<string, string>(SANDBOX_CHANNELS.map((c) => [c.id, c.name]));
  const add = (id: string | null, name: string): void => {
    if (id && !out.has(id)) out.set(id, name);
  };
  add(policy.channels.releases, 'releases');
  add(policy.channels.announcements, 'announcements');
  for (const s of Object.values(policy.services)) add(s.channel, `${s.name}-releases`);
  return [...out].map(([id, name]) => ({ id, name }));
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const policy = opts.policy ?? sandboxPolicy();
  const people = peopleOf(policy);
  const channels = channelsOf(policy);
  const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(24).toString('hex');
  const users: FakeUser[] = people.map((p) => ({ id: p.id, name: p.id.toLowerCase(), real_name: p.name, display_name: p.name, tz: 'UTC', tz_label: 'UTC', tz_offset: 0 }));
  const fake = await startFakeSlack({ botToken, users, channels, triggerIdTtlMs: 60_000 });
  const clock: SandboxClock = { offset: 0, history: [{ since: 0, offset: 0 }] };
  const holder: { driver: SlackDriver | null } = { driver: null };
  const env: Env = { ...opts.env, mode: 'http', slackBotToken: botToken, slackSigningSecret: signingSecret, slackAppToken: null, slackApiUrl: fake.url };
  let gl: Greenlight;
  try {
    gl = await startGreenlight(
      { env, policy },
      {
        host: opts.host ?? '127.0.0.1',
        now: () => Date.now() + clock.offset,
        ...(opts.logger ? { logger: opts.logger } : {}),
        ...(opts.timersPrefix ? { timers: { prefix: opts.timersPrefix } } : {}),
        mount: (http) => {
          http.use(
            '/sandbox',
            sandboxRouter({
              fake,
              driver: () => {
                if (!holder.driver) throw new Error('the sandbox is still starting');
                return holder.driver;
              },
              timers: () => gl.timers,
              clock,
              people,
              channels,
            }),
          );
        },
      },
    );
  } catch (err) {
    await fake.close();
    throw err;
  }
  const driver = new SlackDriver({ baseUrl: gl.url, signingSecret, fake, defaultChannel: 'C0GENERAL' });
  holder.driver = driver;
  return {
    gl,
    fake,
    driver,
    url: `http://localhost:${gl.port}/sandbox`,
    people,
    clock,
    stop: async () => {
      await gl.stop();
      await fake.close();
    },
  };
}
