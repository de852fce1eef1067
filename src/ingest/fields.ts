/** Field schemas shared by the usage event and the token lifecycle event. */
import { z } from 'zod';
import { parseTimestamp } from '../time.js';

export const FINGERPRINT = /^[0-9a-f]{64}$/;

export const fingerprintField = z.string().regex(FINGERPRINT, 'must be 64 lowercase hex characters');

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
