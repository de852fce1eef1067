/**
 * Scheduled ticks re-examine the earlier windows of their look-back only for tokens with
 * events received since the previous tick: a late event is still detected in the window
 * it belongs to, and the windows nothing new arrived for are not read again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/detectors/runner.js';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const MIN = 60_000;
let t: TestApp;
/** The window before the current one: the late events belong there. */
const W = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 5 * MIN;

/** One token from 30 addresses in 10 networks within a minute of window W. */
async function fanout(token: string) {
  const events = Array.from({ length: 30 }, (_, i) => ({
    token,
    ts: new Date(W + MIN + i * 1000).toISOString(),
    ip: `203.0.${i}.9`,
    asn: 64500 + (i % 10),
    country: 'NL',
    status: 200,
  }));
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', ...auth('ingest') }, payload: JSON.stringify(events) });
  expect(res.statusCode, res.body).toBe(202);
  await t.ctx.flusher.drained();
}

/** One address trying 12 tokens within a minute of window W. */
async function stuffing(ip: string) {
  const events = Array.from({ length: 60 }, (_, i) => ({
    token: `stuffed-${ip}-${i % 12}`,
    ts: new Date(W + 2 * MIN + i * 500).toISOString(),
    ip,
    status: 401,
    path: '/login',
  }));
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', ...auth('ingest') }, payload: JSON.stringify(events) });
  expect(res.statusCode, res.body).toBe(202);
  await t.ctx.flusher.drained();
}

async function post(url: string, body: unknown[]) {
  const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(url === '/v1/tokens' ? 'idp' : 'ingest') }, payload: JSON.stringify(body) });
  expect(res.statusCode, res.body).toBe(202);
  await t.ctx.flusher.drained();
}

const fp = (token: string) => fingerprint(t.ctx.secrets.pepper, token);
const fanouts = (r: RunResult) => r.flags.filter((f) => f.detector === 'ip_fanout').map((f) => [f.finding.subject, f.finding.window_start.getTime()]);
const stuffers = (r: RunResult) => r.flags.filter((f) => f.detector === 'auth_failures' && f.finding.subject_type === 'ip').map((f) => [f.finding.subject, f.finding.window_start.getTime()]);
async function tick() {
  const result = await t.ctx.runner.run(t.ctx.runner.scheduledRange(new Date()), 'schedule');
  expect(result.detectors.filter((d) => d.outcome !== 'ok')).toEqual([]);
  return result;
}

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
}, 60_000);
afterAll(async () => t?.close());

describe('scheduled ticks and late events', () => {
  let first: RunResult;

  it('the first tick examines its whole range', async () => {
    await fanout('on-time');
    // A refresh token used in window W; its rotation, before that use, is reported only after the tick.
    await post('/v1/events', [{ token: 'rt-late', token_type: 'refresh_token', ts: new Date(W + 3 * MIN).toISOString(), ip: '198.51.100.7', path: '/oauth/token', status: 200 }]);
    first = await tick();
    expect(fanouts(first)).toEqual([[fp('on-time'), W]]);
  });

  it('an event that arrives after the tick that covered its window is still flagged, in its window', async () => {
    await fanout('late');
    await stuffing('45.9.8.7');
    const second = await tick();
    expect(fanouts(second)).toEqual([[fp('late'), W]]);
    // A subject other than a token: the address's whole window is judged again.
    expect(stuffers(second)).toEqual([['45.9.8.7', W]]);
  });

  it("a lifecycle event reported late has the token's earlier uses judged again", async () => {
    await post('/v1/tokens', [{ event: 'refreshed', token: 'rt-late-2', token_type: 'refresh_token', rotated_from: 'rt-late', ts: new Date(W + MIN).toISOString() }]);
    const third = await tick();
    expect(third.flags.filter((f) => f.detector === 'refresh_reuse').map((f) => f.finding.subject)).toEqual([fp('rt-late')]);
  });

  it('earlier windows are not read again for tokens with nothing new', async () => {
    const range = t.ctx.runner.scheduledRange(new Date());
    // As if the previous tick had ended after every event so far had been received.
    const quiet = await t.ctx.runner.run({ ...range, previous: new Date(Date.now() + 2 * MIN) }, 'schedule', ['ip_fanout']);
    expect(quiet.detectors[0]!.findings).toBe(0);
    const full = await t.ctx.runner.run({ from: range.from, to: range.to }, 'api', ['ip_fanout']);
    expect(full.detectors[0]!.findings).toBe(2);
  });
});
