/**
 * Tyk analytics records (tyk-pump analytics/analytics.go AnalyticsRecord): the snake_case
 * JSON that Tyk Pump emits (the stdout pump wraps it in `tyk-analytics-record`), or the
 * Go-field-name form of records read straight from Redis (`APIKey`, `TimeStamp`,
 * `IPAddress`, `Geo.Country.ISOCode` …). `api_key` holds the key or, with hashed keys, its
 * hash (a reference). `raw_request` (detailed recording) is the base64 request and may
 * carry the key in clear: it is decoded only to read that header, never kept.
 */
import { z } from 'zod';
import type { GatewaySettings } from '../../config.js';
import { bearer, fail, issues, pathOf, present, splitJson, splitLines, unwrapLine, type MapOutcome, type Split, type TokenFound } from './common.js';

type TykSettings = GatewaySettings['tyk'];

export const tykRecord = z.object({
  method: z.string().optional(),
  host: z.string().optional(),
  path: z.string().optional(),
  raw_path: z.string().optional(),
  user_agent: z.string().optional(),
  response_code: z.number().int(),
  api_key: z.string().optional(),
  timestamp: z.string(),
  api_id: z.string().optional(),
  org_id: z.string().optional(),
  oauth_id: z.string().optional(),
  request_time: z.number().optional(),
  raw_request: z.string().optional(),
  ip_address: z.string(),
  alias: z.string().optional(),
  month: z.number().optional(),
  geo: z
    .object({
      country: z.object({ iso_code: z.string().optional() }).optional(),
      city: z.object({ names: z.record(z.string(), z.string()).nullish() }).optional(),
      location: z.object({ latitude: z.number().optional(), longitude: z.number().optional() }).optional(),
    })
    .optional(),
  network: z.object({ bytes_out: z.number().optional() }).optional(),
  latency: z.object({ total: z.number().optional() }).optional(),
});

/** Go field names (msgpack/JSON without tags) to the JSON tags. */
const GO_FIELDS: Record<string, string> = {
  Method: 'method', Host: 'host', Path: 'path', RawPath: 'raw_path', ContentLength: 'content_length', UserAgent: 'user_agent',
  Day: 'day', Month: 'month', Year: 'year', Hour: 'hour', ResponseCode: 'response_code', APIKey: 'api_key', TimeStamp: 'timestamp',
  APIVersion: 'api_version', APIName: 'api_name', APIID: 'api_id', OrgID: 'org_id', OauthID: 'oauth_id', RequestTime: 'request_time',
  RawRequest: 'raw_request', RawResponse: 'raw_response', IPAddress: 'ip_address', Geo: 'geo', Network: 'network', Latency: 'latency',
  Tags: 'tags', Alias: 'alias', TrackPath: 'track_path', ExpireAt: 'expireAt',
  Country: 'country', ISOCode: 'iso_code', City: 'city', Names: 'names', GeoNameID: 'geoname_id', Location: 'location',
  Latitude: 'latitude', Longitude: 'longitude', TimeZone: 'time_zone', BytesOut: 'bytes_out', BytesIn: 'bytes_in', Total: 'total', Upstream: 'upstream',
};

/** The Go-field form renamed to JSON tags, recursively (only known struct fields; map keys such as city names stay). */
function fromGoFields(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 3) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const name = GO_FIELDS[k];
    if (name === undefined) out[k] = v;
    else out[name] = name === 'names' ? v : fromGoFields(v, depth + 1);
  }
  return out;
}

export function splitTyk(text: string, max = Infinity): Split {
  const first = text.trimStart()[0];
  return first === '[' ? splitJson(text, max) : splitLines(text, /\n/, max);
}

/** A raw request as Tyk records it: base64, or already decoded (Pump's `raw_request_decoded`). */
function rawRequestText(value: string): string {
  return /^[A-Z]+ \S+ HTTP\/\d/.test(value) ? value : Buffer.from(value, 'base64').toString('latin1');
}

/**
 * Header names and values in a raw request's head. The stdout pump's `clean_json` joins
 * the head into one line ("GET / HTTP/1.1 Host: a Authorization: Bearer t …"), so a value
 * is read as the token(s) after the name, never to the end of a line.
 */
const CREDENTIAL_HEADER = /(?:^|\s)(authorization|x-api-key|apikey):[ \t]*(bearer[ \t]+)?(\S+)/gi;

/** The credential in a raw HTTP request's Authorization (bearer or bare key), X-Api-Key or apikey header. */
function rawRequestToken(value: string): TokenFound | undefined {
  const text = rawRequestText(value);
  const bodyAt = text.indexOf('\r\n\r\n');
  const head = bodyAt < 0 ? text : text.slice(0, bodyAt);
  for (const m of head.matchAll(CREDENTIAL_HEADER)) {
    const [, name, scheme, credential] = m;
    if (name!.toLowerCase() === 'authorization') {
      // Another scheme (Basic, Digest …) is not a token tokenwatch can name.
      if (scheme !== undefined) return { raw: credential!, type: 'access_token' };
      if (!/^(?:basic|digest|negotiate|hmac)$/i.test(credential!)) return { raw: credential!, type: 'api_key' };
    } else return { raw: credential!, type: 'api_key' };
  }
  return undefined;
}

const HASH = /^(?:[0-9a-f]{16}|[0-9a-f]{32}|[0-9a-f]{64})$/;

function tokenOf(r: z.infer<typeof tykRecord>, settings: TykSettings): TokenFound | undefined {
  for (const source of settings.token_sources) {
    if (source === 'raw_request' && r.raw_request) {
      const t = rawRequestToken(r.raw_request);
      if (t) return t;
    } else if (source === 'api_key' && r.api_key) {
      const hashed = settings.api_key_is === 'hash' || (settings.api_key_is === 'auto' && HASH.test(r.api_key));
      // Only a prefix is kept as token_ref: a 32 or 64-hex value read as a hash under `auto`
      // may be the key itself (a deployment without hash_keys), and token_ref is on disk and
      // in the API (red-team pass, 2026-12-07). The fingerprint covers the whole value.
      return hashed ? { ref: `key:${r.api_key}`, shown: `key:${r.api_key.slice(0, 8)}…` } : { raw: r.api_key, type: 'api_key' };
    }
  }
  return undefined;
}

export function mapTyk(input: unknown, settings: TykSettings): MapOutcome {
  let record = unwrapLine(input);
  if (typeof record === 'object' && record !== null && settings.record_field in record) {
    record = (record as Record<string, unknown>)[settings.record_field];
  }
  if (typeof record === 'object' && record !== null && ('APIKey' in record || 'TimeStamp' in record || 'ResponseCode' in record)) {
    record = fromGoFields(record);
  }
  const parsed = tykRecord.safeParse(record);
  if (!parsed.success) return fail(issues(parsed.error));
  const r = parsed.data;
  const token = tokenOf(r, settings);
  if (!token) return fail(`no token: none of ${settings.token_sources.join(', ')} is in the record`);
  const country = r.geo?.country?.iso_code;
  const located = present(country);
  return {
    ok: true,
    value: {
      token,
      event: {
        ts: r.timestamp,
        ip: r.ip_address,
        method: r.method,
        path: pathOf(r.raw_path || r.path),
        host: r.host || undefined,
        user_agent: r.user_agent || undefined,
        status: r.response_code,
        latency_ms: r.request_time ?? r.latency?.total,
        bytes: r.network?.bytes_out || undefined,
        app_id: r.oauth_id || undefined,
        client_id: r.oauth_id || undefined,
        user_id: r.alias || undefined,
        country: located ? country : undefined,
        city: located ? r.geo?.city?.names?.en || undefined : undefined,
        lat: located ? r.geo?.location?.latitude : undefined,
        lon: located ? r.geo?.location?.longitude : undefined,
        gateway: 'tyk',
      },
    },
  };
}
