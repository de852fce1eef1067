/**
 * Shared by the query, detect and revoke benchmarks: a temp data dir and config, timing
 * and percentiles, the RESULTS file, and the in-engine generator of realistic usage
 * events (INSERT INTO usage_events SELECT … FROM numbers(N)), so the materialized views
 * fill the rollups and the registry exactly as production inserts do.
 *
 * The population: `tokens` tokens whose traffic is Zipf-like (density ∝ 1/(rank + 10):
 * the busiest token has ~1.4% of all events at 10,000 tokens, the median one ~0.003%);
 * each token belongs to one of `apps` apps (Zipf-like too: a few big apps, a long tail)
 * and to one user, has a home place (country, city, network) it uses 95% of the time, a
 * second place (travel, VPN exit) 4.8%, anywhere 0.2%; three home IPs; statuses, paths,
 * methods and latencies of a typical JSON API; timestamps with a diurnal cycle (4:1 peak
 * to trough, peak at 14:00 UTC) over history, uniform within a short dense window.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, type Config } from '../src/config.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export function option(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

export function tempDataDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tokenwatch-bench-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const BENCH_KEYS = { ingest: 'bench-ingest-key-0123456789', read: 'bench-read-key-0123456789ab', admin: 'bench-admin-key-0123456789a' } as const;

export function benchConfig(dataDir: string, file: Record<string, unknown> = {}): Config {
  return loadConfig(
    {
      TOKENWATCH_DATA_DIR: dataDir,
      TOKENWATCH_HOST: '127.0.0.1',
      TOKENWATCH_PORT: '0',
      TOKENWATCH_API_KEYS: Object.entries(BENCH_KEYS).map(([role, key]) => `${role}:${key}`).join(','),
      TOKENWATCH_LOG_LEVEL: 'warn',
    },
    file,
  );
}

/** Logs to a file in the data dir (warnings and errors only), not the terminal. */
export function benchLogger(dataDir: string, level = 'warn') {
  return pino({ level }, pino.destination({ dest: join(dataDir, 'bench.log'), sync: false }));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: number[]) => percentile(values, 50);

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`;
}

export { rng } from './ingest-data.js';

// ---- places ------------------------------------------------------------------------------

/** Country, city, lat, lon, ASN, network: five continents, so travel between them is impossible in minutes. */
export const PLACES: [string, string, number, number, number, string][] = [
  ['DE', 'Berlin', 52.52, 13.405, 3320, 'Deutsche Telekom AG'],
  ['DE', 'Munich', 48.137, 11.575, 3209, 'Vodafone GmbH'],
  ['FR', 'Paris', 48.857, 2.352, 3215, 'Orange S.A.'],
  ['GB', 'London', 51.507, -0.128, 2856, 'British Telecommunications PLC'],
  ['NL', 'Amsterdam', 52.37, 4.895, 1136, 'KPN B.V.'],
  ['ES', 'Madrid', 40.417, -3.704, 3352, 'Telefonica de Espana'],
  ['IT', 'Milan', 45.464, 9.19, 3269, 'Telecom Italia'],
  ['PL', 'Warsaw', 52.23, 21.012, 5617, 'Orange Polska'],
  ['SE', 'Stockholm', 59.329, 18.069, 3301, 'Telia Company AB'],
  ['US', 'New York', 40.713, -74.006, 7922, 'Comcast Cable Communications'],
  ['US', 'San Francisco', 37.775, -122.419, 7018, 'AT&T Services'],
  ['US', 'Chicago', 41.878, -87.63, 701, 'Verizon Business'],
  ['US', 'Ashburn', 39.044, -77.487, 16509, 'Amazon.com, Inc.'],
  ['CA', 'Toronto', 43.653, -79.383, 577, 'Bell Canada'],
  ['BR', 'Sao Paulo', -23.55, -46.633, 28573, 'Claro NXT'],
  ['MX', 'Mexico City', 19.433, -99.133, 8151, 'Uninet'],
  ['JP', 'Tokyo', 35.676, 139.65, 2516, 'KDDI Corporation'],
  ['SG', 'Singapore', 1.352, 103.82, 9506, 'Singtel'],
  ['IN', 'Mumbai', 19.076, 72.878, 55836, 'Reliance Jio'],
  ['IN', 'Bangalore', 12.972, 77.595, 24560, 'Bharti Airtel'],
  ['AU', 'Sydney', -33.869, 151.209, 1221, 'Telstra'],
  ['ZA', 'Johannesburg', -26.204, 28.047, 37457, 'Telkom SA'],
  ['NG', 'Lagos', 6.524, 3.379, 29465, 'MTN Nigeria'],
  ['KR', 'Seoul', 37.566, 126.978, 4766, 'Korea Telecom'],
];

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const placeArray = (i: number) => `[${PLACES.map((p) => (typeof p[i] === 'string' ? sqlString(p[i] as string) : String(p[i]))).join(', ')}]`;

const PATHS = [
  '/v1/orders', '/v1/orders/search', '/v1/users/me', '/v1/accounts', '/v1/payments', '/v1/invoices', '/v1/products',
  '/v1/products/search', '/v1/cart', '/v1/cart/items', '/v1/shipments', '/v1/notifications', '/v1/files', '/v1/reports',
  '/v2/catalog', '/v2/prices', '/v2/inventory', '/health', '/oauth2/userinfo', '/graphql',
];
const AGENTS = ['okhttp/4.12.0', 'python-requests/2.32.3', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Go-http-client/2.0', 'axios/1.7.7', 'curl/8.5.0'];

export interface UsageSpec {
  /** Rows to generate: number() runs from `offset` to `offset + n` (the seed of each row). */
  offset: number;
  n: number;
  tokens: number;
  apps: number;
  fromMs: number;
  toMs: number;
  /** Diurnal cycle (history) or uniform (a short dense window). */
  diurnal: boolean;
  /** event_id prefix: distinct per generated batch. */
  prefix: string;
  /** Every event from the token's home place (no travel, no VPN exits): background that raises no location findings. */
  homeOnly?: boolean;
}

/** Fingerprint of generated token `k` (rank by traffic): 64 hex chars, as the product's are. */
export const tokenFingerprintSql = (k: string) => `lower(hex(SHA256(concat('bench-token-', toString(${k})))))`;
/** App of generated token `k`: app-000 … app-(apps-1), Zipf-like. */
export const tokenAppSql = (k: string, apps: number) =>
  `concat('app-', leftPad(toString(least(${apps - 1}, toUInt32(2 * pow(${(apps + 2) / 2}, (cityHash64(${k}, 'app') % 1000000) / 1000000.) - 2))), 3, '0'))`;
export const tokenUserSql = (k: string) => `concat('user-', toString(cityHash64(${k}, 'user') % 6000))`;

/** The INSERT … SELECT that generates one batch of usage events. */
export function usageInsertSql(s: UsageSpec): string {
  const span = s.toMs - s.fromMs;
  const P = PLACES.length;
  // Millisecond timestamp of row `n` in [from, to).
  const tsMs = s.diurnal
    ? // A day at random, then the time of day warped by x = u - A/(2π)·sin(2πu): density 1/(1 - A·cos 2πu), 4:1 at A = 0.6.
      `(${Math.floor(s.fromMs / DAY) * DAY} + toInt64(u1 * ${Math.ceil(span / DAY) + 1}) * ${DAY}
          + toInt64(((u2 - 0.6 / (2 * pi()) * sin(2 * pi() * u2)) + ${14 / 24}) * ${DAY}) % ${DAY})`
    : `(${s.fromMs} + toInt64(u1 * ${span}))`;
  return `
INSERT INTO usage_events (event_id, ts, received_at, token_fingerprint, token_type, app_id, client_id, user_id, ip, country, city, lat, lon,
                          asn, asn_org, user_agent, method, host, path, status, latency_ms, bytes, gateway, scopes, jti, iss, token_expires_at)
SELECT
  concat(${sqlString(s.prefix)}, toString(n)) AS event_id,
  fromUnixTimestamp64Milli(t, 'UTC') AS ts,
  fromUnixTimestamp64Milli(t + 20 + h % 900, 'UTC') AS received_at,
  ${tokenFingerprintSql('k')} AS token_fingerprint,
  ['access_token', 'access_token', 'access_token', 'access_token', 'access_token', 'access_token', 'access_token', 'api_key', 'api_key', 'personal_access_token'][cityHash64(k, 'type') % 10 + 1] AS token_type,
  ${tokenAppSql('k', s.apps)} AS app_id,
  concat('client-', app_id) AS client_id,
  ${tokenUserSql('k')} AS user_id,
  toIPv6(toIPv4(multiIf(place = home, 16777216 * (11 + cityHash64(k, 'net') % 180) + (cityHash64(k, 'ip', h % 3) % 16777216),
                        place = away, 16777216 * (11 + cityHash64(k, 'net2') % 180) + (cityHash64(k, 'ip2') % 16777216),
                        16777216 * (11 + h % 180) + (h2 % 16777216)))) AS ip,
  ${placeArray(0)}[place + 1] AS country,
  ${placeArray(1)}[place + 1] AS city,
  toFloat32(${placeArray(2)}[place + 1]) AS lat,
  toFloat32(${placeArray(3)}[place + 1]) AS lon,
  toUInt32(${placeArray(4)}[place + 1]) AS asn,
  ${placeArray(5)}[place + 1] AS asn_org,
  ${`[${AGENTS.map(sqlString).join(', ')}]`}[cityHash64(k, 'ua') % ${AGENTS.length} + 1] AS user_agent,
  multiIf(u3 < 0.7, 'GET', u3 < 0.9, 'POST', u3 < 0.97, 'PUT', 'DELETE') AS method,
  'api.example.com' AS host,
  if(u4 < 0.2, concat('/v1/orders/', toString(h2 % 5000)), ${`[${PATHS.map(sqlString).join(', ')}]`}[toUInt32(pow(u4, 2) * ${PATHS.length}) + 1]) AS path,
  toUInt16(multiIf(u5 < 0.86, 200, u5 < 0.89, 201, u5 < 0.91, 204, u5 < 0.925, 400, u5 < 0.945, 401, u5 < 0.955, 403,
                   u5 < 0.975, 404, u5 < 0.98, 409, u5 < 0.985, 422, u5 < 0.99, 429, u5 < 0.996, 500, u5 < 0.998, 502, 503)) AS status,
  toFloat32(5 - 60 * log(1 - u6)) AS latency_ms,
  toUInt64(200 + h2 % 20000) AS bytes,
  ['kong', 'envoy'][h % 2 + 1] AS gateway,
  if(cityHash64(k, 'scope') % 3 = 0, ['read', 'write'], ['read']) AS scopes,
  '' AS jti,
  '' AS iss,
  NULL AS token_expires_at
FROM (
  SELECT number AS n, cityHash64(number, ${sqlString(s.prefix)}) AS h, cityHash64(h) AS h2,
         (h % 1000000007) / 1000000007. AS u0, (h2 % 999999937) / 999999937. AS u1,
         (intDiv(h, 1000) % 999983) / 999983. AS u2, (intDiv(h2, 1000) % 999979) / 999979. AS u3,
         (intDiv(h, 1000000) % 999961) / 999961. AS u4, (intDiv(h2, 1000000) % 999959) / 999959. AS u5,
         (intDiv(h, 1000000000) % 999953) / 999953. AS u6, (intDiv(h2, 1000000000) % 99991) / 99991. AS u7,
         -- token rank: inverse CDF of a density ∝ 1/(x + 10) over [0, tokens)
         least(${s.tokens - 1}, toUInt32(10 * pow(${(s.tokens + 10) / 10}, u0) - 10)) AS k,
         cityHash64(k, 'home') % ${P} AS home,
         (home + 1 + cityHash64(k, 'second') % ${P - 1}) % ${P} AS away,
         ${s.homeOnly ? 'home' : `multiIf(u7 < 0.95, home, u7 < 0.998, away, h % ${P})`} AS place,
         ${s.fromMs} + ((${tsMs} - ${s.fromMs}) % ${span} + ${span}) % ${span} AS t
  FROM numbers(${s.offset}, ${s.n})
)`;
}

/** Inserts `n` generated events in batches; returns rows/s. */
export async function generateUsage(
  warehouse: Warehouse,
  spec: Omit<UsageSpec, 'offset' | 'n'> & { n: number; offset?: number; batch?: number },
  progress?: (done: number) => void,
): Promise<number> {
  const batch = spec.batch ?? 1_000_000;
  const started = performance.now();
  for (let done = 0; done < spec.n; done += batch) {
    const n = Math.min(batch, spec.n - done);
    await warehouse.command(usageInsertSql({ ...spec, offset: (spec.offset ?? 0) + done, n }) + `\nSETTINGS parallel_view_processing = 1, max_insert_threads = 2`);
    progress?.(done + n);
  }
  return spec.n / ((performance.now() - started) / 1000);
}

interface ViewDef {
  name: string;
  target: string;
  select: string;
  columns: string[];
}

/** The materialized views fed by usage_events (and the daily rollup fed by the minute one), as the engine has them. */
async function usageViews(warehouse: Warehouse): Promise<ViewDef[]> {
  const rows = (await warehouse.query(
    `SELECT name, as_select, create_table_query FROM system.tables
     WHERE database = currentDatabase() AND engine = 'MaterializedView'
       AND (has(dependencies_database, currentDatabase()) OR 1)
       AND (as_select LIKE '% FROM default.usage_events%' OR as_select LIKE '% FROM default.usage_token_1m_v1%')`,
  )) as { name: string; as_select: string; create_table_query: string }[];
  const out: ViewDef[] = [];
  for (const r of rows) {
    const target = /\bTO (\S+)/.exec(r.create_table_query)?.[1];
    if (!target) throw new Error(`materialized view ${r.name}: no TO table`);
    const columns = ((await warehouse.query(`DESCRIBE (${r.as_select})`)) as { name: string }[]).map((c) => c.name);
    out.push({ name: r.name, target, select: r.as_select, columns });
  }
  return out;
}

/** What bulkLoadHistory writes into one rollup: all of the new rows, only those since a time, or nothing. */
export type RollupFill = 'all' | 'skip' | { sinceMs: number };

/**
 * Bulk history: generated usage events into usage_events with its materialized views
 * detached, then each view's own SELECT (read from the engine, so it cannot drift from
 * sql/) run once over the new rows and inserted into the view's table, then the views
 * attached again. A rollup ends up holding exactly what its view would have written,
 * once merged, at a fraction of the cost: a view aggregates each insert block on its own,
 * and sparse history (about one event per token and minute) costs a rollup row with
 * aggregate states per event per view, merged again later. The daily rollup is computed
 * from the minute rollup's SELECT over the same rows, as its view does.
 *
 * The history is inserted in time slices (`slices`), each one INSERT squashed into one
 * block, so every daily partition of usage_events gets one part (no merge backlog).
 * `rollups`: per rollup table, all of the new rows (default), only those since a time,
 * or none (for rollups the benchmark does not read; saves minutes of CPU).
 */
export async function bulkLoadHistory(
  warehouse: Warehouse,
  spec: Omit<UsageSpec, 'offset' | 'n'> & { n: number; offset?: number; slices?: number },
  options: { rollups?: Record<string, RollupFill>; log?: (line: string) => void } = {},
): Promise<{ rawSeconds: number; rollupSeconds: Record<string, number> }> {
  const views = await usageViews(warehouse);
  const log = options.log ?? (() => undefined);
  for (const v of views) await warehouse.command(`DETACH TABLE ${v.name}`);
  try {
    const slices = spec.slices ?? Math.max(1, Math.ceil(spec.n / 2_000_000));
    const sliceMs = Math.ceil((spec.toMs - spec.fromMs) / slices / DAY) * DAY;
    let started = performance.now();
    let offset = spec.offset ?? 0;
    let done = 0;
    for (let from = spec.fromMs; from < spec.toMs; from += sliceMs) {
      const to = Math.min(spec.toMs, from + sliceMs);
      const n = to === spec.toMs ? spec.n - done : Math.round((spec.n * (to - from)) / (spec.toMs - spec.fromMs));
      await warehouse.command(
        usageInsertSql({ ...spec, fromMs: from, toMs: to, offset, n }) +
          '\nSETTINGS max_insert_threads = 2, min_insert_block_size_rows = 0, min_insert_block_size_bytes = 4000000000',
      );
      offset += n;
      done += n;
      log(`raw events: ${fmtInt(done)} of ${fmtInt(spec.n)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    const rawSeconds = (performance.now() - started) / 1000;
    const fresh = (sinceMs?: number) =>
      `(SELECT * FROM default.usage_events WHERE startsWith(event_id, ${sqlString(spec.prefix)})${
        sinceMs === undefined ? '' : ` AND ts >= fromUnixTimestamp64Milli(${Math.trunc(sinceMs)}, 'UTC')`
      }) AS usage_events`;
    const minute = views.find((v) => v.target.endsWith('.usage_token_1m_v1'));
    const rollupSeconds: Record<string, number> = {};
    for (const v of views) {
      const table = v.target.replace(/^default\./, '');
      const fill = options.rollups?.[table] ?? 'all';
      if (fill === 'skip') continue;
      const since = fill === 'all' ? undefined : fill.sinceMs;
      let select: string;
      if (v.select.includes(' FROM default.usage_events')) {
        select = v.select.replace(' FROM default.usage_events', ` FROM ${fresh(since)}`);
      } else {
        if (!minute) throw new Error('no minute rollup view');
        select = v.select.replace(' FROM default.usage_token_1m_v1', ` FROM (${minute.select.replace(' FROM default.usage_events', ` FROM ${fresh(since)}`)}) AS usage_token_1m_v1`);
      }
      started = performance.now();
      await warehouse.command(
        `INSERT INTO ${v.target} (${v.columns.join(', ')}) ${select}
         SETTINGS optimize_on_insert = 0, max_insert_threads = 2, min_insert_block_size_rows = 0, min_insert_block_size_bytes = 4000000000`,
      );
      rollupSeconds[table] = (performance.now() - started) / 1000;
      log(`${table}${since === undefined ? '' : ` (since ${new Date(since).toISOString().slice(0, 16)}Z)`}: ${rollupSeconds[table]!.toFixed(1)} s`);
    }
    return { rawSeconds, rollupSeconds };
  } finally {
    for (const v of views) await warehouse.command(`ATTACH TABLE ${v.name}`);
  }
}

/** CPU seconds the whole machine has spent busy (Linux /proc/stat), to see other load. */
export function machineBusySeconds(): number | undefined {
  try {
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq) / 100; // USER_HZ
  } catch {
    return undefined;
  }
}

/** How many cores other processes kept busy between start() and stop(): contention that makes the figures low. */
export function contention() {
  const busy = machineBusySeconds();
  const cpu = process.cpuUsage();
  const t = performance.now();
  return () => {
    const wall = (performance.now() - t) / 1000;
    const own = process.cpuUsage(cpu);
    const after = machineBusySeconds();
    const ownCores = (own.user + own.system) / 1e6 / wall;
    const other = busy === undefined || after === undefined ? Number.NaN : (after - busy) / wall - ownCores;
    return { wall, ownCores, otherCores: Math.max(0, other) };
  };
}

/** Waits until the engine runs no merges (or the time is up); returns the seconds waited. */
export async function settleMerges(warehouse: Warehouse, maxMs = 60_000): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  while (Date.now() - started < maxMs) {
    const rows = (await warehouse.query('SELECT count() AS n FROM system.merges')) as { n: number }[];
    quiet = Number(rows[0]?.n ?? 0) === 0 ? quiet + 1 : 0;
    if (quiet >= 3) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return (Date.now() - started) / 1000;
}

export async function activeParts(warehouse: Warehouse, table: string): Promise<number> {
  const rows = (await warehouse.query(`SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = {t:String}`, { t: table })) as { n: number }[];
  return Number(rows[0]?.n ?? 0);
}

// ---- timed warehouse ----------------------------------------------------------------------

export interface QueryTiming {
  detector: string;
  label: string;
  ms: number;
  rows: number;
  /** For SELECTs: the statement and its parameters, to run it again. */
  sql?: string;
  params?: Record<string, unknown>;
}

/** A label for a statement: its first words and the tables it names. */
export function sqlLabel(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const tables = [...new Set([...flat.matchAll(/\b(?:FROM|INTO|TABLE) (\w+)/g)].map((m) => m[1]!))].filter((t) => t !== 'SELECT');
  return `${flat.slice(0, 48)}… [${tables.join(', ')}]`;
}

/**
 * The warehouse with every call timed: into `sink.timings` (when set) under `sink.detector`,
 * and into per-label totals (`stats`).
 */
export function timedWarehouse(inner: Warehouse, sink: { detector: string; timings: QueryTiming[] | undefined } = { detector: '', timings: undefined }) {
  const stats = new Map<string, { calls: number; ms: number }>();
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(label: string, work: Promise<T>, rows: (v: T) => number, sql?: string, params?: Record<string, unknown>): Promise<T> => {
    const started = performance.now();
    const detector = sink.detector;
    const p = work.then((v) => {
      const took = performance.now() - started;
      sink.timings?.push({ detector, label, ms: took, rows: rows(v), sql, params });
      const s = stats.get(label) ?? { calls: 0, ms: 0 };
      s.calls += 1;
      s.ms += took;
      stats.set(label, s);
      return v;
    });
    inflight.add(p);
    void p.catch(() => undefined).finally(() => inflight.delete(p));
    return p;
  };
  const warehouse: Warehouse = {
    kind: inner.kind,
    query: (sql, params) => track(sqlLabel(sql), inner.query(sql, params), (r) => r.length, sql, params),
    command: (sql, params) => track(sqlLabel(sql), inner.command(sql, params), () => 0),
    insertJsonEachRow: (table, rows, options) => track(`insert JSONEachRow [${table}]`, inner.insertJsonEachRow(table, rows, options), () => 0),
    ping: () => inner.ping(),
    /** Closes once the calls in flight are over (the product fires some without waiting, e.g. handle DELETEs). */
    async close() {
      const deadline = Date.now() + 60_000;
      while (inflight.size > 0 && Date.now() < deadline) await Promise.allSettled([...inflight]);
      await inner.close();
    },
  };
  return { warehouse, stats, sink, inflight };
}

/** The labels with the most time since `before` (a copy of stats taken earlier). */
export function topStats(stats: Map<string, { calls: number; ms: number }>, before: Map<string, { calls: number; ms: number }>, n = 8) {
  return [...stats]
    .map(([label, s]) => ({ label, calls: s.calls - (before.get(label)?.calls ?? 0), ms: s.ms - (before.get(label)?.ms ?? 0) }))
    .filter((x) => x.calls > 0)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n);
}

export const copyStats = (stats: Map<string, { calls: number; ms: number }>) => new Map([...stats].map(([k, v]) => [k, { ...v }]));

// ---- results file --------------------------------------------------------------------------

/** The tracked results file: written only by a run with --record. */
export const RESULTS_FILE = fileURLToPath(new URL('./RESULTS-query-detect-revoke.md', import.meta.url));
/** Where an ordinary run writes (bench/results/ is gitignored), so trying a benchmark changes no tracked file. */
export const SCRATCH_RESULTS_FILE = fileURLToPath(new URL('./results/RESULTS-query-detect-revoke.md', import.meta.url));

let recording = false;
/** `npm run bench -- <name> --record`: the run's figures go to the tracked RESULTS file. */
export function recordResults(on: boolean): void {
  recording = on;
}

const HEADER = `# Benchmarks: query, detect, revoke

Written by \`npm run bench -- query|detect|revoke\`: each run replaces its own section.
Figures are from one run each on the machine named in the section; ratios are to a
baseline measured in the same run.
`;

/**
 * Replaces (or appends) the section of one benchmark in the RESULTS file. A run at other
 * than the default scale goes to its own section, marked, so it never replaces the figures
 * measured under the targets' conditions.
 */
export function writeResults(name: string, body: string, fullScale = true, file = recording ? RESULTS_FILE : SCRATCH_RESULTS_FILE): string {
  if (!fullScale) {
    name = `${name}-reduced`;
    body = body.replace(/^(## .*)$/m, '$1 — REDUCED SCALE (options given; not the targets\' conditions)');
  }
  let text = HEADER;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* first run */
  }
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.error(`results written to ${file}${file === RESULTS_FILE ? '' : ' (untracked; add --record to update bench/RESULTS-query-detect-revoke.md)'}`);
  return file;
}

/** The commit measured, and whether src/ or sql/ differed from it. */
export function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'sql', 'bench', ':!bench/RESULTS*.md'], { encoding: 'utf8' }).trim();
    return `commit ${head}${dirty ? ' with uncommitted changes in src/, sql/ or bench/' : ''}`;
  } catch {
    return 'commit unknown';
  }
}

export function resultsPreamble(command: string, began: Date): string {
  return `Command: \`${command}\` — run ${began.toISOString().replace(/\.\d+Z$/, 'Z')} at ${revision()}, on ${machine()}.`;
}
