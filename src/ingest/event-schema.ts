/**
 * The usage event of the contract: one per API request. Fields the contract does not
 * name are ignored; fields it names are validated and an error names the field.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { TOKEN_TYPES } from '../config.js';

export interface EventLimits {
  maxStringLength: number;
  maxFutureSkewMs: number;
  maxAgeMs: number;
}

const FINGERPRINT = /^[0-9a-f]{64}$/;
const ASN = /^(?:AS)?(\d{1,10})$/i;
/** RFC 3339 with a zone, or a bare date-time that we read as UTC. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
const MAX_ASN = 4_294_967_295;
const MAX_SCOPES = 256;

export function usageEventSchema(limits: EventLimits) {
  const text = z.string().max(limits.maxStringLength, `longer than ${limits.maxStringLength} characters`);
  const id = z.string().min(1).max(256);

  const timestamp = z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      let ms: number;
      if (typeof value === 'number') ms = value;
      else if (/^\d{10,16}$/.test(value)) ms = Number(value);
      else if (RFC3339.test(value)) ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
      else ms = Number.NaN;
      if (!Number.isFinite(ms)) {
        ctx.addIssue({ code: 'custom', message: 'must be RFC 3339 or epoch milliseconds' });
        return z.NEVER;
      }
      const now = Date.now();
      if (ms > now + limits.maxFutureSkewMs) {
        ctx.addIssue({ code: 'custom', message: `is more than ${limits.maxFutureSkewMs / 1000} s in the future` });
        return z.NEVER;
      }
      if (ms < now - limits.maxAgeMs) {
        ctx.addIssue({ code: 'custom', message: `is older than ${Math.round(limits.maxAgeMs / 86_400_000)} days` });
        return z.NEVER;
      }
      return Math.trunc(ms);
    });

  return z
    .object({
      event_id: id.optional(),
      ts: timestamp.optional(),
      token: z.string().min(1).max(limits.maxStringLength * 4, 'is too long').optional(),
      token_fingerprint: z.string().regex(FINGERPRINT, 'must be 64 lowercase hex characters').optional(),
      token_type: z.enum(TOKEN_TYPES).optional(),
      app_id: text.optional(),
      client_id: text.optional(),
      user_id: text.optional(),
      ip: z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address'),
      country: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
        .transform((c) => c.toUpperCase())
        .optional(),
      city: text.optional(),
      lat: z.number().min(-90).max(90).optional(),
      lon: z.number().min(-180).max(180).optional(),
      asn: z
        .union([z.number().int().min(0).max(MAX_ASN), z.string().regex(ASN, 'must be an AS number such as 7922 or "AS7922"')])
        .transform((v) => (typeof v === 'number' ? v : Number(ASN.exec(v)![1])))
        .refine((v) => v <= MAX_ASN, 'is out of range')
        .optional(),
      user_agent: text.optional(),
      method: z.string().max(16).optional(),
      host: text.optional(),
      path: text.optional(),
      status: z.number().int().min(100).max(599).optional(),
      latency_ms: z.number().min(0).max(86_400_000).optional(),
      bytes: z.number().int().min(0).optional(),
      gateway: text.optional(),
      scopes: z
        .union([z.array(z.string().max(256)).max(MAX_SCOPES), z.string().max(limits.maxStringLength)])
        .transform((v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v))
        .optional(),
    })
    .refine((e) => e.token !== undefined || e.token_fingerprint !== undefined, {
      message: 'one of token or token_fingerprint is required',
      path: ['token'],
    });
}

export type UsageEventInput = z.output<ReturnType<typeof usageEventSchema>>;

/** "ts: is more than 300 s in the future; ip: must be an IPv4 or IPv6 address" */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
