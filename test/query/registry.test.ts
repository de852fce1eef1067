/** Token lifecycle, the registry, token detail, refresh families and app lifecycle, end to end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, event, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
let fp: (token: string) => string;

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
  fp = (token) => fingerprint(t.ctx.secrets.pepper, token);
});
afterAll(async () => t?.close());

// Lifecycle and app events come from the identity provider (role idp); usage from a gateway.
const post = (url: string, payload: unknown, role: 'ingest' | 'idp' | 'admin' = url === '/v1/events' ? 'ingest' : 'idp') =>
  t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(role) }, payload: JSON.stringify(payload) });
const get = (url: string, role: 'read' | 'admin' | 'ingest' = 'read') => t.app.inject({ method: 'GET', url, headers: auth(role) });

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('token lifecycle', () => {
  it('tracks issued → used → refreshed → revoked, with metadata and the refresh family', async () => {
    const res = await post('/v1/tokens', [
      {
        event: 'issued',
        ts: minutesAgo(60),
        token: 'refresh-1',
        token_type: 'refresh_token',
        client_id: 'mobile',
        app_id: 'shop',
        user_id: 'alice',
        scopes: ['orders:read', 'offline_access'],
        grant_type: 'authorization_code',
        expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        mapped_from: 'saml-assertion-77',
      },
      { event: 'issued', ts: minutesAgo(60), token: 'access-1', token_type: 'access_token', app_id: 'shop', user_id: 'alice', grant_type: 'authorization_code' },
      { event: 'refreshed', ts: minutesAgo(30), token: 'refresh-2', token_type: 'refresh_token', rotated_from: 'refresh-1', app_id: 'shop', user_id: 'alice' },
      { event: 'refreshed', ts: minutesAgo(10), token: 'refresh-3', token_type: 'refresh_token', rotated_from: 'refresh-2', app_id: 'shop', user_id: 'alice' },
      { event: 'revoked', ts: minutesAgo(5), token: 'access-1', source: 'app_owner', reason: 'user logged out' },
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
    expect((await post('/v1/events', [event({ token: 'refresh-1', app_id: 'shop', ts: minutesAgo(50) })])).statusCode).toBe(202);
    await t.ctx.flusher.drained();

    const first = await get(`/v1/tokens/${fp('refresh-1')}`);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      token_fingerprint: fp('refresh-1'),
      state: 'rotated',
      token_type: 'refresh_token',
      client_id: 'mobile',
      app_id: 'shop',
      user_id: 'alice',
      scopes: ['orders:read', 'offline_access'],
      grant_type: 'authorization_code',
      mapped_from: 'saml-assertion-77',
      family_id: fp('refresh-1'),
      usage: { requests: 1 },
    });
    expect(first.json().rotated_at).toMatch(/Z$/);

    const third = (await get(`/v1/tokens/${fp('refresh-3')}`)).json();
    expect(third).toMatchObject({ state: 'issued', rotated_from: fp('refresh-2'), family_id: fp('refresh-1') });

    const access = (await get(`/v1/tokens/${fp('access-1')}`)).json();
    expect(access).toMatchObject({ state: 'revoked', revoke_source: 'app_owner', revoke_reason: 'user logged out' });

    const family = (await get(`/v1/tokens/${fp('refresh-2')}/family`)).json();
    expect(family.family_id).toBe(fp('refresh-1'));
    expect(family.tokens.map((x: { token_fingerprint: string }) => x.token_fingerprint)).toEqual([fp('refresh-1'), fp('refresh-2'), fp('refresh-3')]);
    expect(family.tokens.map((x: { state: string }) => x.state)).toEqual(['rotated', 'rotated', 'issued']);
  });

  it('registers a token from its first usage event, with its JWT claims', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256' })}.${b64({ jti: 'jwt-7', sub: 'bob', client_id: 'cli', scope: 'a b', exp: Math.floor(Date.now() / 1000) + 3600, iss: 'https://idp.test' })}.sig`;
    await post('/v1/events', [event({ token: jwt, app_id: 'implicit', ip: '8.8.8.8', country: 'US', path: '/x', status: 200 }), event({ token: jwt, app_id: 'implicit', status: 401 })]);
    await t.ctx.flusher.drained();
    const res = await get(`/v1/tokens/${fp(jwt)}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ state: 'active', jti: 'jwt-7', user_id: 'bob', client_id: 'cli', iss: 'https://idp.test', scopes: ['a', 'b'], app_id: 'implicit' });
    expect(body.expires_at).toMatch(/Z$/);
    expect(body.usage).toMatchObject({ requests: 2, status_4xx: 1, auth_failures: 1, distinct_ips: 2 });
    expect(body.usage.ips.map((i: { ip: string }) => i.ip).sort()).toEqual(['203.0.113.7', '8.8.8.8']);
    expect(body.usage.countries).toEqual([{ country: 'US', requests: 1, last_seen: expect.stringMatching(/Z$/) }]);
    expect(body.usage.status_mix).toEqual([
      { status: 200, requests: 1 },
      { status: 401, requests: 1 },
    ]);
    expect(body.usage.paths[0]).toMatchObject({ method: 'GET', requests: 1 });
    expect(body.usage.requests_per_hour_24h).toHaveLength(24);
    expect(body.usage.requests_per_hour_24h.reduce((n: number, h: { requests: number }) => n + h.requests, 0)).toBe(2);
    expect(body.flags).toEqual([]);
    expect(body.revocations).toEqual([]);
  });

  it('validates lifecycle events like usage events', async () => {
    const res = await post('/v1/tokens', [
      { event: 'issued', token: 'ok-token' },
      { event: 'minted', token: 'x' },
      { event: 'refreshed', token: 'child' },
      { event: 'revoked', token: 'x', source: 7 },
      { event: 'issued' },
    ]);
    expect(res.statusCode).toBe(202);
    const { rejected } = res.json();
    expect(rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4]);
    expect(rejected[0].error).toMatch(/^event: /);
    expect(rejected[1].error).toMatch(/rotated_from/);
    // Any source string is kept (issue 13); a source that is not a string is still an error.
    expect(rejected[2].error).toMatch(/^source: /);
    expect(rejected[3].error).toMatch(/token/);
    const all = await post('/v1/tokens', [{ event: 'nope' }]);
    expect(all.statusCode).toBe(400);
    expect(all.json().error.code).toBe('invalid_events');
  });

  it('does not count a retried lifecycle batch twice', async () => {
    const batch = [{ event: 'issued', token: 'retry-lc', ts: minutesAgo(3), app_id: 'retry-app' }];
    expect((await post('/v1/tokens', batch)).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await post('/v1/tokens', batch)).json()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await get(`/v1/tokens/${fp('retry-lc')}`)).json().lifecycle_events).toBe(1);
  });

  it('finds a token by its raw value, sent in the body only, and never logs it', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tokens/lookup', headers: { 'content-type': 'application/json', ...auth('read') }, payload: { token: 'refresh-2' } });
    expect(res.json()).toEqual({ token_fingerprint: fp('refresh-2'), known: true, state: 'rotated' });
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/tokens/lookup', headers: { 'content-type': 'application/json', ...auth('read') }, payload: { token: 'never-seen-xyz' } });
    expect(unknown.json()).toMatchObject({ known: false, state: null });
    expect(t.logs.text).not.toContain('never-seen-xyz');
  });

  it('answers 404 for an unknown token and 400 for a malformed fingerprint', async () => {
    const missing = await get(`/v1/tokens/${'0'.repeat(64)}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const bad = await get('/v1/tokens/not-a-fingerprint');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/fingerprint/);
  });

  it('keeps reads from ingest keys and writes from read keys', async () => {
    expect((await get(`/v1/tokens/${fp('refresh-1')}`, 'ingest')).statusCode).toBe(403);
    expect((await get(`/v1/tokens/${fp('refresh-1')}`, 'admin')).statusCode).toBe(200);
    const write = await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: { 'content-type': 'application/json', ...auth('read') }, payload: '[]' });
    expect(write.statusCode).toBe(403);
  });
});

describe('application lifecycle', () => {
  it('moves registered → active (first token) → blocked → active again', async () => {
    expect((await post('/v1/apps', [{ event: 'registered', app_id: 'billing', name: 'Billing', owner: 'team-pay', ts: minutesAgo(100) }])).statusCode).toBe(202);
    expect((await get('/v1/apps/billing')).json()).toMatchObject({ app_id: 'billing', state: 'registered', name: 'Billing', owner: 'team-pay' });

    await post('/v1/tokens', [{ event: 'issued', token: 'billing-token', app_id: 'billing', ts: minutesAgo(90) }]);
    expect((await get('/v1/apps/billing')).json()).toMatchObject({ state: 'active', tokens_by_state: { issued: 1 } });

    await post('/v1/apps', [{ event: 'blocked', app_id: 'billing', reason: 'abuse', ts: minutesAgo(20) }], 'admin');
    const blocked = (await get('/v1/apps/billing')).json();
    expect(blocked).toMatchObject({ state: 'blocked', block_reason: 'abuse' });
    // Times are RFC 3339 UTC like everywhere else in the API (they were ClickHouse's "YYYY-MM-DD hh:mm:ss.sss").
    const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
    expect(blocked.registered_at).toMatch(rfc3339);
    expect(blocked.blocked_at).toMatch(rfc3339);
    expect(Math.abs(Date.parse(blocked.registered_at) - Date.parse(minutesAgo(100)))).toBeLessThan(60_000);
    expect(Math.abs(Date.parse(blocked.blocked_at) - Date.parse(minutesAgo(20)))).toBeLessThan(60_000);

    await post('/v1/apps', [{ event: 'unblocked', app_id: 'billing', ts: minutesAgo(1) }]);
    expect((await get('/v1/apps/billing')).json().state).toBe('active');
    expect((await get('/v1/apps/nothing-here')).statusCode).toBe(404);
  });
});
