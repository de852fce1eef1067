/**
 * Usage over time and top lists, read from the rollups: the cost of a query follows its
 * range and filters, not the raw history. SQL is assembled from the constant fragments
 * below only; every value is a `{name:Type}` parameter.
 */
import { z } from 'zod';
import { Invalid } from '../errors.js';
import { tokenOwners } from '../registry/index.js';
import { count64, defineQuery, TABLES, WarehouseError, type Warehouse } from '../warehouse/warehouse.js';
import type { Range } from '../http/params.js';

/** Bucket sizes offered, smallest first; the rollups are per minute, so a minute is the floor. */
export const INTERVALS_S = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86_400, 7 * 86_400] as const;
/** Auto interval: the smallest bucket that keeps a series under this many points. */
const TARGET_POINTS = 500;
/** Explicit intervals may not produce more points than this. */
const MAX_POINTS = 10_000;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const floorTo = (d: Date, ms: number) => new Date(Math.floor(d.getTime() / ms) * ms);
const ceilTo = (d: Date, ms: number) => new Date(Math.ceil(d.getTime() / ms) * ms);

export interface UsageFilters {
  app_id?: string;
  user_id?: string;
  token_fingerprint?: string;
  country?: string;
  status?: number;
}

export function chooseInterval(range: Range, requested?: number): number {
  const spanS = (range.to.getTime() - range.from.getTime()) / 1000;
  if (requested !== undefined) {
    if (requested < 60 || requested % 60 !== 0) {
      throw new Invalid('invalid_request', 'interval: must be a whole number of minutes: 60, 300, 3600 … seconds, or 1m, 5m, 1h, 1d', [{ field: 'querystring.interval', error: 'must be a multiple of 60' }]);
    }
    if (spanS / requested > MAX_POINTS) {
      throw new Invalid('invalid_request', `interval: too small for the range: at most ${MAX_POINTS} points`, [{ field: 'querystring.interval', error: 'too many points' }]);
    }
    return requested;
  }
  return INTERVALS_S.find((s) => spanS / s <= TARGET_POINTS) ?? INTERVALS_S[INTERVALS_S.length - 1]!;
}

/** One source per combination of filters: the narrowest rollup that can answer it. */
function timeseriesSource(f: UsageFilters): { sql: string; note: string } {
  const perClass = f.country !== undefined || f.status !== undefined;
  const cond = (parts: [boolean, string][]) => parts.filter(([on]) => on).map(([, sql]) => ` AND ${sql}`).join('');
  if (f.token_fingerprint !== undefined && !perClass) {
    return {
      note: TABLES.usageToken1m,
      sql: `SELECT minute AS at, requests, status_4xx, status_5xx, auth_failures FROM ${TABLES.usageToken1m}
            WHERE token_fingerprint = {token_fingerprint:String} AND minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)}${cond([
              [f.app_id !== undefined, 'app_id = {app_id:String}'],
              [f.user_id !== undefined, 'user_id = {user_id:String}'],
            ])}`,
    };
  }
  if (f.user_id !== undefined && f.token_fingerprint === undefined && !perClass) {
    return {
      note: TABLES.usageUser1m,
      sql: `SELECT minute AS at, requests, status_4xx, status_5xx, auth_failures FROM ${TABLES.usageUser1m}
            WHERE user_id = {user_id:String} AND minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)}${cond([
              [f.app_id !== undefined, 'app_id = {app_id:String}'],
            ])}`,
    };
  }
  if (f.token_fingerprint === undefined && f.user_id === undefined) {
    return {
      note: TABLES.usageApp1m,
      sql: `SELECT minute AS at, requests, status_4xx, status_5xx, auth_failures FROM ${TABLES.usageApp1m}
            WHERE minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)}${cond([
              [f.app_id !== undefined, 'app_id = {app_id:String}'],
              [f.country !== undefined, 'country = {country:String}'],
              [f.status !== undefined, 'status_class = {status:UInt8}'],
            ])}`,
    };
  }
  // A token or user with a country or status filter: their raw rows are few and indexed.
  return {
    note: TABLES.usageEvents,
    sql: `SELECT ts AS at, 1 AS requests, status BETWEEN 400 AND 499 AS status_4xx, status >= 500 AS status_5xx,
                 status IN (401, 403) AS auth_failures
          FROM ${TABLES.usageEvents}
          WHERE ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)}${cond([
            [f.token_fingerprint !== undefined, 'token_fingerprint = {token_fingerprint:String}'],
            [f.user_id !== undefined, 'user_id = {user_id:String}'],
            [f.app_id !== undefined, 'app_id = {app_id:String}'],
            [f.country !== undefined, 'country = {country:String}'],
            [f.status !== undefined, 'intDiv(status, 100) = {status:UInt8}'],
          ])}`,
  };
}

export const timeseriesPoint = z.object({
  t: z.string(),
  requests: z.coerce.number(),
  status_4xx: z.coerce.number(),
  status_5xx: z.coerce.number(),
  auth_failures: z.coerce.number(),
});
export type TimeseriesPoint = z.infer<typeof timeseriesPoint>;

/** The rollups count per minute: a range is widened to whole minutes (and returned). */
export function toWholeMinutes(range: Range): Range {
  return { from: floorTo(range.from, MINUTE_MS), to: ceilTo(range.to, MINUTE_MS) };
}

/**
 * The counts per bucket come back as one row of arrays (buckets with rows only, as Unix
 * seconds) and the empty buckets are filled here: on the embedded engine a result of
 * 1,440 rows costs more to produce and parse than the read behind it. Buckets start at
 * multiples of the interval since the Unix epoch, as the engine's toStartOfInterval does.
 */
const seriesRow = z.object({
  buckets: z.array(z.coerce.number()),
  requests: z.array(z.coerce.number()),
  status_4xx: z.array(z.coerce.number()),
  status_5xx: z.array(z.coerce.number()),
  auth_failures: z.array(z.coerce.number()),
});

const filterParams = {
  app_id: z.string().optional(),
  user_id: z.string().optional(),
  token_fingerprint: z.string().optional(),
  country: z.string().optional(),
  status: z.number().int().optional(),
};

const series = defineQuery({
  name: 'usage_timeseries',
  sql: (filters) => `
    SELECT groupArray(bucket) AS buckets, groupArray(requests) AS requests, groupArray(status_4xx) AS status_4xx,
           groupArray(status_5xx) AS status_5xx, groupArray(auth_failures) AS auth_failures
    FROM (
      SELECT toUnixTimestamp(toStartOfInterval(at, toIntervalSecond({interval:UInt32}))) AS bucket,
             sum(requests) AS requests, sum(status_4xx) AS status_4xx, sum(status_5xx) AS status_5xx, sum(auth_failures) AS auth_failures
      FROM (${timeseriesSource(filters).sql})
      GROUP BY bucket
    )`,
  params: z.object({ from: z.date(), to: z.date(), interval: z.number().int().positive(), ...filterParams }),
  row: seriesRow,
});

export async function usageTimeseries(
  warehouse: Warehouse,
  exact: Range,
  intervalS: number,
  filters: UsageFilters,
): Promise<{ points: TimeseriesPoint[]; source: string; range: Range }> {
  const range = toWholeMinutes(exact);
  const source = timeseriesSource(filters);
  const [r] = await series(warehouse, { ...filters, from: range.from, to: range.to, interval: intervalS });
  // An aggregate without GROUP BY: always one row.
  if (!r) throw new WarehouseError('usage_timeseries: the aggregate returned no row');
  const at = new Map(r.buckets.map((b, i) => [b, i]));
  const points: TimeseriesPoint[] = [];
  const step = intervalS * 1000;
  for (let t = Math.floor(range.from.getTime() / step) * step; t < range.to.getTime(); t += step) {
    const i = at.get(t / 1000);
    points.push({
      t: `${new Date(t).toISOString().slice(0, 19)}Z`,
      requests: i === undefined ? 0 : r.requests[i]!,
      status_4xx: i === undefined ? 0 : r.status_4xx[i]!,
      status_5xx: i === undefined ? 0 : r.status_5xx[i]!,
      auth_failures: i === undefined ? 0 : r.auth_failures[i]!,
    });
  }
  return { points, source: source.note, range };
}

export const TOP_DIMENSIONS = ['tokens', 'apps', 'users', 'ips', 'countries', 'asns'] as const;
export type TopDimension = (typeof TOP_DIMENSIONS)[number];
export const TOP_METRICS = ['requests', 'errors', 'auth_failures'] as const;
export type TopMetric = (typeof TOP_METRICS)[number];

/** The dimension names in usage_dim_1h_v1. */
const DIMENSIONS = ['app', 'user', 'ip', 'country', 'asn'] as const;
const DIM_VALUE: Record<Exclude<TopDimension, 'tokens'>, (typeof DIMENSIONS)[number]> = {
  apps: 'app',
  users: 'user',
  ips: 'ip',
  countries: 'country',
  asns: 'asn',
};

const METRIC_SQL: Record<TopMetric, string> = {
  requests: 'requests',
  errors: 'errors',
  auth_failures: 'auth_failures',
};

export const topRow = z.object({
  key: z.string(),
  label: z.string(),
  app_id: z.string(),
  user_id: z.string(),
  requests: z.coerce.number(),
  errors: z.coerce.number(),
  auth_failures: z.coerce.number(),
  tokens: z.coerce.number().nullable(),
});
export type TopRow = z.infer<typeof topRow>;


export interface TopQuery {
  by: TopDimension;
  metric: TopMetric;
  limit: number;
  offset: number;
  app_id?: string;
  user_id?: string;
}

/**
 * Top tokens over a range of whole minutes: every day the range touches from the daily
 * rollup (ordered by day: the days are one range of rows), less the raw rows of those
 * days outside the range, which lie in the first and the last day's partitions only and
 * are few in the last one (the range ends now, bar clock skew). A token is listed if it
 * has requests in the range. The ranking reads counts only; the app and user of the
 * tokens listed come from the registry (the latest seen), not from every day's rows.
 */
const topParams = z.object({
  from: z.date(),
  to: z.date(),
  metric: z.enum(TOP_METRICS),
  app_id: z.string().optional(),
  user_id: z.string().optional(),
  limit: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
});

const rankedTokens = defineQuery({
  name: 'top_tokens',
  sql: (q) => {
    // Columns qualified with the table (`e.`) where an alias of the same name would shadow them.
    const filter = (t: string) =>
      `${q.app_id !== undefined ? ` AND ${t}app_id = {app_id:String}` : ''}${q.user_id !== undefined ? ` AND ${t}user_id = {user_id:String}` : ''}`;
    return `SELECT token_fingerprint AS key, sum(requests) AS requests, sum(errors) AS errors, sum(auth_failures) AS auth_failures
     FROM (
       SELECT token_fingerprint, toInt64(requests) AS requests, toInt64(status_4xx + status_5xx) AS errors, toInt64(auth_failures) AS auth_failures
       FROM ${TABLES.usageToken1d}
       WHERE day >= toDate({first_day:DateTime64(3)}) AND day < toDate({after_last_day:DateTime64(3)})${filter('')}
       UNION ALL
       SELECT e.token_fingerprint AS token_fingerprint, -count() AS requests, -countIf(e.status >= 400) AS errors, -countIf(e.status IN (401, 403)) AS auth_failures
       FROM ${TABLES.usageEvents} AS e
       WHERE ((e.ts >= {first_day:DateTime64(3)} AND e.ts < {from:DateTime64(3)}) OR (e.ts >= {to:DateTime64(3)} AND e.ts < {after_last_day:DateTime64(3)}))${filter('e.')}
       GROUP BY e.token_fingerprint
     )
     GROUP BY token_fingerprint
     HAVING requests > 0
     ORDER BY ${METRIC_SQL[q.metric]} DESC, key
     LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;
  },
  params: topParams.extend({ first_day: z.date(), after_last_day: z.date() }),
  row: z.object({ key: z.string(), requests: count64, errors: count64, auth_failures: count64 }),
});

async function topTokens(warehouse: Warehouse, range: Range, q: TopQuery): Promise<TopRow[]> {
  const ranked = await rankedTokens(warehouse, { ...q, ...range, first_day: floorTo(range.from, DAY_MS), after_last_day: ceilTo(range.to, DAY_MS) });
  if (ranked.length === 0) return [];
  const owners = new Map((await tokenOwners(warehouse, { fps: ranked.map((r) => r.key) })).map((o) => [o.token_fingerprint, o] as const));
  return ranked.map((r) => {
    const owner = owners.get(r.key);
    return { key: r.key, label: '', app_id: owner?.app_id ?? '', user_id: owner?.user_id ?? '', requests: r.requests, errors: r.errors, auth_failures: r.auth_failures, tokens: null };
  });
}

/** Top keys of a dimension from the hourly rollup. */
const topKeys = defineQuery({
  name: 'top_dimension',
  sql: (q) => `SELECT value AS key, anyLast(label) AS label, if(uniqExact(app_id) = 1, any(app_id), '') AS app_id, '' AS user_id,
            sum(requests) AS requests, sum(errors) AS errors, sum(auth_failures) AS auth_failures, uniqMerge(tokens) AS tokens
     FROM ${TABLES.usageDim1h}
     WHERE dimension = {dimension:String} AND hour >= {from:DateTime64(3)} AND hour < {to:DateTime64(3)} AND value != ''
       ${q.app_id !== undefined ? 'AND app_id = {app_id:String}' : ''}
       ${q.user_id !== undefined ? 'AND value = {user_id:String}' : ''}
     GROUP BY value
     ORDER BY ${METRIC_SQL[q.metric]} DESC, key
     LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
  params: topParams.extend({ dimension: z.enum(DIMENSIONS) }),
  row: topRow,
});

/**
 * Top keys of a dimension over a range. Tokens: see topTokens (range in whole minutes).
 * Other dimensions: the hourly rollup, with the range widened to whole hours. The range
 * used is returned.
 */
export async function usageTop(warehouse: Warehouse, exact: Range, q: TopQuery): Promise<{ rows: TopRow[]; range: Range }> {
  if (q.by === 'tokens') {
    const range = toWholeMinutes(exact);
    const rows = await topTokens(warehouse, range, q);
    return { rows, range };
  }

  if (q.user_id !== undefined && q.by !== 'users') {
    throw new Invalid('invalid_request', `user_id: filtering top ${q.by} by user is not supported; use by=tokens`, [{ field: 'querystring.user_id', error: 'not supported for this dimension' }]);
  }
  const hourly: Range = { from: floorTo(exact.from, HOUR_MS), to: ceilTo(exact.to, HOUR_MS) };
  const rows = await topKeys(warehouse, { ...q, ...hourly, dimension: DIM_VALUE[q.by] });
  return { rows, range: hourly };
}
