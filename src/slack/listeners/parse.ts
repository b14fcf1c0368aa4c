/** zod at the Slack edge: button values, private_metadata and modal state. */
import { z } from 'zod';

/** Card buttons carry `id:contentRev`. Only the release id and the revision seen come from the button. */
export const cardValueSchema = z
  .string()
  .regex(/^\d{1,9}:\d{1,9}$/)
  .transform((v) => {
    const [id, rev] = v.split(':').map(Number);
    return { releaseId: id ?? 0, rev: rev ?? 0 };
  });

/** `private_metadata` of modals about one release. */
export const releaseMetaSchema = z.object({ releaseId: z.number().int().positive() });
export type ReleaseMeta = z.infer<typeof releaseMetaSchema>;
/** The schedule modal's metadata (src/slack/views/schedule.view.ts `ScheduleMeta`). */
export const scheduleMetaSchema = releaseMetaSchema.extend({ prefilledAt: z.number().int().positive().optional() });

export function parseJsonMeta<T extends z.ZodType>(schema: T, raw: string): z.infer<T> | null {
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const stateValueSchema = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
  selected_date_time: z.number().nullish(),
  selected_date: z.string().nullish(),
  selected_time: z.string().nullish(),
  selected_user: z.string().nullish(),
  selected_users: z.array(z.string()).nullish(),
});
export const viewStateSchema = z.record(z.string(), z.record(z.string(), stateValueSchema));
export type ViewState = z.infer<typeof viewStateSchema>;

export function parseState(raw: unknown): ViewState {
  const r = viewStateSchema.safeParse(raw);
  return r.success ? r.data : {};
}

function first(state: ViewState, block: string): z.infer<typeof stateValueSchema> | undefined {
  const b = state[block];
  if (!b) return undefined;
  return b[block] ?? Object.values(b)[0];
}

/** Text input or selected option value ('' when empty). */
export function textOf(state: ViewState, block: string): string {
  const v = first(state, block);
  if (!v) return '';
  return v.value ?? v.selected_option?.value ?? '';
}

export function dateTimeOf(state: ViewState, block: string): number | null {
  const v = first(state, block)?.selected_date_time;
  return typeof v === 'number' ? v * 1000 : null;
}

export function usersOf(state: ViewState, block: string): string[] | null {
  const v = first(state, block);
  return v?.selected_users ?? null;
}
