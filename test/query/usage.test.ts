/** /v1/usage/timeseries and /v1/usage/top against counts taken straight from usage_events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
const now = Date.now();
const HOUR = 3_600_000;
const from = new Date(now - 6 * HOUR).toISOString();
const to = new Date(now).toISOString();

/** Deterministic traffic over the last 6 hours: 3 apps, 6 tokens, 4 countries, some errors. */
function traffic() {
  const events = [];
  for (let i = 0; i < 3000; i++) {
    const token = `tok-${i % 6}`;
    events.push({
      event_id: `u-${i}`,
      token,
      ts: new Date(now - 6 * HOUR + 1000 + Math.floor((i * 6 * HOUR - 2000) / 3000)).toISOString(),
      app_id: `app-${i % 3}`,
      user_id: `user-${i % 4}`,
      ip: `198.51.100.${i % 50}`,
      country: ['DE', 'US', 'BR', 'JP'][i % 4],
      asn: 64500 + (i % 5),
      status: i % 10 === 0 ? 401 : i % 17 === 0 ? 503 : 200,
      path: `/p/${i % 7}`,
    });
  }
  return events;
}

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
  const events = traffic();
  for (let i = 0; i < events.length; i += 1000) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(events.slice(i, i + 1000)),
    });
    expect(res.statusCode).toBe(202);
  }
  await t.ctx.flusher.drained();
});
afterAll(async () => t?.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { ...auth('read'), ...headers } });
const raw = async (where: string, params: Record<string, unknown> = {}) =>
  Number(((await t.ctx.warehouse.query(`SELECT count() AS n FROM usage_events WHERE ${where}`, params)) as { n: number }[])[0]!.n);
const sum = (points: { requests: number }[]) => points.reduce((n, p) => n + p.requests, 0);
const q = (params: Record<string, string>) => new URLSearchParams({ from, to, ...params }).toString();

describe('GET /v1/usage/timeseries', () => {
  it('counts every request once, in buckets covering the range', async () => {
    const res = await get(`/v1/usage/timeseries?${q({ interval: '3600' })}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.interval).toBe(3600);
    expect(body.source).toBe('usage_app_1m_v1');
    expect(body.points.length).toBeGreaterThanOrEqual(6);
    expect(body.points.length).toBeLessThanOrEqual(7);
    expect(sum(body.points)).toBe(3000);
    expect(body.points.reduce((n: number, p: { status_5xx: number }) => n + p.status_5xx, 0)).toBe(await raw('status >= 500'));
    expect(body.points.reduce((n: number, p: { auth_failures: number }) => n + p.auth_failures, 0)).toBe(await raw('status IN (401, 403)'));
    expect(body.points[0].t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  });

  it('chooses an interval from the range when none is given', async () => {
    const body = (await get(`/v1/usage/timeseries?${q({})}`)).json();
    expect(body.interval).toBe(60);
    expect(sum(body.points)).toBe(3000);
    expect((await get('/v1/usage/timeseries?from=now-30d')).json().interval).toBe(10800);
  });

  it.each([
    [{ app_id: 'app-1' }, 'app_id = {app_id:String}', 'usage_app_1m_v1'],
    [{ country: 'de' }, "country = 'DE'", 'usage_app_1m_v1'],
    [{ status: '4xx' }, 'status BETWEEN 400 AND 499', 'usage_app_1m_v1'],
    [{ app_id: 'app-2', status: '5xx', country: 'US' }, "app_id = 'app-2' AND status >= 500 AND country = 'US'", 'usage_app_1m_v1'],
    [{ user_id: 'user-3' }, "user_id = 'user-3'", 'usage_user_1m_v1'],
    [{ user_id: 'user-3', country: 'JP' }, "user_id = 'user-3' AND country = 'JP'", 'usage_events'],
  ])('filters %j like the raw table does', async (filters, where, source) => {
    const body = (await get(`/v1/usage/timeseries?${q({ interval: '900', ...filters })}`)).json();
    expect(body.source).toBe(source);
    expect(sum(body.points)).toBe(await raw(where, filters));
  });

  it('filters by token fingerprint', async () => {
    const fp = fingerprint(t.ctx.secrets.pepper, 'tok-2');
    const body = (await get(`/v1/usage/timeseries?${q({ token_fingerprint: fp })}`)).json();
    expect(body.source).toBe('usage_token_1m_v1');
    expect(sum(body.points)).toBe(500);
    const withStatus = (await get(`/v1/usage/timeseries?${q({ token_fingerprint: fp, status: '2xx' })}`)).json();
    expect(sum(withStatus.points)).toBe(await raw('token_fingerprint = {fp:String} AND status < 300', { fp }));
  });

  it('answers CSV for format=csv and for Accept: text/csv', async () => {
    const a = await get(`/v1/usage/timeseries?${q({ interval: '3600', format: 'csv' })}`);
    expect(a.headers['content-type']).toMatch(/^text\/csv/);
    const lines = a.body.trim().split('\r\n');
    expect(lines[0]).toBe('t,requests,status_4xx,status_5xx,auth_failures');
    expect(lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0)).toBe(3000);
    const b = await get(`/v1/usage/timeseries?${q({ interval: '3600' })}`, { accept: 'text/csv' });
    expect(b.body).toBe(a.body);
  });

  it.each([
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2026-99-99' }, 'to'],
    [{ from: to, to: from }, 'from'],
    [{ interval: '90' }, 'interval'],
    [{ interval: '60', from: 'now-30d', to: 'now' }, 'interval'],
    [{ status: '6xx' }, 'status'],
    [{ country: 'Germany' }, 'country'],
    [{ token_fingerprint: 'abc' }, 'token_fingerprint'],
    [{ format: 'xml' }, 'format'],
  ])('answers 400 naming the parameter for %j', async (params, name) => {
    const res = await get(`/v1/usage/timeseries?${new URLSearchParams({ from, to, ...params })}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(name);
  });
});

describe('GET /v1/usage/top', () => {
  it('ranks tokens by requests over the exact range, with paging', async () => {
    const body = (await get(`/v1/usage/top?${q({ by: 'tokens', limit: '4' })}`)).json();
    expect(body.rows).toHaveLength(4);
    expect(body.rows.every((r: { requests: number }) => r.requests === 500)).toBe(true);
    expect(body.next_offset).toBe(4);
    const next = (await get(`/v1/usage/top?${q({ by: 'tokens', limit: '4', offset: '4' })}`)).json();
    expect(next.rows).toHaveLength(2);
    expect(next.next_offset).toBeNull();
    const keys = [...body.rows, ...next.rows].map((r: { key: string }) => r.key).sort();
    expect(keys).toEqual(Array.from({ length: 6 }, (_, i) => fingerprint(t.ctx.secrets.pepper, `tok-${i}`)).sort());
  });

  it('counts tokens across whole days and partial days alike', async () => {
    const wide = new URLSearchParams({ by: 'tokens', from: new Date(now - 3 * 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() });
    const body = (await get(`/v1/usage/top?${wide}`)).json();
    expect(sum(body.rows)).toBe(3000);
  });

  it.each([
    ['apps', 3, 1000],
    ['users', 4, 750],
    ['countries', 4, 750],
    ['asns', 5, 600],
    ['ips', 20, 60],
  ])('ranks %s', async (by, count, each) => {
    const body = (await get(`/v1/usage/top?${q({ by, limit: '20' })}`)).json();
    expect(body.rows).toHaveLength(count);
    expect(body.rows[0].requests).toBe(each);
    expect(body.rows[0].tokens).toBeGreaterThan(0);
  });

  it('ranks by errors and auth failures and filters by app', async () => {
    const errors = (await get(`/v1/usage/top?${q({ by: 'countries', metric: 'errors' })}`)).json();
    expect(sum(errors.rows.map((r: { errors: number }) => ({ requests: r.errors })))).toBe(await raw('status >= 400'));
    const auth401 = (await get(`/v1/usage/top?${q({ by: 'tokens', metric: 'auth_failures', app_id: 'app-0' })}`)).json();
    expect(auth401.rows.reduce((n: number, r: { auth_failures: number }) => n + r.auth_failures, 0)).toBe(await raw("app_id = 'app-0' AND status IN (401, 403)"));
    expect(auth401.rows.every((r: { app_id: string }) => r.app_id === 'app-0')).toBe(true);
  });

  it('answers CSV and rejects unknown dimensions', async () => {
    const csv = await get(`/v1/usage/top?${q({ by: 'apps', format: 'csv' })}`);
    expect(csv.body.split('\r\n')[0]).toBe('key,label,app_id,user_id,requests,errors,auth_failures,tokens');
    const bad = await get(`/v1/usage/top?${q({ by: 'planets' })}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('by');
  });
});

describe('rollups agree with the raw table', () => {
  it('for every token, app and user', async () => {
    const check = async (sql: string) => expect(await t.ctx.warehouse.query(sql)).toEqual([]);
    await check(`SELECT token_fingerprint, count() AS n FROM usage_events GROUP BY token_fingerprint
                 EXCEPT SELECT token_fingerprint, sum(requests) FROM usage_token_1m_v1 GROUP BY token_fingerprint`);
    await check(`SELECT token_fingerprint, count() AS n FROM usage_events GROUP BY token_fingerprint
                 EXCEPT SELECT token_fingerprint, sum(requests) FROM usage_token_1d_v1 GROUP BY token_fingerprint`);
    await check(`SELECT toString(app_id), count() FROM usage_events GROUP BY app_id EXCEPT SELECT app_id, sum(requests) FROM v_usage_per_minute GROUP BY app_id`);
    await check(`SELECT user_id, count() FROM usage_events GROUP BY user_id EXCEPT SELECT user_id, sum(requests) FROM usage_user_1m_v1 GROUP BY user_id`);
  });
});
