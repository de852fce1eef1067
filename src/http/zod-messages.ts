/**
 * One error map for every zod schema of the API: a rejected field says what was expected
 * and what came ("expected an integer 100–599, got the string \"abc\""), and only a field
 * that is absent "is required". Messages a schema states itself (a regex's "must be …")
 * still win: zod asks this map only for issues without their own message.
 *
 * Installed once, globally, by importing this module (the ingest schemas and app.ts do).
 */
import { z } from 'zod';

type Bag = { minimum?: number; maximum?: number; format?: string; maxLength?: number };
type Issue = z.core.$ZodRawIssue;

/**
 * The longest string a message quotes. A longer one is described by its length only: a
 * credential sent in the wrong field (a token as token_type, a key as a status) was quoted
 * up to 40 characters into the 400 and, on the gateway routes, into the WARN log
 * (red-team pass, 2026-12-07). Words such as an enum's value are shorter.
 */
const MAX_SHOWN = 16;

/** What came, in words: `the string "abc"`, `a string of 80 characters`, `the number 12`, `true`, `null`, `an array`. */
export function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (typeof input === 'string') {
    return input.length > MAX_SHOWN ? `a string of ${input.length} characters` : `the string ${JSON.stringify(input)}`;
  }
  if (typeof input === 'number') return Number.isNaN(input) ? 'NaN' : `the number ${input}`;
  if (typeof input === 'boolean') return String(input);
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  return `a ${typeof input}`;
}

/** The bounds a classic zod number or string schema states (minValue, maxValue, format, maxLength). */
function bagOf(schema: unknown): Bag {
  const s = (schema ?? {}) as { minValue?: number | null; maxValue?: number | null; format?: string | null; maxLength?: number | null };
  return { minimum: s.minValue ?? undefined, maximum: s.maxValue ?? undefined, format: s.format ?? undefined, maxLength: s.maxLength ?? undefined };
}

function numberWords(bag: Bag, integer: boolean): string {
  const noun = integer ? 'an integer' : 'a number';
  const { minimum: min, maximum: max } = bag;
  const bounded = (v: number | undefined) => v !== undefined && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  if (bounded(min) && bounded(max)) return integer ? `${noun} ${min}–${max}` : `${noun} from ${min} to ${max}`;
  if (bounded(min)) return `${noun} of at least ${min}`;
  if (bounded(max)) return `${noun} of at most ${max}`;
  return noun;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  date: 'a date',
  null: 'null',
};

/** "an integer 100–599", "a string", "an array" for the schema that refused the value. */
function expectedWords(expected: string, schema: unknown): string {
  const bag = bagOf(schema);
  if (expected === 'number' || expected === 'int') {
    const integer = expected === 'int' || bag.format === 'safeint' || bag.format === 'int32' || bag.format === 'uint32';
    return numberWords(bag, integer);
  }
  if (expected === 'string' && bag.maxLength !== undefined) return `a string of at most ${bag.maxLength} characters`;
  return TYPE_WORDS[expected] ?? expected;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

export function zodMessage(issue: Issue): string | undefined {
  const got = describeInput(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${expectedWords(issue.expected, issue.inst)}, got ${got}`;
    case 'invalid_value':
      if (issue.input === undefined) return `is required: ${listValues(issue.values)}`;
      return `expected ${listValues(issue.values)}, got ${got}`;
    case 'too_small':
    case 'too_big': {
      const origin = issue.origin;
      if (origin === 'number' || origin === 'int') {
        const bag = bagOf(issue.schema ?? issue.inst);
        const integer = origin === 'int' || bag.format === 'safeint';
        return `expected ${numberWords(bag, integer)}, got ${got}`;
      }
      const limit = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      if (origin === 'string') {
        if (issue.code === 'too_small' && issue.minimum === 1) return 'must not be empty';
        return `expected ${limit} characters, got ${(issue.input as string).length}`;
      }
      if (origin === 'array') return `expected ${limit} items, got ${(issue.input as unknown[]).length}`;
      return undefined;
    }
    case 'invalid_union': {
      if (issue.input === undefined) return 'is required';
      const options = (issue.errors ?? [])
        .map((branch) => branch.find((i) => i.code === 'invalid_type'))
        .filter((i): i is z.core.$ZodIssueInvalidType => i !== undefined)
        .map((i) => TYPE_WORDS[i.expected] ?? i.expected);
      if (options.length === (issue.errors ?? []).length && options.length > 0) return `expected ${[...new Set(options)].join(' or ')}, got ${got}`;
      return undefined;
    }
    case 'invalid_format':
      if (issue.format === 'url') return `expected a URL, got ${got}`;
      return undefined;
    default:
      return undefined;
  }
}

z.config({ customError: (issue) => zodMessage(issue as Issue) });
