/** Realistic Slack-style identifiers and timestamps. */
import { randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** e.g. `V07QK2M9ZTR`: prefix + 10 upper-case alphanumerics. */
export function slackId(prefix: string): string {
  return `${prefix}0${randomAlnum(9)}`;
}

/** Slack's generated block/action ids are short random strings such as `8KR` or `maBWU`. */
export function shortId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 5; i++) out += chars[randomInt(chars.length)];
  return out;
}

/** trigger_id like `4916855695380.47445629121.803a0bc887a14d10d2c447fce8b6703c`. */
export function triggerId(): string {
  return `${Date.now()}${randomInt(100, 999)}.${randomInt(10_000_000, 99_999_999)}${randomInt(100, 999)}.${randomBytes(16).toString('hex')}`;
}

export const TRIGGER_ID_RE = /^\d+\.\d+\.[0-9a-zA-Z]+$/;

/** Message timestamps: `"<unix seconds>.<6 digits>"`, strictly increasing within a clock. */
export class TsClock {
  private lastMicros = 0;
  next(nowMs: number = Date.now()): string {
    const micros = Math.max(nowMs * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    const fraction = micros % 1_000_000;
    return `${seconds}.${String(fraction).padStart(6, '0')}`;
  }
}

/** Compares Slack ts strings numerically. */
export function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  const ds = Number(as) - Number(bs);
  if (ds !== 0) return ds;
  return Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}
