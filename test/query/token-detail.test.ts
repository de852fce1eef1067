/**
 * Token detail's window totals and breakdowns (IPs, places, networks, paths, status mix)
 * come from a daily rollup over whole UTC days: they must equal the same numbers computed
 * from the raw rows of those days, and the rollup must equal the raw table key by key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakdownFirstDay, tokenDetail } from '../../src/query/tokens.js';
import { openChdb } from '../../src/warehouse/chdb.js';
import { migrate, migrationVariables } from '../../src/warehouse/migrate.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { tempDir, testConfig } from '../helpers.js';

const DAY = 86_400_000;
const FP = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
let warehouse: Warehouse;

const ts = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Usage of two tokens over 31 days: a spread of IPs, places, networks, paths and statuses,
 * with rows just before and just after the start of the 30-day window, and on the day
 * the window starts in.
 */
function rows() {
  const out: Record<string, unknown>[] = [];
  const places = [
    ['DE', 'Berlin', 52.52, 13.405, 3320, 'DTAG'],
    ['US', 'Ashburn', 39.04, -77.49, 16509, 'Amazon'],
    ['JP', 'Tokyo', 35.68, 139.65, 2516, 'KDDI'],
    ['', '', null, null, 0, ''],
    ['FR', '', 48.9, 2.35, 3215, 'Orange'],
  ] as const;
  const ages = [30 * DAY + 60_000, 30 * DAY - 60_000, 30 * DAY - 3_600_000, 29.5 * DAY, 20 * DAY, 3 * DAY, 3_600_000, 60_000];
  for (let i = 0; i < 1200; i++) {
    const [country, city, lat, lon, asn, asnOrg] = places[i % places.length]!;
    out.push({
      event_id: `e-${i}`,
      ts: ts(ages[i % ages.length]! + (i % 13) * 1000),
      received_at: ts(0),
      token_fingerprint: i % 5 === 4 ? OTHER : FP,
      app_id: 'shop',
      user_id: 'alice',
      ip: `::ffff:198.51.100.${i % 37}`,
      country,
      city,
      lat,
      lon,
      asn,
      asn_org: asnOrg,
      method: i % 3 === 0 ? 'POST' : 'GET',
      path: `/v1/items/${i % 61}`,
      status: [200, 200, 200, 201, 401, 403, 404, 500][i % 8],
    });
  }
  return out;
}

beforeAll(async () => {
  const config = testConfig(tempDir());
  warehouse = openChdb(`${config.dataDir}/warehouse`);
  await migrate(warehouse, migrationVariables(config));
  const data = rows();
  // Several inserts: the rollup holds several rows per key until merges, as in production.
  for (let i = 0; i < data.length; i += 400) {
    await warehouse.insertJsonEachRow('usage_events', data.slice(i, i + 400).map((r) => JSON.stringify(r)).join('\n'));
  }
});
afterAll(async () => warehouse?.close());

const window = `FROM usage_events WHERE token_fingerprint = {fp:String} AND ts >= toDateTime64({first_day:Date}, 3, 'UTC')`;

describe('token detail breakdowns', () => {
  it('equal the raw rows of the window: today and the 30 UTC days before it', async () => {
    const detail = (await tokenDetail(warehouse, FP))!;
    const firstDay = breakdownFirstDay(30);
    expect(detail.usage.window_from).toBe(`${firstDay}T00:00:00.000Z`);
    expect(Date.now() - Date.parse(detail.usage.window_from)).toBeGreaterThanOrEqual(30 * DAY);
    expect(Date.now() - Date.parse(detail.usage.window_from)).toBeLessThan(31 * DAY);
    const raw = (sql: string) => warehouse.query(sql, { fp: FP, first_day: firstDay });
    const [totals] = (await raw(`SELECT count() AS requests, countIf(status BETWEEN 400 AND 499) AS status_4xx, countIf(status >= 500) AS status_5xx,
                                        countIf(status IN (401, 403)) AS auth_failures, uniqExact(ip) AS distinct_ips,
                                        uniqExactIf(country, country != '') AS distinct_countries, uniqExactIf(asn, asn != 0) AS distinct_asns
                                 ${window}`)) as Record<string, unknown>[];
    const { requests, status_4xx, status_5xx, auth_failures, distinct_ips, distinct_countries, distinct_asns } = detail.usage;
    expect({ requests, status_4xx, status_5xx, auth_failures, distinct_ips, distinct_countries, distinct_asns }).toEqual(totals);
    expect(requests).toBeGreaterThan(0);
    // The registry counts every request of the token, the window only its own.
    expect(detail.requests).toBe(960);
    const iso = (v: unknown) => `${String(v).replace(' ', 'T')}Z`;
    const ips = (await raw(`SELECT replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '') AS ip, count() AS requests, toString(max(ts)) AS last_seen
                            ${window} GROUP BY ip ORDER BY requests DESC, ip LIMIT 50`)) as Record<string, unknown>[];
    expect(detail.usage.ips.map((r) => [r.ip, r.requests, r.last_seen])).toEqual(ips.map((r) => [r.ip, r.requests, iso(r.last_seen)]));
    const countries = (await raw(`SELECT country, count() AS requests, toString(max(ts)) AS last_seen ${window} AND country != ''
                                  GROUP BY country ORDER BY requests DESC, country`)) as Record<string, unknown>[];
    expect(detail.usage.countries).toEqual(countries.map((r) => ({ ...r, last_seen: iso(r.last_seen) })));
    const cities = (await raw(`SELECT country, city, count() AS requests, avg(lat) AS lat, avg(lon) AS lon, toString(max(ts)) AS last_seen
                               ${window} AND city != '' GROUP BY country, city ORDER BY requests DESC, city`)) as Record<string, unknown>[];
    expect(detail.usage.cities.map((r) => [r.country, r.city, r.requests, r.last_seen])).toEqual(cities.map((r) => [r.country, r.city, r.requests, iso(r.last_seen)]));
    detail.usage.cities.forEach((r, i) => {
      expect(r.lat).toBeCloseTo(Number(cities[i]!.lat), 4);
      expect(r.lon).toBeCloseTo(Number(cities[i]!.lon), 4);
    });
    const asns = (await raw(`SELECT asn, count() AS requests, toString(max(ts)) AS last_seen, anyLast(asn_org) AS asn_org ${window} AND asn != 0
                             GROUP BY asn ORDER BY requests DESC, asn`)) as Record<string, unknown>[];
    expect(detail.usage.asns).toEqual(asns.map((r) => ({ asn: r.asn, asn_org: r.asn_org, requests: r.requests, last_seen: iso(r.last_seen) })));
    const paths = (await raw(`SELECT method, path, count() AS requests, countIf(status >= 400) AS errors ${window}
                              GROUP BY method, path ORDER BY requests DESC, path, method`)) as Record<string, unknown>[];
    // Paths with equal counts come in any order of method; at the limit, any of the tied rows may be cut.
    const byKey = (r: { method: unknown; path: unknown }) => `${String(r.method)} ${String(r.path)}`;
    const product = new Map(detail.usage.paths.map((r) => [byKey(r), r]));
    expect(detail.usage.paths).toHaveLength(50);
    const floor = Math.min(...detail.usage.paths.map((r) => r.requests));
    for (const r of paths.filter((p) => Number(p.requests) > floor)) expect(product.get(byKey(r as never))).toEqual(r);
    const statuses = await raw(`SELECT status, count() AS requests ${window} GROUP BY status ORDER BY status`);
    expect(detail.usage.status_mix).toEqual(statuses);
    expect(detail.usage.status_mix.reduce((n, s) => n + s.requests, 0)).toBe(
      Number(((await raw(`SELECT count() AS n ${window}`)) as { n: number }[])[0]!.n),
    );
  });

  it('leave out rows older than the window', async () => {
    const detail = (await tokenDetail(warehouse, FP, 2))!;
    const inTwoDays = Number(((await warehouse.query(`SELECT count() AS n ${window}`, { fp: FP, first_day: breakdownFirstDay(2) })) as { n: number }[])[0]!.n);
    expect(inTwoDays).toBeGreaterThan(0);
    expect(detail.usage.requests).toBe(inTwoDays);
    expect(detail.usage.status_mix.reduce((n, s) => n + s.requests, 0)).toBe(inTwoDays);
  });
});

describe('the breakdown rollup', () => {
  it('equals the raw table for every token, day and key', async () => {
    const check = async (kind: string, key: string) => {
      const raw = `SELECT token_fingerprint, toDate(ts) AS day, ${key} AS k, count() AS n, countIf(status >= 400) AS errors, max(ts) AS last
                   FROM usage_events GROUP BY token_fingerprint, day, k`;
      const rollup = `SELECT token_fingerprint, day, ${key} AS k, sum(requests), sum(errors), max(last_seen)
                      FROM usage_token_breakdown_1d_v1 WHERE kind = '${kind}' GROUP BY token_fingerprint, day, k`;
      expect(await warehouse.query(`${raw} EXCEPT ${rollup}`)).toEqual([]);
      expect(await warehouse.query(`${rollup} EXCEPT ${raw}`)).toEqual([]);
    };
    await check('ip', 'ip');
    await check('country', 'country');
    await check('city', '(country, city)');
    await check('asn', 'asn');
    await check('path', '(method, path)');
    await check('status', 'status');
    const rowsPerKind = (await warehouse.query(`SELECT kind, sum(requests) AS n FROM usage_token_breakdown_1d_v1 GROUP BY kind ORDER BY kind`)) as { n: number }[];
    expect(rowsPerKind.map((r) => r.n)).toEqual(Array(6).fill(1200));
  });
});

describe("a token's flags and revocations", () => {
  it('are found through the token index, not by reading every row (as after a bulk revocation job)', async () => {
    await warehouse.command(
      `INSERT INTO revocations (revocation_id, token_fingerprint, scope, target, status, requested_at, updated_at)
       SELECT toString(number), lower(hex(SHA256(toString(number)))), 'all', 'idp', 'done', now64(3), now64(3) FROM numbers(200000)`,
    );
    await warehouse.command(
      `INSERT INTO revocations (revocation_id, token_fingerprint, scope, target, status, requested_at, updated_at)
       VALUES ('mine', {fp:String}, 'token', 'idp', 'done', now64(3), now64(3))`,
      { fp: FP },
    );
    await warehouse.command(
      `INSERT INTO flags (flag_id, token_fingerprint, detector, severity, status, created_at, updated_at)
       SELECT toString(number), lower(hex(SHA256(toString(number)))), 'rate_spike', 'low', 'open', now64(3), now64(3) FROM numbers(200000)`,
    );
    const detail = (await tokenDetail(warehouse, FP))!;
    expect(detail.revocations.map((r) => r.revocation_id)).toEqual(['mine']);
    expect(detail.flags).toEqual([]);
    // The statements tokenDetail sends for flags and revocations skip the granules without the token.
    const sent: string[] = [];
    const spy: Warehouse = { ...warehouse, query: (sql, params) => (sent.push(sql), warehouse.query(sql, params)) };
    await tokenDetail(spy, FP);
    for (const [table, index] of [['flags', 'flags_token'], ['revocations', 'revocations_token']] as const) {
      const sql = sent.find((s) => new RegExp(`FROM ${table} FINAL`).test(s))!;
      const plan = ((await warehouse.query(`EXPLAIN indexes = 1 ${sql}`, { fp: FP })) as { explain: string }[]).map((r) => r.explain.replace(/^[│├└─\s]+/u, ''));
      const at = plan.indexOf(`Name: ${index}`);
      expect(at, plan.join('\n')).toBeGreaterThan(0);
      const [, kept, total] = /^Granules: (\d+)\/(\d+)$/.exec(plan.slice(at).find((l) => l.startsWith('Granules:'))!)!;
      expect(Number(total)).toBeGreaterThan(20);
      expect(Number(kept)).toBeLessThanOrEqual(2);
    }
  });
});
