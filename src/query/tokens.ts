/**
 * One token, everything a security analyst asks about it: registry metadata and state,
 * usage totals and the last day per hour (minute rollup), where and how it was used over
 * the breakdown window (daily breakdown rollup plus the raw rows of the window's first,
 * partial day), flags and revocations.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';

const num = z.coerce.number();
const time = z.string().nullable();
const isoTime = (v: string | null) => (v === null ? null : `${v.replace(' ', 'T')}Z`);

export const tokenRegistryRow = z.object({
  token_fingerprint: z.string(),
  state: z.enum(['revoked', 'expired', 'rotated', 'active', 'issued']),
  token_type: z.string(),
  app_id: z.string(),
  client_id: z.string(),
  user_id: z.string(),
  grant_type: z.string(),
  jti: z.string(),
  iss: z.string(),
  scopes: z.array(z.string()),
  mapped_from: z.string(),
  rotated_from: z.string(),
  family_id: z.string(),
  issued_at: time,
  expires_at: time,
  revoked_at: time,
  revoke_source: z.string(),
  revoke_reason: z.string(),
  rotated_at: time,
  expired_at: time,
  first_seen: time,
  last_seen: time,
  requests: num,
  lifecycle_events: num,
});
export type TokenRegistryRow = z.infer<typeof tokenRegistryRow>;

const REGISTRY_COLUMNS = Object.keys(tokenRegistryRow.shape).join(', ');

export const registryEntries = defineQuery({
  name: 'token_registry',
  sql: `SELECT ${REGISTRY_COLUMNS} FROM ${TABLES.tokenRegistry}(fps = {fps:Array(String)})`,
  params: z.object({ fps: z.array(z.string()) }),
  row: tokenRegistryRow,
});

/**
 * All-time totals and the last 24 hours per hour, in one read of the token's minute rollup
 * (one query costs less to plan than two). The hours run from the start of the hour 23
 * hours ago; minutes after the current hour (clock skew) keep their own hours.
 */
const FIRST_HOUR = 'toStartOfHour(now()) - toIntervalHour(23)';
const usageTotals = defineQuery({
  name: 'token_totals',
  sql: `SELECT sum(m.requests) AS requests, sum(m.status_4xx) AS status_4xx, sum(m.status_5xx) AS status_5xx,
               sum(m.auth_failures) AS auth_failures, uniqMerge(m.ips) AS distinct_ips,
               uniqMerge(m.countries) AS distinct_countries, uniqMerge(m.asns) AS distinct_asns,
               toString(toTimeZone(${FIRST_HOUR}, 'UTC')) AS first_hour,
               sumMapIf([toStartOfHour(m.minute)], [m.requests], m.minute >= ${FIRST_HOUR}) AS hour_requests,
               sumMapIf([toStartOfHour(m.minute)], [m.status_4xx + m.status_5xx], m.minute >= ${FIRST_HOUR}) AS hour_errors
        FROM ${TABLES.usageToken1m} AS m WHERE m.token_fingerprint = {fp:String}`,
  params: z.object({ fp: z.string() }),
  row: z.object({
    requests: num,
    status_4xx: num,
    status_5xx: num,
    auth_failures: num,
    distinct_ips: num,
    distinct_countries: num,
    distinct_asns: num,
    first_hour: z.string(),
    hour_requests: z.tuple([z.array(z.string()), z.array(num)]),
    hour_errors: z.tuple([z.array(z.string()), z.array(num)]),
  }),
});

const HOUR_MS = 3_600_000;

/** Requests and errors per hour: the 24 hours from `first_hour` (engine time), zeros filled, plus any later hour with rows. */
function hoursOf(t: { first_hour: string; hour_requests: [string[], number[]]; hour_errors: [string[], number[]] }) {
  const hours = new Map<string, { requests: number; errors: number }>();
  const first = Date.parse(`${t.first_hour.replace(' ', 'T')}Z`);
  for (let i = 0; i < 24; i++) hours.set(new Date(first + i * HOUR_MS).toISOString().slice(0, 19).replace('T', ' '), { requests: 0, errors: 0 });
  t.hour_requests[0].forEach((h, i) => {
    hours.set(h, { requests: t.hour_requests[1][i]!, errors: hours.get(h)?.errors ?? 0 });
  });
  t.hour_errors[0].forEach((h, i) => {
    hours.set(h, { requests: hours.get(h)?.requests ?? 0, errors: t.hour_errors[1][i]! });
  });
  return [...hours.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([hour, v]) => ({ hour: isoTime(hour)!, ...v }));
}

/**
 * The six breakdowns of a token's window (IPs, countries, cities, networks, paths, status
 * mix) in one statement: the whole days from usage_token_breakdown_1d_v1 (sql/008) and the
 * raw rows of the partial day where the window starts, aggregated the same way (GROUPING
 * SETS, one set per breakdown, as the rollup's view does), added up per key, ordered (by
 * requests, then key; the status mix by status) and cut at `limit` per breakdown in the
 * engine: a busy token has tens of thousands of paths, too many to ship. The window ends
 * at the newest row, as the rollup's today does.
 */
const WINDOW_START = `now64(3, 'UTC') - toIntervalDay({days:UInt32})`;
const FIRST_WHOLE_DAY = `toDate(${WINDOW_START}, 'UTC') + 1`;
const BREAKDOWN_KEYS = 'ip, country, city, asn, method, path, status';

const breakdownParts = defineQuery({
  name: 'token_breakdowns',
  sql: `SELECT toString(u.kind) AS kind, ${BREAKDOWN_KEYS.split(', ').map((k) => `u.${k} AS ${k}`).join(', ')},
               sum(u.requests) AS requests, sum(u.errors) AS errors, toString(max(u.seen)) AS last_seen,
               sum(u.lat_sum) AS lat_sum, sum(u.lat_n) AS lat_n, sum(u.lon_sum) AS lon_sum, sum(u.lon_n) AS lon_n,
               argMax(u.at_country, u.seen) AS at_country, argMax(u.at_city, u.seen) AS at_city,
               argMax(u.at_asn, u.seen) AS at_asn, argMax(u.at_asn_org, u.seen) AS at_asn_org
        FROM (
          SELECT b.kind AS kind, ${BREAKDOWN_KEYS.split(', ').map((k) => `b.${k} AS ${k}`).join(', ')},
                 b.requests AS requests, b.errors AS errors, b.last_seen AS seen, b.lat_sum AS lat_sum, b.lat_n AS lat_n,
                 b.lon_sum AS lon_sum, b.lon_n AS lon_n, b.last_country AS at_country, b.last_city AS at_city,
                 b.last_asn AS at_asn, b.last_asn_org AS at_asn_org
          FROM ${TABLES.usageTokenBreakdown1d} AS b
          WHERE b.token_fingerprint = {fp:String} AND b.day >= ${FIRST_WHOLE_DAY}
          UNION ALL
          SELECT CAST(transform(grouping(${BREAKDOWN_KEYS}), [63, 95, 79, 119, 121, 126], [1, 2, 3, 4, 5, 6], 0)
                      AS Enum8('ip' = 1, 'country' = 2, 'city' = 3, 'asn' = 4, 'path' = 5, 'status' = 6)) AS kind,
                 ${BREAKDOWN_KEYS}, toUInt64(count()) AS requests, toUInt64(countIf(status >= 400)) AS errors, max(ts) AS seen,
                 sum(toFloat64(ifNull(lat, 0))) AS lat_sum, toUInt64(count(lat)) AS lat_n, sum(toFloat64(ifNull(lon, 0))) AS lon_sum, toUInt64(count(lon)) AS lon_n,
                 anyLast(toString(country)) AS at_country, anyLast(toString(city)) AS at_city, anyLast(asn) AS at_asn,
                 anyLast(toString(asn_org)) AS at_asn_org
          FROM ${TABLES.usageEvents}
          WHERE token_fingerprint = {fp:String} AND ts >= ${WINDOW_START} AND ts < toDateTime64(${FIRST_WHOLE_DAY}, 3, 'UTC')
          GROUP BY GROUPING SETS ((ip), (country), (country, city), (asn), (method, path), (status))
        ) AS u
        WHERE NOT ((u.kind = 'country' AND u.country = '') OR (u.kind = 'city' AND u.city = '') OR (u.kind = 'asn' AND u.asn = 0))
        GROUP BY u.kind, ${BREAKDOWN_KEYS.split(', ').map((k) => `u.${k}`).join(', ')}
        ORDER BY u.kind, if(u.kind = 'status', 0, sum(u.requests)) DESC,
                 multiIf(u.kind = 'ip', replaceRegexpOne(IPv6NumToString(u.ip), '^::ffff:', ''), u.kind = 'country', toString(u.country),
                         u.kind = 'city', u.city, u.kind = 'path', u.path, ''),
                 multiIf(u.kind = 'asn', u.asn, u.kind = 'status', toUInt32(u.status), 0)
        LIMIT {limit:UInt32} BY u.kind`,
  params: z.object({ fp: z.string(), days: z.number().int(), limit: z.number().int() }),
  row: z.object({
    kind: z.enum(['ip', 'country', 'city', 'asn', 'path', 'status']),
    ip: z.string(),
    country: z.string(),
    city: z.string(),
    asn: num,
    method: z.string(),
    path: z.string(),
    status: num,
    requests: num,
    errors: num,
    last_seen: z.string(),
    lat_sum: num,
    lat_n: num,
    lon_sum: num,
    lon_n: num,
    at_country: z.string(),
    at_city: z.string(),
    at_asn: num,
    at_asn_org: z.string(),
  }),
});

type BreakdownPart = Awaited<ReturnType<typeof breakdownParts>>[number];

/** The breakdown rows (ordered and cut by the engine) as the detail's lists. */
function splitBreakdowns(rows: BreakdownPart[]) {
  const of = (kind: BreakdownPart['kind']) => rows.filter((r) => r.kind === kind);
  const avg = (sum: number, n: number) => (n === 0 ? null : sum / n);
  return {
    ips: of('ip').map((r) => ({ ip: r.ip.replace(/^::ffff:/, ''), requests: r.requests, last_seen: isoTime(r.last_seen), country: r.at_country, city: r.at_city, asn: r.at_asn, asn_org: r.at_asn_org })),
    countries: of('country').map((r) => ({ country: r.country, requests: r.requests, last_seen: isoTime(r.last_seen) })),
    cities: of('city').map((r) => ({
      country: r.country,
      city: r.city,
      requests: r.requests,
      lat: avg(r.lat_sum, r.lat_n),
      lon: avg(r.lon_sum, r.lon_n),
      last_seen: isoTime(r.last_seen),
    })),
    asns: of('asn').map((r) => ({ asn: r.asn, asn_org: r.at_asn_org, requests: r.requests, last_seen: isoTime(r.last_seen) })),
    paths: of('path').map((r) => ({ method: r.method, path: r.path, requests: r.requests, errors: r.errors })),
    status_mix: of('status').map((r) => ({ status: r.status, requests: r.requests })),
  };
}

export const flagSummary = z.object({
  flag_id: z.string(),
  detector: z.string(),
  severity: z.string(),
  score: num,
  status: z.string(),
  explanation: z.string(),
  window_start: z.string(),
  window_end: z.string(),
  created_at: z.string(),
});

const tokenFlags = defineQuery({
  name: 'token_flags',
  sql: `SELECT flag_id, detector, severity, score, status, explanation, toString(window_start) AS window_start,
               toString(window_end) AS window_end, toString(created_at) AS created_at
        FROM ${TABLES.flags} FINAL WHERE token_fingerprint = {fp:String} ORDER BY created_at DESC LIMIT 100`,
  params: z.object({ fp: z.string() }),
  row: flagSummary,
});

export const revocationSummary = z.object({
  revocation_id: z.string(),
  scope: z.string(),
  target: z.string(),
  source: z.string(),
  actor: z.string(),
  reason: z.string(),
  flag_id: z.string(),
  status: z.string(),
  attempts: num,
  last_http_status: num,
  last_error: z.string(),
  requested_at: z.string(),
  updated_at: z.string(),
});

const tokenRevocations = defineQuery({
  name: 'token_revocations',
  sql: `SELECT revocation_id, scope, target, source, actor, reason, flag_id, status, attempts, last_http_status, last_error,
               toString(requested_at) AS requested_at, toString(updated_at) AS updated_at
        FROM ${TABLES.revocations} FINAL WHERE token_fingerprint = {fp:String} ORDER BY requested_at DESC LIMIT 100`,
  params: z.object({ fp: z.string() }),
  row: revocationSummary,
});

/** How far back the per-IP, per-place and per-path breakdowns look. */
export const DEFAULT_BREAKDOWN_DAYS = 30;
const BREAKDOWN_LIMIT = 50;

export async function tokenDetail(warehouse: Warehouse, fp: string, days = DEFAULT_BREAKDOWN_DAYS) {
  const [registry] = await registryEntries(warehouse, { fps: [fp] });
  if (!registry) return undefined;
  const [total, breakdownRows, flagRows, revocationRows] = await Promise.all([
    usageTotals(warehouse, { fp }),
    breakdownParts(warehouse, { fp, days, limit: BREAKDOWN_LIMIT }),
    tokenFlags(warehouse, { fp }),
    tokenRevocations(warehouse, { fp }),
  ]);
  // An aggregate without GROUP BY: always one row.
  const t = total[0]!;
  const { requests: _registryRequests, lifecycle_events, ...metadata } = registry;
  return {
    ...metadata,
    issued_at: isoTime(registry.issued_at),
    expires_at: isoTime(registry.expires_at),
    revoked_at: isoTime(registry.revoked_at),
    rotated_at: isoTime(registry.rotated_at),
    expired_at: isoTime(registry.expired_at),
    first_seen: isoTime(registry.first_seen),
    last_seen: isoTime(registry.last_seen),
    lifecycle_events,
    usage: {
      requests: t.requests,
      status_4xx: t.status_4xx,
      status_5xx: t.status_5xx,
      auth_failures: t.auth_failures,
      distinct_ips: t.distinct_ips,
      distinct_countries: t.distinct_countries,
      distinct_asns: t.distinct_asns,
      breakdown_window_days: days,
      ...splitBreakdowns(breakdownRows),
      requests_per_hour_24h: hoursOf(t),
    },
    flags: flagRows.map((f) => ({ ...f, window_start: isoTime(f.window_start), window_end: isoTime(f.window_end), created_at: isoTime(f.created_at) })),
    revocations: revocationRows.map((r) => ({ ...r, requested_at: isoTime(r.requested_at), updated_at: isoTime(r.updated_at) })),
  };
}

const familyMembers = defineQuery({
  name: 'family_members',
  sql: `SELECT DISTINCT token_fingerprint FROM ${TABLES.tokenEvents} WHERE family_id = {family:String}
        UNION DISTINCT SELECT {family:String}`,
  params: z.object({ family: z.string() }),
  row: z.object({ token_fingerprint: z.string() }),
});

/** Every token descended from the same grant (refresh family), oldest first. */
export async function tokenFamily(warehouse: Warehouse, fp: string) {
  const [self] = await registryEntries(warehouse, { fps: [fp] });
  if (!self) return undefined;
  const members = await familyMembers(warehouse, { family: self.family_id });
  const rows = await registryEntries(warehouse, { fps: members.map((m) => m.token_fingerprint) });
  rows.sort((a, b) => (a.issued_at ?? a.first_seen ?? '').localeCompare(b.issued_at ?? b.first_seen ?? ''));
  return {
    family_id: self.family_id,
    tokens: rows.map((r) => ({
      token_fingerprint: r.token_fingerprint,
      state: r.state,
      token_type: r.token_type,
      rotated_from: r.rotated_from,
      issued_at: isoTime(r.issued_at),
      rotated_at: isoTime(r.rotated_at),
      revoked_at: isoTime(r.revoked_at),
      last_seen: isoTime(r.last_seen),
      requests: r.requests,
    })),
  };
}

export const appRow = z.object({
  app_id: z.string(),
  state: z.enum(['blocked', 'active', 'registered']),
  name: z.string(),
  owner: z.string(),
  registered_at: time,
  first_active_at: time,
  last_seen: time,
  blocked_at: time,
  unblocked_at: time,
  block_reason: z.string(),
});

export const appEntry = defineQuery({
  name: 'app_entry',
  sql: `SELECT ${Object.keys(appRow.shape).join(', ')} FROM ${TABLES.apps} WHERE app_id = {app_id:String}`,
  params: z.object({ app_id: z.string() }),
  row: appRow,
});

export const appTokenCounts = defineQuery({
  name: 'app_token_counts',
  sql: `SELECT state, count() AS tokens FROM ${TABLES.tokenStats} WHERE app_id = {app_id:String} GROUP BY state ORDER BY state`,
  params: z.object({ app_id: z.string() }),
  row: z.object({ state: z.string(), tokens: num }),
});

export { isoTime };
