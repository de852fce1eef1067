/**
 * Query benchmark (issue 3): `npm run bench -- query [--events=10000000] [--tokens=10000] [--runs=100] [--full-rollups]`.
 *
 * Loads `events` usage events for `tokens` tokens over 30 days into the embedded engine
 * (generated in the engine, bench/common.ts), then measures warm p50/p95 latency over
 * `runs` random tokens/apps of:
 *  - token detail: tokenDetail() (src/query/tokens.ts);
 *  - a 24-hour per-minute time series of one app: usageTimeseries() with app_id, interval 60;
 *  - top 20 tokens by requests over 30 days: usageTop() by tokens;
 * each beside the naive baseline, the same answer straight from usage_events (GROUP BY
 * over the raw table, as a developer without the rollups would write it), run on the
 * same token/app right after, and checks that the answers agree.
 *
 * Rollups the measured queries do not read (usage_user_1m, usage_dim_1h,
 * usage_token_place_1h) are not filled (the token breakdown rollup of sql/008 is), and usage_app_1m only for the last two days (the
 * time series reads 24 hours): filling them from 10 million sparse events costs minutes
 * of CPU on two cores and changes nothing these queries read. --full-rollups fills all.
 */
import { z } from 'zod';
import { breakdownFirstDay, DEFAULT_BREAKDOWN_DAYS, tokenDetail } from '../src/query/tokens.js';
import { toWholeMinutes, usageTimeseries, usageTop } from '../src/query/usage.js';
import { openChdb } from '../src/warehouse/chdb.js';
import { migrate, migrationVariables } from '../src/warehouse/migrate.js';
import { TABLES, type Warehouse } from '../src/warehouse/warehouse.js';
import {
  activeParts,
  benchConfig,
  bulkLoadHistory,
  contention,
  DAY,
  fmtInt,
  HOUR,
  ms,
  MINUTE,
  option,
  percentile,
  resultsPreamble,
  sqlLabel,
  rng,
  settleMerges,
  type RollupFill,
  tempDataDir,
  timed,
  tokenAppSql,
  tokenFingerprintSql,
  verdict,
  writeResults,
} from './common.js';

const TARGETS = { detailP95Ms: 100, topP95Ms: 300, speedup: 5 };
/**
 * Calls of each kind (product and naive alike, on other random tokens/apps) before the
 * measured ones: the latency of a server that has answered a few dozen requests. Right
 * after a start the engine's mark cache and compiled expressions and V8's JIT are cold,
 * and the first few dozen token details run ~30 % slower (measured); those calls are
 * reported too ("warm-up"), not hidden.
 */
const WARMUP = 20;

// ---- the naive baselines: the same answers from usage_events only ---------------------------

const num = z.coerce.number();

/**
 * tokenDetail's answer from the raw table: registry fields, window totals, breakdowns,
 * hourly, flags, revocations. The window starts at `firstDay` (UTC), as the product's does.
 */
async function naiveTokenDetail(warehouse: Warehouse, fp: string, firstDay = breakdownFirstDay(DEFAULT_BREAKDOWN_DAYS)) {
  const raw = `FROM ${TABLES.usageEvents} WHERE token_fingerprint = {fp:String}`;
  const win = `${raw} AND ts >= toDateTime64({first_day:Date}, 3, 'UTC')`;
  const p = { fp, first_day: firstDay, limit: 50 };
  const [registry, totals, ips, countries, cities, asns, paths, statuses, hourly, flags, revocations] = await Promise.all([
    warehouse.query(
      `SELECT token_fingerprint, argMax(toString(token_type), ts) AS token_type, argMax(toString(app_id), ts) AS app_id,
              argMax(toString(client_id), ts) AS client_id, argMax(user_id, ts) AS user_id, argMax(scopes, ts) AS scopes,
              toString(min(ts)) AS first_seen, toString(max(ts)) AS last_seen, count() AS requests
       ${raw} GROUP BY token_fingerprint`,
      p,
    ),
    warehouse.query(
      `SELECT count() AS requests, countIf(status BETWEEN 400 AND 499) AS status_4xx, countIf(status >= 500) AS status_5xx,
              countIf(status IN (401, 403)) AS auth_failures, uniqExact(ip) AS distinct_ips, uniqExactIf(country, country != '') AS distinct_countries,
              uniqExactIf(asn, asn != 0) AS distinct_asns ${win}`,
      p,
    ),
    warehouse.query(
      `SELECT replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '') AS ip, count() AS requests, toString(max(ts)) AS last_seen,
              anyLast(country) AS country, anyLast(city) AS city, anyLast(asn) AS asn, anyLast(asn_org) AS asn_org
       ${win} GROUP BY ip ORDER BY requests DESC, ip LIMIT {limit:UInt32}`,
      p,
    ),
    warehouse.query(`SELECT country, count() AS requests, toString(max(ts)) AS last_seen ${win} AND country != '' GROUP BY country ORDER BY requests DESC, country LIMIT {limit:UInt32}`, p),
    warehouse.query(
      `SELECT country, city, count() AS requests, avg(lat) AS lat, avg(lon) AS lon, toString(max(ts)) AS last_seen
       ${win} AND city != '' GROUP BY country, city ORDER BY requests DESC, city LIMIT {limit:UInt32}`,
      p,
    ),
    warehouse.query(`SELECT asn, anyLast(asn_org) AS asn_org, count() AS requests, toString(max(ts)) AS last_seen ${win} AND asn != 0 GROUP BY asn ORDER BY requests DESC, asn LIMIT {limit:UInt32}`, p),
    warehouse.query(`SELECT method, path, count() AS requests, countIf(status >= 400) AS errors ${win} GROUP BY method, path ORDER BY requests DESC, path LIMIT {limit:UInt32}`, p),
    warehouse.query(`SELECT status, count() AS requests ${win} GROUP BY status ORDER BY status LIMIT {limit:UInt32}`, p),
    warehouse.query(
      `SELECT toStartOfHour(toDateTime(ts, 'UTC')) AS hour, count() AS requests, countIf(status >= 400) AS errors
       ${raw} AND ts >= toStartOfHour(now()) - toIntervalHour(23)
       GROUP BY hour
       ORDER BY hour WITH FILL FROM toStartOfHour(now()) - toIntervalHour(23) TO toStartOfHour(now()) + toIntervalHour(1) STEP toIntervalHour(1)`,
      p,
    ),
    warehouse.query(`SELECT flag_id FROM ${TABLES.flags} FINAL WHERE token_fingerprint = {fp:String} LIMIT 100`, p),
    warehouse.query(`SELECT revocation_id FROM ${TABLES.revocations} FINAL WHERE token_fingerprint = {fp:String} LIMIT 100`, p),
  ]);
  return { registry: registry[0] as Record<string, unknown> | undefined, totals: totals[0] as Record<string, unknown>, ips, countries, cities, asns, paths, statuses, hourly, flags, revocations };
}

async function naiveTimeseries(warehouse: Warehouse, range: { from: Date; to: Date }, appId: string) {
  const rows = await warehouse.query(
    `SELECT toStartOfInterval(toDateTime(ts, 'UTC'), toIntervalSecond(60)) AS bucket, count() AS requests, countIf(status BETWEEN 400 AND 499) AS status_4xx,
            countIf(status >= 500) AS status_5xx, countIf(status IN (401, 403)) AS auth_failures
     FROM ${TABLES.usageEvents}
     WHERE app_id = {app_id:String} AND ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)}
     GROUP BY bucket
     ORDER BY bucket WITH FILL FROM toStartOfMinute(toDateTime({from:DateTime64(3)}, 'UTC')) TO toDateTime({to:DateTime64(3)}, 'UTC') STEP 60`,
    { app_id: appId, ...range },
  );
  return rows.map((r) => {
    const x = r as Record<string, unknown>;
    return { t: `${String(x.bucket).replace(' ', 'T')}Z`, requests: num.parse(x.requests), status_4xx: num.parse(x.status_4xx), status_5xx: num.parse(x.status_5xx), auth_failures: num.parse(x.auth_failures) };
  });
}

async function naiveTop(warehouse: Warehouse, range: { from: Date; to: Date }, limit: number) {
  const rows = await warehouse.query(
    `SELECT token_fingerprint AS key, count() AS requests, countIf(status >= 400) AS errors, countIf(status IN (401, 403)) AS auth_failures
     FROM ${TABLES.usageEvents} WHERE ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)}
     GROUP BY key ORDER BY requests DESC, key LIMIT {limit:UInt32}`,
    { ...range, limit },
  );
  return rows.map((r) => {
    const x = r as Record<string, unknown>;
    return { key: String(x.key), requests: num.parse(x.requests), errors: num.parse(x.errors), auth_failures: num.parse(x.auth_failures) };
  });
}

// ---- agreement checks ------------------------------------------------------------------------

/**
 * Paths are ordered by requests, then path only: the methods of one path with equal counts
 * come in any order, and at the LIMIT any of the tied rows may be cut. Compared: the rows
 * strictly above the last count, in (count, path, method) order.
 */
function canonicalPaths(rows: [unknown, unknown, number, unknown][]) {
  const floor = rows.length >= 50 ? Math.min(...rows.map((r) => r[2])) : -1;
  return rows.filter((r) => r[2] > floor).sort((a, b) => b[2] - a[2] || String(a[1]).localeCompare(String(b[1])) || String(a[0]).localeCompare(String(b[0])));
}

type Detail = NonNullable<Awaited<ReturnType<typeof tokenDetail>>>;
type Naive = Awaited<ReturnType<typeof naiveTokenDetail>>;

/** Differences between the product's token detail and the naive one (empty: they agree). */
function compareDetail(d: Detail | undefined, n: Naive): string[] {
  if (!d || !n.registry) return [d ? 'naive: no rows' : 'product: token not found'];
  const out: string[] = [];
  const eq = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${what}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  };
  const r = n.registry;
  eq('app_id', d.app_id, r.app_id);
  eq('user_id', d.user_id, r.user_id);
  eq('token_type', d.token_type, r.token_type);
  eq('first_seen', d.first_seen, `${String(r.first_seen).replace(' ', 'T')}Z`);
  eq('last_seen', d.last_seen, `${String(r.last_seen).replace(' ', 'T')}Z`);
  eq('requests', d.requests, num.parse(r.requests));
  const t = n.totals;
  for (const k of ['requests', 'status_4xx', 'status_5xx', 'auth_failures', 'distinct_ips', 'distinct_countries', 'distinct_asns'] as const) {
    eq(`usage.${k}`, d.usage[k], num.parse(t[k]));
  }
  const iso = (v: unknown) => `${String(v).replace(' ', 'T')}Z`;
  eq('ips', d.usage.ips.map((x) => [x.ip, x.requests, x.last_seen]), n.ips.map((x) => { const y = x as Record<string, unknown>; return [y.ip, num.parse(y.requests), iso(y.last_seen)]; }));
  eq('countries', d.usage.countries.map((x) => [x.country, x.requests]), n.countries.map((x) => { const y = x as Record<string, unknown>; return [y.country, num.parse(y.requests)]; }));
  eq('cities', d.usage.cities.map((x) => [x.city, x.requests]), n.cities.map((x) => { const y = x as Record<string, unknown>; return [y.city, num.parse(y.requests)]; }));
  eq('asns', d.usage.asns.map((x) => [x.asn, x.requests]), n.asns.map((x) => { const y = x as Record<string, unknown>; return [num.parse(y.asn), num.parse(y.requests)]; }));
  eq(
    'paths',
    canonicalPaths(d.usage.paths.map((x) => [x.method, x.path, x.requests, x.errors])),
    canonicalPaths(n.paths.map((x) => { const y = x as Record<string, unknown>; return [y.method, y.path, num.parse(y.requests), num.parse(y.errors)]; })),
  );
  eq('status_mix', d.usage.status_mix.map((x) => [x.status, x.requests]), n.statuses.map((x) => { const y = x as Record<string, unknown>; return [num.parse(y.status), num.parse(y.requests)]; }));
  eq('requests_per_hour_24h', d.usage.requests_per_hour_24h.map((x) => [x.hour, x.requests, x.errors]), n.hourly.map((x) => { const y = x as Record<string, unknown>; return [iso(y.hour), num.parse(y.requests), num.parse(y.errors)]; }));
  return out;
}


// ---- the benchmark ---------------------------------------------------------------------------

interface Series {
  product: number[];
  naive: number[];
  mismatches: string[];
  /** The warm-up calls' times. */
  warmProduct: number[];
  warmNaive: number[];
}

/** Files one product/naive pair of times under the warm-up (false) or the measured calls (true). */
function record(s: Series, i: number, product: number, naive: number): boolean {
  const warm = i < WARMUP;
  (warm ? s.warmProduct : s.product).push(product);
  (warm ? s.warmNaive : s.naive).push(naive);
  return !warm;
}

const summary = (s: Series) => {
  const p50 = percentile(s.product, 50);
  const p95 = percentile(s.product, 95);
  const n50 = percentile(s.naive, 50);
  const n95 = percentile(s.naive, 95);
  return { p50, p95, n50, n95, speedup50: n50 / p50, speedup95: n95 / p95 };
};

export async function run(args: string[]): Promise<number> {
  const events = option(args, 'events', 10_000_000);
  const tokens = option(args, 'tokens', 10_000);
  const apps = option(args, 'apps', 200);
  const runs = option(args, 'runs', 100);
  const fullRollups = args.includes('--full-rollups');
  const began = new Date();
  const data = tempDataDir('query');
  const config = benchConfig(data.dir, { scheduler: { enabled: false } });
  const warehouse = openChdb(`${data.dir}/warehouse`);
  const log = (line: string) => console.log(`    ${line}`);
  try {
    console.log(`query benchmark: ${fmtInt(events)} events, ${fmtInt(tokens)} tokens, ${apps} apps, 30 days; ${runs} runs per query`);
    await migrate(warehouse, migrationVariables(config));

    // History ends a minute before the start; it begins 30 days minus an hour before, so
    // the product's "last 30 days" windows (now64() at query time) hold all of it.
    const end = Math.floor(began.getTime() / MINUTE) * MINUTE - MINUTE;
    const start = end - 30 * DAY + HOUR;
    console.log(`(1) load: ${fmtInt(events)} events, ${new Date(start).toISOString()} … ${new Date(end).toISOString()}`);
    const loadStarted = performance.now();
    const rollups: Record<string, RollupFill> = fullRollups
      ? {}
      : { usage_user_1m_v1: 'skip', usage_dim_1h_v1: 'skip', usage_token_place_1h_v1: 'skip', usage_app_1m_v1: { sinceMs: end - 2 * DAY } };
    const load = await bulkLoadHistory(warehouse, { n: events, tokens, apps, fromMs: start, toMs: end, diurnal: true, prefix: 'q-' }, { rollups, log });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const sizes = (await warehouse.query(
      `SELECT table, sum(rows) AS rows, count() AS parts, formatReadableSize(sum(bytes_on_disk)) AS size FROM system.parts
       WHERE active AND database = currentDatabase() AND (table LIKE 'usage%' OR table = 'tokens_v2') GROUP BY table ORDER BY table`,
    )) as { table: string; rows: number; parts: number; size: string }[];
    for (const s of sizes) log(`${s.table.padEnd(26)} ${fmtInt(Number(s.rows)).padStart(12)} rows ${String(s.parts).padStart(4)} parts ${s.size}`);
    log(`loaded in ${loadSeconds.toFixed(0)} s (raw ${load.rawSeconds.toFixed(0)} s)`);
    // The bulk load leaves merges running for a while; latency is measured once they are done.
    const settled = await settleMerges(warehouse, 180_000);
    log(`merges settled after ${settled.toFixed(0)} s more`);

    // Every token and app of the population, in a random order (seeded).
    const random = rng(0x5eed);
    const fps = (await warehouse.query(`SELECT ${tokenFingerprintSql('number')} AS fp FROM numbers({n:UInt32})`, { n: tokens })).map((r) => (r as { fp: string }).fp);
    const appIds = (await warehouse.query(`SELECT DISTINCT ${tokenAppSql('number', apps)} AS app FROM numbers({n:UInt32})`, { n: tokens })).map((r) => (r as { app: string }).app);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;

    const empty = (): Series => ({ product: [], naive: [], mismatches: [], warmProduct: [], warmNaive: [] });
    const detail = empty();
    const series = empty();
    const top = empty();
    const watch = contention();

    console.log(`(2) token detail: tokenDetail() vs the same answer from usage_events, ${runs} random tokens (after ${WARMUP} warm-up runs)`);
    for (let i = 0; i < WARMUP + runs; i++) {
      const fp = pick(fps);
      const a = await timed(() => tokenDetail(warehouse, fp));
      const b = await timed(() => naiveTokenDetail(warehouse, fp, a.value?.usage.window_from.slice(0, 10)));
      if (!record(detail, i, a.ms, b.ms)) continue;
      for (const m of compareDetail(a.value, b.value)) detail.mismatches.push(`${fp.slice(0, 12)}… ${m}`);
    }

    console.log(`(3) time series: usageTimeseries(24 h, 60 s, app_id) vs GROUP BY over usage_events, ${runs} random apps`);
    for (let i = 0; i < WARMUP + runs; i++) {
      const app = pick(appIds);
      const now = new Date();
      const range = toWholeMinutes({ from: new Date(now.getTime() - DAY), to: now });
      const a = await timed(() => usageTimeseries(warehouse, range, 60, { app_id: app }));
      const b = await timed(() => naiveTimeseries(warehouse, range, app));
      if (!record(series, i, a.ms, b.ms)) continue;
      if (JSON.stringify(a.value.points) !== JSON.stringify(b.value)) {
        const diff = a.value.points.findIndex((p, j) => JSON.stringify(p) !== JSON.stringify(b.value[j]));
        series.mismatches.push(`${app}: ${a.value.points.length} vs ${b.value.length} points, first difference at ${diff}: ${JSON.stringify(a.value.points[diff])} ≠ ${JSON.stringify(b.value[diff])}`);
      }
    }

    console.log(`(4) top 20 tokens by requests over 30 days: usageTop() vs GROUP BY over usage_events, ${runs} runs`);
    for (let i = 0; i < WARMUP + runs; i++) {
      const now = new Date();
      const range = toWholeMinutes({ from: new Date(now.getTime() - 30 * DAY), to: now });
      const a = await timed(() => usageTop(warehouse, range, { by: 'tokens', metric: 'requests', limit: 20, offset: 0 }));
      const b = await timed(() => naiveTop(warehouse, range, 20));
      if (!record(top, i, a.ms, b.ms)) continue;
      const x = JSON.stringify(a.value.rows.map((r) => ({ key: r.key, requests: r.requests, errors: r.errors, auth_failures: r.auth_failures })));
      if (x !== JSON.stringify(b.value)) top.mismatches.push(`product ${x.slice(0, 200)} ≠ naive ${JSON.stringify(b.value).slice(0, 200)}`);
    }
    const busy = watch();

    // usageTop's statements alone, and the largest app's time series.
    const topParts: Record<string, number> = {};
    {
      const now = new Date();
      const range = toWholeMinutes({ from: new Date(now.getTime() - 30 * DAY), to: now });
      const sent: { sql: string; params?: Record<string, unknown> }[] = [];
      const spy: Warehouse = { ...warehouse, query: (sql, params) => (sent.push({ sql, params }), warehouse.query(sql, params)) };
      await usageTop(spy, range, { by: 'tokens', metric: 'requests', limit: 20, offset: 0 });
      for (const { sql, params } of sent) {
        const xs: number[] = [];
        for (let i = 0; i < 5; i++) xs.push((await timed(() => warehouse.query(sql, params))).ms);
        topParts[`\`${sqlLabel(sql)}\``] = percentile(xs, 50);
      }
    }
    const bigApp = String(((await warehouse.query(`SELECT app_id FROM ${TABLES.usageApp1m} GROUP BY app_id ORDER BY sum(requests) DESC LIMIT 1`))[0] as { app_id: string }).app_id);
    const bigSeries = { product: [] as number[], naive: [] as number[], rows: 0 };
    for (let i = 0; i < 10; i++) {
      const now = new Date();
      const range = toWholeMinutes({ from: new Date(now.getTime() - DAY), to: now });
      bigSeries.product.push((await timed(() => usageTimeseries(warehouse, range, 60, { app_id: bigApp }))).ms);
      const nv = await timed(() => naiveTimeseries(warehouse, range, bigApp));
      bigSeries.naive.push(nv.ms);
      bigSeries.rows = nv.value.reduce((n, x) => n + x.requests, 0);
    }

    // Where token detail spends its time: each of its queries alone, on the busiest token and a median one.
    const heavy = fps[0]!; // rank 0: the busiest token
    const typical = fps[Math.floor(tokens / 2)]!;
    const parts = await detailStatements(warehouse, [heavy, typical]);
    const heavyDetail = await timed(() => tokenDetail(warehouse, heavy));
    const heavyNaive = await timed(() => naiveTokenDetail(warehouse, heavy));
    const heavyRows = Number(((await warehouse.query(`SELECT count() AS n FROM ${TABLES.usageEvents} WHERE token_fingerprint = {fp:String}`, { fp: heavy }))[0] as { n: number }).n);
    const rawParts = await activeParts(warehouse, TABLES.usageEvents);

    const d = summary(detail);
    const s = summary(series);
    const t = summary(top);
    const checks: [string, boolean][] = [
      [`token detail p95 ${ms(d.p95)} ms ≤ ${TARGETS.detailP95Ms} ms`, d.p95 <= TARGETS.detailP95Ms],
      [`top-20 over 30 days p95 ${ms(t.p95)} ms ≤ ${TARGETS.topP95Ms} ms`, t.p95 <= TARGETS.topP95Ms],
      [`token detail ≥ ${TARGETS.speedup}× faster than naive (p50 ${d.speedup50.toFixed(2)}×, p95 ${d.speedup95.toFixed(2)}×)`, d.speedup50 >= TARGETS.speedup && d.speedup95 >= TARGETS.speedup],
      [`24 h time series ≥ ${TARGETS.speedup}× faster than naive (p50 ${s.speedup50.toFixed(2)}×, p95 ${s.speedup95.toFixed(2)}×)`, s.speedup50 >= TARGETS.speedup && s.speedup95 >= TARGETS.speedup],
      [`top-20 ≥ ${TARGETS.speedup}× faster than naive (p50 ${t.speedup50.toFixed(2)}×, p95 ${t.speedup95.toFixed(2)}×)`, t.speedup50 >= TARGETS.speedup && t.speedup95 >= TARGETS.speedup],
      [`answers agree (token detail ${detail.mismatches.length}, time series ${series.mismatches.length}, top ${top.mismatches.length} mismatches)`, detail.mismatches.length + series.mismatches.length + top.mismatches.length === 0],
    ];

    const rows = [
      ['token detail', d],
      ['24 h per-minute series, one app', s],
      ['top 20 tokens, 30 days', t],
    ] as const;
    const table = [
      '| query | product p50 | product p95 | naive p50 | naive p95 | speed-up p50 | speed-up p95 |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map(([name, x]) => `| ${name} | ${ms(x.p50)} ms | ${ms(x.p95)} ms | ${ms(x.n50)} ms | ${ms(x.n95)} ms | ${x.speedup50.toFixed(2)}× | ${x.speedup95.toFixed(2)}× |`),
    ];
    const warm = (x: Series) =>
      `${ms(percentile(x.warmProduct, 50))} / ${ms(percentile(x.warmProduct, 95))} ms (naive ${ms(percentile(x.warmNaive, 50))} / ${ms(percentile(x.warmNaive, 95))} ms)`;
    const warmLine = `The ${WARMUP} warm-up calls of each, p50 / p95: token detail ${warm(detail)}; series ${warm(series)}; top-20 ${warm(top)}.`;
    const breakdown = [
      '| token detail statement | busiest token | median token |',
      '|---|---:|---:|',
      ...Object.keys(parts[0]!).map((k) => `| ${k} | ${ms(parts[0]![k]!)} ms | ${ms(parts[1]![k]!)} ms |`),
    ];
    console.log('\nresults');
    for (const line of table) console.log(`  ${line}`);
    console.log(`  ${warmLine}`);
    console.log(`  busiest token (${fmtInt(heavyRows)} rows): tokenDetail ${ms(heavyDetail.ms)} ms, naive ${ms(heavyNaive.ms)} ms`);
    console.log(`  largest app (${bigApp}, ${fmtInt(bigSeries.rows)} events in 24 h): series p50 ${ms(percentile(bigSeries.product, 50))} ms, naive ${ms(percentile(bigSeries.naive, 50))} ms`);
    console.log(`  usageTop's statements alone: ${Object.entries(topParts).map(([k, v]) => `${k} ${ms(v)} ms`).join('; ')}`);
    console.log('  token detail, each query alone:');
    for (const line of breakdown) console.log(`  ${line}`);
    for (const m of [...detail.mismatches, ...series.mismatches, ...top.mismatches].slice(0, 10)) console.log(`  mismatch: ${m}`);
    console.log(`  other processes kept ${busy.otherCores.toFixed(2)} cores busy during the measurements (this one ${busy.ownCores.toFixed(2)})`);
    if (busy.otherCores > 0.2) console.log('  WARNING: the machine was shared during the measurements; latencies are high');
    for (const [label, ok] of checks) console.log(`  ${verdict(ok)}  ${label}`);
    const total = (Date.now() - began.getTime()) / 1000;
    console.log(`  total time ${total.toFixed(0)} s`);

    writeResults(
      'query',
      `## query (issue 3)

${resultsPreamble(`npm run bench -- query${args.length ? ` ${args.join(' ')}` : ''}`, began)}
Other processes kept ${busy.otherCores.toFixed(2)} cores busy during the measurements.

Data: ${fmtInt(events)} usage events, ${fmtInt(tokens)} tokens (Zipf-like traffic), ${apps} apps, 30 days with a diurnal cycle,
generated in the engine; rollups filled by the views' own SELECTs${fullRollups ? '' : ' (those the measured queries read: registry, token minute and day rollups in full, app minute rollup for the last 2 days)'}.
Load ${loadSeconds.toFixed(0)} s, then ${settled.toFixed(0)} s until no merge ran; usage_events has ${rawParts} parts. ${runs} runs per query after ${WARMUP} warm-up runs, random tokens/apps; naive baseline run right after each, on the same token/app.

${table.join('\n')}

${warmLine}

Busiest token (${fmtInt(heavyRows)} events): tokenDetail ${ms(heavyDetail.ms)} ms, naive ${ms(heavyNaive.ms)} ms.
Largest app (${bigApp}, ${fmtInt(bigSeries.rows)} events in the 24 h): time series p50 ${ms(percentile(bigSeries.product, 50))} ms, naive ${ms(percentile(bigSeries.naive, 50))} ms (10 runs).

usageTop by tokens, each of its statements alone (median of 5): ${Object.entries(topParts).map(([k, v]) => `${k} ${ms(v)} ms`).join('; ')}.

Token detail, each of its statements alone (median of 5, ms):

${breakdown.join('\n')}

${checks.map(([label, ok]) => `- **${verdict(ok)}** ${label}`).join('\n')}
${[...detail.mismatches, ...series.mismatches, ...top.mismatches].slice(0, 5).map((m) => `- mismatch: ${m}`).join('\n')}
Total time ${total.toFixed(0)} s.`,
      events === 10_000_000 && tokens === 10_000 && apps === 200 && runs >= 30,
    );
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await warehouse.close();
    data.remove();
  }
}

/**
 * The statements tokenDetail sends for a token (captured from one call), each run alone
 * (median of 5), and the whole call: where its time goes.
 */
async function detailStatements(warehouse: Warehouse, fps: string[]): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  for (const fp of fps) {
    const sent: { sql: string; params?: Record<string, unknown> }[] = [];
    const spy: Warehouse = { ...warehouse, query: (sql, params) => (sent.push({ sql, params }), warehouse.query(sql, params)) };
    await tokenDetail(spy, fp);
    const times: Record<string, number> = {};
    for (const { sql, params } of sent) {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) samples.push((await timed(() => warehouse.query(sql, params))).ms);
      times[`\`${sqlLabel(sql)}\``] = percentile(samples, 50);
    }
    const whole: number[] = [];
    for (let i = 0; i < 5; i++) whole.push((await timed(() => tokenDetail(warehouse, fp))).ms);
    times['tokenDetail() as a whole'] = percentile(whole, 50);
    out.push(times);
  }
  return out;
}
