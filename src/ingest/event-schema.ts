/**
 * The usage event of the contract: one per API request. Fields the contract does not
 * name are ignored; fields it names are validated and an error names the field.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { TOKEN_TYPES } from '../config.js';
import '../http/zod-messages.js';

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

/**
 * Epoch milliseconds of a `ts` value, or the message that rejects it. The schema's
 * transform and the fast path below both use it, so they cannot disagree.
 */
export function timestampMs(value: number | string, limits: EventLimits, now: number): number | string {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (/^\d{10,16}$/.test(value)) ms = Number(value);
  else if (RFC3339.test(value)) ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  else ms = Number.NaN;
  if (!Number.isFinite(ms)) return 'must be RFC 3339 or epoch milliseconds';
  if (ms > now + limits.maxFutureSkewMs) return `is more than ${limits.maxFutureSkewMs / 1000} s in the future`;
  if (ms < now - limits.maxAgeMs) return `is older than ${Math.round(limits.maxAgeMs / 86_400_000)} days`;
  return Math.trunc(ms);
}

export function usageEventSchema(limits: EventLimits) {
  const text = z.string().max(limits.maxStringLength, `longer than ${limits.maxStringLength} characters`);
  const id = z.string().min(1).max(256);

  const timestamp = z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const ms = timestampMs(value, limits, Date.now());
      if (typeof ms === 'string') {
        ctx.addIssue({ code: 'custom', message: ms });
        return z.NEVER;
      }
      return ms;
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

const TOKEN_TYPE_NAMES: ReadonlySet<unknown> = new Set(TOKEN_TYPES);
const COUNTRY = /^[A-Za-z]{2}$/;
const SCOPE_SEPARATORS = /[\s,]+/;

/** A finite number within [min, max] (zod's z.number().min().max()). */
const inRange = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
/** A safe integer within [min, max] (zod's z.number().int().min().max()). */
const intInRange = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const textUpTo = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/**
 * The schema's output for an event it accepts, computed without zod; `undefined` when
 * this path cannot vouch for the event (anything invalid or unusual), and then the
 * schema decides and words the error. Only ever a shortcut: it accepts a subset of what
 * the schema accepts and returns exactly what the schema returns (test/ingest/
 * event-fast-path.test.ts compares them), so the zod schema stays the contract.
 */
export function fastParseEvent(input: unknown, limits: EventLimits, now: number): UsageEventInput | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const e = input as Record<string, unknown>;
  const max = limits.maxStringLength;
  const out: Record<string, unknown> = {};
  let v: unknown;

  v = e.event_id;
  if (v !== undefined) {
    if (typeof v !== 'string' || v.length < 1 || v.length > 256) return undefined;
    out.event_id = v;
  }
  v = e.ts;
  if (v !== undefined) {
    if ((typeof v !== 'number' || !Number.isFinite(v)) && typeof v !== 'string') return undefined;
    const ms = timestampMs(v, limits, now);
    if (typeof ms !== 'number') return undefined;
    out.ts = ms;
  }
  v = e.token;
  if (v !== undefined) {
    if (typeof v !== 'string' || v.length < 1 || v.length > max * 4) return undefined;
    out.token = v;
  }
  v = e.token_fingerprint;
  if (v !== undefined) {
    if (typeof v !== 'string' || !FINGERPRINT.test(v)) return undefined;
    out.token_fingerprint = v;
  }
  if (out.token === undefined && out.token_fingerprint === undefined) return undefined;
  v = e.token_type;
  if (v !== undefined) {
    if (!TOKEN_TYPE_NAMES.has(v)) return undefined;
    out.token_type = v;
  }
  v = e.ip;
  if (typeof v !== 'string' || isIP(v) === 0) return undefined;
  out.ip = v;
  v = e.country;
  if (v !== undefined) {
    if (typeof v !== 'string' || !COUNTRY.test(v)) return undefined;
    out.country = v.toUpperCase();
  }
  v = e.lat;
  if (v !== undefined) {
    if (!inRange(v, -90, 90)) return undefined;
    out.lat = v;
  }
  v = e.lon;
  if (v !== undefined) {
    if (!inRange(v, -180, 180)) return undefined;
    out.lon = v;
  }
  v = e.asn;
  if (v !== undefined) {
    if (intInRange(v, 0, MAX_ASN)) out.asn = v;
    else if (typeof v === 'string') {
      const m = ASN.exec(v);
      if (m === null || Number(m[1]) > MAX_ASN) return undefined;
      out.asn = Number(m[1]);
    } else return undefined;
  }
  for (const key of TEXT_FIELDS) {
    v = e[key];
    if (v === undefined) continue;
    if (!textUpTo(v, max)) return undefined;
    out[key] = v;
  }
  v = e.method;
  if (v !== undefined) {
    if (!textUpTo(v, 16)) return undefined;
    out.method = v;
  }
  v = e.status;
  if (v !== undefined) {
    if (!intInRange(v, 100, 599)) return undefined;
    out.status = v;
  }
  v = e.latency_ms;
  if (v !== undefined) {
    if (!inRange(v, 0, 86_400_000)) return undefined;
    out.latency_ms = v;
  }
  v = e.bytes;
  if (v !== undefined) {
    if (!intInRange(v, 0, Number.MAX_SAFE_INTEGER)) return undefined;
    out.bytes = v;
  }
  v = e.scopes;
  if (v !== undefined) {
    if (Array.isArray(v)) {
      if (v.length > MAX_SCOPES) return undefined;
      for (const scope of v) if (!textUpTo(scope, 256)) return undefined;
      out.scopes = v.slice();
    } else if (textUpTo(v, max)) {
      out.scopes = v.split(SCOPE_SEPARATORS).filter(Boolean);
    } else return undefined;
  }
  return out as UsageEventInput;
}

/** The free-text fields, all limited to maxStringLength. */
const TEXT_FIELDS = ['app_id', 'client_id', 'user_id', 'city', 'user_agent', 'host', 'path', 'gateway'] as const;

export type EventParseResult = { success: true; data: UsageEventInput } | { success: false; error: z.ZodError };

/** Validates one event: the fast path when it can vouch for it, else the schema. */
export function createEventParser(limits: EventLimits): (input: unknown) => EventParseResult {
  const schema = usageEventSchema(limits);
  return (input) => {
    const data = fastParseEvent(input, limits, Date.now());
    return data !== undefined ? { success: true, data } : schema.safeParse(input);
  };
}

/** "ts: is more than 300 s in the future; status: expected an integer 100–599, got the string \"abc\"" (wording: http/zod-messages.ts) */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
