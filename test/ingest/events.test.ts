/** POST /v1/events end to end over the embedded warehouse: round trip, validation, limits, auth, retries, leaks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, countRows, event, openTestApp, readTree, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir();
  t = await openTestApp(testConfig(dataDir, { server: { body_limit_bytes: 64 * 1024, max_events_per_request: 50 } }));
});
afterAll(async () => t?.close());

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json', ...auth('ingest'), ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('round trip', () => {
  it('stores JSON arrays and NDJSON in usage_events', async () => {
    const events = Array.from({ length: 20 }, (_, i) => event({ app_id: 'rt-json', event_id: `rt-json-${i}` }));
    const a = await post(events);
    expect(a.statusCode).toBe(202);
    expect(a.json()).toEqual({ accepted: 20, duplicates: 0, rejected: [] });

    const ndjson = Array.from({ length: 7 }, (_, i) => JSON.stringify(event({ app_id: 'rt-nd', event_id: `rt-nd-${i}` }))).join('\n');
    const b = await post(ndjson, { 'content-type': 'application/x-ndjson' });
    expect(b.statusCode).toBe(202);
    expect(b.json().accepted).toBe(7);

    await t.ctx.flusher.drained();
    expect(await countRows(t.ctx, 'app_id = {a:String}', { a: 'rt-json' })).toBe(20);
    expect(await countRows(t.ctx, 'app_id = {a:String}', { a: 'rt-nd' })).toBe(7);
  });

  it('keeps every named field, fingerprints the token and fills the event id', async () => {
    const ts = new Date(Date.now() - 3_600_000).toISOString();
    const token = 'raw-token-fields-check';
    const res = await post([
      {
        token,
        ts: Date.now() - 60_000,
        token_type: 'access_token',
        app_id: 'fields',
        client_id: 'c1',
        user_id: 'u1',
        ip: '198.51.100.23',
        country: 'de',
        city: 'Berlin',
        lat: 52.52,
        lon: 13.4,
        asn: 'AS3320',
        user_agent: 'curl/8',
        method: 'post',
        host: 'api.example',
        path: '/orders',
        status: 201,
        latency_ms: 12.5,
        bytes: 512,
        gateway: 'kong',
        scopes: 'read write',
        unknown_field: 'ignored',
      },
      { token_fingerprint: 'a'.repeat(64), ip: '2001:db8::1', app_id: 'fields', ts },
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.json().rejected).toEqual([]);
    await t.ctx.flusher.drained();
    const rows = (await t.ctx.warehouse.query(
      `SELECT * EXCEPT (ts, received_at), toString(ts) AS ts_text FROM usage_events WHERE app_id = 'fields' ORDER BY ip`,
    )) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    const [v6, v4] = rows[0]!.ip === '2001:db8::1' ? [rows[0]!, rows[1]!] : [rows[1]!, rows[0]!];
    expect(v4).toMatchObject({
      token_fingerprint: fingerprint(t.ctx.secrets.pepper, token),
      token_type: 'access_token',
      client_id: 'c1',
      user_id: 'u1',
      ip: '::ffff:198.51.100.23',
      country: 'DE',
      city: 'Berlin',
      asn: 3320,
      method: 'POST',
      status: 201,
      latency_ms: 12.5,
      bytes: 512,
      gateway: 'kong',
      scopes: ['read', 'write'],
    });
    expect(v4.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(v6).toMatchObject({ token_fingerprint: 'a'.repeat(64), ts_text: ts.replace('T', ' ').replace('Z', '') });
  });

  it('reads jti, sub, client id, scope, exp and iss from a JWT without trusting it', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ jti: 'j-1', sub: 'alice', azp: 'web', scope: 'a b', exp: 1893456000, iss: 'https://idp' })}.c2ln`;
    const res = await post([event({ token: jwt, app_id: 'jwt' })]);
    expect(res.statusCode).toBe(202);
    await t.ctx.flusher.drained();
    const [row] = (await t.ctx.warehouse.query(
      `SELECT jti, user_id, client_id, scopes, iss, toUnixTimestamp(token_expires_at) AS exp FROM usage_events WHERE app_id = 'jwt'`,
    )) as Record<string, unknown>[];
    expect(row).toEqual({ jti: 'j-1', user_id: 'alice', client_id: 'web', scopes: ['a', 'b'], iss: 'https://idp', exp: 1893456000 });
  });
});

describe('validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing ip', { ip: undefined }, /^ip: /],
    ['bad ip', { ip: '999.1.1.1' }, /^ip: must be an IPv4 or IPv6 address/],
    ['no token or fingerprint', { token: undefined }, /token: one of token or token_fingerprint is required/],
    ['bad fingerprint', { token: undefined, token_fingerprint: 'ABC' }, /token_fingerprint: must be 64 lowercase hex/],
    ['bad token type', { token_type: 'cookie' }, /^token_type: /],
    ['bad ts', { ts: 'yesterday' }, /^ts: must be RFC 3339 or epoch milliseconds/],
    ['ts in the future', { ts: new Date(Date.now() + 3_600_000).toISOString() }, /^ts: is more than 300 s in the future/],
    ['ts too old', { ts: Date.now() - 100 * 86_400_000 }, /^ts: is older than 90 days/],
    ['bad country', { country: 'Germany' }, /^country: must be an ISO 3166-1 alpha-2 code/],
    ['lat out of range', { lat: 91 }, /^lat: /],
    ['lon out of range', { lon: -181 }, /^lon: /],
    ['bad asn', { asn: 'ASX' }, /^asn: /],
    ['bad status', { status: 42 }, /^status: /],
    ['negative latency', { latency_ms: -1 }, /^latency_ms: /],
    ['fractional bytes', { bytes: 1.5 }, /^bytes: /],
    ['string too long', { path: 'x'.repeat(5000) }, /^path: longer than 2048 characters/],
    ['status as text', { status: 'ok' }, /^status: /],
  ];

  it.each(cases)('%s is rejected by index with the field named', async (_name, override, message) => {
    const bad = event(override);
    for (const [k, v] of Object.entries(override)) if (v === undefined) delete bad[k];
    const res = await post([event(), bad, event()]);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0].index).toBe(1);
    expect(body.rejected[0].error).toMatch(message);
  });

  it('answers 400 with the error shape when every event is invalid', async () => {
    const res = await post([{ ip: 'x' }, { token: 't' }]);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('invalid_events');
    expect(body.error.details).toEqual([
      { index: 0, error: expect.stringMatching(/ip: /) },
      { index: 1, error: expect.stringMatching(/ip: /) },
    ]);
  });

  it('rejects a bad NDJSON line by index and keeps the others', async () => {
    const res = await post(`${JSON.stringify(event())}\n{not json\n${JSON.stringify(event())}\n`, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: [{ index: 1, error: 'line is not valid JSON at byte 1' }] });
  });

  it.each([
    ['malformed JSON', '[{"ip":', 'invalid_json'],
    ['a JSON string', '"hello"', 'invalid_body'],
    ['an empty array', '[]', 'empty_batch'],
    ['an empty body', '', 'empty_body'],
  ])('%s is a 400 with the error shape', async (_name, payload, code) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it('refuses other media types with 415', async () => {
    const res = await post('ip=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });
});

describe('limits', () => {
  it('answers 413 for a body over the size limit', async () => {
    const res = await post([event({ user_agent: 'x'.repeat(2000) })].concat(Array.from({ length: 40 }, () => event({ user_agent: 'y'.repeat(2000) }))));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/^the body is larger than this route accepts \(\d+ bytes\); send smaller batches$/) });
  });

  it('answers 413 for too many events in one request', async () => {
    const res = await post(Array.from({ length: 51 }, () => ({ ip: '1.1.1.1', token: 't' })));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'too_many_events', message: expect.stringContaining('at most 50') });
  });
});

describe('auth', () => {
  it.each([
    ['no key', {}, 401],
    ['unknown key', { authorization: 'Bearer not-a-real-key-at-all' }, 401],
    ['malformed header', { authorization: 'Basic abc' }, 401],
    ['read key', auth('read'), 403],
    ['admin key', auth('admin'), 403],
    ['ingest key', auth('ingest'), 202],
  ])('POST /v1/events with %s: %i', async (_name, headers, status) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify([event()]),
    });
    expect(res.statusCode).toBe(status);
    if (status >= 400) expect(res.json().error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
  });

  it('keeps health, readiness and metrics public', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await t.app.inject({ url })).statusCode).toBe(200);
    }
  });

  it('serves the OpenAPI document at /docs', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(res.json().paths['/v1/events'].post).toBeDefined();
  });

  it('answers an unknown route with the error shape', async () => {
    const res = await t.app.inject({ url: '/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});

describe('retries', () => {
  it('does not double-count a batch sent again with the same event ids', async () => {
    const batch = Array.from({ length: 30 }, (_, i) => event({ app_id: 'retry', event_id: `retry-${i}` }));
    expect((await post(batch)).json()).toEqual({ accepted: 30, duplicates: 0, rejected: [] });
    expect((await post(batch)).json()).toEqual({ accepted: 30, duplicates: 30, rejected: [] });
    // Concurrent retries of the same batch are counted once too.
    const again = batch.map((e, i) => ({ ...e, event_id: `retry-b-${i}` }));
    const results = await Promise.all([post(again), post(again), post(again)]);
    expect(results.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    expect(results.reduce((n, r) => n + r.json().duplicates, 0)).toBe(60);
    await t.ctx.flusher.drained();
    expect(await countRows(t.ctx, `app_id = 'retry'`)).toBe(60);
  });
});

describe('raw tokens', () => {
  it('never reach the data directory, the warehouse or the logs', async () => {
    const secret = `leak-canary-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const res = await post([event({ token: secret, app_id: 'leak' }), { token: secret, ip: 'bad-ip' }]);
    expect(res.statusCode).toBe(202);
    expect(res.body).not.toContain(secret);
    await t.ctx.flusher.drained();
    expect(await countRows(t.ctx, `app_id = 'leak'`)).toBe(1);
    const everyString = await t.ctx.warehouse.query(
      `SELECT count() AS n FROM usage_events WHERE position(concat(event_id, token_fingerprint, app_id, client_id, user_id, user_agent, path, host, jti, arrayStringConcat(scopes)), {s:String}) > 0`,
      { s: secret },
    );
    expect(everyString).toEqual([{ n: 0 }]);
    await t.ctx.warehouse.command('OPTIMIZE TABLE usage_events FINAL');
    expect(readTree(dataDir).includes(Buffer.from(secret))).toBe(false);
    expect(t.logs.text).not.toContain(secret);
    expect(t.logs.text).not.toContain('test-ingest-key-0123456789');
    expect(t.logs.text.length).toBeGreaterThan(0);
  });
});
