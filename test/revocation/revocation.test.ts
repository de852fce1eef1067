/**
 * Revocation end to end over the embedded warehouse and a stand-in RFC 7009 endpoint:
 * single tokens, handles, retries, restarts, idempotency, the feed, policies and the
 * blast-radius limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewFlag } from '../../src/detectors/flags.js';
import { PolicyEngine } from '../../src/revocation/policy.js';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, event, openTestApp, readTree, tempDir, testConfig, type TestApp } from '../helpers.js';
import { Rfc7009StandIn, rfc7009Target } from './standin.js';

const idp = new Rfc7009StandIn();
let t: TestApp;
let dataDir: string;
const fp = (token: string) => fingerprint(t.ctx.secrets.pepper, token);

function config(dir: string, extra: Record<string, unknown> = {}) {
  return testConfig(dir, {
    revocation: {
      targets: { idp: rfc7009Target(idp) },
      policies: [{ detectors: ['impossible_travel'], min_severity: 'medium', action: 'revoke_token', target: 'idp' }],
      max_auto_revocations_per_hour: 2,
      ...extra,
    },
  });
}

beforeAll(async () => {
  await idp.start();
  dataDir = tempDir();
  t = await openTestApp(config(dataDir));
});
afterAll(async () => {
  await t?.close();
  await idp.stop();
});

const revoke = (body: Record<string, unknown>, role: 'admin' | 'read' = 'admin') =>
  t.app.inject({ method: 'POST', url: '/v1/revocations', headers: { 'content-type': 'application/json', ...auth(role) }, payload: { reason: 'test', ...body } });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth('read') });

describe('single tokens', () => {
  it('revokes a raw token at once through RFC 7009 and records everything', async () => {
    const res = await revoke({ scope: 'token', token: 'raw-one', reason: 'lost laptop', source: 'subscriber' });
    // 200 when done within 3 s, 202 while still in flight (a loaded machine).
    expect([200, 202]).toContain(res.statusCode);
    expect(res.json()).toMatchObject({ created: true, target: 'idp', token_fingerprint: fp('raw-one') });
    const body = { ...res.json(), ...(await t.ctx.revocations.requests.settle(res.json().id, 15_000)) };
    expect(body).toMatchObject({ status: 'done', target: 'idp', source: 'subscriber', reason: 'lost laptop', token_fingerprint: fp('raw-one'), attempts: 1 });
    expect(res.json()).not.toHaveProperty('sealed_token');
    const [call] = idp.callsFor('raw-one');
    expect(call!.authorization).toBe(`Basic ${Buffer.from('tokenwatch:tw-secret').toString('base64')}`);

    const again = await revoke({ scope: 'token', token: 'raw-one' });
    expect(again.json()).toMatchObject({ id: body.id, status: 'done', created: false });
    expect(idp.callsFor('raw-one')).toHaveLength(1);

    const detail = await get(`/v1/revocations/${body.id}`);
    expect(detail.json().attempts).toMatchObject([{ attempt: 1, http_status: 200, outcome: 'done', target: 'idp' }]);
    const token = (await get(`/v1/tokens/${fp('raw-one')}`)).json();
    expect(token.state).toBe('revoked');
    expect(token.revoke_source).toBe('subscriber');
    expect(token.revocations.map((r: { revocation_id: string }) => r.revocation_id)).toEqual([body.id]);
    const feed = (await t.app.inject({ url: '/v1/revocation-feed', headers: auth('ingest') })).json();
    expect(feed.entries.map((e: { token_fingerprint: string }) => e.token_fingerprint)).toContain(fp('raw-one'));
  });

  it('uses the sealed handle of a token seen in usage, and forgets it once revoked', async () => {
    const post = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: [event({ token: 'seen-in-traffic', token_type: 'access_token' }), event({ token: 'api-key-never-kept', token_type: 'api_key' })],
    });
    expect(post.statusCode).toBe(202);
    await t.ctx.flusher.drained();
    await t.ctx.revocations.handles.flush();
    const res = await revoke({ scope: 'token', token_fingerprint: fp('seen-in-traffic') });
    expect(res.json().status).toBe('done');
    expect(idp.callsFor('seen-in-traffic')).toHaveLength(1);
    expect(idp.calls.at(-1)!.hint).toBe('access_token');
    // Types no target lists are not kept at all, so they cannot be revoked through RFC 7009.
    const none = await revoke({ scope: 'token', token_fingerprint: fp('api-key-never-kept') });
    expect(none.json()).toMatchObject({ status: 'failed', last_error: 'no_revocation_handle' });
    // Masked at once, deleted with the others of the same second.
    expect((await t.ctx.revocations.handles.lookup([fp('seen-in-traffic')])).size).toBe(0);
    await t.ctx.revocations.handles.flushForgotten();
    const handles = await t.ctx.warehouse.query(`SELECT count() AS n FROM revocation_handles FINAL WHERE token_fingerprint IN {fps:Array(String)}`, {
      fps: [fp('seen-in-traffic'), fp('api-key-never-kept')],
    });
    expect(handles).toEqual([{ n: 0 }]);
  });

  it('retries a 503 after its Retry-After, then succeeds', async () => {
    idp.respond = (call, i) => (call.token === 'busy' && idp.callsFor('busy').length === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const res = await revoke({ scope: 'token', token: 'busy' });
    const done = await t.ctx.revocations.requests.settle(res.json().id, 5000);
    expect(done).toMatchObject({ status: 'done', attempts: 2 });
    const [first, second] = idp.callsFor('busy');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    idp.respond = () => ({ status: 200 });
  });

  it('retries a target that times out, and a permanent 400 fails with the server’s words', async () => {
    idp.respond = (call) => (call.token === 'slow' && idp.callsFor('slow').length === 1 ? 'hang' : call.token === 'weird' ? { status: 400, body: '{"error":"unsupported_token_type","error_description":"no such type"}' } : { status: 200 });
    const slow = await revoke({ scope: 'token', token: 'slow' });
    const weird = await revoke({ scope: 'token', token: 'weird' });
    expect(weird.json()).toMatchObject({ status: 'failed', last_http_status: 400 });
    expect(weird.json().last_error).toContain('no such type');
    expect(await t.ctx.revocations.requests.settle(slow.json().id, 5000)).toMatchObject({ status: 'done', attempts: 2 });
    expect(idp.callsFor('slow').length).toBe(2);
    idp.respond = () => ({ status: 200 });
  });

  it('lets read keys see the audit but not revoke; bad input is a 400', async () => {
    expect((await revoke({ scope: 'token', token: 'x' }, 'read')).statusCode).toBe(403);
    expect((await revoke({ scope: 'token' })).json().error.message).toMatch(/token_fingerprint: required/);
    expect((await revoke({ scope: 'token', token: 'x', target: 'elsewhere' })).json().error.message).toMatch(/no target named "elsewhere"/);
    expect((await revoke({ scope: 'all', dry_run: false })).json().error.code).toBe('confirmation_required');
    const auditRes = await get('/v1/revocations?status=done');
    expect(auditRes.statusCode, auditRes.body).toBe(200);
    const audit = auditRes.json();
    expect(audit.revocations.length).toBeGreaterThanOrEqual(3);
    expect(audit.revocations.every((r: { status: string }) => r.status === 'done')).toBe(true);
  });

  it('never writes a raw token to disk or logs', async () => {
    await t.ctx.revocations.audit.flush();
    const tree = readTree(dataDir);
    for (const raw of ['raw-one', 'busy', 'slow', 'seen-in-traffic']) {
      expect(tree.includes(Buffer.from(raw)), raw).toBe(false);
      expect(t.logs.text.includes(`"${raw}"`), raw).toBe(false);
    }
  });
});

describe('policies', () => {
  const flag = (id: string, token: string, severity: 'medium' | 'high' = 'high'): NewFlag => ({
    id,
    detector: 'impossible_travel',
    status: 'open',
    finding: {
      subject_type: 'token',
      subject: fp(token),
      token_fingerprint: fp(token),
      window_start: new Date(Date.now() - 300_000),
      window_end: new Date(),
      severity,
      score: 5,
      explanation: 'Berlin then Lima',
      evidence: {},
    },
  });

  it('revoke automatically, up to the blast-radius limit; beyond it flags wait for a human', async () => {
    const flags = ['p1', 'p2', 'p3'].map((tok, i) => flag(`${i}`.padStart(32, 'a'), tok));
    await t.ctx.runner.store.insert(flags);
    for (const tok of ['p1', 'p2', 'p3']) await revoke({ scope: 'token', token: tok, dry_run: true });
    const outcomes = await t.ctx.revocations.policy.apply(flags);
    expect(outcomes.map((o) => o.held ?? 'acted')).toEqual(['acted', 'acted', 'blast_radius']);
    expect((await t.ctx.runner.store.get(flags[2]!.id))!.status).toBe('needs_review');
    expect(await t.ctx.metrics.registry.getSingleMetricAsString('tokenwatch_alarms_total')).toContain('kind="blast_radius"} 1');
    const [first] = outcomes;
    const done = await t.ctx.revocations.requests.settle(first!.revocations[0]!, 3000);
    expect(done).toMatchObject({ source: 'detector', actor: 'policy:0', flag_id: flags[0]!.id });
  });
});

describe('a flag to its refresh family', () => {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  /** issued → refreshed → refreshed, the first one revoked: two live members, the newest last. */
  async function family(name: string) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { 'content-type': 'application/json', ...auth('idp') },
      payload: [
        { event: 'issued', ts: minutesAgo(60), token: `${name}-1`, token_type: 'refresh_token', app_id: 'shop', user_id: 'bob' },
        { event: 'refreshed', ts: minutesAgo(40), token: `${name}-2`, token_type: 'refresh_token', rotated_from: `${name}-1`, app_id: 'shop', user_id: 'bob' },
        { event: 'refreshed', ts: minutesAgo(20), token: `${name}-3`, token_type: 'refresh_token', rotated_from: `${name}-2`, app_id: 'shop', user_id: 'bob' },
        { event: 'revoked', ts: minutesAgo(10), token: `${name}-1`, source: 'app_owner', reason: 'logged out' },
      ],
    });
    expect(res.statusCode, res.body).toBe(202);
  }
  const flagOf = (id: string, token: string): NewFlag => ({
    id,
    detector: 'impossible_travel',
    status: 'open',
    finding: { subject_type: 'token', subject: fp(token), token_fingerprint: fp(token), window_start: new Date(Date.now() - 300_000), window_end: new Date(), severity: 'high', score: 5, explanation: 'Oslo then Quito', evidence: {} },
  });
  const revoked = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => t.ctx.revocations.requests.get(id)))).map((r) => ({ fp: r!.token_fingerprint, scope: r!.scope, app_id: r!.app_id, user_id: r!.user_id, source: r!.source, actor: r!.actor, reason: r!.reason }));

  it('the policies and the review API revoke the same live members, with the registry’s app and user', async () => {
    await family('fam-policy');
    await family('fam-review');
    const [a, b] = ['c'.repeat(31) + '1', 'c'.repeat(31) + '2'];
    await t.ctx.runner.store.insert([flagOf(a, 'fam-policy-2'), flagOf(b, 'fam-review-3')]);

    // The automatic path: a revoke_family policy (its own engine, so its own budget).
    const config = { ...t.ctx.config, revocation: { ...t.ctx.config.revocation, policies: [{ ...t.ctx.config.revocation.policies[0]!, action: 'revoke_family' as const }] } };
    const engine = new PolicyEngine(config, t.ctx.warehouse, t.ctx.revocations, t.ctx.runner.store, t.ctx.metrics, t.ctx.logger);
    const [outcome] = await engine.apply([flagOf(a, 'fam-policy-2')]);
    expect(outcome).toMatchObject({ action: 'revoke_family', revocations: [expect.any(String), expect.any(String)] });
    expect(outcome!.held).toBeUndefined();
    const reason = 'impossible_travel: Oslo then Quito';
    expect(await revoked(outcome!.revocations)).toEqual([
      { fp: fp('fam-policy-2'), scope: 'family', app_id: 'shop', user_id: 'bob', source: 'detector', actor: 'policy:0', reason },
      { fp: fp('fam-policy-3'), scope: 'family', app_id: 'shop', user_id: 'bob', source: 'detector', actor: 'policy:0', reason },
    ]);

    // The review API: confirming with revoke=family takes the same members.
    const res = await t.app.inject({ method: 'POST', url: `/v1/flags/${b}/confirm`, headers: { 'content-type': 'application/json', ...auth('admin') }, payload: { reason: 'stolen', revoke: 'family', actor: 'ana' } });
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().revocations.map((r: { id: string }) => r.id);
    expect(await revoked(ids)).toEqual(
      ['fam-review-2', 'fam-review-3'].map((tok) => ({ fp: fp(tok), scope: 'family', app_id: 'shop', user_id: 'bob', source: 'governance', actor: expect.stringContaining('ana'), reason: `confirmed flag ${b}: stolen` })),
    );
    expect(res.json().revocations[0]).not.toHaveProperty('sealed_token');
  });
});
