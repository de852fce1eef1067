/** Query-string schemas shared by the read API: time ranges, filters, paging, format. */
import { z } from 'zod';
import { parseTimestamp } from '../ingest/fields.js';
import { HttpError } from '../http/errors.js';

const DAY_MS = 86_400_000;
/** Long enough for any retention we allow, short enough to stop a typo scanning decades. */
const MAX_RANGE_MS = 3650 * DAY_MS;

export const timeParam = z
  .string()
  .transform((value, ctx) => {
    const relative = /^now(?:-(\d+)([smhd]))?$/.exec(value);
    if (relative) {
      const n = Number(relative[1] ?? 0);
      const unit = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }[(relative[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
      return new Date(Date.now() - n * unit);
    }
    const ms = parseTimestamp(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be RFC 3339, epoch milliseconds, or now-<n><s|m|h|d>' });
      return z.NEVER;
    }
    return new Date(ms);
  })
  .describe('RFC 3339, epoch milliseconds, or relative: now, now-15m, now-24h, now-7d');

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
  if (start.getTime() >= end.getTime()) throw new HttpError(400, 'invalid_request', 'from: must be before to', [{ field: 'querystring.from', error: 'must be before to' }]);
  if (end.getTime() - start.getTime() > MAX_RANGE_MS) {
    throw new HttpError(400, 'invalid_request', 'from: the range may span at most 3650 days', [{ field: 'querystring.from', error: 'range too long' }]);
  }
  return { from: start, to: end };
}

export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /\btext\/csv\b/.test(accept ?? '');
}
