/**
 * Kong 3.x `http-log`: each record is `kong.log.serialize()` (kong/pdk/log.lua). The body
 * is one record when `queue.max_batch_size` is 1, else an array (even of one).
 * Kong replaces the `authorization` header with "REDACTED", so the token is an `apikey`
 * header or query argument left in clear, or Kong's reference: the authenticated
 * credential's id, else the consumer's id.
 */
import { z } from 'zod';
import type { GatewaySettings } from '../../config.js';
import { bearer, fail, header, headerMap, hostOf, issues, num, numeric, pathOf, queryArg, splitJson, type MapOutcome, type Split, type TokenFound } from './common.js';

const id = z.union([z.string(), z.number()]).transform(String);

export const kongRecord = z.object({
  request: z.object({
    id: z.string().optional(),
    uri: z.string().optional(),
    url: z.string().optional(),
    method: z.string().optional(),
    headers: headerMap,
    querystring: z.record(z.string(), z.unknown()).optional(),
    size: numeric,
  }),
  response: z.object({ status: z.number().int(), size: numeric }).optional(),
  /** "502, 200" when Kong retried the upstream: kept as the string it is, the client saw response.status. */
  upstream_status: z.union([z.string(), z.number()]).optional(),
  latencies: z.object({ request: numeric, kong: numeric, proxy: numeric }).optional(),
  authenticated_entity: z.object({ id: id.optional(), consumer_id: id.optional() }).nullish(),
  consumer: z.object({ id: id.optional(), username: z.string().optional(), custom_id: z.string().optional() }).nullish(),
  client_ip: z.string(),
  started_at: z.number(),
});

type KongRecord = z.infer<typeof kongRecord>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, type: 'string' | 'number') => v === undefined || typeof v === type;
const optionalNumeric = (v: unknown) => v === undefined || typeof v === 'number' || typeof v === 'string';

/**
 * The record as the schema reads it, checked without zod; `undefined` when this path
 * cannot vouch for it, and then the schema decides and words the error. Only a shortcut:
 * it accepts a subset of what the schema accepts (ids already strings, no transform) and
 * the mapper reads the same fields from either (test/ingest/gateway-mappers.test.ts).
 * Kong records are three times the size of a usage event: the schema's copy of each was
 * a fifth of the native path's cost.
 */
function fastKongRecord(input: unknown): KongRecord | undefined {
  if (!isObject(input)) return undefined;
  const req = input.request;
  if (!isObject(req)) return undefined;
  if (!optional(req.id, 'string') || !optional(req.uri, 'string') || !optional(req.url, 'string') || !optional(req.method, 'string')) return undefined;
  if ((req.headers !== undefined && !isObject(req.headers)) || (req.querystring !== undefined && !isObject(req.querystring)) || !optionalNumeric(req.size)) return undefined;
  const res = input.response;
  if (res !== undefined && (!isObject(res) || !Number.isInteger(res.status) || !optionalNumeric(res.size))) return undefined;
  if (!optionalNumeric(input.upstream_status)) return undefined;
  const lat = input.latencies;
  if (lat !== undefined && (!isObject(lat) || !optionalNumeric(lat.request) || !optionalNumeric(lat.kong) || !optionalNumeric(lat.proxy))) return undefined;
  const entity = input.authenticated_entity;
  if (entity != null && (!isObject(entity) || !optional(entity.id, 'string') || !optional(entity.consumer_id, 'string'))) return undefined;
  const consumer = input.consumer;
  if (consumer != null && (!isObject(consumer) || !optional(consumer.id, 'string') || !optional(consumer.username, 'string') || !optional(consumer.custom_id, 'string'))) {
    return undefined;
  }
  if (typeof input.client_ip !== 'string' || typeof input.started_at !== 'number') return undefined;
  return input as KongRecord;
}

export function splitKong(text: string, max = Infinity): Split {
  return splitJson(text, max);
}

function tokenOf(r: KongRecord, settings: GatewaySettings['kong']): TokenFound | undefined {
  const headers = r.request.headers;
  for (const source of settings.token_sources) {
    if (source === 'bearer') {
      const t = bearer(header(headers, 'authorization'));
      if (t) return { raw: t, type: 'access_token' };
    } else if (source === 'apikey_header') {
      const t = header(headers, 'apikey') ?? header(headers, 'x-api-key');
      if (t && t !== 'REDACTED') return { raw: t, type: 'api_key' };
    } else if (source === 'apikey_query') {
      const t = queryArg(r.request.querystring, 'apikey');
      if (t) return { raw: t, type: 'api_key' };
    } else if (source === 'credential') {
      if (r.authenticated_entity?.id) return { ref: `credential:${r.authenticated_entity.id}` };
    } else if (source === 'consumer') {
      const c = r.consumer?.id ?? r.authenticated_entity?.consumer_id;
      if (c) return { ref: `consumer:${c}` };
    }
  }
  return undefined;
}

export function mapKong(input: unknown, settings: GatewaySettings['kong']): MapOutcome {
  let r = fastKongRecord(input);
  if (r === undefined) {
    const parsed = kongRecord.safeParse(input);
    if (!parsed.success) return fail(issues(parsed.error));
    r = parsed.data;
  }
  const token = tokenOf(r, settings);
  if (!token) return fail(`no token: none of ${settings.token_sources.join(', ')} is in the record`);
  const headers = r.request.headers;
  return {
    ok: true,
    value: {
      token,
      requestId: r.request.id,
      event: {
        ts: Math.trunc(r.started_at),
        ip: r.client_ip,
        method: r.request.method,
        path: pathOf(r.request.uri),
        host: hostOf(r.request.url) ?? header(headers, 'host'),
        user_agent: header(headers, 'user-agent'),
        status: r.response?.status,
        latency_ms: num(r.latencies?.request),
        bytes: num(r.response?.size),
        user_id: r.consumer?.username ?? r.consumer?.id,
        app_id: r.consumer?.custom_id,
        gateway: 'kong',
      },
    },
  };
}
