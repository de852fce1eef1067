/** Query-string schemas shared by the routes modules: time ranges, filters, paging, format. */
import { z } from 'zod';
import { parseTimestamp } from '../time.js';
import { Invalid } from '../errors.js';

const DAY_MS = 86_400_000;
/** Long enough for any retention we allow, short enough to stop a typo scanning decades. */
const MAX_RANGE_MS = 3650 * DAY_MS;

/** The engine's DateTime64 range: a time outside it is a 400, never an engine error. */
const EARLIEST_MS = Date.UTC(1900, 0, 1);
const LATEST_MS = Date.UTC(2299, 11, 31);
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS } as const;

export const timeParam = z
  .string()
  .transform((value, ctx) => {
    const relative = /^now(?:-(\d+)([smhd]))?$/.exec(value);
    // now-<400 digits>d is Infinity ms back: an Invalid Date that every range check passes (NaN compares false).
    const ms = relative ? Date.now() - Number(relative[1] ?? 0) * UNIT_MS[(relative[2] ?? 's') as keyof typeof UNIT_MS] : parseTimestamp(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be RFC 3339, epoch milliseconds, or now-<n><s|m|h|d>' });
      return z.NEVER;
    }
    if (ms < EARLIEST_MS || ms > LATEST_MS) {
      ctx.addIssue({ code: 'custom', message: 'must lie between 1900-01-01 and 2299-12-31' });
      return z.NEVER;
    }
    return new Date(ms);
  })
  .describe('RFC 3339, epoch milliseconds, or relative: now, now-15m, now-24h, now-7d');

/** The longest interval a series may ask for: the longest range. */
const MAX_INTERVAL_S = MAX_RANGE_MS / 1000;

/**
 * A bucket size: seconds (`3600`) or a duration (`120s`, `5m`, `1h`, `1d`), as seconds.
 * Bounded so it never overflows the engine's UInt32 (that was a misleading 503).
 */
export const intervalParam = z
  .string()
  .transform((value, ctx) => {
    const m = /^(\d{1,12})([smhd]?)$/.exec(value.trim());
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `expected seconds (3600) or a duration (120s, 5m, 1h, 1d), got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }
    const seconds = (Number(m[1]) * UNIT_MS[(m[2] || 's') as keyof typeof UNIT_MS]) / 1000;
    if (seconds <= 0 || seconds > MAX_INTERVAL_S) {
      ctx.addIssue({ code: 'custom', message: `must be between 1 s and ${MAX_INTERVAL_S / 86_400} days` });
      return z.NEVER;
    }
    return seconds;
  })
  .describe('seconds (3600) or a duration: 120s, 5m, 1h, 1d; a whole number of minutes');

export const fingerprintParam = z.string().regex(/^[0-9a-f]{64}$/, 'must be a token fingerprint: 64 lowercase hex characters');

export const filterParams = {
  app_id: z.string().min(1).max(256).optional(),
  user_id: z.string().min(1).max(256).optional(),
  token_fingerprint: fingerprintParam.optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .transform((c) => c.toUpperCase())
    .optional(),
  status: z
    .string()
    .regex(/^[1-5](?:xx)?$/i, 'must be a status class: 1xx, 2xx, 3xx, 4xx or 5xx')
    .transform((s) => Number(s[0]))
    .optional()
    .describe('status class: 2xx, 4xx, 5xx …'),
};

export const formatParam = z.enum(['json', 'csv']).optional().describe('csv, or send Accept: text/csv');

export interface Range {
  from: Date;
  to: Date;
}

/** from/to with defaults (the last `defaultMs`), checked: from before to, bounded length. */
export function resolveRange(from: Date | undefined, to: Date | undefined, defaultMs: number): Range {
  const end = to ?? new Date();
  const start = from ?? new Date(end.getTime() - defaultMs);
  if (start.getTime() >= end.getTime()) throw new Invalid('invalid_request', 'from: must be before to', [{ field: 'querystring.from', error: 'must be before to' }]);
  if (end.getTime() - start.getTime() > MAX_RANGE_MS) {
    throw new Invalid('invalid_request', 'from: the range may span at most 3650 days', [{ field: 'querystring.from', error: 'range too long' }]);
  }
  return { from: start, to: end };
}

export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /\btext\/csv\b/.test(accept ?? '');
}
