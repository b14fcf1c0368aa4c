/**
 * Deploy windows as one line of text, the way admins type them in Slack: `always`, `never`, or
 * `tue,wed,thu 10:00-16:00; sat 09:00-12:00`. Parsed into the policy's structure and validated by the policy's own
 * `windowSpecSchema`, so Slack edits obey exactly the rules of `windows` in greenlight.yml.
 */
import { z } from 'zod';
import { flattenIssues, friendlyErrors } from './errors';
import type { Weekday, WindowSpec } from './policy';
import { WEEKDAYS, formatClock, windowSpecSchema } from './policy';

export const WINDOW_TEXT_EXAMPLE = 'tue,wed,thu 10:00-16:00; sat 09:00-12:00';
const SYNTAX = `always, never, or days and times like ${WINDOW_TEXT_EXAMPLE}`;
const FULL_DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function dayOf(token: string): Weekday | null {
  const index = WEEKDAYS.indexOf(token as Weekday);
  if (index >= 0) return WEEKDAYS[index] ?? null;
  const full = FULL_DAY_NAMES.indexOf(token);
  return full >= 0 ? (WEEKDAYS[full] ?? null) : null;
}

/** "mon", "monday" or a range "mon-fri" (wrapping past Sunday: "sat-mon") → weekdays, or null. */
function daysOf(token: string): Weekday[] | null {
  const [from, to, extra] = token.split('-');
  if (extra !== undefined || from === undefined) return null;
  const first = dayOf(from);
  if (first === null) return null;
  if (to === undefined) return [first];
  const last = dayOf(to);
  if (last === null) return null;
  const out: Weekday[] = [];
  for (let i = WEEKDAYS.indexOf(first); ; i = (i + 1) % 7) {
    const day = WEEKDAYS[i];
    if (day !== undefined) out.push(day);
    if (day === last) return out;
  }
}

/** One line of window text → the normalised WindowSpec; each problem is one issue naming the part it is about. */
export const windowSpecTextSchema = z.string().transform((raw, ctx): WindowSpec => {
  const fail = (message: string): never => {
    ctx.issues.push({ code: 'custom', message, input: raw });
    return z.NEVER;
  };
  const text = raw.trim().toLowerCase().replace(/[–—]/g, '-');
  if (text === '') return fail(`Type ${SYNTAX}.`);
  if (text === 'always' || text === 'never') return { kind: text };
  const parts = text
    .split(/[;\n]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const slots: { days: Weekday[]; start: string; end: string }[] = [];
  for (const part of parts) {
    const match = /^(.*?)\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!match) return fail(`"${part}" is not a window: expected ${SYNTAX}.`);
    const tokens = (match[1] ?? '').split(/[\s,]+/).filter(Boolean);
    if (tokens.length === 0) return fail(`"${part}" names no day: start it with days such as mon,tue or mon-fri.`);
    const days: Weekday[] = [];
    for (const token of tokens) {
      const found = daysOf(token);
      if (found === null) return fail(`"${token}" is not a day: use ${WEEKDAYS.join(', ')} (or a range like mon-fri).`);
      for (const day of found) if (!days.includes(day)) days.push(day);
    }
    slots.push({ days, start: match[2] ?? '', end: match[3] ?? '' });
  }
  if (slots.length === 0) return fail(`Type ${SYNTAX}.`);
  const result = windowSpecSchema.safeParse(slots, { error: friendlyErrors });
  if (!result.success) {
    for (const issue of flattenIssues(result.error.issues)) {
      const [index, key] = issue.path;
      const where = typeof index === 'number' ? `"${parts[index] ?? ''}": ` : '';
      const field = key === 'start' || key === 'end' ? `the ${key} time` : '';
      const what = field === '' ? '' : issue.message.startsWith('must') ? `${field} ` : `${field} is wrong: `;
      ctx.issues.push({ code: 'custom', message: `${where}${what}${issue.message}`, input: raw });
    }
    return z.NEVER;
  }
  return result.data;
});

/** A WindowSpec in the syntax `windowSpecTextSchema` reads (the modal's initial value). */
export function formatWindowSpecText(spec: WindowSpec): string {
  if (spec.kind !== 'slots') return spec.kind;
  return spec.slots.map((s) => `${s.days.join(',')} ${formatClock(s.start)}-${formatClock(s.end)}`).join('; ');
}

const storedSlotSchema = z.object({
  days: z.array(z.enum(WEEKDAYS)).min(1),
  weekdays: z.array(z.number().int().min(1).max(7)).min(1),
  start: z.number().int().min(0).max(1439),
  end: z.number().int().min(1).max(1440),
});

/** A normalised WindowSpec as stored in the database (JSON), checked when it is read back. */
export const storedWindowSpecSchema: z.ZodType<WindowSpec> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('always') }),
  z.object({ kind: z.literal('never') }),
  z.object({ kind: z.literal('slots'), slots: z.array(storedSlotSchema).min(1) }),
]);
