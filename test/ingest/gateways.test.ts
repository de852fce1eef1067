/**
 * Native gateway ingest through a real listening server: every fixture in
 * test/fixtures/{kong,apisix,envoy,tyk} (see SOURCES.md) posted as its gateway sends it,
 * and every mapped field read back from usage_events.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { referenceFingerprint } from '../../src/ingest/gateways/registry.js';
import { auth, countRows, KEYS, openTestApp, readTree, tempDir, testConfig, type TestApp } from '../helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const fixture = (path: string) => readFileSync(join(FIXTURES, path));

let t: TestApp;
let url: string;
let dataDir: string;
let pepper: string;

beforeAll(async () => {
  dataDir = tempDir();
  // The fixtures carry the times their gateways wrote, in December 2024: old enough for the
  // default age limit and retention TTL to drop them.
  t = await openTestApp(testConfig(dataDir, { ingest: { max_age_days: 3650 }, warehouse: { retention_days: 3650 } }));
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  pepper = t.ctx.secrets.pepper;
});
afterAll(async () => t?.close());

async function post(gateway: string, body: Buffer | string, headers: Record<string, string> = { ...auth('ingest'), 'content-type': 'application/json' }) {
  const res = await fetch(`${url}/v1/ingest/${gateway}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { accepted: number; duplicates: number; rejected: { index: number; error: string }[]; error?: { code: string } } };
}

interface Row {
  event_id: string;
  ts: number;
  token_fingerprint: string;
  token_kind: string;
  token_ref: string;
  token_type: string;
  ip: string;
  country: string;
  city: string;
  lat: number | null;
  lon: number | null;
  app_id: string;
  client_id: string;
  user_id: string;
  user_agent: string;
  method: string;
  host: string;
  path: string;
  status: number;
  latency_ms: number | null;
  bytes: number | null;
  gateway: string;
}

async function rows(eventIdPrefix: string): Promise<Row[]> {
  await t.ctx.flusher.drained();
  const result = (await t.ctx.warehouse.query(
    `SELECT event_id, toUnixTimestamp64Milli(ts) AS ts, token_fingerprint, token_kind, token_ref, token_type,
            replaceRegexpOne(toString(ip), '^::ffff:', '') AS ip, country, city, lat, lon, app_id, client_id, user_id, user_agent,
            method, host, path, status, latency_ms, bytes, gateway
     FROM usage_events WHERE startsWith(event_id, {p:String}) ORDER BY ts`,
    { p: eventIdPrefix },
  )) as Row[];
  return result.map((r) => ({ ...r, ts: Number(r.ts), status: Number(r.status), bytes: r.bytes === null ? null : Number(r.bytes) }));
}

/** The row of a gateway's request, by its time (each fixture record has its own). */
async function rowAt(gateway: string, ts: number): Promise<Row | undefined> {
  const found = (await rows(`${gateway}:`)).filter((r) => r.ts === ts);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0];
}

const raw = (token: string) => fingerprint(pepper, token);
const ms = (iso: string) => Date.parse(iso);
const NO_PLACE = { country: '', city: '', lat: null, lon: null };

describe('Kong http-log', () => {
  it('takes one object (queue.max_batch_size 1): the apikey header in clear is the token, "REDACTED" authorization is not', async () => {
    const res = await post('kong', fixture('kong/single.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
    const [row] = await rows('kong:b3c7e1a09f2d4c6e8a1b5d7f9e0c2a4b');
    expect(row).toMatchObject({
      ts: 1733563200000,
      token_fingerprint: raw('kong-clear-apikey-4f1e9a7c2b'),
      token_kind: 'raw',
      token_ref: '',
      token_type: 'api_key',
      ip: '203.0.113.41',
      ...NO_PLACE,
      app_id: 'app-shop-ios',
      user_id: 'shop-ios',
      user_agent: 'shop-ios/5.2.1',
      method: 'GET',
      host: 'api.shop.example',
      path: '/orders/42',
      status: 200,
      latency_ms: 47,
      bytes: 2104,
      gateway: 'kong',
    });
  });

  it('takes an array, with the ingest key as Basic auth from the URL userinfo; credential, query apikey, consumer', async () => {
    const basic = Buffer.from(`tokenwatch:${KEYS.ingest}`).toString('base64');
    const res = await post('kong', fixture('kong/batch.json'), { authorization: `Basic ${basic}`, 'content-type': 'application/json' });
    expect(res).toMatchObject({ status: 200, body: { accepted: 3, duplicates: 0, rejected: [] } });
    const byId = async (id: string) => (await rows(`kong:${id}`))[0];
    expect(await byId('e1d2c3b4a5968778695a4b3c2d1e0f11')).toMatchObject({
      ts: 1733563260000,
      token_fingerprint: referenceFingerprint(pepper, 'kong', 'credential:9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'),
      token_kind: 'reference',
      token_ref: 'kong:credential:9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      token_type: '',
      ip: '198.51.100.23',
      app_id: 'app-shop-web',
      user_id: 'shop-web',
      method: 'POST',
      path: '/orders',
      status: 201,
      latency_ms: 125.5,
      bytes: 455,
    });
    const query = await byId('0a1b2c3d4e5f60718293a4b5c6d7e8f9');
    expect(query).toMatchObject({
      ts: 1733563261500,
      token_fingerprint: raw('kong-query-apikey-88d0c1'),
      token_kind: 'raw',
      token_type: 'api_key',
      ip: '2001:db8:4::17',
      user_id: 'partner-lampco',
      app_id: '',
      // The query string (which held the key) is not kept.
      path: '/catalog/search',
      user_agent: 'curl/8.5.0',
      status: 200,
      bytes: 9120,
    });
    expect(await byId('ffeeddccbbaa99887766554433221100')).toMatchObject({
      token_fingerprint: referenceFingerprint(pepper, 'kong', 'consumer:8e9f0a1b-2c3d-4e5f-9a6b-7c8d9e0f1a2b'),
      token_kind: 'reference',
      token_ref: 'kong:consumer:8e9f0a1b-2c3d-4e5f-9a6b-7c8d9e0f1a2b',
      status: 401,
      latency_ms: 1,
      host: 'api.shop.example',
    });
  });

  it('counts a retried batch once', async () => {
    const res = await post('kong', fixture('kong/batch.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 3, duplicates: 3, rejected: [] } });
    await t.ctx.flusher.drained();
    expect(await countRows(t.ctx, "gateway = 'kong'")).toBe(4);
  });

  it('token detail says reference or raw', async () => {
    const ref = referenceFingerprint(pepper, 'kong', 'credential:9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    const detail = await fetch(`${url}/v1/tokens/${ref}`, { headers: auth('read') });
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ token_kind: 'reference', token_ref: 'kong:credential:9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' });
    const rawDetail = await fetch(`${url}/v1/tokens/${raw('kong-clear-apikey-4f1e9a7c2b')}`, { headers: auth('read') });
    expect(await rawDetail.json()).toMatchObject({ token_kind: 'raw', token_ref: null });
  });
});

const APISIX_BEARER = {
  token_fingerprint: '',
  token_kind: 'raw',
  token_type: 'access_token',
  ip: '203.0.113.88',
  ...NO_PLACE,
  app_id: 'finance-tools',
  user_id: 'ledger_cli',
  user_agent: 'ledger-cli/2.4',
  method: 'GET',
  host: 'gw.ledger.example',
  path: '/v2/balances',
  status: 200,
  bytes: 688,
  gateway: 'apisix',
};
const APISIX_NO_ROUTE = {
  token_kind: 'raw',
  token_type: 'api_key',
  ip: '198.51.100.61',
  app_id: '',
  user_id: '',
  user_agent: 'python-requests/2.32.3',
  method: 'DELETE',
  host: 'gw.ledger.example',
  path: '/unknown',
  status: 404,
  bytes: 233,
  gateway: 'apisix',
};

describe('APISIX', () => {
  beforeAll(() => {
    APISIX_BEARER.token_fingerprint = raw('apisix-raw-bearer-Zk81mQv3Tn0sLp');
  });

  it('http-logger JSON array (the default), key as a bare auth_header; a no-matched route is kept', async () => {
    const res = await post('apisix', fixture('apisix/array.json'), { authorization: KEYS.ingest, 'content-type': 'application/json' });
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const bearer = await rowAt('apisix', 1733563300123);
    expect(bearer).toMatchObject({ ...APISIX_BEARER, ts: 1733563300123 });
    expect(bearer!.latency_ms).toBeCloseTo(23, 3);
    const noRoute = (await rows('apisix:')).find((r) => r.ts === 1733563301456);
    expect(noRoute).toMatchObject({ ...APISIX_NO_ROUTE, token_fingerprint: raw('apisix-raw-apikey-Q2w3e4r5t6') });
    expect(noRoute!.latency_ms).toBeCloseTo(1, 3);
  });

  it('http-logger single object (batch_max_size 1)', async () => {
    const res = await post('apisix', fixture('apisix/single.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } });
    const [row] = (await rows('apisix:')).filter((r) => r.ts === 1733563302789);
    expect(row).toMatchObject({ ...APISIX_BEARER, ts: 1733563302789, latency_ms: 17.5 });
  });

  it('http-logger concat_method new_line', async () => {
    const res = await post('apisix', fixture('apisix/new_line.txt'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const row = await rowAt('apisix', 1733563303000);
    expect(row).toMatchObject({ ...APISIX_BEARER, ts: 1733563303000 });
    expect((await rows('apisix:')).find((r) => r.ts === 1733563304000)).toMatchObject(APISIX_NO_ROUTE);
  });

  it('clickhouse-logger INSERT … FORMAT JSONEachRow, key in X-ClickHouse-Key', async () => {
    const res = await post('apisix', fixture('apisix/clickhouse.txt'), {
      'x-clickhouse-user': 'default',
      'x-clickhouse-key': KEYS.ingest,
      'x-clickhouse-database': 'default',
      'content-type': 'application/json',
    });
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const row = await rowAt('apisix', 1733563305000);
    expect(row).toMatchObject({ ...APISIX_BEARER, ts: 1733563305000 });
    expect((await rows('apisix:')).find((r) => r.ts === 1733563306000)).toMatchObject(APISIX_NO_ROUTE);
  });

  it('counts a retried batch once by its content; a reused X-Request-Id does not hide a different request', async () => {
    const again = await post('apisix', fixture('apisix/single.json'));
    expect(again).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 1, rejected: [] } });
    const forged = JSON.parse(fixture('apisix/single.json').toString()) as { request: { uri: string } };
    forged.request.uri = '/v2/transfers';
    const other = await post('apisix', JSON.stringify(forged));
    expect(other).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0 } });
    await t.ctx.flusher.drained();
    expect((await rows('apisix:')).filter((r) => r.ts === 1733563302789).map((r) => r.path).sort()).toEqual(['/v2/balances', '/v2/transfers']);
  });

  it('rejects a malformed record by index and keeps the rest', async () => {
    const batch = JSON.parse(fixture('apisix/array.json').toString()) as Record<string, unknown>[];
    batch[0]!.start_time = 1733563399000;
    delete batch[1]!.client_ip;
    const res = await post('apisix', JSON.stringify([batch[0], batch[1], 'not a record']));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([
      { index: 1, error: expect.stringContaining('client_ip') },
      { index: 2, error: expect.any(String) },
    ]);
    expect((await rows('apisix:')).filter((r) => r.ts === 1733563399000)).toHaveLength(1);
  });

  it('answers 400 when no record is usable, and the gateway key forms only on these routes', async () => {
    const none = await post('apisix', JSON.stringify([{ request: {} }]));
    expect(none.status).toBe(400);
    expect(none.body.error?.code).toBe('invalid_events');
    const wrong = await post('apisix', fixture('apisix/single.json'), { 'x-clickhouse-key': 'not-the-key-0123456789', 'content-type': 'application/json' });
    expect(wrong.status).toBe(401);
    const events = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'x-clickhouse-key': KEYS.ingest, 'content-type': 'application/json' }, body: '[]' });
    expect(events.status).toBe(401);
    const readKey = await post('apisix', fixture('apisix/single.json'), { authorization: KEYS.read, 'content-type': 'application/json' });
    expect(readKey.status).toBe(403);
  });

  it('the same key through /v1/events is the same token', async () => {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify([{ token: 'apisix-raw-bearer-Zk81mQv3Tn0sLp', ip: '203.0.113.88', event_id: 'direct-apisix-same-key' }]),
    });
    expect(res.status).toBe(202);
    await t.ctx.flusher.drained();
    const fps = (await t.ctx.warehouse.query(
      `SELECT DISTINCT token_fingerprint AS fp FROM usage_events WHERE event_id = 'direct-apisix-same-key' OR (gateway = 'apisix' AND toUnixTimestamp64Milli(ts) = 1733563300123)`,
    )) as { fp: string }[];
    expect(fps).toEqual([{ fp: raw('apisix-raw-bearer-Zk81mQv3Tn0sLp') }]);
  });
});

const ISTIO_FIRST = {
  ts: ms('2024-12-07T09:20:00.125Z'),
  token_kind: 'raw',
  token_type: 'access_token',
  // The first X-Forwarded-For address, not the sidecar's peer.
  ip: '203.0.113.150',
  ...NO_PLACE,
  user_agent: 'bookinfo-web/1.19',
  method: 'GET',
  host: 'reviews.bookinfo.example',
  path: '/reviews/7',
  status: 200,
  latency_ms: 31,
  bytes: 1295,
  gateway: 'envoy',
};

describe('Envoy / Istio', () => {
  it("Istio's JSON keys as NDJSON (Vector ndjson codec): bearer and bare keys, '-' for unset, an address with a port", async () => {
    const res = await post('envoy', fixture('envoy/istio.ndjson'), { ...auth('ingest'), 'content-type': 'application/x-ndjson' });
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const first = await rowAt('envoy', ms('2024-12-07T09:20:00.125Z'));
    expect(first).toMatchObject({ ...ISTIO_FIRST, token_fingerprint: raw('envoy-raw-bearer-Hq7Ld2Xp') });
    const second = await rowAt('envoy', ms('2024-12-07T09:20:01.500Z'));
    expect(second).toMatchObject({
      ts: ms('2024-12-07T09:20:01.500Z'),
      token_fingerprint: raw('envoy-bare-apikey-6TfW2'),
      token_type: 'api_key',
      ip: '2001:db8::a1',
      user_agent: '',
      method: 'POST',
      path: '/ratings',
      status: 503,
      latency_ms: 2,
      bytes: 91,
    });
  });

  it('typed_json_format (null for unset) as a JSON array', async () => {
    const res = await post('envoy', fixture('envoy/typed.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } });
    const [row] = (await rows('envoy:')).filter((r) => r.ts === ms('2024-12-07T09:21:00.000Z'));
    expect(row).toMatchObject({
      token_fingerprint: raw('envoy-typed-bearer-Jc4Vn9'),
      ip: '192.0.2.77',
      user_agent: '',
      method: 'PUT',
      host: 'carts.example',
      path: '/carts/9',
      status: 204,
      latency_ms: 7,
      bytes: 0,
      gateway: 'envoy',
    });
  });

  it('Fluent Bit JSON records with the line under "log"', async () => {
    const res = await post('envoy', fixture('envoy/fluentbit.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } });
    const row = await rowAt('envoy', ms('2024-12-07T09:22:00.000Z'));
    expect(row).toMatchObject({ ...ISTIO_FIRST, ts: ms('2024-12-07T09:22:00.000Z'), token_fingerprint: raw('envoy-raw-bearer-Hq7Ld2Xp') });
  });

  it("Envoy's default text format as plain lines; a line with no token is rejected by index", async () => {
    const res = await post('envoy', fixture('envoy/text.log'), { ...auth('ingest'), 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([{ index: 2, error: expect.stringContaining('no token') }]);
    const post1 = await rowAt('envoy', ms('2024-12-07T09:23:00.310Z'));
    expect(post1).toMatchObject({
      ts: ms('2024-12-07T09:23:00.310Z'),
      token_fingerprint: raw('envoy-text-bearer-Pz3Kq8'),
      ip: '198.51.100.9',
      user_agent: 'nsq2http',
      method: 'POST',
      host: 'locations',
      path: '/api/v1/locations',
      status: 204,
      latency_ms: 226,
      bytes: 0,
    });
    const get = await rowAt('envoy', ms('2024-12-07T09:23:01.002Z'));
    expect(get).toMatchObject({ token_fingerprint: raw('envoy-text-apikey-Lm5'), token_type: 'api_key', path: '/api/v1/locations/12', status: 200, bytes: 512, latency_ms: 12 });
  });

  it("Istio's default text format under Vector's \"message\"", async () => {
    const res = await post('envoy', fixture('envoy/vector-istio-text.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } });
    const row = await rowAt('envoy', ms('2024-12-07T09:24:00.000Z'));
    expect(row).toMatchObject({
      ts: ms('2024-12-07T09:24:00.000Z'),
      token_fingerprint: raw('envoy-istio-text-bearer-Rt6'),
      // No X-Forwarded-For: the downstream peer, without its port.
      ip: '203.0.113.201',
      user_agent: 'Mozilla/5.0',
      method: 'GET',
      host: 'bookinfo.example',
      path: '/productpage',
      status: 200,
      latency_ms: 43,
      bytes: 5293,
    });
  });
});

const TYK_BASE = {
  ts: ms('2024-12-07T09:30:00.123Z'),
  token_fingerprint: '',
  token_kind: 'reference',
  token_ref: 'tyk:key:5f3a9c1e…',
  ip: '203.0.113.9',
  country: 'NL',
  city: 'Amsterdam',
  app_id: '',
  user_id: 'billing-cron',
  user_agent: 'billing-cron/1.4',
  method: 'GET',
  host: 'pay.tyk.example',
  path: '/payments/v1/charges',
  status: 200,
  latency_ms: 64,
  gateway: 'tyk',
};

describe('Tyk', () => {
  beforeAll(() => {
    TYK_BASE.token_fingerprint = referenceFingerprint(pepper, 'tyk', 'key:5f3a9c1e7b2d4a68');
  });

  it("Pump's snake_case records: a hashed api_key is a reference; raw_request's bearer is the token", async () => {
    const res = await post('tyk', fixture('tyk/pump.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: [] } });
    const got = await rows('tyk:');
    const first = got.find((r) => r.ts === ms('2024-12-07T09:30:00.123Z'));
    expect(first).toMatchObject(TYK_BASE);
    expect(first!.lat).toBeCloseTo(52.374, 3);
    expect(first!.lon).toBeCloseTo(4.8897, 3);
    expect(got.find((r) => r.ts === ms('2024-12-07T09:30:01.500Z'))).toMatchObject({
      token_fingerprint: raw('tyk-raw-request-bearer-Vb83nQ'),
      token_kind: 'raw',
      token_type: 'access_token',
      ip: '2001:db8:77::5',
      ...NO_PLACE,
      app_id: 'checkout-web',
      client_id: 'checkout-web',
      user_id: '',
      method: 'POST',
      status: 402,
      latency_ms: 120,
    });
  });

  it("the stdout pump's envelope, one JSON line per record", async () => {
    const res = await post('tyk', fixture('tyk/stdout.ndjson'), { ...auth('ingest'), 'content-type': 'application/x-ndjson' });
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } });
    const row = (await rows('tyk:')).find((r) => r.ts === ms('2024-12-07T09:30:05.000Z'));
    expect(row).toMatchObject({ ...TYK_BASE, ts: ms('2024-12-07T09:30:05.000Z'), token_fingerprint: raw('tyk-raw-request-bearer-Vb83nQ'), token_kind: 'raw', token_ref: '' });
  });

  it('Go field names (records read straight from Redis)', async () => {
    const res = await post('tyk', fixture('tyk/gofields.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } });
    const row = (await rows('tyk:')).find((r) => r.ts === ms('2024-12-07T09:31:00Z'));
    expect(row).toMatchObject({
      ...TYK_BASE,
      ts: ms('2024-12-07T09:31:00Z'),
      ip: '198.51.100.44',
      country: 'FR',
      city: 'Paris',
      user_id: 'ops',
      user_agent: 'ops-console/7',
      method: 'DELETE',
      path: '/payments/v1/mandates/3',
      status: 204,
      latency_ms: 33,
    });
  });
});

describe('limits and documentation', () => {
  it('applies the count limit of /v1/events (413), and an empty body is a 400', async () => {
    const many = await post('kong', JSON.stringify(Array.from({ length: 10_001 }, () => ({}))));
    expect(many.status).toBe(413);
    expect(many.body.error?.code).toBe('too_many_events');
    const empty = await post('tyk', '');
    expect(empty.status).toBe(400);
    expect(empty.body.error?.code).toBe('empty_body');
    const notJson = await post('kong', '{"request": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error?.code).toBe('invalid_json');
  });

  it("names the record's own field when a mapped value is refused (started_at, not the contract's ts)", async () => {
    const kong = JSON.parse(fixture('kong/single.json').toString()) as Record<string, unknown>;
    const batch = [
      { ...kong, client_ip: 'not-an-address', request: { ...(kong.request as object), id: 'terms-1' } },
      { ...kong, started_at: 'yesterday', request: { ...(kong.request as object), id: 'terms-2' } },
      { ...kong, started_at: Date.now() + 3_600_000, response: { status: 999 }, request: { ...(kong.request as object), id: 'terms-3' } },
    ];
    const r = await post('kong', JSON.stringify(batch));
    expect(r.status).toBe(400);
    const details = (r.body as unknown as { error: { details: { index: number; error: string }[] } }).error.details;
    expect(details).toEqual([
      { index: 0, error: "ip (the record's client_ip): must be an IPv4 or IPv6 address" },
      // A wrong type is the record schema's own message, already in Kong's terms.
      { index: 1, error: 'started_at: expected a number, got the string "yesterday"' },
      { index: 2, error: expect.stringMatching(/^ts \(the record's started_at\): is more than 300 s in the future; status \(the record's response\.status\): expected an integer 100–599, got the number 999$/) },
    ]);
    const tyk = await post('tyk', JSON.stringify([{ method: 'GET', path: '/p', response_code: 200, api_key: 'abc', timestamp: 'yesterday', ip_address: '203.0.113.7' }]));
    expect((tyk.body as unknown as { error: { details: { error: string }[] } }).error.details[0]!.error).toBe("ts (the record's timestamp): must be RFC 3339 or epoch milliseconds");
  });

  it.each([
    ['kong', '[]'],
    ['apisix', '[]'],
    ['apisix', 'INSERT INTO usage FORMAT JSONEachRow '],
    ['envoy', '[]'],
    ['tyk', '[]'],
  ])('%s: %j is 400 empty_batch that says why (not an empty details list); a blank body is empty_body', async (gateway, body) => {
    const r = await post(gateway, body);
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'empty_batch', message: `the body holds no ${gateway} log records: send at least one`, details: [{ field: 'body', error: 'no records' }] });
    const blank = await post(gateway, ' \n ');
    expect(blank.status).toBe(400);
    expect(blank.body.error?.code).toBe('empty_body');
  });

  it('lists the four routes in the OpenAPI document', async () => {
    const paths = (await (await fetch(`${url}/docs/json`)).json()) as { paths: Record<string, { post?: unknown }> };
    for (const gateway of ['kong', 'apisix', 'envoy', 'tyk']) expect(paths.paths[`/v1/ingest/${gateway}`]?.post).toBeDefined();
  });
});

describe('raw tokens', () => {
  it('from APISIX headers, Tyk raw_request and Kong apikeys appear nowhere in the data directory or the logs', async () => {
    await t.ctx.flusher.drained();
    const secrets = [
      'apisix-raw-bearer-Zk81mQv3Tn0sLp',
      'apisix-raw-apikey-Q2w3e4r5t6',
      'tyk-raw-request-bearer-Vb83nQ',
      'kong-clear-apikey-4f1e9a7c2b',
      'kong-query-apikey-88d0c1',
      'envoy-raw-bearer-Hq7Ld2Xp',
    ];
    const raws = (JSON.parse(fixture('tyk/pump.json').toString()) as { raw_request: string }[]).map((r) => r.raw_request).filter(Boolean);
    const disk = readTree(dataDir).toString('latin1');
    for (const s of [...secrets, ...raws]) {
      expect(disk.includes(s), s).toBe(false);
      expect(t.logs.text.includes(s), s).toBe(false);
    }
    // The check reads what it claims to: the mapped rows are on disk.
    expect(readTree(dataDir).length).toBeGreaterThan(0);
  });
});
