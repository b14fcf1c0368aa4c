import { z } from 'zod';

/** A validation problem reduced to what a person needs: where and what. */
export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** `services.payments-api.channel`, `windows.production[0].start`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function line(path: readonly PropertyKey[], message: string, prefix?: string): string {
  const where = formatPath(path);
  const head = [prefix, where].filter((part): part is string => part !== undefined && part !== '');
  return head.length > 0 ? `${head.join(': ')}: ${message}` : message;
}

/** Flattens zod issues: one entry per unknown key; unions report their closest branch. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...issue.path, key], message: issue.message.startsWith('Unrecognized key') ? 'unknown key' : issue.message });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch that got furthest (deepest path) is the one the author meant.
      let best: readonly z.core.$ZodIssue[] | undefined;
      let bestDepth = 0;
      for (const branch of issue.errors) {
        const depth = Math.max(0, ...branch.map((inner) => inner.path.length));
        if (depth > bestDepth) {
          best = branch;
          bestDepth = depth;
        }
      }
      if (best) {
        for (const inner of flattenIssues(best)) out.push({ path: [...issue.path, ...inner.path], message: inner.message });
      } else out.push({ path: issue.path, message: issue.message });
    } else {
      out.push({ path: issue.path, message: issue.message });
    }
  }
  return out;
}

/**
 * One line per problem, naming the key path: `services.payments-api.channel: expected a channel id like C0123`.
 * `prefix` (e.g. a file name) goes in front of every line.
 */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], prefix?: string): string[] {
  return flattenIssues(issues).map((issue) => line(issue.path, issue.message, prefix));
}

export function formatConfigIssues(issues: readonly ConfigIssue[], prefix?: string): string[] {
  return issues.map((issue) => line(issue.path, issue.message, prefix));
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

const EXPECTED_NOUNS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
};

/** Error option for a field: "required" when missing, else `message`. */
export function typeError(message: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : message);
}

/** Parse-level error map giving plain-English messages for zod's generic issues. */
export const friendlyErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const expected = EXPECTED_NOUNS[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describe(issue.input)}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return min <= 1 ? 'must not be empty' : `must list at least ${min} items`;
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `must list at most ${max} items`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return 'unknown key';
    case 'invalid_format':
      if (issue.format === 'url') return 'expected a URL like https://example.com/path';
      return undefined;
    default:
      return undefined;
  }
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      const left = row[j - 1] ?? 0;
      row[j] = Math.min(above + 1, left + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The known key closest to a typo, if it is close enough to be a likely typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** A strict object (unknown keys are errors) whose message suggests the intended key. */
export function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const [only] = issue.keys;
      const suggestion = issue.keys.length === 1 && only !== undefined ? suggestKey(only, known) : undefined;
      if (suggestion !== undefined) return `unknown key; did you mean ${suggestion}?`;
      return `unknown key; expected one of ${known.join(', ')}`;
    },
  });
}
