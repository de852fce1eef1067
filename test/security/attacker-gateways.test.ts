/**
 * Red-team pass (issue 11): the native gateway routes and the batch bodies, as an attacker
 * holding one ingest key (or only a stolen token used through a gateway) would try them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { forwardedClient } from '../../src/ingest/gateways/envoy.js';
import { referenceFingerprint } from '../../src/ingest/gateways/registry.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
let fp: (token: string) => string;

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
  fp = (token) => fingerprint(t.ctx.secrets.pepper, token);
});
afterAll(async () => t?.close());

const post = (url: string, payload: string, role: 'ingest' | 'idp' = 'ingest', contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, ...auth(role) }, payload });

describe('a client of Envoy cannot choose its own address with X-Forwarded-For', () => {
  it('the stored client is the rightmost public hop, not the first address the client wrote', async () => {
    const stolen = 'stolen-token-through-envoy';
    // The attacker (198.51.100.66) sends X-Forwarded-For: <victim's home address>; the load
    // balancer (10.0.0.4, what Envoy saw) appends the attacker's real address.
    const record = {
      start_time: new Date(Date.now() - 1000).toISOString(),
      method: 'GET',
      path: '/orders',
      response_code: 200,
      x_forwarded_for: '203.0.113.10, 198.51.100.66, 10.0.0.4',
      downstream_remote_address: '10.0.0.4:40112',
      authorization: `Bearer ${stolen}`,
    };
    const res = await post('/v1/ingest/envoy', JSON.stringify([record]));
    expect(res.statusCode, res.body).toBe(200);
    await t.ctx.flusher.drained();
    const rows = (await t.ctx.warehouse.query(
      `SELECT replaceRegexpOne(toString(ip), '^::ffff:', '') AS ip FROM usage_events WHERE token_fingerprint = {fp:String}`,
      { fp: fp(stolen) },
    )) as { ip: string }[];
    expect(rows).toEqual([{ ip: '198.51.100.66' }]);
  });

  it('forwardedClient: public hop from the right; all private: the first; anything unreadable: none', () => {
    expect(forwardedClient('203.0.113.150, 10.0.0.4')).toBe('203.0.113.150');
    expect(forwardedClient('203.0.113.10,198.51.100.66')).toBe('198.51.100.66');
    expect(forwardedClient('10.1.2.3, 192.168.0.9')).toBe('10.1.2.3');
    expect(forwardedClient('2001:db8::5, fd00::1')).toBe('2001:db8::5');
    expect(forwardedClient('203.0.113.10, not-an-ip')).toBeUndefined();
  });
});

describe('a Tyk api_key read as a hash is not kept whole', () => {
  it('a 64-hex api_key (the key itself, in a deployment without hash_keys) reaches neither token_ref nor the API whole', async () => {
    const key = 'c0ffee00'.repeat(8);
    const record = { response_code: 200, timestamp: new Date().toISOString(), ip_address: '203.0.113.1', api_key: key, path: '/x' };
    const res = await post('/v1/ingest/tyk', JSON.stringify([record]));
    expect(res.statusCode, res.body).toBe(200);
    await t.ctx.flusher.drained();
    const refFp = referenceFingerprint(t.ctx.secrets.pepper, 'tyk', `key:${key}`);
    const detail = await t.app.inject({ method: 'GET', url: `/v1/tokens/${refFp}`, headers: auth('read') });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json().token_ref).toBe('tyk:key:c0ffee00…');
    expect(detail.body).not.toContain(key.slice(0, 16));
    const stored = (await t.ctx.warehouse.query(`SELECT count() AS n FROM usage_events WHERE position(token_ref, {k:String}) > 0`, { k: key.slice(0, 16) })) as { n: number }[];
    expect(Number(stored[0]!.n)).toBe(0);
  });
});

describe('many tiny records are refused before they cost anything', () => {
  // 9 MB bodies of records the splitter and mapper reject one by one: before the fix each took
  // 27–52 s of a blocked event loop (an exception or a zod error per record) and up to ~1 GB
  // before the 413 for too many events.
  const N = 9_000_000;
  const cases: [string, string, string, string][] = [
    ['/v1/events NDJSON of "x" lines', '/v1/events', 'x\n'.repeat(N / 2), 'application/x-ndjson'],
    ['/v1/tokens NDJSON of "x" lines', '/v1/tokens', 'x\n'.repeat(N / 2), 'application/x-ndjson'],
    ['APISIX clickhouse-logger INSERT of "{}x"', '/v1/ingest/apisix', 'INSERT INTO logs FORMAT JSONEachRow ' + '{}x'.repeat(N / 3), 'application/json'],
    ['APISIX new_line records of "x"', '/v1/ingest/apisix', 'x\n'.repeat(N / 2), 'application/json'],
    ['Kong array of 0', '/v1/ingest/kong', '[' + Array(N / 2).fill('0').join(',') + ']', 'application/json'],
    ['Tyk NDJSON of "x"', '/v1/ingest/tyk', 'x\n'.repeat(N / 2), 'application/json'],
    ['Envoy text lines', '/v1/ingest/envoy', 'x\n'.repeat(N / 2), 'text/plain'],
  ];
  it.each(cases)('%s: 413 within seconds', async (_name, url, body, contentType) => {
    const started = Date.now();
    const res = await post(url, body, url === '/v1/tokens' ? 'idp' : 'ingest', contentType);
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json().error.code).toBe('too_many_events');
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('10,000 records are still one request', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ token: `bulk-${i % 50}`, ip: '203.0.113.7' })).join('\n');
    const res = await post('/v1/events', lines, 'ingest', 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().accepted).toBe(10_000);
  });
});

describe('hostile shapes that already hold (regression guards)', () => {
  it('deeply nested JSON (4.5 M levels) is a 400, on /v1/events and on a gateway route', async () => {
    const deep = '['.repeat(4_500_000) + ']'.repeat(4_500_000);
    expect((await post('/v1/events', deep)).statusCode).toBe(400);
    expect((await post('/v1/ingest/envoy', `{"authorization":${deep}}`)).statusCode).toBe(400);
  });

  it('a Tyk raw_request of 8 MB is read once, only for its header, and the token is fingerprinted', async () => {
    const head = 'GET /big HTTP/1.1\r\nHost: api\r\n' + 'X-Pad: '.padEnd(6_000_000, 'a') + '\r\nAuthorization: Bearer tyk-big-raw-token\r\n\r\n';
    const record = { response_code: 200, timestamp: new Date().toISOString(), ip_address: '203.0.113.1', raw_request: Buffer.from(head).toString('base64') };
    const started = Date.now();
    const res = await post('/v1/ingest/tyk', JSON.stringify(record));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1 });
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
