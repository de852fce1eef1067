/**
 * One token, everything a security analyst asks about it: registry metadata and state
 * (with the all-time request count, first and last use), the last day per hour (minute
 * rollup), how much, where and how it was used over the breakdown window of whole UTC
 * days (daily breakdown rollup), flags and revocations. Five short statements: on the
 * embedded engine they run one after another, and each costs more to plan than to read.
 * The registry entry and the family come from the token read model (src/registry/).
 */
import { z } from 'zod';
import { familyEntries, registryEntries } from '../registry/index.js';
import { isoTime } from '../time.js';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';

const num = z.coerce.number();

/**
 * The last 24 hours per hour from the token's minute rollup: the hours run from the start
 * of the hour 23 hours ago; minutes after the current hour (clock skew) keep their own hours.
 */
const FIRST_HOUR = 'toStartOfHour(now()) - toIntervalHour(23)';
const lastDay = defineQuery({
  name: 'token_last_24h',
  sql: `SELECT toString(toTimeZone(${FIRST_HOUR}, 'UTC')) AS first_hour,
               sumMap([toStartOfHour(m.minute)], [m.requests]) AS hour_requests,
               sumMap([toStartOfHour(m.minute)], [m.status_4xx + m.status_5xx]) AS hour_errors
        FROM ${TABLES.usageToken1m} AS m WHERE m.token_fingerprint = {fp:String} AND m.minute >= ${FIRST_HOUR}`,
  params: z.object({ fp: z.string() }),
  row: z.object({
    first_hour: z.string(),
    hour_requests: z.tuple([z.array(z.string()), z.array(num)]),
    hour_errors: z.tuple([z.array(z.string()), z.array(num)]),
  }),
});

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

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
 * The first UTC day of a breakdown window of `days` days: the window is whole UTC days,
 * today and the `days` before it, the unit of the daily breakdown rollup. It always
 * holds at least the last `days` × 24 hours.
 */
export function breakdownFirstDay(days: number, now = Date.now()): string {
  return new Date(Math.floor(now / DAY_MS) * DAY_MS - days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The six breakdowns of a token's window (IPs, countries, cities, networks, paths, status
 * mix) and the window's totals in one read of usage_token_breakdown_1d_v1 (sql/008): the
 * days are added up per key, ordered (by requests, then key; the status mix by status)
 * and cut at `limit` per breakdown in the engine (a busy token has tens of thousands of
 * paths, too many to ship). Before the cut, each row also gets its breakdown's number
 * of keys (distinct IPs, countries, networks) and request sums (the status rows add up
 * to every request, by class).
 */
const BREAKDOWN_KEYS = 'ip, country, city, asn, method, path, status';
const PER_KIND = 'OVER (PARTITION BY kind)';

const breakdownRows = defineQuery({
  name: 'token_breakdowns',
  sql: `SELECT toString(kind) AS kind, ${BREAKDOWN_KEYS},
               sum(requests) AS requests, sum(errors) AS errors, toString(max(last_seen)) AS seen,
               sum(lat_sum) AS lat_sum, sum(lat_n) AS lat_n, sum(lon_sum) AS lon_sum, sum(lon_n) AS lon_n,
               argMax(last_country, last_seen) AS at_country, argMax(last_city, last_seen) AS at_city,
               argMax(last_asn, last_seen) AS at_asn, argMax(last_asn_org, last_seen) AS at_asn_org,
               count() ${PER_KIND} AS kind_keys,
               sum(sum(b.requests)) ${PER_KIND} AS kind_requests,
               sum(sumIf(b.requests, status BETWEEN 400 AND 499)) ${PER_KIND} AS kind_4xx,
               sum(sumIf(b.requests, status >= 500)) ${PER_KIND} AS kind_5xx,
               sum(sumIf(b.requests, status IN (401, 403))) ${PER_KIND} AS kind_auth_failures
        FROM ${TABLES.usageTokenBreakdown1d} AS b
        WHERE token_fingerprint = {fp:String} AND day >= {first_day:Date}
          AND NOT ((kind = 'country' AND country = '') OR (kind = 'city' AND city = '') OR (kind = 'asn' AND asn = 0))
        GROUP BY kind, ${BREAKDOWN_KEYS}
        ORDER BY kind, if(kind = 'status', 0, requests) DESC,
                 multiIf(kind = 'ip', replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', ''), kind = 'country', toString(country),
                         kind = 'city', city, kind = 'path', path, ''),
                 multiIf(kind = 'asn', asn, kind = 'status', toUInt32(status), 0)
        LIMIT {limit:UInt32} BY kind`,
  params: z.object({ fp: z.string(), first_day: z.string(), limit: z.number().int() }),
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
    seen: z.string(),
    lat_sum: num,
    lat_n: num,
    lon_sum: num,
    lon_n: num,
    at_country: z.string(),
    at_city: z.string(),
    at_asn: num,
    at_asn_org: z.string(),
    kind_keys: num,
    kind_requests: num,
    kind_4xx: num,
    kind_5xx: num,
    kind_auth_failures: num,
  }),
});

type BreakdownRow = Awaited<ReturnType<typeof breakdownRows>>[number];

/** The breakdown rows (ordered and cut by the engine) as the detail's totals and lists. */
function splitBreakdowns(rows: BreakdownRow[]) {
  const of = (kind: BreakdownRow['kind']) => rows.filter((r) => r.kind === kind);
  const keys = (kind: BreakdownRow['kind']) => of(kind)[0]?.kind_keys ?? 0;
  const status = of('status')[0];
  const avg = (sum: number, n: number) => (n === 0 ? null : sum / n);
  return {
    requests: status?.kind_requests ?? 0,
    status_4xx: status?.kind_4xx ?? 0,
    status_5xx: status?.kind_5xx ?? 0,
    auth_failures: status?.kind_auth_failures ?? 0,
    distinct_ips: keys('ip'),
    distinct_countries: keys('country'),
    distinct_asns: keys('asn'),
    ips: of('ip').map((r) => ({ ip: r.ip.replace(/^::ffff:/, ''), requests: r.requests, last_seen: isoTime(r.seen), country: r.at_country, city: r.at_city, asn: r.at_asn, asn_org: r.at_asn_org })),
    countries: of('country').map((r) => ({ country: r.country, requests: r.requests, last_seen: isoTime(r.seen) })),
    cities: of('city').map((r) => ({
      country: r.country,
      city: r.city,
      requests: r.requests,
      lat: avg(r.lat_sum, r.lat_n),
      lon: avg(r.lon_sum, r.lon_n),
      last_seen: isoTime(r.seen),
    })),
    asns: of('asn').map((r) => ({ asn: r.asn, asn_org: r.at_asn_org, requests: r.requests, last_seen: isoTime(r.seen) })),
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

/**
 * Whether the fingerprint is of the token itself or of a gateway's reference to it (sql/013).
 * Reads one row of the token's own range of usage_events (ordered by fingerprint).
 */
const tokenKind = defineQuery({
  name: 'token_kind',
  sql: `SELECT token_kind, token_ref FROM ${TABLES.usageEvents} WHERE token_fingerprint = {fp:String} LIMIT 1`,
  params: z.object({ fp: z.string() }),
  row: z.object({ token_kind: z.string(), token_ref: z.string() }),
});

/** How far back the per-IP, per-place and per-path breakdowns look. */
export const DEFAULT_BREAKDOWN_DAYS = 30;
const BREAKDOWN_LIMIT = 50;

export async function tokenDetail(warehouse: Warehouse, fp: string, days = DEFAULT_BREAKDOWN_DAYS) {
  const [registry] = await registryEntries(warehouse, { fps: [fp] });
  if (!registry) return undefined;
  const firstDay = breakdownFirstDay(days);
  const [hourly, breakdowns, flagRows, revocationRows, kindRows] = await Promise.all([
    lastDay(warehouse, { fp }),
    breakdownRows(warehouse, { fp, first_day: firstDay, limit: BREAKDOWN_LIMIT }),
    tokenFlags(warehouse, { fp }),
    tokenRevocations(warehouse, { fp }),
    tokenKind(warehouse, { fp }),
  ]);
  const { lifecycle_events, ...metadata } = registry;
  const kind = kindRows[0];
  return {
    ...metadata,
    // A token known only from lifecycle events was presented raw (POST /v1/tokens takes no references).
    token_kind: kind?.token_kind === 'reference' ? ('reference' as const) : ('raw' as const),
    token_ref: kind?.token_kind === 'reference' ? kind.token_ref : null,
    issued_at: isoTime(registry.issued_at),
    expires_at: isoTime(registry.expires_at),
    revoked_at: isoTime(registry.revoked_at),
    rotated_at: isoTime(registry.rotated_at),
    expired_at: isoTime(registry.expired_at),
    first_seen: isoTime(registry.first_seen),
    last_seen: isoTime(registry.last_seen),
    lifecycle_events,
    usage: {
      breakdown_window_days: days,
      window_from: `${firstDay}T00:00:00.000Z`,
      ...splitBreakdowns(breakdowns),
      // An aggregate without GROUP BY: always one row.
      requests_per_hour_24h: hoursOf(hourly[0]!),
    },
    flags: flagRows.map((f) => ({ ...f, window_start: isoTime(f.window_start), window_end: isoTime(f.window_end), created_at: isoTime(f.created_at) })),
    revocations: revocationRows.map((r) => ({ ...r, requested_at: isoTime(r.requested_at), updated_at: isoTime(r.updated_at) })),
  };
}

/** Every token descended from the same grant (refresh family), oldest first. */
export async function tokenFamily(warehouse: Warehouse, fp: string) {
  const family = await familyEntries(warehouse, fp);
  if (!family) return undefined;
  return {
    family_id: family.family_id,
    tokens: family.entries.map((r) => ({
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
