/** Issues 11 and 15: long ranges and intervals are 400s, and intervals take durations. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
});
afterAll(async () => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth('read') });

describe('time and interval parameters', () => {
  it.each([
    ['/v1/usage/timeseries?from=now-' + '9'.repeat(400) + 'd', 'querystring.from'],
    ['/v1/usage/top?from=now-' + '9'.repeat(400) + 'd', 'querystring.from'],
    ['/v1/flags?from=now-' + '9'.repeat(400) + 'd', 'querystring.from'],
    ['/v1/revocations?to=now-' + '9'.repeat(400) + 'h', 'querystring.to'],
    ['/v1/usage/timeseries?from=99999999999999', 'querystring.from'],
    ['/v1/usage/timeseries?from=now-200000d', 'querystring.from'],
  ])('%s is a 400 naming the field', async (url, field) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it.each(['99999999999', '4294967340', '600000000000', '4294967296', '4294967296000', '9'.repeat(40), '99999d', '-60', '5x', '1.5h'])('interval=%s is a 400', async (interval) => {
    const res = await get(`/v1/usage/timeseries?from=now-7d&interval=${interval}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/interval/);
  });

  it.each([
    ['300', 300],
    ['5m', 300],
    ['60s', 60],
    ['1h', 3600],
    ['1d', 86_400],
  ])('interval=%s is %i seconds', async (interval, seconds) => {
    const res = await get(`/v1/usage/timeseries?from=now-2d&interval=${interval}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().interval).toBe(seconds);
  });

  it('a duration that is not whole minutes says what is accepted', async () => {
    const res = await get('/v1/usage/timeseries?from=now-1h&interval=30s');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/whole number of minutes/);
  });

  it('every duration a bad interval is told to use is itself accepted (no 30s example for minute rollups)', async () => {
    const res = await get('/v1/usage/timeseries?from=now-1h&interval=abc');
    expect(res.statusCode).toBe(400);
    const examples = /a duration \(([^)]*)\)/.exec(res.json().error.message)?.[1]?.split(', ') ?? [];
    expect(examples.length).toBeGreaterThan(2);
    for (const example of examples) {
      expect((await get(`/v1/usage/timeseries?from=now-2d&interval=${example}`)).statusCode, example).toBe(200);
    }
  });
});
