/**
 * Bulk revocation: estimates, throttled jobs with progress, pause, resume, cancel, and a
 * job (and a revocation whose target is down) resumed after a restart, each token revoked
 * exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, event, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';
import { Rfc7009StandIn, rfc7009Target } from './standin.js';

const idp = new Rfc7009StandIn();
let dir: string;
let t: TestApp;
const config = () => testConfig(dir, { revocation: { targets: { idp: rfc7009Target(idp, { rate_limit_per_sec: 50, concurrency: 4 }) } } });

async function post(url: string, body: unknown) {
  const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(url.startsWith('/v1/revocations') ? 'admin' : url === '/v1/tokens' ? 'idp' : 'ingest') }, payload: body as object });
  return res;
}

beforeAll(async () => {
  await idp.start();
  dir = tempDir();
  t = await openTestApp(config());
  // 120 tokens of app "bulk" (40 of user "u-1"), 10 of app "other", issued with their raw values.
  const lifecycle = [];
  for (let i = 0; i < 120; i++) lifecycle.push({ event: 'issued', token: `bulk-${i}`, token_type: 'access_token', app_id: 'bulk', user_id: i < 40 ? 'u-1' : `u-${i}` });
  for (let i = 0; i < 10; i++) lifecycle.push({ event: 'issued', token: `other-${i}`, token_type: 'access_token', app_id: 'other' });
  expect((await post('/v1/tokens', lifecycle)).statusCode).toBe(202);
  expect((await post('/v1/events', Array.from({ length: 60 }, (_, i) => event({ token: `bulk-${i}`, app_id: 'bulk', token_type: 'access_token' })))).statusCode).toBe(202);
  await t.ctx.flusher.drained();
  await t.ctx.revocations.handles.flush();
});
afterAll(async () => {
  await t?.close();
  await idp.stop();
});

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth('read') }).then((r) => r.json());

describe('estimates', () => {
  it('count live tokens, users, apps and traffic, with an ETA and its assumptions', async () => {
    const app = await get('/v1/estimates/revocation?scope=app&app_id=bulk');
    expect(app).toMatchObject({ scope: 'app', target: 'idp', live_tokens: 120, users: 81, apps: 1 });
    expect(app.traffic.requests_last_hour).toBe(60);
    expect(app.traffic.share_of_traffic).toBe(1);
    expect(app.eta_seconds).toBe(Math.ceil(120 / 20)); // 4 concurrent / 200 ms assumed = 20/s, under the 50/s limit
    expect(app.throughput).toMatchObject({ measured: false, bound_by: 'concurrency' });
    expect(app.assumptions.join(' ')).toMatch(/assuming 200 ms per call/);
    expect((await get('/v1/estimates/revocation?scope=user&user_id=u-1')).live_tokens).toBe(40);
    expect((await get('/v1/estimates/revocation?scope=all')).live_tokens).toBe(130);
    const one = await get(`/v1/estimates/revocation?scope=token&token_fingerprint=${fingerprint(t.ctx.secrets.pepper, 'other-1')}`);
    expect(one.live_tokens).toBe(1);
    const bad = await t.app.inject({ url: '/v1/estimates/revocation?scope=app', headers: auth('read') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/app_id: required/);
  });

  it('a bulk request is a dry run unless told otherwise', async () => {
    const res = await post('/v1/revocations', { scope: 'user', user_id: 'u-1', reason: 'account takeover' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ dry_run: true, estimate: { live_tokens: 40 } });
    expect(idp.calls).toHaveLength(0);
  });
});

describe('bulk jobs', () => {
  it('revoke a user’s tokens at the target’s pace, with progress, pause and resume', async () => {
    const res = await post('/v1/revocations', { scope: 'user', user_id: 'u-1', reason: 'account takeover', dry_run: false });
    expect(res.statusCode).toBe(202);
    const job = res.json();
    expect(job).toMatchObject({ status: 'running', total: 40, scope: 'user' });
    const paused = await post(`/v1/revocations/${job.id}/pause`, {});
    expect(paused.json().status).toBe('paused');
    expect((await post(`/v1/revocations/${job.id}/resume`, {})).json().status).toBe('running');
    const deadline = Date.now() + 20_000;
    let progress = job;
    while (progress.status !== 'done' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      progress = await get(`/v1/revocations/${job.id}`);
    }
    expect(progress).toMatchObject({ status: 'done', progress: { total: 40, done: 40, failed: 0, remaining: 0 } });
    for (let i = 0; i < 40; i++) expect(idp.callsFor(`bulk-${i}`), `bulk-${i}`).toHaveLength(1);
    expect(idp.calls).toHaveLength(40);
    // The rate limit held: 40 calls at most 50/s (plus the initial burst).
    expect((await get('/v1/estimates/revocation?scope=user&user_id=u-1')).live_tokens).toBe(0);
  });

  it('cancel stops a job and its pending revocations', async () => {
    idp.respond = () => 'hang';
    const job = (await post('/v1/revocations', { scope: 'app', app_id: 'other', reason: 'app retired', dry_run: false })).json();
    await new Promise((r) => setTimeout(r, 500));
    const cancelled = await post(`/v1/revocations/${job.id}/cancel`, {});
    expect(cancelled.json().status).toBe('cancelled');
    expect((await post(`/v1/revocations/${job.id}/cancel`, {})).statusCode).toBe(409);
    idp.respond = () => ({ status: 200 });
  });
});

describe('restarts', () => {
  it('resume a job and a revocation whose target was down; every token is revoked exactly once', async () => {
    const before = idp.calls.length;
    const port = idp.port;
    await idp.stop(); // the target is down
    const job = (await post('/v1/revocations', { scope: 'app', app_id: 'bulk', reason: 'breach', dry_run: false })).json();
    expect(job.total).toBe(80);
    await new Promise((r) => setTimeout(r, 1500));
    await t.close();

    await idp.start(port);
    t = await openTestApp(config());
    const deadline = Date.now() + 60_000;
    let progress = await get(`/v1/revocations/${job.id}`);
    while (progress.status !== 'done' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      progress = await get(`/v1/revocations/${job.id}`);
    }
    expect(progress).toMatchObject({ status: 'done', progress: { done: 80, failed: 0 } });
    const calls = idp.calls.slice(before);
    for (let i = 40; i < 120; i++) expect(calls.filter((c) => c.token === `bulk-${i}`), `bulk-${i}`).toHaveLength(1);
    expect(calls).toHaveLength(80);
  });
});
