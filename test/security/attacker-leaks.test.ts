/**
 * Red-team pass (issue 11): a credential sent where it does not belong (a raw token in a
 * fingerprint field or a token-type field, a wrong key in each form a gateway may send it)
 * comes back in no answer and reaches no log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
});
afterAll(async () => t?.close());

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQtMDEyMzQ1Njc4OQ.sig-LEAKCANARY-0123456789';
/** Any 10 characters of the secret's distinctive middle. */
const fragments = (s: string) => Array.from({ length: s.length - 10 }, (_, i) => s.slice(i, i + 10)).filter((f) => /[A-Z]/.test(f) && /[0-9-]/.test(f));

function expectNoLeak(text: string, secret = SECRET) {
  for (const f of fragments(secret)) expect(text, `fragment ${f}`).not.toContain(f);
}

describe('a credential in a usage event’s path is not stored', () => {
  it('/v1/events path "/orders?access_token=…": stored and shown as /orders', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify([{ token: 'path-leak-token', ip: '203.0.113.1', path: `/orders?access_token=${SECRET}#x` }, { token: 'path-leak-token', ip: '203.0.113.1', path: '/a#frag' }]),
    });
    expect(res.statusCode, res.body).toBe(202);
    await t.ctx.flusher.drained();
    const rows = (await t.ctx.warehouse.query(`SELECT path FROM usage_events ORDER BY path`)) as { path: string }[];
    expect(rows.map((r) => r.path)).toEqual(['/a', '/orders']);
  });
});

describe('a credential in the wrong place is never echoed', () => {
  it.each([
    ['/v1/events', 'application/json', JSON.stringify([{ token_fingerprint: SECRET, ip: '203.0.113.1' }]), 'ingest'],
    ['/v1/events', 'application/json', JSON.stringify([{ token: 'ok', token_type: SECRET, ip: '203.0.113.1' }]), 'ingest'],
    ['/v1/events', 'application/x-ndjson', `{"token":"${SECRET}", ip: nope}\n`, 'ingest'],
    ['/v1/tokens', 'application/json', JSON.stringify([{ event: 'refreshed', token_fingerprint: 'a'.repeat(64), rotated_from: SECRET }]), 'idp'],
    ['/v1/tokens', 'application/json', JSON.stringify([{ event: 'issued', token: 'ok', token_type: SECRET }]), 'idp'],
    ['/v1/ingest/envoy', 'application/json', JSON.stringify([{ start_time: SECRET, authorization: `Bearer ${SECRET}`, downstream_remote_address: '203.0.113.1:1' }]), 'ingest'],
    ['/v1/ingest/tyk', 'application/json', JSON.stringify([{ response_code: SECRET, timestamp: 'x', ip_address: SECRET, api_key: SECRET }]), 'ingest'],
    ['/v1/ingest/kong', 'application/json', JSON.stringify([{ request: { headers: { apikey: SECRET } }, client_ip: SECRET, started_at: SECRET }]), 'ingest'],
  ] as const)('%s (%s) %#: neither the answer nor the log quotes it', async (url, contentType, payload, role) => {
    const before = t.logs.text.length;
    const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, ...auth(role) }, payload });
    expect(res.statusCode).toBeGreaterThanOrEqual(200);
    expect(res.statusCode).toBeLessThan(500);
    expectNoLeak(res.body);
    expectNoLeak(t.logs.text.slice(before));
  });

  it.each([`/v1/tokens/${encodeURIComponent(SECRET)}`, `/v1/usage?token_fingerprint=${encodeURIComponent(SECRET)}`, `/v1/flags?token_fingerprint=${encodeURIComponent(SECRET)}`])(
    'GET %s: 400, not quoted',
    async (url) => {
      const before = t.logs.text.length;
      const res = await t.app.inject({ method: 'GET', url, headers: auth('read') });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expectNoLeak(res.body);
      expectNoLeak(t.logs.text.slice(before));
    },
  );

  it.each([
    ['Basic auth (Kong http-log userinfo)', { authorization: `Basic ${Buffer.from(`tokenwatch:${SECRET}`).toString('base64')}` }],
    ['bare Authorization (APISIX auth_header)', { authorization: SECRET }],
    ['X-ClickHouse-Key (APISIX clickhouse-logger)', { 'x-clickhouse-key': SECRET }],
    ['query string', {}],
  ] as const)('a wrong gateway key as %s: 401, not quoted', async (name, headers) => {
    const before = t.logs.text.length;
    const url = name === 'query string' ? `/v1/ingest/kong?key=${encodeURIComponent(SECRET)}` : '/v1/ingest/kong';
    const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: '[]' });
    expect(res.statusCode).toBe(401);
    expectNoLeak(res.body);
    expectNoLeak(t.logs.text.slice(before));
  });
});
