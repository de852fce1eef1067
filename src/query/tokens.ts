/**
 * One token, everything a security analyst asks about it: registry metadata and state,
 * usage totals (rollups), where and how it was used (its own raw rows, which the table's
 * order keeps together), requests per hour for the last day, flags and revocations.
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

const totals = defineQuery({
  name: 'token_totals',
  sql: `SELECT sum(requests) AS requests, sum(status_4xx) AS status_4xx, sum(status_5xx) AS status_5xx,
               sum(auth_failures) AS auth_failures, uniqMerge(ips) AS distinct_ips,
               uniqMerge(countries) AS distinct_countries, uniqMerge(asns) AS distinct_asns
        FROM ${TABLES.usageToken1m} WHERE token_fingerprint = {fp:String}`,
  params: z.object({ fp: z.string() }),
  row: z.object({
    requests: num,
    status_4xx: num,
    status_5xx: num,
    auth_failures: num,
    distinct_ips: num,
    distinct_countries: num,
    distinct_asns: num,
  }),
});

/** Breakdowns from the token's raw rows over the window: each a small GROUP BY on one key range. */
const rawWindow = `FROM ${TABLES.usageEvents} WHERE token_fingerprint = {fp:String} AND ts >= now64(3) - toIntervalDay({days:UInt32})`;
const windowParams = z.object({ fp: z.string(), days: z.number().int(), limit: z.number().int() });

const ips = defineQuery({
  name: 'token_ips',
  sql: `SELECT replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '') AS ip, count() AS requests, toString(max(ts)) AS last_seen,
               anyLast(country) AS country, anyLast(city) AS city, anyLast(asn) AS asn, anyLast(asn_org) AS asn_org
        ${rawWindow} GROUP BY ip ORDER BY requests DESC, ip LIMIT {limit:UInt32}`,
  params: windowParams,
  row: z.object({ ip: z.string(), requests: num, last_seen: z.string(), country: z.string(), city: z.string(), asn: num, asn_org: z.string() }),
});

const countries = defineQuery({
  name: 'token_countries',
  sql: `SELECT country, count() AS requests, toString(max(ts)) AS last_seen ${rawWindow} AND country != '' GROUP BY country ORDER BY requests DESC, country LIMIT {limit:UInt32}`,
  params: windowParams,
  row: z.object({ country: z.string(), requests: num, last_seen: z.string() }),
});

const cities = defineQuery({
  name: 'token_cities',
  sql: `SELECT country, city, count() AS requests, avg(lat) AS lat, avg(lon) AS lon, toString(max(ts)) AS last_seen
        ${rawWindow} AND city != '' GROUP BY country, city ORDER BY requests DESC, city LIMIT {limit:UInt32}`,
  params: windowParams,
  row: z.object({ country: z.string(), city: z.string(), requests: num, lat: num.nullable(), lon: num.nullable(), last_seen: z.string() }),
});

const asns = defineQuery({
  name: 'token_asns',
  sql: `SELECT asn, anyLast(asn_org) AS asn_org, count() AS requests, toString(max(ts)) AS last_seen
        ${rawWindow} AND asn != 0 GROUP BY asn ORDER BY requests DESC, asn LIMIT {limit:UInt32}`,
  params: windowParams,
  row: z.object({ asn: num, asn_org: z.string(), requests: num, last_seen: z.string() }),
});

const paths = defineQuery({
  name: 'token_paths',
  sql: `SELECT method, path, count() AS requests, countIf(status >= 400) AS errors ${rawWindow}
        GROUP BY method, path ORDER BY requests DESC, path LIMIT {limit:UInt32}`,
  params: windowParams,
  row: z.object({ method: z.string(), path: z.string(), requests: num, errors: num }),
});

const statuses = defineQuery({
  name: 'token_status_mix',
  sql: `SELECT status, count() AS requests ${rawWindow} GROUP BY status ORDER BY status LIMIT {limit:UInt32}`,
  params: windowParams,
  row: z.object({ status: num, requests: num }),
});

const hourly = defineQuery({
  name: 'token_hourly',
  sql: `SELECT toStartOfHour(minute) AS hour, sum(requests) AS requests, sum(status_4xx) + sum(status_5xx) AS errors
        FROM ${TABLES.usageToken1m}
        WHERE token_fingerprint = {fp:String} AND minute >= toStartOfHour(now()) - toIntervalHour(23)
        GROUP BY hour
        ORDER BY hour WITH FILL FROM toStartOfHour(now()) - toIntervalHour(23) TO toStartOfHour(now()) + toIntervalHour(1) STEP toIntervalHour(1)`,
  params: z.object({ fp: z.string() }),
  row: z.object({ hour: z.string(), requests: num, errors: num }),
});

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
  const w = { fp, days, limit: BREAKDOWN_LIMIT };
  const [total, ipRows, countryRows, cityRows, asnRows, pathRows, statusRows, hourRows, flagRows, revocationRows] = await Promise.all([
    totals(warehouse, { fp }),
    ips(warehouse, w),
    countries(warehouse, w),
    cities(warehouse, w),
    asns(warehouse, w),
    paths(warehouse, w),
    statuses(warehouse, w),
    hourly(warehouse, { fp }),
    tokenFlags(warehouse, { fp }),
    tokenRevocations(warehouse, { fp }),
  ]);
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
      ...(total[0] ?? { requests: 0, status_4xx: 0, status_5xx: 0, auth_failures: 0, distinct_ips: 0, distinct_countries: 0, distinct_asns: 0 }),
      breakdown_window_days: days,
      ips: ipRows.map((r) => ({ ...r, last_seen: isoTime(r.last_seen) })),
      countries: countryRows.map((r) => ({ ...r, last_seen: isoTime(r.last_seen) })),
      cities: cityRows.map((r) => ({ ...r, last_seen: isoTime(r.last_seen) })),
      asns: asnRows.map((r) => ({ ...r, last_seen: isoTime(r.last_seen) })),
      paths: pathRows,
      status_mix: statusRows,
      requests_per_hour_24h: hourRows.map((r) => ({ ...r, hour: isoTime(r.hour) })),
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
