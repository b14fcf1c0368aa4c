/**
 * `/release help`, the usage line for unknown text, and the shape of a command's ephemeral answer. Kept apart from
 * the other messages (and their imports) because the Slack front's thread answers these two itself.
 */
import { escTrunc } from '../format';
import type { Blocks } from './kit';
import { header, section } from './kit';

export interface SlackMessage {
  text: string;
  blocks?: Blocks;
}

/** A `/release` answer as the body of the command's ack: seen only by the person who typed it. */
export function commandReply(m: SlackMessage): { response_type: 'ephemeral'; text: string; blocks?: Blocks } {
  return { response_type: 'ephemeral', text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) };
}

export const COMMANDS_HELP: [string, string][] = [
  ['/release', 'request a release (opens the form)'],
  ['/release list', 'open releases'],
  ['/release status REL-n', 'where a release stands'],
  ['/release edit REL-n', 'change a release (resets the approvals that depend on what changed)'],
  ['/release cancel REL-n', 'withdraw a release before it ships'],
  ['/release schedule REL-n', 'pick a deploy slot (operations)'],
  ['/release roles [service]', 'who holds each role (admins edit)'],
  ['/release windows', 'deploy windows (admins edit)'],
  ['/release freeze', 'declare or list freezes'],
  ['/release calendar', 'upcoming deploys, windows and freezes'],
  ['/release stats', 'delivery metrics'],
  ['/release why REL-n', 'everything holding a release'],
  ['/release audit REL-n', "a release's audit trail"],
  ['/release help', 'this help'],
];

export function helpMessage(): SlackMessage {
  const lines = COMMANDS_HELP.map(([c, d]) => `\`${c}\` — ${d}`);
  return {
    text: 'Greenlight: /release commands',
    blocks: [
      header('Greenlight'),
      section('Releases go *review → QA → sign-off → scheduling → deploy → monitoring → review*. Approvals are buttons on each release card.'),
      section(lines.join('\n')),
    ],
  };
}

export function usageMessage(text: string): SlackMessage {
  const known = COMMANDS_HELP.map(([c]) => `\`${c}\``).join(', ');
  return { text: `I don't know \`/release ${escTrunc(text, 100)}\`. Try ${known}.` };
}

