/** Field schemas shared by the usage event and the token lifecycle event. */
import { z } from 'zod';

export const FINGERPRINT = /^[0-9a-f]{64}$/;
/** RFC 3339 with a zone, or a bare date-time that we read as UTC. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
const ZONE = /[zZ]|[+-]\d{2}:?\d{2}$/;

export const fingerprintField = z.string().regex(FINGERPRINT, 'must be 64 lowercase hex characters');

/** Milliseconds since the epoch from RFC 3339 text, epoch-ms text or a number; NaN if neither. */
export function parseTimestamp(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d{10,16}$/.test(value)) return Number(value);
  if (RFC3339.test(value)) return Date.parse(ZONE.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.NaN;
}

export interface TimeBounds {
  maxFutureSkewMs: number;
  maxAgeMs: number;
}

/** A timestamp field, checked against "too far in the future" and "too old" when bounds are given. */
export function timestampField(bounds?: TimeBounds) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseTimestamp(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be RFC 3339 or epoch milliseconds' });
      return z.NEVER;
    }
    if (bounds) {
      const now = Date.now();
      if (ms > now + bounds.maxFutureSkewMs) {
        ctx.addIssue({ code: 'custom', message: `is more than ${bounds.maxFutureSkewMs / 1000} s in the future` });
        return z.NEVER;
      }
      if (ms < now - bounds.maxAgeMs) {
        ctx.addIssue({ code: 'custom', message: `is older than ${Math.round(bounds.maxAgeMs / 86_400_000)} days` });
        return z.NEVER;
      }
    }
    return Math.trunc(ms);
  });
}

const MAX_SCOPES = 256;

/** Scopes as an array, or as one space- or comma-separated string. */
export function scopesField(maxStringLength: number) {
  return z
    .union([z.array(z.string().max(256)).max(MAX_SCOPES), z.string().max(maxStringLength)])
    .transform((v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v));
}
