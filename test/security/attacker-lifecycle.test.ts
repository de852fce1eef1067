/**
 * Red-team pass (issue 11): what a gateway's ingest key can still do on POST /v1/tokens.
 * `revoked` and `refreshed` are the identity provider's; these check the events an ingest
 * key was left (`issued`, `expired`) and the event ids of lifecycle events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
let fp: (token: string) => string;

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
  fp = (token) => fingerprint(t.ctx.secrets.pepper, token);
});
afterAll(async () => t?.close());

type Role = 'ingest' | 'idp' | 'read' | 'admin';
const post = (url: string, payload: unknown, role: Role) =>
  t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(role) }, payload: JSON.stringify(payload) });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function liveInApp(app: string): Promise<number> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/estimates/revocation?scope=app&app_id=${app}`, headers: auth('read') });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().live_tokens;
}

describe('an ingest key cannot take a token out of revocation’s reach', () => {
  it('`expired` from an ingest key is refused: it would drop a live (stolen) token from family and bulk revocations', async () => {
    const stolen = 'stolen-refresh-token-acme';
    const issued = await post('/v1/tokens', [{ event: 'issued', token: stolen, token_type: 'refresh_token', app_id: 'acme', ts: minutesAgo(30) }], 'idp');
    expect(issued.statusCode, issued.body).toBe(202);
    expect(await liveInApp('acme')).toBe(1);

    const hide = await post('/v1/tokens', [{ event: 'expired', token: stolen, ts: minutesAgo(1) }], 'ingest');
    expect(hide.statusCode, hide.body).toBe(403);
    expect(hide.json().error.details).toEqual([{ index: 0, error: expect.stringContaining('expired') }]);
    expect(await liveInApp('acme')).toBe(1);
  });

  it('`issued` from an ingest key may not set expires_at (a past or near expiry hides the token the same way)', async () => {
    const stolen = 'stolen-refresh-token-beta';
    await post('/v1/tokens', [{ event: 'issued', token: stolen, token_type: 'refresh_token', app_id: 'beta', ts: minutesAgo(30) }], 'idp');
    expect(await liveInApp('beta')).toBe(1);
    const hide = await post('/v1/tokens', [{ event: 'issued', token: stolen, expires_at: minutesAgo(5), ts: minutesAgo(1) }], 'ingest');
    expect(hide.statusCode, hide.body).toBe(403);
    expect(hide.json().error.details).toEqual([{ index: 0, error: expect.stringContaining('expires_at') }]);
    expect(await liveInApp('beta')).toBe(1);
    // What a gateway may still say about a token it saw: it was issued, of this type.
    const plain = await post('/v1/tokens', [{ event: 'issued', token: 'gw-minted-key', token_type: 'api_key', ts: minutesAgo(1) }], 'ingest');
    expect(plain.statusCode, plain.body).toBe(202);
  });
});

describe('an ingest key cannot move a token out of its refresh family', () => {
  it('`issued` for a refreshed token (newer than the refresh) leaves its family as the identity provider made it', async () => {
    const [rt1, rt2] = ['family-root-rt1', 'family-child-rt2'];
    const idp = await post(
      '/v1/tokens',
      [
        { event: 'issued', token: rt1, token_type: 'refresh_token', ts: minutesAgo(20) },
        { event: 'refreshed', token: rt2, token_type: 'refresh_token', rotated_from: rt1, ts: minutesAgo(10) },
      ],
      'idp',
    );
    expect(idp.statusCode, idp.body).toBe(202);
    const members = async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/tokens/${fp(rt1)}/family`, headers: auth('read') });
      return (res.json().tokens as { token_fingerprint: string }[]).map((x) => x.token_fingerprint).sort();
    };
    expect(await members()).toEqual([fp(rt1), fp(rt2)].sort());
    const liveInFamily = async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/estimates/revocation?scope=family&token_fingerprint=${fp(rt1)}`, headers: auth('read') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().live_tokens;
    };
    // rt1 was rotated away: rt2 is the family's one live token.
    expect(await liveInFamily()).toBe(1);
    // The attacker holds rt2 (stolen) and re-announces it as a fresh grant, a minute in the future.
    const detach = await post('/v1/tokens', [{ event: 'issued', token: rt2, token_type: 'refresh_token', ts: new Date(Date.now() + 60_000).toISOString() }], 'ingest');
    expect(detach.statusCode, detach.body).toBe(202);
    expect(await members()).toEqual([fp(rt1), fp(rt2)].sort());
    expect(await liveInFamily()).toBe(1);
  });
});

describe('lifecycle event ids are deduplicated per reporting key', () => {
  it("an ingest key's event cannot swallow the identity provider's revocation by taking its event_id first", async () => {
    const victim = 'victim-token-revoked-by-idp';
    const planted = await post('/v1/tokens', [{ event: 'issued', token: 'junk-lifecycle', event_id: 'kc-evt-0042', ts: minutesAgo(2) }], 'ingest');
    expect(planted.statusCode, planted.body).toBe(202);
    const revoked = await post('/v1/tokens', [{ event: 'revoked', token: victim, event_id: 'kc-evt-0042', source: 'api_provider', ts: minutesAgo(1) }], 'idp');
    expect(revoked.statusCode, revoked.body).toBe(202);
    expect(revoked.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const feed = await t.app.inject({ method: 'GET', url: '/v1/revocation-feed', headers: auth('read') });
    expect(JSON.stringify(feed.json())).toContain(fp(victim));
    // The provider's own retry is still one event.
    const again = await post('/v1/tokens', [{ event: 'revoked', token: victim, event_id: 'kc-evt-0042', source: 'api_provider', ts: minutesAgo(1) }], 'idp');
    expect(again.json()).toMatchObject({ accepted: 1, duplicates: 1 });
  });
});
