/**
 * Issue 11 part A: what a stolen gateway (ingest) key can do to steer revocation, each
 * attack driven over the real HTTP app on a temp data dir and shown failing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, event, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
let fp: (token: string) => string;

beforeAll(async () => {
  t = await openTestApp(
    testConfig(tempDir(), {
      revocation: {
        targets: { idp: { type: 'rfc7009', url: 'http://127.0.0.1:9/revoke', client_id: 'tw', client_secret: 'secret', token_types: ['access_token', 'refresh_token'] } },
      },
    }),
  );
  fp = (token) => fingerprint(t.ctx.secrets.pepper, token);
});
afterAll(async () => t?.close());

type Role = 'ingest' | 'idp' | 'read' | 'admin';
const post = (url: string, payload: unknown, role: Role) =>
  t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(role) }, payload: JSON.stringify(payload) });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('lifecycle events need an identity provider key', () => {
  it('an ingest key cannot revoke: 403 naming the offending indices, nothing stored, nothing on the feed', async () => {
    const victim = fp('victim-access-token');
    const res = await post(
      '/v1/tokens',
      [
        { event: 'issued', token_fingerprint: victim, ts: minutesAgo(10) },
        { event: 'revoked', token_fingerprint: victim, source: 'api_provider' },
        { event: 'refreshed', token: 'forged-child', rotated_from_fingerprint: victim },
      ],
      'ingest',
    );
    expect(res.statusCode).toBe(403);
    const body = res.json();
    expect(body.error.code).toBe('forbidden');
    expect(body.error.details).toEqual([
      { index: 1, error: expect.stringContaining('revoked') },
      { index: 2, error: expect.stringContaining('refreshed') },
    ]);
    const feed = await t.app.inject({ method: 'GET', url: '/v1/revocation-feed', headers: auth('read') });
    expect(JSON.stringify(feed.json())).not.toContain(victim);
    const stored = (await t.ctx.warehouse.query(`SELECT count() AS n FROM token_events WHERE token_fingerprint = {fp:String}`, { fp: victim })) as { n: number }[];
    expect(Number(stored[0]!.n)).toBe(0);
  });

  it('an ingest key may still report issued, but not expired (red-team pass: an expired token is left out of revocations)', async () => {
    const res = await post('/v1/tokens', [{ event: 'issued', token: 'gw-issued', token_type: 'access_token', ts: minutesAgo(10) }], 'ingest');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [] });
    const expired = await post('/v1/tokens', [{ event: 'expired', token: 'gw-issued', ts: minutesAgo(1) }], 'ingest');
    expect(expired.statusCode).toBe(403);
  });

  it('an ingest key cannot mark a family on an issued event either (rotated_from)', async () => {
    const res = await post('/v1/tokens', [{ event: 'issued', token: 'gw-child', rotated_from: 'someone-else' }], 'ingest');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual([{ index: 0, error: expect.stringContaining('rotated_from') }]);
  });

  it('idp and admin keys may send every lifecycle event', async () => {
    for (const role of ['idp', 'admin'] as const) {
      const res = await post(
        '/v1/tokens',
        [
          { event: 'issued', token: `rt-${role}`, token_type: 'refresh_token', ts: minutesAgo(10) },
          { event: 'refreshed', token: `rt2-${role}`, token_type: 'refresh_token', rotated_from: `rt-${role}`, ts: minutesAgo(5) },
          { event: 'revoked', token: `rt2-${role}`, source: 'api_provider', ts: minutesAgo(1) },
        ],
        role,
      );
      expect(res.statusCode, res.body).toBe(202);
    }
  });

  it('from an ingest key, what is no lifecycle event at all is a 400 like any invalid event, beside a 403 for what needs the idp', async () => {
    const invalid = await post('/v1/tokens', [{ event: 'minted', token: 'x' }], 'ingest');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details[0]).toEqual({ index: 0, error: expect.stringMatching(/^event: /) });
    const mixed = await post('/v1/tokens', [{ event: 'minted', token: 'x' }, { event: 'revoked', token: 'x' }], 'ingest');
    expect(mixed.statusCode).toBe(403);
    expect(mixed.json().error.details).toEqual([{ index: 1, error: expect.stringContaining('revoked') }]);
  });

  it('read keys cannot post lifecycle events', async () => {
    expect((await post('/v1/tokens', [{ event: 'issued', token: 'x' }], 'read')).statusCode).toBe(403);
  });

  it('POST /v1/apps is for the identity provider or an admin, never a gateway', async () => {
    const blocked = await post('/v1/apps', [{ event: 'blocked', app_id: 'victim-app' }], 'ingest');
    expect(blocked.statusCode).toBe(403);
    expect((await post('/v1/apps', [{ event: 'registered', app_id: 'idp-app' }], 'idp')).statusCode).toBe(202);
    expect((await post('/v1/apps', [{ event: 'registered', app_id: 'admin-app' }], 'admin')).statusCode).toBe(202);
  });
});

describe('a revocation handle is only ever the token it claims to be', () => {
  it('POST /v1/events: a raw token beside a fingerprint that is not its own is rejected by index, never a handle', async () => {
    const victim = 'victim-token-events';
    await post('/v1/tokens', [{ event: 'issued', token: victim, token_type: 'access_token', ts: minutesAgo(30) }], 'idp');
    const res = await post(
      '/v1/events',
      [event({ token: 'junk', token_fingerprint: fp(victim), token_type: 'access_token' }), event({ token: victim, token_fingerprint: fp(victim), token_type: 'access_token' })],
      'ingest',
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: expect.stringContaining('token_fingerprint') }] });
    await t.ctx.revocations.handles.flush();
    expect((await t.ctx.revocations.handles.lookup([fp(victim)])).get(fp(victim))).toBe(victim);
    expect((await t.ctx.revocations.handles.lookup([fp('junk')])).size).toBe(0);
  });

  it('POST /v1/tokens: the same, and rotated_from must agree with rotated_from_fingerprint', async () => {
    const victim = 'victim-token-lifecycle';
    const res = await post(
      '/v1/tokens',
      [
        { event: 'issued', token: 'junk-2', token_fingerprint: fp(victim), token_type: 'access_token' },
        { event: 'issued', token: victim, token_type: 'access_token', ts: minutesAgo(20) },
        { event: 'refreshed', token: 'child', token_type: 'refresh_token', rotated_from: 'parent', rotated_from_fingerprint: fp('other-parent') },
      ],
      'idp',
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().rejected).toEqual([
      { index: 0, error: expect.stringContaining('token_fingerprint') },
      { index: 2, error: expect.stringContaining('rotated_from_fingerprint') },
    ]);
    await t.ctx.revocations.handles.flush();
    expect((await t.ctx.revocations.handles.lookup([fp(victim)])).get(fp(victim))).toBe(victim);
  });
});

describe('inputs real identity providers send (issue 13 §5)', () => {
  it('expires_at: null is a token that never expires', async () => {
    const res = await post('/v1/tokens', [{ event: 'issued', token: 'forever-key', token_type: 'api_key', expires_at: null }], 'idp');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().rejected).toEqual([]);
  });

  it('any source string: synonyms mapped onto the documented sources, the original kept', async () => {
    const res = await post(
      '/v1/tokens',
      [
        { event: 'revoked', token: 'src-1', source: 'admin', ts: minutesAgo(3) },
        { event: 'revoked', token: 'src-2', source: 'user', ts: minutesAgo(3) },
        { event: 'revoked', token: 'src-3', source: 'application_owner', ts: minutesAgo(3) },
        { event: 'revoked', token: 'src-4', source: 'Some Custom Tool', ts: minutesAgo(3) },
      ],
      'idp',
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().rejected).toEqual([]);
    const rows = (await t.ctx.warehouse.query(
      `SELECT token_fingerprint, source, source_original FROM token_events WHERE token_fingerprint IN {fps:Array(String)}`,
      { fps: ['src-1', 'src-2', 'src-3', 'src-4'].map(fp) },
    )) as { token_fingerprint: string; source: string; source_original: string }[];
    const by = new Map(rows.map((r) => [r.token_fingerprint, r]));
    expect(by.get(fp('src-1'))).toMatchObject({ source: 'api_provider', source_original: 'admin' });
    expect(by.get(fp('src-2'))).toMatchObject({ source: 'subscriber', source_original: 'user' });
    expect(by.get(fp('src-3'))).toMatchObject({ source: 'app_owner', source_original: 'application_owner' });
    expect(by.get(fp('src-4'))).toMatchObject({ source: 'other', source_original: 'Some Custom Tool' });
  });

  it('rotated_from in an event naming its token by fingerprint is the old fingerprint: 64 lowercase hex, else 400', async () => {
    const parent = fp('fp-parent');
    const ok = await post(
      '/v1/tokens',
      [
        { event: 'issued', token_fingerprint: parent, token_type: 'refresh_token', ts: minutesAgo(10) },
        { event: 'refreshed', token_fingerprint: fp('fp-child'), token_type: 'refresh_token', rotated_from: parent, ts: minutesAgo(5) },
      ],
      'idp',
    );
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json().rejected).toEqual([]);
    const rows = (await t.ctx.warehouse.query(`SELECT rotated_from, family_id FROM token_events WHERE token_fingerprint = {fp:String}`, { fp: fp('fp-child') })) as {
      rotated_from: string;
      family_id: string;
    }[];
    expect(rows[0]).toEqual({ rotated_from: parent, family_id: parent });

    const bad = await post('/v1/tokens', [{ event: 'refreshed', token_fingerprint: fp('fp-child-2'), rotated_from: 'raw-parent-token' }], 'idp');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0]).toEqual({ index: 0, error: expect.stringContaining('rotated_from') });
    const legacy = await post('/v1/tokens', [{ event: 'refreshed', token_fingerprint: fp('fp-child-3'), rotated_from_fingerprint: parent }], 'idp');
    expect(legacy.statusCode, legacy.body).toBe(202);
  });

  it('usage events are accepted back to the retention period, not 30 days', async () => {
    const res = await post('/v1/events', [event({ ts: new Date(Date.now() - 60 * 86_400_000).toISOString() })], 'ingest');
    expect(res.statusCode, res.body).toBe(202);
    const tooOld = await post('/v1/events', [event({ ts: new Date(Date.now() - 91 * 86_400_000).toISOString() })], 'ingest');
    expect(tooOld.statusCode).toBe(400);
    expect(tooOld.json().error.details[0].error).toContain('90 days');
  });
});
